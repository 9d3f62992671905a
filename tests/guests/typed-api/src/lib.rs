//! A test guest exercising every parameter type and source, bodies, raw
//! request access, logging, and the ways a guest can fail.

use std::collections::HashMap;

use fasterapi::{
    Cookie, Form, Header, HttpError, Json, Request, Response, UploadFile, delete, get, model, patch, post, put,
};
use serde_json::{Value, json};

#[get("/path/{i}/{f}/{b}/{s}")]
fn path_types(i: i64, f: f64, b: bool, s: String) -> Json<Value> {
    Json(json!({ "i": i, "f": f, "b": b, "s": s }))
}

#[get("/query")]
fn query_types(i: i64, f: f64, b: bool, s: String) -> Json<Value> {
    Json(json!({ "i": i, "f": f, "b": b, "s": s }))
}

#[get("/optional")]
fn optional(
    #[default(7)] i: i64,
    #[default(0.5)] f: f64,
    #[default(true)] b: bool,
    #[default("x".to_owned())] s: String,
    maybe: Option<i64>,
) -> Json<Value> {
    Json(json!({ "i": i, "f": f, "b": b, "s": s, "maybe": maybe }))
}

#[get("/headers")]
fn headers(
    x_count: Header<i64>,
    x_name: Header<String>,
    x_flag: Header<Option<bool>>,
) -> Json<Value> {
    Json(json!({ "count": x_count.0, "name": x_name.0, "flag": x_flag.0 }))
}

#[get("/mixed/{id}")]
fn mixed(id: i64, limit: i64, x_token: Header<String>) -> Json<Value> {
    Json(json!({ "id": id, "limit": limit, "token": x_token.0 }))
}

#[get("/files/{*rest}")]
fn files(rest: String) -> String {
    rest
}

#[model]
struct Dimensions {
    width: i64,
    height: i64,
}

#[model]
struct Product {
    name: String,
    price: f64,
    #[serde(default)]
    tags: Vec<String>,
    dims: Option<Dimensions>,
    #[serde(default)]
    stock: HashMap<String, i64>,
    #[serde(default)]
    active: bool,
}

/// Stores a product.
///
/// Answers the stored product.
#[post("/products", status = 201, summary = "Create a product", tags = ["products"], response = Product)]
fn create_product(Json(product): Json<Product>) -> Json<Product> {
    Json(product)
}

/// Several bodies: the keys of one JSON object, as FastAPI embeds them.
#[post("/orders/{id}")]
fn create_order(
    id: i64,
    Json(item): Json<Product>,
    size: Json<Dimensions>,
    note: Option<Json<String>>,
    #[query(ge = 1)] copies: i64,
) -> Json<Value> {
    Json(json!({ "id": id, "item": item.name, "area": size.0.width * size.0.height, "note": note.map(|n| n.0), "copies": copies }))
}

#[put("/products/{id}")]
fn replace_product(id: i64, body: Option<Json<Product>>) -> Json<Value> {
    Json(json!({ "id": id, "name": body.map(|Json(p)| p.name) }))
}

#[patch("/products/{id}")]
fn patch_product(id: i64) -> Result<Json<Value>, HttpError> {
    if id == 404 {
        return Err(HttpError::new(404, "Product not found").header("x-reason", "missing"));
    }
    Ok(Json(json!({ "id": id })))
}

#[delete("/products/{id}")]
fn delete_product(id: i64) -> Response {
    Response::new(204).header("x-deleted", id.to_string())
}

#[post("/echo")]
fn echo(request: &Request) -> Json<Value> {
    Json(json!({
        "method": request.method(),
        "path": request.path(),
        "query": request.query(),
        "content_type": request.header("Content-Type").map(|v| String::from_utf8_lossy(v).into_owned()),
        "body": String::from_utf8_lossy(request.body()),
    }))
}

#[get("/log")]
fn log() -> &'static str {
    fasterapi::log::info(
        "structured hello",
        &[("user", "alice"), ("note", "two words")],
    );
    "logged"
}

#[get("/panic")]
fn panic() -> &'static str {
    panic!("the guest panicked on purpose")
}

/// Answers after `ms` milliseconds, to have a request in flight.
#[get("/sleep")]
fn sleep(ms: i64) -> String {
    std::thread::sleep(std::time::Duration::from_millis(ms.clamp(0, 10_000) as u64));
    format!("slept {ms} ms")
}

#[get("/bad-status")]
fn bad_status() -> Response {
    Response::new(1000)
}

#[get("/legacy", deprecated = true)]
fn legacy() -> &'static str {
    "old"
}

#[get("/internal", include_in_schema = false)]
fn internal() -> &'static str {
    "hidden"
}

/// Constraints on every source, checked by the host.
#[get("/bounded/{item_id}")]
fn bounded(
    #[path(ge = 1, le = 1000)] item_id: i64,
    #[query(gt = 0, le = 100, multiple_of = 5)]
    #[default(10)]
    limit: i64,
    #[query(ge = -1.5, lt = 1)] ratio: Option<f64>,
    #[query(alias = "item-name", min_length = 2, max_length = 5, pattern = "^[a-z]+$")] name: Option<String>,
    #[header(max_length = 4)] x_id: Header<Option<String>>,
) -> Json<Value> {
    Json(json!({ "item_id": item_id, "limit": limit, "ratio": ratio, "name": name, "x_id": x_id.0 }))
}

/// Repeated query and header parameters, and cookies.
#[get("/lists")]
fn lists(
    q: Vec<String>,
    #[default(vec![1, 2])] ids: Vec<i64>,
    flags: Option<Vec<bool>>,
    x_tag: Header<Option<Vec<String>>>,
    session: Cookie<Option<String>>,
    #[cookie(ge = 0)]
    #[default(0)]
    visits: i64,
) -> Json<Value> {
    Json(json!({ "q": q, "ids": ids, "flags": flags, "x_tag": x_tag.0, "session": session.0, "visits": visits }))
}

/// A model architecture.
#[fasterapi::choice]
enum ModelName {
    Alexnet,
    ResNet,
    #[value("le-net")]
    LeNet,
}

#[get("/models/{model_name}")]
fn model_by_name(model_name: ModelName, id: Option<fasterapi::uuid::Uuid>) -> Json<Value> {
    let deep = matches!(model_name, ModelName::Alexnet);
    Json(json!({ "model_name": model_name, "deep": deep, "id": id.map(|id| id.to_string()) }))
}

/// Dates, times, durations and decimals, parsed by the host as pydantic
/// parses them; a list whose length is bounded.
#[get("/schedule/{day}")]
fn schedule(
    day: fasterapi::time::Date,
    start: fasterapi::time::OffsetDateTime,
    at: Option<fasterapi::time::Time>,
    #[query(max_digits = 5, decimal_places = 2, gt = 0)] price: fasterapi::rust_decimal::Decimal,
    pause: Option<fasterapi::time::Duration>,
    #[query(min_length = 1, max_length = 2)] tag: Vec<String>,
) -> Json<Value> {
    Json(json!({
        "day": [day.year(), u8::from(day.month()), day.day()],
        "start": start.unix_timestamp(),
        "offset": start.offset().whole_seconds(),
        "at": at.map(|t| [t.hour(), t.minute(), t.second()]),
        "price": price.to_string(),
        "pause_us": pause.map(|d| d.whole_microseconds() as i64),
        "tags": tag,
    }))
}

/// A form with text fields, bytes and files.
#[post("/upload", status = 201)]
fn upload(
    #[form(min_length = 2)] owner: Form<String>,
    #[default(1)] copies: Form<i64>,
    blob: Form<Option<Vec<u8>>>,
    file: UploadFile,
    extras: Vec<UploadFile>,
) -> Json<Value> {
    Json(json!({
        "owner": owner.0,
        "copies": copies.0,
        "blob": blob.0.map(|b| String::from_utf8_lossy(&b).into_owned()),
        "file": { "name": file.filename, "type": file.content_type, "data": String::from_utf8_lossy(&file.data) },
        "extras": extras.iter().map(|f| f.filename.clone()).collect::<Vec<_>>(),
    }))
}

#[get("/lists")]
fn lists_again() -> &'static str {
    "the first route of a method and path serves"
}

fasterapi::app!(
    path_types,
    query_types,
    optional,
    headers,
    mixed,
    files,
    create_product,
    create_order,
    replace_product,
    patch_product,
    delete_product,
    echo,
    log,
    panic,
    sleep,
    bad_status,
    legacy,
    internal,
    bounded,
    lists,
    lists_again,
    model_by_name,
    schedule,
    upload,
);
