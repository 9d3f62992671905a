//! `fasterapi push APP.wasm|DIR oci://REGISTRY/REPOSITORY:TAG`: publishes a
//! component (a project is built first) as a Wasm OCI artifact.

use std::path::Path;

use anyhow::{Context, Result};
use fasterapi_oci::{ImageRef, Registry};

/// Pushes `path` to `reference`; prints the manifest's digest on stdout
/// (for scripts: a manifest pins it) and the pinned reference on stderr.
pub fn run(path: &Path, reference: &str, insecure: bool) -> Result<()> {
    let reference: ImageRef = reference.parse()?;
    let file = if path.is_dir() { crate::build::build(path, None)?.output } else { path.to_owned() };
    let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let insecure = if insecure { vec![reference.registry().to_owned()] } else { Vec::new() };
    let digest = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(Registry::new(insecure).push(&reference, &file.display().to_string(), bytes))?;
    eprintln!("pushed {} as {}", file.display(), reference.with_digest(&digest));
    println!("{digest}");
    Ok(())
}
