//! Host bindings of the `fasterapi:http/app` world, generated from `wit/`:
//! the types a guest exchanges with the host (`types::Request`,
//! `types::Response`, routes) and the capability interfaces.

#![allow(missing_docs)] // generated; the WIT file documents every item

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "app",
    imports: { "fasterapi:http/kv": async },
    exports: { default: async },
});

pub use fasterapi::http::config;
pub use fasterapi::http::kv;
pub use fasterapi::http::log;
pub use fasterapi::http::types;
