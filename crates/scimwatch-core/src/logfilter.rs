//! The provisioning-log filters an admin types (Logs screen, `scimwatch-cli
//! logs`): each value checked against what Entra records, spelled the way the
//! store keeps it, or refused with a message naming the accepted values.

use crate::{FieldError, ValidationError};

/// Statuses of a provisioning event, as stored.
pub const STATUSES: [&str; 4] = ["success", "failure", "skipped", "warning"];
/// Actions of a provisioning event, as stored.
pub const ACTIONS: [&str; 6] = [
    "create",
    "update",
    "delete",
    "disable",
    "stagedDelete",
    "other",
];

/// The filter's values, canonical.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    pub status: Option<String>,
    pub action: Option<String>,
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    pub cycle_id: Option<String>,
    pub error_code: Option<String>,
    /// Part of a display name, or an object id.
    pub identity: Option<String>,
}

fn one_of(
    field: &str,
    raw: Option<&str>,
    allowed: &[&str],
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let v = raw.map(str::trim).filter(|v| !v.is_empty())?;
    match allowed.iter().find(|a| a.eq_ignore_ascii_case(v)) {
        Some(a) => Some((*a).to_string()),
        None => {
            errors.push(FieldError::new(
                field,
                format!(
                    "\u{201c}{}\u{201d} is not a {field}: use one of {}",
                    v.chars().take(40).collect::<String>(),
                    allowed.join(", ")
                ),
            ));
            None
        }
    }
}

/// Free text (a cycle id, an error code): trimmed, bounded, printable.
fn token(field: &str, raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    let v = raw.map(str::trim).filter(|v| !v.is_empty())?;
    if v.len() > 200 || v.chars().any(char::is_control) {
        errors.push(FieldError::new(
            field,
            format!("that is not a {field} (too long, or it holds control characters)"),
        ));
        return None;
    }
    Some(v.to_string())
}

/// Check and canonicalise a filter, reporting every problem.
pub fn check_log_filter(f: &LogFilter) -> Result<LogFilter, ValidationError> {
    let mut errors = Vec::new();
    let out = LogFilter {
        status: one_of("status", f.status.as_deref(), &STATUSES, &mut errors),
        action: one_of("action", f.action.as_deref(), &ACTIONS, &mut errors),
        since_ms: f.since_ms,
        until_ms: f.until_ms,
        cycle_id: token("cycle", f.cycle_id.as_deref(), &mut errors),
        error_code: token("error code", f.error_code.as_deref(), &mut errors),
        identity: token("identity", f.identity.as_deref(), &mut errors),
    };
    if let (Some(a), Some(b)) = (f.since_ms, f.until_ms) {
        if a >= b {
            errors.push(FieldError::new(
                "until",
                "the end of the time range must be after its start",
            ));
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ValidationError { fields: errors })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn canonical_values_pass_in_any_case() {
        let f = check_log_filter(&LogFilter {
            status: Some(" FAILURE ".into()),
            action: Some("stageddelete".into()),
            error_code: Some(" EntryConflict".into()),
            since_ms: Some(1),
            until_ms: Some(2),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(f.status.as_deref(), Some("failure"));
        assert_eq!(f.action.as_deref(), Some("stagedDelete"));
        assert_eq!(f.error_code.as_deref(), Some("EntryConflict"));
        assert_eq!(
            check_log_filter(&LogFilter::default()).unwrap(),
            LogFilter::default()
        );
        // Blank means "any".
        let blank = LogFilter {
            status: Some("  ".into()),
            ..Default::default()
        };
        assert_eq!(check_log_filter(&blank).unwrap().status, None);
    }

    #[test]
    fn every_problem_is_named() {
        let e = check_log_filter(&LogFilter {
            status: Some("bogus".into()),
            action: Some("frobnicate".into()),
            cycle_id: Some("x".repeat(500)),
            error_code: Some("a\nb".into()),
            since_ms: Some(5),
            until_ms: Some(5),
            identity: Some(" Ada ".into()),
        })
        .unwrap_err();
        let fields: Vec<&str> = e.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["status", "action", "cycle", "error code", "until"]);
        assert!(e.fields[0]
            .message
            .contains("success, failure, skipped, warning"));
        assert!(e.fields[1].message.contains("stagedDelete"));
    }
}
