//! `fasterapi build`: compiles a guest project into a component.
//!
//! A directory with a `Cargo.toml` is a Rust guest; a directory with an
//! `app.py` (or a `.py` file) is a Python guest.

mod packages;
mod python;
mod rust;

use std::path::{Path, PathBuf};
use std::time::Instant;

pub use python::{COMPONENTIZE_PY_VERSION, componentize_py, sdk as python_sdk};

/// The target every Rust guest is built for.
pub const RUST_TARGET: &str = "wasm32-wasip2";

/// Why a guest could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The project path does not exist.
    #[error("{0}: no such file or directory")]
    NotFound(PathBuf),
    #[error(
        "{0}: not a guest project (expected a Cargo.toml for a Rust guest or an app.py for a Python guest)"
    )]
    /// Neither a Rust crate nor a Python app.
    UnknownProject(PathBuf),
    /// rustup has not installed the guests' target.
    #[error("the {RUST_TARGET} target is not installed: run `rustup target add {RUST_TARGET}`")]
    MissingTarget,
    /// A build tool could not be started.
    #[error("cannot run {program}: {source}")]
    Spawn {
        /// The tool.
        program: String,
        /// Why it did not start.
        source: std::io::Error,
    },
    /// cargo reported errors (on stderr).
    #[error("cargo build failed for {0} (see the errors above)")]
    CargoFailed(PathBuf),
    /// cargo succeeded without a component.
    #[error("{0}: cargo built no .wasm (is the crate's type `cdylib`?)")]
    NoArtifact(PathBuf),
    /// componentize-py could not be installed.
    #[error("cannot install componentize-py {COMPONENTIZE_PY_VERSION} into {venv}: {reason}")]
    Install {
        /// The virtual environment it was installed into.
        venv: PathBuf,
        /// What failed.
        reason: String,
    },
    /// componentize-py failed for another reason than the app's code.
    #[error("componentize-py failed for {0} (see the errors above)")]
    ComponentizeFailed(PathBuf),
    /// The app raised while being imported at build time.
    #[error("{location}: {message}\n{traceback}")]
    Python {
        /// `file:line` of the app's frame that raised.
        location: String,
        /// The exception line (`SyntaxError: invalid syntax`).
        message: String,
        /// The app's part of the traceback.
        traceback: String,
    },
    /// The app's third-party packages could not be installed.
    #[error("cannot install the app's Python packages: {reason}")]
    Packages {
        /// Why (a package without a pure-Python wheel is named).
        reason: String,
    },
    /// The component could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// Where it was to be written.
        path: PathBuf,
        /// Why it could not.
        source: std::io::Error,
    },
}

/// A finished build.
#[derive(Debug)]
pub struct Built {
    /// The component file.
    pub output: PathBuf,
    /// Its size.
    pub bytes: u64,
    /// How long the build took.
    pub seconds: f64,
}

/// Builds the guest project at `path` and writes the component to `out`
/// (default: `DIR/<crate>.wasm` for Rust, `DIR/<module>.wasm` for Python).
pub fn build(path: &Path, out: Option<&Path>) -> Result<Built, BuildError> {
    if !path.exists() {
        return Err(BuildError::NotFound(path.to_owned()));
    }
    let started = Instant::now();
    let (artifact, default_out) = if path.join("Cargo.toml").is_file() {
        let artifact = rust::build(&path.join("Cargo.toml"))?;
        let name = artifact.file_name().unwrap_or_default().to_owned();
        (Some(artifact), path.join(name))
    } else if let Some(app) = python::entry_module(path) {
        let output = out.map(Path::to_owned).unwrap_or_else(|| app.default_output());
        python::build(&app, &output)?;
        (None, output)
    } else {
        return Err(BuildError::UnknownProject(path.to_owned()));
    };
    let output = out.map(Path::to_owned).unwrap_or(default_out);
    if let Some(artifact) = artifact {
        std::fs::copy(&artifact, &output)
            .map_err(|source| BuildError::Write { path: output.clone(), source })?;
    }
    let bytes = std::fs::metadata(&output).map(|m| m.len()).unwrap_or(0);
    Ok(Built { output, bytes, seconds: started.elapsed().as_secs_f64() })
}
