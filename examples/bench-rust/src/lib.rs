//! The benchmark app of `benches/peers/fastapi_app.py`, endpoint for endpoint:
//! the same answers and the same 422s as under FastAPI.

use fasterapi::{Json, get, model, post};
use serde_json::{Value, json};

/// A JSON body: `{"name": str, "price": float}`.
#[model]
struct Item {
    name: String,
    price: f64,
}

#[get("/plaintext")]
fn plaintext() -> &'static str {
    "Hello, World!"
}

#[get("/users/{user_id}")]
fn get_user(user_id: i64) -> Json<Value> {
    Json(json!({ "id": user_id, "name": "Alice" }))
}

#[get("/items")]
fn list_items(q: Option<String>, #[default(10)] limit: i64) -> Json<Value> {
    Json(json!({ "q": q, "limit": limit }))
}

#[post("/items", status = 201)]
fn create_item(Json(item): Json<Item>) -> Json<Value> {
    Json(json!({ "id": 1, "name": item.name, "price": item.price }))
}

fasterapi::app!(plaintext, get_user, list_items, create_item);
