//! Apps served in-process, without a socket: a test client (the Python
//! package's `TestClient`) hands requests straight to the dispatcher, so
//! they go through the same router, typed parameters, limits and sandbox
//! as under `fasterapi serve`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use fasterapi_runtime::Runtime;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};

use crate::config::{Manifest, ManifestError, manifest};
use crate::registry::{self, Registry, RegistryError, Source};
use crate::trigger::Dispatcher;
/// Where compiled components are cached by default (the Python package's
/// TestClient keeps its builds beside them).
pub use fasterapi_runtime::cache::default_dir as cache_dir;

/// What to serve in-process, and with what.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// A component (`.wasm`) or a manifest (`.toml`).
    pub path: PathBuf,
    /// Where compiled components are cached; `None`: the user's cache directory.
    pub cache_dir: Option<PathBuf>,
    /// For a component: the config variables it reads.
    pub config: BTreeMap<String, String>,
    /// For a component: grant it the key-value store, kept in this directory.
    pub kv_dir: Option<PathBuf>,
}

/// Why the apps cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum InProcessError {
    /// No such file.
    #[error("{0}: no such file")]
    Missing(PathBuf),
    /// The manifest is invalid.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// An app cannot be loaded.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The engine or the async runtime cannot start.
    #[error("cannot start the host: {0}")]
    Start(String),
    /// The request cannot be built from its parts.
    #[error("invalid request: {0}")]
    Request(String),
}

/// Sends the host's log (the apps' `log` lines: a Python handler's
/// exception with its traceback) to stderr, from warnings up unless
/// `RUST_LOG` says otherwise, where a test runner shows it beside the
/// failing test. Does nothing if the process already has a logger.
pub fn log_to_stderr() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

/// Loaded apps and the async runtime they run on.
pub struct InProcess {
    runtime: tokio::runtime::Runtime,
    dispatcher: Arc<Dispatcher>,
    /// Keeps the apps loaded.
    _registry: Arc<Registry>,
}

impl InProcess {
    /// Loads the component or manifest of `options`.
    pub fn open(options: Options) -> Result<InProcess, InProcessError> {
        if !options.path.exists() {
            return Err(InProcessError::Missing(options.path));
        }
        let (manifest, source) = manifest_of(&options)?;
        let cache_dir = options.cache_dir.clone().or_else(cache_dir);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("fasterapi-inprocess")
            .build()
            .map_err(|err| InProcessError::Start(err.to_string()))?;
        let registry = runtime.block_on(async {
            let engine = shared_engine(&manifest, cache_dir)?;
            Ok::<_, InProcessError>(Registry::start(engine, source, None).await?)
        })?;
        Ok(InProcess { runtime, dispatcher: registry.dispatcher(), _registry: registry })
    }

    /// Answers one request; the whole body of the answer is read.
    pub fn request(&self, request: Request<Bytes>) -> Response<Bytes> {
        self.runtime.block_on(async {
            let response = self.dispatcher.handle(request.map(Full::new)).await;
            let (parts, body) = response.into_parts();
            // A guest's streamed body that fails midway ends where it failed,
            // as a client on a socket would see it.
            let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
            Response::from_parts(parts, body)
        })
    }

    /// Builds a request from its parts, as a client library gives them.
    pub fn build_request(
        method: &str,
        uri: &str,
        headers: &[(Vec<u8>, Vec<u8>)],
        body: Vec<u8>,
    ) -> Result<Request<Bytes>, InProcessError> {
        let invalid = |err: &dyn std::fmt::Display| InProcessError::Request(err.to_string());
        let mut request = Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            request = request.header(name.as_slice(), value.as_slice());
        }
        request.body(Bytes::from(body)).map_err(|err| invalid(&err))
    }
}

/// The engine of every in-process host of this process with the same cache
/// directory: each engine reserves address space for its whole instance
/// pool (terabytes), so a test session's many clients share one. Its slots
/// fit the largest memory limit, so any app's limit holds in it.
fn shared_engine(manifest: &Manifest, cache_dir: Option<PathBuf>) -> Result<Arc<Runtime>, InProcessError> {
    type Engines = std::collections::HashMap<Option<PathBuf>, std::sync::Weak<Runtime>>;
    static ENGINES: std::sync::Mutex<Option<Engines>> = std::sync::Mutex::new(None);
    let mut engines = ENGINES.lock().unwrap_or_else(|e| e.into_inner());
    let engines = engines.get_or_insert_with(Default::default);
    if let Some(engine) = engines.get(&cache_dir).and_then(std::sync::Weak::upgrade) {
        return Ok(engine);
    }
    let mut config = registry::runtime_config(manifest, cache_dir.clone());
    config.max_memory = crate::config::limits::MAX_MEMORY;
    let engine = Arc::new(Runtime::new(&config).map_err(|err| InProcessError::Start(err.to_string()))?);
    engines.insert(cache_dir, Arc::downgrade(&engine));
    Ok(engine)
}

/// The manifest `options` describe: a manifest file as it is, or a
/// component as the one app at the root with the options' config and kv.
fn manifest_of(options: &Options) -> Result<(Manifest, Source), InProcessError> {
    if options.path.extension().is_some_and(|ext| ext == "toml") {
        let manifest = manifest::load(&options.path)?;
        return Ok((manifest, Source::File(options.path.clone())));
    }
    let mut manifest = Manifest::single_app(&options.path);
    if let Some(dir) = &options.kv_dir {
        manifest.server.data_dir = dir.clone();
    }
    for app in &mut manifest.apps {
        app.config = options.config.clone();
        app.kv = options.kv_dir.is_some();
    }
    Ok((manifest.clone(), Source::InMemory(Box::new(manifest))))
}
