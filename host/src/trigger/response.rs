//! The guest's WIT response into HTTP, and the trigger's own answers.

use bytes::Bytes;
use fasterapi_runtime::CallError;
use fasterapi_runtime::bindings::types as wit;
use hyper::header::{
    ALLOW, CONNECTION, CONTENT_LENGTH, DATE, HeaderName, HeaderValue, RETRY_AFTER, TE, TRAILER,
    TRANSFER_ENCODING, UPGRADE,
};
use hyper::{Response, StatusCode};

use crate::http::{HttpResponse, ResponseBody, detail};
use crate::metrics::AppMetrics;

/// The most headers a guest's answer may carry (a `HeaderMap` holds at
/// most 32,768; real answers have a few dozen).
pub(crate) const MAX_RESPONSE_HEADERS: usize = 1000;

/// Headers about the connection and the framing, which belong to the host
/// (as wasmtime-wasi-http forbids them to guests): dropped from an answer.
fn host_owned(name: &HeaderName) -> bool {
    [CONNECTION, CONTENT_LENGTH, DATE, TE, TRAILER, TRANSFER_ENCODING, UPGRADE].contains(name)
        || name == "keep-alive"
        || name == "proxy-connection"
}

/// The guest's answer as HTTP, or why HTTP cannot carry it: a status
/// outside 200–599 (the host speaks no informational or upgrade answers), a
/// bad header, more than [`MAX_RESPONSE_HEADERS`] headers, or headers and
/// body over `max_size` bytes (the app's `max_response`).
pub(crate) fn from_guest(response: wit::Response, max_size: usize) -> Result<HttpResponse, String> {
    if !(200..=599).contains(&response.status) {
        return Err(format!("status {} is not a final HTTP status (200-599)", response.status));
    }
    if response.headers.len() > MAX_RESPONSE_HEADERS {
        let count = response.headers.len();
        return Err(format!("{count} headers are over the limit of {MAX_RESPONSE_HEADERS}"));
    }
    let header_bytes: usize = response.headers.iter().map(|h| h.name.len() + h.value.len()).sum();
    let len = response.body.len().saturating_add(header_bytes);
    if len > max_size {
        return Err(format!(
            "an answer of {len} bytes (headers and body) is over the app's max_response of {max_size}"
        ));
    }
    let status = StatusCode::from_u16(response.status)
        .map_err(|_| format!("status {} is not a valid HTTP status", response.status))?;
    let mut http = Response::new(ResponseBody::full(response.body));
    *http.status_mut() = status;
    let headers = http.headers_mut();
    for header in response.headers {
        let name = HeaderName::from_bytes(header.name.as_bytes())
            .map_err(|_| format!("invalid header name {:?}", header.name))?;
        if host_owned(&name) {
            continue;
        }
        let value =
            HeaderValue::from_bytes(&header.value).map_err(|_| format!("invalid value for header {name}"))?;
        headers.append(name, value);
    }
    Ok(http)
}

/// The `detail` list of a guest's 422 body; empty if it has none.
pub(crate) fn detail_list(body: &[u8]) -> Vec<serde_json::Value> {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|mut value| value.get_mut("detail").map(serde_json::Value::take))
        .and_then(|detail| match detail {
            serde_json::Value::Array(errors) => Some(errors),
            _ => None,
        })
        .unwrap_or_default()
}

/// A 503 asking the client to retry in a second: the app is at its
/// concurrency limit, or no instance could be had.
pub(crate) fn unavailable() -> HttpResponse {
    let mut response = detail(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable");
    response.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// A 408 for a body that did not arrive in time; the connection is closed.
pub(crate) fn body_timeout() -> HttpResponse {
    let mut response = detail(StatusCode::REQUEST_TIMEOUT, "Request Timeout");
    response.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
    response
}

/// A 405 listing the path's methods in `Allow`.
pub(crate) fn method_not_allowed(allow: &str) -> HttpResponse {
    let mut response = detail(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed");
    if let Ok(value) = HeaderValue::from_str(allow) {
        response.headers_mut().insert(ALLOW, value);
    }
    response
}

/// An answer the host made, as the guest's `wrap` takes it (the body read
/// whole: the host's own answers are small and complete).
pub(crate) async fn to_guest(response: HttpResponse) -> wit::Response {
    let (parts, body) = response.into_parts();
    let body =
        http_body_util::BodyExt::collect(body).await.map(|c| c.to_bytes().to_vec()).unwrap_or_default();
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| wit::Header { name: name.as_str().to_owned(), value: value.as_bytes().to_vec() })
        .collect();
    wit::Response { status: parts.status.as_u16(), headers, body, background: false, stream: false }
}

/// Starlette's `redirect_slashes`: a 307 to the same URL with the trailing
/// slash of its path toggled (absolute when the request names its host).
pub(crate) fn redirect_slash(uri: &hyper::Uri, host: Option<&str>) -> HttpResponse {
    let path = uri.path();
    let toggled = match path.strip_suffix('/') {
        Some(without) => without.to_owned(),
        None => format!("{path}/"),
    };
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    let location = match host {
        Some(host) => format!("http://{host}{toggled}{query}"),
        None => format!("{toggled}{query}"),
    };
    let mut response = Response::new(ResponseBody::full(Bytes::new()));
    *response.status_mut() = StatusCode::TEMPORARY_REDIRECT;
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(hyper::header::LOCATION, value);
    }
    response
}

/// Why the app failed a request, in its own words: the error lines it
/// logged (a Python handler's exception with its traceback) or its trap and
/// stderr. Rides in the response's extensions, which never reach the wire,
/// for an in-process test client to raise with.
#[derive(Debug, Clone)]
pub struct GuestError(pub String);

/// Attaches what the guest logged as errors to its answer.
pub(crate) fn with_errors(mut response: HttpResponse, errors: Vec<String>) -> HttpResponse {
    if !errors.is_empty() {
        response.extensions_mut().insert(GuestError(errors.join("\n")));
    }
    response
}

/// The answer to a call into a guest that failed: 500 for a trap, 504 for
/// a timeout, 503 when no instance could be had; counted and logged.
pub(crate) fn call_failed(app: &str, metrics: &AppMetrics, handler: &str, err: CallError) -> HttpResponse {
    match err {
        CallError::Trap { trap, stderr } => {
            metrics.trap();
            tracing::error!(%app, %handler, %stderr, "guest trapped: {trap}");
            let mut response = detail(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
            let why = if stderr.is_empty() { trap } else { format!("{trap}\n{stderr}") };
            response.extensions_mut().insert(GuestError(format!("guest trapped: {why}")));
            response
        }
        err @ CallError::Timeout(_) => {
            metrics.timeout();
            tracing::warn!(%app, %handler, "{err}");
            detail(StatusCode::GATEWAY_TIMEOUT, "Gateway Timeout")
        }
        err @ CallError::Instantiate(_) => {
            tracing::error!(%app, %handler, "{err}");
            unavailable()
        }
    }
}

/// Counts a failure past the answer (a stream's, background work's) as a request's.
pub(crate) fn count_failure(metrics: &AppMetrics, err: &CallError) {
    match err {
        CallError::Trap { .. } => metrics.trap(),
        CallError::Timeout(_) => metrics.timeout(),
        CallError::Instantiate(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, headers: &[(&str, &[u8])], body: &[u8]) -> wit::Response {
        wit::Response {
            status,
            headers: headers
                .iter()
                .map(|(name, value)| wit::Header { name: (*name).into(), value: value.to_vec() })
                .collect(),
            body: body.to_vec(),
            background: false,
            stream: false,
        }
    }

    #[test]
    fn guest_answers_that_http_cannot_carry_are_refused() {
        let ok = from_guest(response(201, &[("x-a", b"1"), ("content-length", b"99")], b"hi"), 99).unwrap();
        assert_eq!(ok.status(), StatusCode::CREATED);
        assert_eq!(ok.headers()["x-a"], "1");
        assert!(ok.headers().get(CONTENT_LENGTH).is_none());
        assert!(from_guest(response(1000, &[], b""), 10).is_err());
        assert!(from_guest(response(101, &[], b""), 10).is_err());
        assert!(from_guest(response(199, &[], b""), 10).is_err());
        let hop = from_guest(
            response(200, &[("connection", b"close"), ("upgrade", b"h2c"), ("date", b"x")], b""),
            99,
        )
        .unwrap();
        assert!(hop.headers().is_empty());
        let many: Vec<(&str, &[u8])> = vec![("x-a", b"1"); MAX_RESPONSE_HEADERS + 1];
        assert!(from_guest(response(200, &many, b""), 1 << 20).unwrap_err().contains("headers are over"));
        assert!(from_guest(response(200, &[("x-big", &[b'v'; 100])], b""), 50).is_err());
        assert!(from_guest(response(200, &[("bad name", b"1")], b""), 10).is_err());
        assert!(from_guest(response(200, &[], b"too long"), 4).is_err());
    }

    #[test]
    fn a_guest_422_gives_its_detail_list() {
        assert_eq!(detail_list(br#"{"detail":[{"type":"missing"}]}"#).len(), 1);
        assert!(detail_list(b"not json").is_empty());
    }

    proptest::proptest! {
        #[test]
        fn any_guest_answer_is_converted_or_refused_without_panic(
            status in 0u16..=u16::MAX,
            headers in proptest::collection::vec(("\\PC{0,12}", proptest::collection::vec(0u8..=255, 0..16)), 0..20),
            body in proptest::collection::vec(0u8..=255, 0..64),
        ) {
            let headers: Vec<(&str, &[u8])> = headers.iter().map(|(n, v)| (n.as_str(), v.as_slice())).collect();
            if let Ok(answer) = from_guest(response(status, &headers, &body), 1 << 20) {
                proptest::prop_assert!((200..=599).contains(&answer.status().as_u16()));
            }
        }
    }
}
