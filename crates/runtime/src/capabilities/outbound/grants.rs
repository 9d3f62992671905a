//! `allowed_outbound_hosts`: the destinations an app is granted, in Spin's
//! syntax (`"https://api.example.com"`, `"http://127.0.0.1:*"`,
//! `"https://*.internal.example"`, `"*://*:*"`).

use std::net::{IpAddr, SocketAddr};

/// One entry of `allowed_outbound_hosts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Grant {
    /// `None` is `*://`.
    scheme: Option<String>,
    host: HostPattern,
    port: PortPattern,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    Any,
    /// `*.example.com`: any name below it (not the name itself).
    Below(String),
    Name(String),
    Literal(IpAddr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PortPattern {
    Any,
    /// The scheme's default port (80, 443).
    Default,
    Exact(u16),
}

/// Why an `allowed_outbound_hosts` entry cannot be used.
#[derive(Debug, thiserror::Error)]
#[error(
    "allowed_outbound_hosts entry {entry:?}: {reason} (expected e.g. \"https://api.example.com\", \"http://127.0.0.1:8080\", \"https://*.example.com\" or \"*://*:*\")"
)]
pub struct GrantError {
    entry: String,
    reason: &'static str,
}

/// The hosts an app may call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedHosts(Vec<Grant>);

impl AllowedHosts {
    /// Parses the manifest's entries.
    pub fn parse(entries: &[String]) -> Result<AllowedHosts, GrantError> {
        entries.iter().map(|entry| parse_grant(entry)).collect::<Result<_, _>>().map(AllowedHosts)
    }

    /// Whether nothing is granted (every call is denied).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The grants that allow `scheme://host:port`.
    pub(super) fn matching(&self, scheme: &str, host: &str, port: u16) -> Vec<&Grant> {
        self.0.iter().filter(|grant| grant.allows(scheme, host, port)).collect()
    }
}

fn parse_grant(entry: &str) -> Result<Grant, GrantError> {
    let error = |reason| GrantError { entry: entry.to_owned(), reason };
    let (scheme, rest) = entry.split_once("://").ok_or_else(|| error("no scheme"))?;
    let scheme = match scheme {
        "*" => None,
        "http" | "https" => Some(scheme.to_owned()),
        _ => return Err(error("the scheme must be http, https or *")),
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.contains('/') || rest.contains('?') || rest.contains('@') {
        return Err(error("a grant names a host and port, not a path or user"));
    }
    let (host, port) = split_port(rest).ok_or_else(|| error("the port must be a number or *"))?;
    let host = match host {
        "" => return Err(error("no host")),
        "*" => HostPattern::Any,
        _ if host.starts_with("*.") => HostPattern::Below(host[1..].to_ascii_lowercase()),
        _ if host.contains('*') => {
            return Err(error("a wildcard may only be a whole host or a leading `*.`"));
        }
        _ => match host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
            Ok(ip) => HostPattern::Literal(ip),
            Err(_) => HostPattern::Name(host.to_ascii_lowercase()),
        },
    };
    Ok(Grant { scheme, host, port })
}

/// `host[:port]` → (host, port); an IPv6 literal keeps its brackets.
fn split_port(text: &str) -> Option<(&str, PortPattern)> {
    let (host, port) = match text.rfind(':') {
        Some(colon) if !text[colon..].contains(']') => (&text[..colon], Some(&text[colon + 1..])),
        _ => (text, None),
    };
    let port = match port {
        None => PortPattern::Default,
        Some("*") => PortPattern::Any,
        Some(digits) => PortPattern::Exact(digits.parse().ok()?),
    };
    Some((host, port))
}

impl Grant {
    fn allows(&self, scheme: &str, host: &str, port: u16) -> bool {
        let scheme_ok = self.scheme.as_deref().is_none_or(|s| s == scheme);
        let port_ok = match self.port {
            PortPattern::Any => true,
            PortPattern::Exact(p) => p == port,
            PortPattern::Default => port == default_port(scheme),
        };
        scheme_ok && port_ok && self.host.allows(host)
    }

    /// Whether this grant names `addr` by literal address (and, for the
    /// admin listener, its exact port): only that unlocks a refused address.
    pub(super) fn names(&self, addr: SocketAddr, exact_port: bool) -> bool {
        let port_ok = !exact_port || self.port == PortPattern::Exact(addr.port());
        port_ok && self.host == HostPattern::Literal(addr.ip())
    }
}

impl HostPattern {
    fn allows(&self, host: &str) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        match self {
            HostPattern::Any => true,
            HostPattern::Below(suffix) => {
                host.len() > suffix.len() && host.to_ascii_lowercase().ends_with(suffix.as_str())
            }
            HostPattern::Name(name) => host.eq_ignore_ascii_case(name),
            HostPattern::Literal(ip) => host.parse::<IpAddr>().is_ok_and(|h| h == *ip),
        }
    }
}

pub(super) fn default_port(scheme: &str) -> u16 {
    if scheme == "https" { 443 } else { 80 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(entries: &[&str]) -> AllowedHosts {
        AllowedHosts::parse(&entries.iter().map(|e| e.to_string()).collect::<Vec<_>>()).unwrap()
    }

    fn allows(hosts: &AllowedHosts, scheme: &str, host: &str, port: u16) -> bool {
        !hosts.matching(scheme, host, port).is_empty()
    }

    #[test]
    fn grants_follow_spins_syntax() {
        let granted = hosts(&["https://api.example.com", "http://127.0.0.1:*", "https://*.internal.example"]);
        assert!(allows(&granted, "https", "api.example.com", 443));
        assert!(allows(&granted, "https", "API.example.com", 443));
        assert!(!allows(&granted, "http", "api.example.com", 80), "the scheme is part of the grant");
        assert!(!allows(&granted, "https", "api.example.com", 8443), "no port is the default port");
        assert!(allows(&granted, "http", "127.0.0.1", 9));
        assert!(allows(&granted, "https", "a.b.internal.example", 443));
        assert!(!allows(&granted, "https", "internal.example", 443), "`*.` is below the name");
        assert!(!allows(&granted, "https", "evil.example", 443));
        let all = hosts(&["*://*:*"]);
        assert!(allows(&all, "http", "anything.test", 1234));
        assert!(!allows(&AllowedHosts::default(), "https", "api.example.com", 443), "deny by default");
        let v6 = hosts(&["http://[::1]:8080"]);
        assert!(allows(&v6, "http", "[::1]", 8080));
    }

    #[test]
    fn bad_grants_say_what_is_wrong() {
        for (entry, reason) in [
            ("api.example.com", "no scheme"),
            ("ftp://x.test", "http, https or *"),
            ("https://x.test/path", "not a path"),
            ("https://x.test:port", "a number or *"),
            ("https://a*.test", "leading `*.`"),
            ("https://", "no host"),
        ] {
            let err = AllowedHosts::parse(&[entry.to_owned()]).unwrap_err().to_string();
            assert!(err.contains(reason), "{entry}: {err}");
        }
    }
}
