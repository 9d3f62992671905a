//! On-disk cache of compiled components, keyed by content hash and engine
//! configuration, so a restart skips Cranelift.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Compiles components, reusing earlier compilations from disk.
#[derive(Clone)]
pub struct ComponentCache {
    dir: Option<PathBuf>,
    /// Hex digest of the engine settings that make compiled code compatible.
    engine_key: String,
}

/// Where a component's machine code came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Compiled with Cranelift just now.
    Compiled,
    /// Loaded from the on-disk cache.
    Cache,
}

/// Feeds `Hash` output into SHA-256, which is stable across runs.
struct ShaHasher(Sha256);

impl Hasher for ShaHasher {
    fn finish(&self) -> u64 {
        0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

/// FasterAPI's cache directory: `$FASTERAPI_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/fasterapi`, else `~/.cache/fasterapi`.
pub fn default_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("FASTERAPI_CACHE_DIR") {
        return Some(dir.into());
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    Some(base.join("fasterapi"))
}

/// The hex SHA-256 of `bytes`: the content hash of a component.
pub fn content_hash(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl ComponentCache {
    /// A cache in `dir`, or none at all.
    pub fn new(dir: Option<PathBuf>, engine: &Engine) -> Self {
        let mut hasher = ShaHasher(Sha256::new());
        engine.precompile_compatibility_hash().hash(&mut hasher);
        ComponentCache { dir, engine_key: hex(&hasher.0.finalize()) }
    }

    /// Compiles `bytes`, or loads the compilation cached for them; says
    /// which it did.
    pub fn compile(
        &self,
        engine: &Engine,
        bytes: &[u8],
        hash: &str,
    ) -> wasmtime::Result<(Component, Origin)> {
        let Some(dir) = &self.dir else {
            return Ok((Component::new(engine, bytes)?, Origin::Compiled));
        };
        let path = dir.join(format!("{}-{}.cwasm", &hash[..32], &self.engine_key[..16]));
        if path.exists() {
            // SAFETY: the file was written by `precompile_component` of an
            // engine with the same compatibility hash (it is in the name), and
            // wasmtime re-checks that header before using it.
            match unsafe { Component::deserialize_file(engine, &path) } {
                Ok(component) => return Ok((component, Origin::Cache)),
                Err(err) => {
                    tracing::warn!(path = %path.display(), "recompiling: cached component unusable: {err}")
                }
            }
        }
        let compiled = engine.precompile_component(bytes)?;
        if let Err(err) = write_atomically(dir, &path, &compiled) {
            tracing::warn!(dir = %dir.display(), "cannot cache the compiled component: {err}");
        }
        // SAFETY: `compiled` was just produced by this engine.
        let component = unsafe { Component::deserialize(engine, &compiled) }?;
        Ok((component, Origin::Compiled))
    }
}

/// Writes via a temporary file and a rename, so readers never see half a file.
fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}
