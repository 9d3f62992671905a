//! Pushing components to registries and pulling them into a local cache.

use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::Duration;

use oci_client::Client;
use oci_client::client::{ClientConfig, ClientProtocol, Config, ImageLayer};
use oci_client::manifest::OciImageManifest;

use crate::artifact::{CONFIG_MEDIA_TYPE, LAYER_MEDIA_TYPE, WasmConfig};
use crate::credentials;
use crate::reference::ImageRef;

/// How long a registry may take to accept a connection: a registry that is
/// down fails a pull quickly instead of holding a reload.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a registry may go silent mid-answer.
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// Why a push or a pull failed.
#[derive(Debug, thiserror::Error)]
pub enum OciError {
    /// The registry refused, failed or could not be reached.
    #[error("{reference}: {message}")]
    Registry {
        /// What was pushed or pulled.
        reference: String,
        /// The registry's answer, or why there was none.
        message: String,
    },
    /// What the reference names is not a Wasm component artifact.
    #[error("{reference}: not a Wasm component artifact: {reason}")]
    NotWasm {
        /// What was pulled.
        reference: String,
        /// What it is instead.
        reason: String,
    },
    /// What was to be pushed is not a component.
    #[error("cannot push {file}: {reason}")]
    NotAComponent {
        /// The file.
        file: String,
        /// Why.
        reason: String,
    },
    /// The local cache cannot be written.
    #[error("cannot cache the pulled component in {}: {source}", path.display())]
    Cache {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// A pulled component, verified against its digest, in the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pulled {
    /// The manifest's digest (`sha256:...`): what the reference resolved to.
    pub digest: String,
    /// The component file.
    pub path: PathBuf,
    /// Whether it came over the network (else it was in the cache already).
    pub fetched: bool,
}

/// Registries, as one host or CLI speaks to them.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    /// Registries (`host:port`) beyond loopback spoken to over plain HTTP.
    insecure: Vec<String>,
}

impl Registry {
    /// Speaks HTTPS to every registry beyond loopback but `insecure`
    /// (`host:port` as references name them).
    pub fn new(insecure: Vec<String>) -> Self {
        Registry { insecure }
    }

    /// Publishes `component` (a component's bytes, read from `file`) at
    /// `reference`'s tag; returns the manifest's digest.
    pub async fn push(
        &self,
        reference: &ImageRef,
        file: &str,
        component: Vec<u8>,
    ) -> Result<String, OciError> {
        let not_a_component = |reason| OciError::NotAComponent { file: file.to_owned(), reason };
        let config = WasmConfig::of(&component).map_err(not_a_component)?;
        let config = Config {
            data: serde_json::to_vec(&config).map_err(|err| not_a_component(err.to_string()))?.into(),
            media_type: CONFIG_MEDIA_TYPE.to_owned(),
            annotations: None,
        };
        let layer =
            ImageLayer { data: component.into(), media_type: LAYER_MEDIA_TYPE.to_owned(), annotations: None };
        let manifest = OciImageManifest::build(std::slice::from_ref(&layer), &config, None);
        let (client, auth) = self.client(reference);
        let failed = |err| registry_error(reference, "cannot push", err);
        client.push(&reference.0, &[layer], config, &auth, Some(manifest)).await.map_err(failed)?;
        client.fetch_manifest_digest(&reference.0, &auth).await.map_err(failed)
    }

    /// The component `reference` names, from `cache_dir` if it holds that
    /// digest already, else pulled, verified against the digest and stored
    /// there. A tag is resolved to its digest first (one request).
    pub async fn pull(&self, reference: &ImageRef, cache_dir: &Path) -> Result<Pulled, OciError> {
        let (client, auth) = self.client(reference);
        let failed = |err| registry_error(reference, "cannot pull", err);
        let digest = match reference.digest() {
            Some(digest) => digest.to_owned(),
            None => client.fetch_manifest_digest(&reference.0, &auth).await.map_err(failed)?,
        };
        let path = cached_path(cache_dir, &digest);
        if path.is_file() {
            // Used now: a cache bounded by size evicts it last.
            let now = std::time::SystemTime::now();
            let _ = std::fs::File::options().append(true).open(&path).and_then(|file| file.set_modified(now));
            return Ok(Pulled { digest, path, fetched: false });
        }
        let pinned = reference.with_digest(&digest);
        let image = client.pull(&pinned.0, &auth, vec![LAYER_MEDIA_TYPE]).await.map_err(failed)?;
        let not_wasm = |reason: String| OciError::NotWasm { reference: reference.to_string(), reason };
        if image.config.media_type != CONFIG_MEDIA_TYPE {
            return Err(not_wasm(format!(
                "its config is {}, not {CONFIG_MEDIA_TYPE}",
                image.config.media_type
            )));
        }
        let [layer] = image.layers.as_slice() else {
            return Err(not_wasm(format!("it has {} layers, not one", image.layers.len())));
        };
        store(&path, &layer.data)?;
        tracing::info!(%reference, %digest, bytes = layer.data.len(), "pulled");
        Ok(Pulled { digest, path, fetched: true })
    }

    /// A client for `reference`'s registry, and the credentials for it.
    fn client(&self, reference: &ImageRef) -> (Client, oci_client::secrets::RegistryAuth) {
        install_crypto();
        let registry = reference.registry().to_owned();
        let plain = reference.is_loopback() || self.insecure.contains(&registry);
        let protocol =
            if plain { ClientProtocol::HttpsExcept(vec![registry.clone()]) } else { ClientProtocol::Https };
        let config = ClientConfig {
            protocol,
            connect_timeout: Some(CONNECT_TIMEOUT),
            read_timeout: Some(READ_TIMEOUT),
            ..ClientConfig::default()
        };
        (Client::new(config), credentials::for_registry(&registry))
    }
}

/// Where the component of manifest `digest` is cached.
fn cached_path(cache_dir: &Path, digest: &str) -> PathBuf {
    let (algorithm, hex) = digest.split_once(':').unwrap_or(("sha256", digest));
    cache_dir.join("oci").join(algorithm).join(format!("{hex}.wasm"))
}

/// Writes `bytes` at `path` whole or not at all (another host sharing the
/// cache may be reading it).
fn store(path: &Path, bytes: &[u8]) -> Result<(), OciError> {
    let failed = |source| OciError::Cache { path: path.to_owned(), source };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    let partial = path.with_extension(format!("partial{}", std::process::id()));
    std::fs::write(&partial, bytes).map_err(failed)?;
    std::fs::rename(&partial, path).map_err(failed)
}

/// The registry's failure in one line, down to its root cause (a refused
/// connection, a 401, a digest that does not match).
fn registry_error(
    reference: &ImageRef,
    what: &str,
    err: oci_client::errors::OciDistributionError,
) -> OciError {
    let mut message = format!("{what}: {err}");
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    OciError::Registry { reference: reference.to_string(), message }
}

/// rustls needs one process-wide crypto provider; the host's is ring.
fn install_crypto() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_are_cached_by_manifest_digest() {
        let hex = "a".repeat(64);
        let path = cached_path(Path::new("/cache"), &format!("sha256:{hex}"));
        assert_eq!(path, Path::new("/cache/oci/sha256").join(format!("{hex}.wasm")));
    }

    #[tokio::test]
    async fn a_registry_that_is_down_is_a_clear_error() {
        // A port nobody listens on (bound, then closed).
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let reference: ImageRef = format!("oci://127.0.0.1:{port}/apps/hello:1").parse().unwrap();
        let dir = std::env::temp_dir().join(format!("fasterapi-oci-test-{}", std::process::id()));
        let err = Registry::default().pull(&reference, &dir).await.unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with(&format!("oci://127.0.0.1:{port}/apps/hello:1: cannot pull")), "{text}");
        assert!(text.to_lowercase().contains("connect"), "{text}");
        assert!(!dir.exists(), "nothing cached");
    }
}
