//! The key-value store of the app's tenant (granted by the manifest's
//! `[app.capabilities] kv = true`). Keys are strings (at most 1 KiB), values
//! bytes (at most 1 MiB); every write is durable.
//!
//! ```ignore
//! use fasterapi::kv;
//! kv::set("visits", b"1")?;
//! let visits = kv::get("visits")?;             // Option<Vec<u8>>
//! let users = kv::list("user:")?;              // keys with that prefix, sorted
//! ```

use crate::bindings::fasterapi::http::kv as wit;

pub use wit::Error;

/// The value of `key`, if set.
pub fn get(key: &str) -> Result<Option<Vec<u8>>, Error> {
    wit::get(key)
}

/// Sets `key` to `value`.
pub fn set(key: &str, value: impl AsRef<[u8]>) -> Result<(), Error> {
    wit::set(key, value.as_ref())
}

/// Deletes `key`; true if it was set.
pub fn delete(key: &str) -> Result<bool, Error> {
    wit::delete(key)
}

/// The keys that start with `prefix`, sorted.
pub fn list(prefix: &str) -> Result<Vec<String>, Error> {
    wit::list_keys(prefix)
}

impl From<Error> for crate::HttpError {
    /// A kv failure inside a handler is a 500 with the reason.
    fn from(err: Error) -> Self {
        let reason = match err {
            Error::Denied(reason) | Error::Invalid(reason) | Error::Backend(reason) => reason,
        };
        crate::HttpError::new(500, format!("kv: {reason}"))
    }
}
