//! Small HTTP pieces every listener of the host shares: what a handler is,
//! the response type and its helpers (FastAPI's `{"detail": ...}` errors), and reading a
//! request body under a size limit.

use std::future::Future;

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Body, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Request, Response, StatusCode};

/// The response type of every handler of the host.
pub type HttpResponse = Response<ResponseBody>;

/// A response body: complete, or streamed from a guest chunk by chunk.
pub struct ResponseBody(BodyKind);

impl std::fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            BodyKind::Full(full) => f.debug_tuple("ResponseBody::Full").field(full).finish(),
            BodyKind::Stream(_) => f.write_str("ResponseBody::Stream"),
            BodyKind::Boxed(_) => f.write_str("ResponseBody::Boxed"),
        }
    }
}

enum BodyKind {
    Full(Full<Bytes>),
    /// Chunks as the guest gives them; an `Err` aborts the connection, so
    /// the client sees a cut answer, not a complete one.
    Stream(tokio::sync::mpsc::Receiver<Result<Bytes, StreamAborted>>),
    /// A body streamed by a `wasi:http` component; an `Err` aborts too.
    Boxed(UnsyncBoxBody<Bytes, StreamAborted>),
}

/// Why a streamed body stopped before its end (logged where it happened).
#[derive(Debug, thiserror::Error)]
#[error("the streamed answer was cut: {0}")]
pub struct StreamAborted(pub String);

impl ResponseBody {
    /// A complete body.
    pub fn full(bytes: impl Into<Bytes>) -> Self {
        ResponseBody(BodyKind::Full(Full::new(bytes.into())))
    }

    /// A body whose chunks arrive on `chunks`.
    pub fn stream(chunks: tokio::sync::mpsc::Receiver<Result<Bytes, StreamAborted>>) -> Self {
        ResponseBody(BodyKind::Stream(chunks))
    }

    /// Any body that streams, as it streams.
    pub fn boxed<B>(body: B) -> Self
    where
        B: Body<Data = Bytes, Error = StreamAborted> + Send + 'static,
    {
        ResponseBody(BodyKind::Boxed(body.boxed_unsync()))
    }

    /// Whether the body is streamed (middleware that needs it whole leaves it alone).
    pub fn is_stream(&self) -> bool {
        !matches!(self.0, BodyKind::Full(_))
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = StreamAborted;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, StreamAborted>>> {
        match &mut self.get_mut().0 {
            BodyKind::Full(full) => std::pin::Pin::new(full).poll_frame(cx).map_err(|never| match never {}),
            BodyKind::Stream(chunks) => {
                chunks.poll_recv(cx).map(|chunk| chunk.map(|c| c.map(hyper::body::Frame::data)))
            }
            BodyKind::Boxed(body) => std::pin::Pin::new(body).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.0 {
            BodyKind::Full(full) => full.is_end_stream(),
            BodyKind::Stream(_) => false,
            BodyKind::Boxed(body) => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        match &self.0 {
            BodyKind::Full(full) => full.size_hint(),
            BodyKind::Stream(_) => hyper::body::SizeHint::default(),
            BodyKind::Boxed(body) => body.size_hint(),
        }
    }
}

/// Something that answers the requests of a listener: the app dispatcher,
/// the admin API.
pub trait Handler: Send + Sync + 'static {
    /// Answers one request.
    fn handle(&self, request: Request<Incoming>) -> impl Future<Output = HttpResponse> + Send;
}

/// An answer of `status` with `body` of `media_type`.
pub fn with_media_type(status: StatusCode, body: impl Into<Bytes>, media_type: &'static str) -> HttpResponse {
    let mut response = Response::new(ResponseBody::full(body));
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
    /// The body could not be written where it was to be kept.
    #[error("storing the body failed: {0}")]
    Write(#[source] std::io::Error),
}

impl BodyError {
    /// Its status: 413 or 400.
    pub fn status(&self) -> StatusCode {
        match self {
            BodyError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            BodyError::Read(_) => StatusCode::BAD_REQUEST,
            BodyError::Write(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// FastAPI's answer for it (413 `Request Entity Too Large`, 400 `Bad Request`).
    pub fn response(&self) -> HttpResponse {
        let message = match self {
            BodyError::TooLarge(_) => "Request Entity Too Large",
            BodyError::Read(_) => "Bad Request",
            BodyError::Write(_) => "Internal Server Error",
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

/// Streams a body of at most `max` bytes into a new file at `path`,
/// without holding it in memory (a component upload); the file is removed
/// if the body is refused.
pub async fn save_limited<B>(mut body: B, max: usize, path: &std::path::Path) -> Result<u64, BodyError>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    use tokio::io::AsyncWriteExt;
    if body.size_hint().lower() > max as u64 {
        return Err(BodyError::TooLarge(max));
    }
    let mut file = tokio::fs::File::create(path).await.map_err(BodyError::Write)?;
    let mut written: u64 = 0;
    let result = async {
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|err| BodyError::Read(err.to_string()))?;
            let Ok(data) = frame.into_data() else { continue };
            written += data.len() as u64;
            if written > max as u64 {
                return Err(BodyError::TooLarge(max));
            }
            file.write_all(&data).await.map_err(BodyError::Write)?;
        }
        file.flush().await.map_err(BodyError::Write)
    }
    .await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(path).await;
    }
    result.map(|()| written)
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

    #[tokio::test]
    async fn uploads_are_streamed_to_a_file_up_to_the_limit() {
        let path = std::env::temp_dir().join(format!("fasterapi-upload-{}", std::process::id()));
        let body = Full::new(Bytes::from_static(b"\0asm component"));
        assert_eq!(save_limited(body.clone(), 64, &path).await.unwrap(), 14);
        assert_eq!(std::fs::read(&path).unwrap(), b"\0asm component");
        std::fs::remove_file(&path).unwrap();
        assert!(matches!(save_limited(body, 4, &path).await, Err(BodyError::TooLarge(4))));
        assert!(!path.exists(), "a refused upload leaves no file");
    }

    #[test]
    fn errors_are_fastapi_details() {
        let response = detail(StatusCode::NOT_FOUND, "Not Found");
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(BodyError::TooLarge(1).response().status(), StatusCode::PAYLOAD_TOO_LARGE);
    }
}
