//! `wasi:http/outgoing-handler`: a guest calls other services over HTTP,
//! deny by default. The manifest grants hosts per app in Spin's syntax
//! (`allowed_outbound_hosts = ["https://api.example.com", "http://127.0.0.1:*"]`);
//! a call to anything else fails in the guest with `HTTP-request-denied`
//! (never a trap). Addresses that resolve to link-local or cloud-metadata
//! ranges, and the host's own admin listener, are refused unless granted by
//! literal address (SSRF). Each call runs under the app's outbound limits:
//! calls per inbound request, concurrent connections, connect and total
//! timeouts (within the inbound request's deadline), response size.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::uri::Scheme;
use http_body_util::BodyExt;
use hyper::body::Body;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

/// One entry of `allowed_outbound_hosts`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Grant {
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
    fn matching(&self, scheme: &str, host: &str, port: u16) -> Vec<&Grant> {
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
    fn names(&self, addr: SocketAddr, exact_port: bool) -> bool {
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

fn default_port(scheme: &str) -> u16 {
    if scheme == "https" { 443 } else { 80 }
}

/// How much an app's outbound calls may take.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OutboundLimits {
    /// Calls one inbound request (or one load) may make.
    pub per_request: u32,
    /// Connections the app may have open at once.
    pub connections: u32,
    /// The longest a connection may take to open (DNS, TCP, TLS).
    pub connect_timeout: Duration,
    /// The longest a call may take until its answer's headers arrive.
    pub timeout: Duration,
    /// The largest answer body a call may receive, in bytes.
    pub max_response: usize,
}

impl Default for OutboundLimits {
    fn default() -> Self {
        OutboundLimits {
            per_request: 16,
            connections: 32,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            max_response: 16 << 20,
        }
    }
}

/// The host's own listeners that no guest may call unless granted by
/// literal address and port (the admin API): known once they are bound.
pub type PrivateListeners = Arc<std::sync::RwLock<Vec<SocketAddr>>>;

/// What one app may call, and how: shared by all its instances.
pub struct OutboundPolicy {
    allowed: AllowedHosts,
    limits: OutboundLimits,
    /// Addresses refused unless granted literally: the host's admin listener.
    private: PrivateListeners,
    tls: Arc<rustls::ClientConfig>,
    connections: Arc<Semaphore>,
}

/// Why TLS for outbound calls cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The extra CA bundle cannot be read or holds no certificate.
    #[error("cannot read the CA bundle {path}: {reason}")]
    CaBundle {
        /// The bundle's path.
        path: std::path::PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

/// The TLS settings every app's calls share: the webpki (Mozilla) roots,
/// plus the PEM certificates of `extra_ca` if given.
pub fn tls_config(extra_ca: Option<&std::path::Path>) -> Result<Arc<rustls::ClientConfig>, TlsError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.into() };
    if let Some(path) = extra_ca {
        let bad = |reason: String| TlsError::CaBundle { path: path.to_owned(), reason };
        let certs: Vec<_> = CertificateDer::pem_file_iter(path)
            .map_err(|err| bad(err.to_string()))?
            .collect::<Result<_, _>>()
            .map_err(|err| bad(err.to_string()))?;
        if certs.is_empty() {
            return Err(bad("no PEM certificate in it".into()));
        }
        for cert in certs {
            roots.add(cert).map_err(|err| bad(err.to_string()))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| TlsError::CaBundle { path: Default::default(), reason: err.to_string() })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

impl OutboundPolicy {
    /// A policy granting `allowed` under `limits`, refusing the `private`
    /// addresses unless granted literally.
    pub fn new(
        allowed: AllowedHosts,
        limits: OutboundLimits,
        private: PrivateListeners,
        tls: Arc<rustls::ClientConfig>,
    ) -> OutboundPolicy {
        let connections = Arc::new(Semaphore::new(limits.connections as usize));
        OutboundPolicy { allowed, limits, private, tls, connections }
    }

    /// Whether `addr` may be reached through `grants`: an address in a
    /// link-local or metadata range, or a private listener of the host,
    /// only when a grant names it literally.
    fn reachable(&self, addr: SocketAddr, grants: &[&Grant]) -> bool {
        let private = self.private.read().unwrap_or_else(|e| e.into_inner());
        let listener = private.iter().any(|private| same_listener(*private, addr));
        if listener {
            return grants.iter().any(|grant| grant.names(addr, true));
        }
        !is_metadata(addr.ip()) || grants.iter().any(|grant| grant.names(addr, false))
    }
}

/// Link-local (169.254.0.0/16, fe80::/10: the cloud metadata services),
/// AWS's IPv6 metadata address, and the unspecified address.
fn is_metadata(ip: IpAddr) -> bool {
    const AWS_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254);
    match ip {
        IpAddr::V4(v4) => v4.is_link_local() || v4.is_unspecified(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_metadata(IpAddr::V4(v4)),
            None => v6 == AWS_V6 || v6.is_unicast_link_local() || v6.is_unspecified(),
        },
    }
}

/// Whether `addr` reaches the listener bound at `listener`.
fn same_listener(listener: SocketAddr, addr: SocketAddr) -> bool {
    let local = |ip: IpAddr| ip.is_loopback() || ip.is_unspecified();
    listener.port() == addr.port()
        && (listener.ip() == addr.ip()
            || listener.ip().is_unspecified()
            || (local(listener.ip()) && local(addr.ip())))
}

/// One instance's outbound calls: its app's policy (none: deny all) and
/// what the current inbound request has used.
pub struct Outbound {
    app: Arc<str>,
    policy: Option<Arc<OutboundPolicy>>,
    /// Calls made for the current inbound request.
    sent: u32,
    /// When the current inbound request must be answered.
    deadline: Instant,
}

impl Outbound {
    /// Outbound calls of `app` under `policy`.
    pub fn new(app: Arc<str>, policy: Option<Arc<OutboundPolicy>>) -> Outbound {
        Outbound { app, policy, sent: 0, deadline: Instant::now() }
    }

    /// A new inbound request starts: its calls are counted afresh and end
    /// by its deadline.
    pub fn start_request(&mut self, deadline: Instant) {
        self.sent = 0;
        self.deadline = deadline;
    }
}

/// The future a [`WasiHttpHooks::send_request`] returns.
type Sending = Box<
    dyn Future<
            Output = Result<
                (http::Response<WasiBody>, Box<dyn Future<Output = Result<(), Error>> + Send>),
                Error,
            >,
        > + Send,
>;

impl WasiHttpHooks for Outbound {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> Sending {
        drop(fut);
        self.sent = self.sent.saturating_add(1);
        let (app, policy, sent, deadline) = (self.app.clone(), self.policy.clone(), self.sent, self.deadline);
        Box::new(async move {
            let url = request.uri().to_string();
            let Some(policy) = policy else {
                tracing::warn!(%app, %url, "outbound request denied: the app has no allowed_outbound_hosts");
                return Err(Error::HttpRequestDenied);
            };
            if sent > policy.limits.per_request {
                tracing::warn!(%app, %url, "outbound request denied: over {} per request", policy.limits.per_request);
                return Err(Error::ConnectionLimitReached);
            }
            let started = Instant::now();
            let result = send(&app, &policy, request, options, deadline).await;
            let outcome = match &result {
                Ok(response) => response.status().as_str().to_owned(),
                Err(err) => format!("{err:?}"),
            };
            tracing::debug!(%app, %url, %outcome, elapsed = ?started.elapsed(), "outbound request");
            result
                .map(|response| (response, Box::new(async { Ok(()) }) as Box<dyn Future<Output = _> + Send>))
        })
    }
}

/// Checks, connects and sends one call.
async fn send(
    app: &str,
    policy: &OutboundPolicy,
    mut request: http::Request<WasiBody>,
    options: Option<RequestOptions>,
    deadline: Instant,
) -> Result<http::Response<WasiBody>, Error> {
    let uri = request.uri().clone();
    let tls = uri.scheme() == Some(&Scheme::HTTPS);
    let scheme = if tls { "https" } else { "http" };
    let host = uri.host().ok_or(Error::HttpRequestUriInvalid)?;
    let port = uri.port_u16().unwrap_or(default_port(scheme));
    let grants = policy.allowed.matching(scheme, host, port);
    if grants.is_empty() {
        tracing::warn!(%app, url = %uri, "outbound request denied: not in allowed_outbound_hosts");
        return Err(Error::HttpRequestDenied);
    }
    let left = deadline.saturating_duration_since(Instant::now());
    let connect_timeout = options
        .and_then(|o| o.connect_timeout)
        .unwrap_or(policy.limits.connect_timeout)
        .min(policy.limits.connect_timeout)
        .min(left);
    let Ok(permit) = policy.connections.clone().try_acquire_owned() else {
        tracing::warn!(%app, url = %uri, "outbound request refused: {} connections open", policy.limits.connections);
        return Err(Error::ConnectionLimitReached);
    };
    let connecting = connect(app, policy, host, port, &grants, tls);
    let stream =
        tokio::time::timeout(connect_timeout, connecting).await.map_err(|_| Error::ConnectionTimeout)??;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|_| Error::ConnectionTerminated)?;
    tokio::spawn(async move {
        let _permit = permit;
        let _ = connection.await;
    });
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    *request.uri_mut() = http::Uri::try_from(path).map_err(|_| Error::HttpRequestUriInvalid)?;
    let timeout = options
        .and_then(|o| o.first_byte_timeout)
        .unwrap_or(policy.limits.timeout)
        .min(policy.limits.timeout)
        .min(deadline.saturating_duration_since(Instant::now()));
    let response = tokio::time::timeout(timeout, sender.send_request(request))
        .await
        .map_err(|_| Error::HttpResponseTimeout)?
        .map_err(Error::from)?;
    let max = policy.limits.max_response;
    if response.body().size_hint().lower() > max as u64 {
        tracing::warn!(%app, url = %uri, "outbound answer refused: its body is over {max} bytes");
        return Err(Error::HttpResponseBodySize(response.body().size_hint().exact()));
    }
    Ok(response.map(|body| limited(body, max)))
}

/// Resolves `host`, keeps the addresses the grants may reach, and opens a
/// connection (TLS for `https`) to the first that answers.
async fn connect(
    app: &str,
    policy: &OutboundPolicy,
    host: &str,
    port: u16,
    grants: &[&Grant],
    tls: bool,
) -> Result<Box<dyn Stream>, Error> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = match bare.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((bare, port))
            .await
            .map_err(|_| Error::DnsError { rcode: None, info_code: None })?
            .collect(),
    };
    let reachable: Vec<SocketAddr> = addrs.iter().copied().filter(|a| policy.reachable(*a, grants)).collect();
    if reachable.is_empty() {
        tracing::warn!(%app, %host, ?addrs, "outbound request refused: a private or metadata address not granted by literal address");
        return Err(Error::DestinationIpProhibited);
    }
    let mut last = Error::ConnectionRefused;
    for addr in reachable {
        match TcpStream::connect(addr).await {
            Ok(stream) if tls => return wrap_tls(policy, bare, stream).await,
            Ok(stream) => return Ok(Box::new(stream)),
            Err(err) if err.kind() == std::io::ErrorKind::ConnectionRefused => {
                last = Error::ConnectionRefused
            }
            Err(err) => last = Error::Connect(err),
        }
    }
    Err(last)
}

async fn wrap_tls(policy: &OutboundPolicy, host: &str, stream: TcpStream) -> Result<Box<dyn Stream>, Error> {
    let name =
        rustls::pki_types::ServerName::try_from(host.to_owned()).map_err(Error::InvalidDnsNameError)?;
    let connector = tokio_rustls::TlsConnector::from(policy.tls.clone());
    match connector.connect(name, stream).await {
        Ok(stream) => Ok(Box::new(stream)),
        Err(err) if err.get_ref().is_some_and(|e| e.to_string().contains("certificate")) => {
            Err(Error::TlsCertificateError)
        }
        Err(err) => Err(Error::Tls(err)),
    }
}

/// A connection, plain or TLS.
trait Stream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static> Stream for T {}

/// An answer's body, cut with `HttpResponseBodySize` past `max` bytes.
fn limited(body: hyper::body::Incoming, max: usize) -> WasiBody {
    http_body_util::Limited::new(body, max)
        .map_err(move |err| match err.downcast::<hyper::Error>() {
            Ok(err) => Error::from(*err),
            Err(_) => Error::HttpResponseBodySize(Some(max as u64)),
        })
        .boxed_unsync()
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

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

    #[test]
    fn metadata_and_the_admin_listener_need_a_literal_grant() {
        let policy = |entries: &[&str]| {
            let tls = tls_config(None).unwrap();
            let admin = "127.0.0.1:9000".parse().unwrap();
            let private = Arc::new(std::sync::RwLock::new(vec![admin]));
            OutboundPolicy::new(hosts(entries), OutboundLimits::default(), private, tls)
        };
        let metadata: SocketAddr = "169.254.169.254:80".parse().unwrap();
        let wide = policy(&["*://*:*"]);
        assert!(!wide.reachable(metadata, &wide.allowed.matching("http", "169.254.169.254", 80)));
        let literal = policy(&["http://169.254.169.254"]);
        assert!(literal.reachable(metadata, &literal.allowed.matching("http", "169.254.169.254", 80)));
        let admin: SocketAddr = "127.0.0.1:9000".parse().unwrap();
        let loopback = policy(&["http://127.0.0.1:*"]);
        assert!(!loopback.reachable(admin, &loopback.allowed.matching("http", "127.0.0.1", 9000)));
        let exact = policy(&["http://127.0.0.1:9000"]);
        assert!(exact.reachable(admin, &exact.allowed.matching("http", "127.0.0.1", 9000)));
        let other: SocketAddr = "127.0.0.1:9001".parse().unwrap();
        assert!(loopback.reachable(other, &loopback.allowed.matching("http", "127.0.0.1", 9001)));
        assert!(is_metadata("fd00:ec2::254".parse().unwrap()));
        assert!(is_metadata("::ffff:169.254.169.254".parse().unwrap()));
        assert!(!is_metadata(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))));
    }
}
