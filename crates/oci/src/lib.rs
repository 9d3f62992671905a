//! Components as OCI artifacts, in the CNCF Wasm OCI artifact format (the
//! one `wkg oci push/pull` speaks): a manifest whose config is
//! `application/vnd.wasm.config.v0+json` and whose one layer is the
//! component, `application/wasm`.
//!
//! [`Registry::push`] publishes a component and says its digest;
//! [`Registry::pull`] fetches one by tag or digest, verifies it against the
//! digest, and keeps it on disk by digest, so that a host that already has
//! it does no network I/O. Registries on loopback are spoken to over plain
//! HTTP, as docker does; any other only over HTTPS unless named insecure.
//! Credentials come from `FASTERAPI_REGISTRY_USERNAME` and
//! `FASTERAPI_REGISTRY_PASSWORD`, else from docker's `config.json` (and its
//! credential helpers). No HTTP server, no WebAssembly runtime.

mod artifact;
mod credentials;
mod reference;
mod registry;

pub use artifact::{CONFIG_MEDIA_TYPE, LAYER_MEDIA_TYPE};
pub use reference::{ImageRef, ReferenceError, SCHEME};
pub use registry::{OciError, Pulled, Registry};
