//! Write FasterAPI handlers in Rust.
//!
//! A handler is a plain function; its attribute declares the route, and its
//! signature declares the typed parameters the host parses and validates
//! before the guest ever runs:
//!
//! ```ignore
//! use fasterapi::{get, post, model, Json};
//!
//! #[get("/users/{user_id}")]           // `user_id` is in the path
//! fn get_user(user_id: i64) -> Json<serde_json::Value> {
//!     Json(serde_json::json!({ "id": user_id, "name": "Alice" }))
//! }
//!
//! #[get("/items")]                     // scalars not in the path: query
//! fn list_items(q: Option<String>, #[default(10)] limit: i64) -> String {
//!     format!("{q:?} {limit}")
//! }
//!
//! #[model]                             // a JSON body validated like pydantic
//! struct Item { name: String, price: f64 }
//!
//! #[post("/items", status = 201)]
//! fn create_item(item: Json<Item>) -> Json<Item> { item }
//!
//! fasterapi::app!(get_user, list_items, create_item);
//! ```
//!
//! Parameters: `i64`, `f64`, `bool` and `String` (`Option<_>` when optional,
//! `#[default(v)]` for a default); `Header<T>` reads the header named like the
//! argument with `_` as `-`; `Json<T>` is the body; `&Request` gives the raw
//! request. Handlers return `Json<T>`, `String`/`&'static str` (text/plain),
//! a [`Response`], or `Result<_, HttpError>`.

extern crate self as fasterapi;

mod body;
pub mod config;
pub mod http;
pub mod kv;
pub mod log;
mod model;
mod param;
mod request;
mod response;
mod temporal;

pub use body::Json;
pub use fasterapi_macros::{app, choice, delete, get, model, patch, post, put};
pub use model::{FieldError, Loc, LocItem, MAX_ERRORS, Model, Schemas};
pub use param::{Cookie, Form, Header, Param, UploadFile};
pub use request::Request;
pub use response::{HttpError, IntoResponse, Response};
/// The `rust_decimal` crate, whose `Decimal` is a parameter type (`Decimal`).
pub use rust_decimal;
/// The `time` crate: `Date`, `Time`, `PrimitiveDateTime`, `OffsetDateTime`
/// and `Duration` are parameter types (`datetime`, `date`, `time`, `timedelta`).
pub use time;
/// The `uuid` crate, whose `Uuid` is a parameter type.
pub use uuid;

/// Items the macros expand to; not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use serde_json;
    pub use wit_bindgen;

    pub use crate::bindings::Guest;
    pub use crate::bindings::fasterapi::http::types::{
        AppInfo, BodySpec, Choices, Constraint, Method, Number, ParamSource, ParamType, ParamValue, Route,
        RouteDocs,
    };
    pub use crate::body::{Embedded, FromBody, embedded_body};
    pub use crate::model::{Fields, Schemas, model_schema, schema_of};
    pub use crate::param::{arg, param_spec};

    /// The guest's WIT bindings; `export!` registers an app's implementation.
    pub mod bindings {
        pub use crate::bindings::*;
    }

    /// One handler registered with `app!`.
    pub trait Handler {
        /// The route it serves, with its typed parameters.
        fn route() -> Route;
        /// Runs it on a request the host matched to that route.
        fn call(request: crate::Request) -> crate::Response;
        /// Validates only the body: 422 with its errors, or 204.
        fn validate(request: &crate::Request) -> crate::Response;
    }

    /// One registered handler: its `call` and its `validate`.
    pub type Entry = (fn(crate::Request) -> crate::Response, fn(&crate::Request) -> crate::Response);

    /// The body check of a handler taking a `T` body.
    pub fn check_body<T: FromBody>(request: &crate::Request) -> crate::Response {
        match T::from_body(request) {
            Ok(_) => crate::Response::new(204),
            Err(response) => response,
        }
    }

    /// Runs the handler the host picked for `request`.
    pub fn dispatch(request: crate::bindings::Request, handlers: &[Entry]) -> crate::bindings::Response {
        let response = match handlers.get(request.route as usize) {
            Some((_, validate)) if request.validate_only => validate(&crate::Request::from_wit(request)),
            Some((call, _)) => call(crate::Request::from_wit(request)),
            None => crate::Response::internal_error("the host picked a route the app does not have"),
        };
        response.into_wit()
    }

    /// The answer when the host passed arguments that do not fit the route.
    pub fn contract_violation() -> crate::Response {
        crate::Response::internal_error("the host passed arguments that do not match the route")
    }

    /// A body spec for a JSON body with the given JSON Schema.
    pub fn json_body(required: bool, schema: String) -> Option<BodySpec> {
        Some(BodySpec { required, media_type: "application/json".into(), schema: Some(schema) })
    }

    /// The doc comment text of an item, or `None` when it has none.
    pub fn doc(text: &'static str) -> Option<String> {
        (!text.is_empty()).then(|| text.to_owned())
    }
}

#[allow(missing_docs, clippy::all)]
mod bindings {
    wit_bindgen::generate!({
        path: "../wit",
        world: "app",
        pub_export_macro: true,
        export_macro_name: "export",
        default_bindings_module: "::fasterapi::__private::bindings",
        runtime_path: "::fasterapi::__private::wit_bindgen::rt",
    });
}
