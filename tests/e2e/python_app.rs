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
