//! Times on the command line: `--since`/`--until` as typed, and stored
//! times as printed.

use chrono::{DateTime, NaiveDate, SecondsFormat, TimeZone, Utc};
use scimwatch_core::CommandError;

/// Parse `--since`/`--until` (`flag`): RFC 3339, a date (UTC midnight), or
/// an age (`30m`, `24h`, `7d`, `2w`, `90s`) counted back from `now`. Every
/// refusal names the flag and the problem; nothing overflows or panics.
pub fn parse_when(flag: &str, s: &str, now: DateTime<Utc>) -> Result<i64, CommandError> {
    let t = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(d.timestamp_millis());
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        if let Some(dt) = d.and_hms_opt(0, 0, 0) {
            return Ok(Utc.from_utc_datetime(&dt).timestamp_millis());
        }
    }
    let bad = |why: &str| {
        crate::flag_error(
            flag,
            format!(
                "{t:?} is not a time{why}: use RFC 3339, YYYY-MM-DD, or an age like 30m, 24h, 7d"
            ),
        )
    };
    let Some(unit) = t.chars().last() else {
        return Err(bad(""));
    };
    // `unit` is the last char, so this cut is on a char boundary.
    let num = &t[..t.len() - unit.len_utf8()];
    let unit_secs: u64 = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        _ if num.is_empty() => return Err(bad("")),
        _ => {
            return Err(bad(&format!(
                " (`{unit}` is no unit: an age ends in s, m, h, d or w)"
            )))
        }
    };
    if num.starts_with('-') {
        return Err(crate::flag_error(
            flag,
            format!("{t:?}: an age cannot be negative; for a time in the future give a date"),
        ));
    }
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(" (an age is a whole number and a unit)"));
    }
    let too_far = || {
        crate::flag_error(
            flag,
            format!("{t:?} reaches back before any date scimwatch can write; give a smaller age or a date"),
        )
    };
    let back_ms = num
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit_secs))
        .and_then(|secs| secs.checked_mul(1000))
        .and_then(|ms| i64::try_from(ms).ok())
        .ok_or_else(too_far)?;
    let at = now
        .timestamp_millis()
        .checked_sub(back_ms)
        .filter(|ms| Utc.timestamp_millis_opt(*ms).single().is_some())
        .ok_or_else(too_far)?;
    Ok(at)
}

pub(super) fn when(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_in_three_forms() {
        let now = Utc.with_ymd_and_hms(2025, 3, 3, 12, 0, 0).unwrap();
        assert_eq!(
            parse_when("--since", "2025-03-03T11:00:00Z", now).unwrap(),
            now.timestamp_millis() - 3_600_000
        );
        assert_eq!(
            parse_when("--since", "2025-03-03", now).unwrap(),
            now.timestamp_millis() - 12 * 3_600_000
        );
        assert_eq!(
            parse_when("--since", "24h", now).unwrap(),
            now.timestamp_millis() - 86_400_000
        );
        assert_eq!(
            parse_when("--since", "30m", now).unwrap(),
            now.timestamp_millis() - 1_800_000
        );
        assert!(parse_when("--since", "yesterday", now).is_err());
        assert!(parse_when("--since", "", now).is_err());
        assert_eq!(
            parse_when("--since", "2w", now).unwrap(),
            now.timestamp_millis() - 14 * 86_400_000
        );
    }

    #[test]
    fn odd_ages_are_specific_errors_not_panics_or_wraps() {
        let now = Utc.with_ymd_and_hms(2025, 3, 3, 12, 0, 0).unwrap();
        let msg = |s: &str| parse_when("--since", s, now).unwrap_err().message;
        assert!(msg("5é").contains("`é` is no unit"), "{}", msg("5é"));
        assert!(msg("é").contains("is not a time"), "{}", msg("é"));
        assert!(msg("5\u{1f600}").contains("is no unit"));
        assert!(msg("99999999999999999d").contains("reaches back before any date"));
        assert!(msg("18446744073709551616s").contains("reaches back before any date"));
        assert!(msg("-9223372036854775808s").contains("cannot be negative"));
        assert!(msg("+5d").contains("whole number"));
        assert!(msg("1.5h").contains("whole number"));
        let e = parse_when("--until", "5é", now).unwrap_err();
        assert_eq!(e.fields[0].field, "--until");
        assert!(e.message.starts_with("--until: "));
        // The largest age that still is a date works.
        assert!(parse_when("--since", "90000000d", now).unwrap() < 0);
    }
}
