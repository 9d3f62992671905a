//! Opening an app's outbound connections, for its pooled client: resolves
//! the name, keeps only the addresses its grants may reach (SSRF: no
//! link-local or cloud-metadata address, no private listener of the host,
//! unless granted by literal address), holds one of the app's connection
//! permits for the connection's life, and adds TLS for `https`.

use std::future::Future;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::PrivateListeners;
use super::grants::{AllowedHosts, Grant, default_port};

/// Why a connection could not be opened.
#[derive(Debug, Clone, thiserror::Error)]
pub(super) enum ConnectFailure {
    #[error("the URL has no host")]
    NoHost,
    #[error("not in allowed_outbound_hosts")]
    Denied,
    #[error("a private or metadata address not granted by literal address")]
    Prohibited,
    #[error("the app has {0} connections open")]
    LimitReached(u32),
    #[error("the name does not resolve")]
    Dns,
    #[error("connection refused")]
    Refused,
    #[error("connecting timed out")]
    Timeout,
    #[error("the server's certificate is not trusted")]
    Certificate,
    #[error("{0}")]
    Io(String),
}

impl ConnectFailure {
    /// The `wasi:http` error code the guest sees.
    pub(super) fn to_wasi(&self) -> wasmtime_wasi_http::Error {
        use wasmtime_wasi_http::Error;
        match self {
            ConnectFailure::NoHost => Error::HttpRequestUriInvalid,
            ConnectFailure::Denied => Error::HttpRequestDenied,
            ConnectFailure::Prohibited => Error::DestinationIpProhibited,
            ConnectFailure::LimitReached(_) => Error::ConnectionLimitReached,
            ConnectFailure::Dns => Error::DnsError { rcode: None, info_code: None },
            ConnectFailure::Refused => Error::ConnectionRefused,
            ConnectFailure::Timeout => Error::ConnectionTimeout,
            ConnectFailure::Certificate => Error::TlsCertificateError,
            ConnectFailure::Io(reason) => Error::Connect(std::io::Error::other(reason.clone())),
        }
    }
}

/// Opens the connections of one app.
#[derive(Clone)]
pub(super) struct Connector(Arc<ConnectorInner>);

struct ConnectorInner {
    app: Arc<str>,
    allowed: AllowedHosts,
    private: PrivateListeners,
    tls: Arc<rustls::ClientConfig>,
    connections: Arc<Semaphore>,
    max_connections: u32,
    connect_timeout: Duration,
}

impl Connector {
    pub(super) fn new(
        app: Arc<str>,
        allowed: AllowedHosts,
        private: PrivateListeners,
        tls: Arc<rustls::ClientConfig>,
        max_connections: u32,
        connect_timeout: Duration,
    ) -> Connector {
        let connections = Arc::new(Semaphore::new(max_connections as usize));
        Connector(Arc::new(ConnectorInner {
            app,
            allowed,
            private,
            tls,
            connections,
            max_connections,
            connect_timeout,
        }))
    }

    /// The grants that allow `scheme://host:port`.
    pub(super) fn grants(&self, scheme: &str, host: &str, port: u16) -> Vec<&Grant> {
        self.0.allowed.matching(scheme, host, port)
    }
}

impl ConnectorInner {
    async fn connect(&self, uri: http::Uri) -> Result<Conn, ConnectFailure> {
        let tls = uri.scheme() == Some(&http::uri::Scheme::HTTPS);
        let scheme = if tls { "https" } else { "http" };
        let host = uri.host().ok_or(ConnectFailure::NoHost)?;
        let port = uri.port_u16().unwrap_or(default_port(scheme));
        let grants = self.allowed.matching(scheme, host, port);
        if grants.is_empty() {
            return Err(ConnectFailure::Denied);
        }
        let Ok(permit) = self.connections.clone().try_acquire_owned() else {
            tracing::warn!(app = %self.app, %host, "outbound connection refused: {} open", self.max_connections);
            return Err(ConnectFailure::LimitReached(self.max_connections));
        };
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let opening = self.open(bare, port, &grants, tls);
        let stream = tokio::time::timeout(self.connect_timeout, opening)
            .await
            .map_err(|_| ConnectFailure::Timeout)??;
        Ok(Conn { io: TokioIo::new(stream), _permit: permit })
    }

    async fn open(
        &self,
        host: &str,
        port: u16,
        grants: &[&Grant],
        tls: bool,
    ) -> Result<Box<dyn Stream>, ConnectFailure> {
        let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => tokio::net::lookup_host((host, port)).await.map_err(|_| ConnectFailure::Dns)?.collect(),
        };
        let reachable: Vec<SocketAddr> =
            addrs.iter().copied().filter(|a| self.reachable(*a, grants)).collect();
        if reachable.is_empty() {
            tracing::warn!(app = %self.app, %host, ?addrs, "outbound request refused: a private or metadata address not granted by literal address");
            return Err(ConnectFailure::Prohibited);
        }
        let mut last = ConnectFailure::Refused;
        for addr in reachable {
            match TcpStream::connect(addr).await {
                Ok(stream) if tls => return self.wrap_tls(host, stream).await,
                Ok(stream) => return Ok(Box::new(stream)),
                Err(err) if err.kind() == std::io::ErrorKind::ConnectionRefused => {
                    last = ConnectFailure::Refused
                }
                Err(err) => last = ConnectFailure::Io(err.to_string()),
            }
        }
        Err(last)
    }

    async fn wrap_tls(&self, host: &str, stream: TcpStream) -> Result<Box<dyn Stream>, ConnectFailure> {
        let name = rustls::pki_types::ServerName::try_from(host.to_owned())
            .map_err(|err| ConnectFailure::Io(err.to_string()))?;
        let connector = tokio_rustls::TlsConnector::from(self.tls.clone());
        match connector.connect(name, stream).await {
            Ok(stream) => Ok(Box::new(stream)),
            Err(err)
                if err
                    .get_ref()
                    .and_then(|e| e.downcast_ref::<rustls::Error>())
                    .is_some_and(is_certificate) =>
            {
                Err(ConnectFailure::Certificate)
            }
            Err(err) => Err(ConnectFailure::Io(format!("TLS: {err}"))),
        }
    }

    /// Whether `addr` may be reached through `grants`: an address in a
    /// link-local or metadata range, or a private listener of the host,
    /// only when a grant names it literally.
    fn reachable(&self, addr: SocketAddr, grants: &[&Grant]) -> bool {
        let private = self.private.read().unwrap_or_else(|e| e.into_inner());
        if private.iter().any(|private| same_listener(*private, addr)) {
            return grants.iter().any(|grant| grant.names(addr, true));
        }
        !is_metadata(addr.ip()) || grants.iter().any(|grant| grant.names(addr, false))
    }
}

fn is_certificate(err: &rustls::Error) -> bool {
    matches!(err, rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented)
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

impl tower_service::Service<http::Uri> for Connector {
    type Response = Conn;
    type Error = ConnectFailure;
    type Future = Pin<Box<dyn Future<Output = Result<Conn, ConnectFailure>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), ConnectFailure>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: http::Uri) -> Self::Future {
        let inner = self.0.clone();
        Box::pin(async move { inner.connect(uri).await })
    }
}

/// A connection, plain or TLS.
trait Stream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static> Stream for T {}

/// An open connection, holding one of its app's connection permits.
pub(super) struct Conn {
    io: TokioIo<Box<dyn Stream>>,
    _permit: OwnedSemaphorePermit,
}

impl Connection for Conn {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl hyper::rt::Read for Conn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for Conn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    fn connector(entries: &[&str]) -> Connector {
        let allowed =
            AllowedHosts::parse(&entries.iter().map(|e| e.to_string()).collect::<Vec<_>>()).unwrap();
        let private = Arc::new(std::sync::RwLock::new(vec!["127.0.0.1:9000".parse().unwrap()]));
        let tls = super::super::tls_config(None).unwrap();
        Connector::new("t".into(), allowed, private, tls, 4, Duration::from_secs(1))
    }

    fn reachable(entries: &[&str], addr: &str) -> bool {
        let connector = connector(entries);
        let addr: SocketAddr = addr.parse().unwrap();
        let host = addr.ip().to_string();
        connector.0.reachable(addr, &connector.grants("http", &host, addr.port()))
    }

    #[test]
    fn metadata_and_the_admin_listener_need_a_literal_grant() {
        assert!(!reachable(&["*://*:*"], "169.254.169.254:80"));
        assert!(reachable(&["http://169.254.169.254"], "169.254.169.254:80"));
        assert!(!reachable(&["http://127.0.0.1:*"], "127.0.0.1:9000"), "the admin listener");
        assert!(reachable(&["http://127.0.0.1:9000"], "127.0.0.1:9000"), "granted by address and port");
        assert!(reachable(&["http://127.0.0.1:*"], "127.0.0.1:9001"));
        assert!(is_metadata("fd00:ec2::254".parse().unwrap()));
        assert!(is_metadata("::ffff:169.254.169.254".parse().unwrap()));
        assert!(!is_metadata(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))));
    }
}
