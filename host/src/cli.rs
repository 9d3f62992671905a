//! The `fasterapi` command line: a thin layer over the library.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

use crate::manifest::{InstanceMode, Manifest};
use crate::registry::{Registry, Source};
use crate::runtime::{Runtime, RuntimeConfig};
use crate::server::{self, ConnectionLimits};

/// Serve HTTP handlers compiled to WebAssembly components.
#[derive(Debug, Parser)]
#[command(name = "fasterapi", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build a guest project into a component.
    Build {
        /// A Rust crate (a directory with a Cargo.toml, crate type cdylib), or a
        /// Python app (a directory with an app.py, or a .py file).
        dir: PathBuf,
        /// Where to write the component (default: DIR/<crate>.wasm, DIR/<module>.wasm).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Serve a component, or every app of a manifest, over HTTP.
    Serve {
        /// A component (.wasm), or a manifest (fasterapi.toml) of many apps.
        path: PathBuf,
        /// The address to listen on [default: 127.0.0.1:8080, or the manifest's].
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Where compiled components are cached [default: the manifest's
        /// data_dir/cache; for a component $FASTERAPI_CACHE_DIR, else
        /// $XDG_CACHE_HOME/fasterapi, else ~/.cache/fasterapi].
        #[arg(long)]
        cache_dir: Option<PathBuf>,
        /// Compile on every start instead of using the on-disk cache.
        #[arg(long)]
        no_cache: bool,
        /// For a single component: the largest request body, e.g. 1MiB (larger: 413).
        #[arg(long, value_parser = parse_size)]
        max_body: Option<usize>,
        /// Do not watch the manifest and components for changes (no hot reload).
        #[arg(long)]
        no_watch: bool,
        /// The admin API's address [default: 127.0.0.1:8081, or the manifest's].
        #[arg(long)]
        admin_listen: Option<SocketAddr>,
        /// A fresh instance per request ("per-request": isolation) or warm
        /// instances reused between requests ("reuse"); overrides the manifest
        /// and the app's own preference (Rust: per-request, Python: reuse).
        #[arg(long, value_parser = parse_instances)]
        instances: Option<InstanceMode>,
    },
    /// Build a guest project, serve it, and rebuild and hot-swap it on every save.
    Dev {
        /// The project: a Rust crate or a Python app (with its fasterapi.toml, if any).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The address to listen on [default: 127.0.0.1:8080, or the project manifest's].
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Where compiled components are cached [default: as for serve].
        #[arg(long)]
        cache_dir: Option<PathBuf>,
    },
    /// Create a ready project: guest code, a manifest, a README and a test.
    New {
        /// rust or python.
        language: crate::new::Language,
        /// The project's name (and directory).
        name: String,
    },
    /// Deploy (or replace) an app on a running server through its admin API.
    Deploy {
        /// The app's name.
        name: String,
        /// The component to deploy.
        component: PathBuf,
        /// The admin API's URL.
        #[arg(long, default_value = "http://127.0.0.1:8081")]
        admin: String,
        /// The app's manifest entry, as a TOML inline table,
        /// e.g. '{ tenant = "acme", route = "/acme" }'.
        #[arg(long, default_value = "")]
        app: String,
    },
}

fn parse_instances(text: &str) -> Result<InstanceMode, String> {
    match text {
        "per-request" => Ok(InstanceMode::PerRequest),
        "reuse" => Ok(InstanceMode::Reuse),
        _ => Err("expected \"per-request\" or \"reuse\"".into()),
    }
}

fn parse_size(text: &str) -> Result<usize, String> {
    crate::limits::parse_size(text)
}

/// Runs the command line and turns errors into one `error:` line.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", one_line(&err));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, skipping a cause whose text the
/// message already includes (many library errors print their source).
fn one_line(err: &anyhow::Error) -> String {
    let mut message = err.to_string();
    for cause in err.chain().skip(1).map(ToString::to_string) {
        if !message.contains(&cause) {
            message = format!("{message}: {cause}");
        }
    }
    message
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Build { dir, output } => {
            let built = crate::build::build(&dir, output.as_deref())?;
            eprintln!(
                "built {} ({} KiB) in {:.1}s",
                built.output.display(),
                built.bytes.div_ceil(1024),
                built.seconds
            );
            Ok(())
        }
        Command::New { language, name } => {
            let dir = crate::new::create(language, &name, Path::new("."))?;
            eprintln!("created {}: cd {name} && fasterapi dev", dir.display());
            Ok(())
        }
        Command::Dev { dir, listen, cache_dir } => {
            let cache_dir = cache_dir.or_else(crate::runtime::cache::default_dir);
            let options = crate::dev::DevOptions { dir, listen, cache_dir };
            multi_threaded()?.block_on(crate::dev::run(options))
        }
        Command::Deploy { name, component, admin, app } => {
            let bytes =
                std::fs::read(&component).with_context(|| format!("cannot read {}", component.display()))?;
            let token = std::env::var("FASTERAPI_ADMIN_TOKEN")
                .context("set FASTERAPI_ADMIN_TOKEN to the server's admin token")?;
            let answer = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?
                .block_on(crate::deploy::deploy(&admin, &token, &name, &app, bytes))?;
            eprintln!("deployed {name}: {answer}");
            Ok(())
        }
        Command::Serve { path, listen, cache_dir, no_cache, max_body, no_watch, admin_listen, instances } => {
            let is_manifest = path.extension().is_some_and(|e| e == "toml");
            let mut manifest = if is_manifest {
                crate::manifest::load(&path)?
            } else {
                check_component(&path)?;
                {
                    let mut manifest = Manifest::single_app(&path);
                    if let Some(max_body) = max_body {
                        manifest.apps.iter_mut().for_each(|app| app.limits.max_body = max_body);
                    }
                    manifest
                }
            };
            if let Some(listen) = listen {
                manifest.server.listen = listen;
            }
            if let Some(admin_listen) = admin_listen {
                manifest.server.admin.listen = admin_listen;
            }
            if let Some(instances) = instances {
                manifest.apps.iter_mut().for_each(|app| app.instances = Some(instances));
            }
            let mut config = crate::registry::runtime_config(&manifest, cache_dir);
            if !is_manifest && config.cache_dir.as_ref() == Some(&manifest.server.data_dir.join("cache")) {
                config.cache_dir = crate::runtime::cache::default_dir();
            }
            if no_cache {
                config.cache_dir = None;
            }
            multi_threaded()?.block_on(serve(&path, is_manifest, manifest, &config, !no_watch))
        }
    }
}

async fn serve(
    path: &Path,
    is_manifest: bool,
    manifest: Manifest,
    config: &RuntimeConfig,
    watch: bool,
) -> Result<()> {
    let runtime = Arc::new(Runtime::new(config)?);
    let source = match is_manifest {
        true => Source::Manifest(path.to_owned()),
        false => Source::Fixed(Box::new(manifest.clone())),
    };
    let registry = Registry::start(runtime, source).await?;
    if watch {
        let watched = registry.clone();
        tokio::spawn(async move {
            if let Err(err) = crate::registry::watch(watched).await {
                tracing::error!("cannot watch for changes (no hot reload): {err}");
            }
        });
    }
    let listener = server::bind(manifest.server.listen).await?;
    let addr = listener.local_addr().context("cannot read the listening address")?;
    tracing::info!("listening on http://{addr}");
    let limits = ConnectionLimits::of(&manifest.server);
    start_admin(&manifest, &registry, limits).await?;
    server::serve(listener, registry.dispatcher(), limits, server::shutdown_signal()).await;
    tracing::info!("stopped");
    Ok(())
}

/// Starts the admin API on its own listener, if a token is configured.
async fn start_admin(manifest: &Manifest, registry: &Arc<Registry>, limits: ConnectionLimits) -> Result<()> {
    let admin = &manifest.server.admin;
    let Some(token) = crate::admin::token(admin).context("cannot read the admin token file")? else {
        tracing::info!(
            "admin API off: set FASTERAPI_ADMIN_TOKEN (or [server.admin] token_file) to enable it"
        );
        return Ok(());
    };
    let listener = server::bind(admin.listen).await?;
    let addr = listener.local_addr().context("cannot read the admin address")?;
    tracing::info!("admin API on http://{addr}");
    let handler = Arc::new(crate::admin::Admin::new(registry.clone(), token));
    tokio::spawn(server::serve(listener, handler, limits, server::shutdown_signal()));
    Ok(())
}

/// The async runtime of the serving commands: one worker per core.
fn multi_threaded() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")
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
