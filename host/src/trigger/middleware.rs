//! The middleware an app declared (FastAPI's `app.add_middleware`), run by
//! the host as Starlette runs `CORSMiddleware`, `GZipMiddleware` and
//! `TrustedHostMiddleware`: outermost first, around every answer of the
//! app — the host's own 404/405/422 and `/docs` included, as they are
//! routes of a FastAPI app.

use std::io::Write;

use bytes::Bytes;
use fasterapi_routes::middleware::{CorsPolicy, GzipPolicy, Middleware, MiddlewareError, TrustedHostPolicy};
use flate2::Compression;
use flate2::write::GzEncoder;
use http_body_util::BodyExt;
use hyper::header::{
    ACCEPT_ENCODING, ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS,
    ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS,
    ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, CONTENT_ENCODING,
    CONTENT_LENGTH, CONTENT_TYPE, HOST, HeaderMap, HeaderName, HeaderValue, LOCATION, ORIGIN, VARY,
};
use hyper::{Method, Request, Response, StatusCode, Uri};
use regex::Regex;

use crate::http::{HttpResponse, ResponseBody, with_media_type};

/// Starlette's expansion of `allow_methods=["*"]`.
const ALL_METHODS: [&str; 8] = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY"];
/// Headers every preflight may ask for.
const SAFELISTED_HEADERS: [&str; 4] = ["Accept", "Accept-Language", "Content-Language", "Content-Type"];
const PREFLIGHT_VARY: &str = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network";
const REQUEST_PRIVATE_NETWORK: &str = "access-control-request-private-network";
const ALLOW_PRIVATE_NETWORK: &str = "access-control-allow-private-network";

/// An app's middleware, ready to run.
pub(crate) struct Layers(Vec<Layer>);

enum Layer {
    Cors(Box<Cors>),
    Gzip(GzipPolicy),
    TrustedHost(TrustedHostPolicy),
}

/// What the layers read of a request (it moves on to the app).
pub(crate) struct Seen {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
}

impl Seen {
    /// The parts of `request` the layers read.
    pub(crate) fn of<B>(request: &Request<B>) -> Seen {
        let mut headers = HeaderMap::new();
        for name in
            [ORIGIN, ACCESS_CONTROL_REQUEST_METHOD, ACCESS_CONTROL_REQUEST_HEADERS, ACCEPT_ENCODING, HOST]
        {
            if let Some(value) = request.headers().get(&name) {
                headers.insert(name, value.clone());
            }
        }
        if let Some(value) = request.headers().get(REQUEST_PRIVATE_NETWORK) {
            headers.insert(HeaderName::from_static(REQUEST_PRIVATE_NETWORK), value.clone());
        }
        Seen { method: request.method().clone(), uri: request.uri().clone(), headers }
    }

    fn header(&self, name: impl hyper::header::AsHeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Layers {
    /// The layers of `middleware`, checked (a bad policy keeps the app from loading).
    pub(crate) fn new(middleware: &[Middleware]) -> Result<Layers, MiddlewareError> {
        let layers = middleware
            .iter()
            .map(|layer| {
                layer.validate()?;
                Ok(match layer {
                    Middleware::Cors(policy) => Layer::Cors(Box::new(Cors::new(policy)?)),
                    Middleware::Gzip(policy) => Layer::Gzip(policy.clone()),
                    Middleware::TrustedHost(policy) => Layer::TrustedHost(policy.clone()),
                })
            })
            .collect::<Result<_, MiddlewareError>>()?;
        Ok(Layers(layers))
    }

    /// Whether the app has none (the common case: nothing to do).
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The answer of the first layer that answers the request itself (a
    /// preflight, an untrusted host), with the outer layers applied to it;
    /// `None` when the request goes on to the app.
    pub(crate) async fn answer_early(&self, seen: &Seen) -> Option<HttpResponse> {
        for (depth, layer) in self.0.iter().enumerate() {
            let answer = match layer {
                Layer::Cors(cors) => cors.preflight(seen),
                Layer::TrustedHost(policy) => untrusted_host(policy, seen),
                Layer::Gzip(_) => None,
            };
            if let Some(answer) = answer {
                return Some(self.finish(seen, answer, depth).await);
            }
        }
        None
    }

    /// The app's answer through every layer, innermost first.
    pub(crate) async fn finish_all(&self, seen: &Seen, response: HttpResponse) -> HttpResponse {
        self.finish(seen, response, self.0.len()).await
    }

    async fn finish(&self, seen: &Seen, mut response: HttpResponse, depth: usize) -> HttpResponse {
        for layer in self.0[..depth].iter().rev() {
            response = match layer {
                Layer::Cors(cors) => cors.simple(seen, response),
                Layer::Gzip(policy) => gzip(policy, seen, response).await,
                Layer::TrustedHost(_) => response,
            };
        }
        response
    }
}

/// A CORS policy with what Starlette computes once when it is added.
struct Cors {
    policy: CorsPolicy,
    origin_regex: Option<Regex>,
    allow_all_origins: bool,
    allow_all_headers: bool,
    /// Preflights answer the origin itself, not `*`.
    explicit_preflight_origin: bool,
    allow_methods: Vec<String>,
    /// Lower-cased, with the safelisted ones.
    allow_headers: Vec<String>,
    simple_headers: Vec<(HeaderName, String)>,
    preflight_headers: Vec<(HeaderName, String)>,
}

impl Cors {
    fn new(policy: &CorsPolicy) -> Result<Cors, MiddlewareError> {
        let allow_methods: Vec<String> = if policy.allow_methods.iter().any(|m| m == "*") {
            ALL_METHODS.iter().map(|m| m.to_string()).collect()
        } else {
            policy.allow_methods.clone()
        };
        let allow_all_origins = policy.allow_origins.iter().any(|o| o == "*");
        let allow_all_headers = policy.allow_headers.iter().any(|h| h == "*");
        let explicit_preflight_origin = !allow_all_origins || policy.allow_credentials;
        let mut simple_headers = Vec::new();
        if allow_all_origins {
            simple_headers.push((ACCESS_CONTROL_ALLOW_ORIGIN, "*".to_owned()));
        }
        if policy.allow_credentials {
            simple_headers.push((ACCESS_CONTROL_ALLOW_CREDENTIALS, "true".to_owned()));
        }
        if !policy.expose_headers.is_empty() {
            simple_headers.push((ACCESS_CONTROL_EXPOSE_HEADERS, policy.expose_headers.join(", ")));
        }
        let mut headers: Vec<String> = SAFELISTED_HEADERS.iter().map(|h| h.to_string()).collect();
        headers.extend(policy.allow_headers.iter().cloned());
        headers.sort();
        headers.dedup();
        let mut preflight_headers = vec![(VARY, PREFLIGHT_VARY.to_owned())];
        if !explicit_preflight_origin {
            preflight_headers.push((ACCESS_CONTROL_ALLOW_ORIGIN, "*".to_owned()));
        }
        preflight_headers.push((ACCESS_CONTROL_ALLOW_METHODS, allow_methods.join(", ")));
        preflight_headers.push((ACCESS_CONTROL_MAX_AGE, policy.max_age.to_string()));
        if !allow_all_headers {
            preflight_headers.push((ACCESS_CONTROL_ALLOW_HEADERS, headers.join(", ")));
        }
        if policy.allow_credentials {
            preflight_headers.push((ACCESS_CONTROL_ALLOW_CREDENTIALS, "true".to_owned()));
        }
        Ok(Cors {
            origin_regex: policy.origin_regex()?,
            policy: policy.clone(),
            allow_all_origins,
            allow_all_headers,
            explicit_preflight_origin,
            allow_methods,
            allow_headers: headers.iter().map(|h| h.to_lowercase()).collect(),
            simple_headers,
            preflight_headers,
        })
    }

    fn allows_origin(&self, origin: &str) -> bool {
        self.allow_all_origins
            || self.origin_regex.as_ref().is_some_and(|regex| regex.is_match(origin))
            || self.policy.allow_origins.iter().any(|allowed| allowed == origin)
    }

    /// Starlette's answer to a preflight (`OPTIONS` with `Origin` and
    /// `Access-Control-Request-Method`): 200 `OK`, or 400 naming what is refused.
    fn preflight(&self, seen: &Seen) -> Option<HttpResponse> {
        let origin = seen.header(ORIGIN)?;
        let method = seen.header(ACCESS_CONTROL_REQUEST_METHOD)?;
        if seen.method != Method::OPTIONS {
            return None;
        }
        let mut headers = self.preflight_headers.clone();
        let mut failures = Vec::new();
        if !self.allows_origin(origin) {
            failures.push("origin");
        } else if self.explicit_preflight_origin {
            headers.push((ACCESS_CONTROL_ALLOW_ORIGIN, origin.to_owned()));
        }
        if !self.allow_methods.iter().any(|m| m == method) {
            failures.push("method");
        }
        if let Some(requested) = seen.header(ACCESS_CONTROL_REQUEST_HEADERS) {
            if self.allow_all_headers {
                headers.push((ACCESS_CONTROL_ALLOW_HEADERS, requested.to_owned()));
            } else if requested
                .split(',')
                .any(|h| !self.allow_headers.contains(&h.to_lowercase().trim().to_owned()))
            {
                failures.push("headers");
            }
        }
        if seen.headers.contains_key(REQUEST_PRIVATE_NETWORK) {
            if self.policy.allow_private_network {
                headers.push((HeaderName::from_static(ALLOW_PRIVATE_NETWORK), "true".to_owned()));
            } else {
                failures.push("private-network");
            }
        }
        let (status, text) = match failures.is_empty() {
            true => (StatusCode::OK, "OK".to_owned()),
            false => (StatusCode::BAD_REQUEST, format!("Disallowed CORS {}", failures.join(", "))),
        };
        let mut response = with_media_type(status, text, "text/plain; charset=utf-8");
        set_all(response.headers_mut(), headers);
        Some(response)
    }

    /// Starlette's headers on any other answer to a request with an `Origin`.
    fn simple(&self, seen: &Seen, mut response: HttpResponse) -> HttpResponse {
        let origin = seen.header(ORIGIN);
        let headers = response.headers_mut();
        if origin.is_some() {
            set_all(headers, self.simple_headers.clone());
        }
        match origin {
            Some(origin)
                if (self.allow_all_origins && self.policy.allow_credentials)
                    || (!self.allow_all_origins && self.allows_origin(origin)) =>
            {
                if let Ok(value) = HeaderValue::from_str(origin) {
                    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, value);
                }
                add_vary(headers, "Origin");
            }
            _ => add_vary(headers, "Origin"),
        }
        response
    }
}

fn set_all(headers: &mut HeaderMap, values: Vec<(HeaderName, String)>) {
    for (name, value) in values {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
}

/// Starlette's `Vary` update: the values so far and `token`, in one header.
fn add_vary(headers: &mut HeaderMap, token: &str) {
    let mut values: Vec<String> =
        headers.get_all(VARY).iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect();
    values.push(token.to_owned());
    if let Ok(value) = HeaderValue::from_str(&values.join(", ")) {
        headers.insert(VARY, value);
    }
}

/// Starlette's `TrustedHostMiddleware`: 400 `Invalid host header` for a
/// host not allowed (or a redirect to its `www.` name when only that is).
fn untrusted_host(policy: &TrustedHostPolicy, seen: &Seen) -> Option<HttpResponse> {
    if policy.allowed_hosts.iter().any(|h| h == "*") {
        return None;
    }
    let invalid =
        || with_media_type(StatusCode::BAD_REQUEST, "Invalid host header", "text/plain; charset=utf-8");
    let Some(netloc) = seen.header(HOST) else { return Some(invalid()) };
    let host = host_name(netloc).to_lowercase();
    let mut www = false;
    for pattern in policy.allowed_hosts.iter().map(|p| p.to_lowercase()) {
        if host == pattern || (pattern.starts_with('*') && host.ends_with(&pattern[1..])) {
            return None;
        }
        www |= format!("www.{host}") == pattern;
    }
    if !(www && policy.www_redirect) {
        return Some(invalid());
    }
    let path_and_query = seen.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut response = Response::new(ResponseBody::full(Bytes::new()));
    *response.status_mut() = StatusCode::TEMPORARY_REDIRECT;
    if let Ok(value) = HeaderValue::from_str(&format!("http://www.{netloc}{path_and_query}")) {
        response.headers_mut().insert(LOCATION, value);
    }
    Some(response)
}

/// A Host header's name, without its port (`[::1]:80` -> `[::1]`).
fn host_name(netloc: &str) -> &str {
    match netloc.rsplit_once(':') {
        Some((name, port)) if !port.contains(']') => name,
        _ => netloc,
    }
}

/// Starlette's `GZipMiddleware`: a body of at least `minimum_size` bytes is
/// compressed for a client that accepts gzip (and `Vary: Accept-Encoding`
/// is added either way), unless already encoded, partial, or of an excluded type.
async fn gzip(policy: &GzipPolicy, seen: &Seen, response: HttpResponse) -> HttpResponse {
    let headers = response.headers();
    // A streamed answer goes out as it comes (Starlette would compress it chunk by chunk).
    if response.body().is_stream()
        || headers.contains_key(CONTENT_ENCODING)
        || response.status() == StatusCode::PARTIAL_CONTENT
        || excluded(policy, headers.get(CONTENT_TYPE))
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) => {
            tracing::error!("{err}");
            return Response::from_parts(parts, ResponseBody::full(Bytes::new()));
        }
    };
    if body.len() < policy.minimum_size as usize {
        return Response::from_parts(parts, ResponseBody::full(body));
    }
    add_vary(&mut parts.headers, "Accept-Encoding");
    let accepts = seen.header(ACCEPT_ENCODING).is_some_and(|value| value.contains("gzip"));
    if !accepts {
        return Response::from_parts(parts, ResponseBody::full(body));
    }
    let level = Compression::new(policy.compress_level);
    // A large body is compressed off the server's threads (as Starlette does
    // past 128 KiB): one tenant's big answers must not stall others' requests.
    let compressed = if body.len() >= INLINE_GZIP_LIMIT {
        let whole = body.clone();
        tokio::task::spawn_blocking(move || compress(&whole, level))
            .await
            .unwrap_or_else(|err| Err(std::io::Error::other(err)))
    } else {
        compress(&body, level)
    };
    let compressed = match compressed {
        Ok(compressed) => compressed,
        Err(err) => {
            tracing::error!("gzip failed, answering uncompressed: {err}");
            return Response::from_parts(parts, ResponseBody::full(body));
        }
    };
    parts.headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    parts.headers.remove(CONTENT_LENGTH);
    Response::from_parts(parts, ResponseBody::full(compressed))
}

/// The largest body compressed on the server's own thread.
const INLINE_GZIP_LIMIT: usize = 128 * 1024;

fn compress(body: &[u8], level: Compression) -> std::io::Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(body.len() / 2), level);
    encoder.write_all(body)?;
    encoder.finish()
}

fn excluded(policy: &GzipPolicy, content_type: Option<&HeaderValue>) -> bool {
    let media = content_type.and_then(|v| v.to_str().ok()).unwrap_or("");
    let media = media.split(';').next().unwrap_or("").trim().to_lowercase();
    let family = format!("{}/*", media.split('/').next().unwrap_or(""));
    let grpc = media.starts_with("application/grpc+");
    policy.exclude_content_types.iter().any(|excluded| {
        let excluded = excluded.split(';').next().unwrap_or("").trim().to_lowercase();
        excluded == media || excluded == family || (grpc && excluded == "application/grpc")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(method: Method, headers: &[(&str, &str)]) -> Seen {
        let mut request = Request::builder().method(method).uri("/items?x=1");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Seen::of(&request.body(()).unwrap())
    }

    fn cors_for(origins: &[&str], credentials: bool) -> Cors {
        Cors::new(&CorsPolicy {
            allow_origins: origins.iter().map(|o| o.to_string()).collect(),
            allow_methods: vec!["GET".into(), "POST".into()],
            allow_headers: vec!["X-Token".into()],
            allow_credentials: credentials,
            max_age: 600,
            ..CorsPolicy::default()
        })
        .unwrap()
    }

    fn header<'r>(response: &'r HttpResponse, name: &str) -> Option<&'r str> {
        response.headers().get(name).and_then(|v| v.to_str().ok())
    }

    #[test]
    fn a_preflight_names_what_it_refuses() {
        let cors = cors_for(&["https://a.example"], false);
        let ok = cors
            .preflight(&seen(
                Method::OPTIONS,
                &[
                    ("origin", "https://a.example"),
                    ("access-control-request-method", "POST"),
                    ("access-control-request-headers", "x-token, Content-Type"),
                ],
            ))
            .unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(header(&ok, "access-control-allow-origin"), Some("https://a.example"));
        assert_eq!(header(&ok, "access-control-allow-methods"), Some("GET, POST"));
        assert_eq!(
            header(&ok, "access-control-allow-headers"),
            Some("Accept, Accept-Language, Content-Language, Content-Type, X-Token")
        );
        let refused = cors
            .preflight(&seen(
                Method::OPTIONS,
                &[
                    ("origin", "https://b.example"),
                    ("access-control-request-method", "PUT"),
                    ("access-control-request-headers", "x-other"),
                ],
            ))
            .unwrap();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        assert!(cors.preflight(&seen(Method::GET, &[("origin", "https://a.example")])).is_none());
    }

    #[test]
    fn simple_answers_get_the_origin_and_vary() {
        let cors = cors_for(&["https://a.example"], false);
        let answer = || with_media_type(StatusCode::OK, "{}", "application/json");
        let allowed = cors.simple(&seen(Method::GET, &[("origin", "https://a.example")]), answer());
        assert_eq!(header(&allowed, "access-control-allow-origin"), Some("https://a.example"));
        assert_eq!(header(&allowed, "vary"), Some("Origin"));
        let other = cors.simple(&seen(Method::GET, &[("origin", "https://b.example")]), answer());
        assert_eq!(header(&other, "access-control-allow-origin"), None);
        let any =
            cors_for(&["*"], false).simple(&seen(Method::GET, &[("origin", "https://b.example")]), answer());
        assert_eq!(header(&any, "access-control-allow-origin"), Some("*"));
    }

    #[test]
    fn untrusted_hosts_are_refused_or_sent_to_www() {
        let policy = TrustedHostPolicy {
            allowed_hosts: vec!["www.example.com".into(), "*.example.org".into()],
            www_redirect: true,
        };
        assert!(untrusted_host(&policy, &seen(Method::GET, &[("host", "a.example.org:8000")])).is_none());
        let redirect = untrusted_host(&policy, &seen(Method::GET, &[("host", "example.com")])).unwrap();
        assert_eq!(header(&redirect, "location"), Some("http://www.example.com/items?x=1"));
        let refused = untrusted_host(&policy, &seen(Method::GET, &[("host", "evil.com")])).unwrap();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    }

    #[tokio::test]
    async fn large_answers_are_gzipped_for_clients_that_accept_it() {
        let policy =
            GzipPolicy { minimum_size: 10, compress_level: 9, exclude_content_types: vec!["image/*".into()] };
        let big = || with_media_type(StatusCode::OK, "a".repeat(100), "text/plain");
        let gzipped = gzip(&policy, &seen(Method::GET, &[("accept-encoding", "gzip, br")]), big()).await;
        assert_eq!(header(&gzipped, "content-encoding"), Some("gzip"));
        assert_eq!(header(&gzipped, "vary"), Some("Accept-Encoding"));
        let body = gzipped.into_body().collect().await.unwrap().to_bytes();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&body[..]), &mut text).unwrap();
        assert_eq!(text, "a".repeat(100));
        let plain = gzip(&policy, &seen(Method::GET, &[]), big()).await;
        assert_eq!(
            (header(&plain, "content-encoding"), header(&plain, "vary")),
            (None, Some("Accept-Encoding"))
        );
        let large = with_media_type(StatusCode::OK, "ab".repeat(INLINE_GZIP_LIMIT), "text/plain");
        let large = gzip(&policy, &seen(Method::GET, &[("accept-encoding", "gzip")]), large).await;
        let body = large.into_body().collect().await.unwrap().to_bytes();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&body[..]), &mut text).unwrap();
        assert_eq!(text, "ab".repeat(INLINE_GZIP_LIMIT), "compressed off the server's threads, the same");
        let image = with_media_type(StatusCode::OK, "a".repeat(100), "image/png");
        let image = gzip(&policy, &seen(Method::GET, &[("accept-encoding", "gzip")]), image).await;
        assert_eq!(header(&image, "content-encoding"), None);
    }
}
