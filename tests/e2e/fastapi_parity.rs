//! Side by side with FastAPI: `examples/bench-rust`, `examples/bench-python`
//! and the FastAPI app in
//! `benches/peers/fastapi_app.py` (run by uvicorn) get the same requests
//! and must give the same status, media type and JSON body; for a 422, the
//! same `type`, `loc`, `msg` and `input` of every error.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{Connection, HttpResponse, python, root, serve};

/// uvicorn serving the peer FastAPI app, killed when dropped.
struct Uvicorn {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Uvicorn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_uvicorn() -> Uvicorn {
    let peers = root().join("benches/peers");
    assert!(peers.join("fastapi_app.py").is_file(), "missing {}", peers.display());
    let python = python();
    assert!(python.exists(), "{} not found: run `make venv` (or set FASTERAPI_PYTHON)", python.display());
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(&python)
        .args(["-m", "uvicorn", "fastapi_app:app", "--host", "127.0.0.1", "--log-level", "warning"])
        .args(["--port", &port.to_string()])
        .current_dir(&peers)
        .stdout(Stdio::null())
        .spawn()
        .expect("start uvicorn");
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "uvicorn did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Uvicorn { child, addr }
}

/// Requests covering every endpoint with good and bad input.
fn cases() -> Vec<(&'static str, &'static str, Option<&'static str>, &'static str)> {
    const JSON: Option<&str> = Some("application/json");
    vec![
        ("GET", "/plaintext", None, ""),
        ("GET", "/users/123", None, ""),
        ("GET", "/users/-7", None, ""),
        ("GET", "/users/0", None, ""),
        ("GET", "/users/abc", None, ""),
        ("GET", "/users/1.5", None, ""),
        ("GET", "/users/1.0", None, ""),
        ("GET", "/users/%2042%20", None, ""),
        ("GET", "/users/%31%32", None, ""),
        ("GET", "/users/1_000", None, ""),
        ("GET", "/users/", None, ""),
        ("GET", "/users/1/extra", None, ""),
        ("GET", "/items", None, ""),
        ("GET", "/items?q=abc&limit=3", None, ""),
        ("GET", "/items?q=a+b%20c%26d", None, ""),
        ("GET", "/items?limit=abc", None, ""),
        ("GET", "/items?limit=", None, ""),
        ("GET", "/items?limit=%2B7", None, ""),
        ("GET", "/items?q=&limit=-1", None, ""),
        ("GET", "/items?q=1&q=2&limit=1&limit=2", None, ""),
        ("GET", "/nope", None, ""),
        ("DELETE", "/items", None, ""),
        ("PUT", "/users/1", None, ""),
        ("HEAD", "/users/123", None, ""),
        ("HEAD", "/plaintext", None, ""),
        ("POST", "/items", JSON, r#"{"name":"pen","price":1.5}"#),
        ("POST", "/items", JSON, r#"{"name":"pen","price":2}"#),
        ("POST", "/items", JSON, r#"{"name":"pen","price":"3.5"}"#),
        ("POST", "/items", JSON, r#"{"name":"pen","price":true}"#),
        ("POST", "/items", JSON, r#"{"name":"pen","price":1,"extra":[1]}"#),
        ("POST", "/items", JSON, r#"{"name":5,"price":"x"}"#),
        ("POST", "/items", JSON, r#"{"name":null,"price":null}"#),
        ("POST", "/items", JSON, r#"{"name":"pen"}"#),
        ("POST", "/items", JSON, r#"{}"#),
        ("POST", "/items", JSON, r#"[1,2]"#),
        ("POST", "/items", JSON, r#""text""#),
        ("POST", "/items", JSON, r#"{"name":"#),
        ("POST", "/items", JSON, r#"nope"#),
        ("POST", "/items", JSON, ""),
        ("POST", "/items", None, r#"{"name":"pen","price":1}"#),
        ("POST", "/items", Some("text/plain"), r#"{"name":"pen","price":1}"#),
        ("POST", "/items", Some("application/vnd.api+json"), r#"{"name":"pen","price":1}"#),
    ]
}

fn send(addr: SocketAddr, case: &(&str, &str, Option<&str>, &str)) -> HttpResponse {
    let (method, path, content_type, body) = *case;
    let headers: Vec<(&str, &str)> = content_type.map(|ct| ("content-type", ct)).into_iter().collect();
    Connection::open(addr).send(method, path, &headers, body.as_bytes())
}

/// The parts of an answer that must agree. `Allow` must agree where the
/// path has one method: Starlette names only its first route's methods.
fn comparable(response: &HttpResponse) -> (u16, Option<String>, Option<String>, Value) {
    let body = match response.header("content-type") {
        Some(ct) if ct.starts_with("application/json") && !response.body.is_empty() => response.json(),
        _ => Value::String(response.text()),
    };
    let allow = response.header("allow").map(str::to_owned);
    (response.status, response.header("content-type").map(str::to_owned), allow, body)
}

#[test]
fn bench_rust_answers_as_fastapi_does() {
    assert_same_answers("examples/bench-rust");
}

#[test]
fn bench_python_answers_as_fastapi_does() {
    assert_same_answers("examples/bench-python");
}

fn assert_same_answers(example: &str) {
    let ours = serve(example);
    let fastapi = start_uvicorn();
    let mut mismatches = Vec::new();
    let cases = cases();
    for case in &cases {
        let (mut ours, mut theirs) =
            (comparable(&send(ours.addr, case)), comparable(&send(fastapi.addr, case)));
        if ours.2.as_deref().is_some_and(|methods| methods.contains(',')) {
            (ours.2, theirs.2) = (None, None);
        }
        if ours != theirs {
            mismatches.push(format!("{case:?}\n  fasterapi: {ours:?}\n  fastapi:   {theirs:?}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} differ:\n{}",
        mismatches.len(),
        cases.len(),
        mismatches.join("\n")
    );
}
