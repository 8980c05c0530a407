//! Table-driven tests of the health rules, at every boundary. One file a
//! subject (the cycle and its stalls; quarantine and the job's states; the
//! target, its token and the configuration); here the shared fixture, its
//! helpers and the tests over every rule at once.

// Fixture helpers outside #[test] fns unwrap fixed, known-good literals.
#![allow(clippy::unwrap_used)]

mod job_state;
mod stall;
mod target;

use chrono::{DateTime, Duration, Utc};
use scimwatch_core::health::{
    evaluate, AssignmentsObservation, DriftObservation, EvidenceValue, ExecutionObservation,
    ExecutionState, Finding, FindingKind, JobObservation, JobStatusCode, Observations,
    QuarantineObservation, QuarantineReason, ScheduleState, Severity, Thresholds,
};

use crate::common::{self, job, mins, now};

/// [`common::healthy`] with the job as Graph reads it in full (its last
/// run's state and counts, no escrows, no failures in a row) and the SCIM
/// URL written with a trailing slash (the same URL as the Tenant URL); no
/// write probe stored.
fn healthy() -> Observations {
    let now = now();
    Observations {
        job: Some(JobObservation {
            job_id: Some("scim.abc".into()),
            status_code: JobStatusCode::Active,
            schedule_state: ScheduleState::Active,
            interval: Some(mins(40)),
            last_execution: Some(ExecutionObservation {
                began: Some(now - mins(15)),
                ended: Some(now - mins(10)),
                state: Some(ExecutionState::Succeeded),
                count_escrowed: Some(0),
                count_exported: Some(3),
                ..Default::default()
            }),
            last_successful_execution_ended: Some(now - mins(10)),
            progress: None,
            quarantine: None,
            steady_state_first_achieved: Some(now - Duration::days(30)),
            escrow_history: vec![0, 0, 0],
            count_successive_complete_failures: Some(0),
        }),
        scim_url: Some("https://acme.example.com/scim/v2/".into()),
        probe: None,
        ..common::healthy()
    }
}

fn kinds(f: &[Finding]) -> Vec<FindingKind> {
    f.iter().map(|f| f.kind).collect()
}

fn find(f: &[Finding], k: FindingKind) -> Option<&Finding> {
    f.iter().find(|x| x.kind == k)
}

/// The text of the evidence labelled `label` (its `Display`).
fn ev(f: &Finding, label: &str) -> Option<String> {
    value(f, label).map(ToString::to_string)
}

fn value<'a>(f: &'a Finding, label: &str) -> Option<&'a EvidenceValue> {
    f.evidence
        .iter()
        .find(|e| e.label == label)
        .map(|e| &e.value)
}

fn quarantined(series_ago: Duration, reason: &str, code: Option<&str>) -> Observations {
    let mut o = healthy();
    let j = job(&mut o);
    j.status_code = JobStatusCode::Quarantine;
    j.quarantine = Some(QuarantineObservation {
        reason: Some(QuarantineReason::parse(reason)),
        error_code: code.map(str::to_string),
        error_message: Some("The SCIM endpoint refused the credentials".into()),
        series_began: Some(now() - series_ago),
        current_began: Some(now() - Duration::hours(2)),
        next_attempt: Some(now() + Duration::hours(22)),
        series_count: Some(4),
    });
    o
}

#[test]
fn healthy_connection_has_no_findings() {
    let f = evaluate(&healthy(), &Thresholds::default(), now());
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn empty_and_extreme_observations_do_not_panic() {
    let cfg = Thresholds::default();
    evaluate(&Observations::default(), &cfg, now());
    let mut o = healthy();
    job(&mut o).interval = Some(Duration::MAX);
    job(&mut o).last_execution.as_mut().unwrap().ended = Some(DateTime::<Utc>::MIN_UTC);
    job(&mut o).last_successful_execution_ended = None;
    o.assignments = Some(AssignmentsObservation {
        users: u64::MAX,
        groups: u64::MAX,
        group_members: u64::MAX,
    });
    o.token_expires_at = Some(DateTime::<Utc>::MAX_UTC);
    o.last_cycle.as_mut().unwrap().failures = u64::MAX;
    o.drift = Some(DriftObservation {
        assigned: 0,
        missing: u64::MAX,
        orphans: u64::MAX,
        duplicates: u64::MAX,
        observed_at: None,
    });
    let weird = Thresholds {
        stall_factor: u32::MAX,
        token_warn_days: vec![u32::MAX, 0],
        initial_cycle_max_minutes_per_object: f64::MAX,
        ..Default::default()
    };
    evaluate(&o, &weird, DateTime::<Utc>::MAX_UTC);
    evaluate(&o, &cfg, DateTime::<Utc>::MIN_UTC);
    evaluate(&o, &cfg, now());
}

#[test]
fn findings_are_sorted_critical_first() {
    let mut o = quarantined(Duration::days(2), "TooManyDeletes", None);
    o.logs_available = Some(false);
    o.mappings.as_mut().unwrap().groups_enabled = Some(false);
    let f = evaluate(&o, &Thresholds::default(), now());
    let sev: Vec<Severity> = f.iter().map(|x| x.severity).collect();
    let mut sorted = sev.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(sev, sorted);
    assert_eq!(f[0].kind, FindingKind::Quarantine);
}

#[test]
fn json_fixture_with_graph_spellings() {
    let json = r#"{
        "job": {
            "status_code": "Quarantine",
            "schedule_state": "Active",
            "interval": 2400,
            "quarantine": {
                "reason": "EncounteredQuarantineException",
                "error_code": "SystemForCrossDomainIdentityManagementCredentialValidationFailure",
                "series_began": "2026-02-10T12:00:00Z",
                "next_attempt": "2026-03-11T00:00:00Z"
            },
            "steady_state_first_achieved": "0001-01-01T00:00:00Z"
        },
        "job_observed_at": "2026-03-10T11:59:00Z",
        "scim_check": {"ok": false, "verdict": "unauthorized", "http_status": 401,
                       "checked_at": "2026-03-10T11:58:00Z"},
        "graph_reachability": {"state": "ok"},
        "scim_reachability": {"state": "blind", "since": "2026-03-10T11:00:00Z", "reason": "offline"}
    }"#;
    let o: Observations = serde_json::from_str(json).unwrap();
    assert_eq!(o.job.as_ref().unwrap().interval, Some(mins(40)));
    assert_eq!(o.job.as_ref().unwrap().steady_state(), None);
    let f = evaluate(&o, &Thresholds::default(), now());
    let q = find(&f, FindingKind::Quarantine).unwrap();
    assert_eq!(q.days_left, Some(0), "28 days since 2026-02-10");
    assert!(find(&f, FindingKind::ScimBlind).is_some());
    assert!(
        find(&f, FindingKind::ScimTestFailed).is_none(),
        "blind suppresses SCIM verdicts"
    );

    // Round trip keeps Graph spellings and unknown values.
    let mut o2 = o.clone();
    o2.job.as_mut().unwrap().status_code = JobStatusCode::parse("SomethingNew");
    let back: Observations = serde_json::from_str(&serde_json::to_string(&o2).unwrap()).unwrap();
    assert_eq!(back, o2);
    let text = serde_json::to_string(&o).unwrap();
    assert!(text.contains("\"Quarantine\"") && text.contains("\"EncounteredQuarantineException\""));

    // Finding JSON uses snake_case kinds and severities.
    let j = serde_json::to_value(q).unwrap();
    assert_eq!(j["kind"], "quarantine");
    assert_eq!(j["severity"], "critical");
}

#[test]
fn finding_kind_names_round_trip() {
    for k in FindingKind::ALL {
        assert_eq!(FindingKind::parse(k.as_str()), Some(k));
        assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
    }
}
