//! Typed parameters of every type and source, defaults, percent-decoding and
//! JSON bodies, on `tests/guests/typed-api`.

use serde_json::json;

use crate::support::serve;

const TYPED: &str = "tests/guests/typed-api";

#[test]
fn path_parameters_of_each_type() {
    let server = serve(TYPED);
    let ok = server.get("/path/-5/2.5/yes/hello");
    assert_eq!(ok.json(), json!({"i": -5, "f": 2.5, "b": true, "s": "hello"}));

    let bad = server.get("/path/x/y/z/ok");
    assert_eq!(
        bad.errors(),
        [
            ("int_parsing".into(), json!(["path", "i"])),
            ("float_parsing".into(), json!(["path", "f"])),
            ("bool_parsing".into(), json!(["path", "b"])),
        ]
    );
    let detail = &bad.json()["detail"];
    assert_eq!(detail[0]["input"], "x");
    assert_eq!(detail[1]["msg"], "Input should be a valid number, unable to parse string as a number");
    assert_eq!(detail[2]["msg"], "Input should be a valid boolean, unable to interpret input");
}

#[test]
fn query_parameters_missing_and_malformed() {
    let server = serve(TYPED);
    let ok = server.get("/query?i=1_000&f=inf&b=off&s=");
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(ok.json()["i"], 1000);
    assert_eq!(ok.json()["b"], false);
    assert_eq!(ok.json()["s"], "");

    let missing = server.get("/query");
    assert_eq!(
        missing.errors(),
        [
            ("missing".into(), json!(["query", "i"])),
            ("missing".into(), json!(["query", "f"])),
            ("missing".into(), json!(["query", "b"])),
            ("missing".into(), json!(["query", "s"])),
        ]
    );
    assert_eq!(missing.json()["detail"][0]["input"], json!(null));
    assert_eq!(missing.json()["detail"][0]["msg"], "Field required");

    let empty = server.get("/query?i=&f=1&b=1&s=x");
    assert_eq!(empty.errors(), [("int_parsing".into(), json!(["query", "i"]))]);
    assert_eq!(empty.json()["detail"][0]["input"], "");
}

#[test]
fn optional_parameters_take_defaults() {
    let server = serve(TYPED);
    assert_eq!(server.get("/optional").json(), json!({"i": 7, "f": 0.5, "b": true, "s": "x", "maybe": null}));
    assert_eq!(
        server.get("/optional?i=1&f=2&b=no&s=y&maybe=3").json(),
        json!({"i": 1, "f": 2.0, "b": false, "s": "y", "maybe": 3})
    );
    assert_eq!(server.get("/optional?maybe=x").errors(), [("int_parsing".into(), json!(["query", "maybe"]))]);
}

#[test]
fn header_parameters() {
    let server = serve(TYPED);
    let ok = server.send("GET", "/headers", &[("X-Count", "3"), ("x-name", "Zoë")], b"");
    // Header values are Latin-1, as Starlette decodes them.
    assert_eq!(ok.json(), json!({"count": 3, "name": "ZoÃ«", "flag": null}));
    let flagged = server.send("GET", "/headers", &[("x-count", "3"), ("x-name", "a"), ("x-flag", "on")], b"");
    assert_eq!(flagged.json()["flag"], true);

    let bad = server.send("GET", "/headers", &[("x-count", "three")], b"");
    assert_eq!(
        bad.errors(),
        [
            ("int_parsing".into(), json!(["header", "x-count"])),
            ("missing".into(), json!(["header", "x-name"]))
        ]
    );
}

#[test]
fn errors_come_in_fastapi_order_across_sources() {
    let server = serve(TYPED);
    let bad = server.get("/mixed/abc?limit=z");
    assert_eq!(
        bad.errors(),
        [
            ("int_parsing".into(), json!(["path", "id"])),
            ("int_parsing".into(), json!(["query", "limit"])),
            ("missing".into(), json!(["header", "x-token"])),
        ]
    );
}

#[test]
fn percent_encoding_is_decoded_as_fastapi_does() {
    let server = serve(TYPED);
    assert_eq!(server.get("/path/%31%32/1/1/caf%C3%A9%20au%20lait").json()["s"], "café au lait");
    assert_eq!(server.get("/path/%31%32/1/1/x").json()["i"], 12);
    assert_eq!(server.get("/files/a%20b/c.txt").text(), "a b/c.txt");
    let query = server.get("/query?i=1&f=1&b=1&s=a+b%26c%3D%E2%82%AC");
    assert_eq!(query.json()["s"], "a b&c=€");
    // The last of repeated query keys wins, as in Starlette.
    assert_eq!(server.get("/query?i=1&i=2&f=1&b=1&s=x").json()["i"], 2);
}

#[test]
fn json_bodies_validate_like_pydantic() {
    let server = serve(TYPED);
    let created = server.post_json(
        "/products",
        r#"{"name":"pen","price":"3.5","tags":["a"],"dims":{"width":1.0,"height":"2"},"extra":1}"#,
    );
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(
        created.json(),
        json!({"name": "pen", "price": 3.5, "tags": ["a"], "dims": {"width": 1, "height": 2}, "stock": {}, "active": false})
    );

    let bad = server.post_json(
        "/products",
        r#"{"price":true,"tags":[1,"b"],"dims":{"width":1.5},"stock":{"a":"z"},"active":"maybe"}"#,
    );
    assert_eq!(
        bad.errors(),
        [
            ("missing".into(), json!(["body", "name"])),
            ("string_type".into(), json!(["body", "tags", 0])),
            ("int_from_float".into(), json!(["body", "dims", "width"])),
            ("missing".into(), json!(["body", "dims", "height"])),
            ("int_parsing".into(), json!(["body", "stock", "a"])),
            ("bool_parsing".into(), json!(["body", "active"])),
        ]
    );
    assert_eq!(
        server.post_json("/products", "[1]").errors(),
        [("model_attributes_type".into(), json!(["body"]))]
    );
    assert_eq!(server.post_json("/products", "nope").errors(), [("json_invalid".into(), json!(["body", 0]))]);
    // Without a JSON content type FastAPI sees a string, not an object.
    let text =
        server.send("POST", "/products", &[("content-type", "text/plain")], br#"{"name":"a","price":1}"#);
    assert_eq!(text.errors(), [("model_attributes_type".into(), json!(["body"]))]);
}

#[test]
fn several_bodies_are_the_keys_of_one_object() {
    let server = serve(TYPED);
    let good = server.post_json(
        "/orders/7?copies=2",
        r#"{"item":{"name":"pen","price":1},"size":{"width":2,"height":"3"},"note":"gift"}"#,
    );
    assert_eq!(good.json(), json!({"id": 7, "item": "pen", "area": 6, "note": "gift", "copies": 2}));
    let no_note = server
        .post_json("/orders/7?copies=1", r#"{"item":{"name":"a","price":1},"size":{"width":1,"height":1}}"#);
    assert_eq!(no_note.json()["note"], json!(null));
    let bad = server.post_json("/orders/7?copies=1", r#"{"item":{"price":"x"},"note":5}"#);
    assert_eq!(
        bad.errors(),
        [
            ("missing".into(), json!(["body", "item", "name"])),
            ("float_parsing".into(), json!(["body", "item", "price"])),
            ("missing".into(), json!(["body", "size"])),
            ("string_type".into(), json!(["body", "note"])),
        ]
    );
    // A bad parameter and a bad body are reported together (validate-only).
    let both = server.post_json("/orders/7?copies=0", "[1]");
    assert_eq!(
        both.errors(),
        [
            ("greater_than_equal".into(), json!(["query", "copies"])),
            ("missing".into(), json!(["body", "item"])),
            ("missing".into(), json!(["body", "size"])),
        ]
    );
    let document = server.get("/openapi.json").json();
    let body = &document["paths"]["/orders/{id}"]["post"]["requestBody"];
    assert_eq!(body["required"], true);
    assert_eq!(
        body["content"]["application/json"]["schema"],
        json!({"$ref": "#/components/schemas/Body_create_order_orders__id__post"})
    );
    let schema = &document["components"]["schemas"]["Body_create_order_orders__id__post"];
    assert_eq!(schema["required"], json!(["item", "size"]));
    assert_eq!(schema["properties"]["item"], json!({"$ref": "#/components/schemas/Product"}));
    assert_eq!(
        schema["properties"]["note"],
        json!({"anyOf": [{"type": "string"}, {"type": "null"}], "title": "Note"})
    );
}

#[test]
fn bad_parameters_and_a_bad_body_are_reported_together() {
    let server = serve(TYPED);
    let both =
        server.send("PUT", "/products/x", &[("content-type", "application/json")], br#"{"price":"cheap"}"#);
    assert_eq!(
        both.errors(),
        [
            ("int_parsing".into(), json!(["path", "id"])),
            ("missing".into(), json!(["body", "name"])),
            ("float_parsing".into(), json!(["body", "price"])),
        ]
    );
}

#[test]
fn optional_bodies_status_codes_and_http_errors() {
    let server = serve(TYPED);
    assert_eq!(server.send("PUT", "/products/4", &[], b"").json(), json!({"id": 4, "name": null}));
    let with_body = server.send(
        "PUT",
        "/products/4",
        &[("content-type", "application/json")],
        br#"{"name":"a","price":1}"#,
    );
    assert_eq!(with_body.json(), json!({"id": 4, "name": "a"}));

    let not_found = server.send("PATCH", "/products/404", &[], b"");
    assert_eq!(not_found.status, 404);
    assert_eq!(not_found.text(), r#"{"detail":"Product not found"}"#);
    assert_eq!(not_found.header("x-reason"), Some("missing"));

    let deleted = server.send("DELETE", "/products/9", &[], b"");
    assert_eq!(deleted.status, 204);
    assert_eq!(deleted.header("x-deleted"), Some("9"));
}

#[test]
fn raw_request_access() {
    let server = serve(TYPED);
    let echo = server.send("POST", "/echo?a=%20b", &[("content-type", "text/plain")], b"hi there");
    assert_eq!(
        echo.json(),
        json!({"method": "POST", "path": "/echo", "query": "a=%20b", "content_type": "text/plain", "body": "hi there"})
    );
}

#[test]
fn constraints_on_every_source_are_checked_by_the_host() {
    let server = serve(TYPED);
    let ok = server.send("GET", "/bounded/5?limit=100&ratio=-1.5&item-name=abc", &[("x-id", "ab")], b"");
    assert_eq!(ok.json(), json!({"item_id": 5, "limit": 100, "ratio": -1.5, "name": "abc", "x_id": "ab"}));
    let bad = server.send("GET", "/bounded/0?limit=7&ratio=1&item-name=AB", &[("x-id", "12345")], b"");
    let detail = bad.json()["detail"].clone();
    let got: Vec<_> = detail
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["type"].as_str().unwrap().to_owned(), e["loc"].clone(), e["ctx"].clone()))
        .collect();
    assert_eq!(
        got,
        [
            ("greater_than_equal".into(), json!(["path", "item_id"]), json!({"ge": 1})),
            ("multiple_of".into(), json!(["query", "limit"]), json!({"multiple_of": 5})),
            ("less_than".into(), json!(["query", "ratio"]), json!({"lt": 1})),
            ("string_pattern_mismatch".into(), json!(["query", "item-name"]), json!({"pattern": "^[a-z]+$"})),
            ("string_too_long".into(), json!(["header", "x-id"]), json!({"max_length": 4})),
        ]
    );
    assert_eq!(detail[0]["msg"], "Input should be greater than or equal to 1");
    assert_eq!(detail[0]["input"], "0");
    assert_eq!(server.get("/bounded/1?limit=0").json()["detail"][0]["msg"], "Input should be greater than 0");
    assert_eq!(server.get("/bounded/1?item-name=a").json()["detail"][0]["type"], "string_too_short");
}

#[test]
fn lists_and_cookies_reach_the_guest_typed() {
    let server = serve(TYPED);
    let headers = [("x-tag", "a"), ("x-tag", "b, c"), ("cookie", "session=\"s1\"; visits=3; session=s2")];
    let ok = server.send("GET", "/lists?q=x&q=y&ids=3&flags=yes&flags=0", &headers, b"");
    assert_eq!(
        ok.json(),
        json!({"q": ["x", "y"], "ids": [3], "flags": [true, false], "x_tag": ["a", "b, c"], "session": "s2", "visits": 3})
    );
    let defaults = server.get("/lists?q=");
    assert_eq!(
        defaults.json(),
        json!({"q": [""], "ids": [1, 2], "flags": null, "x_tag": null, "session": null, "visits": 0})
    );
    let bad = server.send("GET", "/lists?ids=1&ids=x&ids=2&ids=y", &[("cookie", "visits=-1")], b"");
    assert_eq!(
        bad.errors(),
        [
            ("missing".into(), json!(["query", "q"])),
            ("int_parsing".into(), json!(["query", "ids", 1])),
            ("int_parsing".into(), json!(["query", "ids", 3])),
            ("greater_than_equal".into(), json!(["cookie", "visits"])),
        ]
    );
}

#[test]
fn choice_enums_and_uuids_are_checked_by_the_host() {
    let server = serve(TYPED);
    let ok = server.get("/models/le-net?id=%7BA3BB189E-8BF9-3888-9912-ACE4E6543002%7D");
    assert_eq!(
        ok.json(),
        json!({"model_name": "le-net", "deep": false, "id": "a3bb189e-8bf9-3888-9912-ace4e6543002"})
    );
    assert_eq!(server.get("/models/alexnet").json()["deep"], true);
    assert_eq!(server.get("/models/res_net").json()["model_name"], "res_net");
    let bad = server.get("/models/resnet?id=abc").json();
    assert_eq!(bad["detail"][0]["type"], "enum");
    assert_eq!(bad["detail"][0]["msg"], "Input should be 'alexnet', 'res_net' or 'le-net'");
    assert_eq!(bad["detail"][1]["msg"], "Input should be a valid UUID, invalid length: found 3");
    let document = server.get("/openapi.json").json();
    let schema = &document["components"]["schemas"]["ModelName"];
    assert_eq!(
        schema,
        &json!({"type": "string", "enum": ["alexnet", "res_net", "le-net"], "title": "ModelName", "description": "A model architecture."})
    );
}

#[test]
fn dates_decimals_and_list_lengths_are_checked_by_the_host() {
    let server = serve(TYPED);
    let ok =
        server.get("/schedule/2032-04-23T00:00:00?start=1700000000&at=10:20&price=12.50&pause=-P1DT1S&tag=a");
    assert_eq!(
        ok.json(),
        json!({"day": [2032, 4, 23], "start": 1700000000, "offset": 0, "at": [10, 20, 0], "price": "12.50",
               "pause_us": -86_401_000_000i64, "tags": ["a"]})
    );
    let aware =
        server.get("/schedule/2032-04-23?start=2032-04-23T10:20:30%2B02:30&price=1&tag=a&tag=b").json();
    assert_eq!((aware["offset"].clone(), aware["price"].clone()), (json!(9000), json!("1")));
    let bad =
        server.get("/schedule/2032-02-30?start=x&at=25:00&price=123456.5&pause=x&tag=a&tag=b&tag=c").json();
    let kinds: Vec<&str> =
        bad["detail"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "date_from_datetime_parsing",
            "datetime_from_date_parsing",
            "time_parsing",
            "decimal_max_digits",
            "time_delta_parsing",
            "too_long"
        ]
    );
    assert_eq!(bad["detail"][0]["ctx"], json!({"error": "day value is outside expected range"}));
    let short = server.get("/schedule/2032-04-23?start=2032-04-23&price=0").json();
    assert_eq!(short["detail"][0]["type"], "greater_than");
    assert_eq!(short["detail"][1]["type"], "missing");
    let document = server.get("/openapi.json").json();
    let params = &document["paths"]["/schedule/{day}"]["get"]["parameters"];
    assert_eq!(params[1]["schema"], json!({"type": "string", "format": "date-time", "title": "Start"}));
    assert_eq!(params[3]["schema"]["anyOf"][0], json!({"type": "number", "exclusiveMinimum": 0.0}));
    assert_eq!(params[5]["schema"]["maxItems"], 2);
}

/// A multipart body of text fields (name, value) and files (name, filename, data).
fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &str)]) -> Vec<u8> {
    let mut body = String::new();
    for (name, value) in fields {
        body += &format!("--B\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n");
    }
    for (name, filename, data) in files {
        body += &format!(
            "--B\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: text/plain\r\n\r\n{data}\r\n"
        );
    }
    (body + "--B--\r\n").into_bytes()
}

#[test]
fn forms_and_files_reach_the_guest_typed() {
    let server = serve(TYPED);
    let multipart_type = [("content-type", "multipart/form-data; boundary=B")];
    let body = multipart(
        &[("owner", "ann"), ("blob", "raw")],
        &[("file", "a.txt", "hello"), ("extras", "b", "1"), ("extras", "c", "2")],
    );
    let ok = server.send("POST", "/upload", &multipart_type, &body);
    assert_eq!(ok.status, 201, "{}", ok.text());
    assert_eq!(
        ok.json(),
        json!({"owner": "ann", "copies": 1, "blob": "raw", "file": {"name": "a.txt", "type": "text/plain", "data": "hello"}, "extras": ["b", "c"]})
    );
    let body = multipart(&[("owner", "a"), ("copies", "x"), ("file", "text")], &[]);
    let bad = server.send("POST", "/upload", &multipart_type, &body);
    assert_eq!(
        bad.errors(),
        [
            ("string_too_short".into(), json!(["body", "owner"])),
            ("int_parsing".into(), json!(["body", "copies"])),
            ("value_error".into(), json!(["body", "file"])),
            ("missing".into(), json!(["body", "extras"])),
        ]
    );
    let urlencoded =
        server.send("POST", "/upload", &[("content-type", "application/x-www-form-urlencoded")], b"owner=bo");
    assert_eq!(urlencoded.errors()[0], ("missing".into(), json!(["body", "file"])));
    let broken = server.send("POST", "/upload", &multipart_type, b"garbage");
    assert_eq!((broken.status, broken.text()), (400, r#"{"detail":"Invalid multipart data."}"#.to_owned()));
    let document = server.get("/openapi.json").json();
    let schema = &document["components"]["schemas"]["Body_upload_upload_post"];
    assert_eq!(schema["required"], json!(["owner", "file", "extras"]));
    assert_eq!(schema["properties"]["file"]["contentMediaType"], "application/octet-stream");
}
