//! Watching files: the one watcher behind hot reload (the manifest and the
//! components) and `fasterapi dev` (a project's sources). Events are
//! debounced, because editors and build tools write a file in several steps.

use std::path::{Path, PathBuf};
use std::time::Duration;

use notify_debouncer_mini::notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_mini::{DebounceEventResult, Debouncer, new_debouncer};

/// How long events for a path are gathered before it is reported.
pub const DEBOUNCE: Duration = Duration::from_millis(50);

/// Why a watch could not start.
pub type WatchError = notify_debouncer_mini::notify::Error;

/// Watches directories; every changed path goes to a callback, once per
/// burst of events. Watching stops when it is dropped.
pub struct Watcher {
    debouncer: Debouncer<RecommendedWatcher>,
}

impl Watcher {
    /// A watcher that calls `on_change` (on its own thread) for each path
    /// changed, created or removed under the watched directories.
    pub fn new(mut on_change: impl FnMut(PathBuf) + Send + 'static) -> Result<Watcher, WatchError> {
        let debouncer = new_debouncer(DEBOUNCE, move |events: DebounceEventResult| match events {
            Ok(events) => events.into_iter().for_each(|event| on_change(event.path)),
            Err(err) => tracing::warn!("watching files failed: {err}"),
        })?;
        Ok(Watcher { debouncer })
    }

    /// Watches `dir` (its files, and with `recursive` its subdirectories):
    /// a directory rather than a file, so that a file replaced by a rename
    /// is seen.
    pub fn watch(&mut self, dir: &Path, recursive: bool) -> Result<(), WatchError> {
        let mode = if recursive { RecursiveMode::Recursive } else { RecursiveMode::NonRecursive };
        self.debouncer.watcher().watch(dir, mode)
    }
}
