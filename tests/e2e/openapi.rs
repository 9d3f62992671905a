//! Each app's `/openapi.json` and `/docs`. The benchmark app's document, in
//! Rust and in Python, must describe what FastAPI's own document for
//! `benches/peers/fastapi_app.py` describes (operations, parameters with
//! their types, required flags and defaults, body fields, responses) and
//! must validate against the OpenAPI 3.1 schema; `/docs` must load only
//! assets the host serves.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::support::{Server, python, root, serve};
use crate::tenants::manifest;

/// FastAPI's document for the peer app, from FastAPI itself.
fn fastapi_document() -> Value {
    let script = "import json, sys; sys.path.insert(0, sys.argv[1]); import fastapi_app; \
                  print(json.dumps(fastapi_app.app.openapi()))";
    let output = Command::new(python())
        .args(["-c", script])
        .arg(root().join("benches/peers"))
        .output()
        .expect("run the test venv's python (make venv)");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("FastAPI's document is JSON")
}

/// Fails the test with the validator's message if `document` is not a
/// valid OpenAPI 3.1 document.
fn assert_valid(document: &Value) {
    let script = "import json, sys; from openapi_spec_validator import validate; \
                  from openapi_spec_validator.validation import OpenAPIV31SpecValidator; \
                  validate(json.load(sys.stdin), cls=OpenAPIV31SpecValidator)";
    let mut child = Command::new(python())
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the test venv's python (make venv)");
    child.stdin.take().unwrap().write_all(document.to_string().as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "invalid OpenAPI 3.1:\n{}", String::from_utf8_lossy(&output.stderr));
}

/// The document without what legitimately differs: the API's title
/// (FastAPI's default is "FastAPI", ours the app's name) and descriptions
/// taken from doc comments.
fn comparable(mut document: Value) -> Value {
    document["info"] = json!({});
    if let Some(schemas) = document["components"]["schemas"].as_object_mut() {
        for schema in schemas.values_mut() {
            schema.as_object_mut().unwrap().remove("description");
        }
    }
    document
}

fn assert_matches_fastapi(server: &Server) {
    let response = server.get("/openapi.json");
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/json"));
    let ours = response.json();
    assert_eq!(ours["openapi"], "3.1.0");
    assert_valid(&ours);
    let theirs = fastapi_document();
    assert_valid(&theirs);
    assert_eq!(comparable(ours), comparable(theirs));
}

#[test]
fn rust_bench_app_document_matches_fastapi_and_validates() {
    let server = serve("examples/bench-rust");
    assert_matches_fastapi(&server);
    // The crate's name and version are the API's title and version.
    let info = &server.get("/openapi.json").json()["info"];
    assert_eq!(info["title"], "bench-rust");
}

#[test]
fn python_bench_app_document_matches_fastapi_and_validates() {
    assert_matches_fastapi(&serve("examples/bench-python"));
}

#[test]
fn documented_options_reach_the_document() {
    let server = serve("tests/guests/typed-api");
    let document = server.get("/openapi.json").json();
    assert_valid(&document);
    let create = &document["paths"]["/products"]["post"];
    assert_eq!(create["summary"], "Create a product");
    assert_eq!(create["tags"], json!(["products"]));
    assert_eq!(create["description"], "Stores a product.\n\nAnswers the stored product.");
    let answer = &create["responses"]["201"]["content"]["application/json"]["schema"];
    assert_eq!(answer["$ref"], "#/components/schemas/Product");
    let product = &document["components"]["schemas"]["Product"];
    assert_eq!(product["properties"]["dims"]["anyOf"][0]["$ref"], "#/components/schemas/Dimensions");
    assert!(document["components"]["schemas"]["Dimensions"].is_object());
    // Parameters of every source, with their types and defaults.
    let mixed = &document["paths"]["/mixed/{id}"]["get"]["parameters"];
    let kinds: Vec<(&str, &str)> = mixed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["in"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [("path", "id"), ("query", "limit"), ("header", "x-token")]);
    assert_eq!(document["paths"]["/files/{rest}"]["get"]["parameters"][0]["in"], "path");
    assert_eq!(document["paths"]["/legacy"]["get"]["deprecated"], true);
    assert!(document["paths"].get("/internal").is_none(), "include_in_schema = false hides a route");
    // A hidden route is still served.
    assert_eq!(server.get("/internal").status, 200);
}

const DOCS_MANIFEST: &str = r#"
[[app]]
name = "shop"
tenant = "a"
component = "{bench}"
route = "/shop"

[[app]]
name = "closed"
tenant = "a"
component = "{bench}"
route = "/closed"
openapi = false

[[app]]
name = "bare"
tenant = "a"
component = "{bench}"
route = "/bare"
docs = false
"#;

#[test]
fn docs_page_loads_only_host_served_assets_and_can_be_turned_off() {
    let server = Server::start(&manifest("openapi-docs", DOCS_MANIFEST));
    let page = server.get("/shop/docs");
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    let html = page.text();
    let urls: Vec<&str> = ["href=\"", "src=\""]
        .iter()
        .flat_map(|attr| html.split(attr).skip(1))
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .collect();
    assert_eq!(urls.len(), 3, "the stylesheet, the icon and the script: {urls:?}");
    for url in urls {
        assert!(url.starts_with("/shop/docs/assets/"), "{url} is not served by the host");
        let asset = server.get(url);
        assert_eq!(asset.status, 200, "{url}");
        assert!(asset.body.len() > 500, "{url} is {} bytes", asset.body.len());
    }
    assert!(html.contains("\"/shop/openapi.json\""), "the page loads the app's document");
    let document = server.get("/shop/openapi.json").json();
    assert_eq!(document["servers"], json!([{ "url": "/shop" }]));
    assert_valid(&document);

    assert_eq!(server.get("/closed/openapi.json").status, 404);
    assert_eq!(server.get("/closed/docs").status, 404);
    assert_eq!(server.get("/bare/openapi.json").status, 200);
    assert_eq!(server.get("/bare/docs").status, 404);
    // The apps themselves are untouched.
    assert_eq!(server.get("/closed/users/7").json()["id"], 7);
}
