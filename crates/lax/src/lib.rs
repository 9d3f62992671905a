//! pydantic's lax conversions of text into scalars, shared by the FasterAPI
//! host (path, query and header parameters) and the Rust guest SDK (strings
//! inside JSON bodies), so both accept exactly what FastAPI accepts.
//!
//! Checked against pydantic 2.14: `" 42 "`, `"+1"`, `"1_000"` and `"1.0"` are
//! ints; `"1."`, `"1e3"` and `"0x10"` are not. Floats follow Python's
//! `float()`; bools accept `1/0, true/false, yes/no, on/off, t/f, y/n` in any
//! case, without trimming.

#![no_std]
#![deny(missing_docs)]

extern crate alloc;

use alloc::string::String;

/// Why a text was rejected: a pydantic error `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A required value is absent.
    Missing,
    /// Not an integer (`int_parsing`).
    IntParsing,
    /// Not a number (`float_parsing`).
    FloatParsing,
    /// Not a boolean (`bool_parsing`).
    BoolParsing,
}

impl ErrorKind {
    /// The error's `type`, as pydantic names it.
    pub fn type_name(self) -> &'static str {
        match self {
            ErrorKind::Missing => "missing",
            ErrorKind::IntParsing => "int_parsing",
            ErrorKind::FloatParsing => "float_parsing",
            ErrorKind::BoolParsing => "bool_parsing",
        }
    }

    /// The error's `msg`, worded as pydantic words it.
    pub fn message(self) -> &'static str {
        match self {
            ErrorKind::Missing => "Field required",
            ErrorKind::IntParsing => "Input should be a valid integer, unable to parse string as an integer",
            ErrorKind::FloatParsing => "Input should be a valid number, unable to parse string as a number",
            ErrorKind::BoolParsing => "Input should be a valid boolean, unable to interpret input",
        }
    }
}

/// A lax `int`: surrounding whitespace, a sign, underscores between digits,
/// and a `.0…` fraction are accepted.
pub fn parse_int(text: &str) -> Result<i64, ErrorKind> {
    let trimmed = text.trim();
    let whole = strip_zero_fraction(trimmed).unwrap_or(trimmed);
    match without_underscores(whole) {
        Some(Digits::Borrowed(d)) => d.parse(),
        Some(Digits::Owned(d)) => d.parse(),
        None => return Err(ErrorKind::IntParsing),
    }
    .map_err(|_| ErrorKind::IntParsing)
}

/// A lax `float`: Python's `float()` syntax, `inf` and `nan` included.
pub fn parse_float(text: &str) -> Result<f64, ErrorKind> {
    let parsed = match without_underscores(text.trim()) {
        Some(Digits::Borrowed(d)) => d.parse::<f64>(),
        Some(Digits::Owned(d)) => d.parse::<f64>(),
        None => return Err(ErrorKind::FloatParsing),
    };
    parsed.map_err(|_| ErrorKind::FloatParsing)
}

/// A lax `bool` (no trimming, any case).
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

enum Digits<'a> {
    Borrowed(&'a str),
    Owned(String),
}

/// Drops underscores that sit between two digits, as Python allows; `None`
/// if one sits anywhere else.
fn without_underscores(text: &str) -> Option<Digits<'_>> {
    if !text.contains('_') {
        return Some(Digits::Borrowed(text));
    }
    let bytes = text.as_bytes();
    let is_digit_at = |i: Option<usize>| i.and_then(|i| bytes.get(i)).is_some_and(u8::is_ascii_digit);
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if c != '_' {
            out.push(c);
        } else if !(is_digit_at(i.checked_sub(1)) && is_digit_at(Some(i + 1))) {
            return None;
        }
    }
    Some(Digits::Owned(out))
}

/// The title pydantic and FastAPI give a name: `get_user` -> `Get User`,
/// `x-token` -> `X-Token` (Python's `str.title()`, then `_` as a space).
/// Used for field and parameter titles and operation summaries in OpenAPI.
pub fn title(name: &str) -> String {
    let mut title = String::with_capacity(name.len());
    let mut at_word_start = true;
    for c in name.chars() {
        let c = if c == '_' { ' ' } else { c };
        if c.is_alphabetic() {
            if at_word_start {
                title.extend(c.to_uppercase());
            } else {
                title.extend(c.to_lowercase());
            }
            at_word_start = false;
        } else {
            title.push(c);
            at_word_start = true;
        }
    }
    title
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_follow_pydantic() {
        for (text, want) in
            [("1", 1), (" 1 ", 1), ("+1", 1), ("1_000", 1000), ("1.0", 1), ("-0", 0), ("7.00", 7)]
        {
            assert_eq!(parse_int(text), Ok(want), "{text:?}");
        }
        for text in ["1.", "1.5", "1e3", "0x10", "", "٣", "1__0", "_1", "1_", "abc", "99999999999999999999"]
        {
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
        for text in ["1e", "abc", "", "0x1p3", "1._5"] {
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
}
