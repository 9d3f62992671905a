//! On-disk cache of compiled components, keyed by content hash and engine
//! configuration, so a restart skips Cranelift.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use redb::ReadableDatabase;
use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Compiles components, reusing earlier compilations from disk.
#[derive(Clone)]
pub struct ComponentCache {
    dir: Option<PathBuf>,
    /// Flushed to disk after each compilation.
    functions: std::sync::Arc<FunctionCache>,
    /// Hex digest of the engine settings that make compiled code compatible.
    engine_key: String,
    /// How many bytes of compiled components the directory keeps.
    max_bytes: u64,
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

/// The compile cache's size when none is set: a tenth of the filesystem it
/// is on, from 2 GiB to 64 GiB (2 GiB if the filesystem cannot be read).
/// A Python app's compilation is ~37 MiB, a Rust app's ~0.5 MiB.
pub fn default_size(dir: &Path) -> u64 {
    const MIN: u64 = 2 << 30;
    const MAX: u64 = 64 << 30;
    let on_disk = dir.ancestors().find(|d| d.exists()).and_then(|d| rustix::fs::statvfs(d).ok());
    on_disk.map_or(MIN, |fs| (fs.f_blocks.saturating_mul(fs.f_frsize) / 10).clamp(MIN, MAX))
}

/// The share of the cache's size that compiled functions ([`FunctionCache`])
/// may use on disk; whole components get the rest.
pub fn function_share(size: u64) -> u64 {
    size / 4
}

impl ComponentCache {
    /// A cache in `dir` keeping at most `size` bytes (with the
    /// [`function_share`] of `functions`), or none at all.
    pub fn new(
        dir: Option<PathBuf>,
        size: u64,
        engine: &Engine,
        functions: std::sync::Arc<FunctionCache>,
    ) -> Self {
        let mut hasher = ShaHasher(Sha256::new());
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let max_bytes = size - function_share(size);
        // The size may have shrunk since the last run.
        if let Some(dir) = &dir {
            prune(dir, max_bytes);
        }
        ComponentCache { dir, functions, engine_key: hex(&hasher.0.finalize()), max_bytes }
    }

    /// Its directory, if it has one.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
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
            let component = Component::new(engine, bytes);
            self.functions.flush();
            return Ok((component?, Origin::Compiled));
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
        let started = std::time::Instant::now();
        let compiled = engine.precompile_component(bytes);
        let compile_ms = started.elapsed().as_millis();
        self.functions.flush();
        release_freed_memory();
        let compiled = compiled?;
        let written = write_atomically(dir, &path, &compiled);
        if let Err(err) = &written {
            tracing::warn!(dir = %dir.display(), "cannot cache the compiled component: {err}");
        }
        let stored_ms = started.elapsed().as_millis();
        // Mapped from the file, as after a restart: its code and data are
        // clean, shared pages the kernel can drop, not a copy held in
        // anonymous memory (~37 MiB for a Python app).
        // SAFETY: the file was just written by this engine's `precompile_component`.
        let mapped = written.ok().and_then(|()| unsafe { Component::deserialize_file(engine, &path) }.ok());
        let component = match mapped {
            Some(component) => component,
            // SAFETY: `compiled` was just produced by this engine.
            None => unsafe { Component::deserialize(engine, &compiled) }?,
        };
        // After the mapping: an evicted file stays mapped until unused.
        prune(dir, self.max_bytes);
        let total_ms = started.elapsed().as_millis();
        tracing::debug!(compile_ms, stored_ms, total_ms, bytes = compiled.len(), "compiled");
        Ok((component, Origin::Compiled))
    }
}

/// Gives the memory Cranelift freed back to the system: glibc keeps it in
/// its arenas otherwise (hundreds of MiB after a Python component).
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Marks a cache entry as recently used (its modification time).
fn touch(path: &Path) {
    let _ = std::fs::File::options()
        .append(true)
        .open(path)
        .and_then(|f| f.set_modified(std::time::SystemTime::now()));
}

/// Deletes the least recently used components (by modification time,
/// which a use refreshes: it survives restarts) until the cache holds at
/// most `max_bytes`. Hot reloads and `fasterapi dev` add a compilation per
/// change; a rollout adds a pulled component (the host's `oci/`) and a test
/// run a build (the TestClient's `testclient/`): every `.cwasm` and `.wasm`
/// under `dir` counts, and `functions.redb` has its own budget.
fn prune(dir: &Path, max_bytes: u64) {
    let mut files = collect_components(dir);
    files.sort_by_key(|file| std::cmp::Reverse(file.0));
    let mut kept = 0;
    for (_, len, path) in files {
        kept += len;
        if kept > max_bytes {
            tracing::debug!(path = %path.display(), "evicting a cached component");
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The component files of the cache in `dir` (its compilations, the
/// TestClient's builds, the pulled components), with their modification
/// times and sizes; nothing else there (installed tools and packages).
fn collect_components(dir: &Path) -> Vec<(std::time::SystemTime, u64, PathBuf)> {
    let pulled = std::fs::read_dir(dir.join("oci")).into_iter().flatten().flatten().map(|e| e.path());
    let places = [(dir.to_owned(), "cwasm"), (dir.join("testclient"), "wasm")]
        .into_iter()
        .chain(pulled.map(|algorithm| (algorithm, "wasm")));
    let mut files = Vec::new();
    for (place, extension) in places {
        let Ok(entries) = std::fs::read_dir(&place) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_file()
                && path.extension().is_some_and(|ext| ext == extension)
                && let Ok(modified) = meta.modified()
            {
                files.push((modified, meta.len(), path));
            }
        }
    }
    files
}

/// Writes via a temporary file and a rename, so readers never see half a file.
fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// Cranelift's compiled functions by their content key (wasmtime's
/// incremental compilation), so that compiling a component recompiles only
/// the functions no component compiled before. A Python component is ~20k
/// functions, nearly all of them CPython's, the same in every Python app:
/// a new app, a hot reload or a `fasterapi dev` rebuild compiles only what
/// differs. Kept in memory (bounded: past `capacity` bytes, new functions
/// are not kept) and, with a cache directory, on disk (`functions.redb`),
/// shared by every app and surviving restarts.
pub struct FunctionCache {
    entries: std::sync::Mutex<Functions>,
    capacity: usize,
    disk: Option<FunctionStore>,
    counts: Counts,
}

/// What the cache answered since the last [`FunctionCache::flush`].
#[derive(Default)]
struct Counts {
    memory: std::sync::atomic::AtomicUsize,
    disk: std::sync::atomic::AtomicUsize,
    compiled: std::sync::atomic::AtomicUsize,
}

impl std::fmt::Debug for FunctionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FunctionCache")
            .field("capacity", &self.capacity)
            .field("disk", &self.disk.is_some())
            .finish()
    }
}

/// Compiled functions by key, and their total size in bytes.
type Functions = (std::collections::HashMap<Vec<u8>, Vec<u8>>, usize);

/// The functions table: SHA-256 of wasmtime's key -> compiled function.
const FUNCTIONS: redb::TableDefinition<&[u8], &[u8]> = redb::TableDefinition::new("functions");

/// The memory redb may use to cache `functions.redb`'s pages.
const STORE_PAGE_CACHE: usize = 16 << 20;

/// Compiled functions on disk: read on a miss in memory, written in one
/// transaction after each component's compilation ([`FunctionCache::flush`]).
/// Past `max_bytes`, new functions stay in memory only until the next start,
/// which begins the store anew (the functions the apps need are compiled
/// and stored again).
struct FunctionStore {
    db: redb::Database,
    path: PathBuf,
    max_bytes: u64,
    /// The table as of the last flush: one read transaction serves every
    /// lookup of a compilation (~20k for a Python component), not one each.
    reader: std::sync::Mutex<Option<redb::ReadOnlyTable<&'static [u8], &'static [u8]>>>,
    /// Functions compiled since the last flush.
    pending: std::sync::Mutex<Vec<([u8; 32], Vec<u8>)>>,
}

impl FunctionCache {
    /// An empty in-memory cache holding at most `capacity` bytes of keys
    /// and code, backed by `dir/functions.redb` (at most `disk_bytes`) if
    /// `dir` is given (and no other process holds that file: then memory only).
    pub fn new(capacity: usize, dir: Option<&Path>, disk_bytes: u64) -> Self {
        let disk = dir.and_then(|dir| FunctionStore::open(dir, disk_bytes));
        FunctionCache { entries: Default::default(), capacity, disk, counts: Counts::default() }
    }

    /// Writes the functions compiled since the last flush to disk; logs
    /// how many functions were reused.
    pub fn flush(&self) {
        use std::sync::atomic::Ordering::Relaxed;
        let counts = &self.counts;
        let (memory, disk, compiled) =
            (counts.memory.swap(0, Relaxed), counts.disk.swap(0, Relaxed), counts.compiled.swap(0, Relaxed));
        tracing::debug!(from_memory = memory, from_disk = disk, compiled, "functions of the component");
        let Some(disk) = &self.disk else { return };
        let pending = std::mem::take(&mut *disk.pending.lock().unwrap_or_else(|e| e.into_inner()));
        if pending.is_empty() {
            return;
        }
        if disk.full() {
            tracing::debug!(path = %disk.path.display(), "the function cache is full: new functions stay in memory");
            return;
        }
        let written = (|| -> Result<(), redb::Error> {
            let txn = disk.db.begin_write()?;
            {
                let mut table = txn.open_table(FUNCTIONS)?;
                for (key, value) in &pending {
                    table.insert(key.as_slice(), value.as_slice())?;
                }
            }
            txn.commit()?;
            // Later lookups see what was just written.
            *disk.reader.lock().unwrap_or_else(|e| e.into_inner()) = None;
            Ok(())
        })();
        if written.is_ok() {
            // On disk now: memory keeps only a compilation's functions (its
            // duplicates), not every compilation's (~100 MiB for a Python app).
            *self.entries.lock().unwrap_or_else(|e| e.into_inner()) = Default::default();
        }
        match written {
            Ok(()) => tracing::debug!(functions = pending.len(), "compiled functions cached on disk"),
            Err(err) => tracing::warn!(path = %disk.path.display(), "cannot cache compiled functions: {err}"),
        }
    }

    fn remember(&self, key: &[u8], value: &[u8]) -> bool {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let size = key.len() + value.len();
        if entries.1 + size > self.capacity {
            return false;
        }
        entries.1 += size;
        entries.0.insert(key.to_vec(), value.to_vec());
        true
    }
}

impl FunctionStore {
    fn open(dir: &Path, max_bytes: u64) -> Option<FunctionStore> {
        let path = dir.join("functions.redb");
        if std::fs::metadata(&path).is_ok_and(|m| m.len() > max_bytes) {
            tracing::info!(path = %path.display(), "the function cache is full: starting it anew");
            let _ = std::fs::remove_file(&path);
        }
        let opened = std::fs::create_dir_all(dir).map_err(redb::Error::from).and_then(|()| {
            // redb's own page cache (1 GiB by default) would keep the
            // functions read in memory twice: the kernel's cache has them.
            let db = redb::Builder::new().set_cache_size(STORE_PAGE_CACHE).create(&path)?;
            // The table exists before the first read.
            let txn = db.begin_write()?;
            txn.open_table(FUNCTIONS)?;
            txn.commit()?;
            Ok(db)
        });
        match opened {
            Ok(db) => Some(FunctionStore {
                db,
                path,
                max_bytes,
                reader: Default::default(),
                pending: Default::default(),
            }),
            Err(err) => {
                tracing::debug!(path = %path.display(), "compiled functions cached in memory only: {err}");
                None
            }
        }
    }

    fn full(&self) -> bool {
        std::fs::metadata(&self.path).is_ok_and(|m| m.len() > self.max_bytes)
    }

    fn get(&self, key: &[u8; 32]) -> Option<Vec<u8>> {
        let mut reader = self.reader.lock().unwrap_or_else(|e| e.into_inner());
        if reader.is_none() {
            *reader = Some(self.db.begin_read().ok()?.open_table(FUNCTIONS).ok()?);
        }
        let value = reader.as_ref()?.get(key.as_slice()).ok()??;
        Some(value.value().to_vec())
    }
}

fn function_key(key: &[u8]) -> [u8; 32] {
    Sha256::digest(key).into()
}

impl wasmtime::CacheStore for FunctionCache {
    fn get(&self, key: &[u8]) -> Option<std::borrow::Cow<'_, [u8]>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(value) = entries.0.get(key) {
            self.counts.memory.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Some(std::borrow::Cow::Owned(value.clone()));
        }
        drop(entries);
        let value = self.disk.as_ref()?.get(&function_key(key))?;
        self.counts.disk.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.remember(key, &value);
        Some(std::borrow::Cow::Owned(value))
    }

    fn insert(&self, key: &[u8], value: Vec<u8>) -> bool {
        self.counts.compiled.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Some(disk) = &self.disk {
            disk.pending.lock().unwrap_or_else(|e| e.into_inner()).push((function_key(key), value.clone()));
        }
        self.remember(key, &value)
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
        // A pulled component, older than all: evicted first.
        std::fs::create_dir_all(dir.join("oci/sha256")).unwrap();
        std::fs::write(dir.join("oci/sha256/d.wasm"), [0u8; 10]).unwrap();
        let file = std::fs::File::options().append(true).open(dir.join("oci/sha256/d.wasm")).unwrap();
        file.set_modified(old).unwrap();
        prune(&dir, 250);
        assert!(!dir.join("oci/sha256/d.wasm").exists());
        std::fs::remove_dir_all(dir.join("oci")).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["a.cwasm", "c.cwasm"]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_default_size_is_a_tenth_of_the_disk_within_bounds() {
        let size = default_size(&std::env::temp_dir().join("not/yet/created"));
        assert!((2 << 30..=64 << 30).contains(&size), "{size}");
        assert_eq!(function_share(size) * 4, size - size % 4);
    }

    #[test]
    fn compiled_functions_outlive_the_process_on_disk() {
        use wasmtime::CacheStore;
        let dir = std::env::temp_dir().join(format!("fasterapi-functions-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let first = FunctionCache::new(1 << 20, Some(&dir), 1 << 30);
        assert!(first.insert(b"key-a", b"code-a".to_vec()));
        let second = FunctionCache::new(1 << 20, Some(&dir), 1 << 30);
        assert!(second.disk.is_none(), "another process's store is not shared while it is open");
        assert_eq!(first.get(b"key-a").as_deref(), Some(&b"code-a"[..]), "in memory before the flush");
        first.flush();
        drop((first, second));

        let restarted = FunctionCache::new(1 << 20, Some(&dir), 1 << 30);
        assert_eq!(restarted.get(b"key-a").as_deref(), Some(&b"code-a"[..]), "read back from disk");
        assert_eq!(restarted.get(b"key-b"), None);
        let memory_only = FunctionCache::new(4, None, 0);
        assert!(!memory_only.insert(b"key", b"too big".to_vec()), "past its capacity nothing is kept");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
