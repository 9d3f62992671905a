//! Native parsing of typed request parameters, with pydantic's lax rules for
//! text input and FastAPI's validation error shape.
//!
//! Every rule here was checked against FastAPI 0.165 / pydantic 2.14: the
//! same inputs are accepted and the same error `type`s are produced.

use serde::Serialize;

use crate::spec::{ParamKind, ParamSource};

/// A parameter value parsed from request text, as passed to the guest.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An optional parameter that is absent and has no default.
    None,
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
}

/// Why one parameter was rejected: a pydantic error `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Missing,
    IntParsing,
    FloatParsing,
    BoolParsing,
}

impl ErrorKind {
    /// The `type` field of the error object.
    pub fn type_name(self) -> &'static str {
        match self {
            ErrorKind::Missing => "missing",
            ErrorKind::IntParsing => "int_parsing",
            ErrorKind::FloatParsing => "float_parsing",
            ErrorKind::BoolParsing => "bool_parsing",
        }
    }

    /// The `msg` field of the error object, worded as pydantic words it.
    pub fn message(self) -> &'static str {
        match self {
            ErrorKind::Missing => "Field required",
            ErrorKind::IntParsing => {
                "Input should be a valid integer, unable to parse string as an integer"
            }
            ErrorKind::FloatParsing => {
                "Input should be a valid number, unable to parse string as a number"
            }
            ErrorKind::BoolParsing => "Input should be a valid boolean, unable to interpret input",
        }
    }
}

/// One entry of a FastAPI 422 `detail` list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidationError {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub loc: (&'static str, String),
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

/// The body of a 422 answer: `{"detail":[...]}`.
pub fn validation_body(errors: &[ValidationError]) -> Vec<u8> {
    #[derive(Serialize)]
    struct Body<'a> {
        detail: &'a [ValidationError],
    }
    // Serializing plain structs of strings cannot fail.
    serde_json::to_vec(&Body { detail: errors }).unwrap_or_default()
}

/// Parses `text` as a value of `kind`.
pub fn parse(kind: ParamKind, text: &str) -> Result<Value, ErrorKind> {
    match kind {
        ParamKind::Int => parse_int(text).map(Value::Int),
        ParamKind::Float => parse_float(text).map(Value::Float),
        ParamKind::Bool => parse_bool(text).map(Value::Bool),
        ParamKind::Text => Ok(Value::Text(text.to_owned())),
    }
}

/// pydantic's lax `int` from a string: surrounding whitespace, a sign,
/// underscores between digits, and a `.0…` fraction are accepted.
pub fn parse_int(text: &str) -> Result<i64, ErrorKind> {
    let trimmed = text.trim();
    let whole = strip_zero_fraction(trimmed).unwrap_or(trimmed);
    let digits = without_underscores(whole).ok_or(ErrorKind::IntParsing)?;
    digits.parse::<i64>().map_err(|_| ErrorKind::IntParsing)
}

/// pydantic's lax `float` from a string: Python's `float()` syntax, including
/// `inf`, `nan` and underscores between digits.
pub fn parse_float(text: &str) -> Result<f64, ErrorKind> {
    let digits = without_underscores(text.trim()).ok_or(ErrorKind::FloatParsing)?;
    if digits.contains(['x', 'X']) {
        return Err(ErrorKind::FloatParsing);
    }
    digits.parse::<f64>().map_err(|_| ErrorKind::FloatParsing)
}

/// pydantic's lax `bool` from a string (no trimming, any case).
pub fn parse_bool(text: &str) -> Result<bool, ErrorKind> {
    const TRUE: [&str; 6] = ["1", "on", "t", "true", "y", "yes"];
    const FALSE: [&str; 6] = ["0", "off", "f", "false", "n", "no"];
    if TRUE.iter().any(|t| t.eq_ignore_ascii_case(text)) {
        Ok(true)
    } else if FALSE.iter().any(|f| f.eq_ignore_ascii_case(text)) {
        Ok(false)
    } else {
        Err(ErrorKind::BoolParsing)
    }
}

/// `"12.000"` -> `"12"`; `None` unless the fraction is one or more zeros.
fn strip_zero_fraction(text: &str) -> Option<&str> {
    let (whole, fraction) = text.rsplit_once('.')?;
    (!fraction.is_empty() && fraction.bytes().all(|b| b == b'0')).then_some(whole)
}

/// Removes underscores that sit between two digits, as Python's number syntax
/// allows; `None` if an underscore sits anywhere else.
fn without_underscores(text: &str) -> Option<std::borrow::Cow<'_, str>> {
    if !text.contains('_') {
        return Some(text.into());
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'_' {
            let before = i.checked_sub(1).map(|j| bytes[j]);
            let after = bytes.get(i + 1).copied();
            if !(before.is_some_and(|c| c.is_ascii_digit()) && after.is_some_and(|c| c.is_ascii_digit()))
            {
                return None;
            }
        } else {
            out.push(b as char);
        }
    }
    Some(out.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_follow_pydantic() {
        for (text, want) in [("1", 1), (" 1 ", 1), ("+1", 1), ("1_000", 1000), ("1.0", 1), ("-0", 0)] {
            assert_eq!(parse_int(text), Ok(want), "{text:?}");
        }
        for text in ["1.", "1.5", "1e3", "0x10", "", "٣", "1__0", "_1", "abc"] {
            assert_eq!(parse_int(text), Err(ErrorKind::IntParsing), "{text:?}");
        }
    }

    #[test]
    fn floats_follow_pydantic() {
        for (text, want) in [("1", 1.0), (" 1.5 ", 1.5), ("1_0.5", 10.5), (".5", 0.5), ("5.", 5.0)] {
            assert_eq!(parse_float(text), Ok(want), "{text:?}");
        }
        assert_eq!(parse_float("-Infinity"), Ok(f64::NEG_INFINITY));
        assert!(parse_float("nan").is_ok_and(f64::is_nan));
        assert_eq!(parse_float("1e400"), Ok(f64::INFINITY));
        for text in ["1e", "abc", "", "0x1p3"] {
            assert_eq!(parse_float(text), Err(ErrorKind::FloatParsing), "{text:?}");
        }
    }

    #[test]
    fn bools_follow_pydantic() {
        for text in ["true", "True", "tRuE", "yes", "Y", "on", "1", "t"] {
            assert_eq!(parse_bool(text), Ok(true), "{text:?}");
        }
        for text in ["false", "0", "off", "n", "NO", "f"] {
            assert_eq!(parse_bool(text), Ok(false), "{text:?}");
        }
        for text in [" true", "2", "", "maybe"] {
            assert_eq!(parse_bool(text), Err(ErrorKind::BoolParsing), "{text:?}");
        }
    }

    #[test]
    fn validation_body_matches_fastapi() {
        let errors = [
            ValidationError::new(ErrorKind::IntParsing, ParamSource::Path, "user_id", Some("abc")),
            ValidationError::new(ErrorKind::Missing, ParamSource::Query, "q", None),
        ];
        let body = String::from_utf8(validation_body(&errors)).unwrap();
        assert_eq!(
            body,
            r#"{"detail":[{"type":"int_parsing","loc":["path","user_id"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"abc"},{"type":"missing","loc":["query","q"],"msg":"Field required","input":null}]}"#
        );
    }
}
