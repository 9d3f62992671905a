//! A standard `wasi:http` app: the component answers every request below
//! its mount itself (no typed routes, no OpenAPI document), with bodies
//! streamed both ways, under the app's limits: concurrency (503), request
//! body (413, counted as it streams), response size (the answer is cut),
//! and the wall-clock timeout for the whole exchange (504 before the head,
//! a cut body after it).

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use fasterapi_runtime::capabilities::Capabilities;
use fasterapi_runtime::{Compiled, ProxyGuest, ProxyReply, Runtime};
use hyper::body::{Body, Frame, SizeHint};
use hyper::header::{HOST, HeaderName, HeaderValue};
use hyper::{Request, StatusCode};
use tokio::sync::Semaphore;

use super::Mount;
use super::response::{call_failed, count_failure, unavailable};
use crate::config::{AppConfig, Limits};
use crate::http::{HttpResponse, ResponseBody, StreamAborted, detail};
use crate::metrics::AppMetrics;

/// The headers Spin gives a component about the URL it was reached by;
/// Spin-built components rely on them. A client cannot set them.
const FULL_URL: HeaderName = HeaderName::from_static("spin-full-url");
const PATH_INFO: HeaderName = HeaderName::from_static("spin-path-info");
const MATCHED_ROUTE: HeaderName = HeaderName::from_static("spin-matched-route");
const BASE_PATH: HeaderName = HeaderName::from_static("spin-base-path");

/// A `wasi:http` app ready to serve.
pub struct ProxyApp {
    guest: ProxyGuest,
    limits: Limits,
    slots: Arc<Semaphore>,
    metrics: Arc<AppMetrics>,
}

impl ProxyApp {
    /// Readies `config`'s app from its compiled `wasi:http` component.
    pub fn load(
        runtime: &Runtime,
        config: &AppConfig,
        capabilities: Capabilities,
        compiled: Compiled,
    ) -> Result<ProxyApp, fasterapi_runtime::LoadError> {
        let (guest_config, metrics) = super::app::guest_config(config, capabilities);
        let guest = ProxyGuest::from_compiled(runtime, guest_config, compiled)?;
        let slots = Arc::new(Semaphore::new(config.limits.max_concurrency as usize));
        Ok(ProxyApp { guest, limits: config.limits, slots, metrics })
    }

    /// The loaded component.
    pub fn guest(&self) -> &ProxyGuest {
        &self.guest
    }

    /// Its metrics.
    pub fn metrics(&self) -> &AppMetrics {
        &self.metrics
    }

    /// Has the component answer `request`, whose path below the app's
    /// mount starts at byte `below_mount`. The concurrency slot is held
    /// until the handler returns, body included.
    pub(crate) async fn serve<B>(
        &self,
        request: Request<B>,
        mount: &Mount,
        below_mount: usize,
    ) -> HttpResponse
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let max_body = self.limits.max_body;
        if request.body().size_hint().lower() > max_body as u64 {
            return detail(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large");
        }
        let Ok(slot) = self.slots.clone().try_acquire_owned() else { return unavailable() };
        let request = match for_guest(request, mount, below_mount) {
            Ok(request) => request,
            Err(status) => return detail(status, status.canonical_reason().unwrap_or("Bad Request")),
        };
        let request = request.map(|body| RequestBody { body: Box::pin(body), read: 0, max: max_body });
        let ProxyReply { response, done } = match self.guest.handle(request).await {
            Ok(reply) => reply,
            Err(err) => return call_failed(self.guest.name(), &self.metrics, "(wasi:http)", err),
        };
        let (app, metrics) = (self.guest.name().to_owned(), self.metrics.clone());
        tokio::spawn(async move {
            let _slot = slot;
            match done.await {
                Ok(Ok(())) => {}
                Ok(Err(err)) => {
                    count_failure(&metrics, &err);
                    tracing::error!(%app, "the handler failed after its answer began: {err}");
                }
                Err(err) => tracing::error!(%app, "the handler's task failed: {err}"),
            }
        });
        let (app, max_response) = (self.guest.name().to_owned(), self.limits.max_response);
        response.map(|body| ResponseBody::boxed(ResponseLimit { body, sent: 0, max: max_response, app }))
    }
}

/// `request` as the component sees it: the path below the mount, an
/// absolute URI, and Spin's headers for the URL it came by.
fn for_guest<B>(request: Request<B>, mount: &Mount, below_mount: usize) -> Result<Request<B>, StatusCode> {
    let (mut parts, body) = request.into_parts();
    let host = parts.headers.get(HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost").to_owned();
    let full = parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let path = match parts.uri.path().get(below_mount..) {
        Some("") | None => "/",
        Some(rest) => rest,
    }
    .to_owned();
    let below = match parts.uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.clone(),
    };
    parts.uri = format!("http://{host}{below}").parse().map_err(|_| StatusCode::BAD_REQUEST)?;
    let prefix = mount.prefix.as_deref().unwrap_or("");
    let spoofed: Vec<HeaderName> =
        parts.headers.keys().filter(|name| name.as_str().starts_with("spin-")).cloned().collect();
    for name in spoofed {
        parts.headers.remove(name);
    }
    let value = |text: String| HeaderValue::try_from(text).map_err(|_| StatusCode::BAD_REQUEST);
    parts.headers.insert(FULL_URL, value(format!("http://{host}{full}"))?);
    parts.headers.insert(PATH_INFO, value(path)?);
    parts.headers.insert(MATCHED_ROUTE, value(format!("{prefix}/..."))?);
    parts.headers.insert(BASE_PATH, value(if prefix.is_empty() { "/".into() } else { prefix.to_owned() })?);
    Ok(Request::from_parts(parts, body))
}

/// A request body as it streams to the component, cut with an error past
/// the app's `max_body` (the component sees a failed read).
struct RequestBody<B> {
    body: Pin<Box<B>>,
    read: usize,
    max: usize,
}

impl<B> Body for RequestBody<B>
where
    B: Body<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Data = Bytes;
    type Error = wasmtime_wasi_http::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let frame = match self.body.as_mut().poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => frame,
            Poll::Ready(Some(Err(err))) => {
                let reason = err.into().to_string();
                return Poll::Ready(Some(Err(wasmtime_wasi_http::Error::InternalError(Some(reason)))));
            }
            other => return other.map(|_| None),
        };
        if let Some(data) = frame.data_ref() {
            self.read = self.read.saturating_add(data.len());
            if self.read > self.max {
                let size = Some(self.read as u64);
                return Poll::Ready(Some(Err(wasmtime_wasi_http::Error::HttpRequestBodySize(size))));
            }
        }
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The component's answer body as it streams to the client, cut past the
/// app's `max_response`.
struct ResponseLimit<B> {
    body: B,
    sent: usize,
    max: usize,
    app: String,
}

impl<B> Body for ResponseLimit<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Debug,
{
    type Data = Bytes;
    type Error = StreamAborted;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, StreamAborted>>> {
        let frame = match Pin::new(&mut self.body).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => frame,
            Poll::Ready(Some(Err(err))) => {
                let reason = format!("the component's body failed: {err:?}");
                tracing::warn!(app = %self.app, "{reason}");
                return Poll::Ready(Some(Err(StreamAborted(reason))));
            }
            other => return other.map(|_| None),
        };
        if let Some(data) = frame.data_ref() {
            self.sent = self.sent.saturating_add(data.len());
            if self.sent > self.max {
                let reason = format!("the body passed the app's max_response of {} bytes", self.max);
                tracing::error!(app = %self.app, "{reason}");
                return Poll::Ready(Some(Err(StreamAborted(reason))));
            }
        }
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
