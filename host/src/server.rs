//! The HTTP/1.1 listener: binds, accepts, runs each connection with hyper
//! (keep-alive, pipelining, header timeouts) and shuts down gracefully.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::header::{CONNECTION, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use crate::config::ServerConfig;
use crate::http::{Handler, HttpResponse, detail};

/// How long in-flight requests get to finish after a shutdown signal.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// Connection-level limits, against slow or greedy clients.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// A client that has not sent its request headers by then is disconnected.
    pub header_read_timeout: Duration,
    /// The largest request head (request line and headers).
    pub max_header_size: usize,
}

impl ConnectionLimits {
    /// The limits `[server]` sets.
    pub fn of(server: &ServerConfig) -> Self {
        ConnectionLimits {
            header_read_timeout: server.header_read_timeout,
            max_header_size: server.max_header_size,
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Another process listens there.
    #[error("cannot listen on {addr}: the address is already in use")]
    AddrInUse {
        /// The address asked for.
        addr: SocketAddr,
    },
    /// Any other failure to bind.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why the system refused it.
        source: std::io::Error,
    },
}

/// Binds `addr`, with a clear error when the port is taken.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, ServeError> {
    TcpListener::bind(addr).await.map_err(|source| match source.kind() {
        std::io::ErrorKind::AddrInUse => ServeError::AddrInUse { addr },
        _ => ServeError::Bind { addr, source },
    })
}

/// Serves `handler` on the connections of `listener` (HTTP/1.1, keep-alive,
/// pipelining) until `shutdown` resolves, then stops accepting and waits
/// for in-flight requests to finish.
pub async fn serve<H: Handler>(
    listener: TcpListener,
    handler: Arc<H>,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    // Out of file descriptors and the like: back off, keep serving.
                    tracing::warn!("accept failed: {err}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let handler = handler.clone();
        let max_head = limits.max_header_size;
        let service = service_fn(move |request: Request<Incoming>| {
            let handler = handler.clone();
            async move {
                // hyper's buffer limit holds only for heads that arrive in
                // several reads: check the head's size itself.
                if head_size(&request) > max_head {
                    return Ok::<_, Infallible>(head_too_large());
                }
                Ok(handler.handle(request).await)
            }
        });
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            // Room beyond the limit, so that a head over it gets our 431 with
            // FastAPI's body (hyper answers a bare 431 past its buffer).
            .max_buf_size(limits.max_header_size.saturating_mul(4).max(64 << 10))
            // No `pipeline_flush`: it holds back the 400 hyper writes for a
            // malformed request, and the client would see a bare close.
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!("connection ended with an error: {err}");
            }
        });
    }
    drop(listener);
    tracing::info!("shutting down: waiting for in-flight requests");
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown()).await.is_err() {
        tracing::warn!("in-flight requests did not finish within {DRAIN_TIMEOUT:?}");
    }
}

/// The size of a request's head as sent: request line and header lines.
fn head_size<B>(request: &Request<B>) -> usize {
    let uri = request.uri();
    let target = uri.path_and_query().map_or(1, |p| p.as_str().len())
        + uri.authority().map_or(0, |a| a.as_str().len() + "http://".len());
    let line = request.method().as_str().len() + target + " HTTP/1.1\r\n".len() + 1;
    let headers: usize =
        request.headers().iter().map(|(name, value)| name.as_str().len() + value.len() + 4).sum();
    line + headers
}

/// A 431; the connection is closed.
fn head_too_large() -> HttpResponse {
    let mut response = detail(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "Request Header Fields Too Large");
    response.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt()))
    else {
        tracing::warn!("cannot install signal handlers; stop the server with SIGKILL");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM received"),
        _ = int.recv() => tracing::info!("SIGINT received"),
    }
}
