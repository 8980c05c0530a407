//! A small toolkit for reading JSON that Microsoft (and SCIM servers) send
//! sloppily. Used by the Graph models and the SCIM parsers.
//!
//! The rules, applied field by field with `#[serde(default, deserialize_with = "…")]`:
//! - **Strings**: numbers and booleans are accepted and turned into text;
//!   `null` → `None`; an object or array where text was expected is skipped
//!   (→ `None`) instead of failing the whole document.
//! - **Numbers**: integers, integral floats and numeric strings (`"500"`) are
//!   accepted; `""`, `null` and anything non-numeric → `None`.
//! - **Booleans**: `true`/`false`, the strings `"true"`/`"False"` (any case)
//!   and `0`/`1`.
//! - **Open enums** ([`open_enum!`](crate::open_enum)): case-insensitive, unknown
//!   values kept verbatim in a catch-all variant, `""` → `None`.
//! - **Timestamps** ([`Timestamp`]): `""`/`null` → `None`; `0001-01-01T00:00:00Z`
//!   → [`Timestamp::Never`]; offsets, fractional seconds (any number of digits)
//!   and offset-less times (read as UTC) accepted; anything else kept as
//!   [`Timestamp::Unparsed`].
//! - **Durations** ([`Interval`]): ISO-8601 (`PT40M`, `P1DT2H`, `PT0.5S`) and
//!   .NET `TimeSpan` text (`1.02:00:00`); `TimeSpan.MaxValue` → [`Interval::NoSchedule`].
//! - **Lists**: `null` → empty.
//!
//! Unknown fields are ignored everywhere (serde's default).

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, Datelike, NaiveDateTime, SecondsFormat, Utc};
use serde::de::{self, DeserializeOwned, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An enum whose set of values is open: unknown values are kept, not refused.
pub trait OpenEnum: Sized {
    /// Parse case-insensitively; never fails (unknown → the catch-all variant).
    fn parse(s: &str) -> Self;
    /// The canonical spelling (as in Microsoft's schema), or the unknown value verbatim.
    fn as_str(&self) -> &str;
}

/// Declare an open enum: known values matched case-insensitively, anything
/// else kept in a catch-all variant, serialized as its canonical string.
///
/// ```
/// scimwatch_core::open_enum! {
///     /// Doc.
///     pub enum Light / Other {
///         /// Go.
///         Green = "green",
///         /// Stop.
///         Red = "Red",
///     }
/// }
/// assert_eq!(Light::parse("GREEN"), Light::Green);
/// assert_eq!(Light::parse("blue").as_str(), "blue");
/// ```
#[macro_export]
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident / $other:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, ts_rs::TS)]
        #[ts(type = "string")]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this version does not know (including Microsoft's
            /// `unknownFutureValue`), kept verbatim.
            $other(String),
        }

        impl $name {
            /// Every known value in its canonical spelling.
            pub const KNOWN: &'static [&'static str] = &[$($text),*];

            /// Parse case-insensitively (surrounding whitespace ignored); never fails.
            pub fn parse(s: &str) -> Self {
                let t = s.trim();
                $( if t.eq_ignore_ascii_case($text) { return Self::$variant; } )*
                Self::$other(t.to_string())
            }

            /// The canonical spelling, or the unknown value verbatim.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $text, )*
                    Self::$other(s) => s.as_str(),
                }
            }

            /// Whether the value is one this version knows.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::$other(_))
            }
        }

        impl $crate::graph::lenient::OpenEnum for $name {
            fn parse(s: &str) -> Self {
                $name::parse(s)
            }
            fn as_str(&self) -> &str {
                $name::as_str(self)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::parse(s))
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = $crate::graph::lenient::LenientStr::deserialize(d)?;
                Ok(Self::parse(text.0.as_deref().unwrap_or("")))
            }
        }
    };
}

// ---------------------------------------------------------------------------
// Strings

/// Any JSON scalar as text (borrowed when possible); `null`, objects and arrays → `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LenientStr<'a>(pub Option<Cow<'a, str>>);

struct LenientStrVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for LenientStrVisitor<'a> {
    type Value = LenientStr<'a>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string, number, boolean or null")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(LenientStr(Some(Cow::Borrowed(v))))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(LenientStr(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(LenientStr(Some(Cow::Owned(v))))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(LenientStr(Some(Cow::Borrowed(if v {
            "true"
        } else {
            "false"
        }))))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(LenientStr(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(LenientStr(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(LenientStr(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(LenientStr(None))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(LenientStr(None))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(LenientStr(None))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(LenientStr(None))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for LenientStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LenientStrVisitor(std::marker::PhantomData))
    }
}

impl LenientStr<'_> {
    /// The text, with `""` (after trimming) treated as absent.
    pub fn non_empty(&self) -> Option<&str> {
        self.0.as_deref().filter(|s| !s.trim().is_empty())
    }
}

/// `Option<String>` from any scalar; empty strings are kept verbatim.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(LenientStr::deserialize(d)?.0.map(Cow::into_owned))
}

/// `Option<String>` from any scalar; `""` (or only whitespace) → `None`.
pub fn opt_non_empty_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(LenientStr::deserialize(d)?.non_empty().map(str::to_string))
}

// ---------------------------------------------------------------------------
// Numbers and booleans

/// Read an integer from text: `"500"`, `" 12 "`, `"3.0"`. `None` when not a number.
pub fn parse_i64_text(s: &str) -> Option<i64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    if let Ok(v) = t.parse::<i64>() {
        return Some(v);
    }
    t.parse::<f64>().ok().and_then(f64_to_i64)
}

fn f64_to_i64(v: f64) -> Option<i64> {
    // `i64::MAX as f64` rounds up to 2^63, so compare with a strict upper bound.
    if v.is_finite() && v >= i64::MIN as f64 && v < i64::MAX as f64 {
        Some(v.trunc() as i64)
    } else {
        None
    }
}

/// Read a boolean from text: `true`/`false` in any case, `1`/`0`. `None` otherwise.
pub fn parse_bool_text(s: &str) -> Option<bool> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("true") || t == "1" {
        Some(true)
    } else if t.eq_ignore_ascii_case("false") || t == "0" {
        Some(false)
    } else {
        None
    }
}

/// A JSON value read as a number, remembering whether it came as a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LenientI64 {
    /// The number, if the value was one (or numeric text).
    pub value: Option<i64>,
    /// True when the value arrived as a JSON string.
    pub was_string: bool,
}

struct I64Visitor;

impl<'de> Visitor<'de> for I64Visitor {
    type Value = LenientI64;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number, numeric string or null")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(LenientI64 {
            value: Some(v),
            was_string: false,
        })
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(LenientI64 {
            value: i64::try_from(v).ok(),
            was_string: false,
        })
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(LenientI64 {
            value: f64_to_i64(v),
            was_string: false,
        })
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(LenientI64 {
            value: parse_i64_text(v),
            was_string: true,
        })
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(LenientI64::default())
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(LenientI64::default())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(LenientI64::default())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(I64Visitor)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(LenientI64::default())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(LenientI64::default())
    }
}

impl<'de> Deserialize<'de> for LenientI64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(I64Visitor)
    }
}

/// `Option<i64>` from a number or numeric string; anything else → `None`.
pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(LenientI64::deserialize(d)?.value)
}

/// `Option<bool>` from a boolean, `"true"`/`"False"` or `0`/`1`; anything else → `None`.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<bool>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a boolean, boolean string or null")
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(match v {
                0 => Some(false),
                1 => Some(true),
                _ => None,
            })
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            self.visit_i64(i64::try_from(v).unwrap_or(-1))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(parse_bool_text(v))
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(V)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

/// An open enum from text; `""` and `null` → `None`.
pub fn open<'de, D: Deserializer<'de>, T: OpenEnum>(d: D) -> Result<Option<T>, D::Error> {
    Ok(LenientStr::deserialize(d)?.non_empty().map(T::parse))
}

/// A list where `null` means empty.
pub fn vec_or_null<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

// ---------------------------------------------------------------------------
// Timestamps

/// The text Graph uses for .NET `DateTime.MinValue`, meaning "never".
pub const NEVER_TEXT: &str = "0001-01-01T00:00:00Z";

/// A Graph `DateTimeOffset`.
///
/// Design choice: fields are `Option<Timestamp>`. `None` means the value was
/// absent, `null` or `""` (Microsoft sends empty strings in quarantine
/// objects). [`Timestamp::Never`] is the .NET minimum date
/// `0001-01-01T00:00:00Z` that Graph uses for "has not happened yet" (for
/// example `steadyStateLastAchievedTime` of a job that never reached steady
/// state): present, but not a point in time. Text that is not a date is kept
/// in [`Timestamp::Unparsed`] rather than failing the document.
#[derive(Debug, Clone, PartialEq, Eq, Hash, ts_rs::TS)]
#[ts(type = "string")]
pub enum Timestamp {
    /// A real point in time, normalised to UTC.
    At(DateTime<Utc>),
    /// `0001-01-01T00:00:00Z` (any time on year 1 or earlier): "never".
    Never,
    /// Text that is not a recognisable date, kept verbatim.
    Unparsed(String),
}

impl Timestamp {
    /// Parse Graph's date text. `""` → `None`. Never fails otherwise.
    pub fn parse(s: &str) -> Option<Self> {
        let t = s.trim();
        if t.is_empty() {
            return None;
        }
        let parsed = DateTime::parse_from_rfc3339(t)
            .map(|d| d.with_timezone(&Utc))
            .ok()
            .or_else(|| {
                // No offset (or a space instead of `T`): read as UTC.
                let n = t.replace(' ', "T");
                NaiveDateTime::parse_from_str(&n, "%Y-%m-%dT%H:%M:%S%.f")
                    .ok()
                    .map(|d| d.and_utc())
            });
        Some(match parsed {
            Some(d) if d.year() <= 1 => Timestamp::Never,
            Some(d) => Timestamp::At(d),
            None => Timestamp::Unparsed(t.to_string()),
        })
    }

    /// The point in time, when this is one.
    pub fn at(&self) -> Option<DateTime<Utc>> {
        match self {
            Timestamp::At(d) => Some(*d),
            _ => None,
        }
    }

    /// Whether this is Graph's "never" sentinel.
    pub fn is_never(&self) -> bool {
        matches!(self, Timestamp::Never)
    }

    /// Milliseconds since the Unix epoch (UTC), when this is a point in time.
    pub fn millis(&self) -> Option<i64> {
        self.at().map(|d| d.timestamp_millis())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timestamp::At(d) => f.write_str(&d.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            Timestamp::Never => f.write_str(NEVER_TEXT),
            Timestamp::Unparsed(s) => f.write_str(s),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    /// Direct deserialization maps `""`/`null` to `Unparsed("")`; use
    /// [`opt_timestamp`] on `Option` fields to get `None` instead.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = LenientStr::deserialize(d)?;
        Ok(text
            .non_empty()
            .and_then(Timestamp::parse)
            .unwrap_or_else(|| Timestamp::Unparsed(String::new())))
    }
}

/// `Option<Timestamp>`: `""`/`null`/non-text → `None`.
pub fn opt_timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    Ok(LenientStr::deserialize(d)?
        .non_empty()
        .and_then(Timestamp::parse))
}

// ---------------------------------------------------------------------------
// Durations

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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    crate::open_enum! {
        /// Test enum.
        enum Colour / Other {
            Red = "red",
            DarkBlue = "darkBlue",
        }
    }

    #[derive(Debug, Deserialize, Default)]
    #[serde(rename_all = "camelCase")]
    struct Probe {
        #[serde(default, deserialize_with = "opt_string")]
        s: Option<String>,
        #[serde(default, deserialize_with = "opt_non_empty_string")]
        ne: Option<String>,
        #[serde(default, deserialize_with = "opt_i64")]
        n: Option<i64>,
        #[serde(default, deserialize_with = "opt_bool")]
        b: Option<bool>,
        #[serde(default, deserialize_with = "open")]
        e: Option<Colour>,
        #[serde(default, deserialize_with = "opt_timestamp")]
        t: Option<Timestamp>,
        #[serde(default, deserialize_with = "opt_interval")]
        i: Option<Interval>,
        #[serde(default, deserialize_with = "vec_or_null")]
        v: Vec<i64>,
    }

    fn probe(json: &str) -> Probe {
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
    }

    #[test]
    fn strings_accept_any_scalar() {
        let cases: &[(&str, Option<&str>, Option<&str>)] = &[
            (r#"{"s":"x","ne":"x"}"#, Some("x"), Some("x")),
            (r#"{"s":"","ne":""}"#, Some(""), None),
            (r#"{"s":"  ","ne":"  "}"#, Some("  "), None),
            (r#"{"s":null,"ne":null}"#, None, None),
            (r#"{"s":12,"ne":1.5}"#, Some("12"), Some("1.5")),
            (r#"{"s":true,"ne":false}"#, Some("true"), Some("false")),
            (r#"{"s":{"a":[1]},"ne":[1,{"x":2}]}"#, None, None),
            (r#"{"s":"a\"b"}"#, Some("a\"b"), None),
            (r#"{}"#, None, None),
        ];
        for (json, s, ne) in cases {
            let p = probe(json);
            assert_eq!(p.s.as_deref(), *s, "{json}");
            assert_eq!(p.ne.as_deref(), *ne, "{json}");
        }
    }

    #[test]
    fn numbers_accept_strings() {
        let cases: &[(&str, Option<i64>)] = &[
            (r#"{"n":5}"#, Some(5)),
            (r#"{"n":-5}"#, Some(-5)),
            (r#"{"n":"500"}"#, Some(500)),
            (r#"{"n":" 7 "}"#, Some(7)),
            (r#"{"n":3.0}"#, Some(3)),
            (r#"{"n":"3.9"}"#, Some(3)),
            (r#"{"n":""}"#, None),
            (r#"{"n":"abc"}"#, None),
            (r#"{"n":null}"#, None),
            (r#"{"n":true}"#, None),
            (r#"{"n":{"x":1}}"#, None),
            (r#"{"n":18446744073709551615}"#, None),
            (r#"{"n":1e300}"#, None),
        ];
        for (json, n) in cases {
            assert_eq!(probe(json).n, *n, "{json}");
        }
    }

    #[test]
    fn booleans_accept_strings() {
        let cases: &[(&str, Option<bool>)] = &[
            (r#"{"b":true}"#, Some(true)),
            (r#"{"b":"false"}"#, Some(false)),
            (r#"{"b":"False"}"#, Some(false)),
            (r#"{"b":"TRUE"}"#, Some(true)),
            (r#"{"b":1}"#, Some(true)),
            (r#"{"b":0}"#, Some(false)),
            (r#"{"b":2}"#, None),
            (r#"{"b":"yes"}"#, None),
            (r#"{"b":null}"#, None),
            (r#"{"b":[true]}"#, None),
        ];
        for (json, b) in cases {
            assert_eq!(probe(json).b, *b, "{json}");
        }
    }

    #[test]
    fn open_enums_are_case_insensitive_and_keep_unknowns() {
        assert_eq!(probe(r#"{"e":"RED"}"#).e, Some(Colour::Red));
        assert_eq!(probe(r#"{"e":"darkblue"}"#).e, Some(Colour::DarkBlue));
        assert_eq!(
            probe(r#"{"e":"unknownFutureValue"}"#).e,
            Some(Colour::Other("unknownFutureValue".into()))
        );
        assert_eq!(probe(r#"{"e":""}"#).e, None);
        assert_eq!(probe(r#"{"e":null}"#).e, None);
        assert_eq!(probe(r#"{"e":3}"#).e, Some(Colour::Other("3".into())));
        assert_eq!(Colour::parse("DARKBLUE").as_str(), "darkBlue");
        assert_eq!(Colour::parse("teal").as_str(), "teal");
        assert!(!Colour::parse("teal").is_known());
        assert_eq!(
            serde_json::to_string(&Colour::DarkBlue).unwrap(),
            "\"darkBlue\""
        );
        let c: Colour = serde_json::from_str("\"Red\"").unwrap();
        assert_eq!(c, Colour::Red);
        assert_eq!(Colour::KNOWN, &["red", "darkBlue"]);
    }

    #[test]
    fn timestamps() {
        let utc = |y, mo, d, h, mi, s| Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap();
        let cases: Vec<(&str, Option<Timestamp>)> = vec![
            ("", None),
            ("   ", None),
            ("0001-01-01T00:00:00Z", Some(Timestamp::Never)),
            ("0001-01-01T00:00:00", Some(Timestamp::Never)),
            ("0001-01-01T00:00:00+00:00", Some(Timestamp::Never)),
            (
                "2019-05-04T03:00:54Z",
                Some(Timestamp::At(utc(2019, 5, 4, 3, 0, 54))),
            ),
            (
                "2019-05-04T05:00:54+02:00",
                Some(Timestamp::At(utc(2019, 5, 4, 3, 0, 54))),
            ),
            (
                "2019-05-04T03:00:54",
                Some(Timestamp::At(utc(2019, 5, 4, 3, 0, 54))),
            ),
            (
                "2019-05-04 03:00:54",
                Some(Timestamp::At(utc(2019, 5, 4, 3, 0, 54))),
            ),
            (
                "2019-05-04t03:00:54z",
                Some(Timestamp::At(utc(2019, 5, 4, 3, 0, 54))),
            ),
            ("yesterday", Some(Timestamp::Unparsed("yesterday".into()))),
        ];
        for (text, expected) in cases {
            assert_eq!(Timestamp::parse(text), expected, "{text:?}");
        }
        let t = Timestamp::parse("2021-02-02T04:22:45.9480566Z").unwrap();
        assert_eq!(t.at().unwrap().timestamp_subsec_nanos(), 948_056_600);
        assert_eq!(t.to_string(), "2021-02-02T04:22:45.948056600Z");
        assert_eq!(t.millis(), Some(1_612_239_765_948));
        assert_eq!(Timestamp::Never.to_string(), NEVER_TEXT);
        assert_eq!(probe(r#"{"t":""}"#).t, None);
        assert_eq!(probe(r#"{"t":null}"#).t, None);
        assert_eq!(
            probe(r#"{"t":"0001-01-01T00:00:00Z"}"#).t,
            Some(Timestamp::Never)
        );
        // Round trip through Serialize.
        let json = serde_json::to_string(&t).unwrap();
        let back: Timestamp = serde_json::from_str(&json).unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn intervals() {
        let every = |d: Duration| Some(Interval::Every(d));
        let cases: Vec<(&str, Option<Interval>)> = vec![
            ("", None),
            ("PT40M", every(Duration::minutes(40))),
            ("pt40m", every(Duration::minutes(40))),
            ("P1DT2H", every(Duration::hours(26))),
            ("PT0.5S", every(Duration::milliseconds(500))),
            ("PT0,5S", every(Duration::milliseconds(500))),
            ("P1W", every(Duration::days(7))),
            ("PT0S", every(Duration::zero())),
            ("PT1H30M15S", every(Duration::seconds(5415))),
            ("P10675199DT2H48M5.4775807S", Some(Interval::NoSchedule)),
            ("P99999999D", Some(Interval::NoSchedule)),
            ("10675199.02:48:05.4775807", Some(Interval::NoSchedule)),
            ("00:40:00", every(Duration::minutes(40))),
            ("1.02:00:00", every(Duration::hours(26))),
            ("P1Y", Some(Interval::Unparsed("P1Y".into()))),
            ("P1M", Some(Interval::Unparsed("P1M".into()))),
            ("-PT40M", Some(Interval::Unparsed("-PT40M".into()))),
            ("P", Some(Interval::Unparsed("P".into()))),
            ("PT", Some(Interval::Unparsed("PT".into()))),
            ("PT5", Some(Interval::Unparsed("PT5".into()))),
            ("PTM", Some(Interval::Unparsed("PTM".into()))),
            ("P1H", Some(Interval::Unparsed("P1H".into()))),
            ("forty", Some(Interval::Unparsed("forty".into()))),
            (
                "PT99999999999999999999999H",
                Some(Interval::Unparsed("PT99999999999999999999999H".into())),
            ),
            ("1:2", Some(Interval::Unparsed("1:2".into()))),
        ];
        for (text, expected) in cases {
            assert_eq!(Interval::parse(text), expected, "{text:?}");
        }
        assert_eq!(probe(r#"{"i":"PT40M"}"#).i, every(Duration::minutes(40)));
        assert_eq!(probe(r#"{"i":null}"#).i, None);
    }

    #[test]
    fn interval_formatting_round_trips() {
        for text in [
            "PT40M",
            "P1DT2H",
            "PT0.5S",
            "PT0S",
            "PT1H30M15S",
            "P7D",
            "PT1.000000001S",
        ] {
            let i = Interval::parse(text).unwrap();
            assert_eq!(i.to_string(), text);
        }
        assert_eq!(Interval::NoSchedule.to_string(), TIMESPAN_MAX_TEXT);
        assert_eq!(format_iso_duration(Duration::seconds(-90)), "-PT1M30S");
    }

    #[test]
    fn lists_accept_null() {
        assert!(probe(r#"{"v":null}"#).v.is_empty());
        assert_eq!(probe(r#"{"v":[1,2]}"#).v, vec![1, 2]);
        assert!(probe("{}").v.is_empty());
    }
}
