//! `examples/bench-rust`: the benchmark app's four endpoints, 404 and 405.

use serde_json::json;

use crate::support::serve;

const BENCH: &str = "examples/bench-rust";

#[test]
fn serves_the_four_benchmark_endpoints() {
    let server = serve(BENCH);

    let plain = server.get("/plaintext");
    assert_eq!(plain.status, 200);
    assert_eq!(plain.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(plain.text(), "Hello, World!");

    let user = server.get("/users/123");
    assert_eq!(user.status, 200);
    assert_eq!(user.header("content-type"), Some("application/json"));
    assert_eq!(user.text(), r#"{"id":123,"name":"Alice"}"#);

    assert_eq!(server.get("/items").text(), r#"{"q":null,"limit":10}"#);
    assert_eq!(server.get("/items?q=abc&limit=5").json(), json!({"q": "abc", "limit": 5}));

    let created = server.post_json("/items", r#"{"name":"pen","price":1.5}"#);
    assert_eq!(created.status, 201);
    assert_eq!(created.text(), r#"{"id":1,"name":"pen","price":1.5}"#);
}

#[test]
fn bad_input_gets_fastapi_errors() {
    let server = serve(BENCH);
    let bad_id = server.get("/users/abc");
    assert_eq!(
        bad_id.text(),
        r#"{"detail":[{"type":"int_parsing","loc":["path","user_id"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"abc"}]}"#
    );
    assert_eq!(server.get("/items?limit=many").errors(), [("int_parsing".into(), json!(["query", "limit"]))]);
    assert_eq!(
        server.post_json("/items", r#"{"name":5,"price":"x"}"#).errors(),
        [("string_type".into(), json!(["body", "name"])), ("float_parsing".into(), json!(["body", "price"]))]
    );
    assert_eq!(server.post_json("/items", "").errors(), [("missing".into(), json!(["body"]))]);
    assert_eq!(
        server.post_json("/items", r#"{"name":"#).errors(),
        [("json_invalid".into(), json!(["body", 8]))]
    );
}

#[test]
fn unknown_paths_are_404_and_wrong_methods_405() {
    let server = serve(BENCH);
    let missing = server.get("/nope");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.text(), r#"{"detail":"Not Found"}"#);
    assert_eq!(server.get("/users/1/extra").status, 404);

    let wrong = server.send("DELETE", "/items", &[], b"");
    assert_eq!(wrong.status, 405);
    assert_eq!(wrong.header("allow"), Some("GET, POST"));
    assert_eq!(wrong.text(), r#"{"detail":"Method Not Allowed"}"#);

    let wrong = server.send("PUT", "/users/1", &[], b"");
    assert_eq!(wrong.status, 405);
    assert_eq!(wrong.header("allow"), Some("GET"));
    // A method no route can declare is still a 405 on a known path.
    assert_eq!(server.send("TRACE", "/plaintext", &[], b"").status, 405);
}
