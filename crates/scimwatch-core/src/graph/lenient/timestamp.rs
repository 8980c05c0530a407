//! Graph `DateTimeOffset`s as sent: empty, .NET's minimum date for "never",
//! offsets and any fraction of a second, or text kept as it came.

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::*;

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
