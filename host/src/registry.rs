//! The app registry: loads a manifest's apps (compiling through the cache),
//! mounts them, and reloads them when the manifest or a component changes:
//! the new version is compiled and checked off the request path, then the
//! table of apps is swapped atomically. A version that fails is rejected
//! with one log line and the old one keeps serving.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, OnceCell};

use crate::capabilities::AppContext;
use crate::capabilities::kv::{KvBackend, KvError, RedbBackend, RedisBackend};
use crate::dispatch::{Dispatcher, Mounted};
use crate::manifest::{self, AppConfig, KvConfig, Manifest, ManifestError};
use crate::runtime::cache::{Origin, content_hash};
use crate::runtime::{App, LoadError, Runtime, RuntimeConfig, RuntimeError};

/// Why apps could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("app '{app}': cannot read {}: {source}", path.display())]
    Read { app: String, path: PathBuf, source: std::io::Error },
    #[error("app '{app}': {}: {source}", path.display())]
    Load { app: String, path: PathBuf, source: LoadError },
    #[error("cannot open the key-value store: {0}")]
    Kv(KvError),
}

/// The runtime settings a manifest needs: pool slots sized for its largest
/// memory limit (at least 1 GiB, so a reload can raise a limit), the compile
/// cache under `data_dir` unless given.
pub fn runtime_config(manifest: &Manifest, cache_dir: Option<PathBuf>) -> RuntimeConfig {
    let max_memory = manifest.apps.iter().map(|a| a.limits.memory).max().unwrap_or(0).max(1 << 30);
    RuntimeConfig {
        cache_dir: Some(cache_dir.unwrap_or_else(|| manifest.server.data_dir.join("cache"))),
        max_memory,
        ..RuntimeConfig::default()
    }
}

/// Where the app table comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A manifest file, re-read on reload.
    Manifest(PathBuf),
    /// A fixed manifest (`fasterapi serve app.wasm`); its components are re-read.
    Fixed(Box<Manifest>),
}

/// One loaded app and what it was loaded from.
struct Entry {
    config: AppConfig,
    hash: String,
    mounted: Arc<Mounted>,
}

/// The loaded apps, their dispatcher, and how to reload them.
pub struct Registry {
    runtime: Arc<Runtime>,
    source: Source,
    dispatcher: Arc<Dispatcher>,
    kv: OnceCell<Arc<dyn KvBackend>>,
    loaded: Mutex<Vec<Entry>>,
}

impl Registry {
    /// Loads every app; any failure here is fatal (nothing serves yet).
    pub async fn start(runtime: Arc<Runtime>, source: Source) -> Result<Arc<Registry>, RegistryError> {
        let manifest = source.read()?;
        let registry = Arc::new(Registry {
            dispatcher: Arc::new(Dispatcher::new(runtime.clone(), Vec::new())),
            runtime,
            source,
            kv: OnceCell::new(),
            loaded: Mutex::new(Vec::new()),
        });
        let mut entries = Vec::with_capacity(manifest.apps.len());
        for config in &manifest.apps {
            entries.push(registry.load_entry(&manifest, config).await?);
        }
        registry.install(entries).await;
        Ok(registry)
    }

    /// The dispatcher serving the current apps.
    pub fn dispatcher(&self) -> Arc<Dispatcher> {
        self.dispatcher.clone()
    }

    /// The files whose changes trigger a reload.
    pub async fn watched_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> =
            self.loaded.lock().await.iter().map(|e| e.config.component.clone()).collect();
        if let Source::Manifest(path) = &self.source {
            files.push(path.clone());
        }
        files
    }

    /// Re-reads the manifest and components; loads what changed and swaps
    /// the table. Returns how many apps were (re)loaded.
    pub async fn reload(&self) -> Result<usize, RegistryError> {
        let manifest = self.source.read()?;
        let mut loaded = self.loaded.lock().await;
        let mut previous: HashMap<String, Entry> =
            loaded.drain(..).map(|e| (e.config.name.clone(), e)).collect();
        let mut next = Vec::with_capacity(manifest.apps.len());
        let mut changed = 0;
        for config in &manifest.apps {
            let hash = std::fs::read(&config.component).map(|bytes| content_hash(&bytes)).ok();
            let old = previous.remove(&config.name);
            if let Some(old) =
                old.as_ref().filter(|old| old.config == *config && Some(&old.hash) == hash.as_ref())
            {
                next.push(Entry {
                    config: old.config.clone(),
                    hash: old.hash.clone(),
                    mounted: old.mounted.clone(),
                });
                continue;
            }
            match self.load_entry(&manifest, config).await {
                Ok(entry) => {
                    tracing::info!(app = %config.name, hash = &entry.hash[..12], "reloaded");
                    crate::metrics::METRICS.reload(&config.name);
                    changed += 1;
                    next.push(entry);
                }
                Err(err) => {
                    tracing::error!(app = %config.name, "new version rejected, the old one keeps serving: {err}");
                    next.extend(old);
                }
            }
        }
        for gone in previous.keys() {
            tracing::info!(app = %gone, "removed");
            changed += 1;
        }
        self.dispatcher.replace(next.iter().map(|e| e.mounted.clone()).collect());
        *loaded = next;
        Ok(changed)
    }

    async fn install(&self, entries: Vec<Entry>) {
        self.dispatcher.replace(entries.iter().map(|e| e.mounted.clone()).collect());
        *self.loaded.lock().await = entries;
    }

    async fn load_entry(&self, manifest: &Manifest, config: &AppConfig) -> Result<Entry, RegistryError> {
        let started = std::time::Instant::now();
        let bytes = std::fs::read(&config.component).map_err(|source| RegistryError::Read {
            app: config.name.clone(),
            path: config.component.clone(),
            source,
        })?;
        let kv = match config.kv {
            true => {
                Some(self.kv.get_or_try_init(|| open_kv(manifest)).await.map_err(RegistryError::Kv)?.clone())
            }
            false => None,
        };
        let context = AppContext {
            name: config.name.as_str().into(),
            tenant: config.tenant.clone(),
            config: config.config.clone(),
            kv,
            limits: config.limits,
        };
        let app = App::load(&self.runtime, context, &bytes).await.map_err(|source| RegistryError::Load {
            app: config.name.clone(),
            path: config.component.clone(),
            source,
        })?;
        tracing::info!(
            app = %config.name,
            tenant = %config.tenant,
            route = config.route.as_deref().unwrap_or("/"),
            host = config.host.as_deref().unwrap_or("*"),
            routes = app.routes().len(),
            hash = &app.hash()[..12],
            cached = app.origin() == Origin::Cache,
            "loaded in {:.0} ms",
            started.elapsed().as_secs_f64() * 1000.0
        );
        let hash = app.hash().to_owned();
        let mounted = Arc::new(Mounted::new(Arc::new(app), config.route.clone(), config.host.clone()));
        Ok(Entry { config: config.clone(), hash, mounted })
    }
}

impl Source {
    fn read(&self) -> Result<Manifest, RegistryError> {
        match self {
            Source::Manifest(path) => Ok(manifest::load(path)?),
            Source::Fixed(manifest) => Ok((**manifest).clone()),
        }
    }
}

async fn open_kv(manifest: &Manifest) -> Result<Arc<dyn KvBackend>, KvError> {
    Ok(match &manifest.server.kv {
        KvConfig::Embedded => Arc::new(RedbBackend::open(&manifest.server.data_dir.join("kv.redb"))?),
        KvConfig::Redis { url } => Arc::new(RedisBackend::connect(url).await?),
    })
}

/// How long file events are gathered before a reload (editors and build
/// tools write a file in several steps).
const DEBOUNCE: Duration = Duration::from_millis(50);

/// Watches the manifest and the components (their directories, so that a
/// file replaced by a rename is seen) and reloads on a change, until the
/// process ends. Returns an error only if watching cannot start.
pub async fn watch(registry: Arc<Registry>) -> Result<(), notify_debouncer_mini::notify::Error> {
    use notify_debouncer_mini::notify::RecursiveMode;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut debouncer = notify_debouncer_mini::new_debouncer(DEBOUNCE, move |events| {
        let _ = tx.send(events);
    })?;
    let mut watched_dirs = HashSet::new();
    loop {
        let files: HashSet<PathBuf> = registry.watched_files().await.iter().map(|f| absolute(f)).collect();
        for dir in files.iter().filter_map(|f| f.parent().map(Path::to_owned)) {
            if watched_dirs.insert(dir.clone()) {
                debouncer.watcher().watch(&dir, RecursiveMode::NonRecursive)?;
            }
        }
        let Some(events) = rx.recv().await else { return Ok(()) };
        let relevant = match events {
            Ok(events) => events.iter().any(|e| files.contains(&absolute(&e.path))),
            Err(err) => {
                tracing::warn!("watching files failed: {err}");
                false
            }
        };
        if relevant && let Err(err) = registry.reload().await {
            tracing::error!("reload rejected, the current apps keep serving: {err}");
        }
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}
