//! Hot reload: watches the manifest and the components and reloads the
//! registry when one of them changes.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::Registry;
use crate::watch::{WatchError, Watcher};

/// Watches the registry's files (their directories, so that a file replaced
/// by a rename is seen) and reloads on a change, until the process ends.
/// Returns an error only if watching cannot start.
pub async fn watch(registry: Arc<Registry>) -> Result<(), WatchError> {
    let (tx, mut changes) = tokio::sync::mpsc::unbounded_channel();
    let mut watcher = Watcher::new(move |path| {
        let _ = tx.send(path);
    })?;
    let mut watched_dirs = HashSet::new();
    loop {
        let files: HashSet<PathBuf> = registry.watched_files().await.iter().map(|f| absolute(f)).collect();
        for dir in files.iter().filter_map(|f| f.parent().map(Path::to_owned)) {
            if watched_dirs.insert(dir.clone()) {
                watcher.watch(&dir, false)?;
            }
        }
        let Some(first) = changes.recv().await else { return Ok(()) };
        let mut relevant = files.contains(&absolute(&first));
        while let Ok(path) = changes.try_recv() {
            relevant |= files.contains(&absolute(&path));
        }
        if relevant {
            // On its own task: even a panic in a reload must not end hot reload.
            let reloading = registry.clone();
            match tokio::spawn(async move { reloading.reload().await }).await {
                Ok(Ok(_)) => {}
                Ok(Err(err)) => tracing::error!("reload rejected, the current apps keep serving: {err}"),
                Err(err) => tracing::error!("reload failed ({err}); the current apps keep serving"),
            }
        }
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}
