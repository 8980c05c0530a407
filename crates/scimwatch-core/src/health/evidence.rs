//! Evidence: a label and a typed value, so a screen shows a time in the one
//! date style, a count as a number, a code in monospace, without guessing
//! from text. Text renderings (the CLI, notifications, reports) use
//! [`EvidenceValue`]'s `Display`, which gives the text evidence always had.
//!
//! Stored evidence (incidents, resolutions, checklist progress) written
//! before values were typed holds a plain string: it still loads, as
//! [`EvidenceValue::Time`] when the string is RFC 3339, else as
//! [`EvidenceValue::Text`].

use std::fmt;

use chrono::{DateTime, Duration, FixedOffset, Offset, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use ts_rs::TS;

use super::format::{fmt_duration, fmt_hhmm, fmt_offset, fmt_time};

/// One piece of evidence: a label and a typed value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Evidence {
    pub label: String,
    pub value: EvidenceValue,
}

/// What a piece of evidence says. JSON: `{"kind": "time", "value": "2026-03-01T10:00:00Z"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum EvidenceValue {
    /// Plain language (it may quote `code` in backticks, or a time).
    Text(String),
    /// An instant, shown in the reader's local time. Text: RFC 3339 in UTC
    /// with whole seconds.
    Time(#[ts(type = "string")] DateTime<Utc>),
    /// An estimated time of day to the minute (when the next cycle is due,
    /// when the initial cycle should end). Text: `~14:05 UTC+02:00` at
    /// `utc_offset_minutes`, then `(overdue by 5 min)` when it was already
    /// past when judged, `overdue_seconds` before.
    Estimate {
        #[ts(type = "string")]
        at: DateTime<Utc>,
        utc_offset_minutes: i32,
        #[ts(type = "number | null")]
        overdue_seconds: Option<u64>,
    },
    /// How many (users, entries, failures).
    Count(#[ts(type = "number")] u64),
    /// A span of time. Text: `45 min`, `2 h 05 min`, `3 d 4 h`.
    Duration {
        #[ts(type = "number")]
        seconds: u64,
    },
    /// A machine value to read exactly: an HTTP status, an error or status
    /// code, an identifier.
    Code(String),
    /// A URL. Text: `text`, followed by the URL when they differ.
    Link { url: String, text: String },
}

impl EvidenceValue {
    /// Plain text.
    pub fn text(s: impl Into<String>) -> Self {
        Self::Text(s.into())
    }

    /// A count.
    pub fn count(n: impl Into<u64>) -> Self {
        Self::Count(n.into())
    }

    /// A duration (its absolute value, to the second).
    pub fn duration(d: Duration) -> Self {
        Self::Duration {
            seconds: d.num_seconds().unsigned_abs(),
        }
    }

    /// A code, an HTTP status or an identifier.
    pub fn code(s: impl ToString) -> Self {
        Self::Code(s.to_string())
    }

    /// A URL shown as itself.
    pub fn link(url: impl Into<String>) -> Self {
        let url = url.into();
        Self::Link {
            text: url.clone(),
            url,
        }
    }

    /// An estimated time of day, rendered at `offset`; overdue when before `now`.
    pub fn estimate(at: DateTime<Utc>, offset: FixedOffset, now: DateTime<Utc>) -> Self {
        Self::Estimate {
            at,
            utc_offset_minutes: offset.local_minus_utc() / 60,
            overdue_seconds: (at < now).then(|| (now - at).num_seconds().unsigned_abs()),
        }
    }

    /// A value read from storage written before values were typed.
    fn from_untyped(s: String) -> Self {
        match DateTime::parse_from_rfc3339(&s) {
            Ok(t) => Self::Time(t.with_timezone(&Utc)),
            Err(_) => Self::Text(s),
        }
    }
}

impl fmt::Display for EvidenceValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text(s) | Self::Code(s) => f.write_str(s),
            Self::Time(t) => f.write_str(&fmt_time(*t)),
            Self::Estimate {
                at,
                utc_offset_minutes,
                overdue_seconds,
            } => {
                let offset = FixedOffset::east_opt(utc_offset_minutes.saturating_mul(60))
                    .unwrap_or_else(|| Utc.fix());
                write!(f, "~{} {}", fmt_hhmm(*at, offset), fmt_offset(offset))?;
                if let Some(s) = overdue_seconds {
                    write!(f, " (overdue by {})", fmt_duration(seconds(*s)))?;
                }
                Ok(())
            }
            Self::Count(n) => write!(f, "{n}"),
            Self::Duration { seconds: s } => f.write_str(&fmt_duration(seconds(*s))),
            Self::Link { url, text } if url == text => f.write_str(url),
            Self::Link { url, text } => write!(f, "{text} ({url})"),
        }
    }
}

fn seconds(s: u64) -> Duration {
    Duration::try_seconds(i64::try_from(s).unwrap_or(i64::MAX)).unwrap_or(Duration::MAX)
}

impl From<String> for EvidenceValue {
    fn from(s: String) -> Self {
        Self::Text(s)
    }
}

impl From<&str> for EvidenceValue {
    fn from(s: &str) -> Self {
        Self::Text(s.to_string())
    }
}

impl From<DateTime<Utc>> for EvidenceValue {
    fn from(t: DateTime<Utc>) -> Self {
        Self::Time(t)
    }
}

impl Evidence {
    /// Build a piece of evidence (text from a `String` or `&str`, a time
    /// from a `DateTime<Utc>`, or any [`EvidenceValue`]).
    pub fn new(label: impl Into<String>, value: impl Into<EvidenceValue>) -> Self {
        Self {
            label: label.into(),
            value: value.into(),
        }
    }
}

/// Accepts the typed shape and the old `{"label": …, "value": "<string>"}`.
impl<'de> Deserialize<'de> for Evidence {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Value {
            Untyped(String),
            Typed(EvidenceValue),
        }
        #[derive(Deserialize)]
        struct Wire {
            label: String,
            value: Value,
        }
        let w = Wire::deserialize(d)?;
        Ok(Self {
            label: w.label,
            value: match w.value {
                Value::Untyped(s) => EvidenceValue::from_untyped(s),
                Value::Typed(v) => v,
            },
        })
    }
}

#[cfg(test)]
mod tests;
