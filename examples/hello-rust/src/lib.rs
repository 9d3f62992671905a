//! The smallest FasterAPI app.

use fasterapi::{Json, get};
use serde_json::{Value, json};

/// `GET /` answers plain text.
#[get("/")]
fn index() -> &'static str {
    "Hello from FasterAPI!"
}

/// `GET /users/123` answers `{"id":123,"name":"Alice"}`; `/users/abc` is a 422.
#[get("/users/{user_id}")]
fn get_user(user_id: i64) -> Json<Value> {
    Json(json!({ "id": user_id, "name": "Alice" }))
}

fasterapi::app!(index, get_user);
