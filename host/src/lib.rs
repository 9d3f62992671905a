//! FasterAPI's host: serves HTTP requests from handlers compiled to
//! WebAssembly components, many tenants' apps on one server.
//!
//! The route model lives in `fasterapi-routes` (pure) and the WebAssembly
//! runtime in `fasterapi-runtime` (no HTTP). This crate is the server on
//! top, in layers that each import only the ones listed before them
//! (`tests/layers.rs` checks it):
//!
//! 1. [`config`]: the manifest, limits and app names;
//! 2. [`metrics`]: Prometheus metrics;
//! 3. [`watch`]: the file watcher (hot reload, `fasterapi dev`);
//! 4. [`http`]: the handler trait, response helpers, the limited body reader;
//! 5. [`trigger`]: HTTP ↔ WIT: picks the app, routes, extracts typed
//!    parameters, calls the guest, serves `/openapi.json` and `/docs`;
//! 6. [`server`]: the HTTP/1.1 listener and graceful shutdown;
//! 7. [`registry`]: loads, mounts, reloads and stores (deployed) apps;
//! 8. [`admin`]: the admin API;
//! 9. [`inprocess`]: apps answering requests without a socket (test clients);
//! 10. [`build`]: compiling guest projects into components;
//! 11. [`cli`]: the `fasterapi` command, one file per verb.
//!
//! A request walks socket → [`server`] → [`trigger`] → (routes, runtime)
//! → guest and back; its parameters are converted once, from request text
//! into WIT values.

#![deny(missing_docs)]

pub mod admin;
pub mod build;
pub mod cli;
pub mod config;
pub mod http;
pub mod inprocess;
pub mod metrics;
pub mod registry;
pub mod server;
pub mod trigger;
pub mod watch;
