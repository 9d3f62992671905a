//! Small HTTP pieces every listener of the host shares: what a handler is,
//! the response type and its helpers (FastAPI's `{"detail": ...}` errors), and reading a
//! request body under a size limit.

use std::future::Future;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Body, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Request, Response, StatusCode};

/// The response type of every handler of the host: bodies are complete.
pub type HttpResponse = Response<Full<Bytes>>;

/// Something that answers the requests of a listener: the app dispatcher,
/// the admin API.
pub trait Handler: Send + Sync + 'static {
    /// Answers one request.
    fn handle(&self, request: Request<Incoming>) -> impl Future<Output = HttpResponse> + Send;
}

/// An answer of `status` with `body` of `media_type`.
pub fn with_media_type(status: StatusCode, body: impl Into<Bytes>, media_type: &'static str) -> HttpResponse {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(media_type));
    response
}

/// A JSON answer.
pub fn json(status: StatusCode, body: impl Into<Bytes>) -> HttpResponse {
    with_media_type(status, body, "application/json")
}

/// FastAPI's `{"detail": "..."}` error answer.
pub fn detail(status: StatusCode, message: &str) -> HttpResponse {
    json(status, serde_json::json!({ "detail": message }).to_string())
}

/// Why a request body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// Longer than allowed (declared or streamed).
    #[error("the body is over the limit of {0} bytes")]
    TooLarge(usize),
    /// The client sent a broken body or went away.
    #[error("reading the body failed: {0}")]
    Read(String),
}

impl BodyError {
    /// Its status: 413 or 400.
    pub fn status(&self) -> StatusCode {
        match self {
            BodyError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            BodyError::Read(_) => StatusCode::BAD_REQUEST,
        }
    }

    /// FastAPI's answer for it (413 `Request Entity Too Large`, 400 `Bad Request`).
    pub fn response(&self) -> HttpResponse {
        let message = match self {
            BodyError::TooLarge(_) => "Request Entity Too Large",
            BodyError::Read(_) => "Bad Request",
        };
        detail(self.status(), message)
    }
}

/// Reads a whole body of at most `max` bytes, refusing one whose declared
/// length is over it before reading a byte.
pub async fn read_limited<B>(body: B, max: usize) -> Result<Bytes, BodyError>
where
    B: Body<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    if body.is_end_stream() {
        return Ok(Bytes::new());
    }
    if body.size_hint().lower() > max as u64 {
        return Err(BodyError::TooLarge(max));
    }
    match Limited::new(body, max).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if err.is::<http_body_util::LengthLimitError>() => Err(BodyError::TooLarge(max)),
        Err(err) => Err(BodyError::Read(err.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bodies_are_read_up_to_the_limit() {
        let body = Full::new(Bytes::from_static(b"hello"));
        assert_eq!(read_limited(body.clone(), 5).await.unwrap(), "hello");
        assert!(matches!(read_limited(body, 4).await, Err(BodyError::TooLarge(4))));
        let empty = Full::new(Bytes::new());
        assert_eq!(read_limited(empty, 0).await.unwrap(), "");
    }

    #[test]
    fn errors_are_fastapi_details() {
        let response = detail(StatusCode::NOT_FOUND, "Not Found");
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(BodyError::TooLarge(1).response().status(), StatusCode::PAYLOAD_TOO_LARGE);
    }
}
