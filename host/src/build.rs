//! `fasterapi build`: compiles a guest project into a component.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The target every Rust guest is built for.
pub const RUST_TARGET: &str = "wasm32-wasip2";

/// Why a guest could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("{0}: no such directory")]
    NoDir(PathBuf),
    #[error("{0}: not a guest project (expected a Cargo.toml for a Rust guest)")]
    UnknownProject(PathBuf),
    #[error("the {RUST_TARGET} target is not installed: run `rustup target add {RUST_TARGET}`")]
    MissingTarget,
    #[error("cannot run {program}: {source}")]
    Spawn {
        program: &'static str,
        source: std::io::Error,
    },
    #[error("cargo build failed for {0} (see the errors above)")]
    CargoFailed(PathBuf),
    #[error("{0}: cargo built no .wasm (is the crate's type `cdylib`?)")]
    NoArtifact(PathBuf),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A finished build.
#[derive(Debug)]
pub struct Built {
    pub output: PathBuf,
    pub bytes: u64,
    pub seconds: f64,
}

/// Builds the guest project in `dir` and writes the component to `out`
/// (default: `DIR/<package>.wasm`).
pub fn build(dir: &Path, out: Option<&Path>) -> Result<Built, BuildError> {
    if !dir.is_dir() {
        return Err(BuildError::NoDir(dir.to_owned()));
    }
    let manifest = dir.join("Cargo.toml");
    if !manifest.is_file() {
        return Err(BuildError::UnknownProject(dir.to_owned()));
    }
    ensure_target_installed()?;
    let started = Instant::now();
    let artifact = cargo_build(&manifest)?;
    let output = match out {
        Some(out) => out.to_owned(),
        None => dir.join(artifact.file_name().unwrap_or_default()),
    };
    let bytes = std::fs::copy(&artifact, &output).map_err(|source| BuildError::Write {
        path: output.clone(),
        source,
    })?;
    Ok(Built {
        output,
        bytes,
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn ensure_target_installed() -> Result<(), BuildError> {
    let sysroot = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .map_err(|source| BuildError::Spawn {
            program: "rustc",
            source,
        })?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    if sysroot.join("lib/rustlib").join(RUST_TARGET).is_dir() {
        Ok(())
    } else {
        Err(BuildError::MissingTarget)
    }
}

/// Runs cargo (its diagnostics go to our stderr) and returns the `.wasm` it built.
fn cargo_build(manifest: &Path) -> Result<PathBuf, BuildError> {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--release", "--target", RUST_TARGET])
        .arg("--message-format=json-render-diagnostics")
        .arg("--manifest-path")
        .arg(manifest)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|source| BuildError::Spawn {
            program: "cargo",
            source,
        })?;
    if !output.status.success() {
        return Err(BuildError::CargoFailed(manifest.to_owned()));
    }
    let manifest = manifest
        .canonicalize()
        .unwrap_or_else(|_| manifest.to_owned());
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|msg| msg["reason"] == "compiler-artifact")
        .filter(|msg| msg["manifest_path"].as_str().map(Path::new) == Some(manifest.as_path()))
        .flat_map(|msg| msg["filenames"].as_array().cloned().unwrap_or_default())
        .filter_map(|file| file.as_str().map(PathBuf::from))
        .find(|file| file.extension().is_some_and(|ext| ext == "wasm"))
        .ok_or_else(|| BuildError::NoArtifact(manifest.clone()))
}
