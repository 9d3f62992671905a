//! The guest's WIT response into HTTP, and the trigger's own answers.

use bytes::Bytes;
use fasterapi_runtime::bindings::types as wit;
use http_body_util::Full;
use hyper::header::{ALLOW, CONTENT_LENGTH, HeaderName, HeaderValue, TRANSFER_ENCODING};
use hyper::{Response, StatusCode};

use crate::http::{HttpResponse, detail};

/// The guest's answer as HTTP, or why HTTP cannot carry it (a status out
/// of range, a bad header, a body over `max_body` bytes).
pub(crate) fn from_guest(response: wit::Response, max_body: usize) -> Result<HttpResponse, String> {
    let len = response.body.len();
    if len > max_body {
        return Err(format!("a body of {len} bytes is over the app's max_response of {max_body}"));
    }
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

/// A 405 listing the path's methods in `Allow`.
pub(crate) fn method_not_allowed(allow: &str) -> HttpResponse {
    let mut response = detail(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed");
    if let Ok(value) = HeaderValue::from_str(allow) {
        response.headers_mut().insert(ALLOW, value);
    }
    response
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
        }
    }

    #[test]
    fn guest_answers_that_http_cannot_carry_are_refused() {
        let ok = from_guest(response(201, &[("x-a", b"1"), ("content-length", b"99")], b"hi"), 10).unwrap();
        assert_eq!(ok.status(), StatusCode::CREATED);
        assert_eq!(ok.headers()["x-a"], "1");
        assert!(ok.headers().get(CONTENT_LENGTH).is_none());
        assert!(from_guest(response(1000, &[], b""), 10).is_err());
        assert!(from_guest(response(200, &[("bad name", b"1")], b""), 10).is_err());
        assert!(from_guest(response(200, &[], b"too long"), 4).is_err());
    }

    #[test]
    fn a_guest_422_gives_its_detail_list() {
        assert_eq!(detail_list(br#"{"detail":[{"type":"missing"}]}"#).len(), 1);
        assert!(detail_list(b"not json").is_empty());
    }
}
