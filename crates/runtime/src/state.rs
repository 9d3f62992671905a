//! The state of one store (one instance): WASI, the capabilities' views,
//! memory and table limits, and the clock of the request it is running.

use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::component::ResourceTable;
use wasmtime::{Engine, Store, StoreLimits, StoreLimitsBuilder, UpdateDeadline};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::capabilities::config::ConfigView;
use crate::capabilities::kv::KvView;
use crate::capabilities::log::{LogView, RequestLog};
use crate::capabilities::outbound::HttpState;
use crate::capabilities::stderr::CapturedStderr;
use crate::guest::GuestShared;

/// How much of a guest's stderr is kept to explain a trap.
const STDERR_CAPTURE: usize = 4096;

/// How often the engine's epoch advances: the granularity of timeouts, and
/// how often a long-running guest yields to other requests.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(1);

/// The per-instance state a guest's imports act on.
pub(crate) struct HostState {
    /// The app the instance belongs to: who it is, what it may reach, its limits.
    guest: Arc<GuestShared>,
    wasi: WasiCtx,
    /// `wasi:http`: the app's outbound grants, what this request has used.
    pub(crate) http: HttpState,
    pub(crate) table: ResourceTable,
    stderr: CapturedStderr,
    /// What the current request has logged.
    log: RequestLog,
    limits: StoreLimits,
    /// When the current request must stop (a 504).
    deadline: Instant,
    /// Epoch ticks the current request has run for.
    ticks: u32,
}

impl HostState {
    /// What the guest wrote to stderr (a Rust panic message, a traceback),
    /// as one line.
    pub(crate) fn stderr(&self) -> String {
        self.stderr.one_line()
    }

    /// The error lines the guest logged during the current request.
    pub(crate) fn take_errors(&mut self) -> Vec<String> {
        self.log.take_errors()
    }

    pub(crate) fn config_view(&mut self) -> ConfigView<'_> {
        ConfigView { vars: &self.guest.capabilities.config }
    }

    pub(crate) fn log_view(&mut self) -> LogView<'_> {
        LogView { identity: &self.guest.identity, request: &mut self.log, rate: &self.guest.log_rate }
    }

    pub(crate) fn kv_view(&mut self) -> KvView<'_> {
        let capabilities = &self.guest.capabilities;
        KvView {
            store: capabilities.kv.as_deref(),
            tenant: &self.guest.identity.tenant,
            quota: capabilities.kv_quota,
        }
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// A store for one instance of `guest`, with its memory and table limits,
/// its clock started (see [`start_request_clock`]). Until the deadline a
/// running guest yields at every epoch tick; after it, it traps
/// (`Interrupt`: a 504).
pub(crate) fn new_store(engine: &Engine, guest: &Arc<GuestShared>) -> Store<HostState> {
    let stderr = CapturedStderr::new(STDERR_CAPTURE);
    let limits = StoreLimitsBuilder::new()
        .memory_size(guest.limits.memory)
        .instances(64)
        .memories(16)
        .tables(64)
        .table_elements(100_000)
        .build();
    let state = HostState {
        guest: guest.clone(),
        wasi: WasiCtxBuilder::new().stderr(stderr.clone()).build(),
        http: HttpState::new(guest.identity.app.clone(), guest.capabilities.outbound.clone()),
        table: resource_table(guest.limits.memory),
        stderr,
        log: RequestLog::default(),
        limits,
        deadline: Instant::now(),
        ticks: 0,
    };
    let mut store = Store::new(engine, state);
    store.limiter(|state| &mut state.limits);
    start_request_clock(&mut store);
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

/// Host memory per WASI handle (a pollable, a stream) charged against the
/// app's `memory`: a handle takes ~130 bytes of host memory, so the table
/// stays a small fraction of what the app may use.
pub(crate) const RESOURCE_CHARGE: usize = 4096;

/// A resource table of at most `memory / RESOURCE_CHARGE` handles (at
/// least 1,024): a guest cannot grow the host's memory with handles.
fn resource_table(memory: usize) -> ResourceTable {
    let mut table = ResourceTable::new();
    table.set_max_capacity((memory / RESOURCE_CHARGE).max(1024));
    table
}

/// `timeout` from now; a timeout too long for the clock is never reached.
pub(crate) fn deadline(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout).unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 86_400))
}

/// Starts a request's clock on a store: its deadline is the app's timeout
/// from now, and its stderr is forgotten (a reused instance is reset so for
/// every request).
pub(crate) fn start_request_clock(store: &mut Store<HostState>) {
    let state = store.data_mut();
    state.deadline = deadline(state.guest.limits.timeout);
    state.http.start_request(state.deadline);
    state.ticks = 0;
    state.stderr.clear();
    state.log.reset();
    store.set_epoch_deadline(1);
}
