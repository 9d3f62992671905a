//! The CNCF Wasm OCI artifact: its config (what the component imports and
//! exports, so that a registry UI or `wkg` can tell what it is) and layer.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The media type of a Wasm artifact's config.
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.wasm.config.v0+json";
/// The media type of its one layer, the component.
pub const LAYER_MEDIA_TYPE: &str = "application/wasm";

/// `application/vnd.wasm.config.v0+json`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WasmConfig {
    /// When it was pushed (RFC 3339).
    pub created: String,
    /// Always `wasm`.
    pub architecture: String,
    /// `wasip2` for a component.
    pub os: String,
    /// The layers' digests, in order (so that the config's own digest is unique).
    pub layer_digests: Vec<String>,
    /// The component's world.
    pub component: Option<ComponentInfo>,
}

/// A component's world: its imports and exports by interface name.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ComponentInfo {
    pub exports: Vec<String>,
    pub imports: Vec<String>,
    pub target: Option<String>,
}

impl WasmConfig {
    /// The config of `component`, or why it is not a component.
    pub fn of(component: &[u8]) -> Result<WasmConfig, String> {
        let (imports, exports) = world(component)?;
        Ok(WasmConfig {
            created: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
            architecture: "wasm".to_owned(),
            os: "wasip2".to_owned(),
            layer_digests: vec![digest(component)],
            component: Some(ComponentInfo { exports, imports, target: None }),
        })
    }
}

/// `sha256:` and the hex SHA-256 of `bytes`, as OCI names content.
pub(crate) fn digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let mut text = String::with_capacity(7 + 64);
    text.push_str("sha256:");
    for byte in hash {
        text.push_str(&format!("{byte:02x}"));
    }
    text
}

/// The top-level imports and exports of a component (not of the modules
/// and components nested in it).
fn world(bytes: &[u8]) -> Result<(Vec<String>, Vec<String>), String> {
    use wasmparser::{Encoding, Parser, Payload};
    let (mut imports, mut exports) = (Vec::new(), Vec::new());
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(|err| format!("not a WebAssembly component: {err}"))? {
            Payload::Version { encoding, .. } => {
                if depth == 0 && encoding != Encoding::Component {
                    return Err(
                        "a core WebAssembly module, not a component: build it for wasm32-wasip2".to_owned()
                    );
                }
                depth += 1;
            }
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(section) if depth == 1 => {
                for import in section {
                    imports.push(import.map_err(|err| err.to_string())?.name.name.to_owned());
                }
            }
            Payload::ComponentExportSection(section) if depth == 1 => {
                for export in section {
                    exports.push(export.map_err(|err| err.to_string())?.name.name.to_owned());
                }
            }
            _ => {}
        }
    }
    Ok((imports, exports))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_core_module_or_garbage_is_not_a_component() {
        let module = b"\0asm\x01\0\0\0";
        assert!(WasmConfig::of(module).unwrap_err().contains("core WebAssembly module"));
        assert!(WasmConfig::of(b"hello").unwrap_err().contains("not a WebAssembly component"));
    }

    #[test]
    fn an_empty_component_has_an_empty_world() {
        // The component preamble: magic, version 0x0d, layer 1.
        let component = b"\0asm\x0d\0\x01\0";
        let config = WasmConfig::of(component).unwrap();
        let info = config.component.unwrap();
        assert!(info.imports.is_empty() && info.exports.is_empty());
        assert_eq!((config.architecture.as_str(), config.os.as_str()), ("wasm", "wasip2"));
        assert_eq!(config.layer_digests, vec![digest(component)]);
    }

    #[test]
    fn digests_are_sha256_in_hex() {
        assert_eq!(digest(b""), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
}
