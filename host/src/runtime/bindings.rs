//! Host bindings of the `fasterapi:http/app` world, generated from `wit/`.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "app",
    exports: { default: async },
});

pub use fasterapi::http::log;
pub use fasterapi::http::types;
