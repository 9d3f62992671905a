//! Parsing one parameter's text into a typed value with pydantic's lax
//! rules, and FastAPI's validation error shape.
//!
//! The text rules live in `fasterapi-lax`, shared with the guest SDK.

use std::borrow::Cow;

use serde::Serialize;
use serde::ser::SerializeSeq;
use serde_json::json;

pub use fasterapi_lax::ErrorKind;

use crate::constraints::{Constraints, Number, Violation};
use crate::spec::{ParamKind, ParamSource};
use crate::temporal::Temporal;
use crate::value::{ArgValue, List, Upload};

/// Where a value was read: `["query", "q"]`, or `["query", "q", 1]` for the
/// second value of a repeated parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Loc {
    /// The part of the request.
    pub source: ParamSource,
    /// The parameter's wire name.
    pub name: String,
    /// Which value of a repeated parameter.
    pub index: Option<usize>,
}

impl Serialize for Loc {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(2 + usize::from(self.index.is_some())))?;
        seq.serialize_element(self.source.as_str())?;
        seq.serialize_element(&self.name)?;
        if let Some(index) = self.index {
            seq.serialize_element(&index)?;
        }
        seq.end()
    }
}

/// One entry of a FastAPI 422 `detail` list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidationError {
    /// pydantic's error `type` (`int_parsing`, `missing`, ...).
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Where the value was read.
    pub loc: Loc,
    /// pydantic's message for the error.
    pub msg: Cow<'static, str>,
    /// The offending text (a list of texts for a list's length), or `null`
    /// for a missing value.
    pub input: serde_json::Value,
    /// pydantic's `ctx` (the broken constraint), if the error has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ctx: Option<serde_json::Value>,
}

impl ValidationError {
    /// Builds the error for parameter `name` from `source`.
    pub fn new(kind: ErrorKind, source: ParamSource, name: &str, input: Option<&str>) -> Self {
        ValidationError {
            kind: kind.type_name(),
            loc: Loc { source, name: name.to_owned(), index: None },
            msg: Cow::Borrowed(kind.message()),
            input: input.map_or(serde_json::Value::Null, |text| json!(text)),
            ctx: None,
        }
    }

    /// The error for a value that broke a constraint.
    pub fn violation(violation: Violation, loc: Loc, input: &str) -> Self {
        ValidationError {
            kind: violation.kind,
            loc,
            msg: violation.msg,
            input: json!(input),
            ctx: (!violation.ctx.is_null()).then_some(violation.ctx),
        }
    }

    /// The same error about value `index` of a repeated parameter.
    pub fn at(mut self, index: Option<usize>) -> Self {
        self.loc.index = index;
        self
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

/// Why a parameter's text was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// It is not a value of the parameter's type.
    Parse(ErrorKind),
    /// It breaks a rule whose error has a message and `ctx` of its own: a
    /// constraint, a UUID's syntax, an `Enum`'s or `Literal`'s values.
    Invalid(Violation),
}

impl Refusal {
    /// The 422 entry for this refusal of `input` at `loc`.
    pub fn into_error(self, loc: Loc, input: &str) -> ValidationError {
        match self {
            Refusal::Parse(kind) => ValidationError {
                kind: kind.type_name(),
                loc,
                msg: Cow::Borrowed(kind.message()),
                input: json!(input),
                ctx: None,
            },
            Refusal::Invalid(violation) => ValidationError::violation(violation, loc, input),
        }
    }
}

/// Parses `text` as a value of `kind` that must meet `constraints`.
pub fn parse_checked<V: ArgValue>(
    kind: ParamKind,
    constraints: &Constraints,
    text: &str,
) -> Result<V, Refusal> {
    if let Some(choices) = &constraints.choices {
        return choices.pick(kind, text).map(|value| V::from_value(&value)).map_err(Refusal::Invalid);
    }
    match kind {
        ParamKind::Int => int(constraints, text).map(V::int),
        ParamKind::Float => float(constraints, text).map(V::float),
        ParamKind::Bool => fasterapi_lax::parse_bool(text).map(V::bool).map_err(Refusal::Parse),
        ParamKind::Text => text_value(constraints, text).map(V::text),
        ParamKind::Uuid => uuid(text).map(V::text),
        ParamKind::Datetime => temporal(Temporal::Datetime, text).map(V::text),
        ParamKind::Date => temporal(Temporal::Date, text).map(V::text),
        ParamKind::Time => temporal(Temporal::Time, text).map(V::text),
        ParamKind::Timedelta => temporal(Temporal::Timedelta, text).map(V::text),
        ParamKind::Decimal => {
            crate::decimal::parse_checked(constraints, text).map(V::text).map_err(Refusal::Invalid)
        }
        ParamKind::Bytes => Ok(V::upload(Upload { data: text.as_bytes().to_vec(), ..Upload::default() })),
        ParamKind::File => Err(Refusal::Invalid(not_a_file())),
    }
}

/// FastAPI's error for a text field where an `UploadFile` is declared.
pub fn not_a_file() -> Violation {
    Violation::new(
        "value_error",
        "Value error, Expected UploadFile, received: <class 'str'>".into(),
        "error",
        json!({}),
    )
}

/// A UUID in any form pydantic accepts (hyphenated, simple, braced, URN),
/// as canonical lower-case hyphenated text; pydantic's `uuid_parsing` else.
fn uuid(text: &str) -> Result<String, Refusal> {
    match uuid::Uuid::parse_str(text) {
        Ok(uuid) => Ok(uuid.hyphenated().to_string()),
        Err(err) => {
            let error = err.to_string();
            let msg = format!("Input should be a valid UUID, {error}");
            Err(Refusal::Invalid(Violation::new("uuid_parsing", msg, "error", error.into())))
        }
    }
}

fn temporal(kind: Temporal, text: &str) -> Result<String, Refusal> {
    crate::temporal::parse(kind, text).map_err(Refusal::Invalid)
}

fn int(constraints: &Constraints, text: &str) -> Result<i64, Refusal> {
    let value = fasterapi_lax::parse_int(text).map_err(Refusal::Parse)?;
    constraints.check_number(Number::Int(value)).map_err(Refusal::Invalid)?;
    Ok(value)
}

fn float(constraints: &Constraints, text: &str) -> Result<f64, Refusal> {
    let value = fasterapi_lax::parse_float(text).map_err(Refusal::Parse)?;
    constraints.check_number(Number::Float(value)).map_err(Refusal::Invalid)?;
    Ok(value)
}

fn text_value(constraints: &Constraints, text: &str) -> Result<String, Refusal> {
    constraints.check_text(text).map_err(Refusal::Invalid)?;
    Ok(text.to_owned())
}

/// A bad value of a repeated parameter: its index, why, and its text.
pub type ListError<'t> = (usize, Refusal, &'t str);

/// Parses every value of a repeated parameter; the errors name each bad
/// value's index.
pub fn parse_list<'t>(
    kind: ParamKind,
    constraints: &Constraints,
    texts: &[&'t str],
) -> Result<List, Vec<ListError<'t>>> {
    fn each<'t, T>(
        texts: &[&'t str],
        parse: impl Fn(&str) -> Result<T, Refusal>,
    ) -> Result<Vec<T>, Vec<ListError<'t>>> {
        let mut values = Vec::with_capacity(texts.len());
        let mut errors = Vec::new();
        for (index, text) in texts.iter().enumerate() {
            match parse(text) {
                Ok(value) => values.push(value),
                Err(refusal) => errors.push((index, refusal, *text)),
            }
        }
        if errors.is_empty() { Ok(values) } else { Err(errors) }
    }
    if let Some(choices) = &constraints.choices {
        let pick = |t: &str| choices.pick(kind, t).map_err(Refusal::Invalid);
        return match kind {
            ParamKind::Int => each(texts, |t| match pick(t)? {
                crate::value::Value::Int(v) => Ok(v),
                _ => Err(Refusal::Parse(ErrorKind::IntParsing)),
            })
            .map(List::Int),
            _ => each(texts, |t| match pick(t)? {
                crate::value::Value::Text(v) => Ok(v),
                _ => Err(Refusal::Invalid(choices.miss())),
            })
            .map(List::Text),
        };
    }
    // A list's `min_length`/`max_length` bound the list, not its items
    // (the caller checks them); its items have no other constraints.
    let constraints = &Constraints::default();
    match kind {
        ParamKind::Int => each(texts, |t| int(constraints, t)).map(List::Int),
        ParamKind::Float => each(texts, |t| float(constraints, t)).map(List::Float),
        ParamKind::Bool => {
            each(texts, |t| fasterapi_lax::parse_bool(t).map_err(Refusal::Parse)).map(List::Bool)
        }
        ParamKind::Bytes => {
            each(texts, |t| Ok(Upload { data: t.as_bytes().to_vec(), ..Upload::default() })).map(List::Upload)
        }
        ParamKind::File => each(texts, |_| Err(Refusal::Invalid(not_a_file()))).map(List::Upload),
        // Every other kind reaches the guest as text.
        _ => each(texts, |t| match parse_checked::<crate::value::Value>(kind, constraints, t)? {
            crate::value::Value::Text(text) => Ok(text),
            _ => Err(Refusal::Parse(ErrorKind::IntParsing)),
        })
        .map(List::Text),
    }
}

/// pydantic's `too_long` for a list of `length` values past `max_length`.
pub fn list_too_long(constraints: &Constraints, length: usize) -> Option<Violation> {
    let max = constraints.max_length.filter(|max| length > *max as usize)?;
    let msg = format!("List should have at most {max} item{} after validation, not {length}", plural(max));
    Some(list_violation("too_long", msg, "max_length", max, length))
}

/// pydantic's `too_short` for a list of `length` values under `min_length`.
pub fn list_too_short(constraints: &Constraints, length: usize) -> Option<Violation> {
    let min = constraints.min_length.filter(|min| length < *min as usize)?;
    let msg = format!("List should have at least {min} item{} after validation, not {length}", plural(min));
    Some(list_violation("too_short", msg, "min_length", min, length))
}

fn list_violation(kind: &'static str, msg: String, key: &str, bound: u32, length: usize) -> Violation {
    let ctx = json!({ "field_type": "List", key: bound, "actual_length": length });
    Violation { kind, msg: msg.into(), ctx }
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn parse(kind: ParamKind, text: &str) -> Result<Value, Refusal> {
        parse_checked(kind, &Constraints::default(), text)
    }

    #[test]
    fn parse_dispatches_on_kind() {
        assert_eq!(parse(ParamKind::Int, " 7 "), Ok(Value::Int(7)));
        assert_eq!(parse(ParamKind::Float, "2.5"), Ok(Value::Float(2.5)));
        assert_eq!(parse(ParamKind::Bool, "yes"), Ok(Value::Bool(true)));
        assert_eq!(parse(ParamKind::Text, "a b"), Ok(Value::Text("a b".into())));
        assert_eq!(parse(ParamKind::Int, "x"), Err(Refusal::Parse(ErrorKind::IntParsing)));
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
