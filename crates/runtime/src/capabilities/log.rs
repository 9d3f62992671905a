//! `fasterapi:http/log`: structured guest log lines in the host's log,
//! tagged with the app and its tenant.
//!
//! Everything a guest writes is escaped (control characters, line breaks,
//! terminal escapes), so that a guest cannot forge a host log line or reach
//! an operator's terminal; and it is bounded, per request
//! ([`MAX_BYTES_PER_REQUEST`]) and per app ([`MAX_LINES_PER_SECOND`]), with
//! what was dropped counted and said once.

use std::borrow::Cow;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use wasmtime::component::HasData;

use super::Identity;
use crate::bindings::log::{Host, Level};

/// The most bytes of log (messages, keys and values) one request may write.
pub const MAX_BYTES_PER_REQUEST: usize = 64 << 10;
/// The most log lines one app may write per second, across its requests.
pub const MAX_LINES_PER_SECOND: u32 = 1000;

/// What one request has written so far.
#[derive(Debug, Default)]
pub struct RequestLog {
    bytes: usize,
    dropped: u64,
    /// The error lines, as written (a Python handler's exception with its
    /// traceback): a test client shows them with the failed request.
    errors: Vec<String>,
}

impl RequestLog {
    /// Starts a new request's count.
    pub fn reset(&mut self) {
        *self = RequestLog::default();
    }

    /// The error lines written since the request started.
    pub fn take_errors(&mut self) -> Vec<String> {
        std::mem::take(&mut self.errors)
    }
}

/// One app's log rate: lines in the current one-second window.
#[derive(Debug)]
pub struct LogRate {
    window: Mutex<(Instant, u32, u64)>,
}

impl Default for LogRate {
    fn default() -> Self {
        LogRate { window: Mutex::new((Instant::now(), 0, 0)) }
    }
}

impl LogRate {
    /// Whether one more line fits in the current second; when a new second
    /// starts, says how many lines the last one dropped.
    fn admit(&self, identity: &Identity) -> bool {
        let mut window = self.window.lock().unwrap_or_else(|e| e.into_inner());
        let (started, lines, dropped) = &mut *window;
        if started.elapsed() >= Duration::from_secs(1) {
            if *dropped > 0 {
                let (app, tenant) = (&*identity.app, &*identity.tenant);
                tracing::warn!(target: "guest", %tenant, %app, "dropped {dropped} log lines over {MAX_LINES_PER_SECOND} per second");
            }
            (*started, *lines, *dropped) = (Instant::now(), 0, 0);
        }
        if *lines < MAX_LINES_PER_SECOND {
            *lines += 1;
            true
        } else {
            *dropped += 1;
            false
        }
    }
}

/// The guest's view of the host's log: who is writing, and its budgets.
pub struct LogView<'a> {
    /// The app the lines are logged for.
    pub identity: &'a Identity,
    /// The current request's budget.
    pub request: &'a mut RequestLog,
    /// The app's rate.
    pub rate: &'a LogRate,
}

/// Links `fasterapi:http/log` to a [`LogView`].
pub struct Log;

impl HasData for Log {
    type Data<'a> = LogView<'a>;
}

impl Host for LogView<'_> {
    fn write(&mut self, level: Level, message: String, fields: Vec<(String, String)>) {
        let size = message.len() + fields.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>();
        let (app, tenant) = (&*self.identity.app, &*self.identity.tenant);
        if self.request.bytes.saturating_add(size) > MAX_BYTES_PER_REQUEST {
            if self.request.dropped == 0 {
                tracing::warn!(target: "guest", %tenant, %app, "this request's log is over {MAX_BYTES_PER_REQUEST} bytes: the rest is dropped");
            }
            self.request.dropped += 1;
            return;
        }
        self.request.bytes += size;
        if matches!(level, Level::Error) {
            self.request.errors.push(error_text(&message, &fields));
        }
        if !self.rate.admit(self.identity) {
            return;
        }
        let message = escape(&message);
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

/// An error line as its writer wrote it: the message, then each field, a
/// multi-line one (a traceback) on lines of its own.
fn error_text(message: &str, fields: &[(String, String)]) -> String {
    let mut text = message.to_owned();
    for (key, value) in fields {
        if value.contains('\n') {
            text.push('\n');
            text.push_str(value.trim_end());
        } else {
            text.push_str(&format!(" {key}={value}"));
        }
    }
    text
}

/// `text` with every control character (line breaks, ESC, BEL, ...) written
/// as an escape (`\n`, `\u{1b}`), so that it stays on one line and cannot
/// drive a terminal.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Formats guest fields as `key=value` pairs: keys keep only
/// `[A-Za-z0-9_.-]` (others become `_`), values are quoted and escaped
/// unless plain.
struct FieldList<'a>(&'a [(String, String)]);

impl std::fmt::Display for FieldList<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (key, value)) in self.0.iter().enumerate() {
            let sep = if i == 0 { "" } else { " " };
            let key: String = key
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() || "_.-".contains(c) { c } else { '_' })
                .collect();
            let plain = !value.is_empty() && value.chars().all(|c| c.is_ascii_graphic() && c != '"');
            if plain {
                write!(f, "{sep}{key}={value}")?;
            } else {
                write!(f, "{sep}{key}={value:?}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guest_text_cannot_break_a_line_or_drive_a_terminal() {
        assert_eq!(escape("plain text"), "plain text");
        assert_eq!(escape("a\nINFO forged\r\x1b[2J\x07"), "a\\nINFO forged\\r\\u{1b}[2J\\u{7}");
        let fields = [("a\nb=c".to_owned(), "x y\n".to_owned()), ("ok".to_owned(), "v".to_owned())];
        assert_eq!(FieldList(&fields).to_string(), r#"a_b_c="x y\n" ok=v"#);
    }

    #[test]
    fn the_rate_admits_a_second_worth_of_lines() {
        let rate = LogRate::default();
        let identity = Identity { app: "a".into(), tenant: "t".into() };
        let admitted = (0..MAX_LINES_PER_SECOND + 10).filter(|_| rate.admit(&identity)).count();
        assert_eq!(admitted, MAX_LINES_PER_SECOND as usize);
    }
}
