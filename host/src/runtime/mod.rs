//! The WebAssembly side of the host: one engine, the linker with the host's
//! capabilities, the compiled-component cache, and loaded apps.

pub mod app;
pub mod bindings;
pub mod cache;

use std::path::PathBuf;
use std::sync::Arc;

use wasmtime::component::{Linker, ResourceTable};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::capabilities::stderr::CapturedStderr;
pub use app::{App, LoadError};
pub use cache::ComponentCache;

/// How much of a guest's stderr is kept to explain a trap.
const STDERR_CAPTURE: usize = 4096;

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
        RuntimeConfig {
            cache_dir: None,
            max_instances: 1000,
            max_memory: 256 << 20,
        }
    }
}

/// The per-instance state a guest's imports act on.
pub struct HostState {
    /// The app's name, to tag log lines.
    pub(crate) app: Arc<str>,
    wasi: WasiCtx,
    table: ResourceTable,
    stderr: CapturedStderr,
}

impl HostState {
    fn new(app: Arc<str>) -> Self {
        let stderr = CapturedStderr::new(STDERR_CAPTURE);
        let wasi = WasiCtxBuilder::new().stderr(stderr.clone()).build();
        HostState {
            app,
            wasi,
            table: ResourceTable::new(),
            stderr,
        }
    }

    /// What the guest wrote to stderr (a Rust panic message, a traceback),
    /// as one line.
    pub fn stderr(&self) -> String {
        self.stderr.one_line()
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// Errors setting up the engine.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("cannot configure the WebAssembly engine: {0}")]
    Engine(#[source] wasmtime::Error),
}

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
            .max_component_instance_size(4 << 20);
        let mut wasm = Config::new();
        wasm.wasm_component_model(true)
            .memory_init_cow(true)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        let engine = Engine::new(&wasm).map_err(RuntimeError::Engine)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(RuntimeError::Engine)?;
        bindings::log::add_to_linker::<HostState, wasmtime::component::HasSelf<HostState>>(
            &mut linker,
            |state| state,
        )
        .map_err(RuntimeError::Engine)?;
        let cache = ComponentCache::new(config.cache_dir.clone(), &engine);
        Ok(Runtime {
            engine,
            linker,
            cache,
        })
    }

    /// The shared engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    fn store(&self, app: &Arc<str>) -> Store<HostState> {
        Store::new(&self.engine, HostState::new(app.clone()))
    }
}
