//! The log on stderr: text for people or JSON for collectors, and for a
//! serving host, its identity on every line (a fleet's lines interleave).

use std::fmt;

use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::FmtContext;
use tracing_subscriber::fmt::format::{self, FormatEvent, FormatFields, Writer};
use tracing_subscriber::registry::LookupSpan;

/// The format of the log on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One readable line per event.
    Text,
    /// One JSON object per line.
    Json,
}

/// Starts the log; `host`, if given, is written on every line. Called
/// again in one process (the Python package's CLI), the first log stays.
pub fn init(format: LogFormat, host: Option<&str>) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let host = host.map(str::to_owned);
    match format {
        LogFormat::Text => {
            let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
            let inner = format::format().with_ansi(ansi);
            let _ = builder.with_ansi(ansi).event_format(WithHost { host, inner }).try_init();
        }
        LogFormat::Json => {
            let inner = format::format().json();
            let _ = builder.json().event_format(WithHost { host, inner }).try_init();
        }
    }
}

/// This machine's host name (what a pod's name is in Kubernetes).
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_owned())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// A line format with the host's identity first: `host=ID` in text, a
/// `"host"` key in JSON.
struct WithHost<F> {
    host: Option<String>,
    inner: F,
}

impl<S, N, F> FormatEvent<S, N> for WithHost<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let Some(host) = &self.host else {
            return self.inner.format_event(ctx, writer, event);
        };
        let mut line = String::new();
        self.inner.format_event(ctx, Writer::new(&mut line), event)?;
        match line.strip_prefix('{') {
            Some(rest) => {
                let host = serde_json::to_string(host).map_err(|_| fmt::Error)?;
                write!(writer, "{{\"host\":{host},{rest}")
            }
            None => write!(writer, "host={host} {line}"),
        }
    }
}
