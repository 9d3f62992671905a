//! JSON request bodies, validated and coerced the way FastAPI does.

use serde::Serialize;
use serde_json::Value;

use crate::model::{FieldError, Loc, Model};
use crate::{Request, Response};

/// A JSON body as a handler argument, or a JSON response as a return value.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Json<T>(pub T);

/// A handler argument read from the request body.
pub trait FromBody: Sized {
    /// Whether an absent body is a 422 `missing` error.
    const REQUIRED: bool;
    /// Parses the body, or answers the 422 FastAPI would.
    fn from_body(request: &Request) -> Result<Self, Response>;
    /// The body's JSON Schema document, for the OpenAPI document.
    fn schema() -> String;
}

impl<T: Model> FromBody for Json<T> {
    const REQUIRED: bool = true;
    fn schema() -> String {
        crate::model::schema_of::<T>()
    }
    fn from_body(request: &Request) -> Result<Self, Response> {
        match read_json::<T>(request) {
            Ok(Some(value)) => Ok(Json(value)),
            Ok(None) => Err(unprocessable(vec![FieldError::missing(Loc::body(), Value::Null)])),
            Err(errors) => Err(unprocessable(errors)),
        }
    }
}

impl<T: Model> FromBody for Option<Json<T>> {
    const REQUIRED: bool = false;
    fn schema() -> String {
        crate::model::schema_of::<T>()
    }
    fn from_body(request: &Request) -> Result<Self, Response> {
        read_json::<T>(request).map(|v| v.map(Json)).map_err(unprocessable)
    }
}

/// `None` for an empty body; the errors pydantic would report otherwise.
fn read_json<T: Model>(request: &Request) -> Result<Option<T>, Vec<FieldError>> {
    let body = request.body();
    if body.is_empty() {
        return Ok(None);
    }
    let mut value = if is_json(request.header("content-type")) {
        serde_json::from_slice(body).map_err(|err| vec![FieldError::json_invalid(body, &err)])?
    } else {
        // FastAPI reads a body without a JSON content type as text.
        Value::String(String::from_utf8_lossy(body).into_owned())
    };
    let mut errors = Vec::new();
    T::validate(&mut value, &mut Loc::body(), &mut errors);
    if !errors.is_empty() {
        errors.truncate(crate::model::MAX_ERRORS);
        return Err(errors);
    }
    serde_json::from_value(value).map(Some).map_err(|err| {
        vec![FieldError::new("value_error", Loc::body(), format!("Value error, {err}"), Value::Null)]
    })
}

/// `application/json` or any `application/*+json`, as FastAPI checks it.
fn is_json(content_type: Option<&[u8]>) -> bool {
    let Some(content_type) = content_type.and_then(|v| std::str::from_utf8(v).ok()) else {
        return false;
    };
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    match essence.split_once('/') {
        Some(("application", subtype)) => subtype == "json" || subtype.ends_with("+json"),
        _ => false,
    }
}

fn unprocessable(errors: Vec<FieldError>) -> Response {
    #[derive(Serialize)]
    struct Detail {
        detail: Vec<FieldError>,
    }
    Response::json(422, &Detail { detail: errors })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        assert!(is_json(Some(b"application/json")));
        assert!(is_json(Some(b"Application/JSON; charset=utf-8")));
        assert!(is_json(Some(b"application/vnd.api+json")));
        assert!(!is_json(Some(b"text/plain")));
        assert!(!is_json(None));
    }
}
