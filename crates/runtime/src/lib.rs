//! FasterAPI's WebAssembly runtime: one wasmtime engine per host, the
//! compile cache, loaded guests and the instances their calls run in, the
//! limits those instances run under, and the capabilities guests import.
//!
//! It speaks WIT, not HTTP: a caller (the host's trigger) hands a
//! [`Guest`] a `bindings::types::Request` whose parameters are already
//! typed, and gets a `bindings::types::Response` back, or a [`CallError`]
//! that says whether the guest trapped, timed out or could not be
//! instantiated. Its only HTTP is the standard `wasi:http` world's, in two
//! modules: [`ProxyGuest`] and the outbound capability.
//!
//! - [`Runtime`]: the engine, linker and compile cache every app shares;
//! - [`Compiled`]: a compiled component, and the [`World`] it implements;
//! - [`Guest`]: one loaded typed component, its declared routes and its instances;
//! - [`ProxyGuest`]: one loaded standard `wasi:http` component (its HTTP
//!   types are the world's own: the runtime has no HTTP server);
//! - [`cache`]: compiled components on disk, compiled functions in memory;
//! - [`capabilities`]: `config`, `log` and `kv` (redb or Redis), each on its
//!   own view of the store, outbound `wasi:http` (deny by default, pooled
//!   per app), and the guest's captured stderr;
//! - [`trace`]: the W3C trace context of the request being answered,
//!   forwarded on the guest's outbound calls;
//! - [`bindings`]: the types generated from `wit/`.

#![deny(missing_docs)]

pub mod bindings;
pub mod cache;
pub mod capabilities;
mod compiled;
mod declared;
mod engine;
mod guest;
mod instances;
mod proxy;
mod state;
pub mod trace;

pub use compiled::{Compiled, World};
pub use declared::method_to_wit;
pub use engine::{Runtime, RuntimeConfig, RuntimeError};
pub use guest::{
    CallError, DECLARE_DEADLINE, Guest, GuestConfig, Held, InstanceLimits, InstanceMode, LoadError, Observer,
    Reply,
};
pub use proxy::{ProxyGuest, ProxyReply};
