//! Issue 17, defects 15–18 in core: "Start here" follows the evidence (an
//! unreachable endpoint is not a token problem; conflicts explain the
//! failures they are), one problem groups into one incident, and the stall
//! step's arithmetic uses the job's own interval.

#![allow(clippy::unwrap_used)]

use chrono::{Duration, FixedOffset};
use scimwatch_core::checklist::{evaluate_checklist, ChecklistRun, Context, StepStatus};
use scimwatch_core::health::{
    evaluate, CodeCount, ExecutionObservation, FindingKind, JobStatusCode, Observations,
    QuarantineObservation, QuarantineReason, Severity, Thresholds, Verdict,
};
use scimwatch_core::incident::{apply, group_related, reconcile, NotifyPolicy};

use crate::common::{self, mins, now, scim};

/// [`common::healthy`] without the token expiry, drift, compliance and
/// write-probe facts (this file's diagnoses never read them).
fn healthy() -> Observations {
    Observations {
        token_expires_at: None,
        drift: None,
        compliance_deviations: None,
        probe: None,
        ..common::healthy()
    }
}

const UNAVAILABLE: &str = "SystemForCrossDomainIdentityManagementCredentialValidationUnavailable";
const REFUSED: &str = "SystemForCrossDomainIdentityManagementCredentialValidationFailure";

fn quarantined(o: &mut Observations, reason: QuarantineReason, code: &str) {
    let j = o.job.as_mut().unwrap();
    j.status_code = JobStatusCode::Quarantine;
    j.quarantine = Some(QuarantineObservation {
        reason: Some(reason),
        error_code: Some(code.into()),
        error_message: Some("We are not able to connect to your application.".into()),
        series_began: Some(now() - Duration::hours(1)),
        current_began: Some(now() - Duration::hours(1)),
        next_attempt: Some(now() + Duration::hours(1)),
        series_count: Some(1),
    });
}

fn run(o: &Observations) -> ChecklistRun {
    evaluate_checklist(o, &Context::default(), &[], now())
}

fn endpoint_down() -> Observations {
    let mut o = healthy();
    scim(&mut o, Verdict::Unreachable, None);
    quarantined(
        &mut o,
        QuarantineReason::EncounteredQuarantineException,
        UNAVAILABLE,
    );
    o
}

/// Defect 15: Entra cannot connect and neither can scimwatch. The endpoint
/// explains the quarantine and the token that could not be tested: start
/// at the Tenant URL, and the token step does not claim refused credentials.
#[test]
fn an_unreachable_endpoint_is_the_start_not_the_token() {
    let r = run(&endpoint_down());
    assert_eq!(r.first_failing.as_deref(), Some("tenant_url"));
    let token = r.step("token_valid").unwrap();
    assert_eq!(token.status, StepStatus::Unknown, "{:?}", token.outcome);
    assert!(
        !token.outcome.summary.contains("refused"),
        "{:?}",
        token.outcome
    );
    assert_eq!(r.step("quarantine").unwrap().status, StepStatus::Fail);
    // A refused credential is still the token's.
    let mut refused = healthy();
    scim(&mut refused, Verdict::Unauthorized, Some(401));
    quarantined(
        &mut refused,
        QuarantineReason::EncounteredQuarantineException,
        REFUSED,
    );
    assert_eq!(run(&refused).first_failing.as_deref(), Some("token_valid"));
}

fn conflicting(o: &mut Observations, n: u64) {
    let c = o.last_cycle.as_mut().unwrap();
    c.failures = n;
    c.top_errors = vec![CodeCount {
        code: "EntryConflict".into(),
        count: n,
    }];
    c.conflicts = Some(c.top_errors.clone());
    c.conflict_objects = vec!["Jordan Reyes".into()];
    o.job.as_mut().unwrap().escrow_history = vec![1, 2];
}

/// Defect 16: failures that are all conflicts start at the conflicts step,
/// which names who conflicts; one incident (conflicts) carries the rising
/// escrows as evidence.
#[test]
fn conflicts_explain_the_failures_they_are() {
    let mut o = healthy();
    conflicting(&mut o, 2);
    let r = run(&o);
    assert_eq!(r.first_failing.as_deref(), Some("conflicts_duplicates"));
    let step = r.step("conflicts_duplicates").unwrap();
    assert!(
        step.outcome
            .evidence
            .iter()
            .any(|e| e.label == "Conflicting user" && e.value.to_string() == "Jordan Reyes"),
        "{:?}",
        step.outcome.evidence
    );
    let findings = evaluate(&o, &Thresholds::default(), now());
    let problems = group_related(&[], &findings, &o);
    let kinds: Vec<FindingKind> = problems.iter().map(|f| f.kind).collect();
    assert_eq!(kinds, vec![FindingKind::Conflicts], "{findings:?}");
    assert!(
        problems[0].title.contains("Jordan Reyes"),
        "{}",
        problems[0].title
    );
    // A failure that is not a conflict keeps its own step.
    o.last_cycle.as_mut().unwrap().failures = 3;
    assert_eq!(run(&o).first_failing.as_deref(), Some("last_cycle_errors"));
}

/// Defect 17: an expired token (scimwatch's test refused, Entra's credential
/// quarantine) is one incident with the quarantine as evidence; an endpoint
/// that is down likewise. An incident already open keeps its kind.
#[test]
fn one_problem_groups_into_one_incident() {
    let mut o = healthy();
    scim(&mut o, Verdict::Unauthorized, Some(401));
    quarantined(
        &mut o,
        QuarantineReason::EncounteredQuarantineException,
        REFUSED,
    );
    let findings = evaluate(&o, &Thresholds::default(), now());
    assert!(findings.len() >= 2, "{findings:?}");
    let problems = group_related(&[], &findings, &o);
    assert_eq!(problems.len(), 1, "{problems:?}");
    let p = &problems[0];
    assert_eq!(p.kind, FindingKind::ScimTestFailed);
    assert_eq!(p.severity, Severity::Critical);
    assert!(
        p.evidence
            .iter()
            .any(|e| e.label == "Also seen (Quarantine)"),
        "{:?}",
        p.evidence
    );

    let utc = FixedOffset::east_opt(0).unwrap();
    let policy = NotifyPolicy::default();
    // Seen first as a quarantine (the SCIM test had not run yet) ...
    let mut first = o.clone();
    first.scim_check = None;
    let only_q = group_related(
        &[],
        &evaluate(&first, &Thresholds::default(), now()),
        &first,
    );
    let acts = reconcile(&[], &only_q, &policy, utc, now());
    let states = apply(&[], &acts, now());
    // ... then the token test fails too: still that one incident, no new one.
    let later = now() + mins(5);
    let grouped = group_related(&states, &findings, &o);
    let acts = reconcile(&states, &grouped, &policy, utc, later);
    assert!(acts.iter().all(|a| a.notification().is_none()), "{acts:?}");
    assert!(
        acts.iter().all(|a| a.kind() == FindingKind::Quarantine),
        "{acts:?}"
    );

    let down = endpoint_down();
    let problems = group_related(&[], &evaluate(&down, &Thresholds::default(), now()), &down);
    let kinds: Vec<FindingKind> = problems.iter().map(|f| f.kind).collect();
    assert_eq!(kinds, vec![FindingKind::ScimDown], "{problems:?}");
}

fn stalled(o: &mut Observations, interval: Duration, since: Duration) {
    let j = o.job.as_mut().unwrap();
    j.interval = Some(interval);
    j.last_execution = Some(ExecutionObservation {
        began: Some(now() - since - mins(1)),
        ended: Some(now() - since),
        ..Default::default()
    });
}

/// Defect 18: the stall step computes from the job's real interval and says
/// the numbers that make "more than 3 ×" true.
#[test]
fn the_stall_step_says_the_real_interval_and_limit() {
    let mut o = healthy();
    stalled(&mut o, mins(40), Duration::hours(2) + mins(10));
    let s = run(&o);
    let step = s.step("changes_take_time").unwrap();
    assert_eq!(step.status, StepStatus::Fail);
    assert_eq!(
        step.outcome.summary,
        "No cycle has completed for 2 h 10 min, more than 3 × the 40-min interval (2 h)"
    );
    // The demo's one-minute cycles: seconds matter, 3 min is not "more than 3 min".
    let mut o = healthy();
    stalled(&mut o, mins(1), mins(3) + Duration::seconds(20));
    let step = run(&o).step("changes_take_time").unwrap().clone();
    assert_eq!(
        step.outcome.summary,
        "No cycle has completed for 3 min 20 s, more than 3 × the 1-min interval (3 min)"
    );
}
