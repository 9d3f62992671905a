//! `fasterapi serve APP.wasm|fasterapi.toml`: loads the apps, serves them,
//! reloads them on change, and runs the admin API if a token is set.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use fasterapi_runtime::{InstanceMode, Runtime};

use crate::admin::{self, Admin};
use crate::config::{Manifest, manifest};
use crate::registry::{self, Registry, Source};
use crate::server::{self, ConnectionLimits};

/// What `fasterapi serve` was asked to do.
pub struct ServeOptions {
    /// A component or a manifest.
    pub path: PathBuf,
    /// Overrides the listen address.
    pub listen: Option<SocketAddr>,
    /// Overrides where compiled components are cached.
    pub cache_dir: Option<PathBuf>,
    /// No compile cache at all.
    pub no_cache: bool,
    /// For a single component: its body limit.
    pub max_body: Option<usize>,
    /// Hot reload on file changes.
    pub watch: bool,
    /// Overrides the admin API's address.
    pub admin_listen: Option<SocketAddr>,
    /// Overrides every app's instance mode.
    pub instances: Option<InstanceMode>,
}

/// Serves until SIGINT/SIGTERM.
pub async fn run(options: ServeOptions) -> Result<()> {
    let is_manifest = options.path.extension().is_some_and(|e| e == "toml");
    let (mut manifest, source) = if is_manifest {
        let manifest = manifest::load(&options.path)?;
        (manifest, Source::File(options.path.clone()))
    } else {
        check_component(&options.path)?;
        let mut manifest = Manifest::single_app(&options.path);
        if let Some(max_body) = options.max_body {
            manifest.apps.iter_mut().for_each(|app| app.limits.max_body = max_body);
        }
        (manifest.clone(), Source::InMemory(Box::new(manifest)))
    };
    if let Some(listen) = options.listen {
        manifest.server.listen = listen;
    }
    if let Some(admin_listen) = options.admin_listen {
        manifest.server.admin.listen = admin_listen;
    }
    // A manifest keeps its compilations beside its data; a lone component
    // in the user's cache directory.
    let cache_dir = match (options.no_cache, options.cache_dir) {
        (true, _) => None,
        (false, Some(dir)) => Some(dir),
        (false, None) if is_manifest => Some(manifest.server.data_dir.join("cache")),
        (false, None) => fasterapi_runtime::cache::default_dir(),
    };
    let runtime = Arc::new(Runtime::new(&registry::runtime_config(&manifest, cache_dir))?);
    let registry = Registry::new(runtime, source, options.instances)?;
    let limits = ConnectionLimits::of(&manifest.server);
    // The admin API (and its probes: alive, not yet ready) serves while the
    // apps load, and until the requests in flight at a shutdown are done.
    let (drained, admin_until) = tokio::sync::oneshot::channel::<()>();
    start_admin(&manifest, &registry, limits, async move {
        let _ = admin_until.await;
    })
    .await?;
    registry.load_initial().await?;
    if options.watch {
        let watched = registry.clone();
        tokio::spawn(async move {
            if let Err(err) = registry::watch(watched).await {
                tracing::error!("cannot watch for changes (no hot reload): {err}");
            }
        });
    }
    let listener = server::bind(manifest.server.listen).await?;
    let addr = listener.local_addr().context("cannot read the listening address")?;
    tracing::info!("listening on http://{addr}");
    let draining = registry.clone();
    let shutdown = async move {
        server::shutdown_signal().await;
        draining.drain();
    };
    server::serve(listener, registry.dispatcher(), limits, shutdown).await;
    drop(drained);
    tracing::info!("stopped");
    Ok(())
}

/// Starts the admin API on its own listener, if a token is configured,
/// until `until` resolves.
async fn start_admin(
    manifest: &Manifest,
    registry: &Arc<Registry>,
    limits: ConnectionLimits,
    until: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let config = &manifest.server.admin;
    let Some(token) = admin::token(config)? else {
        tracing::info!(
            "admin API off: set FASTERAPI_ADMIN_TOKEN (or [server.admin] token_file) to enable it"
        );
        return Ok(());
    };
    let listener = server::bind(config.listen).await?;
    let addr = listener.local_addr().context("cannot read the admin address")?;
    registry.keep_private(addr);
    tracing::info!("admin API on http://{addr}");
    let handler = Arc::new(Admin::new(registry.clone(), token));
    tokio::spawn(server::serve(listener, handler, limits, until));
    Ok(())
}

fn check_component(path: &Path) -> Result<()> {
    if !path.exists() {
        bail!("{}: no such file", path.display());
    }
    if path.is_dir() {
        bail!("{}: is a directory; build it first with `fasterapi build {}`", path.display(), path.display());
    }
    Ok(())
}
