//! `fasterapi:http/log`: structured guest log lines in the host's log.

use crate::runtime::HostState;
use crate::runtime::bindings::log::{Host, Level};

impl Host for HostState {
    fn write(&mut self, level: Level, message: String, fields: Vec<(String, String)>) {
        let app = &*self.context.name;
        let tenant = &self.context.tenant;
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
