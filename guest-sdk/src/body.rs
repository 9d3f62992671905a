//! JSON request bodies, validated and coerced the way FastAPI does.

use serde::Serialize;
use serde_json::Value;

use crate::model::{FieldError, Loc, LocItem, Model, Schemas};
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
    /// The schema of this argument as one key of an embedded body.
    fn part_schema(defs: &mut Schemas) -> Value;
    /// This argument out of an embedded body (several `Json` arguments):
    /// its key's value, validated at `["body", name, ...]`; `None` when it
    /// has errors (added to `errors`).
    fn from_part(value: Option<Value>, name: &'static str, errors: &mut Vec<FieldError>) -> Option<Self>;
}

impl<T: Model> FromBody for Json<T> {
    const REQUIRED: bool = true;
    fn schema() -> String {
        crate::model::schema_of::<T>()
    }
    fn part_schema(defs: &mut Schemas) -> Value {
        T::schema(defs)
    }
    fn from_part(value: Option<Value>, name: &'static str, errors: &mut Vec<FieldError>) -> Option<Self> {
        let mut loc = Loc::body();
        match value {
            Some(value) => loc.with(LocItem::Key(name.into()), |loc| read_part(value, loc, errors)).map(Json),
            None => {
                loc.with(LocItem::Key(name.into()), |loc| {
                    errors.push(FieldError::missing(loc.clone(), Value::Null))
                });
                None
            }
        }
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
    fn part_schema(defs: &mut Schemas) -> Value {
        <Option<T> as Model>::schema(defs)
    }
    fn from_part(value: Option<Value>, name: &'static str, errors: &mut Vec<FieldError>) -> Option<Self> {
        match value {
            None | Some(Value::Null) => Some(None),
            value => Json::<T>::from_part(value, name, errors).map(Some),
        }
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

/// One part of an embedded body, validated and deserialized at `loc`.
fn read_part<T: Model>(mut value: Value, loc: &mut Loc, errors: &mut Vec<FieldError>) -> Option<T> {
    let before = errors.len();
    T::validate(&mut value, loc, errors);
    if errors.len() > before {
        errors.truncate(crate::model::MAX_ERRORS);
        return None;
    }
    match serde_json::from_value(value) {
        Ok(value) => Some(value),
        Err(err) => {
            errors.push(FieldError::new(
                "value_error",
                loc.clone(),
                format!("Value error, {err}"),
                Value::Null,
            ));
            None
        }
    }
}

/// A body of several `Json` arguments, as FastAPI embeds them: a JSON
/// object whose keys are the arguments' names (anything else has no keys).
#[doc(hidden)]
pub struct Embedded {
    object: serde_json::Map<String, Value>,
    errors: Vec<FieldError>,
}

impl Embedded {
    /// Parses the body once; invalid JSON is the 422 FastAPI answers.
    pub fn read(request: &Request) -> Result<Embedded, Response> {
        let body = request.body();
        let value = if body.is_empty() {
            Value::Null
        } else if is_json(request.header("content-type")) {
            serde_json::from_slice(body)
                .map_err(|err| unprocessable(vec![FieldError::json_invalid(body, &err)]))?
        } else {
            Value::String(String::from_utf8_lossy(body).into_owned())
        };
        let object = match value {
            Value::Object(object) => object,
            _ => serde_json::Map::new(),
        };
        Ok(Embedded { object, errors: Vec::new() })
    }

    /// The argument named `name`, or `None` with its errors kept.
    pub fn take<T: FromBody>(&mut self, name: &'static str) -> Option<T> {
        T::from_part(self.object.remove(name), name, &mut self.errors)
    }

    /// The 422 of every error found, if any.
    pub fn finish(self) -> Result<(), Response> {
        if self.errors.is_empty() { Ok(()) } else { Err(unprocessable(self.errors)) }
    }
}

/// One part of an embedded body: its key, whether it is required, and its schema.
#[doc(hidden)]
pub type BodyPart = (&'static str, bool, fn(&mut Schemas) -> Value);

/// The body spec of an embedded body: FastAPI's `Body_<operation id>`
/// object of the parts.
#[doc(hidden)]
pub fn embedded_body(
    operation_id: &str,
    parts: &[BodyPart],
) -> crate::bindings::fasterapi::http::types::BodySpec {
    let mut defs = Schemas::new();
    let mut properties = Schemas::new();
    for (name, _, schema) in parts {
        let mut schema = schema(&mut defs);
        if schema.get("$ref").is_none() {
            schema["title"] = fasterapi_lax::title(name).into();
        }
        properties.insert((*name).into(), schema);
    }
    let required: Vec<&str> =
        parts.iter().filter(|(_, required, _)| *required).map(|(name, ..)| *name).collect();
    let title = format!("Body_{operation_id}");
    let mut object = serde_json::json!({ "properties": properties, "type": "object" });
    if !required.is_empty() {
        object["required"] = required.clone().into();
    }
    object["title"] = title.clone().into();
    defs.insert(title.clone(), object);
    let schema = serde_json::json!({ "$ref": format!("#/$defs/{title}"), "$defs": defs });
    crate::bindings::fasterapi::http::types::BodySpec {
        required: !required.is_empty(),
        media_type: "application/json".into(),
        schema: Some(schema.to_string()),
    }
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
