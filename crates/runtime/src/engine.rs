//! The engine and linker every app shares: wasmtime with the component
//! model, the pooling allocator and copy-on-write memory images, epoch
//! interruption for timeouts, WASI and the host's capabilities.

use std::path::PathBuf;
use std::sync::Arc;

use wasmtime::component::Linker;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::bindings;
use crate::cache::{self, ComponentCache, FunctionCache};
use crate::capabilities::{config::Config as ConfigCapability, kv::Kv, log::Log};
use crate::state::{EPOCH_TICK, HostState};

/// Wasm stack per instance; deeper recursion traps.
const MAX_WASM_STACK: usize = 1 << 20;

/// How much compiled code the in-memory [`FunctionCache`] keeps: several
/// versions of a Python component.
const FUNCTION_CACHE_BYTES: usize = 256 << 20;

/// How much of each memory slot stays resident between instances: reset in
/// place (only the pages the last instance dirtied, with Linux's
/// PAGEMAP_SCAN) instead of unmapped with `madvise`, so the next instance
/// takes fewer page faults. Spin's figures: 8 MiB measured no faster for a
/// fresh Python instance (which dirties ~5.5 MiB) or a Rust one, and every
/// slot that served an app keeps this much resident (up to wasmtime's 100
/// unused warm slots): with many apps, RSS.
const KEEP_RESIDENT: usize = 2 << 20;

/// The same for each table slot.
const TABLE_KEEP_RESIDENT: usize = 512 << 10;

/// The same for the stacks calls run on (CPython recurses deeply).
const STACK_KEEP_RESIDENT: usize = 1 << 20;

/// Engine-wide settings.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// Where compiled components are cached; `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
    /// Instances that may be alive at once across all apps (pool slots).
    pub max_instances: u32,
    /// The largest linear memory one instance may grow to.
    pub max_memory: usize,
    /// How much disk the compile cache may use; `None`: [`cache::default_size`].
    pub cache_size: Option<u64>,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig { cache_dir: None, max_instances: 1000, max_memory: 256 << 20, cache_size: None }
    }
}

/// Errors setting up the engine.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// wasmtime refused the configuration (or the host lacks a feature it needs).
    #[error("cannot configure the WebAssembly engine: {0}")]
    Engine(#[source] wasmtime::Error),
}

/// The engine, linker and compile cache shared by every app of a host.
pub struct Runtime {
    pub(crate) engine: Engine,
    max_instances: u32,
    pub(crate) linker: Linker<HostState>,
    pub(crate) cache: ComponentCache,
}

impl Runtime {
    /// Configures wasmtime and links WASI and the capabilities; starts the
    /// epoch ticker that drives timeouts.
    pub fn new(config: &RuntimeConfig) -> Result<Runtime, RuntimeError> {
        let dir = config.cache_dir.as_deref();
        let size = config.cache_size.or_else(|| dir.map(cache::default_size)).unwrap_or(0);
        let functions = Arc::new(FunctionCache::new(FUNCTION_CACHE_BYTES, dir, cache::function_share(size)));
        let engine = Engine::new(&engine_config(config, functions.clone())?).map_err(RuntimeError::Engine)?;
        let linker = linker(&engine).map_err(RuntimeError::Engine)?;
        start_epoch_ticker(&engine);
        let cache = ComponentCache::new(config.cache_dir.clone(), size, &engine, functions);
        Ok(Runtime { engine, linker, cache, max_instances: config.max_instances })
    }

    /// Where compiled components are cached, if anywhere.
    pub fn cache_dir(&self) -> Option<&std::path::Path> {
        self.cache.dir()
    }

    /// Instances that may be alive at once across all guests.
    pub fn max_instances(&self) -> u32 {
        self.max_instances
    }
}

fn engine_config(config: &RuntimeConfig, functions: Arc<FunctionCache>) -> Result<Config, RuntimeError> {
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(config.max_instances)
        .total_core_instances(config.max_instances * 4)
        .total_memories(config.max_instances * 2)
        .total_tables(config.max_instances * 4)
        .total_stacks(config.max_instances)
        .max_memory_size(config.max_memory)
        .max_core_instances_per_component(64)
        .max_memories_per_component(16)
        .max_tables_per_component(64)
        .table_elements(100_000)
        .max_core_instance_size(4 << 20)
        .max_component_instance_size(4 << 20)
        .pagemap_scan(wasmtime::Enabled::Auto)
        .linear_memory_keep_resident(KEEP_RESIDENT)
        .table_keep_resident(TABLE_KEEP_RESIDENT)
        .async_stack_keep_resident(STACK_KEEP_RESIDENT);
    let mut wasm = Config::new();
    wasm.wasm_component_model(true)
        // No guest uses component-model async: skip its per-store state.
        .concurrency_support(false)
        .memory_init_cow(true)
        .epoch_interruption(true)
        .max_wasm_stack(MAX_WASM_STACK)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    wasm.enable_incremental_compilation(functions).map_err(RuntimeError::Engine)?;
    Ok(wasm)
}

/// WASI 0.2 (with `wasi:http`, for outbound calls and standard HTTP
/// components) and the `fasterapi:http` imports, each capability on its view.
fn linker(engine: &Engine) -> wasmtime::Result<Linker<HostState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    crate::capabilities::outbound::add_to_linker(&mut linker)?;
    bindings::log::add_to_linker::<HostState, Log>(&mut linker, HostState::log_view)?;
    bindings::config::add_to_linker::<HostState, ConfigCapability>(&mut linker, HostState::config_view)?;
    bindings::kv::add_to_linker::<HostState, Kv>(&mut linker, HostState::kv_view)?;
    Ok(linker)
}

/// Advances the engine's epoch every `EPOCH_TICK` while the engine lives.
fn start_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("fasterapi-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .map(drop)
        .unwrap_or_else(|err| tracing::error!("cannot start the epoch ticker (no timeouts): {err}"));
}
