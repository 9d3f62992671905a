//! The HTTP trigger: picks the app for a request (Host header, mount
//! prefix), holds it to its concurrency limit (503), and has the app answer:
//! 404, 405 and parameter 422s natively, everything else through one call
//! into the guest with typed WIT values.

mod app;
mod docs;
mod form;
mod middleware;
mod proxy;
mod request;
mod response;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use arc_swap::ArcSwap;
use bytes::Bytes;
use hyper::body::{Body, Incoming};
use hyper::header::HOST;
use hyper::{Request, StatusCode};
use tracing::Instrument;

use fasterapi_runtime::trace;

pub use app::{LoadError, TypedApp};
use docs::DocsSite;
pub use docs::SWAGGER_UI_VERSION;
pub use proxy::ProxyApp;
pub use response::GuestError;

use crate::config::DocsSettings;
use crate::http::{Handler, HttpResponse, detail};

/// Where an app is mounted: under a path prefix and/or for a host name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mount {
    /// Path prefix (`/acme`); `None` is the root.
    pub prefix: Option<String>,
    /// Host header to match (lower-case, no port); `None` matches any.
    pub host: Option<String>,
}

impl Mount {
    /// Whether this mount serves `path` for `host`.
    fn serves(&self, host: Option<&str>, path: &str) -> bool {
        if let Some(expected) = &self.host
            && !host.is_some_and(|host| host.eq_ignore_ascii_case(expected))
        {
            return false;
        }
        match &self.prefix {
            None => true,
            Some(prefix) => path
                .strip_prefix(prefix.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/')),
        }
    }

    /// How specific a match is: a host beats none, a longer prefix a shorter.
    fn specificity(&self) -> (bool, usize) {
        (self.host.is_some(), self.prefix.as_ref().map_or(0, String::len))
    }
}

/// An app of either world.
pub enum App {
    /// Typed routes the host matches (`fasterapi:http/app`).
    Typed(Box<TypedApp>),
    /// A standard `wasi:http` component.
    WasiHttp(Box<ProxyApp>),
}

impl App {
    /// The world the app implements.
    pub fn world(&self) -> fasterapi_runtime::World {
        match self {
            App::Typed(_) => fasterapi_runtime::World::Typed,
            App::WasiHttp(_) => fasterapi_runtime::World::WasiHttp,
        }
    }

    /// How its instances are used.
    pub fn mode(&self) -> fasterapi_runtime::InstanceMode {
        match self {
            App::Typed(app) => app.guest().mode(),
            App::WasiHttp(app) => app.guest().mode(),
        }
    }

    /// SHA-256 of its component.
    pub fn hash(&self) -> &str {
        match self {
            App::Typed(app) => app.guest().hash(),
            App::WasiHttp(app) => app.guest().hash(),
        }
    }

    /// Whether its machine code came from the on-disk cache.
    pub fn origin(&self) -> fasterapi_runtime::cache::Origin {
        match self {
            App::Typed(app) => app.guest().origin(),
            App::WasiHttp(app) => app.guest().origin(),
        }
    }

    /// The typed routes it declared (none for a `wasi:http` app).
    pub fn routes(&self) -> usize {
        match self {
            App::Typed(app) => app.guest().routes().len(),
            App::WasiHttp(_) => 0,
        }
    }

    fn metrics(&self) -> &crate::metrics::AppMetrics {
        match self {
            App::Typed(app) => app.metrics(),
            App::WasiHttp(app) => app.metrics(),
        }
    }
}

/// One app mounted on the server, with its own concurrency slots and
/// request counters.
pub struct Mounted {
    app: App,
    mount: Mount,
    /// `/openapi.json` and `/docs`, rendered for this mount (typed apps).
    docs: Option<DocsSite>,
    loaded_at: SystemTime,
    requests: AtomicU64,
    server_errors: AtomicU64,
}

impl Mounted {
    /// Mounts `app` at `mount`, with its documentation pages as `docs` says.
    pub fn new(app: App, mount: Mount, docs: DocsSettings) -> Self {
        let docs = match &app {
            App::Typed(typed) => {
                Some(DocsSite::new(typed.openapi(), mount.prefix.as_deref(), docs, typed.guest().paths()))
            }
            App::WasiHttp(_) => None,
        };
        Mounted {
            app,
            mount,
            docs,
            loaded_at: SystemTime::now(),
            requests: AtomicU64::new(0),
            server_errors: AtomicU64::new(0),
        }
    }

    /// The app.
    pub fn app(&self) -> &App {
        &self.app
    }

    /// When this version was mounted.
    pub fn loaded_at(&self) -> SystemTime {
        self.loaded_at
    }

    /// Requests answered, and those answered with a 5xx.
    pub fn counts(&self) -> (u64, u64) {
        (self.requests.load(Ordering::Relaxed), self.server_errors.load(Ordering::Relaxed))
    }

    fn count(&self, status: StatusCode, elapsed: std::time::Duration) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if status.is_server_error() {
            self.server_errors.fetch_add(1, Ordering::Relaxed);
        }
        self.app.metrics().request(status.as_u16(), elapsed);
    }
}

/// Routes requests to the mounted apps and serves them. The table of apps
/// is swapped atomically on reload: a request keeps the app it started with.
pub struct Dispatcher {
    apps: ArcSwap<Vec<Arc<Mounted>>>,
    /// How long a request body may take to arrive.
    body_read_timeout: Duration,
}

impl Default for Dispatcher {
    fn default() -> Self {
        Dispatcher::new(crate::config::manifest::DEFAULT_BODY_READ_TIMEOUT)
    }
}

impl Dispatcher {
    /// A dispatcher with no apps yet, giving request bodies
    /// `body_read_timeout` to arrive.
    pub fn new(body_read_timeout: Duration) -> Self {
        Dispatcher { apps: ArcSwap::default(), body_read_timeout }
    }

    /// Replaces the table of apps; requests already running finish on the old.
    pub fn replace(&self, apps: Vec<Arc<Mounted>>) {
        self.apps.store(Arc::new(apps));
    }

    /// Answers one request: picks the app by Host header and path prefix,
    /// then has it answer; in the trace context of its `traceparent`, if
    /// it has a valid one.
    pub async fn handle<B>(&self, request: Request<B>) -> HttpResponse
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let traceparent = request
            .headers()
            .get("traceparent")
            .and_then(|value| value.to_str().ok())
            .and_then(trace::parse_traceparent)
            .map(str::to_owned);
        match traceparent {
            None => self.dispatch(request).await,
            // The request's log lines say its trace; its outbound calls continue it.
            Some(traceparent) => {
                let span = tracing::info_span!("request", %traceparent);
                trace::with_traceparent(traceparent, self.dispatch(request).instrument(span)).await
            }
        }
    }

    async fn dispatch<B>(&self, request: Request<B>) -> HttpResponse
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let host = match request_host(&request) {
            Ok(host) => host,
            Err(response) => return *response,
        };
        let path = request.uri().path();
        let apps = self.apps.load();
        let Some(mounted) =
            apps.iter().filter(|m| m.mount.serves(host, path)).max_by_key(|m| m.mount.specificity())
        else {
            return detail(StatusCode::NOT_FOUND, "Not Found");
        };
        // The path below the mount, as an offset: the request moves on.
        let below_mount = mounted.mount.prefix.as_ref().map_or(0, String::len);
        let mounted = mounted.clone();
        drop(apps);
        let started = Instant::now();
        let docs = mounted.docs.as_ref();
        let response = match &mounted.app {
            App::Typed(app) => app.serve(request, below_mount, docs, self.body_read_timeout).await,
            App::WasiHttp(app) => app.serve(request, &mounted.mount, below_mount).await,
        };
        mounted.count(response.status(), started.elapsed());
        response
    }
}

impl Handler for Dispatcher {
    async fn handle(&self, request: Request<Incoming>) -> HttpResponse {
        Dispatcher::handle(self, request).await
    }
}

/// The request's host name: the Host header (or URI authority), without a
/// port; apps match it case-insensitively. Two Host headers, or an
/// absolute-form URI whose authority is not the Host header, are a 400:
/// the host that picks the tenant must be the one a proxy in front saw.
fn request_host<B>(request: &Request<B>) -> Result<Option<&str>, Box<HttpResponse>> {
    let bad = || Box::new(detail(StatusCode::BAD_REQUEST, "Bad Request"));
    let mut headers = request.headers().get_all(HOST).iter();
    let header = headers.next();
    if headers.next().is_some() {
        return Err(bad());
    }
    let header = match header.map(|h| h.to_str()) {
        Some(Ok(host)) => Some(host),
        Some(Err(_)) => return Err(bad()),
        None => None,
    };
    let authority = request.uri().authority().map(|a| a.as_str());
    let raw = match (header, authority) {
        (Some(header), Some(authority)) if !header.eq_ignore_ascii_case(authority) => return Err(bad()),
        (Some(host), _) | (None, Some(host)) => host,
        (None, None) => return Ok(None),
    };
    let host = match raw.rsplit_once(':') {
        Some((name, port)) if !name.ends_with(']') && port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => raw,
    };
    Ok(Some(host))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mount(prefix: Option<&str>, host: Option<&str>) -> Mount {
        Mount { prefix: prefix.map(Into::into), host: host.map(Into::into) }
    }

    #[test]
    fn mounts_match_by_host_and_prefix() {
        let acme = mount(Some("/acme"), None);
        assert!(acme.serves(None, "/acme"));
        assert!(acme.serves(None, "/acme/users/1"));
        assert!(!acme.serves(None, "/acmex"));
        let globex = mount(None, Some("globex.example.com"));
        assert!(globex.serves(Some("Globex.Example.com"), "/x"));
        assert!(!globex.serves(None, "/x"));
        assert!(globex.specificity() > acme.specificity());
    }

    #[test]
    fn the_host_is_read_without_its_port() {
        fn host(request: &Request<()>) -> Result<Option<&str>, StatusCode> {
            request_host(request).map_err(|response| response.status())
        }
        let request = Request::builder().header(HOST, "a.example:8080").body(()).unwrap();
        assert_eq!(host(&request), Ok(Some("a.example")));
        let request = Request::builder().header(HOST, "[::1]").body(()).unwrap();
        assert_eq!(host(&request), Ok(Some("[::1]")));
        let twice = Request::builder().header(HOST, "a.test").header(HOST, "b.test").body(()).unwrap();
        assert_eq!(host(&twice), Err(StatusCode::BAD_REQUEST));
        let absolute = Request::builder().uri("http://b.test/x").header(HOST, "a.test").body(()).unwrap();
        assert_eq!(host(&absolute), Err(StatusCode::BAD_REQUEST));
        let same = Request::builder().uri("http://A.test/x").header(HOST, "a.test").body(()).unwrap();
        assert_eq!(host(&same), Ok(Some("a.test")));
    }
}
