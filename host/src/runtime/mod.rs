//! The WebAssembly side of the host: one engine, the linker with the host's
//! capabilities, the compiled-component cache, and loaded apps.

pub mod app;
pub mod bindings;
pub mod cache;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::component::{HasSelf, Linker, ResourceTable};
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store, StoreLimits,
    StoreLimitsBuilder, UpdateDeadline,
};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

pub use app::{App, LoadError};

use crate::capabilities::AppContext;
use crate::capabilities::stderr::CapturedStderr;
pub use cache::ComponentCache;

/// How much of a guest's stderr is kept to explain a trap.
const STDERR_CAPTURE: usize = 4096;
/// How often the epoch advances: the granularity of timeouts, and how often
/// a long-running guest yields to other requests.
const EPOCH_TICK: Duration = Duration::from_millis(1);
/// Wasm stack per instance; deeper recursion traps.
const MAX_WASM_STACK: usize = 1 << 20;

/// Engine-wide settings.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// Where compiled components are cached; `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
    /// Instances that may be alive at once across all apps (pool slots).
    pub max_instances: u32,
    /// The largest linear memory one instance may grow to.
    pub max_memory: usize,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig { cache_dir: None, max_instances: 1000, max_memory: 256 << 20 }
    }
}

/// The per-instance state a guest's imports act on.
pub struct HostState {
    /// The app the instance belongs to: name, tenant, config, kv, limits.
    pub(crate) context: Arc<AppContext>,
    wasi: WasiCtx,
    table: ResourceTable,
    stderr: CapturedStderr,
    limits: StoreLimits,
    /// When the current request must stop (a 504).
    deadline: Instant,
    /// Epoch ticks the current request has run for.
    ticks: u32,
}

impl HostState {
    fn new(context: Arc<AppContext>) -> Self {
        let stderr = CapturedStderr::new(STDERR_CAPTURE);
        let wasi = WasiCtxBuilder::new().stderr(stderr.clone()).build();
        let limits = StoreLimitsBuilder::new()
            .memory_size(context.limits.memory)
            .instances(64)
            .memories(16)
            .tables(64)
            .table_elements(100_000)
            .build();
        let deadline = Instant::now() + context.limits.timeout;
        HostState { context, wasi, table: ResourceTable::new(), stderr, limits, deadline, ticks: 0 }
    }

    /// What the guest wrote to stderr (a Rust panic message, a traceback),
    /// as one line.
    pub fn stderr(&self) -> String {
        self.stderr.one_line()
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// Errors setting up the engine.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("cannot configure the WebAssembly engine: {0}")]
    Engine(#[source] wasmtime::Error),
}

/// How much compiled code [`cache::FunctionCache`] keeps: several versions
/// of a Python component.
const FUNCTION_CACHE_BYTES: usize = 256 << 20;

/// How much of each memory and table slot stays mapped between instances:
/// reset in place (only the pages the last instance dirtied, with Linux's
/// PAGEMAP_SCAN) instead of unmapped with `madvise`, so the next instance
/// takes no page faults and no TLB shootdown. A Python instance dirties
/// ~5.5 MiB.
const KEEP_RESIDENT: usize = 8 << 20;

/// The same for the stacks calls run on (CPython recurses deeply).
const STACK_KEEP_RESIDENT: usize = 1 << 20;

/// The engine and linker shared by every app.
pub struct Runtime {
    engine: Engine,
    linker: Linker<HostState>,
    cache: ComponentCache,
}

impl Runtime {
    /// Configures wasmtime: component model, pooling allocator with
    /// copy-on-write memory images.
    pub fn new(config: &RuntimeConfig) -> Result<Runtime, RuntimeError> {
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
            .table_keep_resident(KEEP_RESIDENT)
            .async_stack_keep_resident(STACK_KEEP_RESIDENT);
        let mut wasm = Config::new();
        wasm.wasm_component_model(true)
            // No guest uses component-model async: skip its per-store state.
            .concurrency_support(false)
            .memory_init_cow(true)
            .epoch_interruption(true)
            .max_wasm_stack(MAX_WASM_STACK)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        wasm.enable_incremental_compilation(Arc::new(cache::FunctionCache::new(FUNCTION_CACHE_BYTES)))
            .map_err(RuntimeError::Engine)?;
        let engine = Engine::new(&wasm).map_err(RuntimeError::Engine)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(RuntimeError::Engine)?;
        bindings::log::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)
            .map_err(RuntimeError::Engine)?;
        bindings::config::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)
            .map_err(RuntimeError::Engine)?;
        bindings::kv::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)
            .map_err(RuntimeError::Engine)?;
        start_epoch_ticker(&engine);
        let cache = ComponentCache::new(config.cache_dir.clone(), &engine);
        Ok(Runtime { engine, linker, cache })
    }

    /// The shared engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// A store for one instance of the app: its memory and table limits, and
    /// a deadline `limits.timeout` from now. Until then a running guest yields
    /// at every epoch tick; after it, it traps (`Interrupt`: a 504).
    fn store(&self, context: &Arc<AppContext>) -> Store<HostState> {
        let mut store = Store::new(&self.engine, HostState::new(context.clone()));
        store.limiter(|state| &mut state.limits);
        arm(&mut store);
        store.epoch_deadline_callback(|mut store| {
            let state = store.data_mut();
            state.ticks += 1;
            Ok(if Instant::now() >= state.deadline {
                UpdateDeadline::Interrupt
            } else if state.ticks == 1 {
                UpdateDeadline::Yield(1)
            } else {
                // A guest running for more than a tick steps aside until the
                // runtime's next timer and I/O poll, so that the requests of
                // other apps and tenants are not starved behind it.
                UpdateDeadline::YieldCustom(1, Box::pin(tokio::time::sleep(EPOCH_TICK)))
            })
        });
        store
    }
}

/// Starts a request's clock on a store: its deadline is the app's timeout
/// from now (a reused instance is re-armed for every request).
pub(crate) fn arm(store: &mut Store<HostState>) {
    let state = store.data_mut();
    state.deadline = Instant::now() + state.context.limits.timeout;
    state.ticks = 0;
    state.stderr.clear();
    store.set_epoch_deadline(1);
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
