//! The app registry: loads a manifest's apps (compiling through the cache),
//! mounts them on the dispatcher, and reloads them when the manifest, a
//! component or a deploy changes them: a new version is compiled and
//! checked off the request path, then the table of apps is swapped
//! atomically. A version that fails is rejected with one log line and the
//! old one keeps serving.

mod deployed;
mod watch;

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use fasterapi_runtime::cache::{Origin, content_hash};
use fasterapi_runtime::capabilities::Capabilities;
use fasterapi_runtime::capabilities::kv::{KvBackend, KvError, RedbBackend, RedisBackend};
use fasterapi_runtime::{InstanceMode, Runtime, RuntimeConfig, RuntimeError};
use tokio::sync::{Mutex, OnceCell};

pub use deployed::DeployError;
pub use watch::watch;

use crate::config::limits::MAX_INSTANCES;
use crate::config::{AppConfig, AppName, KvConfig, Manifest, ManifestError, ServerConfig};
use crate::metrics::METRICS;
use crate::trigger::{App, Dispatcher, LoadError, Mount, Mounted, ProxyApp, TypedApp};
use fasterapi_runtime::capabilities::outbound::{self, AllowedHosts, OutboundPolicy, PrivateListeners};
use fasterapi_runtime::{Compiled, World};

/// Why apps could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The engine could not be set up.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    /// The manifest (or a deployed app's file) is invalid.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// A component file cannot be read.
    #[error("app '{app}': cannot read {}: {source}", path.display())]
    Read {
        /// The app.
        app: AppName,
        /// Its component file.
        path: PathBuf,
        /// Why it cannot be read.
        source: std::io::Error,
    },
    /// A component cannot be served.
    #[error("app '{app}': {}: {source}", path.display())]
    Load {
        /// The app.
        app: AppName,
        /// Its component file.
        path: PathBuf,
        /// Why it cannot be served.
        source: LoadError,
    },
    /// The key-value store cannot be opened.
    #[error("cannot open the key-value store: {0}")]
    Kv(KvError),
    /// The apps would need more instances than the host has.
    #[error(
        "the apps' max_concurrency needs {needed} instances and the host has {capacity}: lower an app's max_concurrency, or raise [server] max_instances and restart"
    )]
    Capacity {
        /// What the table would need ([`instances_needed`]).
        needed: u32,
        /// The host's instance pool.
        capacity: u32,
    },
    /// Two apps claim the same mount.
    #[error("apps '{0}' and '{1}' claim the same route and host")]
    Clash(AppName, AppName),
    /// The deployed apps' directory cannot be read or written.
    #[error("cannot store the deployed app in {}: {source}", path.display())]
    Store {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// TLS for outbound calls cannot be set up.
    #[error(transparent)]
    Tls(outbound::TlsError),
    /// A component cannot be pulled from its registry.
    #[error("app '{app}': {source}")]
    Pull {
        /// The app.
        app: AppName,
        /// Why.
        source: fasterapi_oci::OciError,
    },
}

/// What `GET /apps` reports of an app.
#[derive(Debug, serde::Serialize)]
pub struct AppInfo {
    /// The app's name.
    pub name: AppName,
    /// Its tenant.
    pub tenant: String,
    /// Its mount prefix.
    pub route: Option<String>,
    /// The Host header it answers.
    pub host: Option<String>,
    /// SHA-256 of the component.
    pub hash: String,
    /// "per-request" or "reuse".
    pub instances: &'static str,
    /// "typed" or "wasi-http".
    pub kind: &'static str,
    /// When this version was loaded (RFC 3339).
    pub loaded_at: String,
    /// Requests answered by this version.
    pub requests: u64,
    /// Of them, answered with a 5xx.
    pub server_errors: u64,
    /// "manifest" or "deployed" (through the admin API).
    pub source: &'static str,
    /// The registry reference its component was pulled from, if it was.
    pub image: Option<String>,
}

/// The runtime settings a manifest needs: pool slots sized for its largest
/// memory limit (at least 1 GiB, so that a reload can raise a limit), as
/// many instances as `[server] max_instances` says or its apps need and a
/// quarter more (room for deploys; at least [`DEFAULT_MAX_INSTANCES`]), and
/// the compile cache in `cache_dir` (`None`: no cache).
pub fn runtime_config(manifest: &Manifest, cache_dir: Option<PathBuf>) -> RuntimeConfig {
    let max_memory = manifest.apps.iter().map(|a| a.limits.memory).max().unwrap_or(0).max(1 << 30);
    let needed = instances_needed(&manifest.apps);
    let max_instances = manifest
        .server
        .max_instances
        .unwrap_or_else(|| needed.saturating_add(needed / 4).clamp(DEFAULT_MAX_INSTANCES, MAX_INSTANCES));
    RuntimeConfig { cache_dir, max_memory, max_instances, cache_size: manifest.server.cache_size }
}

/// The instances a table of apps may need at once, so that no app's load
/// can take another's instances: each app's `max_concurrency` (an app never
/// holds more: its requests run only with one of its slots, and its warm
/// pool keeps no more), plus the largest again (the old version of an app
/// being replaced finishes its requests beside the new one), plus a few
/// for loading.
pub fn instances_needed(apps: &[AppConfig]) -> u32 {
    let each = apps.iter().map(|app| app.limits.max_concurrency);
    each.clone().sum::<u32>().saturating_add(each.max().unwrap_or(0)).saturating_add(LOADING_INSTANCES)
}

/// The instance pool of a host whose manifest does not size it: ~4 GiB of
/// address space is reserved per memory slot, 34 TiB in all, of the
/// 128 TiB a process has; memory is used only by live instances.
pub const DEFAULT_MAX_INSTANCES: u32 = 4000;

/// Instances kept for loading components (declaring routes) and deploy checks.
const LOADING_INSTANCES: u32 = 16;

/// Where the app table comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A manifest file, re-read on reload.
    File(PathBuf),
    /// A manifest given in memory (`fasterapi serve app.wasm`, `fasterapi
    /// dev`); its components are re-read on reload.
    InMemory(Box<Manifest>),
}

/// One loaded app: the configuration and component it was loaded from, and
/// its mount on the dispatcher.
#[derive(Clone)]
struct LoadedApp {
    config: AppConfig,
    hash: String,
    /// The component file as it was when loaded: a reload hashes only the
    /// files whose stamp changed (200 Python apps are 4 GB to hash).
    stamp: Option<FileStamp>,
    mounted: Arc<Mounted>,
}

/// A file's size, modification time and inode: what a rewrite or a rename
/// over it changes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileStamp(u64, std::time::SystemTime, u64);

impl FileStamp {
    /// The stamp of `path`, unless it changed too recently to tell a second
    /// change by it (a filesystem whose times count whole seconds).
    fn settled(path: &std::path::Path) -> Option<FileStamp> {
        let stamp = FileStamp::of(path)?;
        let age = stamp.1.elapsed().unwrap_or_default();
        (age > std::time::Duration::from_secs(2)).then_some(stamp)
    }

    fn of(path: &std::path::Path) -> Option<FileStamp> {
        let meta = std::fs::metadata(path).ok()?;
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        let inode = 0;
        Some(FileStamp(meta.len(), meta.modified().ok()?, inode))
    }
}

impl LoadedApp {
    /// Whether `config` is what this app was loaded from, component included.
    fn serves(&self, config: &AppConfig) -> bool {
        if self.config != *config {
            return false;
        }
        let stamp = FileStamp::of(&config.component);
        if stamp.is_some() && stamp == self.stamp {
            return true;
        }
        std::fs::read(&config.component).is_ok_and(|bytes| content_hash(&bytes) == self.hash)
    }
}

/// Where the host is in its life, as a readiness check sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    /// Loading the manifest's apps: alive, not ready.
    Loading = 0,
    /// Every app of the manifest is loaded.
    Ready = 1,
    /// Shutting down: finishing in-flight requests, taking no new ones.
    Draining = 2,
}

impl Readiness {
    /// Its name, as `GET /ready` says it.
    pub fn as_str(self) -> &'static str {
        match self {
            Readiness::Loading => "loading",
            Readiness::Ready => "ready",
            Readiness::Draining => "draining",
        }
    }
}

/// What a reload did.
#[derive(Debug, Default)]
pub struct Reloaded {
    /// Apps loaded anew, added or removed.
    pub changed: usize,
    /// Apps whose new version failed to load, with why; their old version
    /// keeps serving.
    pub rejected: Vec<(AppName, String)>,
}

/// The loaded apps, their dispatcher, and how to reload them.
pub struct Registry {
    runtime: Arc<Runtime>,
    /// Replaced only by [`Registry::reload_with`].
    source: std::sync::Mutex<Source>,
    /// `[server]` as read at start (its changes need a restart).
    server: ServerConfig,
    /// Every app's instance mode, whatever the manifest says (`--instances`).
    instances: Option<InstanceMode>,
    /// The runtime's instance pool: no table may need more.
    capacity: u32,
    dispatcher: Arc<Dispatcher>,
    kv: OnceCell<Arc<dyn KvBackend>>,
    /// Held by whatever changes the table (reload, deploy, removal) for the
    /// whole change, so that changes apply one at a time, each checked
    /// against the table it will join.
    changes: Mutex<()>,
    /// The table as loaded; locked only to read or replace it, never while
    /// loading, so that listing and health checks never wait on a guest.
    loaded: Mutex<Vec<LoadedApp>>,
    /// TLS for every app's outbound calls.
    tls: Arc<rustls::ClientConfig>,
    /// The host's listeners apps may not call (the admin API).
    private: PrivateListeners,
    /// The registries components are pulled from.
    oci: fasterapi_oci::Registry,
    /// A [`Readiness`], as its number.
    readiness: AtomicU8,
}

impl Registry {
    /// Loads every app; any failure here is fatal (nothing serves yet).
    /// `instances`, if given, overrides every app's instance mode.
    pub async fn start(
        runtime: Arc<Runtime>,
        source: Source,
        instances: Option<InstanceMode>,
    ) -> Result<Arc<Registry>, RegistryError> {
        let registry = Registry::new(runtime, source, instances)?;
        registry.load_initial().await?;
        Ok(registry)
    }

    /// A registry of no apps yet, for `source`'s manifest (read and checked
    /// now); [`Registry::load_initial`] loads them. Until then the host is
    /// alive but not ready.
    pub fn new(
        runtime: Arc<Runtime>,
        source: Source,
        instances: Option<InstanceMode>,
    ) -> Result<Arc<Registry>, RegistryError> {
        let manifest = with_instances(deployed::read(&source)?, instances);
        let capacity = runtime.max_instances();
        check_capacity(&manifest.apps, capacity)?;
        Ok(Arc::new(Registry {
            instances,
            capacity,
            dispatcher: Arc::new(Dispatcher::new(manifest.server.body_read_timeout)),
            runtime,
            source: std::sync::Mutex::new(source),
            server: manifest.server.clone(),
            kv: OnceCell::new(),
            changes: Mutex::new(()),
            loaded: Mutex::new(Vec::new()),
            tls: outbound::tls_config(manifest.server.outbound_ca.as_deref()).map_err(RegistryError::Tls)?,
            private: PrivateListeners::default(),
            oci: fasterapi_oci::Registry::new(manifest.server.insecure_registries.clone()),
            readiness: AtomicU8::new(Readiness::Loading as u8),
        }))
    }

    /// Loads every app of the manifest (pulled, compiled, checked) and
    /// mounts them; the host is ready once it returns. Any failure is fatal:
    /// nothing serves yet.
    pub async fn load_initial(&self) -> Result<(), RegistryError> {
        let _changing = self.changes.lock().await;
        let manifest = with_instances(deployed::read(&self.source().clone())?, self.instances);
        check_capacity(&manifest.apps, self.capacity)?;
        let loaded = self.load_all(&manifest).await?;
        self.dispatcher.replace(loaded.iter().map(|app| app.mounted.clone()).collect());
        *self.loaded.lock().await = loaded;
        // Unless a shutdown began meanwhile.
        let _ = self.readiness.compare_exchange(
            Readiness::Loading as u8,
            Readiness::Ready as u8,
            Ordering::AcqRel,
            Ordering::Acquire,
        );
        Ok(())
    }

    /// Whether the host is ready for traffic: what a load balancer's
    /// readiness check asks.
    pub fn readiness(&self) -> Readiness {
        match self.readiness.load(Ordering::Acquire) {
            0 => Readiness::Loading,
            1 => Readiness::Ready,
            _ => Readiness::Draining,
        }
    }

    /// Takes the host out of rotation for good: it is draining its requests.
    pub fn drain(&self) {
        self.readiness.store(Readiness::Draining as u8, Ordering::Release);
    }

    /// Serves `manifest` from now on (in place of the source it started
    /// with) and reloads: `fasterapi dev` after an edit of the project's
    /// manifest.
    pub async fn reload_with(&self, manifest: Manifest) -> Result<Reloaded, RegistryError> {
        let _changing = self.changes.lock().await;
        *self.source() = Source::InMemory(Box::new(manifest));
        self.reload_now().await
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
        let loaded = self.loaded.lock().await;
        // A pulled component is immutable: its reference changes in the manifest.
        let local = loaded.iter().filter(|app| app.config.image.is_none());
        let mut files: Vec<PathBuf> = local.map(|app| app.config.component.clone()).collect();
        if let Source::File(path) = &*self.source() {
            files.push(path.clone());
        }
        files
    }

    /// Re-reads the manifest and components; loads what changed and swaps
    /// the table. A version that fails to load is rejected (the old one
    /// keeps serving) and reported.
    pub async fn reload(&self) -> Result<Reloaded, RegistryError> {
        let _changing = self.changes.lock().await;
        self.reload_now().await
    }

    /// [`Registry::reload`], for a caller that holds `changes`.
    async fn reload_now(&self) -> Result<Reloaded, RegistryError> {
        let source = self.source().clone();
        let manifest = with_instances(deployed::read(&source)?, self.instances);
        check_capacity(&manifest.apps, self.capacity)?;
        let mut previous: HashMap<AppName, LoadedApp> =
            self.loaded.lock().await.iter().map(|app| (app.config.name.clone(), app.clone())).collect();
        let mut next = Vec::with_capacity(manifest.apps.len());
        let mut reloaded = Reloaded::default();
        for config in &manifest.apps {
            let old = previous.remove(&config.name);
            let config = match self.resolve(config, old.as_ref()).await {
                Ok(config) => config,
                Err(err) => {
                    tracing::error!(app = %config.name, "new version rejected, the old one keeps serving: {err}");
                    reloaded.rejected.push((config.name.clone(), err.to_string()));
                    next.extend(old);
                    continue;
                }
            };
            let config = &*config;
            if let Some(old) = old.as_ref().filter(|old| old.serves(config)) {
                let stamp = old.stamp.clone().or_else(|| FileStamp::settled(&config.component));
                next.push(LoadedApp { stamp, ..old.clone() });
                continue;
            }
            match self.load(&manifest.server, config).await {
                Ok(app) => {
                    tracing::info!(app = %config.name, hash = &app.hash[..12], "reloaded");
                    METRICS.reload(&config.name);
                    reloaded.changed += 1;
                    next.push(app);
                }
                Err(err) => {
                    tracing::error!(app = %config.name, "new version rejected, the old one keeps serving: {err}");
                    reloaded.rejected.push((config.name.clone(), err.to_string()));
                    next.extend(old);
                }
            }
        }
        for gone in previous.keys() {
            tracing::info!(app = %gone, "removed");
            reloaded.changed += 1;
        }
        self.dispatcher.replace(next.iter().map(|app| app.mounted.clone()).collect());
        *self.loaded.lock().await = next;
        Ok(reloaded)
    }

    /// How many apps are mounted now.
    pub async fn app_count(&self) -> usize {
        self.loaded.lock().await.len()
    }

    /// What is mounted now.
    pub async fn list(&self) -> Vec<AppInfo> {
        let deployed = deployed::dir(&self.server);
        self.loaded
            .lock()
            .await
            .iter()
            .map(|app| {
                let (requests, server_errors) = app.mounted.counts();
                AppInfo {
                    name: app.config.name.clone(),
                    tenant: app.config.tenant.clone(),
                    route: app.config.route.clone(),
                    host: app.config.host.clone(),
                    hash: app.hash.clone(),
                    instances: app.mounted.app().mode().as_str(),
                    kind: app.mounted.app().world().as_str(),
                    loaded_at: humantime::format_rfc3339_seconds(app.mounted.loaded_at()).to_string(),
                    requests,
                    server_errors,
                    source: if deployed.join(format!("{}.toml", app.config.name)).is_file() {
                        "deployed"
                    } else {
                        "manifest"
                    },
                    image: app.config.image.as_ref().map(ToString::to_string),
                }
            })
            .collect()
    }

    /// Loads every app of `manifest`, as many at once as the host has cores
    /// (a small component's load is mostly one thread's work), in order.
    async fn load_all(&self, manifest: &Manifest) -> Result<Vec<LoadedApp>, RegistryError> {
        use futures_util::{StreamExt, TryStreamExt};
        let parallel = std::thread::available_parallelism().map_or(1, |n| n.get());
        futures_util::stream::iter(&manifest.apps)
            .map(
                |config| async move { self.load(&manifest.server, &*self.resolve(config, None).await?).await },
            )
            .buffered(parallel)
            .try_collect()
            .await
    }

    /// `config` with its component at hand: an app whose component is in a
    /// registry gets the pulled file (a reference already serving is not
    /// pulled again: a tag is resolved once, when its app is loaded).
    async fn resolve<'a>(
        &self,
        config: &'a AppConfig,
        old: Option<&LoadedApp>,
    ) -> Result<Cow<'a, AppConfig>, RegistryError> {
        let Some(image) = &config.image else { return Ok(Cow::Borrowed(config)) };
        // (Unless its pulled file is gone from the cache: then it is pulled again.)
        let serving =
            old.filter(|old| old.config.image.as_ref() == Some(image) && old.config.component.is_file());
        if let Some(old) = serving {
            return Ok(Cow::Owned(AppConfig { component: old.config.component.clone(), ..config.clone() }));
        }
        let dir = match self.runtime.cache_dir() {
            Some(dir) => dir.to_owned(),
            None => self.server.data_dir.join("cache"),
        };
        let pulled = self
            .oci
            .pull(image, &dir)
            .await
            .map_err(|source| RegistryError::Pull { app: config.name.clone(), source })?;
        let (digest, fetched) = (&pulled.digest, pulled.fetched);
        tracing::info!(app = %config.name, %image, %digest, fetched, "component resolved");
        Ok(Cow::Owned(AppConfig { component: pulled.path, ..config.clone() }))
    }

    /// Compiles and mounts one app.
    async fn load(&self, server: &ServerConfig, config: &AppConfig) -> Result<LoadedApp, RegistryError> {
        let started = std::time::Instant::now();
        let stamp = FileStamp::settled(&config.component);
        let bytes = std::fs::read(&config.component).map_err(|source| RegistryError::Read {
            app: config.name.clone(),
            path: config.component.clone(),
            source,
        })?;
        let capabilities = Capabilities {
            config: config.config.clone(),
            kv: self.kv_for(server, config).await?,
            kv_quota: config.limits.kv_quota(),
            outbound: self.outbound(config),
        };
        let app = self.app(config, capabilities, &bytes).await.map_err(|source| RegistryError::Load {
            app: config.name.clone(),
            path: config.component.clone(),
            source,
        })?;
        tracing::info!(
            app = %config.name,
            tenant = %config.tenant,
            kind = app.world().as_str(),
            route = config.route.as_deref().unwrap_or("/"),
            host = config.host.as_deref().unwrap_or("*"),
            routes = app.routes(),
            instances = app.mode().as_str(),
            hash = &app.hash()[..12],
            cached = app.origin() == Origin::Cache,
            "loaded in {:.0} ms",
            started.elapsed().as_secs_f64() * 1000.0
        );
        let hash = app.hash().to_owned();
        let mount = Mount { prefix: config.route.clone(), host: config.host.clone() };
        let mounted = Arc::new(Mounted::new(app, mount, config.docs));
        Ok(LoadedApp { config: config.clone(), hash, stamp, mounted })
    }

    /// Compiles `bytes` and readies the app for the world it implements
    /// (which must be the one the manifest states, if it states one).
    async fn app(
        &self,
        config: &AppConfig,
        capabilities: Capabilities,
        bytes: &[u8],
    ) -> Result<App, LoadError> {
        let compiled = Compiled::new(&self.runtime, bytes).await?;
        let found = compiled.world();
        if let Some(stated) = config.kind.filter(|stated| *stated != found) {
            return Err(LoadError::Kind { stated: stated.as_str(), found: found.as_str() });
        }
        Ok(match found {
            World::Typed => {
                let typed = TypedApp::from_compiled(&self.runtime, config, capabilities, compiled).await?;
                App::Typed(Box::new(typed))
            }
            World::WasiHttp => {
                App::WasiHttp(Box::new(ProxyApp::load(&self.runtime, config, capabilities, compiled)?))
            }
        })
    }

    /// What `config` may call over HTTP: its grants under its outbound
    /// limits, the admin listener kept out of reach.
    fn outbound(&self, config: &AppConfig) -> Option<Arc<OutboundPolicy>> {
        if config.allowed_outbound_hosts.is_empty() {
            return None;
        }
        // The manifest was validated: its grants parse.
        let allowed = AllowedHosts::parse(&config.allowed_outbound_hosts).unwrap_or_default();
        let (limits, private, tls) = (config.limits.outbound(), self.private.clone(), self.tls.clone());
        let observer = Arc::new(METRICS.app(&config.name));
        Some(Arc::new(OutboundPolicy::new(
            config.name.as_str().into(),
            allowed,
            limits,
            private,
            tls,
            observer,
        )))
    }

    /// Keeps `addr`, a listener of the host (the admin API), out of every
    /// app's reach unless an app is granted it by literal address and port.
    pub fn keep_private(&self, addr: std::net::SocketAddr) {
        self.private.write().unwrap_or_else(|e| e.into_inner()).push(addr);
    }

    /// The key-value store, if `config` is granted it (opened on first use).
    async fn kv_for(
        &self,
        server: &ServerConfig,
        config: &AppConfig,
    ) -> Result<Option<Arc<dyn KvBackend>>, RegistryError> {
        if !config.kv {
            return Ok(None);
        }
        let kv = self.kv.get_or_try_init(|| open_kv(server)).await.map_err(RegistryError::Kv)?;
        Ok(Some(kv.clone()))
    }
}

fn check_capacity(apps: &[AppConfig], capacity: u32) -> Result<(), RegistryError> {
    let needed = instances_needed(apps);
    if needed > capacity {
        return Err(RegistryError::Capacity { needed, capacity });
    }
    Ok(())
}

/// `manifest` with every app's instance mode set to `instances`, if given.
fn with_instances(mut manifest: Manifest, instances: Option<InstanceMode>) -> Manifest {
    if let Some(mode) = instances {
        manifest.apps.iter_mut().for_each(|app| app.instances = Some(mode));
    }
    manifest
}

async fn open_kv(server: &ServerConfig) -> Result<Arc<dyn KvBackend>, KvError> {
    Ok(match &server.kv {
        KvConfig::Embedded => Arc::new(RedbBackend::open(&server.data_dir.join("kv.redb"))?),
        KvConfig::Redis { url } => Arc::new(RedisBackend::connect(url).await?),
    })
}
