#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;
use crate::health::{CycleTiming, JobObservation, JobStatusCode, QuarantineObservation};

fn t(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 6, h, m, 0).unwrap()
}

fn now() -> DateTime<Utc> {
    t(10, 50)
}

/// A directly assigned user, scope "assigned only", logs read, nothing
/// stored about them yet, the next cycle at 11:10.
fn base() -> TraceInput {
    TraceInput {
        assignment: AssignmentEvidence::Direct { read_at: t(10, 45) },
        sync_all: Some(false),
        users_mapping_enabled: Some(true),
        events: Vec::new(),
        logs: LogsEvidence::Read,
        saas: SaasEvidence::Absent {
            snapshot_at: t(10, 0),
            users: 40,
        },
        next: NextCycle::Expected { at: t(11, 10) },
    }
}

fn ev(at: DateTime<Utc>, action: &str, status: &str) -> TraceEvent {
    TraceEvent {
        at,
        action: action.into(),
        status: status.into(),
        error_code: None,
        error_reason: None,
    }
}

fn verdict(i: &TraceInput) -> TraceLine {
    judge(i, now()).verdict
}

#[test]
fn provisioned_and_present() {
    let mut i = base();
    i.events = vec![ev(t(10, 32), "create", "success")];
    i.saas = SaasEvidence::Present {
        snapshot_at: t(10, 40),
        user_name: Some("ada@contoso.example".into()),
        active: Some(true),
    };
    let j = judge(&i, now());
    assert_eq!(j.verdict.tone, TraceTone::Ok);
    assert_eq!(
        j.verdict.text,
        "Provisioned at 2026-12-06T10:32:00Z — present in the SaaS"
    );
    assert_eq!(j.saas.tone, TraceTone::Ok);
    assert!(j
        .saas
        .text
        .contains("\u{201c}ada@contoso.example\u{201d}, active"));
    assert!(j
        .events
        .text
        .starts_with("1 event stored; the newest: create success"));
}

#[test]
fn provisioned_but_absent_from_a_later_snapshot_is_a_problem() {
    let mut i = base();
    i.events = vec![ev(t(10, 32), "create", "success")];
    i.saas = SaasEvidence::Absent {
        snapshot_at: t(10, 40),
        users: 40,
    };
    let v = verdict(&i);
    assert_eq!(v.tone, TraceTone::Problem);
    assert!(v
        .text
        .contains("but not in the SaaS snapshot of 2026-12-06T10:40:00Z"));
    // A snapshot older than the event proves nothing.
    i.saas = SaasEvidence::Absent {
        snapshot_at: t(10, 0),
        users: 40,
    };
    let v = verdict(&i);
    assert_eq!(v.tone, TraceTone::Ok);
    assert!(v.text.contains("predates it"), "{}", v.text);
    // No snapshot: could not check, never "present".
    i.saas = SaasEvidence::NoSnapshot;
    let j = judge(&i, now());
    assert!(j.verdict.text.ends_with("in the SaaS: could not check"));
    assert_eq!(j.saas.tone, TraceTone::Unknown);
    assert!(j.saas.text.starts_with("Could not check"));
}

#[test]
fn not_assigned_with_evidence() {
    let mut i = base();
    i.assignment = AssignmentEvidence::NotAssigned {
        read_at: t(10, 45),
        users: 3,
        groups: 2,
        members: 37,
    };
    let j = judge(&i, now());
    assert_eq!(j.verdict.tone, TraceTone::Problem);
    assert_eq!(
        j.verdict.text,
        "Not assigned — Entra will never provision this user; assign them or a group they're in"
    );
    assert_eq!(j.assignment.tone, TraceTone::Problem);
    assert!(j
        .assignment
        .text
        .contains("not among the 3 users assigned directly nor the 37"));
    assert!(j.assignment.text.contains("read at 2026-12-06T10:45:00Z"));
    assert_eq!(j.scope.tone, TraceTone::Problem);
}

#[test]
fn not_assigned_with_the_scope_unknown_says_so() {
    let mut i = base();
    i.sync_all = None;
    i.assignment = AssignmentEvidence::NotAssigned {
        read_at: t(10, 45),
        users: 3,
        groups: 0,
        members: 0,
    };
    let j = judge(&i, now());
    assert!(
        j.verdict.text.contains("scope could not be checked"),
        "{}",
        j.verdict.text
    );
    assert_eq!(j.scope.tone, TraceTone::Unknown);
    assert!(j.scope.text.starts_with("Could not check the job's scope"));
}

#[test]
fn not_assigned_does_not_matter_when_syncing_all_users() {
    let mut i = base();
    i.sync_all = Some(true);
    i.assignment = AssignmentEvidence::NotAssigned {
        read_at: t(10, 45),
        users: 3,
        groups: 0,
        members: 0,
    };
    let j = judge(&i, now());
    assert_eq!(
        j.verdict.text,
        "Waiting for the next cycle at ~2026-12-06T11:10:00Z"
    );
    assert_eq!(j.assignment.tone, TraceTone::Ok);
    assert!(j
        .assignment
        .text
        .ends_with("Not needed: the scope is all users and groups"));
}

#[test]
fn unassigned_after_being_provisioned() {
    let mut i = base();
    i.events = vec![ev(t(10, 32), "update", "success")];
    i.assignment = AssignmentEvidence::NotAssigned {
        read_at: t(10, 45),
        users: 2,
        groups: 0,
        members: 0,
    };
    let v = verdict(&i);
    assert_eq!(v.tone, TraceTone::Waiting);
    assert!(v
        .text
        .starts_with("No longer assigned: provisioned at 2026-12-06T10:32:00Z"));
}

#[test]
fn failure_with_entras_real_reason_shape() {
    let mut i = base();
    let mut e = ev(t(10, 32), "create", "failure");
    e.error_code = Some("EntryConflict".into());
    e.error_reason = Some(
        "StatusCode: 409\r\nMessage: The request failed: a user with this userName already \
         exists.\r\nWeb Response: {\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:Error\"],\
         \"status\":\"409\",\"scimType\":\"uniqueness\"}. This operation was retried 0 times."
            .into(),
    );
    i.events = vec![e, ev(t(9, 50), "create", "failure")];
    let j = judge(&i, now());
    assert_eq!(j.verdict.tone, TraceTone::Problem);
    assert_eq!(
        j.verdict.text,
        "Failed at 2026-12-06T10:32:00Z: EntryConflict — The request failed: a user with this \
         userName already exists. Next: the next cycle at ~2026-12-06T11:10:00Z"
    );
    assert_eq!(j.events.tone, TraceTone::Problem);
    assert!(j.events.text.starts_with("2 events stored"));
}

#[test]
fn short_reason_forms() {
    assert_eq!(short_reason(None, None), "Entra gave no reason");
    assert_eq!(
        short_reason(Some("BoxEntryConflict"), None),
        "BoxEntryConflict"
    );
    assert_eq!(
        short_reason(Some("X"), Some("first line\nsecond")),
        "X — first line"
    );
    assert_eq!(short_reason(None, Some("a `b` c")), "a 'b' c");
    assert_eq!(
        short_reason(Some("Code1"), Some("Code1 happened")),
        "Code1 happened"
    );
    let long = "x".repeat(500);
    assert_eq!(short_reason(None, Some(&long)).chars().count(), 240);
}

#[test]
fn skipped_and_warning_and_removals() {
    let mut i = base();
    let mut e = ev(t(10, 32), "other", "skipped");
    e.error_reason = Some("NotEffectivelyEntitled".into());
    i.events = vec![e];
    let v = verdict(&i);
    assert_eq!(v.tone, TraceTone::Problem);
    assert_eq!(
        v.text,
        "Skipped at 2026-12-06T10:32:00Z: NotEffectivelyEntitled"
    );
    i.events = vec![ev(t(10, 32), "update", "warning")];
    assert_eq!(verdict(&i).tone, TraceTone::Waiting);
    assert!(verdict(&i).text.starts_with("Warning at"));
    i.events = vec![ev(t(10, 32), "disable", "success")];
    assert_eq!(
        verdict(&i).text,
        "Disabled in the SaaS at 2026-12-06T10:32:00Z"
    );
    i.events = vec![ev(t(10, 32), "delete", "success")];
    assert_eq!(
        verdict(&i).text,
        "Deleted from the SaaS at 2026-12-06T10:32:00Z"
    );
}

#[test]
fn waiting_for_the_next_cycle_and_overdue() {
    let i = base();
    let j = judge(&i, now());
    assert_eq!(j.verdict.tone, TraceTone::Waiting);
    assert_eq!(
        j.verdict.text,
        "Waiting for the next cycle at ~2026-12-06T11:10:00Z"
    );
    assert_eq!(j.next_cycle.text, "The next cycle at ~2026-12-06T11:10:00Z");
    let j = judge(&i, t(11, 35));
    assert_eq!(j.verdict.tone, TraceTone::Problem);
    assert_eq!(
        j.verdict.text,
        "Waiting for the next cycle, expected at 2026-12-06T11:10:00Z: overdue by 25 min"
    );
}

#[test]
fn quarantine_off_no_schedule_initial_and_unknown_cycles() {
    let mut i = base();
    i.next = NextCycle::Quarantined {
        next_attempt: Some(t(11, 30)),
        reason: Some("EncounteredQuarantineException".into()),
    };
    let v = verdict(&i);
    assert_eq!(v.tone, TraceTone::Problem);
    assert_eq!(
        v.text,
        "Not until the quarantine (EncounteredQuarantineException) is cleared: next attempt at \
         2026-12-06T11:30:00Z"
    );
    i.next = NextCycle::Quarantined {
        next_attempt: None,
        reason: None,
    };
    assert!(verdict(&i)
        .text
        .ends_with("Entra did not say when it retries"));
    i.next = NextCycle::Off {
        status: "Paused (schedule Disabled)".into(),
    };
    assert_eq!(
        verdict(&i).text,
        "Not while provisioning is not running: the job is Paused (schedule Disabled)"
    );
    i.next = NextCycle::NoSchedule;
    assert!(verdict(&i).text.starts_with("No scheduled cycle"));
    i.next = NextCycle::InitialRunning { started: t(10, 0) };
    assert!(verdict(&i)
        .text
        .starts_with("Waiting for the initial cycle, running since"));
    i.next = NextCycle::Unknown {
        why: "the provisioning job has not been read".into(),
    };
    let j = judge(&i, now());
    assert_eq!(j.verdict.tone, TraceTone::Unknown);
    assert_eq!(
        j.verdict.text,
        "Could not check when: the provisioning job has not been read"
    );
    assert_eq!(j.next_cycle.tone, TraceTone::Unknown);
}

#[test]
fn assignments_not_read_or_without_details_are_could_not_check() {
    let mut i = base();
    i.assignment = AssignmentEvidence::NotRead;
    let j = judge(&i, now());
    assert_eq!(j.verdict.tone, TraceTone::Unknown);
    assert!(j.verdict.text.starts_with("Could not check"));
    assert!(j.assignment.text.starts_with("Could not check"));
    i.assignment = AssignmentEvidence::WithoutDetails { read_at: t(9, 0) };
    let j = judge(&i, now());
    assert!(j.verdict.text.starts_with("Could not check"));
    assert!(j.assignment.text.contains("predate per-user details"));
    // Present in the SaaS is evidence of its own.
    i.saas = SaasEvidence::Present {
        snapshot_at: t(10, 0),
        user_name: None,
        active: None,
    };
    let j = judge(&i, now());
    assert_eq!(j.verdict.tone, TraceTone::Ok);
    assert!(j.verdict.text.starts_with("Present in the SaaS"));
    assert!(j.saas.text.contains("active not stated"));
}

#[test]
fn logs_not_read_or_unavailable_are_could_not_check() {
    let mut i = base();
    i.logs = LogsEvidence::Unavailable;
    let j = judge(&i, now());
    assert_eq!(j.events.tone, TraceTone::Unknown);
    assert!(j.events.text.contains("P1 or P2"));
    i.logs = LogsEvidence::NotRead;
    assert!(judge(&i, now()).events.text.starts_with("Could not check"));
    i.logs = LogsEvidence::Read;
    assert!(judge(&i, now())
        .events
        .text
        .starts_with("No provisioning event"));
}

#[test]
fn through_group_names_the_group_or_the_candidates() {
    let mut i = base();
    i.assignment = AssignmentEvidence::ThroughGroup {
        read_at: t(10, 45),
        groups: vec!["Sales".into()],
    };
    assert!(judge(&i, now())
        .assignment
        .text
        .starts_with("Assigned through the group \u{201c}Sales\u{201d}"));
    i.assignment = AssignmentEvidence::ThroughGroup {
        read_at: t(10, 45),
        groups: vec!["Sales".into(), "Ops".into()],
    };
    let a = judge(&i, now()).assignment;
    assert_eq!(a.tone, TraceTone::Ok);
    assert!(a
        .text
        .contains("one of the 2 assigned groups (\u{201c}Sales\u{201d}, \u{201c}Ops\u{201d})"));
}

#[test]
fn a_disabled_user_mapping_wins() {
    let mut i = base();
    i.users_mapping_enabled = Some(false);
    i.events = vec![ev(t(10, 32), "create", "success")];
    let j = judge(&i, now());
    assert_eq!(j.verdict.tone, TraceTone::Problem);
    assert!(j.verdict.text.contains("User mapping is disabled"));
    assert!(j
        .scope
        .text
        .starts_with("The job's User mapping is disabled"));
    // Scoping filters are never claimed as checked.
    assert!(j.scope.text.contains("could not check them"));
}

#[test]
fn next_cycle_from_core_timing() {
    let steady = CycleTiming::Steady {
        last_end: t(10, 30),
        interval: Duration::minutes(40),
        limit: Duration::minutes(120),
        since: Duration::minutes(20),
        next_expected: Some(t(11, 10)),
        stalled: false,
    };
    assert_eq!(
        next_cycle(&steady, None),
        NextCycle::Expected { at: t(11, 10) }
    );
    let q = JobObservation {
        status_code: JobStatusCode::Quarantine,
        quarantine: Some(QuarantineObservation {
            next_attempt: Some(t(11, 30)),
            ..Default::default()
        }),
        ..Default::default()
    };
    let off = CycleTiming::NotActive {
        status: "Quarantine (schedule Active)".into(),
    };
    assert_eq!(
        next_cycle(&off, Some(&q)),
        NextCycle::Quarantined {
            next_attempt: Some(t(11, 30)),
            reason: None
        }
    );
    assert_eq!(
        next_cycle(&off, None),
        NextCycle::Off {
            status: "Quarantine (schedule Active)".into()
        }
    );
    assert_eq!(
        next_cycle(&CycleTiming::NoSchedule, None),
        NextCycle::NoSchedule
    );
    assert!(matches!(
        next_cycle(&CycleTiming::Blind { why: "x".into() }, None),
        NextCycle::Unknown { .. }
    ));
}
