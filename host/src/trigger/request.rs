//! HTTP request parts into the WIT request a guest receives.

use std::borrow::Cow;

use bytes::Bytes;
use fasterapi_routes::spec::{Method, RouteSpec};
use fasterapi_runtime::bindings::types as wit;
use fasterapi_runtime::method_to_wit;
use hyper::HeaderMap;
use hyper::header::CONTENT_TYPE;

/// What the guest may be passed of a request its route matched.
pub(crate) struct GuestRequestParts<'a> {
    /// The matched route's index in the app's route table.
    pub index: usize,
    pub method: Method,
    /// The path below the mount, still percent-encoded.
    pub raw_path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: Bytes,
}

impl GuestRequestParts<'_> {
    /// The WIT request for `route` with its parsed `args`. Only what the
    /// route needs is copied into the guest: the path, query, headers and
    /// body of a handler that reads the raw request; the body (and its
    /// content type) of a route with a body; otherwise the arguments alone.
    /// `validate_only` asks the guest to validate the body and answer 422
    /// or nothing (the host found bad parameters); `failed_groups` are the
    /// dependants whose parameters were refused, for a route with them;
    /// `param_errors` the refused parameters' errors (JSON), for an app that
    /// answers validation failures itself.
    pub fn into_wit(
        self,
        route: &RouteSpec,
        args: Vec<wit::ParamValue>,
        validate_only: bool,
        failed_groups: Vec<u32>,
        param_errors: Option<String>,
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
            args,
            body: if raw.is_some() || route.body.is_some() { self.body.into() } else { Vec::new() },
            content_type,
            validate_only,
            failed_groups,
            param_errors,
            raw,
        }
    }
}

pub(crate) fn headers_to_wit(headers: &HeaderMap) -> Vec<wit::Header> {
    headers
        .iter()
        .map(|(name, value)| wit::Header { name: name.as_str().to_owned(), value: value.as_bytes().to_vec() })
        .collect()
}

/// A request's headers as the parameter extractor reads them: decoded as
/// Latin-1, as Starlette does.
pub(crate) struct HeaderText<'h>(pub &'h HeaderMap);

impl<'h> fasterapi_routes::extract::Headers<'h> for HeaderText<'h> {
    fn first(&self, name: &str) -> Option<Cow<'h, str>> {
        self.0.get(name).map(latin_1)
    }
    fn all(&self, name: &str) -> Vec<Cow<'h, str>> {
        self.0.get_all(name).iter().map(latin_1).collect()
    }
    fn entries(&self) -> Vec<(Cow<'h, str>, Cow<'h, str>)> {
        self.0.iter().map(|(name, value)| (Cow::Borrowed(name.as_str()), latin_1(value))).collect()
    }
}

fn latin_1(value: &hyper::header::HeaderValue) -> Cow<'_, str> {
    let bytes = value.as_bytes();
    match std::str::from_utf8(bytes) {
        Ok(text) if text.is_ascii() => text.into(),
        _ => bytes.iter().map(|&b| b as char).collect::<String>().into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fasterapi_routes::extract::Headers;

    #[test]
    fn headers_are_decoded_as_latin_1() {
        let mut headers = HeaderMap::new();
        headers.append("x-a", "plain".parse().unwrap());
        headers.append("x-a", "second".parse().unwrap());
        headers.insert("x-b", hyper::header::HeaderValue::from_bytes(b"caf\xe9").unwrap());
        let text = HeaderText(&headers);
        assert_eq!(text.first("x-a").as_deref(), Some("plain"));
        assert_eq!(text.all("x-a"), ["plain", "second"]);
        assert_eq!(text.first("x-b").as_deref(), Some("café"));
        assert_eq!(text.first("x-c"), None);
    }
}
