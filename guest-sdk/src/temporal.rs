//! Date, time, duration and decimal parameters. The host parses them as
//! pydantic does and passes canonical text (see the WIT `param-type`), which
//! these impls read back without any lax parsing of their own.

use rust_decimal::Decimal;
use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::__private::ParamValue;
use crate::bindings::fasterapi::http::types::ParamType;
use crate::param::Param;

/// Implements [`Param`] for a type the host passes as canonical text.
macro_rules! text_param {
    ($(#[$doc:meta])* $ty:ty, $kind:ident, $read:expr, $write:expr) => {
        $(#[$doc])*
        impl Param for $ty {
            const KIND: ParamType = ParamType::$kind;
            fn from_value(value: ParamValue) -> Option<Self> {
                match value {
                    ParamValue::Text(text) => $read(&text),
                    _ => None,
                }
            }
            fn into_value(self) -> ParamValue {
                ParamValue::Text($write(self))
            }
        }
    };
}

text_param!(
    /// A `date`: `YYYY-MM-DD`, or a datetime or timestamp at midnight.
    Date, Date, read_date, write_date
);
text_param!(
    /// A `time`; an offset in the request is dropped (the wall-clock time is kept).
    Time, Time, |t: &str| read_time(t).map(|(time, _)| time), write_time
);
text_param!(
    /// A naive `datetime`: the wall-clock date and time as written (an offset
    /// in the request is dropped; use `OffsetDateTime` to keep it).
    PrimitiveDateTime, Datetime, |t: &str| read_datetime(t).map(|(dt, _)| dt),
    write_datetime
);
text_param!(
    /// An aware `datetime`: a value without an offset is taken as UTC.
    OffsetDateTime, Datetime,
    |t: &str| read_datetime(t).map(|(dt, offset)| dt.assume_offset(offset.unwrap_or(UtcOffset::UTC))),
    |dt: OffsetDateTime| {
        let (h, m, s) = dt.offset().as_hms();
        let sign = if dt.offset().is_negative() { '-' } else { '+' };
        let naive = write_datetime(PrimitiveDateTime::new(dt.date(), dt.time()));
        format!("{naive}{sign}{:02}:{:02}:{:02}", h.unsigned_abs(), m.unsigned_abs(), s.unsigned_abs())
    }
);
text_param!(
    /// A `timedelta`, exact to the microsecond.
    Duration, Timedelta, read_duration, |d: Duration| {
        let sign = if d.is_negative() { "-" } else { "" };
        let d = d.abs();
        let (days, secs) = (d.whole_days(), d.whole_seconds() % 86_400);
        format!("{sign}P{days}DT{secs}.{:06}S", d.subsec_microseconds())
    }
);
text_param!(
    /// A `Decimal` (`rust_decimal`: 28 significant digits; declare
    /// `max_digits = 28` or less so that longer values are a 422).
    Decimal, Decimal, |t: &str| Decimal::from_scientific(t).ok(),
    |d: Decimal| format!("{}E-{}", d.mantissa(), d.scale())
);

fn number<T: core::str::FromStr>(text: &str, range: core::ops::Range<usize>) -> Option<T> {
    text.get(range)?.parse().ok()
}

fn read_date(text: &str) -> Option<Date> {
    let month = Month::try_from(number::<u8>(text, 5..7)?).ok()?;
    Date::from_calendar_date(number(text, 0..4)?, month, number(text, 8..10)?).ok()
}

/// `HH:MM:SS[.ffffff][+HH:MM[:SS]]`.
fn read_time(text: &str) -> Option<(Time, Option<UtcOffset>)> {
    let (hour, minute, second) = (number(text, 0..2)?, number(text, 3..5)?, number(text, 6..8)?);
    let mut rest = &text[8..];
    let mut micro = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        micro = number(fraction, 0..6)?;
        rest = &fraction[6..];
    }
    let time = Time::from_hms_micro(hour, minute, second, micro).ok()?;
    let offset = match rest.as_bytes().first() {
        None => None,
        Some(sign) => {
            let sign: i32 = if *sign == b'-' { -1 } else { 1 };
            let hours: i32 = number(rest, 1..3)?;
            let minutes: i32 = number(rest, 4..6)?;
            let seconds: i32 = if rest.len() > 6 { number(rest, 7..9)? } else { 0 };
            Some(UtcOffset::from_whole_seconds(sign * (hours * 3600 + minutes * 60 + seconds)).ok()?)
        }
    };
    Some((time, offset))
}

fn read_datetime(text: &str) -> Option<(PrimitiveDateTime, Option<UtcOffset>)> {
    let (date, time) = text.split_once('T')?;
    let (time, offset) = read_time(time)?;
    Some((PrimitiveDateTime::new(read_date(date)?, time), offset))
}

/// `[-]P<days>DT<seconds>.<microseconds>S`.
fn read_duration(text: &str) -> Option<Duration> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (days, time) = rest.strip_prefix('P')?.strip_suffix('S')?.split_once("DT")?;
    let (seconds, micros) = time.split_once('.')?;
    let total = Duration::days(days.parse().ok()?)
        + Duration::seconds(seconds.parse().ok()?)
        + Duration::microseconds(micros.parse().ok()?);
    Some(if negative { -total } else { total })
}

fn write_date(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

fn write_datetime(datetime: PrimitiveDateTime) -> String {
    format!("{}T{}", write_date(datetime.date()), write_time(datetime.time()))
}

fn write_time(time: Time) -> String {
    let mut out = format!("{:02}:{:02}:{:02}", time.hour(), time.minute(), time.second());
    if time.microsecond() != 0 {
        out.push_str(&format!(".{:06}", time.microsecond()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: Param + PartialEq + core::fmt::Debug + Clone>(text: &str) -> T {
        let value = T::from_value(ParamValue::Text(text.into())).expect(text);
        assert_eq!(T::from_value(value.clone().into_value()), Some(value.clone()), "{text}");
        value
    }

    #[test]
    fn canonical_texts_read_back() {
        assert_eq!(round_trip::<Date>("2032-04-23").day(), 23);
        let t: Time = round_trip("10:20:30.500000+01:00");
        assert_eq!((t.hour(), t.microsecond()), (10, 500_000));
        let dt: OffsetDateTime = round_trip("2032-04-23T10:20:30+02:30");
        assert_eq!(dt.offset().whole_minutes(), 150);
        let naive: OffsetDateTime = round_trip("2032-04-23T10:20:30");
        assert_eq!(naive.offset(), UtcOffset::UTC);
        let d: Duration = round_trip("-P1DT30.000001S");
        assert_eq!(d, -(Duration::days(1) + Duration::seconds(30) + Duration::microseconds(1)));
        let dec: Decimal = round_trip("10E-2");
        assert_eq!(dec.to_string(), "0.10");
        assert!(Date::from_value(ParamValue::Text("2032-13-01".into())).is_none());
    }
}
