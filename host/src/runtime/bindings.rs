//! Host bindings of the `fasterapi:http/app` world, generated from `wit/`.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "app",
    imports: { "fasterapi:http/kv": async },
    exports: { default: async },
});

pub use fasterapi::http::config;
pub use fasterapi::http::kv;
pub use fasterapi::http::log;
pub use fasterapi::http::types;
