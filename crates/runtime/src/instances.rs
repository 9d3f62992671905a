//! What every kind of guest shares about its instances: the warm pool of
//! `InstanceMode::Reuse`, and how a failed call is classified.

use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use wasmtime::Store;

use crate::guest::{CallError, InstanceLimits, InstanceMode};
use crate::state::HostState;

/// A reused instance is dropped after this many requests: a guest's memory
/// may grow a little with every call (CPython's does, ~50 bytes).
const RECYCLE_AFTER: u32 = 10_000;

/// An instance kept warm between requests (`InstanceMode::Reuse`).
pub(crate) struct Warm<I> {
    pub(crate) store: Store<HostState>,
    pub(crate) instance: I,
    pub(crate) calls: u32,
    /// When it last went back to its pool.
    pub(crate) idle_since: Instant,
}

impl<I> Warm<I> {
    /// A new instance, not yet used.
    pub(crate) fn new(store: Store<HostState>, instance: I) -> Self {
        Warm { store, instance, calls: 0, idle_since: Instant::now() }
    }
}

/// Warm instances waiting for a request.
pub(crate) type Pool<I> = Arc<Mutex<Vec<Warm<I>>>>;

/// The warm pool of a guest in `mode`: in `Reuse`, its idle instances are
/// released after `limits.keep_warm`.
pub(crate) fn warm_pool<I: Send + 'static>(mode: InstanceMode, limits: &InstanceLimits) -> Pool<I> {
    let pool = Pool::default();
    if mode == InstanceMode::Reuse {
        release_idle_in_background(&pool, limits.keep_warm);
    }
    pool
}

/// A warm instance from `pool`, if one is free.
pub(crate) fn take<I>(pool: &Pool<I>) -> Option<Warm<I>> {
    pool.lock().unwrap_or_else(|e| e.into_inner()).pop()
}

/// Puts `warm` back in `pool`, unless it is due for recycling or the pool is full.
pub(crate) fn keep<I>(pool: &Pool<I>, mut warm: Warm<I>, max_warm: usize) {
    let mut pool = pool.lock().unwrap_or_else(|e| e.into_inner());
    if warm.calls < RECYCLE_AFTER && pool.len() < max_warm {
        warm.idle_since = Instant::now();
        pool.push(warm);
    }
}

/// Drops the instances of `pool` idle for `keep_warm` or longer, and
/// returns how many: an idle app holds no instance (its memory slot, a
/// Python interpreter's ~6 MiB) once its load is gone.
pub(crate) fn release_idle<I>(pool: &Pool<I>, keep_warm: Duration) -> usize {
    let stale: Vec<Warm<I>> = {
        let mut pool = pool.lock().unwrap_or_else(|e| e.into_inner());
        // Pushed and popped at the end: the longest idle are first.
        let fresh = pool.iter().position(|warm| warm.idle_since.elapsed() < keep_warm).unwrap_or(pool.len());
        pool.drain(..fresh).collect()
    };
    // Dropped outside the lock: freeing a store resets its memory slot.
    stale.len()
}

/// Runs [`release_idle`] on `pool` every half `keep_warm` while the pool
/// lives (its guest is loaded), on the current tokio runtime.
fn release_idle_in_background<I: Send + 'static>(pool: &Pool<I>, keep_warm: Duration) {
    let pool: Weak<Mutex<Vec<Warm<I>>>> = Arc::downgrade(pool);
    let period = (keep_warm / 2).max(Duration::from_millis(50));
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        tracing::warn!("no async runtime: idle warm instances are kept");
        return;
    };
    runtime.spawn(async move {
        loop {
            tokio::time::sleep(period).await;
            let Some(pool) = pool.upgrade() else { return };
            let released = release_idle(&pool, keep_warm);
            if released > 0 {
                tracing::debug!(released, "idle warm instances released");
            }
        }
    });
}

/// Classifies a failed instantiation or call by the error's type: a
/// timeout, no instance to be had (the pool is exhausted), or a trap.
pub(crate) fn classify(err: wasmtime::Error, store: &Store<HostState>, timeout: Duration) -> CallError {
    if let Some(wasmtime::Trap::Interrupt) = err.downcast_ref::<wasmtime::Trap>() {
        return CallError::Timeout(timeout);
    }
    if err.downcast_ref::<wasmtime::PoolConcurrencyLimitError>().is_some() {
        return CallError::Instantiate(err);
    }
    CallError::Trap { trap: describe_trap(&err, ""), stderr: store.data().stderr() }
}

/// A one-line description of a trap: its cause (not wasmtime's "error
/// while executing at wasm backtrace:" header) and the guest's stderr,
/// escaped (symbol names and messages are the guest's text).
pub(crate) fn describe_trap(err: &wasmtime::Error, stderr: &str) -> String {
    let cause = match err.downcast_ref::<wasmtime::Trap>() {
        Some(trap) => trap.to_string(),
        None => err.root_cause().to_string(),
    };
    let cause = cause.lines().map(str::trim).find(|line| !line.is_empty()).unwrap_or("unknown error");
    let trap = crate::capabilities::log::escape(cause);
    if stderr.is_empty() { trap.into_owned() } else { format!("{trap} (stderr: {stderr})") }
}
