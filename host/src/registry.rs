//! The app registry: loads a manifest's apps (compiling through the cache)
//! and mounts them, with the key-value backend they share.

use std::path::PathBuf;
use std::sync::Arc;

use crate::capabilities::AppContext;
use crate::capabilities::kv::{KvBackend, KvError, RedbBackend, RedisBackend};
use crate::dispatch::{Dispatcher, Mounted};
use crate::manifest::{AppConfig, KvConfig, Manifest};
use crate::runtime::{App, LoadError, Runtime, RuntimeConfig, RuntimeError};

/// Why the apps of a manifest could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error("app '{app}': cannot read {}: {source}", path.display())]
    Read { app: String, path: PathBuf, source: std::io::Error },
    #[error("app '{app}': {}: {source}", path.display())]
    Load { app: String, path: PathBuf, source: LoadError },
    #[error("cannot open the key-value store: {0}")]
    Kv(KvError),
}

/// The runtime settings a manifest needs: pool slots sized for its largest
/// memory limit, the compile cache under `data_dir` unless given.
pub fn runtime_config(manifest: &Manifest, cache_dir: Option<PathBuf>) -> RuntimeConfig {
    let max_memory = manifest.apps.iter().map(|a| a.limits.memory).max().unwrap_or(256 << 20);
    RuntimeConfig {
        cache_dir: Some(cache_dir.unwrap_or_else(|| manifest.server.data_dir.join("cache"))),
        max_memory,
        ..RuntimeConfig::default()
    }
}

/// Loads every app of `manifest` and mounts them.
pub async fn load(runtime: Arc<Runtime>, manifest: &Manifest) -> Result<Dispatcher, RegistryError> {
    let kv = match manifest.apps.iter().any(|a| a.kv) {
        true => Some(open_kv(manifest).await.map_err(RegistryError::Kv)?),
        false => None,
    };
    let mut mounted = Vec::with_capacity(manifest.apps.len());
    for config in &manifest.apps {
        let started = std::time::Instant::now();
        let app = load_app(&runtime, config, kv.clone()).await?;
        tracing::info!(
            app = %config.name,
            tenant = %config.tenant,
            route = config.route.as_deref().unwrap_or("/"),
            host = config.host.as_deref().unwrap_or("*"),
            routes = app.routes().len(),
            hash = &app.hash()[..12],
            cached = app.origin() == crate::runtime::cache::Origin::Cache,
            "loaded in {:.0} ms",
            started.elapsed().as_secs_f64() * 1000.0
        );
        mounted.push(Mounted::new(Arc::new(app), config.route.clone(), config.host.clone()));
    }
    Ok(Dispatcher::new(runtime, mounted))
}

async fn load_app(
    runtime: &Runtime,
    config: &AppConfig,
    kv: Option<Arc<dyn KvBackend>>,
) -> Result<App, RegistryError> {
    let bytes = std::fs::read(&config.component).map_err(|source| RegistryError::Read {
        app: config.name.clone(),
        path: config.component.clone(),
        source,
    })?;
    let context = AppContext {
        name: config.name.as_str().into(),
        tenant: config.tenant.clone(),
        config: config.config.clone(),
        kv: if config.kv { kv } else { None },
        limits: config.limits,
    };
    App::load(runtime, context, &bytes).await.map_err(|source| RegistryError::Load {
        app: config.name.clone(),
        path: config.component.clone(),
        source,
    })
}

async fn open_kv(manifest: &Manifest) -> Result<Arc<dyn KvBackend>, KvError> {
    Ok(match &manifest.server.kv {
        KvConfig::Embedded => Arc::new(RedbBackend::open(&manifest.server.data_dir.join("kv.redb"))?),
        KvConfig::Redis { url } => Arc::new(RedisBackend::connect(url).await?),
    })
}
