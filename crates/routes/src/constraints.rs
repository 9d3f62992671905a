//! Constraints on a parameter's value — pydantic's `gt/ge/lt/le/multiple_of`
//! for numbers and `min_length/max_length/pattern` for text — checked after
//! parsing, with pydantic's error `type`, message and `ctx`.

use std::borrow::Cow;
use std::cmp::Ordering::{self, Equal, Greater, Less};
use std::fmt;

use serde_json::{Value as Json, json};

/// A numeric bound as declared: an int bound stays an int in the error's
/// `ctx` (`{"ge": 1}` vs `{"ge": 1.0}`), as pydantic writes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// An integer bound.
    Int(i64),
    /// A float bound.
    Float(f64),
}

impl Number {
    fn as_f64(self) -> f64 {
        match self {
            Number::Int(v) => v as f64,
            Number::Float(v) => v,
        }
    }

    fn to_json(self) -> Json {
        match self {
            Number::Int(v) => json!(v),
            Number::Float(v) => json!(v),
        }
    }
}

impl fmt::Display for Number {
    /// As pydantic-core writes a bound in a message: Rust's shortest form
    /// (`1`, `0.5`, and `0` for `0.0`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(v) => write!(f, "{v}"),
            Number::Float(v) => write!(f, "{v}"),
        }
    }
}

/// A regular expression a text value must contain a match of (pydantic's
/// `pattern`, which searches rather than matching the whole text).
#[derive(Debug, Clone)]
pub struct Pattern(regex::Regex);

impl Pattern {
    /// Compiles `source`; the error says why it is not a pattern.
    pub fn new(source: &str) -> Result<Pattern, String> {
        regex::Regex::new(source).map(Pattern).map_err(|err| err.to_string())
    }

    /// The pattern as declared.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Pattern) -> bool {
        self.as_str() == other.as_str()
    }
}

/// Everything a parameter's value must satisfy beyond its type.
#[derive(Debug, Clone, PartialEq, Default)]
#[allow(missing_docs)] // each field is the pydantic constraint of that name
pub struct Constraints {
    pub gt: Option<Number>,
    pub ge: Option<Number>,
    pub lt: Option<Number>,
    pub le: Option<Number>,
    pub multiple_of: Option<Number>,
    /// A `Decimal`'s most digits in all (pydantic's `max_digits`).
    pub max_digits: Option<u32>,
    /// A `Decimal`'s most digits after the point (`decimal_places`).
    pub decimal_places: Option<u32>,
    pub min_length: Option<u32>,
    pub max_length: Option<u32>,
    pub pattern: Option<Pattern>,
    /// The only values allowed: an `Enum`'s or a `Literal`'s.
    pub choices: Option<Choices>,
}

/// The values of an `Enum` or a `Literal`, checked as pydantic does: the
/// text must equal a text value; an int value is matched after pydantic's
/// lax int parsing only for an int parameter (an `IntEnum`), never for a
/// text one (a `Literal[1, 2]` in a query is never met, as in FastAPI).
#[derive(Debug, Clone, PartialEq)]
pub struct Choices {
    /// The allowed values, `Int` or `Text`.
    pub values: Vec<crate::value::Value>,
    /// A `Literal` (error `literal_error`) rather than an `Enum` (`enum`).
    pub literal: bool,
    /// An `Enum`'s class name: its schema goes to `components/schemas`.
    pub name: Option<String>,
    /// An `Enum`'s docstring.
    pub description: Option<String>,
}

impl Choices {
    /// The value `text` names, or pydantic's error.
    pub fn pick(&self, kind: crate::spec::ParamKind, text: &str) -> Result<crate::value::Value, Violation> {
        use crate::value::Value;
        let int =
            (kind == crate::spec::ParamKind::Int).then(|| fasterapi_lax::parse_int(text).ok()).flatten();
        let found = self.values.iter().find(|value| match value {
            Value::Text(choice) => choice == text,
            Value::Int(choice) => int == Some(*choice),
            _ => false,
        });
        found.cloned().ok_or_else(|| self.miss())
    }

    /// pydantic's error for a value that is none of these.
    pub fn miss(&self) -> Violation {
        let expected = self.expected();
        let kind = if self.literal { "literal_error" } else { "enum" };
        Violation::new(kind, format!("Input should be {expected}"), "expected", json!(expected))
    }

    /// pydantic's `expected`: `'a'`, `'a' or 'b'`, `'a', 'b' or 'c'`.
    fn expected(&self) -> String {
        let reprs: Vec<String> = self.values.iter().map(python_repr).collect();
        match reprs.split_last() {
            None => String::new(),
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        }
    }
}

/// Python's `repr` of an int or a str.
fn python_repr(value: &crate::value::Value) -> String {
    match value {
        crate::value::Value::Int(v) => v.to_string(),
        crate::value::Value::Text(text) => {
            let quote = if text.contains('\'') && !text.contains('"') { '"' } else { '\'' };
            let mut out = String::from(quote);
            for c in text.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if c == quote => {
                        out.push('\\');
                        out.push(c);
                    }
                    c => out.push(c),
                }
            }
            out.push(quote);
            out
        }
        other => format!("{other:?}"),
    }
}

/// A value that broke a constraint: pydantic's error `type`, message and `ctx`.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// pydantic's error type (`greater_than_equal`, `string_too_short`, ...).
    pub kind: &'static str,
    /// pydantic's message.
    pub msg: Cow<'static, str>,
    /// pydantic's `ctx` object.
    pub ctx: Json,
}

impl Violation {
    /// An error of pydantic type `kind` whose `ctx` is `{key: value}`.
    pub fn new(kind: &'static str, msg: String, key: &str, value: Json) -> Violation {
        let mut ctx = serde_json::Map::new();
        ctx.insert(key.into(), value);
        Violation { kind, msg: msg.into(), ctx: Json::Object(ctx) }
    }

    /// An error of pydantic type `kind` that has no `ctx`.
    pub fn without_ctx(kind: &'static str, msg: &'static str) -> Violation {
        Violation { kind, msg: msg.into(), ctx: Json::Null }
    }

    fn bound(kind: &'static str, words: &str, key: &str, bound: Number) -> Violation {
        Violation::new(kind, format!("Input should be {words} {bound}"), key, bound.to_json())
    }
}

impl Constraints {
    /// Whether there is anything to check.
    pub fn is_empty(&self) -> bool {
        *self == Constraints::default()
    }

    /// Whether any numeric constraint is set.
    pub fn has_numeric(&self) -> bool {
        self.gt.is_some()
            || self.ge.is_some()
            || self.lt.is_some()
            || self.le.is_some()
            || self.multiple_of.is_some()
    }

    /// Whether any text constraint is set.
    pub fn has_text(&self) -> bool {
        self.min_length.is_some() || self.max_length.is_some() || self.pattern.is_some()
    }

    /// Checks a number in pydantic's order (`multiple_of`, `le`, `lt`, `ge`,
    /// `gt`); the first broken constraint is the error, as in pydantic.
    pub fn check_number(&self, value: Number) -> Result<(), Violation> {
        if let Some(step) = self.multiple_of.filter(|step| !is_multiple(value, *step)) {
            return Err(Violation::bound("multiple_of", "a multiple of", "multiple_of", step));
        }
        for (bound, check) in self.bounds() {
            let Some(bound) = bound else { continue };
            // NaN compares to nothing and so breaks no bound, as in pydantic.
            if compare(value, bound).is_some_and(|order| check.breaks.contains(&order)) {
                return Err(Violation::bound(check.kind, check.words, check.key, bound));
            }
        }
        Ok(())
    }

    /// The bounds in pydantic's order of checking, with how each is broken.
    pub(crate) fn bounds(&self) -> [(Option<Number>, &'static BoundCheck); 4] {
        [(self.le, &LE), (self.lt, &LT), (self.ge, &GE), (self.gt, &GT)]
    }

    /// Checks text: length in characters, then the pattern.
    pub fn check_text(&self, text: &str) -> Result<(), Violation> {
        let length = || text.chars().count();
        if let Some(min) = self.min_length.filter(|min| length() < *min as usize) {
            let msg = format!("String should have at least {min} character{}", plural(min));
            return Err(Violation::new("string_too_short", msg, "min_length", json!(min)));
        }
        if let Some(max) = self.max_length.filter(|max| length() > *max as usize) {
            let msg = format!("String should have at most {max} character{}", plural(max));
            return Err(Violation::new("string_too_long", msg, "max_length", json!(max)));
        }
        if let Some(pattern) = self.pattern.as_ref().filter(|p| !p.0.is_match(text)) {
            let msg = format!("String should match pattern '{}'", pattern.as_str());
            return Err(Violation::new("string_pattern_mismatch", msg, "pattern", json!(pattern.as_str())));
        }
        Ok(())
    }
}

/// One kind of bound: the orderings of value to bound that break it, and
/// how pydantic names it.
pub(crate) struct BoundCheck {
    pub(crate) breaks: &'static [Ordering],
    pub(crate) kind: &'static str,
    pub(crate) words: &'static str,
    pub(crate) key: &'static str,
}

const LE: BoundCheck =
    BoundCheck { breaks: &[Greater], kind: "less_than_equal", words: "less than or equal to", key: "le" };
const LT: BoundCheck =
    BoundCheck { breaks: &[Greater, Equal], kind: "less_than", words: "less than", key: "lt" };
const GE: BoundCheck =
    BoundCheck { breaks: &[Less], kind: "greater_than_equal", words: "greater than or equal to", key: "ge" };
const GT: BoundCheck =
    BoundCheck { breaks: &[Less, Equal], kind: "greater_than", words: "greater than", key: "gt" };

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `value` against `bound`: exact between integers.
fn compare(value: Number, bound: Number) -> Option<Ordering> {
    match (value, bound) {
        (Number::Int(v), Number::Int(b)) => Some(v.cmp(&b)),
        (v, b) => v.as_f64().partial_cmp(&b.as_f64()),
    }
}

/// pydantic's test: exact between integers; for floats the remainder must be
/// within `|value| / 1e9` of 0 or of `step`.
fn is_multiple(value: Number, step: Number) -> bool {
    match (value, step) {
        (_, Number::Int(0)) => true,
        (Number::Int(v), Number::Int(step)) => v.checked_rem(step).is_none_or(|rem| rem == 0),
        (value, step) => {
            let (value, step) = (value.as_f64(), step.as_f64());
            let rem = value % step;
            let threshold = value.abs() / 1e9;
            rem.abs() <= threshold || (rem - step).abs() <= threshold
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(gt: Option<Number>, ge: Option<Number>, multiple_of: Option<Number>) -> Constraints {
        Constraints { gt, ge, multiple_of, ..Constraints::default() }
    }

    #[test]
    fn numeric_errors_read_as_pydantic_writes_them() {
        let c = numbers(None, Some(Number::Int(1)), None);
        assert_eq!(c.check_number(Number::Int(1)), Ok(()));
        let err = c.check_number(Number::Int(0)).unwrap_err();
        assert_eq!(
            (err.kind, err.msg.as_ref(), err.ctx),
            ("greater_than_equal", "Input should be greater than or equal to 1", json!({"ge": 1}))
        );
        let err = numbers(Some(Number::Float(0.5)), None, None).check_number(Number::Float(0.5)).unwrap_err();
        assert_eq!((err.kind, err.msg.as_ref()), ("greater_than", "Input should be greater than 0.5"));
        let err = numbers(None, Some(Number::Float(2.0)), None).check_number(Number::Float(1.0)).unwrap_err();
        assert_eq!(
            (err.msg.as_ref(), err.ctx),
            ("Input should be greater than or equal to 2", json!({"ge": 2.0}))
        );
    }

    #[test]
    fn multiple_of_is_checked_first() {
        let c = numbers(None, Some(Number::Int(10)), Some(Number::Int(3)));
        assert_eq!(c.check_number(Number::Int(4)).unwrap_err().kind, "multiple_of");
        assert_eq!(c.check_number(Number::Int(6)).unwrap_err().kind, "greater_than_equal");
        assert_eq!(c.check_number(Number::Int(12)), Ok(()));
        assert_eq!(numbers(None, None, Some(Number::Float(0.1))).check_number(Number::Float(0.3)), Ok(()));
    }

    #[test]
    fn choices_say_what_was_expected() {
        use crate::spec::ParamKind;
        use crate::value::Value;
        let colors = Choices {
            values: vec![Value::Text("red".into()), Value::Text("it's".into()), Value::Text("b".into())],
            literal: false,
            name: Some("Color".into()),
            description: None,
        };
        assert_eq!(colors.pick(ParamKind::Text, "red"), Ok(Value::Text("red".into())));
        let err = colors.pick(ParamKind::Text, "RED").unwrap_err();
        assert_eq!((err.kind, err.msg.as_ref()), ("enum", "Input should be 'red', \"it's\" or 'b'"));
        let numbers = Choices {
            values: vec![Value::Int(1), Value::Int(2)],
            literal: true,
            name: None,
            description: None,
        };
        assert_eq!(numbers.pick(ParamKind::Int, "2.0"), Ok(Value::Int(2)));
        let err = numbers.pick(ParamKind::Text, "2").unwrap_err();
        assert_eq!((err.kind, err.ctx), ("literal_error", json!({"expected": "1 or 2"})));
    }

    #[test]
    fn text_errors_count_characters() {
        let c = Constraints {
            min_length: Some(2),
            max_length: Some(3),
            pattern: Some(Pattern::new("^[a-zé]+$").unwrap()),
            ..Constraints::default()
        };
        assert_eq!(c.check_text("éé"), Ok(()));
        let short = c.check_text("a").unwrap_err();
        assert_eq!(
            (short.kind, short.msg.as_ref()),
            ("string_too_short", "String should have at least 2 characters")
        );
        assert_eq!(c.check_text("abcd").unwrap_err().ctx, json!({"max_length": 3}));
        let mismatch = c.check_text("A1").unwrap_err();
        assert_eq!(mismatch.msg, "String should match pattern '^[a-zé]+$'");
        let one = Constraints { min_length: Some(1), ..Constraints::default() };
        assert_eq!(one.check_text("").unwrap_err().msg, "String should have at least 1 character");
    }
}
