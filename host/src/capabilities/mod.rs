//! Host capabilities imported by guests through WIT, each scoped to the
//! calling app (config) or its tenant (kv).

pub mod config;
pub mod kv;
pub mod log;
pub mod stderr;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::limits::Limits;
use crate::manifest::InstanceMode;

/// Who an app is and what its instances may reach.
pub struct AppContext {
    pub name: Arc<str>,
    pub tenant: String,
    /// The app's `[app.config]` variables.
    pub config: BTreeMap<String, String>,
    /// The key-value store, when the manifest grants it.
    pub kv: Option<Arc<dyn kv::KvBackend>>,
    pub limits: Limits,
    /// Whether instances are fresh per request or reused, if the manifest
    /// says; otherwise the guest's preference, else per request.
    pub instances: Option<InstanceMode>,
    /// The app's metrics handles.
    pub metrics: crate::metrics::AppMetrics,
}

impl AppContext {
    /// An app with no config and no kv grant, under `limits`.
    pub fn bare(name: &str, limits: Limits) -> Self {
        AppContext {
            name: name.into(),
            tenant: "default".into(),
            config: BTreeMap::new(),
            kv: None,
            limits,
            instances: None,
            metrics: crate::metrics::METRICS.app(name),
        }
    }
}
