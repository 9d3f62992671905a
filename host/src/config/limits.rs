//! Per-app resource limits, with server-wide defaults.

use std::time::Duration;

use fasterapi_runtime::InstanceLimits;
use fasterapi_runtime::capabilities::kv::KvQuota;
use fasterapi_runtime::capabilities::outbound::OutboundLimits;

/// The limits one app runs under.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// The largest linear memory one instance may grow to, in bytes.
    pub memory: usize,
    /// The longest a request may run in the guest; then 504.
    pub timeout: Duration,
    /// Requests in flight at once; above it 503 with `Retry-After`.
    pub max_concurrency: u32,
    /// The largest request body, in bytes; above it 413.
    pub max_body: usize,
    /// The largest response body a guest may return, in bytes; above it 500.
    pub max_response: usize,
    /// Key and value bytes the app's tenant may keep in the kv store.
    pub kv_bytes: usize,
    /// Keys the app's tenant may keep in the kv store.
    pub kv_keys: u64,
    /// Outbound HTTP calls one request may make.
    pub outbound_requests: u32,
    /// Outbound connections the app may have open at once.
    pub outbound_connections: u32,
    /// The longest an outbound connection may take to open (DNS, TCP, TLS).
    pub outbound_connect_timeout: Duration,
    /// The longest an outbound call may wait for its answer's head (and
    /// never past the inbound request's own deadline).
    pub outbound_timeout: Duration,
    /// The largest answer body an outbound call may receive, in bytes.
    pub max_outbound_response: usize,
    /// How long a warm instance (`instances = "reuse"`) is kept unused
    /// before it is released, with its memory.
    pub keep_warm: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory: 256 << 20,
            timeout: Duration::from_secs(30),
            max_concurrency: 256,
            max_body: 1 << 20,
            max_response: 16 << 20,
            kv_bytes: 64 << 20,
            kv_keys: 100_000,
            outbound_requests: 16,
            outbound_connections: 32,
            outbound_connect_timeout: Duration::from_secs(5),
            outbound_timeout: Duration::from_secs(30),
            max_outbound_response: 16 << 20,
            keep_warm: Duration::from_secs(60),
        }
    }
}

impl Limits {
    /// The tenant's kv quota these limits set.
    pub fn kv_quota(&self) -> KvQuota {
        KvQuota { bytes: self.kv_bytes as u64, keys: self.kv_keys }
    }

    /// The part of the limits outbound HTTP calls run under.
    pub fn outbound(&self) -> OutboundLimits {
        OutboundLimits {
            per_request: self.outbound_requests,
            connections: self.outbound_connections,
            connect_timeout: self.outbound_connect_timeout,
            timeout: self.outbound_timeout,
            max_response: self.max_outbound_response,
        }
    }

    /// The part of the limits the runtime enforces on each instance.
    pub fn for_instances(&self) -> InstanceLimits {
        InstanceLimits {
            memory: self.memory,
            timeout: self.timeout,
            max_warm: self.max_concurrency as usize,
            keep_warm: self.keep_warm,
        }
    }
}

/// The limits a manifest table sets; the others come from the defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[allow(missing_docs)] // each field overrides the `Limits` field of its name
pub struct LimitsOverride {
    pub memory: Option<usize>,
    pub timeout: Option<Duration>,
    pub max_concurrency: Option<u32>,
    pub max_body: Option<usize>,
    pub max_response: Option<usize>,
    pub kv_bytes: Option<usize>,
    pub kv_keys: Option<u64>,
    pub outbound_requests: Option<u32>,
    pub outbound_connections: Option<u32>,
    pub outbound_connect_timeout: Option<Duration>,
    pub outbound_timeout: Option<Duration>,
    pub max_outbound_response: Option<usize>,
    pub keep_warm: Option<Duration>,
}

impl LimitsOverride {
    /// `defaults` with these values applied.
    pub fn apply(&self, defaults: &Limits) -> Limits {
        Limits {
            memory: self.memory.unwrap_or(defaults.memory),
            timeout: self.timeout.unwrap_or(defaults.timeout),
            max_concurrency: self.max_concurrency.unwrap_or(defaults.max_concurrency),
            max_body: self.max_body.unwrap_or(defaults.max_body),
            max_response: self.max_response.unwrap_or(defaults.max_response),
            kv_bytes: self.kv_bytes.unwrap_or(defaults.kv_bytes),
            kv_keys: self.kv_keys.unwrap_or(defaults.kv_keys),
            outbound_requests: self.outbound_requests.unwrap_or(defaults.outbound_requests),
            outbound_connections: self.outbound_connections.unwrap_or(defaults.outbound_connections),
            outbound_connect_timeout: self
                .outbound_connect_timeout
                .unwrap_or(defaults.outbound_connect_timeout),
            outbound_timeout: self.outbound_timeout.unwrap_or(defaults.outbound_timeout),
            max_outbound_response: self.max_outbound_response.unwrap_or(defaults.max_outbound_response),
            keep_warm: self.keep_warm.unwrap_or(defaults.keep_warm),
        }
    }
}

/// The largest `memory`: a 32-bit linear memory cannot grow past 4 GiB.
pub const MAX_MEMORY: usize = 4 << 30;
/// The longest `timeout` (and server-wide timeout).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(3600);
/// The most requests of one app in flight at once.
pub const MAX_CONCURRENCY: u32 = 10_000;
/// The most guest instances one host may keep alive at once.
pub const MAX_INSTANCES: u32 = 100_000;
/// The largest `kv_bytes`.
pub const MAX_KV_BYTES: usize = 1 << 40;
/// The largest `kv_keys`.
pub const MAX_KV_KEYS: u64 = 1 << 32;
/// The largest `max_body` and `max_response`.
pub const MAX_BODY: usize = 1 << 30;
/// The largest `max_header_size`.
pub const MAX_HEADER_SIZE: usize = 1 << 20;

/// `"64MiB"`, `"512 KiB"`, `"1GB"`, `"1000"` (bytes), at most `max`.
pub fn parse_size(text: &str, max: usize) -> Result<usize, String> {
    let size: bytesize::ByteSize = text
        .trim()
        .parse()
        .map_err(|_| format!("'{text}' is not a size: use e.g. \"64MiB\", \"512KiB\", \"1GB\""))?;
    match usize::try_from(size.as_u64()) {
        Ok(size) if size <= max => Ok(size),
        _ => {
            Err(format!("'{text}' is over the maximum of {}", bytesize::ByteSize(max as u64).display().iec()))
        }
    }
}

/// A request body limit for the command line (`--max-body`).
pub fn parse_max_body(text: &str) -> Result<usize, String> {
    parse_size(text, MAX_BODY)
}

/// `"2s"`, `"500ms"`, `"1m 30s"`: longer than zero, at most [`MAX_TIMEOUT`].
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text.trim())
        .map_err(|_| format!("'{text}' is not a duration: use e.g. \"2s\", \"500ms\""))?;
    if duration.is_zero() {
        return Err("must be longer than zero".into());
    }
    if duration > MAX_TIMEOUT {
        return Err(format!("'{text}' is over the maximum of 1h"));
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations() {
        assert_eq!(parse_size("64MiB", MAX_MEMORY), Ok(64 << 20));
        assert_eq!(parse_size("512 KiB", MAX_MEMORY), Ok(512 << 10));
        assert_eq!(parse_size("1MB", MAX_MEMORY), Ok(1_000_000));
        assert_eq!(parse_size("1000", MAX_MEMORY), Ok(1000));
        assert!(parse_size("lots", MAX_MEMORY).is_err());
        assert!(parse_size("5GiB", MAX_MEMORY).unwrap_err().contains("over the maximum of 4"));
        assert!(parse_size("99999999999999999999", MAX_MEMORY).is_err());
        assert!(parse_duration("500000000000y").unwrap_err().contains("maximum"));
        assert!(parse_duration("2h").is_err());
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("0s").is_err());
    }

    #[test]
    fn overrides_fall_back_to_defaults() {
        let defaults = Limits::default();
        let limits = LimitsOverride { max_concurrency: Some(3), ..Default::default() }.apply(&defaults);
        assert_eq!(limits, Limits { max_concurrency: 3, ..defaults });
    }
}
