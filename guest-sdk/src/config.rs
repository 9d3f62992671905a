//! The app's configuration variables (`[app.config]` in the manifest).
//!
//! ```ignore
//! let greeting = fasterapi::config::get("greeting").unwrap_or_else(|| "hello".into());
//! ```

use crate::bindings::fasterapi::http::config as wit;

/// The value of variable `key`, if the app has one.
pub fn get(key: &str) -> Option<String> {
    wit::get(key)
}

/// Every variable, as (key, value).
pub fn all() -> Vec<(String, String)> {
    wit::get_all()
}
