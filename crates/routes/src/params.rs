//! Parsing one parameter's text into a typed value with pydantic's lax
//! rules, and FastAPI's validation error shape.
//!
//! The text rules live in `fasterapi-lax`, shared with the guest SDK.

use serde::Serialize;

pub use fasterapi_lax::ErrorKind;

use crate::spec::{ParamKind, ParamSource};
use crate::value::ArgValue;

/// One entry of a FastAPI 422 `detail` list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidationError {
    /// pydantic's error `type` (`int_parsing`, `missing`, ...).
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Where the value was read: (`path`|`query`|`header`, name).
    pub loc: (&'static str, String),
    /// pydantic's message for the error type.
    pub msg: &'static str,
    /// The offending text, or `null` for a missing value.
    pub input: Option<String>,
}

impl ValidationError {
    /// Builds the error for parameter `name` from `source`.
    pub fn new(kind: ErrorKind, source: ParamSource, name: &str, input: Option<&str>) -> Self {
        ValidationError {
            kind: kind.type_name(),
            loc: (source.as_str(), name.to_owned()),
            msg: kind.message(),
            input: input.map(str::to_owned),
        }
    }
}

/// The body of a 422 answer: `{"detail":[...]}`, the host's errors first,
/// then the guest's (about the body).
pub fn validation_body(errors: &[ValidationError], body_errors: Vec<serde_json::Value>) -> Vec<u8> {
    let mut detail: Vec<serde_json::Value> =
        errors.iter().map(|e| serde_json::to_value(e).unwrap_or_default()).collect();
    detail.extend(body_errors);
    serde_json::to_vec(&serde_json::json!({ "detail": detail })).unwrap_or_default()
}

/// Parses `text` as a value of `kind`.
pub fn parse<V: ArgValue>(kind: ParamKind, text: &str) -> Result<V, ErrorKind> {
    match kind {
        ParamKind::Int => fasterapi_lax::parse_int(text).map(V::int),
        ParamKind::Float => fasterapi_lax::parse_float(text).map(V::float),
        ParamKind::Bool => fasterapi_lax::parse_bool(text).map(V::bool),
        ParamKind::Text => Ok(V::text(text.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    #[test]
    fn parse_dispatches_on_kind() {
        assert_eq!(parse(ParamKind::Int, " 7 "), Ok(Value::Int(7)));
        assert_eq!(parse(ParamKind::Float, "2.5"), Ok(Value::Float(2.5)));
        assert_eq!(parse(ParamKind::Bool, "yes"), Ok(Value::Bool(true)));
        assert_eq!(parse(ParamKind::Text, "a b"), Ok(Value::Text("a b".into())));
        assert_eq!(parse::<Value>(ParamKind::Int, "x"), Err(ErrorKind::IntParsing));
    }

    #[test]
    fn validation_body_matches_fastapi() {
        let errors = [
            ValidationError::new(ErrorKind::IntParsing, ParamSource::Path, "user_id", Some("abc")),
            ValidationError::new(ErrorKind::Missing, ParamSource::Query, "q", None),
        ];
        let body = String::from_utf8(validation_body(&errors, Vec::new())).unwrap();
        assert_eq!(
            body,
            r#"{"detail":[{"type":"int_parsing","loc":["path","user_id"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"abc"},{"type":"missing","loc":["query","q"],"msg":"Field required","input":null}]}"#
        );
    }
}
