//! What every kind of guest shares about its instances: the warm pool of
//! `InstanceMode::Reuse`, and how a failed call is classified.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use wasmtime::Store;

use crate::guest::CallError;
use crate::state::HostState;

/// A reused instance is dropped after this many requests: a guest's memory
/// may grow a little with every call (CPython's does, ~50 bytes).
const RECYCLE_AFTER: u32 = 10_000;

/// An instance kept warm between requests (`InstanceMode::Reuse`).
pub(crate) struct Warm<I> {
    pub(crate) store: Store<HostState>,
    pub(crate) instance: I,
    pub(crate) calls: u32,
}

/// Warm instances waiting for a request.
pub(crate) type Pool<I> = Arc<Mutex<Vec<Warm<I>>>>;

/// A warm instance from `pool`, if one is free.
pub(crate) fn take<I>(pool: &Pool<I>) -> Option<Warm<I>> {
    pool.lock().unwrap_or_else(|e| e.into_inner()).pop()
}

/// Puts `warm` back in `pool`, unless it is due for recycling or the pool is full.
pub(crate) fn keep<I>(pool: &Pool<I>, warm: Warm<I>, max_warm: usize) {
    let mut pool = pool.lock().unwrap_or_else(|e| e.into_inner());
    if warm.calls < RECYCLE_AFTER && pool.len() < max_warm {
        pool.push(warm);
    }
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
