//! The ceiling of the load benchmark: `benches/peers/fastapi_app.py`'s four
//! endpoints as a bare hyper handler, with no WebAssembly and no framework.
//! FasterAPI cannot be faster than this; `make bench` reports ratios to it.
//! `GET /proxy?url=U` calls `U` with hyper's pooled client: the ceiling of
//! a guest calling out (`benches/wasi_http.py`).
//!
//! Usage: `ceiling 127.0.0.1:9000`

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{Value, json};

type HttpResponse = Response<Full<Bytes>>;

fn respond(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> HttpResponse {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn json_response(status: StatusCode, value: Value) -> HttpResponse {
    respond(status, "application/json", value.to_string())
}

fn unprocessable(kind: &str, loc: Value, input: Value) -> HttpResponse {
    json_response(
        StatusCode::UNPROCESSABLE_ENTITY,
        json!({ "detail": [{ "type": kind, "loc": loc, "input": input }] }),
    )
}

async fn handle(request: Request<Incoming>) -> HttpResponse {
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or_default().to_owned();
    match (request.method(), path.as_str()) {
        (&Method::GET, "/plaintext") => respond(StatusCode::OK, "text/plain; charset=utf-8", "Hello, World!"),
        (&Method::GET, "/items") => {
            let mut q = Value::Null;
            let mut limit = json!(10);
            for (key, value) in form_urlencoded::parse(query.as_bytes()) {
                match key.as_ref() {
                    "q" => q = json!(value),
                    "limit" => match value.trim().parse::<i64>() {
                        Ok(n) => limit = json!(n),
                        Err(_) => {
                            return unprocessable("int_parsing", json!(["query", "limit"]), json!(value));
                        }
                    },
                    _ => {}
                }
            }
            json_response(StatusCode::OK, json!({ "q": q, "limit": limit }))
        }
        (&Method::POST, "/items") => {
            let Ok(body) = request.into_body().collect().await else {
                return respond(StatusCode::BAD_REQUEST, "text/plain", "bad body");
            };
            let Ok(item) = serde_json::from_slice::<Value>(&body.to_bytes()) else {
                return unprocessable("json_invalid", json!(["body"]), json!({}));
            };
            match (item.get("name").and_then(Value::as_str), item.get("price").and_then(Value::as_f64)) {
                (Some(name), Some(price)) => {
                    json_response(StatusCode::CREATED, json!({ "id": 1, "name": name, "price": price }))
                }
                _ => unprocessable("missing", json!(["body"]), item),
            }
        }
        (&Method::GET, _) if path.starts_with("/users/") => match path["/users/".len()..].parse::<i64>() {
            Ok(id) => json_response(StatusCode::OK, json!({ "id": id, "name": "Alice" })),
            Err(_) => {
                unprocessable("int_parsing", json!(["path", "user_id"]), json!(&path["/users/".len()..]))
            }
        },
        (&Method::GET, "/proxy") => proxy(&query).await,
        _ => json_response(StatusCode::NOT_FOUND, json!({ "detail": "Not Found" })),
    }
}

/// One pooled client for outbound calls, as a native service would keep.
static CLIENT: std::sync::LazyLock<Client<HttpConnector, Empty<Bytes>>> =
    std::sync::LazyLock::new(|| Client::builder(TokioExecutor::new()).build_http());

/// `GET /proxy?url=U`: calls `U` and answers its status and body as JSON,
/// what the outbound benchmark's guest does through `wasi:http`.
async fn proxy(query: &str) -> HttpResponse {
    let url = form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "url").map(|(_, v)| v.into_owned());
    let Some(Ok(uri)) = url.map(|u| u.parse::<hyper::Uri>()) else {
        return respond(StatusCode::BAD_REQUEST, "text/plain", "need ?url=");
    };
    match CLIENT.get(uri).await {
        Ok(answer) => {
            let status = answer.status().as_u16();
            let body = answer.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
            json_response(StatusCode::OK, json!({ "status": status, "body": String::from_utf8_lossy(&body) }))
        }
        Err(err) => json_response(StatusCode::OK, json!({ "error": err.to_string() })),
    }
}

#[tokio::main]
async fn main() {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:9000".into());
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind the address");
    eprintln!("ceiling listening on http://{addr}");
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let service = service_fn(|request| async { Ok::<_, Infallible>(handle(request).await) });
            let _ = http1::Builder::new()
                .pipeline_flush(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
