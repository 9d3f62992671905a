//! Python guests (componentize-py, built from source in this run) behind the
//! same contract and the same native validation as Rust guests.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::{Server, serve};

#[test]
fn bench_python_serves_the_four_endpoints() {
    let server = serve("examples/bench-python");
    let plain = server.get("/plaintext");
    assert_eq!(plain.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(plain.text(), "Hello, World!");
    assert_eq!(server.get("/users/123").text(), r#"{"id":123,"name":"Alice"}"#);
    assert_eq!(server.get("/items?q=pen").text(), r#"{"q":"pen","limit":10}"#);
    let created = server.post_json("/items", r#"{"name":"pen","price":"2.5"}"#);
    assert_eq!((created.status, created.text()), (201, r#"{"id":1,"name":"pen","price":2.5}"#.to_owned()));
    // Parameters are validated by the host, bodies by the Python SDK.
    assert_eq!(server.get("/users/abc").errors(), [("int_parsing".into(), json!(["path", "user_id"]))]);
    assert_eq!(
        server.post_json("/items", r#"{"price":"x"}"#).errors(),
        [("missing".into(), json!(["body", "name"])), ("float_parsing".into(), json!(["body", "price"]))]
    );
    assert_eq!(server.send("PATCH", "/items", &[], b"").header("allow"), Some("GET, POST"));
}

#[test]
fn hello_python_is_the_smallest_guest() {
    let server = serve("examples/hello-python");
    assert_eq!(server.get("/users/7").text(), r#"{"id":7,"name":"Alice"}"#);
    assert_eq!(server.get("/").status, 404);
}

#[test]
fn a_python_handler_that_raises_is_a_500_for_that_request_only() {
    let server = serve("tests/guests/python-errors");
    let mut connection = server.connect();
    let failed = connection.send("GET", "/boom", &[], b"");
    // As Starlette answers an unhandled exception.
    assert_eq!((failed.status, failed.text()), (500, "Internal Server Error".to_owned()));
    let log = server.wait_for_log("handler boom raised");
    assert!(log.contains("the handler failed on purpose"), "{log}");
    assert_eq!(connection.send("GET", "/ok", &[], b"").text(), r#"{"ok":true}"#);

    let teapot = server.get("/teapot");
    assert_eq!(teapot.status, 418);
    assert_eq!(teapot.header("x-tea"), Some("earl grey"));
    assert_eq!(teapot.json(), json!({"detail": {"reason": "short and stout"}}));

    assert_eq!(server.get("/log").json(), json!("logged"));
    let log = server.wait_for_log("python says hello");
    assert!(log.contains("user=alice"), "{log}");
}

/// Python apps run in warm instances unless the manifest says otherwise (a
/// fresh CPython costs ~0.5 ms); Rust apps get a fresh instance per request.
#[test]
fn each_language_gets_its_measured_default_instance_mode() {
    let python = serve("examples/bench-python");
    assert!(python.log().contains(r#"instances="reuse""#), "{}", python.log());
    let rust = serve("examples/bench-rust");
    assert!(rust.log().contains(r#"instances="per-request""#), "{}", rust.log());
    let forced = crate::support::Server::start_with(
        &crate::support::guest("examples/bench-python"),
        &["--instances", "per-request"],
    );
    assert!(forced.log().contains(r#"instances="per-request""#), "{}", forced.log());
    assert_eq!(forced.get("/users/7").text(), r#"{"id":7,"name":"Alice"}"#);
}

/// The background app with the kv granted, a 2 s timeout and one slot.
const BACKGROUND: &str = r#"
[server.limits]
timeout = "2s"

[[app]]
name = "background"
tenant = "acme"
component = "{python_background}"
[app.capabilities]
kv = true
[app.limits]
max_concurrency = 1
"#;

#[test]
fn background_tasks_run_after_the_answer_and_hold_their_slot() {
    let server = Server::start(&crate::tenants::manifest("background", BACKGROUND));
    let answer = server.send("POST", "/notify/ann@example.com", &[], b"");
    assert_eq!(answer.json(), json!({"message": "Notification sent in the background"}));
    // The handler's task and its dependency's both run, once the answer is sent.
    let deadline = Instant::now() + Duration::from_secs(10);
    let expected = json!({"sent": ["sent:ann@example.com"], "audited": ["audit:ann@example.com"]});
    while server.get("/sent").json() != expected && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(server.get("/sent").json(), expected);

    // A task that never ends: the answer still comes; the task keeps the
    // app's one slot until its timeout stops it, then the app serves again.
    assert_eq!(server.send("POST", "/forever", &[], b"").json(), json!({"started": true}));
    assert_eq!(server.get("/sent").status, 503);
    let log = server.wait_for_log("background work failed");
    assert!(log.contains("timeout"), "{log}");
    assert_eq!(server.get("/sent").json(), expected);
}

/// The streaming app with a 2 s timeout and a 10 KiB answer limit.
const STREAM: &str = r#"
[server.limits]
timeout = "2s"
max_response = "10KiB"

[[app]]
name = "stream"
tenant = "acme"
component = "{python_stream}"
"#;

/// The raw bytes of one answer, read until the server closes the connection.
fn raw_answer(server: &Server, path: &str) -> String {
    let mut connection = server.connect();
    connection.write_raw(format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").as_bytes());
    let stream = connection.stream();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut raw = Vec::new();
    let mut buffer = [0u8; 4096];
    // A cut answer may end in a reset rather than an orderly close.
    while let Ok(read) = std::io::Read::read(stream, &mut buffer) {
        if read == 0 {
            break;
        }
        raw.extend_from_slice(&buffer[..read]);
    }
    String::from_utf8_lossy(&raw).into_owned()
}

#[test]
fn streamed_answers_go_out_as_they_come_and_are_cut_when_the_guest_misbehaves() {
    let server = Server::start(&crate::tenants::manifest("stream", STREAM));
    let whole = raw_answer(&server, "/count?n=3");
    assert!(whole.starts_with("HTTP/1.1 200"), "{whole}");
    assert!(whole.contains("transfer-encoding: chunked"), "{whole}");
    assert!(whole.contains("line 0\n") && whole.contains("line 2\n"), "{whole}");
    assert!(whole.ends_with("0\r\n\r\n"), "a complete chunked body ends with its last chunk: {whole}");
    // A guest that stalls after its first chunk: the client has that chunk
    // (nothing waits for the whole body), then the answer is cut.
    let stuck = raw_answer(&server, "/stuck");
    assert!(stuck.contains("first\n") && !stuck.ends_with("0\r\n\r\n"), "{stuck}");
    assert!(server.wait_for_log("streaming the answer failed").contains("timeout"));
    let broken = raw_answer(&server, "/broken");
    assert!(broken.contains("first\n") && !broken.ends_with("0\r\n\r\n"), "{broken}");
    assert!(server.wait_for_log("the stream broke on purpose").contains("the stream broke on purpose"));
    let big = raw_answer(&server, "/big");
    assert!(!big.ends_with("0\r\n\r\n"), "{}", &big[..200.min(big.len())]);
    assert!(server.wait_for_log("max_response").contains("max_response of 10240"));
    assert!(raw_answer(&server, "/count?n=1").ends_with("0\r\n\r\n"));
}
