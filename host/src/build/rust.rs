//! Rust guests: `cargo build --release --target wasm32-wasip2`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{BuildError, RUST_TARGET};

/// Builds the crate of `manifest` and returns the `.wasm` cargo produced.
pub fn build(manifest: &Path) -> Result<PathBuf, BuildError> {
    ensure_target_installed()?;
    cargo_build(manifest)
}

fn ensure_target_installed() -> Result<(), BuildError> {
    let sysroot = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .map_err(|source| BuildError::Spawn { program: "rustc".into(), source })?;
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
        .map_err(|source| BuildError::Spawn { program: "cargo".into(), source })?;
    if !output.status.success() {
        return Err(BuildError::CargoFailed(manifest.to_owned()));
    }
    let manifest = manifest.canonicalize().unwrap_or_else(|_| manifest.to_owned());
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
