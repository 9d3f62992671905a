//! A guest that traps or misbehaves costs that request only.

use crate::support::serve;

const TYPED: &str = "tests/guests/typed-api";

#[test]
fn a_trap_is_a_500_for_that_request_only() {
    let server = serve(TYPED);
    let mut connection = server.connect();
    let trapped = connection.send("GET", "/panic", &[], b"");
    assert_eq!(trapped.status, 500);
    assert_eq!(trapped.text(), r#"{"detail":"Internal Server Error"}"#);
    let log = server.wait_for_log("guest trapped");
    let line = log.lines().find(|l| l.contains("guest trapped")).expect("a trap log line");
    assert!(line.contains("the guest panicked on purpose"), "{line}");
    assert!(line.contains("handler=panic"), "{line}");
    // The same connection and the host keep working.
    assert_eq!(connection.send("GET", "/path/1/1/1/a", &[], b"").status, 200);
    for _ in 0..20 {
        assert_eq!(server.get("/panic").status, 500);
    }
    assert_eq!(server.get("/optional").status, 200);
}

#[test]
fn an_invalid_guest_response_is_a_500() {
    let server = serve(TYPED);
    assert_eq!(server.get("/bad-status").status, 500);
    assert!(server.wait_for_log("invalid response from guest").contains("status 1000"));
    assert_eq!(server.get("/optional").status, 200);
}

#[test]
fn guest_logs_are_structured_and_tagged() {
    let server = serve(TYPED);
    assert_eq!(server.get("/log").text(), "logged");
    let log = server.wait_for_log("structured hello");
    let line = log.lines().find(|l| l.contains("structured hello")).expect("the guest's log line");
    assert!(line.contains("app=typed-api"), "{line}");
    assert!(line.contains("user=alice"), "{line}");
    assert!(line.contains(r#"note="two words""#), "{line}");
}
