//! Apps deployed through the admin API, kept in `data_dir/deployed` so that
//! they outlive a restart: `NAME.wasm` and `NAME.toml` (its `[[app]]`), or
//! `NAME.removed` for an app removed by the API. They are merged into the
//! manifest's apps on every read.

use std::path::{Path, PathBuf};

use fasterapi_oci::ImageRef;

use super::{Registry, RegistryError, Source};
use crate::config::{AppConfig, AppName, InvalidAppName, Manifest, ManifestError, ServerConfig, manifest};

/// Why a deploy was refused; the message is the client's answer.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// The name in the URL is not an app name.
    #[error(transparent)]
    Name(#[from] InvalidAppName),
    /// The `FasterAPI-App` entry is not a TOML inline table, or sets what it must not.
    #[error("the app's manifest entry {0}")]
    Entry(String),
    /// The entry's keys are invalid.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// Its mount is another app's.
    #[error("apps '{0}' and '{1}' would claim the same route and host")]
    Clash(AppName, AppName),
    /// The component cannot be served.
    #[error(transparent)]
    Load(RegistryError),
    /// It loaded on the side but not into the table.
    #[error("{0}")]
    Rejected(String),
    /// Storing it failed.
    #[error("cannot store {}: {source}", path.display())]
    Store {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Where deployed apps are kept.
pub(super) fn dir(server: &ServerConfig) -> PathBuf {
    server.data_dir.join("deployed")
}

/// The source's manifest with the deployed apps (which replace manifest
/// apps of the same name) and without the removed ones.
pub(super) fn read(source: &Source) -> Result<Manifest, RegistryError> {
    let mut manifest = match source {
        Source::File(path) => manifest::load(path)?,
        Source::InMemory(manifest) => (**manifest).clone(),
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir(&manifest.server))
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    for file in &files {
        let Some(name) = file.file_stem().and_then(|s| s.to_str()) else { continue };
        match file.extension().and_then(|e| e.to_str()) {
            Some("removed") => manifest.apps.retain(|a| a.name != *name),
            Some("toml") => {
                let text = std::fs::read_to_string(file)
                    .map_err(|source| RegistryError::Store { path: file.clone(), source })?;
                let app = manifest::parse_deployed(&text, file, &manifest.server)?;
                manifest.apps.retain(|a| a.name != app.name);
                manifest.apps.push(app);
            }
            _ => {}
        }
    }
    if let Some((a, b)) = manifest::find_clash(&manifest.apps) {
        return Err(RegistryError::Clash(a.name.clone(), b.name.clone()));
    }
    Ok(manifest)
}

impl Registry {
    /// A new file for an upload to be streamed into before
    /// [`Registry::deploy`] takes it (on the same file system as the
    /// deployed apps, so that it is moved, not copied).
    pub fn upload_path(&self) -> Result<PathBuf, DeployError> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let uploads = dir(&self.server).join(".uploads");
        std::fs::create_dir_all(&uploads)
            .map_err(|source| DeployError::Store { path: uploads.clone(), source })?;
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(uploads.join(format!("{}-{n}.wasm", std::process::id())))
    }

    /// Deploys (or replaces) app `name` from the component file `upload`
    /// (which it takes): `entry` is its manifest entry without name and
    /// component, as a TOML inline table (`{ tenant = "acme", route =
    /// "/acme" }`). The app is checked (manifest keys, the component,
    /// clashes, capacity) before anything changes, then stored and loaded.
    pub async fn deploy(&self, name: &str, entry: &str, upload: &Path) -> Result<(), DeployError> {
        let taken = self.deploy_upload(name, entry, upload).await;
        let _ = std::fs::remove_file(upload);
        taken
    }

    async fn deploy_upload(&self, name: &str, entry: &str, upload: &Path) -> Result<(), DeployError> {
        let name = AppName::new(name)?;
        let _changing = self.changes.lock().await;
        let dir = dir(&self.server);
        let staging = dir.join(format!(".staging-{name}"));
        let _ = std::fs::remove_dir_all(&staging);
        let (text, pulled) = app_toml(&name, entry)?;
        let (wasm, toml) = (format!("{name}.wasm"), format!("{name}.toml"));
        std::fs::create_dir_all(&staging)
            .map_err(|source| DeployError::Store { path: staging.clone(), source })?;
        // A component pulled from a registry has no file of its own here.
        let files: &[&String] = if pulled { &[&toml] } else { &[&wasm, &toml] };
        if !pulled {
            move_file(upload, &staging.join(&wasm))?;
        }
        write(&staging, &toml, text.as_bytes())?;
        if let Err(err) = self.check(&staging.join(&toml), &text).await {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(err);
        }
        // The files it replaces wait in the staging directory until the
        // new version serves: a deploy that fails leaves the old one.
        let previous = staging.join("previous");
        let removed = format!("{name}.removed");
        for file in [&wasm, &toml, &removed] {
            if dir.join(file).exists() {
                std::fs::create_dir_all(&previous)
                    .map_err(|source| DeployError::Store { path: previous.clone(), source })?;
                move_file(&dir.join(file), &previous.join(file))?;
            }
        }
        let mut installed = Vec::new();
        for &file in files {
            if let Err(err) = move_file(&staging.join(file), &dir.join(file)) {
                restore(&dir, &previous, &installed);
                let _ = std::fs::remove_dir_all(&staging);
                return Err(err);
            }
            installed.push(file.clone());
        }
        let reloaded = match self.reload_now().await {
            Ok(reloaded) => match reloaded.rejected.iter().find(|(app, _)| *app == name) {
                Some((_, reason)) => Err(DeployError::Rejected(reason.clone())),
                None => Ok(()),
            },
            Err(err) => Err(DeployError::Load(err)),
        };
        if reloaded.is_err() {
            restore(&dir, &previous, &installed);
            // Back to the table as it was on disk.
            let _ = self.reload_now().await;
        }
        let _ = std::fs::remove_dir_all(&staging);
        reloaded
    }

    /// Loads the staged app on the side, as it would be served.
    async fn check(&self, file: &Path, text: &str) -> Result<(), DeployError> {
        let config = manifest::parse_deployed(text, file, &self.server)?;
        let mut apps: Vec<AppConfig> = self
            .loaded
            .lock()
            .await
            .iter()
            .map(|app| app.config.clone())
            .filter(|other| other.name != config.name)
            .collect();
        apps.push(config.clone());
        if let Some((a, b)) = manifest::find_clash(&apps) {
            return Err(DeployError::Clash(a.name.clone(), b.name.clone()));
        }
        super::check_capacity(&apps, self.capacity).map_err(DeployError::Load)?;
        let config = self.resolve(&config, None).await.map_err(DeployError::Load)?;
        self.load(&self.server, &config).await.map(drop).map_err(DeployError::Load)
    }

    /// Removes app `name` (deployed or from the manifest), persistently.
    /// False if there is no such app.
    pub async fn remove(&self, name: &str) -> Result<bool, RegistryError> {
        let _changing = self.changes.lock().await;
        if !self.loaded.lock().await.iter().any(|app| app.config.name == *name) {
            return Ok(false);
        }
        let dir = dir(&self.server);
        for ext in ["wasm", "toml"] {
            let _ = std::fs::remove_file(dir.join(format!("{name}.{ext}")));
        }
        let marker = dir.join(format!("{name}.removed"));
        std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(&marker, b""))
            .map_err(|source| RegistryError::Store { path: marker, source })?;
        self.reload_now().await?;
        Ok(true)
    }
}

fn move_file(from: &Path, to: &Path) -> Result<(), DeployError> {
    std::fs::rename(from, to).map_err(|source| DeployError::Store { path: to.to_owned(), source })
}

/// Undoes a deploy on disk: removes the files it `installed` and moves the
/// ones it replaced back from `previous`.
fn restore(dir: &Path, previous: &Path, installed: &[String]) {
    for file in installed {
        let _ = std::fs::remove_file(dir.join(file));
    }
    for entry in std::fs::read_dir(previous).into_iter().flatten().flatten() {
        let _ = std::fs::rename(entry.path(), dir.join(entry.file_name()));
    }
}

fn write(dir: &Path, file: &str, bytes: &[u8]) -> Result<(), DeployError> {
    let path = dir.join(file);
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&path, bytes))
        .map_err(|source| DeployError::Store { path, source })
}

/// The file of a deployed app: `[[app]]` with its name, its component
/// (beside the file, or the `oci://` reference the entry gives) and the
/// client's entry; and whether the component is pulled from a registry.
fn app_toml(name: &AppName, entry: &str) -> Result<(String, bool), DeployError> {
    let mut app = manifest::inline_entry(entry).map_err(DeployError::Entry)?;
    if app.contains_key("name") {
        return Err(DeployError::Entry("must not set `name`".to_owned()));
    }
    let pulled = match app.get("component") {
        None => false,
        Some(toml::Value::String(text)) if ImageRef::is_reference(text) => true,
        Some(_) => {
            let message = "must not set `component`, unless to a registry reference (oci://REGISTRY/REPOSITORY@sha256:...)";
            return Err(DeployError::Entry(message.to_owned()));
        }
    };
    app.insert("name".into(), name.as_str().into());
    if !pulled {
        app.insert("component".into(), format!("{name}.wasm").into());
    }
    app.entry("tenant").or_insert_with(|| "default".into());
    let mut document = toml::Table::new();
    document.insert("app".into(), toml::Value::Array(vec![toml::Value::Table(app)]));
    let text =
        toml::to_string(&document).map_err(|e| DeployError::Entry(format!("cannot be written: {e}")))?;
    Ok((text, pulled))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_becomes_an_app_file() {
        let name = AppName::new("shop").unwrap();
        let (text, pulled) = app_toml(&name, r#"{ tenant = "acme", route = "/acme" }"#).unwrap();
        assert!(!pulled);
        let table: toml::Table = toml::from_str(&text).unwrap();
        let app = &table["app"][0];
        assert_eq!(app["name"].as_str(), Some("shop"));
        assert_eq!(app["component"].as_str(), Some("shop.wasm"));
        assert_eq!(app["route"].as_str(), Some("/acme"));
        let defaulted: toml::Table = toml::from_str(&app_toml(&name, "").unwrap().0).unwrap();
        assert_eq!(defaulted["app"][0]["tenant"].as_str(), Some("default"));
        assert!(
            app_toml(&name, r#"{ name = "other" }"#).unwrap_err().to_string().contains("must not set `name`")
        );
        assert!(app_toml(&name, "not toml").is_err());
        let reference = format!("oci://localhost:5000/apps/shop@sha256:{}", "a".repeat(64));
        let (text, pulled) = app_toml(&name, &format!("{{ component = \"{reference}\" }}")).unwrap();
        let table: toml::Table = toml::from_str(&text).unwrap();
        assert!(pulled && table["app"][0]["component"].as_str() == Some(reference.as_str()));
        let local = app_toml(&name, r#"{ component = "/etc/passwd" }"#).unwrap_err().to_string();
        assert!(local.contains("must not set `component`"), "{local}");
    }
}
