//! A component compiled for the runtime, before it is known to be servable:
//! which world it implements decides what kind of guest it becomes.

use wasmtime::component::Component;

use crate::cache::{self, Origin};
use crate::engine::Runtime;
use crate::guest::LoadError;

/// The export that makes a component a standard `wasi:http` app (the
/// `wasi:http/proxy` world of WASI 0.2; any 0.2.x).
pub(crate) const INCOMING_HANDLER: &str = "wasi:http/incoming-handler@0.2";

/// The world a component implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum World {
    /// FasterAPI's `fasterapi:http/app`: typed routes the host matches.
    Typed,
    /// The standard `wasi:http/proxy`: one handler for every request.
    WasiHttp,
}

impl World {
    /// The name the manifest's `kind` and `GET /apps` use.
    pub fn as_str(self) -> &'static str {
        match self {
            World::Typed => "typed",
            World::WasiHttp => "wasi-http",
        }
    }
}

/// Machine code for one component, and where it came from.
pub struct Compiled {
    pub(crate) component: Component,
    pub(crate) hash: String,
    pub(crate) origin: Origin,
    world: World,
}

impl Compiled {
    /// Compiles `bytes` (or loads them from the cache) off the async
    /// workers: Cranelift takes seconds for a big component, and requests
    /// keep being served while an app (re)loads.
    pub async fn new(runtime: &Runtime, bytes: &[u8]) -> Result<Compiled, LoadError> {
        check_header(bytes)?;
        let hash = cache::content_hash(bytes);
        let (engine, cache, owned, key) =
            (runtime.engine.clone(), runtime.cache.clone(), bytes.to_vec(), hash.clone());
        let (component, origin) = tokio::task::spawn_blocking(move || cache.compile(&engine, &owned, &key))
            .await
            .map_err(|err| LoadError::Compile(wasmtime::Error::msg(err.to_string())))?
            .map_err(LoadError::Compile)?;
        let exports = component.component_type();
        let wasi_http = exports.exports(&runtime.engine).any(|(name, _)| is_incoming_handler(name));
        let world = if wasi_http { World::WasiHttp } else { World::Typed };
        Ok(Compiled { component, hash, origin, world })
    }

    /// The world the component exports.
    pub fn world(&self) -> World {
        self.world
    }

    /// SHA-256 of the component's bytes.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// Whether the machine code came from the on-disk cache.
    pub fn origin(&self) -> Origin {
        self.origin
    }
}

/// Whether an export's name is `wasi:http/incoming-handler@0.2.x`.
fn is_incoming_handler(name: &str) -> bool {
    name.strip_prefix(INCOMING_HANDLER).is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

fn check_header(bytes: &[u8]) -> Result<(), LoadError> {
    match bytes.get(..8) {
        Some([0, b'a', b's', b'm', 1, 0, 0, 0]) => Err(LoadError::CoreModule),
        Some([0, b'a', b's', b'm', ..]) => Ok(()),
        _ => Err(LoadError::NotWasm),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_components_are_accepted() {
        assert!(matches!(check_header(b"hello"), Err(LoadError::NotWasm)));
        assert!(matches!(check_header(b"\0asm\x01\0\0\0"), Err(LoadError::CoreModule)));
        assert!(check_header(b"\0asm\x0d\0\x01\0").is_ok());
    }

    #[test]
    fn any_wasi_http_0_2_handler_is_recognised() {
        assert!(is_incoming_handler("wasi:http/incoming-handler@0.2.0"));
        assert!(is_incoming_handler("wasi:http/incoming-handler@0.2.6"));
        assert!(!is_incoming_handler("wasi:http/incoming-handler@0.20.0"));
        assert!(!is_incoming_handler("wasi:http/handler@0.3.0"));
        assert!(!is_incoming_handler("handle"));
    }
}
