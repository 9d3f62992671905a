//! What guests may import through WIT besides WASI, each scoped to the
//! calling app (`config`, `log`) or its tenant (`kv`).
//!
//! Each capability implements its generated host trait on a small view of
//! its own (as `wasmtime-wasi-http` does with `WasiHttpView`), which the
//! runtime hands over from the store's state: a capability sees only what
//! it needs and knows nothing of stores, limits or HTTP.

pub mod config;
pub mod kv;
pub mod log;
pub mod outbound;
pub mod stderr;

use std::collections::BTreeMap;
use std::sync::Arc;

/// Who an app is: the names its logs and its kv namespace go by.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The app's name (unique on a host).
    pub app: Arc<str>,
    /// The tenant the app belongs to: its kv namespace.
    pub tenant: Arc<str>,
}

/// What an app's instances may reach, as the manifest grants it.
#[derive(Clone, Default)]
pub struct Capabilities {
    /// The app's `[app.config]` variables.
    pub config: BTreeMap<String, String>,
    /// The key-value store, when the manifest grants it.
    pub kv: Option<Arc<dyn kv::KvBackend>>,
    /// How much of the store the app's tenant may use.
    pub kv_quota: kv::KvQuota,
    /// Whom it may call over HTTP, and how much; `None` denies every call.
    pub outbound: Option<Arc<outbound::OutboundPolicy>>,
}
