//! The Overview's "at a glance" facts from the stored job document: what is
//! provisioned (`status.synchronizedEntryCountByType`), which kind of cycle
//! runs and how far it is (`status.progress`), and steady state
//! (`status.steadyState*AchievedTime`). Only what Graph sent: a missing
//! field stays `None`, never a guessed zero.

use chrono::{DateTime, Utc};
use scimwatch_core::graph::{parse_document, SynchronizationJob, SynchronizationStatus};
use scimwatch_core::health::CycleTiming;
use serde::Serialize;
use ts_rs::TS;

use super::fmt;

/// What the job itself says about its progress, for the Overview.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct JobGlance {
    /// Users provisioned, from `synchronizedEntryCountByType` (`user to …`).
    #[ts(type = "number | null")]
    pub users_provisioned: Option<u64>,
    /// Groups provisioned, from `synchronizedEntryCountByType` (`group to …`).
    #[ts(type = "number | null")]
    pub groups_provisioned: Option<u64>,
    /// `initial` (no steady state yet) or `incremental`; null when the
    /// timing could not be judged (never read, blind, not running).
    pub cycle_kind: Option<String>,
    /// The running cycle's units done and in total (`status.progress`).
    #[ts(type = "number | null")]
    pub progress_completed: Option<u64>,
    #[ts(type = "number | null")]
    pub progress_total: Option<u64>,
    /// What a unit is, as Graph names it (`escrows`, `objects`…).
    pub progress_units: Option<String>,
    /// When steady state was first / last reached; null when Graph says
    /// "never" or did not say.
    pub steady_state_first: Option<String>,
    pub steady_state_last: Option<String>,
    /// Whether Graph said anything about steady state: a time, or "never"
    /// (still in the initial cycle).
    pub steady_state_known: bool,
}

/// Users and groups provisioned by object type. Keys are "user to User",
/// "group to Group" (or the target's SCIM object name); entries of the same
/// kind are added up.
pub fn entry_counts(status: &SynchronizationStatus) -> (Option<u64>, Option<u64>) {
    let mut users = None;
    let mut groups = None;
    for p in &status.synchronized_entry_count_by_type {
        let (Some(key), Some(value)) = (p.key.as_deref(), p.value) else {
            continue;
        };
        let Ok(n) = u64::try_from(value) else {
            continue;
        };
        let source = key.trim().to_ascii_lowercase();
        let slot = if source.starts_with("user") {
            &mut users
        } else if source.starts_with("group") {
            &mut groups
        } else {
            continue;
        };
        *slot = Some(slot.unwrap_or(0) + n);
    }
    (users, groups)
}

fn fmt_ts(t: Option<&scimwatch_core::graph::Timestamp>) -> Option<String> {
    fmt(t.and_then(|t| t.at()))
}

/// The glance of a stored job document (`None` raw = never read).
pub fn job_glance(raw_json: Option<&str>, timing: &CycleTiming) -> JobGlance {
    let cycle_kind = match timing {
        CycleTiming::Initial { .. } => Some("initial".to_string()),
        CycleTiming::Steady { .. } => Some("incremental".to_string()),
        _ => None,
    };
    let job: Option<SynchronizationJob> =
        raw_json.and_then(|r| parse_document("synchronizationJob", r.as_bytes()).ok());
    let Some(status) = job.and_then(|j| j.status) else {
        return JobGlance {
            cycle_kind,
            ..JobGlance::default()
        };
    };
    let (users_provisioned, groups_provisioned) = entry_counts(&status);
    // The latest observation of progress with a total.
    let progress = status
        .progress
        .iter()
        .filter(|p| p.total_units.is_some_and(|t| t > 0))
        .max_by_key(|p| {
            p.progress_observation_date_time
                .as_ref()
                .and_then(|t| t.at())
                .unwrap_or(DateTime::<Utc>::MIN_UTC)
        });
    let first = status.steady_state_first_achieved_time.as_ref();
    let last = status.steady_state_last_achieved_time.as_ref();
    JobGlance {
        users_provisioned,
        groups_provisioned,
        cycle_kind,
        progress_completed: progress
            .and_then(|p| p.completed_units)
            .and_then(|n| u64::try_from(n).ok()),
        progress_total: progress
            .and_then(|p| p.total_units)
            .and_then(|n| u64::try_from(n).ok()),
        progress_units: progress.and_then(|p| p.units.clone()),
        steady_state_first: fmt_ts(first),
        steady_state_last: fmt_ts(last),
        steady_state_known: first.is_some_and(|t| t.at().is_some() || t.is_never()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(status: serde_json::Value) -> String {
        serde_json::json!({"id": "scim.1", "templateId": "scim", "status": status}).to_string()
    }

    fn steady() -> CycleTiming {
        CycleTiming::NoSchedule
    }

    #[test]
    fn counts_users_and_groups_by_type() {
        let r = raw(serde_json::json!({
            "synchronizedEntryCountByType": [
                {"key": "user to urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "value": 40},
                {"key": "group to urn:ietf:params:scim:schemas:core:2.0:Group", "value": 6},
                {"key": "User to User", "value": 2},
                {"key": "device to Device", "value": 9},
            ],
            "steadyStateFirstAchievedTime": "2026-12-06T20:00:00Z",
            "steadyStateLastAchievedTime": "2026-12-06T21:00:00Z",
        }));
        let g = job_glance(Some(&r), &steady());
        assert_eq!(g.users_provisioned, Some(42));
        assert_eq!(g.groups_provisioned, Some(6));
        assert_eq!(
            g.steady_state_first.as_deref(),
            Some("2026-12-06T20:00:00Z")
        );
        assert_eq!(g.steady_state_last.as_deref(), Some("2026-12-06T21:00:00Z"));
        assert!(g.steady_state_known);
        assert_eq!(g.cycle_kind, None);
    }

    #[test]
    fn nothing_sent_is_nothing_claimed() {
        let r = raw(serde_json::json!({"code": "Active"}));
        let g = job_glance(Some(&r), &steady());
        assert_eq!(g.users_provisioned, None);
        assert_eq!(g.groups_provisioned, None);
        assert_eq!(g.progress_total, None);
        assert!(!g.steady_state_known);
        assert_eq!(job_glance(None, &steady()), JobGlance::default());
    }

    #[test]
    fn never_reached_steady_state_and_progress() {
        let r = raw(serde_json::json!({
            "steadyStateFirstAchievedTime": "0001-01-01T00:00:00Z",
            "steadyStateLastAchievedTime": "0001-01-01T00:00:00Z",
            "progress": [
                {"completedUnits": 5, "totalUnits": 40, "units": "escrows",
                 "progressObservationDateTime": "2026-12-06T20:00:00Z"},
                {"completedUnits": 30, "totalUnits": 46, "units": "objects",
                 "progressObservationDateTime": "2026-12-06T20:05:00Z"},
            ],
        }));
        let now = Utc::now();
        let timing = CycleTiming::Initial {
            started: now,
            elapsed: chrono::Duration::minutes(3),
            estimate: None,
            objects: None,
            progress: None,
            overdue: false,
        };
        let g = job_glance(Some(&r), &timing);
        assert_eq!(g.steady_state_first, None);
        assert!(g.steady_state_known, "Graph said never");
        assert_eq!(g.cycle_kind.as_deref(), Some("initial"));
        assert_eq!(
            (g.progress_completed, g.progress_total),
            (Some(30), Some(46))
        );
        assert_eq!(g.progress_units.as_deref(), Some("objects"));
    }
}
