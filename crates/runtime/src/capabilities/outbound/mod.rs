//! `wasi:http/outgoing-handler`: a guest calls other services over HTTP,
//! deny by default. The manifest grants hosts per app in Spin's syntax
//! (`allowed_outbound_hosts = ["https://api.example.com", "http://127.0.0.1:*"]`);
//! a call to anything else fails in the guest with `HTTP-request-denied`
//! (never a trap). Addresses that resolve to link-local or cloud-metadata
//! ranges, and the host's own admin listener, are refused unless granted by
//! literal address (SSRF). Each call runs under the app's outbound limits:
//! calls per inbound request, concurrent connections, connect and total
//! timeouts (within the inbound request's deadline), response size.

mod connector;
mod grants;

use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::BodyExt;
use hyper::body::Body;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use wasmtime::component::{Linker, ResourceTable};
use wasmtime_wasi_http::{
    Error, RequestOptions, WasiBody, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView,
};

use connector::{ConnectFailure, Connector};

use crate::guest::Observer;
use crate::state::HostState;

/// Links `wasi:http` (types and the outgoing handler) on every store's
/// [`HttpState`].
pub(crate) fn add_to_linker(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(linker)
}

/// A store's `wasi:http` state: the context, and the app's outbound calls.
pub(crate) struct HttpState {
    ctx: WasiHttpCtx,
    outbound: Outbound,
}

impl HttpState {
    pub(crate) fn new(app: Arc<str>, policy: Option<Arc<OutboundPolicy>>) -> HttpState {
        HttpState { ctx: WasiHttpCtx::new(), outbound: Outbound::new(app, policy) }
    }

    /// A new inbound request starts (see [`Outbound::start_request`]).
    pub(crate) fn start_request(&mut self, deadline: Instant) {
        self.outbound.start_request(deadline);
    }

    fn view<'a>(&'a mut self, table: &'a mut ResourceTable) -> WasiHttpCtxView<'a> {
        WasiHttpCtxView { ctx: &mut self.ctx, table, hooks: &mut self.outbound }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        self.http.view(&mut self.table)
    }
}
pub use grants::{AllowedHosts, GrantError};

/// How long a pooled connection may stay idle before it is closed.
const POOL_IDLE: Duration = Duration::from_secs(30);

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
pub type PrivateListeners = Arc<std::sync::RwLock<Vec<std::net::SocketAddr>>>;

/// What one app may call, and how: its grants, its limits, and its pool of
/// connections (reused across its requests, never shared with another app).
pub struct OutboundPolicy {
    limits: OutboundLimits,
    connector: Connector,
    client: Client<Connector, RequestBody>,
    /// Told of every call (the host's metrics).
    observer: Arc<dyn Observer>,
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
    /// rustls refused the settings.
    #[error("cannot set up TLS: {0}")]
    Config(#[source] rustls::Error),
}

/// The TLS settings every app's calls share: the system's roots, plus the
/// PEM certificates of `extra_ca` if given.
pub fn tls_config(extra_ca: Option<&std::path::Path>) -> Result<Arc<rustls::ClientConfig>, TlsError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = system_roots();
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
        .map_err(TlsError::Config)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The system's trusted roots, where `rustls-native-certs` finds them (the
/// OpenSSL locations, `SSL_CERT_FILE`, `SSL_CERT_DIR`); the webpki
/// (Mozilla) roots on a system that has none (a bare container).
fn system_roots() -> rustls::RootCertStore {
    let mut roots = rustls::RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    for err in &found.errors {
        tracing::debug!("reading the system's CA certificates: {err}");
    }
    let (added, _unparsable) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        tracing::info!("no system CA certificates found: outbound HTTPS trusts the webpki roots");
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    roots
}

impl OutboundPolicy {
    /// A policy for `app` granting `allowed` under `limits`, refusing the
    /// `private` listeners unless granted literally.
    pub fn new(
        app: Arc<str>,
        allowed: AllowedHosts,
        limits: OutboundLimits,
        private: PrivateListeners,
        tls: Arc<rustls::ClientConfig>,
        observer: Arc<dyn Observer>,
    ) -> OutboundPolicy {
        let connector =
            Connector::new(app, allowed, private, tls, limits.connections, limits.connect_timeout);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(POOL_IDLE)
            .pool_max_idle_per_host(limits.connections as usize)
            .build(connector.clone());
        OutboundPolicy { limits, connector, client, observer }
    }
}

/// One instance's outbound calls: its app's policy (none: deny all) and
/// what the current inbound request has used.
pub(crate) struct Outbound {
    app: Arc<str>,
    policy: Option<Arc<OutboundPolicy>>,
    /// Calls made for the current inbound request.
    sent: u32,
    /// When the current inbound request must be answered.
    deadline: Instant,
}

impl Outbound {
    /// Outbound calls of `app` under `policy`.
    pub(crate) fn new(app: Arc<str>, policy: Option<Arc<OutboundPolicy>>) -> Outbound {
        Outbound { app, policy, sent: 0, deadline: Instant::now() }
    }

    /// A new inbound request starts: its calls are counted afresh and end
    /// by its deadline.
    pub(crate) fn start_request(&mut self, deadline: Instant) {
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
        mut request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> Sending {
        drop(fut);
        forward_trace_context(&mut request);
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
            let destination = request.uri().host().unwrap_or_default().to_owned();
            let request = request.map(|body| RequestBody { body: Some(body), ended: false, deadline });
            let result = send(&app, &policy, request, options, deadline).await;
            let outcome = match &result {
                Ok(response) => response.status().as_str().to_owned(),
                Err(err) => error_name(err),
            };
            policy.observer.outbound(&destination, &outcome, started.elapsed());
            tracing::debug!(%app, %url, %outcome, elapsed = ?started.elapsed(), "outbound request");
            result
                .map(|response| (response, Box::new(async { Ok(()) }) as Box<dyn Future<Output = _> + Send>))
        })
    }
}

/// Continues the trace of the request being answered on this call, unless
/// the guest set its own `traceparent`.
fn forward_trace_context<B>(request: &mut http::Request<B>) {
    let headers = request.headers_mut();
    if headers.contains_key("traceparent") {
        return;
    }
    let traceparent = crate::trace::current_traceparent().and_then(|tp| http::HeaderValue::try_from(tp).ok());
    if let Some(value) = traceparent {
        headers.insert("traceparent", value);
    }
}

/// Checks the grant, then sends one call on the app's pooled client.
async fn send(
    app: &str,
    policy: &OutboundPolicy,
    request: http::Request<RequestBody>,
    options: Option<RequestOptions>,
    deadline: Instant,
) -> Result<http::Response<WasiBody>, Error> {
    let uri = request.uri().clone();
    let scheme = if uri.scheme() == Some(&http::uri::Scheme::HTTPS) { "https" } else { "http" };
    let host = uri.host().ok_or(Error::HttpRequestUriInvalid)?;
    let port = uri.port_u16().unwrap_or(if scheme == "https" { 443 } else { 80 });
    if policy.connector.grants(scheme, host, port).is_empty() {
        tracing::warn!(%app, url = %uri, "outbound request denied: not in allowed_outbound_hosts");
        return Err(Error::HttpRequestDenied);
    }
    let asked = options.and_then(|o| o.first_byte_timeout).unwrap_or(policy.limits.timeout);
    let timeout = asked.min(policy.limits.timeout).min(deadline.saturating_duration_since(Instant::now()));
    let response = match tokio::time::timeout(timeout, policy.client.request(request)).await {
        Err(_) => return Err(Error::HttpResponseTimeout),
        Ok(Err(err)) => return Err(client_error(&err)),
        Ok(Ok(response)) => response,
    };
    let max = policy.limits.max_response;
    if response.body().size_hint().lower() > max as u64 {
        tracing::warn!(%app, url = %uri, "outbound answer refused: its body is over {max} bytes");
        return Err(Error::HttpResponseBodySize(response.body().size_hint().exact()));
    }
    Ok(response.map(|body| limited(body, max)))
}

/// A guest's request body as the client sends it. A call that fails before
/// the body is sent (denied, refused, no connection) drops it unread: the
/// rest is then read and dropped in the background until the guest finishes
/// it (or the inbound deadline passes), so that the guest's writes succeed
/// and it learns the call's error code from the answer it waits for, not a
/// closed stream.
struct RequestBody {
    body: Option<WasiBody>,
    ended: bool,
    deadline: Instant,
}

impl Body for RequestBody {
    type Data = bytes::Bytes;
    type Error = Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<bytes::Bytes>, Error>>> {
        let Some(body) = self.body.as_mut() else { return std::task::Poll::Ready(None) };
        let frame = std::pin::Pin::new(body).poll_frame(cx);
        if let std::task::Poll::Ready(None) = frame {
            self.ended = true;
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.body.as_ref().is_none_or(|body| body.is_end_stream())
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body.as_ref().map(|body| body.size_hint()).unwrap_or_default()
    }
}

impl Drop for RequestBody {
    fn drop(&mut self) {
        let Some(mut body) = self.body.take().filter(|body| !self.ended && !body.is_end_stream()) else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let deadline = tokio::time::Instant::from_std(self.deadline);
        runtime.spawn(tokio::time::timeout_at(deadline, async move {
            while let Some(Ok(_)) = body.frame().await {}
        }));
    }
}

/// An error's name, as a metric label (`HttpRequestDenied`).
fn error_name(err: &Error) -> String {
    let debug = format!("{err:?}");
    debug.split(['(', ' ', '{']).next().unwrap_or_default().to_owned()
}

/// The `wasi:http` error for a failed call: the connector's, or hyper's.
fn client_error(err: &hyper_util::client::legacy::Error) -> Error {
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        if let Some(failure) = cause.downcast_ref::<ConnectFailure>() {
            return failure.to_wasi();
        }
        source = cause.source();
    }
    Error::ConnectionTerminated
}

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
    use super::*;

    #[test]
    fn a_ca_bundle_must_hold_certificates() {
        let missing = std::path::Path::new("/nonexistent/ca.pem");
        let err = tls_config(Some(missing)).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("cannot read the CA bundle /nonexistent/ca.pem"), "{err}");
        let empty = std::env::temp_dir().join(format!("fasterapi-empty-ca-{}.pem", std::process::id()));
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let err = tls_config(Some(&empty)).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("no PEM certificate in it"), "{err}");
        std::fs::remove_file(&empty).unwrap();
        assert!(tls_config(None).is_ok(), "the system's roots alone");
    }
}
