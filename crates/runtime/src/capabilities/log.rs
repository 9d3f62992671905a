//! `fasterapi:http/log`: structured guest log lines in the host's log,
//! tagged with the app and its tenant.

use wasmtime::component::HasData;

use super::Identity;
use crate::bindings::log::{Host, Level};

/// The guest's view of the host's log: who is writing.
pub struct LogView<'a> {
    /// The app the lines are logged for.
    pub identity: &'a Identity,
}

/// Links `fasterapi:http/log` to a [`LogView`].
pub struct Log;

impl HasData for Log {
    type Data<'a> = LogView<'a>;
}

impl Host for LogView<'_> {
    fn write(&mut self, level: Level, message: String, fields: Vec<(String, String)>) {
        let app = &*self.identity.app;
        let tenant = &*self.identity.tenant;
        let fields = FieldList(&fields);
        match level {
            Level::Trace => tracing::trace!(target: "guest", %tenant, %app, %fields, "{message}"),
            Level::Debug => tracing::debug!(target: "guest", %tenant, %app, %fields, "{message}"),
            Level::Info => tracing::info!(target: "guest", %tenant, %app, %fields, "{message}"),
            Level::Warn => tracing::warn!(target: "guest", %tenant, %app, %fields, "{message}"),
            Level::Error => tracing::error!(target: "guest", %tenant, %app, %fields, "{message}"),
        }
    }
}

/// Formats guest fields as `key=value` pairs, values quoted when needed.
struct FieldList<'a>(&'a [(String, String)]);

impl std::fmt::Display for FieldList<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (key, value)) in self.0.iter().enumerate() {
            let sep = if i == 0 { "" } else { " " };
            if value.contains(char::is_whitespace) || value.is_empty() {
                write!(f, "{sep}{key}={value:?}")?;
            } else {
                write!(f, "{sep}{key}={value}")?;
            }
        }
        Ok(())
    }
}
