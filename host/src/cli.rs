//! The `fasterapi` command line: a thin layer over the library.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

use crate::dispatch::{DEFAULT_MAX_BODY, Dispatcher};
use crate::runtime::{App, Runtime, RuntimeConfig};
use crate::server;

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
    /// Serve a component over HTTP.
    Serve {
        /// The component (.wasm) to serve.
        path: PathBuf,
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Where compiled components are cached
        /// (default: $FASTERAPI_CACHE_DIR, else $XDG_CACHE_HOME/fasterapi, else ~/.cache/fasterapi).
        #[arg(long)]
        cache_dir: Option<PathBuf>,
        /// Compile on every start instead of using the on-disk cache.
        #[arg(long)]
        no_cache: bool,
        /// The largest request body accepted, in bytes; larger ones get 413.
        #[arg(long, default_value_t = DEFAULT_MAX_BODY)]
        max_body: usize,
    },
}

/// Runs the command line and turns errors into one `error:` line.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
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
        Command::Serve {
            path,
            listen,
            cache_dir,
            no_cache,
            max_body,
        } => {
            let cache_dir = if no_cache {
                None
            } else {
                cache_dir.or_else(crate::runtime::cache::default_dir)
            };
            let config = RuntimeConfig {
                cache_dir,
                ..RuntimeConfig::default()
            };
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?
                .block_on(serve(&path, listen, &config, max_body))
        }
    }
}

async fn serve(
    path: &Path,
    listen: SocketAddr,
    config: &RuntimeConfig,
    max_body: usize,
) -> Result<()> {
    let bytes = read_component(path)?;
    let runtime = Arc::new(Runtime::new(config)?);
    let name = app_name(path);
    let started = std::time::Instant::now();
    let app = App::load(&runtime, &name, &bytes)
        .await
        .with_context(|| format!("{}", path.display()))?;
    tracing::info!(
        app = %name,
        routes = app.routes().len(),
        hash = &app.hash()[..12],
        cached = app.origin() == crate::runtime::cache::Origin::Cache,
        "loaded in {:.0} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    let listener = server::bind(listen).await?;
    let addr = listener
        .local_addr()
        .context("cannot read the listening address")?;
    tracing::info!("listening on http://{addr}");
    let dispatcher = Arc::new(Dispatcher::new(runtime, Arc::new(app), max_body));
    server::serve(listener, dispatcher, server::shutdown_signal()).await;
    tracing::info!("stopped");
    Ok(())
}

fn read_component(path: &Path) -> Result<Vec<u8>> {
    if !path.exists() {
        bail!("{}: no such file", path.display());
    }
    if path.is_dir() {
        bail!(
            "{}: is a directory; build it first with `fasterapi build {}`",
            path.display(),
            path.display()
        );
    }
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// The app's name in logs: the file name without its extension.
fn app_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "app".into())
}
