//! Hot reload: watches the manifest and the components and reloads the
//! registry when one of them changes, including a manifest mounted from a
//! Kubernetes ConfigMap.

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
        let mut relevant = concerns(&files, &first);
        while let Ok(path) = changes.try_recv() {
            relevant |= concerns(&files, &path);
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

/// Whether a change at `path` may change one of `files`: one of them, or
/// the `..data` link of the directory of one (Kubernetes mounts a
/// ConfigMap's files as links through `..data`, and updates them all at
/// once by swapping that link to a new directory).
fn concerns(files: &HashSet<PathBuf>, path: &Path) -> bool {
    let path = absolute(path);
    if files.contains(&path) {
        return true;
    }
    let swapped_dir = path.file_name().is_some_and(|name| name == "..data").then(|| path.parent()).flatten();
    swapped_dir.is_some_and(|dir| files.iter().any(|file| file.parent() == Some(dir)))
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configmap_swap_concerns_the_files_beside_its_link() {
        let files: HashSet<PathBuf> = [PathBuf::from("/etc/fasterapi/fasterapi.toml")].into();
        assert!(concerns(&files, Path::new("/etc/fasterapi/fasterapi.toml")));
        assert!(concerns(&files, Path::new("/etc/fasterapi/..data")));
        assert!(!concerns(&files, Path::new("/etc/fasterapi/..data_tmp")));
        assert!(!concerns(&files, Path::new("/etc/fasterapi/..2026_11_30_20_00_00.123")));
        assert!(!concerns(&files, Path::new("/etc/other/..data")));
        assert!(!concerns(&files, Path::new("/etc/fasterapi/notes.txt")));
    }
}
