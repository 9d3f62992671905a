//! `fasterapi dev [DIR]`: the edit-save-see loop. Builds the guest project,
//! serves it, watches its sources and, on every save, rebuilds it and swaps
//! the new component in through the registry's reload: requests in flight
//! finish on the old version, and a build that fails (or a component the
//! host rejects) leaves the last good build serving. Prints one status line
//! per rebuild, and progress while a slow step runs.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tokio::sync::mpsc;

use fasterapi_runtime::Runtime;
use fasterapi_runtime::cache::{content_hash, default_dir};

use crate::build::{self, BuildError, Built};
use crate::config::{AppName, Manifest, manifest};
use crate::registry::{self, Registry, Source};
use crate::server::{self, ConnectionLimits};
use crate::watch::Watcher;

/// What `fasterapi dev` was asked to do.
#[derive(Debug, Clone)]
pub struct DevOptions {
    /// The guest project: a Rust crate or a Python app.
    pub dir: PathBuf,
    /// Overrides the manifest's (or the default) listen address.
    pub listen: Option<SocketAddr>,
    /// Where compiled components are cached.
    pub cache_dir: Option<PathBuf>,
}

/// Directories whose changes never need a rebuild: build outputs, caches,
/// version control, the vendored SDK of a new Python project.
const IGNORED_DIRS: [&str; 6] = ["target", ".fasterapi", ".git", "__pycache__", "node_modules", "vendor"];

/// Runs the loop until SIGINT/SIGTERM.
pub async fn run(options: DevOptions) -> Result<()> {
    let project = Project::new(&options.dir)?;
    let (tx, mut changes) = mpsc::unbounded_channel();
    let _watcher = watch_sources(&project.dir, tx)?;
    eprintln!("fasterapi dev: building {}", project.dir.display());
    while let Err(err) = project.build().await {
        eprintln!("✗ build failed: {err}");
        eprintln!("  waiting for a change in {} to try again", project.dir.display());
        next_change(&mut changes).await;
    }
    let manifest = project.manifest(options.listen);
    let cache_dir =
        options.cache_dir.or_else(default_dir).unwrap_or_else(|| manifest.server.data_dir.join("cache"));
    let runtime = Arc::new(Runtime::new(&registry::runtime_config(&manifest, Some(cache_dir)))?);
    let source = Source::InMemory(Box::new(manifest.clone()));
    let registry = progress("compiling the component", Registry::start(runtime, source, None)).await?;
    let listener = server::bind(manifest.server.listen).await?;
    let addr = listener.local_addr().context("cannot read the listening address")?;
    tracing::info!("listening on http://{addr}");
    let prefix = manifest.apps.first().and_then(|a| a.route.clone()).unwrap_or_default();
    eprintln!("✓ serving http://{addr}{prefix}/ (API docs: http://{addr}{prefix}/docs)");
    eprintln!("  watching {} — save a file to rebuild; Ctrl-C stops", project.dir.display());
    let limits = ConnectionLimits::of(&manifest.server);
    let serving = server::serve(listener, registry.dispatcher(), limits, server::shutdown_signal());
    tokio::select! {
        () = serving => Ok(()),
        () = rebuild_on_change(&project, &registry, &mut changes) => Ok(()),
    }
}

/// Rebuilds and swaps after every batch of changes, one status line each;
/// an edit of the project's manifest reconfigures the app, and a batch
/// with both applies both (the new settings on the last good build if the
/// build fails).
async fn rebuild_on_change(
    project: &Project,
    registry: &Registry,
    changes: &mut mpsc::UnboundedReceiver<PathBuf>,
) {
    loop {
        let Some(batch) = next_change(changes).await else { return };
        let manifest_path = project.manifest_path();
        let edited_manifest = batch.contains(&manifest_path);
        let edited_source = batch.iter().find(|path| **path != manifest_path);
        let file = edited_source.unwrap_or(&manifest_path);
        let file = file.strip_prefix(&project.dir).unwrap_or(file).display().to_string();
        let started = Instant::now();
        let mut built = true;
        if edited_source.is_some()
            && let Err(err) = project.build().await
        {
            let seconds = started.elapsed().as_secs_f64();
            eprintln!("✗ {file}: build failed after {seconds:.1}s; the last good build keeps serving:");
            eprintln!("{err}");
            built = false;
        }
        let reloaded = if edited_manifest {
            match project.reread_manifest() {
                Ok(manifest) => registry.reload_with(manifest).await,
                Err(err) => {
                    eprintln!("✗ {err}; the last good version keeps serving");
                    continue;
                }
            }
        } else if built {
            progress("compiling the new component", registry.reload()).await
        } else {
            continue;
        };
        report(&file, started, reloaded);
    }
}

/// Prints the outcome of one reload.
fn report(file: &str, started: Instant, reloaded: Result<registry::Reloaded, registry::RegistryError>) {
    let seconds = started.elapsed().as_secs_f64();
    match reloaded {
        Ok(r) if !r.rejected.is_empty() => {
            let reasons: Vec<String> = r.rejected.into_iter().map(|(_, why)| why).collect();
            eprintln!("✗ {file}: rejected; the last good build keeps serving: {}", reasons.join("; "));
        }
        Ok(r) if r.changed == 0 => eprintln!("✓ {file}: rebuilt in {seconds:.2}s, nothing changed"),
        Ok(_) => eprintln!("✓ {file}: new version serving {seconds:.2}s after the save"),
        Err(err) => eprintln!("✗ {file}: {err}; the last good build keeps serving"),
    }
}

/// Waits for a change, then gathers the ones right behind it: every file
/// changed, in order, each once (none may be dropped: a manifest edited
/// while a build runs must still be applied).
async fn next_change(changes: &mut mpsc::UnboundedReceiver<PathBuf>) -> Option<Vec<PathBuf>> {
    let mut batch = vec![changes.recv().await?];
    while let Ok(path) = changes.try_recv() {
        if !batch.contains(&path) {
            batch.push(path);
        }
    }
    Some(batch)
}

/// Runs `task`, printing how long it has been running every few seconds
/// once it is slow (Cranelift on a Python component takes seconds).
async fn progress<T>(label: &str, task: impl Future<Output = T>) -> T {
    tokio::pin!(task);
    let started = Instant::now();
    let period = Duration::from_secs(2);
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    loop {
        tokio::select! {
            out = &mut task => return out,
            _ = ticker.tick() => eprintln!("  … {label} ({}s)", started.elapsed().as_secs()),
        }
    }
}

/// The guest project under development.
struct Project {
    dir: PathBuf,
    /// Where each build is written (and what the server loads).
    output: PathBuf,
    /// What is served: the project's `fasterapi.toml` reduced to the app
    /// under development, or the build alone at the root.
    manifest: Manifest,
}

impl Project {
    fn new(dir: &Path) -> Result<Project> {
        if !dir.is_dir() {
            bail!(
                "{}: not a directory (give the project's directory, e.g. `fasterapi dev .`)",
                dir.display()
            );
        }
        if !dir.join("Cargo.toml").is_file() && !dir.join("app.py").is_file() {
            bail!(BuildError::UnknownProject(dir.to_owned()));
        }
        let dir = std::path::absolute(dir).with_context(|| format!("cannot resolve {}", dir.display()))?;
        let manifest_path = dir.join("fasterapi.toml");
        let manifest = match manifest_path.is_file() {
            true => Some(manifest::load_before_build(&manifest_path)?),
            false => None,
        };
        // With a manifest, the build goes where its (first) app expects it,
        // so `fasterapi serve fasterapi.toml` serves the latest build too.
        let output = match manifest.as_ref().and_then(|m| m.apps.first()) {
            Some(app) => app.component.clone(),
            None => {
                let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                dir.join(".fasterapi/dev").join(format!("{}.wasm", AppName::sanitized(&name)))
            }
        };
        std::fs::create_dir_all(output.parent().unwrap_or(&dir))
            .with_context(|| format!("cannot create {}", output.display()))?;
        let manifest = with_dev_build(manifest.unwrap_or_else(|| Manifest::single_app(&output)), &output);
        Ok(Project { dir, output, manifest })
    }

    /// Builds the project on a blocking thread, showing progress.
    async fn build(&self) -> Result<Built, BuildError> {
        let (dir, output) = (self.dir.clone(), self.output.clone());
        let build = tokio::task::spawn_blocking(move || build::build(&dir, Some(&output)));
        match progress("building", build).await {
            Ok(result) => result,
            Err(err) => {
                Err(BuildError::Spawn { program: "the build".into(), source: std::io::Error::other(err) })
            }
        }
    }

    fn manifest_path(&self) -> PathBuf {
        self.dir.join("fasterapi.toml")
    }

    /// The project's edited manifest, reduced to the app under development.
    fn reread_manifest(&self) -> Result<Manifest, manifest::ManifestError> {
        Ok(with_dev_build(manifest::load_before_build(&self.manifest_path())?, &self.output))
    }

    /// What to serve at start, listening on `listen` if given.
    fn manifest(&self, listen: Option<SocketAddr>) -> Manifest {
        let mut manifest = self.manifest.clone();
        if let Some(listen) = listen {
            manifest.server.listen = listen;
        }
        manifest
    }
}

/// The app under development: the first app of the project's manifest (its
/// config, limits and mount) with the dev build as its component.
fn with_dev_build(mut manifest: Manifest, output: &Path) -> Manifest {
    manifest.apps.truncate(1);
    if let Some(app) = manifest.apps.first_mut() {
        app.component = output.to_owned();
    }
    manifest
}

/// Whether a changed file can change the build.
fn is_source(dir: &Path, path: &Path) -> bool {
    let Ok(relative) = path.strip_prefix(dir) else { return false };
    let ignored_dir = relative.components().any(|c| match c {
        Component::Normal(name) => IGNORED_DIRS.iter().any(|ignored| name == *ignored),
        _ => false,
    });
    let name = relative.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let scratch =
        name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp") || name.ends_with(".wasm");
    !ignored_dir && !scratch && !name.is_empty()
}

/// Watches `dir` recursively; sends each changed source file.
fn watch_sources(dir: &Path, tx: mpsc::UnboundedSender<PathBuf>) -> Result<Watcher> {
    let root = dir.to_owned();
    // Tools open and rewrite files without changing them (cargo reads
    // Cargo.toml, rewrites Cargo.lock): only a change of content counts.
    let mut contents = Contents::of_dir(dir);
    let mut watcher = Watcher::new(move |path| {
        if is_source(&root, &path) && contents.changed(&path) {
            let _ = tx.send(path);
        }
    })
    .context("cannot watch the project's files")?;
    watcher.watch(dir, true).with_context(|| format!("cannot watch {}", dir.display()))?;
    Ok(watcher)
}

/// The content hash of every source file, to tell a real change from a
/// file merely opened or rewritten as it was.
struct Contents(std::collections::HashMap<PathBuf, Option<String>>);

impl Contents {
    fn of_dir(dir: &Path) -> Contents {
        let mut contents = Contents(Default::default());
        let mut pending = vec![dir.to_owned()];
        while let Some(next) = pending.pop() {
            for entry in std::fs::read_dir(&next).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() && is_source(dir, &path) {
                    pending.push(path);
                } else if is_source(dir, &path) {
                    contents.changed(&path);
                }
            }
        }
        contents
    }

    /// Records `path`'s content; true if it differs from the last record
    /// (a new or deleted file is a change).
    fn changed(&mut self, path: &Path) -> bool {
        if path.is_dir() {
            return false;
        }
        let hash = std::fs::read(path).ok().map(|bytes| content_hash(&bytes));
        match (self.0.insert(path.to_owned(), hash.clone()), hash) {
            // Gone before we looked, and never seen: a tool's temporary file.
            (None | Some(None), None) => false,
            (previous, hash) => previous != Some(hash),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sources_trigger_a_rebuild() {
        let dir = Path::new("/p");
        assert!(is_source(dir, Path::new("/p/src/lib.rs")));
        assert!(is_source(dir, Path::new("/p/app.py")));
        assert!(is_source(dir, Path::new("/p/Cargo.toml")));
        assert!(!is_source(dir, Path::new("/p/target/release/x.wasm")));
        assert!(!is_source(dir, Path::new("/p/.fasterapi/dev/p.wasm")));
        assert!(!is_source(dir, Path::new("/p/__pycache__/app.cpython-311.pyc")));
        assert!(!is_source(dir, Path::new("/p/.app.py.swp")));
        assert!(!is_source(dir, Path::new("/p/app.py~")));
        assert!(!is_source(dir, Path::new("/elsewhere/app.py")));
    }

    #[tokio::test]
    async fn a_batch_keeps_every_changed_file_once() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        for path in ["/p/app.py", "/p/app.py", "/p/fasterapi.toml", "/p/app.py"] {
            tx.send(PathBuf::from(path)).unwrap();
        }
        let batch = next_change(&mut rx).await.unwrap();
        assert_eq!(batch, [PathBuf::from("/p/app.py"), PathBuf::from("/p/fasterapi.toml")]);
        drop(tx);
        assert!(next_change(&mut rx).await.is_none());
    }

    #[test]
    fn only_new_content_is_a_change() {
        let dir = std::env::temp_dir().join(format!("fasterapi-dev-contents-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("src")).unwrap();
        let file = dir.join("src/lib.rs");
        std::fs::write(&file, "fn a() {}").unwrap();
        let mut contents = Contents::of_dir(&dir);
        assert!(!contents.changed(&file), "unchanged");
        std::fs::write(&file, "fn a() {}").unwrap();
        assert!(!contents.changed(&file), "rewritten as it was");
        std::fs::write(&file, "fn b() {}").unwrap();
        assert!(contents.changed(&file), "edited");
        std::fs::remove_file(&file).unwrap();
        assert!(contents.changed(&file), "deleted");
        assert!(!contents.changed(&dir.join("src/sedX1234")), "a temporary file, gone");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
