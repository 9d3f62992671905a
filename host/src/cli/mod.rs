//! The `fasterapi` command line: a thin layer over the library, one file
//! per verb.

mod build;
mod deploy;
mod dev;
mod logging;
mod new;
mod push;
mod serve;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use fasterapi_runtime::InstanceMode;
use logging::LogFormat;

/// Serve HTTP handlers compiled to WebAssembly components.
#[derive(Debug, Parser)]
#[command(name = "fasterapi", version, about)]
pub struct Cli {
    /// How log lines are written to stderr: "text" for people, "json" (one
    /// object per line) for log collectors.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
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
        #[arg(long, value_parser = crate::config::limits::parse_max_body)]
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
        #[arg(long)]
        instances: Option<InstanceMode>,
        /// This host's name in a fleet, on every log line and metric
        /// [default: $FASTERAPI_HOST_ID, else the machine's host name].
        #[arg(long)]
        host_id: Option<String>,
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
        language: new::Language,
        /// The project's name (and directory).
        name: String,
    },
    /// Publish a component to an OCI registry (a project is built first);
    /// prints its digest.
    Push {
        /// A component (.wasm), or a guest project's directory.
        component: PathBuf,
        /// Where: oci://REGISTRY/REPOSITORY:TAG. Loopback registries are
        /// spoken to over plain HTTP, others over HTTPS.
        reference: String,
        /// Plain HTTP to a registry beyond loopback.
        #[arg(long)]
        insecure: bool,
    },
    /// Deploy (or replace) an app on a running server through its admin API.
    Deploy {
        /// The app's name.
        name: String,
        /// The component to deploy: a file (uploaded), or a registry
        /// reference (oci://REGISTRY/REPOSITORY@sha256:..., pulled by the server).
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

/// Runs the command line and turns errors into one `error:` line.
pub fn main() -> ExitCode {
    main_from(std::env::args_os())
}

/// [`main`] for the arguments `args` (the program's name first): the
/// Python package's `fasterapi` command runs the CLI through this.
pub fn main_from<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        // Help and version are "errors" that print to stdout and succeed.
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    // A serving host says which it is on every line and metric.
    let host_id = match &cli.command {
        Command::Serve { host_id, .. } => {
            Some(host_id.clone().or_else(env_host_id).unwrap_or_else(logging::hostname))
        }
        _ => None,
    };
    if let Some(host) = &host_id {
        crate::metrics::set_host(host);
    }
    logging::init(cli.log_format, host_id.as_deref());
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", one_line(&err));
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Build { dir, output } => build::run(&dir, output.as_deref()),
        Command::New { language, name } => new::run(language, &name),
        Command::Dev { dir, listen, cache_dir } => {
            multi_threaded()?.block_on(dev::run(dev::DevOptions { dir, listen, cache_dir }))
        }
        Command::Push { component, reference, insecure } => push::run(&component, &reference, insecure),
        Command::Deploy { name, component, admin, app } => deploy::run(&name, &component, &admin, &app),
        Command::Serve {
            path,
            listen,
            cache_dir,
            no_cache,
            max_body,
            no_watch,
            admin_listen,
            instances,
            ..
        } => {
            let options = serve::ServeOptions {
                path,
                listen,
                cache_dir,
                no_cache,
                max_body,
                watch: !no_watch,
                admin_listen,
                instances,
            };
            multi_threaded()?.block_on(serve::run(options))
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

/// `$FASTERAPI_HOST_ID`, if set and not empty.
fn env_host_id() -> Option<String> {
    std::env::var("FASTERAPI_HOST_ID").ok().filter(|id| !id.is_empty())
}

/// The async runtime of the serving commands: one worker per core.
fn multi_threaded() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")
}
