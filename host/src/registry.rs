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
    #[error("apps '{0}' and '{1}' claim the same route and host")]
    Clash(String, String),
    #[error("cannot store the deployed app in {}: {source}", path.display())]
    Store { path: PathBuf, source: std::io::Error },
}

/// What `GET /apps` reports of an app.
#[derive(Debug, serde::Serialize)]
pub struct AppInfo {
    pub name: String,
    pub tenant: String,
    pub route: Option<String>,
    pub host: Option<String>,
    /// SHA-256 of the component.
    pub hash: String,
    /// "per-request" or "reuse".
    pub instances: &'static str,
    /// When this version was loaded (RFC 3339).
    pub loaded_at: String,
    pub requests: u64,
    pub server_errors: u64,
    /// "manifest" or "deployed" (through the admin API).
    pub source: &'static str,
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

/// What a reload did.
#[derive(Debug, Default)]
pub struct Reloaded {
    /// Apps loaded anew, added or removed.
    pub changed: usize,
    /// Apps whose new version failed to load, with why; their old version
    /// keeps serving.
    pub rejected: Vec<(String, String)>,
}

/// The loaded apps, their dispatcher, and how to reload them.
pub struct Registry {
    runtime: Arc<Runtime>,
    /// Replaced only by [`Registry::reload_fixed`].
    source: std::sync::Mutex<Source>,
    /// `[server]` as read at start (its changes need a restart).
    server: manifest::ServerConfig,
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
            source: std::sync::Mutex::new(source),
            server: manifest.server.clone(),
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

    /// Serves `manifest` from now on (in place of a fixed source) and
    /// reloads: `fasterapi dev` after an edit of the project's manifest.
    pub async fn reload_fixed(&self, manifest: Manifest) -> Result<Reloaded, RegistryError> {
        *self.source.lock().unwrap_or_else(|e| e.into_inner()) = Source::Fixed(Box::new(manifest));
        self.reload().await
    }

    fn source(&self) -> std::sync::MutexGuard<'_, Source> {
        self.source.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The dispatcher serving the current apps.
    pub fn dispatcher(&self) -> Arc<Dispatcher> {
        self.dispatcher.clone()
    }

    /// The files whose changes trigger a reload.
    pub async fn watched_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> =
            self.loaded.lock().await.iter().map(|e| e.config.component.clone()).collect();
        if let Source::Manifest(path) = &*self.source() {
            files.push(path.clone());
        }
        files
    }

    /// Re-reads the manifest and components; loads what changed and swaps
    /// the table. A version that fails to load is rejected (the old one
    /// keeps serving) and reported.
    pub async fn reload(&self) -> Result<Reloaded, RegistryError> {
        let manifest = self.source().read()?;
        let mut loaded = self.loaded.lock().await;
        let mut previous: HashMap<String, Entry> =
            loaded.drain(..).map(|e| (e.config.name.clone(), e)).collect();
        let mut next = Vec::with_capacity(manifest.apps.len());
        let mut changed = 0;
        let mut rejected = Vec::new();
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
                    rejected.push((config.name.clone(), err.to_string()));
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
        Ok(Reloaded { changed, rejected })
    }

    /// What is mounted now.
    pub async fn list(&self) -> Vec<AppInfo> {
        let deployed = deployed_dir(&self.server);
        self.loaded
            .lock()
            .await
            .iter()
            .map(|e| AppInfo {
                name: e.config.name.clone(),
                tenant: e.config.tenant.clone(),
                route: e.config.route.clone(),
                host: e.config.host.clone(),
                hash: e.hash.clone(),
                instances: e.mounted.app.mode().as_str(),
                loaded_at: humantime::format_rfc3339_seconds(e.mounted.loaded_at).to_string(),
                requests: e.mounted.requests.load(std::sync::atomic::Ordering::Relaxed),
                server_errors: e.mounted.server_errors.load(std::sync::atomic::Ordering::Relaxed),
                source: if e.config.component.starts_with(&deployed) { "deployed" } else { "manifest" },
            })
            .collect()
    }

    /// Deploys (or replaces) app `name`: `fragment` is its manifest entry
    /// without name and component, as a TOML inline table (`{ tenant = "acme",
    /// route = "/acme" }`). The app is checked (manifest keys, the component,
    /// clashes) before anything changes; it is kept in `data_dir` so that it
    /// is there after a restart. The error is the reason to give the client.
    pub async fn deploy(&self, name: &str, fragment: &str, component: &[u8]) -> Result<(), String> {
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(format!("'{name}' is not an app name: use letters, digits, '-' and '_'"));
        }
        let server = &self.server;
        let dir = deployed_dir(server);
        let staging = dir.join(format!(".staging-{name}"));
        let _ = std::fs::remove_dir_all(&staging);
        let text = deployed_app_toml(name, fragment)?;
        std::fs::create_dir_all(&staging)
            .and_then(|()| std::fs::write(staging.join(format!("{name}.wasm")), component))
            .and_then(|()| std::fs::write(staging.join(format!("{name}.toml")), &text))
            .map_err(|e| format!("cannot store the component: {e}"))?;
        let checked = self.check_deploy(server, &staging.join(format!("{name}.toml")), &text).await;
        if let Err(reason) = checked {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(reason);
        }
        for ext in ["wasm", "toml"] {
            let file = format!("{name}.{ext}");
            std::fs::rename(staging.join(&file), dir.join(&file))
                .map_err(|e| format!("cannot store {file}: {e}"))?;
        }
        let _ = std::fs::remove_file(dir.join(format!("{name}.removed")));
        let _ = std::fs::remove_dir_all(&staging);
        self.reload().await.map(drop).map_err(|e| e.to_string())
    }

    async fn check_deploy(
        &self,
        server: &manifest::ServerConfig,
        file: &Path,
        text: &str,
    ) -> Result<(), String> {
        let config = manifest::parse_deployed(text, file, server).map_err(|e| e.to_string())?;
        let mut apps: Vec<AppConfig> = self
            .loaded
            .lock()
            .await
            .iter()
            .map(|e| e.config.clone())
            .filter(|c| c.name != config.name)
            .collect();
        apps.push(config.clone());
        if let Some((a, b)) = manifest::find_clash(&apps) {
            return Err(format!("apps '{}' and '{}' would claim the same route and host", a.name, b.name));
        }
        let probe = Manifest { server: server.clone(), apps: vec![config.clone()] };
        self.load_entry(&probe, &config).await.map(drop).map_err(|e| e.to_string())
    }

    /// Removes app `name` (deployed or from the manifest), persistently.
    /// False if there is no such app.
    pub async fn remove(&self, name: &str) -> Result<bool, String> {
        if !self.loaded.lock().await.iter().any(|e| e.config.name == name) {
            return Ok(false);
        }
        let dir = deployed_dir(&self.server);
        for ext in ["wasm", "toml"] {
            let _ = std::fs::remove_file(dir.join(format!("{name}.{ext}")));
        }
        std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(dir.join(format!("{name}.removed")), b""))
            .map_err(|e| format!("cannot record the removal: {e}"))?;
        self.reload().await.map_err(|e| e.to_string())?;
        Ok(true)
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
            instances: config.instances,
            metrics: crate::metrics::METRICS.app(&config.name),
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
            instances = app.mode().as_str(),
            hash = &app.hash()[..12],
            cached = app.origin() == Origin::Cache,
            "loaded in {:.0} ms",
            started.elapsed().as_secs_f64() * 1000.0
        );
        let hash = app.hash().to_owned();
        let mounted =
            Arc::new(Mounted::new(Arc::new(app), config.route.clone(), config.host.clone(), config.docs));
        Ok(Entry { config: config.clone(), hash, mounted })
    }
}

impl Source {
    /// The manifest's apps, with the apps deployed through the admin API
    /// (which replace manifest apps of the same name) and without removed ones.
    fn read(&self) -> Result<Manifest, RegistryError> {
        let mut manifest = match self {
            Source::Manifest(path) => manifest::load(path)?,
            Source::Fixed(manifest) => (**manifest).clone(),
        };
        let dir = deployed_dir(&manifest.server);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.sort();
        for file in &files {
            let Some(name) = file.file_stem().and_then(|s| s.to_str()) else { continue };
            match file.extension().and_then(|e| e.to_str()) {
                Some("removed") => manifest.apps.retain(|a| a.name != name),
                Some("toml") => {
                    let text = std::fs::read_to_string(file)
                        .map_err(|source| RegistryError::Store { path: file.clone(), source })?;
                    let app = manifest::parse_deployed(&text, file, &manifest.server)?;
                    manifest.apps.retain(|a| a.name != app.name);
                    manifest.apps.push(app);
                }
                _ => {}
            }
        }
        if let Some((a, b)) = manifest::find_clash(&manifest.apps) {
            return Err(RegistryError::Clash(a.name.clone(), b.name.clone()));
        }
        Ok(manifest)
    }
}

fn deployed_dir(server: &manifest::ServerConfig) -> PathBuf {
    server.data_dir.join("deployed")
}

async fn open_kv(manifest: &Manifest) -> Result<Arc<dyn KvBackend>, KvError> {
    Ok(match &manifest.server.kv {
        KvConfig::Embedded => Arc::new(RedbBackend::open(&manifest.server.data_dir.join("kv.redb"))?),
        KvConfig::Redis { url } => Arc::new(RedisBackend::connect(url).await?),
    })
}

/// The file of a deployed app: `[[app]]` with its name, its component
/// (beside the file) and the client's fragment.
fn deployed_app_toml(name: &str, fragment: &str) -> Result<String, String> {
    let wrapped = format!("app = {}", if fragment.trim().is_empty() { "{}" } else { fragment });
    let mut table: toml::Table =
        toml::from_str(&wrapped).map_err(|e| format!("the app's manifest entry: {e}"))?;
    let Some(toml::Value::Table(mut app)) = table.remove("app") else {
        return Err("the app's manifest entry must be an inline table like { tenant = \"acme\" }".into());
    };
    for key in ["name", "component"] {
        if app.contains_key(key) {
            return Err(format!("the app's manifest entry must not set `{key}`"));
        }
    }
    app.insert("name".into(), name.into());
    app.insert("component".into(), format!("{name}.wasm").into());
    app.entry("tenant").or_insert_with(|| "default".into());
    let mut document = toml::Table::new();
    document.insert("app".into(), toml::Value::Array(vec![toml::Value::Table(app)]));
    toml::to_string(&document).map_err(|e| e.to_string())
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
