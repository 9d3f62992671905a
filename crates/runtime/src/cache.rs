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
                Ok(component) => {
                    touch(&path);
                    return Ok((component, Origin::Cache));
                }
                Err(err) => {
                    tracing::warn!(path = %path.display(), "recompiling: cached component unusable: {err}")
                }
            }
        }
        let compiled = engine.precompile_component(bytes)?;
        if let Err(err) = write_atomically(dir, &path, &compiled) {
            tracing::warn!(dir = %dir.display(), "cannot cache the compiled component: {err}");
        }
        prune(dir, MAX_CACHE_BYTES);
        // SAFETY: `compiled` was just produced by this engine.
        let component = unsafe { Component::deserialize(engine, &compiled) }?;
        Ok((component, Origin::Compiled))
    }
}

/// How much compiled code the on-disk cache keeps: hot reloads and
/// `fasterapi dev` add a version (a Python one is ~40 MiB) per change.
const MAX_CACHE_BYTES: u64 = 2 << 30;

/// Marks a cache entry as recently used (its modification time).
fn touch(path: &Path) {
    let _ = std::fs::File::options()
        .append(true)
        .open(path)
        .and_then(|f| f.set_modified(std::time::SystemTime::now()));
}

/// Deletes the least recently used compilations until the cache holds at
/// most `max_bytes`.
fn prune(dir: &Path, max_bytes: u64) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut files: Vec<(std::time::SystemTime, u64, PathBuf)> = entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|ext| ext == "cwasm"))
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            Some((meta.modified().ok()?, meta.len(), e.path()))
        })
        .collect();
    files.sort_by_key(|file| std::cmp::Reverse(file.0));
    let mut kept = 0;
    for (_, len, path) in files {
        kept += len;
        if kept > max_bytes {
            tracing::debug!(path = %path.display(), "evicting a cached compilation");
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Writes via a temporary file and a rename, so readers never see half a file.
fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// Cranelift's compiled functions, kept in memory by their content key, so
/// that compiling a new version of a component recompiles only the
/// functions that changed. A Python component is ~20k functions of which an
/// edit of the app changes a handful (the interpreter is the same): a hot
/// reload or a `fasterapi dev` rebuild then compiles in a fraction of the
/// time. Bounded: past `capacity` bytes, new functions are not kept.
#[derive(Debug)]
pub struct FunctionCache {
    entries: std::sync::Mutex<Functions>,
    capacity: usize,
}

/// Compiled functions by key, and their total size in bytes.
type Functions = (std::collections::HashMap<Vec<u8>, Vec<u8>>, usize);

impl FunctionCache {
    /// An empty cache holding at most `capacity` bytes of keys and code.
    pub fn new(capacity: usize) -> Self {
        FunctionCache { entries: Default::default(), capacity }
    }
}

impl wasmtime::CacheStore for FunctionCache {
    fn get(&self, key: &[u8]) -> Option<std::borrow::Cow<'_, [u8]>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.0.get(key).map(|value| std::borrow::Cow::Owned(value.clone()))
    }

    fn insert(&self, key: &[u8], value: Vec<u8>) -> bool {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let size = key.len() + value.len();
        if entries.1 + size > self.capacity {
            return false;
        }
        entries.1 += size;
        entries.0.insert(key.to_vec(), value);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prune_keeps_the_most_recently_used_within_the_budget() {
        let dir = std::env::temp_dir().join(format!("fasterapi-prune-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        for (name, age) in [("a", 3), ("b", 2), ("c", 1)] {
            let path = dir.join(format!("{name}.cwasm"));
            std::fs::write(&path, [0u8; 100]).unwrap();
            let file = std::fs::File::options().append(true).open(&path).unwrap();
            file.set_modified(old + std::time::Duration::from_secs(10 - age)).unwrap();
        }
        touch(&dir.join("a.cwasm"));
        prune(&dir, 250);
        let mut left: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["a.cwasm", "c.cwasm"]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
