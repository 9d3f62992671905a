//! Calling other services over HTTP (`wasi:http/outgoing-handler`).
//!
//! The host denies every call unless the app's manifest entry grants the
//! destination (`allowed_outbound_hosts`); a denied call is an
//! [`Error::Denied`], never a trap. Redirects are answers like any other:
//! they are not followed.
//!
//! ```ignore
//! use fasterapi::http;
//!
//! let answer = http::get("https://api.example.com/users/1")?;
//! let user: serde_json::Value = answer.error_for_status()?.json()?;
//!
//! let created = http::Request::post("https://api.example.com/users")
//!     .header("authorization", "Bearer abc")
//!     .json(&serde_json::json!({ "name": "Alice" }))
//!     .timeout(std::time::Duration::from_secs(2))
//!     .send()?;
//! ```

use std::time::Duration;

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The URL cannot be called (not absolute `http://` or `https://`).
    InvalidUrl(String),
    /// The app is not granted this destination (`allowed_outbound_hosts`),
    /// or the destination is one the host keeps private.
    Denied(String),
    /// The connection or the answer took longer than allowed.
    Timeout(String),
    /// The call failed on the way (DNS, connection, TLS, a limit).
    Failed(String),
    /// The answer's status was 4xx or 5xx ([`Response::error_for_status`]).
    Status(u16),
    /// The answer's body is not the JSON asked for.
    Json(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::InvalidUrl(url) => write!(f, "not an http(s) URL: {url}"),
            Error::Denied(why) => write!(f, "outbound request denied: {why}"),
            Error::Timeout(why) => write!(f, "outbound request timed out: {why}"),
            Error::Failed(why) => write!(f, "outbound request failed: {why}"),
            Error::Status(status) => write!(f, "the answer's status is {status}"),
            Error::Json(why) => write!(f, "the answer is not the JSON expected: {why}"),
        }
    }
}

impl std::error::Error for Error {}

/// A failed call answers 502 Bad Gateway with the reason as its detail, so
/// that a handler can use `?` on a call.
impl From<Error> for crate::HttpError {
    fn from(err: Error) -> crate::HttpError {
        crate::HttpError::new(502, err.to_string())
    }
}

/// An answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Its status code.
    pub status: u16,
    /// Its headers, names in lower case, in order.
    pub headers: Vec<(String, Vec<u8>)>,
    /// Its whole body.
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of header `name` (any case), as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        let value = self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name))?;
        std::str::from_utf8(&value.1).ok()
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON into `T`.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|err| Error::Json(err.to_string()))
    }

    /// `Err(Error::Status)` for a 4xx or 5xx answer, as `requests`'
    /// `raise_for_status`.
    pub fn error_for_status(self) -> Result<Response, Error> {
        match self.status {
            400..=599 => Err(Error::Status(self.status)),
            _ => Ok(self),
        }
    }
}

/// A call to make: method, URL, headers, body, timeout.
#[derive(Debug, Clone)]
pub struct Request {
    method: String,
    url: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    timeout: Option<Duration>,
}

/// `GET url`.
pub fn get(url: &str) -> Result<Response, Error> {
    Request::get(url).send()
}

impl Request {
    /// A call of `method` (`"GET"`, `"POST"`, ...) to `url`.
    pub fn new(method: &str, url: &str) -> Request {
        Request {
            method: method.to_ascii_uppercase(),
            url: url.to_owned(),
            headers: Vec::new(),
            body: Vec::new(),
            timeout: None,
        }
    }

    /// `GET url`.
    pub fn get(url: &str) -> Request {
        Request::new("GET", url)
    }

    /// `POST url`.
    pub fn post(url: &str) -> Request {
        Request::new("POST", url)
    }

    /// `PUT url`.
    pub fn put(url: &str) -> Request {
        Request::new("PUT", url)
    }

    /// `DELETE url`.
    pub fn delete(url: &str) -> Request {
        Request::new("DELETE", url)
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Request {
        self.headers.push((name.to_ascii_lowercase(), value.as_ref().to_vec()));
        self
    }

    /// The body, as bytes.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Request {
        self.body = body.into();
        self
    }

    /// The body, `value` as JSON (with its content type).
    pub fn json<T: serde::Serialize>(self, value: &T) -> Request {
        let body = serde_json::to_vec(value).unwrap_or_default();
        self.header("content-type", "application/json").body(body)
    }

    /// How long the connection may take to open, and the answer to begin
    /// (the host's limits and the request's own deadline still apply).
    pub fn timeout(mut self, timeout: Duration) -> Request {
        self.timeout = Some(timeout);
        self
    }

    /// Makes the call and reads the whole answer.
    pub fn send(self) -> Result<Response, Error> {
        let url = Url::parse(&self.url)?;
        send(&self, url)
    }
}

/// An absolute URL split as `wasi:http` takes it.
#[derive(Debug, PartialEq, Eq)]
struct Url<'a> {
    https: bool,
    authority: &'a str,
    path_with_query: &'a str,
}

impl<'a> Url<'a> {
    fn parse(url: &'a str) -> Result<Url<'a>, Error> {
        let invalid = || Error::InvalidUrl(url.to_owned());
        let (https, rest) = match url.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") => (true, rest),
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => (false, rest),
            _ => return Err(invalid()),
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        if authority.is_empty() || authority.contains('@') {
            return Err(invalid());
        }
        let tail = tail.split('#').next().unwrap_or_default();
        let path_with_query = if tail.is_empty() { "/" } else { tail };
        Ok(Url { https, authority, path_with_query })
    }
}

#[cfg(target_arch = "wasm32")]
fn send(request: &Request, url: Url<'_>) -> Result<Response, Error> {
    use wasip2::http::outgoing_handler;
    use wasip2::http::types::{Fields, Method, OutgoingBody, OutgoingRequest, RequestOptions, Scheme};

    let mut headers = request.headers.clone();
    if !request.body.is_empty() && !headers.iter().any(|(name, _)| name == "content-length") {
        headers.push(("content-length".into(), request.body.len().to_string().into_bytes()));
    }
    let headers = Fields::from_list(&headers).map_err(|err| Error::Failed(format!("bad header: {err:?}")))?;
    let outgoing = OutgoingRequest::new(headers);
    let method = match request.method.as_str() {
        "GET" => Method::Get,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "DELETE" => Method::Delete,
        "PATCH" => Method::Patch,
        "HEAD" => Method::Head,
        "OPTIONS" => Method::Options,
        other => Method::Other(other.to_owned()),
    };
    let scheme = if url.https { Scheme::Https } else { Scheme::Http };
    let set = outgoing
        .set_method(&method)
        .and(outgoing.set_scheme(Some(&scheme)))
        .and(outgoing.set_authority(Some(url.authority)))
        .and(outgoing.set_path_with_query(Some(url.path_with_query)));
    set.map_err(|()| Error::InvalidUrl(request.url.clone()))?;
    let options = RequestOptions::new();
    if let Some(timeout) = request.timeout {
        let nanos = u64::try_from(timeout.as_nanos()).unwrap_or(u64::MAX);
        let _ = options.set_connect_timeout(Some(nanos));
        let _ = options.set_first_byte_timeout(Some(nanos));
    }
    let body = outgoing.body().map_err(|()| Error::Failed("the request body was taken".into()))?;
    let pending =
        outgoing_handler::handle(outgoing, Some(options)).map_err(|code| error(code, &request.url))?;
    {
        let stream = body.write().map_err(|()| Error::Failed("the request body was taken".into()))?;
        for chunk in request.body.chunks(4096) {
            stream
                .blocking_write_and_flush(chunk)
                .map_err(|err| Error::Failed(format!("sending the body: {err:?}")))?;
        }
    }
    OutgoingBody::finish(body, None).map_err(|code| error(code, &request.url))?;
    pending.subscribe().block();
    let answer = match pending.get() {
        Some(Ok(Ok(answer))) => answer,
        Some(Ok(Err(code))) => return Err(error(code, &request.url)),
        Some(Err(())) | None => return Err(Error::Failed("the answer was already taken".into())),
    };
    let status = answer.status();
    let headers = answer.headers().entries();
    let body = answer.consume().map_err(|()| Error::Failed("the answer's body was taken".into()))?;
    let mut bytes = Vec::new();
    {
        let stream = body.stream().map_err(|()| Error::Failed("the answer's body was taken".into()))?;
        loop {
            match stream.blocking_read(64 << 10) {
                Ok(chunk) => bytes.extend_from_slice(&chunk),
                Err(wasip2::io::streams::StreamError::Closed) => break,
                Err(wasip2::io::streams::StreamError::LastOperationFailed(err)) => {
                    let code = wasip2::http::types::http_error_code(&err);
                    return Err(match code {
                        Some(code) => error(code, &request.url),
                        None => Error::Failed(err.to_debug_string()),
                    });
                }
            }
        }
    }
    let _trailers = wasip2::http::types::IncomingBody::finish(body);
    Ok(Response { status, headers, body: bytes })
}

#[cfg(target_arch = "wasm32")]
fn error(code: wasip2::http::types::ErrorCode, url: &str) -> Error {
    use wasip2::http::types::ErrorCode;
    let text = format!("{url}: {code:?}");
    match code {
        ErrorCode::HttpRequestDenied | ErrorCode::DestinationIpProhibited => Error::Denied(text),
        ErrorCode::ConnectionTimeout
        | ErrorCode::ConnectionReadTimeout
        | ErrorCode::ConnectionWriteTimeout
        | ErrorCode::HttpResponseTimeout
        | ErrorCode::DnsTimeout => Error::Timeout(text),
        ErrorCode::HttpRequestUriInvalid => Error::InvalidUrl(url.to_owned()),
        _ => Error::Failed(text),
    }
}

/// Outside a component there is no host to call through.
#[cfg(not(target_arch = "wasm32"))]
fn send(request: &Request, _url: Url<'_>) -> Result<Response, Error> {
    let call = format!("{} {}", request.method, request.url);
    Err(Error::Failed(format!("{call}: outbound calls need the FasterAPI host (a wasm32-wasip2 component)")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_as_wasi_http_takes_them() {
        let url = Url::parse("https://api.example.com:8443/users/1?x=1#top").unwrap();
        assert_eq!(
            url,
            Url { https: true, authority: "api.example.com:8443", path_with_query: "/users/1?x=1" }
        );
        assert_eq!(Url::parse("http://a.test").unwrap().path_with_query, "/");
        assert_eq!(Url::parse("http://a.test?q=1").unwrap().path_with_query, "?q=1");
        for bad in ["ftp://a.test/", "a.test/x", "http:///x", "http://user@a.test/"] {
            assert_eq!(Url::parse(bad), Err(Error::InvalidUrl(bad.into())), "{bad}");
        }
    }

    #[test]
    fn error_statuses_are_errors_on_request() {
        let answer = Response {
            status: 404,
            headers: vec![("content-type".into(), b"text/plain".to_vec())],
            body: b"no".to_vec(),
        };
        assert_eq!(answer.header("Content-Type"), Some("text/plain"));
        assert_eq!(answer.text(), "no");
        assert_eq!(answer.error_for_status(), Err(Error::Status(404)));
    }
}
