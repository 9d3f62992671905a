//! A standard `wasi:http` server component built with `wstd` (no
//! FasterAPI SDK): what a team brings from Spin or `wasmtime serve`. The
//! e2e tests mount it under FasterAPI and check its answers and limits.
use std::pin::Pin;
use std::task::{Context, Poll};

use wstd::http::body::{Bytes, Frame, HttpBody, SizeHint};
use wstd::http::{Body, Client, Error, Method, Request, Response, StatusCode};

#[wstd::http_server]
async fn main(req: Request<Body>) -> Result<Response<Body>, Error> {
    let path = req.uri().path().to_owned();
    match (req.method().clone(), path.as_str()) {
        (Method::GET, "/") | (Method::GET, "/hello") => Ok(text(StatusCode::OK, "hello from wstd")),
        (Method::POST, "/echo") => Ok(echo(req)),
        (Method::GET, "/big") => Ok(big(&req)),
        (Method::GET, "/headers") => Ok(headers(&req)),
        (Method::GET, "/fetch") => Ok(fetch(&req).await),
        (Method::GET, "/spin") => spin(),
        (Method::GET, "/alloc") => Ok(alloc(&req)),
        _ => Ok(text(StatusCode::NOT_FOUND, "not found\n")),
    }
}

fn text(status: StatusCode, s: impl Into<String>) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "text/plain")
        .body(Body::from(s.into()))
        .unwrap()
}

/// Value of query parameter `key` (percent-decoded), if present.
fn query_param(req: &Request<Body>, key: &str) -> Option<String> {
    req.uri().query()?.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        (k == key).then(|| percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h << 4) | l);
            i += 3;
            continue;
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// POST /echo: hand the incoming body straight to the response. wstd sends an
/// un-buffered incoming body with `splice` from the incoming stream into the
/// outgoing stream (chunk by chunk, as the host delivers it), then forwards
/// the trailers.
fn echo(req: Request<Body>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let mut resp = Response::builder().status(StatusCode::OK);
    if let Some(ct) = parts.headers.get("content-type") {
        resp = resp.header("content-type", ct.clone());
    }
    resp.body(body).unwrap()
}

/// GET /big?bytes=N: N bytes of 'x', produced lazily in 64 KiB frames.
const CHUNK: usize = 64 * 1024;

struct XBody {
    remaining: u64,
    chunk: Bytes, // one shared 64 KiB buffer; frames are cheap refcounted slices
}

impl HttpBody for XBody {
    type Data = Bytes;
    type Error = Error;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        let n = self.remaining.min(CHUNK as u64) as usize;
        self.remaining -= n as u64;
        Poll::Ready(Some(Ok(Frame::data(self.chunk.slice(..n)))))
    }
    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }
    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

fn big(req: &Request<Body>) -> Response<Body> {
    let n = match query_param(req, "bytes").map(|v| v.parse::<u64>()) {
        Some(Ok(n)) => n,
        _ => return text(StatusCode::BAD_REQUEST, "need ?bytes=N\n"),
    };
    let body = XBody {
        remaining: n,
        chunk: Bytes::from(vec![b'x'; CHUNK]),
    };
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/octet-stream")
        .body(Body::from_http_body(body))
        .unwrap()
}

/// GET /headers: the Spin routing headers plus the path+query the handler saw.
fn headers(req: &Request<Body>) -> Response<Body> {
    let mut s = String::from("{\n");
    for name in [
        "spin-full-url",
        "spin-path-info",
        "spin-matched-route",
        "spin-base-path",
    ] {
        match req.headers().get(name) {
            Some(v) => {
                s += &format!(
                    "  {:?}: {:?},\n",
                    name,
                    String::from_utf8_lossy(v.as_bytes())
                )
            }
            None => s += &format!("  {name:?}: null,\n"),
        }
    }
    let pq = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("");
    s += &format!("  \"path_with_query\": {pq:?},\n");
    s += &format!("  \"uri\": {:?}\n}}\n", req.uri().to_string());
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .body(Body::from(s))
        .unwrap()
}

/// GET /fetch?url=U: outbound GET via wasi:http/outgoing-handler; relay the
/// upstream status, content-type and (streamed) body. Client error -> 502.
async fn fetch(req: &Request<Body>) -> Response<Body> {
    let Some(url) = query_param(req, "url") else {
        return text(StatusCode::BAD_REQUEST, "need ?url=U\n");
    };
    let out = match Request::get(url.as_str()).body(Body::empty()) {
        Ok(r) => r,
        Err(e) => return text(StatusCode::BAD_REQUEST, format!("bad url {url:?}: {e}\n")),
    };
    match Client::new().send(out).await {
        Ok(upstream) => {
            let (parts, body) = upstream.into_parts();
            let mut resp = Response::builder().status(parts.status);
            if let Some(ct) = parts.headers.get("content-type") {
                resp = resp.header("content-type", ct.clone());
            }
            resp.body(body).unwrap()
        }
        Err(e) => text(StatusCode::BAD_GATEWAY, format!("{e:#}\n")),
    }
}

/// GET /spin: never returns (for host timeout / epoch-interruption tests).
fn spin() -> ! {
    let mut i: u64 = 0;
    loop {
        i = std::hint::black_box(i.wrapping_add(1));
    }
}

/// GET /alloc: allocates 1 MiB chunks, kept, until the host refuses
/// memory (an allocation failure aborts: a trap).
fn alloc(_req: &Request<Body>) -> Response<Body> {
    let mut kept: Vec<Vec<u8>> = Vec::new();
    loop {
        kept.push(std::hint::black_box(vec![1u8; 1 << 20]));
        if kept.len() == usize::MAX {
            break;
        }
    }
    text(StatusCode::OK, format!("{} MiB", kept.len()))
}
