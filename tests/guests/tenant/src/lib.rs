//! A test guest for multi-tenant hosting: host capabilities (kv, config),
//! and the ways a hostile guest can try to hurt the host.

use std::hint::black_box;

use fasterapi::{HttpError, Json, Response, get, kv, post, put};
use serde_json::{Value, json};

#[get("/ok")]
fn ok() -> &'static str {
    "ok"
}

/// Counts the requests this instance has served: always 1 with a fresh
/// instance per request, more when instances are reused.
#[get("/counter")]
fn counter() -> String {
    static SERVED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    (SERVED.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1).to_string()
}

#[get("/config/{key}")]
fn config(key: String) -> Json<Value> {
    Json(json!({ "key": key, "value": fasterapi::config::get(&key), "all": fasterapi::config::all().len() }))
}

#[put("/kv/{key}")]
fn kv_set(key: String, value: String) -> Result<&'static str, HttpError> {
    kv::set(&key, value.as_bytes())?;
    Ok("stored")
}

#[get("/kv/{key}")]
fn kv_get(key: String) -> Result<Json<Value>, HttpError> {
    let value = kv::get(&key)?.map(|v| String::from_utf8_lossy(&v).into_owned());
    Ok(Json(json!({ "key": key, "value": value })))
}

#[get("/kv")]
fn kv_list(#[default(String::new())] prefix: String) -> Result<Json<Vec<String>>, HttpError> {
    Ok(Json(kv::list(&prefix)?))
}

/// Reports the kv error instead of mapping it, to check its kind.
#[get("/kv-error")]
fn kv_error() -> Json<Value> {
    match kv::get("anything") {
        Ok(_) => Json(json!({ "error": null })),
        Err(kv::Error::Denied(reason)) => Json(json!({ "error": "denied", "reason": reason })),
        Err(other) => Json(json!({ "error": format!("{other:?}") })),
    }
}

#[get("/sleep")]
fn sleep(ms: i64) -> String {
    std::thread::sleep(std::time::Duration::from_millis(ms.clamp(0, 10_000) as u64));
    format!("slept {ms} ms")
}

#[get("/loop")]
fn infinite_loop() -> &'static str {
    let mut i: u64 = 0;
    loop {
        i = black_box(i.wrapping_add(1));
    }
}

#[get("/bomb")]
fn memory_bomb() -> String {
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    loop {
        hoard.push(vec![1u8; 1 << 20]);
        black_box(&hoard);
    }
}

#[inline(never)]
fn recurse(depth: u64) -> u64 {
    let mut frame = [0u8; 256];
    frame[(depth % 256) as usize] = 1;
    black_box(&mut frame);
    recurse(depth + 1) + frame[0] as u64
}

#[get("/recurse")]
fn recursion() -> String {
    recurse(0).to_string()
}

#[get("/huge")]
fn huge(#[default(100)] mb: i64) -> Response {
    Response::new(200).with_body(vec![b'x'; (mb.max(0) as usize) << 20])
}

/// An answer with `n` headers (a hostile guest tries to exhaust the host's
/// header map).
#[get("/headers")]
fn headers(n: i64) -> Response {
    let mut response = Response::new(200);
    for i in 0..n.clamp(0, 100_000) {
        response = response.header(&format!("x-h{i}"), "v");
    }
    response
}

/// An answer with any status, even one HTTP cannot send as a final answer.
#[get("/status")]
fn status(code: i64) -> Response {
    Response::new(code.clamp(0, 65_535) as u16)
}

/// Tries to forge a host log line and to drive the operator's terminal.
#[get("/log-forge")]
fn log_forge() -> &'static str {
    fasterapi::log::info(
        "hello\n2026-01-01T00:00:00Z  INFO fasterapi_host::admin: FORGED admin token accepted\x1b[2J\x07",
        &[("key\nFORGED-KEY", "value\nFORGED-VALUE")],
    );
    "logged"
}

/// Writes `lines` log lines of 1 KiB each.
#[get("/log-flood")]
fn log_flood(lines: i64) -> &'static str {
    let line = "x".repeat(1024);
    for _ in 0..lines.clamp(0, 1_000_000) {
        fasterapi::log::info(&line, &[]);
    }
    "flooded"
}

/// Creates `n` pollables and keeps them: host memory, if nothing bounds it.
#[get("/pollables")]
fn pollables(n: i64) -> String {
    let kept: Vec<_> = (0..n.clamp(0, 1_000_000))
        .map(|_| wasi::clocks::monotonic_clock::subscribe_duration(1_000_000_000))
        .collect();
    format!("kept {}", kept.len())
}

/// Counts the tags of a JSON list: a body of many wrong items must get a
/// 422 built within the guest's memory.
#[post("/tags")]
fn tags(Json(tags): Json<Vec<String>>) -> String {
    tags.len().to_string()
}

/// What the sandbox lets a guest see of the machine: no environment, no
/// arguments, no files, no sockets (not even to the host's own `port`).
#[get("/sandbox")]
fn sandbox(port: i64) -> Json<Value> {
    let connect = std::net::TcpStream::connect(("127.0.0.1", port as u16)).map_err(|e| e.to_string());
    Json(json!({
        "env": std::env::vars_os().count(),
        "args": std::env::args_os().count(),
        "root": std::fs::read_dir("/").is_ok(),
        "cwd": std::fs::metadata(".").is_ok(),
        "tcp": connect.err(),
        "time": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).is_ok(),
    }))
}

/// Calls `url` with the SDK's client: its status and body, or the error.
#[get("/fetch")]
fn fetch(url: String) -> Json<Value> {
    match fasterapi::http::Request::get(&url).header("x-from", "tenant").send() {
        Ok(answer) => Json(json!({ "status": answer.status, "body": answer.text() })),
        Err(err) => Json(json!({ "error": err.to_string(), "denied": matches!(err, fasterapi::http::Error::Denied(_)) })),
    }
}

fasterapi::app!(
    fetch,
    ok,
    counter,
    config,
    kv_set,
    kv_get,
    kv_list,
    kv_error,
    sleep,
    infinite_loop,
    memory_bomb,
    recursion,
    huge,
    headers,
    status,
    log_forge,
    log_flood,
    pollables,
    tags,
    sandbox,
);
