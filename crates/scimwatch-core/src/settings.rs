//! The admin's settings: poll intervals, thresholds, notifications, quiet
//! hours, data retention. Validated here (pure); stored by the engine.

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{FieldError, ValidationError};
use crate::health::{Severity, Thresholds};
use crate::incident::{NotifyPolicy, QuietHours};

/// Everything on the Settings screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Settings {
    /// Provisioning job status (Graph), minutes.
    pub job_poll_minutes: u32,
    /// Mappings, assignments and settings (Graph), minutes.
    pub config_poll_minutes: u32,
    /// Provisioning logs (Graph, incremental), minutes.
    pub logs_poll_minutes: u32,
    /// SCIM Test Connection, minutes.
    pub scim_check_minutes: u32,
    /// Inventory crawl, hours; 0 = only on demand.
    pub crawl_hours: u32,
    /// Stalled when no cycle completed within this many intervals.
    pub stall_factor: u32,
    /// Failure spike: share of the last cycle's entries that failed, percent.
    pub failure_rate_pct: f64,
    /// Failure spike: failed entries in the last cycle.
    #[ts(type = "number")]
    pub failure_count: u64,
    /// Drift worth an incident, percent of assigned users.
    pub drift_threshold_pct: f64,
    pub notifications_enabled: bool,
    /// Remind about an open incident every this many hours.
    pub reminder_hours: u32,
    /// Quiet hours, local time `HH:MM`; both empty = none.
    pub quiet_start: Option<String>,
    pub quiet_end: Option<String>,
    /// Critical incidents notify during quiet hours too.
    pub critical_ignores_quiet_hours: bool,
    /// Provisioning events and checks older than this are deleted.
    pub retention_days: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            job_poll_minutes: 2,
            config_poll_minutes: 30,
            logs_poll_minutes: 5,
            scim_check_minutes: 5,
            crawl_hours: 6,
            stall_factor: 3,
            failure_rate_pct: 10.0,
            failure_count: 100,
            drift_threshold_pct: 1.0,
            notifications_enabled: true,
            reminder_hours: 4,
            quiet_start: None,
            quiet_end: None,
            critical_ignores_quiet_hours: false,
            retention_days: 90,
        }
    }
}

/// Settings → Appearance: the window's colours. `System` follows the
/// operating system's light or dark preference (`prefers-color-scheme`).
/// Stored apart from [`Settings`] (its own key), so switching it never
/// saves the monitoring form's unsaved edits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    /// The value of the window's `data-theme` attribute; `None` for `System`.
    pub fn attribute(self) -> Option<&'static str> {
        match self {
            Theme::System => None,
            Theme::Light => Some("light"),
            Theme::Dark => Some("dark"),
        }
    }
}

fn range<T: PartialOrd + std::fmt::Display + Copy>(
    errors: &mut Vec<FieldError>,
    field: &str,
    v: T,
    lo: T,
    hi: T,
    unit: &str,
) {
    if !(v >= lo && v <= hi) {
        errors.push(FieldError::new(
            field,
            format!("must be between {lo} and {hi} {unit}"),
        ));
    }
}

fn parse_time(errors: &mut Vec<FieldError>, field: &str, v: &Option<String>) -> Option<NaiveTime> {
    let t = v.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    match NaiveTime::parse_from_str(t, "%H:%M") {
        Ok(t) => Some(t),
        Err(_) => {
            errors.push(FieldError::new(field, "use HH:MM, for example 22:00"));
            None
        }
    }
}

impl Settings {
    /// Check every field; every problem is reported.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut e = Vec::new();
        range(
            &mut e,
            "job_poll_minutes",
            self.job_poll_minutes,
            1,
            60,
            "minutes",
        );
        range(
            &mut e,
            "config_poll_minutes",
            self.config_poll_minutes,
            5,
            1440,
            "minutes",
        );
        range(
            &mut e,
            "logs_poll_minutes",
            self.logs_poll_minutes,
            1,
            120,
            "minutes",
        );
        range(
            &mut e,
            "scim_check_minutes",
            self.scim_check_minutes,
            1,
            120,
            "minutes",
        );
        range(
            &mut e,
            "crawl_hours",
            self.crawl_hours,
            0,
            168,
            "hours (0 = on demand only)",
        );
        range(
            &mut e,
            "stall_factor",
            self.stall_factor,
            2,
            10,
            "intervals",
        );
        range(
            &mut e,
            "failure_rate_pct",
            self.failure_rate_pct,
            1.0,
            100.0,
            "%",
        );
        range(
            &mut e,
            "failure_count",
            self.failure_count,
            1,
            1_000_000,
            "entries",
        );
        range(
            &mut e,
            "drift_threshold_pct",
            self.drift_threshold_pct,
            0.0,
            100.0,
            "%",
        );
        range(
            &mut e,
            "reminder_hours",
            self.reminder_hours,
            1,
            168,
            "hours",
        );
        range(
            &mut e,
            "retention_days",
            self.retention_days,
            7,
            3650,
            "days",
        );
        let start = parse_time(&mut e, "quiet_start", &self.quiet_start);
        let end = parse_time(&mut e, "quiet_end", &self.quiet_end);
        match (start.is_some(), end.is_some()) {
            (true, false) if !e.iter().any(|f| f.field == "quiet_end") => {
                e.push(FieldError::new("quiet_end", "set when quiet hours end too"))
            }
            (false, true) if !e.iter().any(|f| f.field == "quiet_start") => e.push(
                FieldError::new("quiet_start", "set when quiet hours start too"),
            ),
            _ => {}
        }
        if e.is_empty() {
            Ok(())
        } else {
            Err(ValidationError { fields: e })
        }
    }

    /// Quiet hours, when both ends are set and valid.
    pub fn quiet_hours(&self) -> Option<QuietHours> {
        let mut sink = Vec::new();
        Some(QuietHours {
            start: parse_time(&mut sink, "", &self.quiet_start)?,
            end: parse_time(&mut sink, "", &self.quiet_end)?,
        })
    }

    /// The health rules' thresholds with these settings applied.
    pub fn thresholds(&self) -> Thresholds {
        Thresholds {
            stall_factor: self.stall_factor,
            failure_rate_pct: self.failure_rate_pct,
            failure_count: self.failure_count,
            drift_threshold_pct: self.drift_threshold_pct,
            ..Thresholds::default()
        }
    }

    /// The notification policy with these settings applied.
    pub fn notify_policy(&self) -> NotifyPolicy {
        NotifyPolicy {
            reminder_every_minutes: self.reminder_hours.saturating_mul(60),
            quiet_hours: self.quiet_hours(),
            critical_ignores_quiet_hours: self.critical_ignores_quiet_hours,
            // With notifications off the engine shows none at all
            // (`notifications_enabled`); incidents still open and resolve.
            notify_min_severity: Severity::Warning,
            notify_recovery: true,
            ..NotifyPolicy::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn theme_is_stored_in_lowercase_and_system_sets_no_attribute() {
        assert_eq!(Theme::default(), Theme::System);
        assert_eq!(serde_json::to_string(&Theme::Dark).unwrap(), "\"dark\"");
        assert_eq!(
            serde_json::from_str::<Theme>("\"light\"").unwrap(),
            Theme::Light
        );
        assert!(serde_json::from_str::<Theme>("\"purple\"").is_err());
        assert_eq!(Theme::System.attribute(), None);
        assert_eq!(Theme::Light.attribute(), Some("light"));
        assert_eq!(Theme::Dark.attribute(), Some("dark"));
    }

    #[test]
    fn defaults_are_valid_and_match_the_documented_schedule() {
        let s = Settings::default();
        s.validate().unwrap();
        assert_eq!(s.job_poll_minutes, 2);
        assert_eq!(s.config_poll_minutes, 30);
        assert_eq!(s.logs_poll_minutes, 5);
        assert_eq!(s.thresholds().stall_factor, 3);
        assert_eq!(s.notify_policy().reminder_every_minutes, 240);
    }

    #[test]
    fn every_bad_field_is_named() {
        let s = Settings {
            job_poll_minutes: 0,
            stall_factor: 1,
            retention_days: 1,
            quiet_start: Some("25:00".into()),
            quiet_end: None,
            failure_rate_pct: f64::NAN,
            ..Settings::default()
        };
        let e = s.validate().unwrap_err();
        let fields: Vec<_> = e.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "job_poll_minutes",
                "stall_factor",
                "failure_rate_pct",
                "retention_days",
                "quiet_start"
            ]
        );
    }

    #[test]
    fn quiet_hours_need_both_ends() {
        let s = Settings {
            quiet_start: Some("22:00".into()),
            ..Settings::default()
        };
        assert_eq!(s.validate().unwrap_err().fields[0].field, "quiet_end");
        let s = Settings {
            quiet_start: Some("22:00".into()),
            quiet_end: Some("07:00".into()),
            ..Settings::default()
        };
        s.validate().unwrap();
        let q = s.quiet_hours().unwrap();
        assert_eq!(q.start.to_string(), "22:00:00");
        assert_eq!(s.notify_policy().quiet_hours, Some(q));
    }

    #[test]
    fn notifications_off_still_opens_incidents() {
        let s = Settings {
            notifications_enabled: false,
            ..Settings::default()
        };
        let p = s.notify_policy();
        assert_eq!(p.open_min_severity, Severity::Warning);
        assert!(!s.notifications_enabled);
    }
}
