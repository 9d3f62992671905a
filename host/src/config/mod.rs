//! What a host is told to serve: the manifest (`fasterapi.toml`), each
//! app's limits, and the names apps go by. Pure configuration: nothing here
//! loads or serves anything.

mod app_name;
pub mod limits;
pub mod manifest;

pub use app_name::{AppName, InvalidAppName};
pub use limits::Limits;
pub use manifest::{AdminConfig, AppConfig, DocsSettings, KvConfig, Manifest, ManifestError, ServerConfig};
