//! Human-readable rendering of times and durations for evidence.

use chrono::{DateTime, Duration, FixedOffset, SecondsFormat, Utc};

/// RFC 3339 in UTC with whole seconds, e.g. `2026-03-01T10:00:00Z`.
pub fn fmt_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `HH:MM` in the given offset, e.g. `14:05`.
pub fn fmt_hhmm(t: DateTime<Utc>, offset: FixedOffset) -> String {
    t.with_timezone(&offset).format("%H:%M").to_string()
}

/// An offset as `UTC+02:00`.
pub fn fmt_offset(offset: FixedOffset) -> String {
    let secs = offset.local_minus_utc();
    let sign = if secs < 0 { '-' } else { '+' };
    let abs = secs.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", abs / 3600, (abs % 3600) / 60)
}

/// A duration in words: `45 min`, `2 h 05 min`, `3 d 4 h`, `less than a minute`.
/// Negative durations are rendered as their absolute value.
pub fn fmt_duration(d: Duration) -> String {
    let secs = d.num_seconds().unsigned_abs();
    let mins = secs / 60;
    let hours = mins / 60;
    let days = hours / 24;
    if mins == 0 {
        "less than a minute".into()
    } else if hours == 0 {
        format!("{mins} min")
    } else if days == 0 {
        format!("{hours} h {:02} min", mins % 60)
    } else {
        format!("{days} d {} h", hours % 24)
    }
}

/// A window of durations (Microsoft's initial-cycle estimate):
/// `1 h 40 min to 13 h 20 min`.
pub(crate) fn fmt_window((lo, hi): (Duration, Duration)) -> String {
    format!("{} to {}", fmt_duration(lo), fmt_duration(hi))
}

/// A cycle's progress: `40 of 100 units (40 %)`.
pub(crate) fn fmt_progress((done, total): (u64, u64)) -> String {
    format!("{done} of {total} units ({:.0} %)", pct(done, total))
}

/// Minutes as a duration, saturating instead of overflowing.
pub(crate) fn minutes_f64(m: f64) -> Duration {
    let ms = (m * 60_000.0).clamp(0.0, 1.0e15);
    Duration::try_milliseconds(ms as i64).unwrap_or(Duration::MAX)
}

/// Whole minutes as a duration.
pub(crate) fn minutes(m: u32) -> Duration {
    Duration::minutes(i64::from(m))
}

/// Whole days as a duration.
pub(crate) fn days(d: u32) -> Duration {
    Duration::days(i64::from(d))
}

/// Percentage `part / whole × 100`; 0 when `whole` is 0.
pub(crate) fn pct(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}
