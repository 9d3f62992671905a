//! `Decimal` parameters: Python's `Decimal` text syntax, checked as pydantic
//! checks it (finite, `max_digits`, `decimal_places`, then the numeric
//! bounds compared exactly), and passed to the guest as canonical text
//! `[-]<coefficient>E<exponent>`, from which Python's `Decimal` rebuilds the
//! very value pydantic would have made (`0.10` stays `Decimal('0.10')`).

use std::cmp::Ordering;
use std::fmt;

use serde_json::{Value as Json, json};

use crate::constraints::{Constraints, Number, Violation};

/// A finite decimal: `(-1)^negative * coefficient * 10^exponent`, the
/// coefficient's digits without leading zeros (`"0"` for zero), as
/// Python's `Decimal.as_tuple()` keeps them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decimal {
    negative: bool,
    digits: String,
    exponent: i64,
}

/// Why a text is not a finite decimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalError {
    /// Not Python `Decimal` syntax: pydantic's `decimal_parsing`.
    Syntax,
    /// `NaN` or an infinity: pydantic's `finite_number`.
    NotFinite,
}

impl Decimal {
    /// Parses Python's `Decimal(text)` syntax: surrounding whitespace, a
    /// sign, digits with single underscores between them, a fraction, an
    /// exponent.
    pub fn parse(text: &str) -> Result<Decimal, DecimalError> {
        let text = text.trim();
        let (negative, body) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        if is_special(body) {
            return Err(DecimalError::NotFinite);
        }
        let (mantissa, exponent) = match body.find(['e', 'E']) {
            Some(at) => (&body[..at], parse_exponent(&body[at + 1..])?),
            None => (body, 0),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let (whole, fraction) = (digits_of(whole)?, digits_of(fraction)?);
        if whole.is_empty() && fraction.is_empty() {
            return Err(DecimalError::Syntax);
        }
        let exponent = exponent.checked_sub(fraction.len() as i64).ok_or(DecimalError::Syntax)?;
        let all = whole + &fraction;
        let digits = all.trim_start_matches('0');
        let digits = if digits.is_empty() { "0".to_owned() } else { digits.to_owned() };
        Ok(Decimal { negative, digits, exponent })
    }

    /// The decimal a bound stands for, as pydantic converts it: an int
    /// exactly, a float through its Python `repr` (`0.1` is `Decimal('0.1')`).
    pub fn of_bound(bound: Number) -> Decimal {
        let text = match bound {
            Number::Int(v) => v.to_string(),
            Number::Float(v) => python_float_repr(v),
        };
        Decimal::parse(&text).unwrap_or(Decimal { negative: false, digits: "0".into(), exponent: 0 })
    }

    /// The canonical text passed to the guest: `[-]<digits>E<exponent>`.
    pub fn canonical(&self) -> String {
        format!("{}{}E{}", if self.negative { "-" } else { "" }, self.digits, self.exponent)
    }

    fn is_zero(&self) -> bool {
        self.digits == "0"
    }

    /// Without trailing zeros (`Decimal.normalize()`; zero is `0E0`).
    fn normalized(&self) -> Decimal {
        if self.is_zero() {
            return Decimal { exponent: 0, ..self.clone() };
        }
        let digits = self.digits.trim_end_matches('0');
        let dropped = (self.digits.len() - digits.len()) as i64;
        Decimal {
            negative: self.negative,
            digits: digits.to_owned(),
            exponent: self.exponent.saturating_add(dropped),
        }
    }

    /// pydantic's (digits, decimal places) of this value.
    fn digits_and_places(&self) -> (u64, u64) {
        let len = self.digits.len() as u64;
        if self.exponent >= 0 {
            (len.saturating_add(self.exponent as u64), 0)
        } else {
            let places = self.exponent.unsigned_abs();
            (len.max(places), places)
        }
    }

    /// Compares two decimals by value (`-0 == 0`).
    fn compare(&self, other: &Decimal) -> Ordering {
        match (self.is_zero(), other.is_zero()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return if other.negative { Ordering::Greater } else { Ordering::Less },
            (false, true) => return if self.negative { Ordering::Less } else { Ordering::Greater },
            _ => {}
        }
        if self.negative != other.negative {
            return if self.negative { Ordering::Less } else { Ordering::Greater };
        }
        let magnitude = self.compare_magnitude(other);
        if self.negative { magnitude.reverse() } else { magnitude }
    }

    fn compare_magnitude(&self, other: &Decimal) -> Ordering {
        // The position of the leading digit decides, then the digits in turn.
        let adjusted = |d: &Decimal| d.exponent as i128 + d.digits.len() as i128;
        adjusted(self).cmp(&adjusted(other)).then_with(|| {
            let width = self.digits.len().max(other.digits.len());
            let pad = |d: &str| format!("{d:0<width$}");
            pad(&self.digits).cmp(&pad(&other.digits))
        })
    }

    /// Whether this is a whole multiple of `step` (a non-zero decimal).
    fn is_multiple_of(&self, step: &Decimal) -> bool {
        let Ok(modulus) = step.digits.parse::<u128>() else { return true };
        if modulus == 0 || self.is_zero() {
            return true;
        }
        // In i128: a value's exponent may be near either end of i64.
        let gap = i128::from(step.exponent) - i128::from(self.exponent);
        if gap > 0 {
            // value / step = (digits / 10^k) / step_digits: the value's
            // coefficient must end in k zeros, and what is left divide.
            let Some(head) = usize::try_from(gap).ok().and_then(|k| self.digits.len().checked_sub(k)) else {
                return false;
            };
            if !self.digits[head..].bytes().all(|b| b == b'0') {
                return false;
            }
            return remainder(&self.digits[..head], modulus) == 0;
        }
        let shift = u64::try_from(-gap).unwrap_or(u64::MAX);
        mul_mod(remainder(&self.digits, modulus), pow_mod(10, shift, modulus), modulus) == 0
    }

    /// The bound's `ctx` value as FastAPI encodes a `Decimal`: an int when
    /// its exponent is not negative, else a float.
    fn ctx_value(&self) -> Json {
        if self.exponent >= 0 {
            let text = format!(
                "{}{}{}",
                if self.negative { "-" } else { "" },
                self.digits,
                "0".repeat(self.exponent as usize)
            );
            if let Ok(int) = text.parse::<i64>() {
                return json!(int);
            }
        }
        json!(self.canonical().parse::<f64>().unwrap_or(0.0))
    }
}

impl fmt::Display for Decimal {
    /// Python's `str(Decimal)`: plain notation unless the exponent is
    /// positive or the value is very small (`1E+1`, `1E-7`, `0.10`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.negative { "-" } else { "" };
        let len = self.digits.len() as i64;
        let adjusted = self.exponent + len - 1;
        if self.exponent <= 0 && adjusted >= -6 {
            let places = (-self.exponent) as usize;
            if places == 0 {
                return write!(f, "{sign}{}", self.digits);
            }
            if self.digits.len() > places {
                let (whole, fraction) = self.digits.split_at(self.digits.len() - places);
                return write!(f, "{sign}{whole}.{fraction}");
            }
            return write!(f, "{sign}0.{}{}", "0".repeat(places - self.digits.len()), self.digits);
        }
        let (first, rest) = self.digits.split_at(1);
        let dot = if rest.is_empty() { "" } else { "." };
        let exp_sign = if adjusted >= 0 { "+" } else { "" };
        write!(f, "{sign}{first}{dot}{rest}E{exp_sign}{adjusted}")
    }
}

/// Parses `text` as a `Decimal` parameter that must meet `constraints`:
/// the canonical text, or pydantic's error (checked in pydantic's order).
pub fn parse_checked(constraints: &Constraints, text: &str) -> Result<String, Violation> {
    let value = Decimal::parse(text).map_err(|err| match err {
        DecimalError::Syntax => Violation::without_ctx("decimal_parsing", "Input should be a valid decimal"),
        DecimalError::NotFinite => Violation::without_ctx("finite_number", "Input should be a finite number"),
    })?;
    check_digits(constraints, &value)?;
    check_bounds(constraints, &value)?;
    Ok(value.canonical())
}

/// `max_digits`, `decimal_places` and the whole digits they leave: broken
/// only when the value breaks them both as written and normalized.
fn check_digits(constraints: &Constraints, value: &Decimal) -> Result<(), Violation> {
    let (max_digits, max_places) = (constraints.max_digits, constraints.decimal_places);
    if max_digits.is_none() && max_places.is_none() {
        return Ok(());
    }
    let forms = [value.digits_and_places(), value.normalized().digits_and_places()];
    let breaks = |test: &dyn Fn((u64, u64)) -> bool| forms.iter().all(|form| test(*form));
    if let Some(max) = max_digits.filter(|max| breaks(&|(digits, _)| digits > u64::from(*max))) {
        let msg = format!("Decimal input should have no more than {max} digit{} in total", plural(max));
        return Err(Violation::new("decimal_max_digits", msg, "max_digits", json!(max)));
    }
    if let Some(max) = max_places.filter(|max| breaks(&|(_, places)| places > u64::from(*max))) {
        let msg = format!("Decimal input should have no more than {max} decimal place{}", plural(max));
        return Err(Violation::new("decimal_max_places", msg, "decimal_places", json!(max)));
    }
    if let (Some(digits), Some(places)) = (max_digits, max_places) {
        let whole = digits.saturating_sub(places);
        if breaks(&|(d, p)| d - p > u64::from(whole)) {
            let msg = format!(
                "Decimal input should have no more than {whole} digit{} before the decimal point",
                plural(whole)
            );
            return Err(Violation::new("decimal_whole_digits", msg, "whole_digits", json!(whole)));
        }
    }
    Ok(())
}

/// `multiple_of`, then `le, lt, ge, gt`, each bound as a `Decimal`.
fn check_bounds(constraints: &Constraints, value: &Decimal) -> Result<(), Violation> {
    let step = constraints.multiple_of.map(Decimal::of_bound);
    if let Some(step) = step.filter(|step| !value.is_multiple_of(step)) {
        return Err(bound_violation("multiple_of", "a multiple of", "multiple_of", &step));
    }
    for (bound, check) in constraints.bounds() {
        let Some(bound) = bound.map(Decimal::of_bound) else { continue };
        if check.breaks.contains(&value.compare(&bound)) {
            return Err(bound_violation(check.kind, check.words, check.key, &bound));
        }
    }
    Ok(())
}

fn bound_violation(kind: &'static str, words: &str, key: &str, bound: &Decimal) -> Violation {
    Violation::new(kind, format!("Input should be {words} {bound}"), key, bound.ctx_value())
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `inf`, `infinity`, `nan`, `snan` (a NaN may carry digits), any case.
fn is_special(body: &str) -> bool {
    let lower = body.to_ascii_lowercase();
    if lower == "inf" || lower == "infinity" {
        return true;
    }
    let payload = lower.strip_prefix("snan").or_else(|| lower.strip_prefix("nan"));
    payload.is_some_and(|digits| digits.bytes().all(|b| b.is_ascii_digit()))
}

/// Digits with single underscores between them, without the underscores.
fn digits_of(text: &str) -> Result<String, DecimalError> {
    if text.starts_with('_') || text.ends_with('_') || text.contains("__") {
        return Err(DecimalError::Syntax);
    }
    let digits: String = text.chars().filter(|c| *c != '_').collect();
    if digits.bytes().all(|b| b.is_ascii_digit()) { Ok(digits) } else { Err(DecimalError::Syntax) }
}

fn parse_exponent(text: &str) -> Result<i64, DecimalError> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let digits = digits_of(digits)?;
    if digits.is_empty() {
        return Err(DecimalError::Syntax);
    }
    // Exponents beyond 18 digits are refused rather than overflowed.
    let value: i64 = digits.parse().map_err(|_| DecimalError::Syntax)?;
    Ok(if negative { -value } else { value })
}

fn remainder(digits: &str, modulus: u128) -> u128 {
    digits.bytes().fold(0, |acc, b| mul_mod(acc, 10, modulus).wrapping_add(u128::from(b - b'0')) % modulus)
}

fn mul_mod(a: u128, b: u128, modulus: u128) -> u128 {
    // Double-and-add keeps every intermediate below 2 * modulus.
    let (mut result, mut a, mut b) = (0u128, a % modulus, b);
    while b > 0 {
        if b & 1 == 1 {
            result = (result + a) % modulus;
        }
        a = (a + a) % modulus;
        b >>= 1;
    }
    result
}

fn pow_mod(base: u128, mut exp: u64, modulus: u128) -> u128 {
    let (mut result, mut base) = (1 % modulus, base % modulus);
    while exp > 0 {
        if exp & 1 == 1 {
            result = mul_mod(result, base, modulus);
        }
        base = mul_mod(base, base, modulus);
        exp >>= 1;
    }
    result
}

/// Python's `repr(float)`: the shortest digits that round-trip, in plain
/// notation for exponents from -4 to 15 (`5.0`, `0.0001`), else
/// scientific (`1e-05`, `1e+16`).
pub fn python_float_repr(value: f64) -> String {
    if !value.is_finite() {
        return if value.is_nan() {
            "nan".into()
        } else if value > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let scientific = format!("{value:e}"); // `1.5e-7`: shortest round-trip digits
    let (mantissa, exp) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..16).contains(&exp) {
        let plain = format!("{value}");
        return if plain.contains('.') { plain } else { format!("{plain}.0") };
    }
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exp.unsigned_abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(constraints: &Constraints, text: &str) -> Result<String, (&'static str, String)> {
        parse_checked(constraints, text).map_err(|v| (v.kind, v.msg.into_owned()))
    }

    #[test]
    fn decimals_parse_as_python_writes_them() {
        let none = Constraints::default();
        assert_eq!(check(&none, " 2.5 "), Ok("25E-1".into()));
        assert_eq!(check(&none, "0.10"), Ok("10E-2".into()));
        assert_eq!(check(&none, "1_000"), Ok("1000E0".into()));
        assert_eq!(check(&none, "1e3"), Ok("1E3".into()));
        assert_eq!(check(&none, "-0"), Ok("-0E0".into()));
        assert_eq!(check(&none, "x").unwrap_err().0, "decimal_parsing");
        assert_eq!(check(&none, "1__0").unwrap_err().0, "decimal_parsing");
        assert_eq!(check(&none, "NaN").unwrap_err().0, "finite_number");
        assert_eq!(check(&none, "-Infinity").unwrap_err().0, "finite_number");
        assert_eq!(Decimal::parse("0.000001").unwrap().to_string(), "0.000001");
        assert_eq!(Decimal::parse("0.0000001").unwrap().to_string(), "1E-7");
        assert_eq!(Decimal::parse("1e1").unwrap().to_string(), "1E+1");
        assert_eq!(Decimal::parse("5.50").unwrap().to_string(), "5.50");
    }

    #[test]
    fn digits_count_as_pydantic_counts_them() {
        let c = Constraints { max_digits: Some(3), decimal_places: Some(1), ..Constraints::default() };
        assert_eq!(check(&c, "0.123").unwrap_err().0, "decimal_max_places");
        assert_eq!(check(&c, "1234.5").unwrap_err().0, "decimal_max_digits");
        assert_eq!(
            check(&c, "123").unwrap_err().1,
            "Decimal input should have no more than 2 digits before the decimal point"
        );
        assert!(check(&c, "1.10").is_ok());
        let two = Constraints { max_digits: Some(2), ..Constraints::default() };
        assert_eq!(check(&two, "1E+2").unwrap_err().0, "decimal_max_digits");
        assert!(check(&two, "1E+1").is_ok());
        assert_eq!(check(&two, "0.001").unwrap_err().0, "decimal_max_digits");
    }

    #[test]
    fn bounds_compare_exactly_and_read_as_decimals() {
        let c = Constraints {
            gt: Some(Number::Float(5.0)),
            multiple_of: Some(Number::Float(0.1)),
            ..Constraints::default()
        };
        assert!(check(&c, "5.3").is_ok());
        assert_eq!(check(&c, "5.35").unwrap_err().1, "Input should be a multiple of 0.1");
        assert_eq!(check(&c, "5.0").unwrap_err().1, "Input should be greater than 5.0");
        let err = parse_checked(&c, "5").unwrap_err();
        assert_eq!(err.ctx, json!({"gt": 5.0}));
        let le = Constraints { le: Some(Number::Int(10)), ..Constraints::default() };
        assert!(check(&le, "10.0000000000000000000000001").is_err());
        assert!(check(&le, "-1E+30").is_ok());
        assert_eq!(parse_checked(&le, "11").unwrap_err().ctx, json!({"le": 10}));
        // Extreme exponents are compared and divided without overflow.
        let step = Constraints { multiple_of: Some(Number::Float(0.5)), ..Constraints::default() };
        assert!(check(&step, "1e-9223372036854775000").is_err());
        assert!(check(&step, "1e9223372036854775000").is_ok());
        assert!(check(&le, "1e-9223372036854775000").is_ok());
    }

    #[test]
    fn float_reprs_match_python() {
        assert_eq!(python_float_repr(5.0), "5.0");
        assert_eq!(python_float_repr(0.1), "0.1");
        assert_eq!(python_float_repr(1e-5), "1e-05");
        assert_eq!(python_float_repr(1e16), "1e+16");
        assert_eq!(python_float_repr(123456789012345.6), "123456789012345.6");
        assert_eq!(python_float_repr(0.0001), "0.0001");
    }
}
