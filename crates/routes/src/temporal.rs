//! `datetime`, `date`, `time` and `timedelta` parameters, parsed from text
//! exactly as pydantic parses them (with `speedate`, the parser pydantic-core
//! uses, and its lax fallbacks), and passed to the guest as canonical text.
//!
//! The canonical forms are the ones Python's `isoformat()` writes, so a
//! guest builds its value with `fromisoformat` (or a fixed-width read):
//! `2032-04-23T10:20:30.400000+02:30`, `2032-04-23`, `10:20:30`; a duration
//! is `[-]P<days>DT<seconds>.<microseconds>S` with every field present.

use serde_json::json;
use speedate::{
    Date, DateTime, DateTimeConfig, Duration, MicrosecondsPrecisionOverflowBehavior, ParseError, Time,
    TimeConfig,
};
use strum::EnumMessage;

use crate::constraints::Violation;

/// Which of the four types a text is parsed as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Temporal {
    /// `datetime.datetime`: ISO 8601, a date alone (midnight), or a unix
    /// timestamp in seconds or milliseconds (UTC).
    Datetime,
    /// `datetime.date`: a date, or a datetime or timestamp at midnight.
    Date,
    /// `datetime.time`, with an optional UTC offset.
    Time,
    /// `datetime.timedelta`: ISO 8601 durations and `[-][D day[s], ]HH:MM:SS`.
    Timedelta,
}

/// Parses `text` as `kind`: its canonical text, or pydantic's error.
pub fn parse(kind: Temporal, text: &str) -> Result<String, Violation> {
    match kind {
        Temporal::Datetime => datetime(text),
        Temporal::Date => date(text),
        Temporal::Time => time(text),
        Temporal::Timedelta => timedelta(text),
    }
}

/// pydantic truncates a fraction past microseconds instead of refusing it.
fn time_config() -> TimeConfig {
    TimeConfig {
        microseconds_precision_overflow_behavior: MicrosecondsPrecisionOverflowBehavior::Truncate,
        unix_timestamp_offset: None,
    }
}

/// A datetime; failing that, a date at midnight. The error is the date
/// parser's, as pydantic reports it (`datetime_from_date_parsing`).
fn datetime(text: &str) -> Result<String, Violation> {
    let config = DateTimeConfig { time_config: time_config(), ..DateTimeConfig::default() };
    match DateTime::parse_bytes_with_config(text.as_bytes(), &config) {
        Ok(mut value) => {
            check_year(value.date.year, "datetime_parsing", "Input should be a valid datetime")?;
            // A timestamp is a moment in UTC.
            if value.time.tz_offset.is_none() && is_timestamp(text) {
                value.time.tz_offset = Some(0);
            }
            Ok(format!("{}T{}", date_text(&value.date), time_text(&value.time)))
        }
        Err(_) => match Date::parse_str(text) {
            Ok(value) => {
                check_year(value.year, "datetime_parsing", "Input should be a valid datetime")?;
                Ok(format!("{}T00:00:00", date_text(&value)))
            }
            Err(err) => Err(parse_error(
                "datetime_from_date_parsing",
                "Input should be a valid datetime or date",
                &err,
            )),
        },
    }
}

/// A date; failing that, a datetime (or timestamp) whose time is zero.
fn date(text: &str) -> Result<String, Violation> {
    const WORDS: &str = "Input should be a valid date in the format YYYY-MM-DD";
    let value = match Date::parse_str(text) {
        Ok(value) => value,
        Err(_) => match DateTime::parse_str(text) {
            Ok(value) if value.time.total_seconds() == 0 && value.time.microsecond == 0 => value.date,
            Ok(_) => {
                return Err(Violation::without_ctx(
                    "date_from_datetime_inexact",
                    "Datetimes provided to dates should have zero time - e.g. be exact dates",
                ));
            }
            Err(err) => {
                return Err(parse_error(
                    "date_from_datetime_parsing",
                    "Input should be a valid date or datetime",
                    &err,
                ));
            }
        },
    };
    check_year(value.year, "date_parsing", WORDS)?;
    Ok(date_text(&value))
}

fn time(text: &str) -> Result<String, Violation> {
    Time::parse_bytes_with_config(text.as_bytes(), &time_config())
        .map(|value| time_text(&value))
        .map_err(|err| parse_error("time_parsing", "Input should be in a valid time format", &err))
}

fn timedelta(text: &str) -> Result<String, Violation> {
    let value = Duration::parse_bytes_with_config(text.as_bytes(), &time_config())
        .map_err(|err| parse_error("time_delta_parsing", "Input should be a valid timedelta", &err))?;
    let sign = if value.positive { "" } else { "-" };
    Ok(format!("{sign}P{}DT{}.{:06}S", value.day, value.second, value.microsecond))
}

/// A canonical duration (`P1DT30.000000S`) as pydantic writes a
/// `timedelta` in JSON, with speedate (`P1DT30S`, `PT1H`, `-P1D`, `PT0S`).
pub fn iso_duration(canonical: &str) -> Option<String> {
    let (positive, rest) = match canonical.strip_prefix('-') {
        Some(rest) => (false, rest),
        None => (true, canonical),
    };
    let (days, time) = rest.strip_prefix('P')?.strip_suffix('S')?.split_once("DT")?;
    let (seconds, micros) = time.split_once('.')?;
    let duration =
        Duration::new(positive, days.parse().ok()?, seconds.parse().ok()?, micros.parse().ok()?).ok()?;
    Some(duration.to_string())
}

/// Python has no year 0; pydantic reports Python's own error.
fn check_year(year: u16, kind: &'static str, words: &str) -> Result<(), Violation> {
    if year > 0 {
        return Ok(());
    }
    let error = "year 0 is out of range";
    Err(Violation::new(kind, format!("{words}, {error}"), "error", json!(error)))
}

/// A text speedate read as a unix timestamp rather than a calendar date.
fn is_timestamp(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

fn parse_error(kind: &'static str, words: &str, err: &ParseError) -> Violation {
    let error = err.get_documentation().unwrap_or_default();
    Violation::new(kind, format!("{words}, {error}"), "error", json!(error))
}

fn date_text(date: &Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year, date.month, date.day)
}

/// `HH:MM:SS[.ffffff][+HH:MM[:SS]]`, as Python's `time.isoformat()`.
fn time_text(time: &Time) -> String {
    let mut out = format!("{:02}:{:02}:{:02}", time.hour, time.minute, time.second);
    if time.microsecond != 0 {
        out.push_str(&format!(".{:06}", time.microsecond));
    }
    if let Some(offset) = time.tz_offset {
        let sign = if offset < 0 { '-' } else { '+' };
        let offset = offset.unsigned_abs();
        out.push_str(&format!("{sign}{:02}:{:02}", offset / 3600, offset / 60 % 60));
        if offset % 60 != 0 {
            out.push_str(&format!(":{:02}", offset % 60));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(kind: Temporal, text: &str) -> (&'static str, String) {
        let err = parse(kind, text).unwrap_err();
        (err.kind, err.msg.into_owned())
    }

    #[test]
    fn datetimes_read_as_pydantic_reads_them() {
        let ok = |text| parse(Temporal::Datetime, text).unwrap();
        assert_eq!(ok("2032-04-23 10:20:30.4+02:30"), "2032-04-23T10:20:30.400000+02:30");
        assert_eq!(ok("2032-04-23t10:20:30z"), "2032-04-23T10:20:30+00:00");
        assert_eq!(ok("2032-04-23"), "2032-04-23T00:00:00");
        assert_eq!(ok("1700000000"), "2023-11-14T22:13:20+00:00");
        assert_eq!(ok("2032-04-23T10:20:30.1234567"), "2032-04-23T10:20:30.123456");
        assert_eq!(
            error(Temporal::Datetime, "2032-04-23T25:00"),
            (
                "datetime_from_date_parsing",
                "Input should be a valid datetime or date, unexpected extra characters at the end of the input"
                    .into()
            )
        );
        assert_eq!(error(Temporal::Datetime, "0000-01-01").0, "datetime_parsing");
    }

    #[test]
    fn dates_times_and_durations() {
        assert_eq!(parse(Temporal::Date, "2032-04-23T00:00:00").unwrap(), "2032-04-23");
        assert_eq!(parse(Temporal::Date, "1699920000").unwrap(), "2023-11-14");
        let inexact = parse(Temporal::Date, "1700000000").unwrap_err();
        assert_eq!((inexact.kind, inexact.ctx), ("date_from_datetime_inexact", serde_json::Value::Null));
        assert_eq!(error(Temporal::Date, "x").0, "date_from_datetime_parsing");
        assert_eq!(parse(Temporal::Time, "10:20:30.5+01:00").unwrap(), "10:20:30.500000+01:00");
        assert_eq!(
            error(Temporal::Time, "3600.5").1,
            "Input should be in a valid time format, invalid time separator, expected `:`"
        );
        assert_eq!(parse(Temporal::Timedelta, "1 day, 10:00:00").unwrap(), "P1DT36000.000000S");
        assert_eq!(parse(Temporal::Timedelta, "-PT1.5S").unwrap(), "-P0DT1.500000S");
        assert_eq!(error(Temporal::Timedelta, "x").0, "time_delta_parsing");
        assert_eq!(iso_duration("P0DT3600.000000S").as_deref(), Some("PT1H"));
        assert_eq!(iso_duration("-P1DT30.500000S").as_deref(), Some("-P1DT30.5S"));
    }
}
