//! The HTTP trigger: picks the app for a request (Host header, mount
//! prefix), enforces its limits (concurrency 503, body 413, timeout 504),
//! and turns the request into a guest call, answering 404, 405 and 422
//! natively without entering the guest.

use std::sync::Arc;

use std::sync::atomic::{AtomicU64, Ordering};

use arc_swap::ArcSwap;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Body;
use hyper::body::Incoming;
use hyper::header::{
    ALLOW, CONTENT_LENGTH, CONTENT_TYPE, HOST, HeaderName, HeaderValue, RETRY_AFTER, TRANSFER_ENCODING,
};
use hyper::{HeaderMap, Request, Response, StatusCode};
use percent_encoding::percent_decode_str;
use tokio::sync::Semaphore;

use crate::docs::{DocsSettings, DocsSite};
use crate::extract;
use crate::params::{ValidationError, validation_body};
use crate::router::Lookup;
use crate::runtime::app::{CallError, method_to_wit, value_to_wit};
use crate::runtime::bindings::types as wit;
use crate::runtime::{App, Runtime};
use crate::spec::{Method, RouteSpec};

/// The response type of every handler.
pub type HttpResponse = Response<Full<Bytes>>;

/// One app mounted on the server: under a path prefix and/or a host name,
/// with its own concurrency slots.
pub struct Mounted {
    pub app: Arc<App>,
    /// Mount prefix (`/acme`); `None` is the root.
    pub route: Option<String>,
    /// Host header to match (lower-case, no port); `None` matches any.
    pub host: Option<String>,
    slots: Arc<Semaphore>,
    /// `/openapi.json` and `/docs`.
    docs: DocsSite,
    /// When this version was mounted.
    pub loaded_at: std::time::SystemTime,
    /// Requests answered, and those answered with a 5xx.
    pub requests: AtomicU64,
    pub server_errors: AtomicU64,
}

impl Mounted {
    /// Mounts `app`; its limits say how many requests may run at once.
    pub fn new(app: Arc<App>, route: Option<String>, host: Option<String>, docs: DocsSettings) -> Self {
        let slots = Arc::new(Semaphore::new(app.context().limits.max_concurrency as usize));
        let loaded_at = std::time::SystemTime::now();
        let docs = DocsSite::new(&app, route.as_deref(), docs);
        Mounted {
            app,
            route,
            host,
            slots,
            docs,
            loaded_at,
            requests: AtomicU64::new(0),
            server_errors: AtomicU64::new(0),
        }
    }

    /// Whether this app serves `path` for `host`.
    fn serves(&self, host: Option<&str>, path: &str) -> bool {
        if let Some(expected) = &self.host
            && !host.is_some_and(|host| host.eq_ignore_ascii_case(expected))
        {
            return false;
        }
        match &self.route {
            None => true,
            Some(prefix) => path
                .strip_prefix(prefix.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/')),
        }
    }

    fn count(&self, status: StatusCode, elapsed: std::time::Duration) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if status.is_server_error() {
            self.server_errors.fetch_add(1, Ordering::Relaxed);
        }
        self.app.context().metrics.request(status.as_u16(), elapsed);
    }

    /// How specific a match is: a host beats none, a longer prefix a shorter.
    fn specificity(&self) -> (bool, usize) {
        (self.host.is_some(), self.route.as_ref().map_or(0, String::len))
    }
}

/// Routes requests to the mounted apps and serves them. The table of apps
/// is swapped atomically on reload: a request keeps the app it started with.
pub struct Dispatcher {
    runtime: Arc<Runtime>,
    apps: ArcSwap<Vec<Arc<Mounted>>>,
}

impl Dispatcher {
    /// A dispatcher for `apps`, all sharing `runtime`.
    pub fn new(runtime: Arc<Runtime>, apps: Vec<Arc<Mounted>>) -> Self {
        Dispatcher { runtime, apps: ArcSwap::from_pointee(apps) }
    }

    /// The mounted apps, as of now.
    pub fn apps(&self) -> Arc<Vec<Arc<Mounted>>> {
        self.apps.load_full()
    }

    /// Replaces the table of apps; requests already running finish on the old.
    pub fn replace(&self, apps: Vec<Arc<Mounted>>) {
        self.apps.store(Arc::new(apps));
    }

    /// Answers one request: picks the app by Host header and path prefix,
    /// then serves it within the app's concurrency limit.
    pub async fn handle(&self, request: Request<Incoming>) -> HttpResponse {
        let host = request_host(&request);
        let path = request.uri().path();
        let apps = self.apps.load();
        let Some(mounted) = apps.iter().filter(|m| m.serves(host, path)).max_by_key(|m| m.specificity())
        else {
            return detail(StatusCode::NOT_FOUND, "Not Found");
        };
        let Ok(_slot) = mounted.slots.clone().try_acquire_owned() else {
            let mut response = detail(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable");
            response.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("1"));
            return response;
        };
        // The path below the mount, as an offset: the request moves on.
        let below_mount = mounted.route.as_ref().map_or(0, String::len);
        let mounted = mounted.clone();
        drop(apps);
        let started = std::time::Instant::now();
        let service = AppService { runtime: &self.runtime, app: &mounted.app, docs: &mounted.docs };
        let response = service.handle(request, below_mount).await;
        mounted.count(response.status(), started.elapsed());
        response
    }
}

/// The request's host name: the Host header (or URI authority), without a
/// port; apps match it case-insensitively.
fn request_host(request: &Request<Incoming>) -> Option<&str> {
    let raw = match request.headers().get(HOST).and_then(|h| h.to_str().ok()) {
        Some(host) => host,
        None => request.uri().host()?,
    };
    let host = match raw.rsplit_once(':') {
        Some((name, port)) if !name.ends_with(']') && port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => raw,
    };
    Some(host)
}

/// Serves requests for one app.
struct AppService<'a> {
    runtime: &'a Runtime,
    app: &'a App,
    docs: &'a DocsSite,
}

impl AppService<'_> {
    /// Answers one request for the app; the path below the app's mount
    /// prefix starts at byte `below_mount` of the request's path.
    async fn handle(&self, request: Request<Incoming>, below_mount: usize) -> HttpResponse {
        let (parts, body) = request.into_parts();
        let raw_path = match parts.uri.path().get(below_mount..) {
            Some("") | None => "/",
            Some(rest) => rest,
        };
        let method = Method::from_http(&parts.method);
        // Starlette matches on the percent-decoded path; so do we.
        let path = percent_decode_str(raw_path).decode_utf8_lossy();
        let (index, path_params) = match self.app.router().lookup(method, &path) {
            Lookup::Found { route, params } => (route, params),
            Lookup::MethodNotAllowed { allow } => return method_not_allowed(allow),
            // The app's own routes come first: it may serve its own `/docs`.
            Lookup::NotFound => {
                return self
                    .docs
                    .serve(method, &path)
                    .unwrap_or_else(|| detail(StatusCode::NOT_FOUND, "Not Found"));
            }
        };
        let route = &self.app.routes()[index];
        let query = parts.uri.query();
        let args = extract::arguments(route, &path_params, query, &parts.headers);
        if let (Err(errors), None) = (&args, &route.body) {
            return json(StatusCode::UNPROCESSABLE_ENTITY, validation_body(errors, Vec::new()));
        }
        let body = match read_body(body, self.app.context().limits.max_body).await {
            Ok(body) => body,
            Err(response) => return response,
        };
        let (args, errors) = match args {
            Ok(args) => (args, None),
            Err(errors) => (Vec::new(), Some(errors)),
        };
        // A route matched, so the method is one a route can declare.
        let method = method.unwrap_or(Method::Get);
        let request = GuestRequest { index, method, raw_path, query, headers: &parts.headers, body }
            .into_wit(route, args, errors.is_some());
        match errors {
            Some(errors) => self.reject_with_body_errors(&route.name, &errors, &request).await,
            None => self.call(&route.name, &request).await,
        }
    }

    /// Runs the handler.
    async fn call(&self, handler: &str, request: &wit::Request) -> HttpResponse {
        match self.app.handle(self.runtime, request).await {
            Ok(response) => self.response_from_guest(handler, response),
            Err(CallError::Trap { trap, stderr }) => {
                self.app.context().metrics.trap();
                tracing::error!(app = %self.app.name(), %handler, %stderr, "guest trapped: {trap}");
                internal_error()
            }
            Err(err @ CallError::Timeout(_)) => {
                self.app.context().metrics.timeout();
                tracing::warn!(app = %self.app.name(), %handler, "{err}");
                detail(StatusCode::GATEWAY_TIMEOUT, "Gateway Timeout")
            }
            Err(err) => {
                tracing::error!(app = %self.app.name(), %handler, "{err}");
                detail(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable")
            }
        }
    }

    /// A 422 for bad parameters of a route with a body: FastAPI lists the
    /// body's errors too, so the guest validates the body (only) and its
    /// errors follow the host's.
    async fn reject_with_body_errors(
        &self,
        handler: &str,
        errors: &[ValidationError],
        request: &wit::Request,
    ) -> HttpResponse {
        let body_errors = match self.app.handle(self.runtime, request).await {
            Ok(response) if response.status == 422 => detail_list(&response.body),
            Ok(_) => Vec::new(),
            Err(err) => {
                tracing::error!(app = %self.app.name(), %handler, "validating the body failed: {err}");
                Vec::new()
            }
        };
        json(StatusCode::UNPROCESSABLE_ENTITY, validation_body(errors, body_errors))
    }

    /// Converts the guest's answer; an answer HTTP cannot carry is a 500.
    fn response_from_guest(&self, handler: &str, response: wit::Response) -> HttpResponse {
        let max = self.app.context().limits.max_response;
        let built = match response.body.len() {
            len if len > max => Err(format!("a body of {len} bytes is over the app's max_response of {max}")),
            _ => build_guest_response(response),
        };
        match built {
            Ok(response) => response,
            Err(reason) => {
                tracing::error!(app = %self.app.name(), %handler, "invalid response from guest: {reason}");
                internal_error()
            }
        }
    }
}

/// Reads the body, refusing one over `max_body` (413) before reading a byte
/// when its declared length says so.
async fn read_body(body: Incoming, max_body: usize) -> Result<Bytes, HttpResponse> {
    if body.is_end_stream() {
        return Ok(Bytes::new());
    }
    if body.size_hint().lower() > max_body as u64 {
        return Err(detail(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large"));
    }
    match Limited::new(body, max_body).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if err.is::<http_body_util::LengthLimitError>() => {
            Err(detail(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large"))
        }
        Err(err) => {
            tracing::debug!("reading the request body failed: {err}");
            Err(detail(StatusCode::BAD_REQUEST, "Bad Request"))
        }
    }
}

/// The `detail` list of a guest's 422 body; empty if it has none.
fn detail_list(body: &[u8]) -> Vec<serde_json::Value> {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|mut value| value.get_mut("detail").map(serde_json::Value::take))
        .and_then(|detail| match detail {
            serde_json::Value::Array(errors) => Some(errors),
            _ => None,
        })
        .unwrap_or_default()
}

fn build_guest_response(response: wit::Response) -> Result<HttpResponse, String> {
    let status = StatusCode::from_u16(response.status)
        .map_err(|_| format!("status {} is not a valid HTTP status", response.status))?;
    let mut http = Response::new(Full::new(Bytes::from(response.body)));
    *http.status_mut() = status;
    let headers = http.headers_mut();
    for header in response.headers {
        let name = HeaderName::from_bytes(header.name.as_bytes())
            .map_err(|_| format!("invalid header name {:?}", header.name))?;
        // The host frames the body itself.
        if name == CONTENT_LENGTH || name == TRANSFER_ENCODING {
            continue;
        }
        let value =
            HeaderValue::from_bytes(&header.value).map_err(|_| format!("invalid value for header {name}"))?;
        headers.append(name, value);
    }
    Ok(http)
}

/// What the guest is passed of a request its route matched.
pub struct GuestRequest<'a> {
    /// The matched route's index in the app's route table.
    pub index: usize,
    pub method: Method,
    /// The path below the mount, still percent-encoded.
    pub raw_path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: Bytes,
}

impl GuestRequest<'_> {
    /// The WIT request for `route` with its parsed `args`. Only what the
    /// route needs is copied into the guest: the path, query, headers and
    /// body of a handler that reads the raw request; the body (and its
    /// content type) of a route with a body; otherwise the arguments alone.
    pub fn into_wit(
        self,
        route: &RouteSpec,
        args: Vec<crate::params::Value>,
        validate_only: bool,
    ) -> wit::Request {
        let raw = route.raw_request.then(|| wit::RawRequest {
            method: method_to_wit(self.method),
            path: self.raw_path.to_owned(),
            query: self.query.unwrap_or_default().to_owned(),
            headers: headers_to_wit(self.headers),
        });
        let content_type = match route.body {
            Some(_) => {
                self.headers.get(CONTENT_TYPE).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            }
            None => None,
        };
        wit::Request {
            route: self.index as u32,
            args: args.into_iter().map(value_to_wit).collect(),
            body: if raw.is_some() || route.body.is_some() { self.body.into() } else { Vec::new() },
            content_type,
            validate_only,
            raw,
        }
    }
}

fn headers_to_wit(headers: &HeaderMap) -> Vec<wit::Header> {
    headers
        .iter()
        .map(|(name, value)| wit::Header { name: name.as_str().to_owned(), value: value.as_bytes().to_vec() })
        .collect()
}

/// A JSON answer.
pub fn json(status: StatusCode, body: Vec<u8>) -> HttpResponse {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// FastAPI's `{"detail": "..."}` error answer.
pub fn detail(status: StatusCode, message: &str) -> HttpResponse {
    let body = serde_json::json!({ "detail": message });
    json(status, body.to_string().into_bytes())
}

fn internal_error() -> HttpResponse {
    detail(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
}

fn method_not_allowed(allow: &str) -> HttpResponse {
    let mut response = detail(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed");
    if let Ok(value) = HeaderValue::from_str(allow) {
        response.headers_mut().insert(ALLOW, value);
    }
    response
}
