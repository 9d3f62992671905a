//! Responses, and the handler return types that turn into them.

use serde::Serialize;

use crate::Json;
use crate::bindings;

/// A complete HTTP response; returned as is, whatever the route's `status`.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

impl Response {
    /// An empty response with `status`.
    pub fn new(status: u16) -> Self {
        Response { status, headers: Vec::new(), body: Vec::new() }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<Vec<u8>>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    /// Replaces the body.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// `value` as compact JSON (`application/json`), as FastAPI renders it.
    pub fn json<T: Serialize + ?Sized>(status: u16, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => Response::new(status).header("content-type", "application/json").with_body(body),
            Err(err) => Response::internal_error(&format!("cannot serialize the response: {err}")),
        }
    }

    /// Plain text (`text/plain; charset=utf-8`).
    pub fn text(status: u16, text: impl Into<String>) -> Self {
        Response::new(status)
            .header("content-type", "text/plain; charset=utf-8")
            .with_body(text.into().into_bytes())
    }

    /// A 500 `{"detail":"Internal Server Error"}`, logging why.
    pub(crate) fn internal_error(reason: &str) -> Self {
        crate::log::error(reason, &[]);
        Response::json(500, &serde_json::json!({ "detail": "Internal Server Error" }))
    }

    pub(crate) fn into_wit(self) -> bindings::Response {
        bindings::Response {
            status: self.status,
            headers: self
                .headers
                .into_iter()
                .map(|(name, value)| bindings::fasterapi::http::types::Header { name, value })
                .collect(),
            body: self.body,
            background: false,
            stream: false,
        }
    }
}

/// FastAPI's `HTTPException`: answers `{"detail": ...}` with `status`.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpError {
    pub status: u16,
    pub detail: serde_json::Value,
    pub headers: Vec<(String, Vec<u8>)>,
}

impl HttpError {
    /// An error with a detail (a string, or any JSON value).
    pub fn new(status: u16, detail: impl Into<serde_json::Value>) -> Self {
        HttpError { status, detail: detail.into(), headers: Vec::new() }
    }

    /// Adds a header to the error response.
    pub fn header(mut self, name: &str, value: impl Into<Vec<u8>>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }
}

/// What a handler may return. `status` is the route's declared status
/// (`#[post("/items", status = 201)]`, 200 by default); a [`Response`] or an
/// [`HttpError`] carries its own.
pub trait IntoResponse {
    /// The media type of a successful answer, for the OpenAPI document.
    const MEDIA_TYPE: &'static str = "application/json";
    /// Builds the response.
    fn into_response(self, status: u16) -> Response;
}

impl IntoResponse for Response {
    fn into_response(self, _status: u16) -> Response {
        self
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self, status: u16) -> Response {
        Response::json(status, &self.0)
    }
}

impl IntoResponse for String {
    const MEDIA_TYPE: &'static str = "text/plain";
    fn into_response(self, status: u16) -> Response {
        Response::text(status, self)
    }
}

impl IntoResponse for &'static str {
    const MEDIA_TYPE: &'static str = "text/plain";
    fn into_response(self, status: u16) -> Response {
        Response::text(status, self)
    }
}

impl IntoResponse for HttpError {
    fn into_response(self, _status: u16) -> Response {
        let mut response = Response::json(self.status, &serde_json::json!({ "detail": self.detail }));
        response.headers.extend(self.headers);
        response
    }
}

impl<T: IntoResponse, E: IntoResponse> IntoResponse for Result<T, E> {
    const MEDIA_TYPE: &'static str = T::MEDIA_TYPE;
    fn into_response(self, status: u16) -> Response {
        match self {
            Ok(ok) => ok.into_response(status),
            Err(err) => err.into_response(status),
        }
    }
}
