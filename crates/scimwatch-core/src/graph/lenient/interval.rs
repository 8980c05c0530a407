//! Schedule intervals as sent: ISO 8601 durations and .NET `TimeSpan` text,
//! `TimeSpan.MaxValue` meaning "no schedule".

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::*;

/// .NET `TimeSpan.MaxValue` as Graph writes it: the "no schedule" sentinel.
pub const TIMESPAN_MAX_TEXT: &str = "P10675199DT2H48M5.4775807S";

/// Durations of this many days or more are `TimeSpan.MaxValue` in disguise.
const NO_SCHEDULE_DAYS: i128 = 10_675_199;

const NANOS_PER_SEC: i128 = 1_000_000_000;

/// A synchronization schedule interval (`schedule.interval`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, ts_rs::TS)]
#[ts(type = "string")]
pub enum Interval {
    /// A real period (`PT40M` for an active SCIM job).
    Every(chrono::Duration),
    /// `P10675199DT2H48M5.4775807S` (.NET `TimeSpan.MaxValue`) or longer:
    /// the job has no schedule (a disabled job).
    NoSchedule,
    /// Text that is not a duration this parser understands (years, months,
    /// negative values, garbage), kept verbatim.
    Unparsed(String),
}

impl Interval {
    /// Parse ISO-8601 (`PT40M`, `P1DT2H`, `PT0.5S`, `P1W`) or .NET
    /// `[d.]hh:mm:ss[.fffffff]` text. `""` → `None`. Never fails otherwise.
    pub fn parse(s: &str) -> Option<Self> {
        let t = s.trim();
        if t.is_empty() {
            return None;
        }
        let nanos = if t.contains(':') {
            parse_timespan_nanos(t)
        } else {
            parse_iso_duration_nanos(t)
        };
        Some(match nanos {
            Some(n) if n >= NO_SCHEDULE_DAYS * 86_400 * NANOS_PER_SEC => Interval::NoSchedule,
            Some(n) => match i64::try_from(n) {
                Ok(n) => Interval::Every(chrono::Duration::nanoseconds(n)),
                Err(_) => Interval::NoSchedule,
            },
            None => Interval::Unparsed(t.to_string()),
        })
    }

    /// The period, when there is one.
    pub fn every(&self) -> Option<chrono::Duration> {
        match self {
            Interval::Every(d) => Some(*d),
            _ => None,
        }
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Interval::Every(d) => f.write_str(&format_iso_duration(*d)),
            Interval::NoSchedule => f.write_str(TIMESPAN_MAX_TEXT),
            Interval::Unparsed(s) => f.write_str(s),
        }
    }
}

impl Serialize for Interval {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Interval {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = LenientStr::deserialize(d)?;
        Ok(text
            .non_empty()
            .and_then(Interval::parse)
            .unwrap_or_else(|| Interval::Unparsed(String::new())))
    }
}

/// `Option<Interval>`: `""`/`null` → `None`.
pub fn opt_interval<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Interval>, D::Error> {
    Ok(LenientStr::deserialize(d)?
        .non_empty()
        .and_then(Interval::parse))
}

/// Parse a decimal number (`12`, `0.5`, `5,25`) into `units` nanoseconds each.
fn scaled(number: &str, unit_nanos: i128) -> Option<i128> {
    let (int, frac) = match number.find(['.', ',']) {
        Some(i) => (&number[..i], &number[i + 1..]),
        None => (number, ""),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Bound the digits so the arithmetic cannot overflow i128.
    if int.len() > 18 {
        return None;
    }
    let whole: i128 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut total = whole.checked_mul(unit_nanos)?;
    let frac = &frac[..frac.len().min(18)];
    if !frac.is_empty() {
        let num: i128 = frac.parse().ok()?;
        let den = 10i128.checked_pow(u32::try_from(frac.len()).ok()?)?;
        total = total.checked_add(num.checked_mul(unit_nanos)? / den)?;
    }
    Some(total)
}

/// ISO-8601 duration → nanoseconds. Years and months are refused (their
/// length is ambiguous); weeks, days, hours, minutes, seconds accepted.
fn parse_iso_duration_nanos(s: &str) -> Option<i128> {
    let upper = s.to_ascii_uppercase();
    let rest = upper.strip_prefix('P')?;
    let mut in_time = false;
    let mut total: i128 = 0;
    let mut number = String::new();
    let mut components = 0;
    for c in rest.chars() {
        match c {
            'T' if !in_time && number.is_empty() => in_time = true,
            '0'..='9' | '.' | ',' => number.push(c),
            unit => {
                if number.is_empty() {
                    return None;
                }
                let unit_nanos: i128 = match (in_time, unit) {
                    (false, 'W') => 7 * 86_400 * NANOS_PER_SEC,
                    (false, 'D') => 86_400 * NANOS_PER_SEC,
                    (true, 'H') => 3_600 * NANOS_PER_SEC,
                    (true, 'M') => 60 * NANOS_PER_SEC,
                    (true, 'S') => NANOS_PER_SEC,
                    _ => return None,
                };
                total = total.checked_add(scaled(&number, unit_nanos)?)?;
                number.clear();
                components += 1;
            }
        }
    }
    if !number.is_empty() || components == 0 {
        return None;
    }
    Some(total)
}

/// .NET `TimeSpan` text `[d.]hh:mm:ss[.fffffff]` → nanoseconds.
fn parse_timespan_nanos(s: &str) -> Option<i128> {
    let parts: Vec<&str> = s.split(':').collect();
    let [head, mm, ss] = parts.as_slice() else {
        return None;
    };
    let (days, hh) = match head.split_once('.') {
        Some((d, h)) => (scaled(d, 86_400 * NANOS_PER_SEC)?, h),
        None => (0, *head),
    };
    if hh.contains(['.', ',']) || mm.contains(['.', ',']) {
        return None;
    }
    let total = days
        .checked_add(scaled(hh, 3_600 * NANOS_PER_SEC)?)?
        .checked_add(scaled(mm, 60 * NANOS_PER_SEC)?)?
        .checked_add(scaled(ss, NANOS_PER_SEC)?)?;
    Some(total)
}

/// Format a duration as ISO-8601 (`PT40M`, `P1DT2H`, `PT0.5S`; zero → `PT0S`).
pub fn format_iso_duration(d: chrono::Duration) -> String {
    let mut out = String::new();
    let mut nanos = i128::from(d.num_seconds()) * NANOS_PER_SEC + i128::from(d.subsec_nanos());
    if nanos < 0 {
        out.push('-');
        nanos = -nanos;
    }
    out.push('P');
    let day = 86_400 * NANOS_PER_SEC;
    let days = nanos / day;
    nanos %= day;
    if days > 0 {
        out.push_str(&format!("{days}D"));
    }
    if nanos > 0 || days == 0 {
        out.push('T');
        let h = nanos / (3_600 * NANOS_PER_SEC);
        nanos %= 3_600 * NANOS_PER_SEC;
        let m = nanos / (60 * NANOS_PER_SEC);
        nanos %= 60 * NANOS_PER_SEC;
        if h > 0 {
            out.push_str(&format!("{h}H"));
        }
        if m > 0 {
            out.push_str(&format!("{m}M"));
        }
        if nanos > 0 || (h == 0 && m == 0) {
            let secs = nanos / NANOS_PER_SEC;
            let frac = nanos % NANOS_PER_SEC;
            if frac == 0 {
                out.push_str(&format!("{secs}S"));
            } else {
                let f = format!("{frac:09}");
                out.push_str(&format!("{secs}.{}S", f.trim_end_matches('0')));
            }
        }
    }
    out
}
