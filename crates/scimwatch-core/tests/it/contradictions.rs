//! Contradictions are findings (issue 17): when Entra and scimwatch's own
//! Test Connection disagree, the finding and the token step say exactly
//! that and what it implies — never one incident more, never silence.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, Utc};
use scimwatch_core::checklist::{evaluate_checklist, Context, StepStatus};
use scimwatch_core::health::{
    contradictions, evaluate, ContradictionKind, ExecutionObservation, ExecutionState, FindingKind,
    JobObservation, JobStatusCode, Observations, QuarantineObservation, QuarantineReason,
    ScheduleState, ScimCheckObservation, Thresholds, Verdict,
};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-10T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn check(verdict: Verdict, at: DateTime<Utc>) -> ScimCheckObservation {
    ScimCheckObservation {
        ok: verdict == Verdict::Ok,
        verdict,
        http_status: Some(if verdict == Verdict::Ok { 200 } else { 401 }),
        checked_at: at,
        message: None,
    }
}

/// Entra quarantined the job at `failed` with `code` (in `quarantine.error`
/// or, as real tenants send it, only in `lastExecution.error`).
fn quarantined(code: &str, failed: DateTime<Utc>, in_last_execution: bool) -> Observations {
    let (q_code, e_code) = if in_last_execution {
        (None, Some(code.to_string()))
    } else {
        (Some(code.to_string()), None)
    };
    Observations {
        job: Some(JobObservation {
            status_code: JobStatusCode::Quarantine,
            schedule_state: ScheduleState::Active,
            quarantine: Some(QuarantineObservation {
                reason: Some(QuarantineReason::EncounteredQuarantineException),
                error_code: q_code,
                current_began: Some(failed),
                series_began: Some(failed - Duration::hours(2)),
                ..Default::default()
            }),
            last_execution: Some(ExecutionObservation {
                began: Some(failed - Duration::minutes(1)),
                ended: Some(failed),
                state: Some(ExecutionState::Failed),
                error_code: e_code,
                ..Default::default()
            }),
            ..Default::default()
        }),
        job_observed_at: Some(now()),
        entra_tenant_url: Some("https://acme.example.com/scim/v2".into()),
        scim_url: Some("https://acme.example.com/scim/v2".into()),
        ..Default::default()
    }
}

const REFUSED: &str = "SystemForCrossDomainIdentityManagementCredentialValidationFailure";

#[test]
fn entra_refused_but_the_stored_token_works_says_the_tokens_differ() {
    for in_last_execution in [false, true] {
        let mut obs = quarantined(REFUSED, now() - Duration::minutes(20), in_last_execution);
        obs.scim_check = Some(check(Verdict::Ok, now() - Duration::minutes(5)));
        let c = contradictions(&obs);
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(
            c[0].kind,
            ContradictionKind::EntraRefusedTokenScimwatchAccepted
        );
        assert!(c[0].implies.contains("Secret Token saved in Entra"));
        assert!(!c[0].implies.contains("another Tenant URL"), "URLs agree");

        // One finding (the quarantine's), amended — no second incident.
        let findings = evaluate(&obs, &Thresholds::default(), now());
        let q: Vec<_> = findings
            .iter()
            .filter(|f| f.kind == FindingKind::Quarantine)
            .collect();
        assert_eq!(q.len(), 1);
        assert!(q[0]
            .evidence
            .iter()
            .any(|e| e.label == "Contradiction"
                && e.value.to_string().contains("stored token passes")));
        assert!(q[0].action.starts_with("The token scimwatch holds works"));

        // The token step says the same.
        let run = evaluate_checklist(&obs, &Context::default(), &[], now());
        let st = run.step("token_valid").unwrap();
        assert_eq!(st.status, StepStatus::Fail);
        assert!(
            st.outcome.summary.contains("stored token passes"),
            "{}",
            st.outcome.summary
        );
        assert!(st
            .outcome
            .evidence
            .iter()
            .any(|e| e.label == "What it means"));
    }
}

#[test]
fn a_different_tenant_url_is_named_as_the_other_explanation() {
    let mut obs = quarantined(REFUSED, now() - Duration::minutes(20), false);
    obs.entra_tenant_url = Some("https://acme.example.com/scim/v1".into());
    obs.scim_check = Some(check(Verdict::Ok, now() - Duration::minutes(5)));
    let c = &contradictions(&obs)[0];
    assert!(c.implies.contains("another Tenant URL"));
    assert!(c.evidence.iter().any(|e| e.label == "Tenant URL in Entra"));
}

#[test]
fn a_test_older_than_entras_failure_is_no_contradiction() {
    // scimwatch's pass came before Entra's refusal: the token may have
    // expired since. Nothing is claimed.
    let mut obs = quarantined(REFUSED, now() - Duration::minutes(5), false);
    obs.scim_check = Some(check(Verdict::Ok, now() - Duration::minutes(30)));
    assert!(contradictions(&obs).is_empty());
    // And agreement (both refused) is no contradiction either.
    obs.scim_check = Some(check(Verdict::Unauthorized, now()));
    assert!(contradictions(&obs).is_empty());
}

#[test]
fn entra_cannot_connect_but_scimwatch_can_points_at_a_firewall() {
    let mut obs = quarantined(
        "SystemForCrossDomainIdentityManagementCredentialValidationUnavailable",
        now() - Duration::minutes(20),
        true,
    );
    obs.scim_check = Some(check(Verdict::Ok, now() - Duration::minutes(1)));
    let c = contradictions(&obs);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].kind, ContradictionKind::EntraCannotConnectScimwatchCan);
    assert!(c[0].implies.contains("IP ranges"));
}

#[test]
fn the_stored_token_refused_while_entra_succeeds_says_scimwatch_holds_an_old_token() {
    let obs = Observations {
        job: Some(JobObservation {
            status_code: JobStatusCode::Active,
            schedule_state: ScheduleState::Active,
            last_execution: Some(ExecutionObservation {
                began: Some(now() - Duration::minutes(6)),
                ended: Some(now() - Duration::minutes(5)),
                state: Some(ExecutionState::Succeeded),
                count_exported: Some(3),
                ..Default::default()
            }),
            ..Default::default()
        }),
        job_observed_at: Some(now()),
        scim_check: Some(check(Verdict::Unauthorized, now() - Duration::minutes(30))),
        ..Default::default()
    };
    let c = contradictions(&obs);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].kind, ContradictionKind::ScimwatchRefusedEntraSucceeds);
    let findings = evaluate(&obs, &Thresholds::default(), now());
    let f = findings
        .iter()
        .find(|f| f.kind == FindingKind::ScimTestFailed)
        .unwrap();
    assert!(f
        .action
        .contains("Update the connection's token in scimwatch"));
    let run = evaluate_checklist(&obs, &Context::default(), &[], now());
    assert!(run
        .step("token_valid")
        .unwrap()
        .outcome
        .summary
        .contains("Entra's cycles succeed"));
}
