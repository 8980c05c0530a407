//! The checklist's evidence rules (issue 17): a step about a side the
//! connection does not watch is *not applicable* (never "could not check",
//! never a pass), and "I've checked this" never turns a step green while
//! its live evidence fails — the confirmation is shown beside it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, Utc};
use scimwatch_core::checklist::{
    evaluate_checklist, report_markdown, Context, Overall, Sides, StepStatus, StoredProgress, STEPS,
};
use scimwatch_core::health::{Observations, ScimCheckObservation, Verdict};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-10T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn ctx(entra: bool, scim: bool) -> Context {
    Context {
        connection_name: Some("Acme".into()),
        sides: Sides { entra, scim },
        ..Default::default()
    }
}

/// The SaaS refused the token at `at`.
fn refused(at: DateTime<Utc>) -> Observations {
    Observations {
        scim_url: Some("https://acme.example.com/scim/v2".into()),
        scim_check: Some(ScimCheckObservation {
            ok: false,
            verdict: Verdict::Unauthorized,
            http_status: Some(401),
            checked_at: at,
            message: Some("401".into()),
        }),
        ..Default::default()
    }
}

const ENTRA_ONLY_STEPS: &[&str] = &[
    "users_mapping",
    "provisioning_on",
    "groups_mapping",
    "groups_assigned",
    "changes_take_time",
    "quarantine",
    "last_cycle_errors",
    "skipped_users",
    "conflicts_duplicates",
];

#[test]
fn a_scim_only_connection_shows_the_entra_steps_as_not_applicable() {
    let run = evaluate_checklist(&refused(now()), &ctx(false, true), &[], now());
    for id in ENTRA_ONLY_STEPS {
        let st = run.step(id).unwrap();
        assert_eq!(st.status, StepStatus::NotApplicable, "{id}");
        assert!(
            st.outcome.why_unknown.is_none(),
            "{id} is not 'could not check'"
        );
        assert!(
            st.outcome.summary.contains("only the SaaS's SCIM endpoint"),
            "{id}: {}",
            st.outcome.summary
        );
    }
    // The SCIM steps judge what scimwatch saw.
    assert_eq!(run.step("token_valid").unwrap().status, StepStatus::Fail);
    assert_eq!(run.first_failing.as_deref(), Some("token_valid"));
    let md = report_markdown(&run, &ctx(false, true), &[], now());
    assert!(md.contains("NOT APPLICABLE"), "{md}");
    assert!(!md.contains("| UNKNOWN |"), "{md}");
}

#[test]
fn not_applicable_steps_alone_do_not_make_a_run_incomplete_nor_a_pass_out_of_nothing() {
    // Nothing observed on a SCIM-only connection: the SCIM steps could not
    // check, the Entra ones do not apply; the run is incomplete, not a pass.
    let run = evaluate_checklist(&Observations::default(), &ctx(false, true), &[], now());
    assert_eq!(run.overall, Overall::Incomplete);
    let counted: Vec<_> = run
        .steps
        .iter()
        .filter(|s| s.status == StepStatus::Unknown)
        .map(|s| s.id.as_str())
        .collect();
    assert!(counted.iter().all(|id| !ENTRA_ONLY_STEPS.contains(id)));
    let md = report_markdown(&run, &ctx(false, true), &[], now());
    assert!(md.contains("COULD NOT CHECK"), "{md}");
    assert!(md.contains("not an all-clear"), "{md}");
}

#[test]
fn an_entra_only_connection_does_not_judge_scim_compliance() {
    let run = evaluate_checklist(&Observations::default(), &ctx(true, false), &[], now());
    assert_eq!(
        run.step("scim_compliance").unwrap().status,
        StepStatus::NotApplicable
    );
    // Every step still has one of the five states, and a both-sided
    // connection has no not-applicable step.
    let both = evaluate_checklist(&Observations::default(), &ctx(true, true), &[], now());
    assert_eq!(both.steps.len(), STEPS.len());
    assert!(both
        .steps
        .iter()
        .all(|s| s.status != StepStatus::NotApplicable));
}

#[test]
fn a_confirmation_after_the_failure_was_seen_is_shown_but_the_step_still_fails() {
    let seen = now() - Duration::minutes(30);
    let confirmed = now() - Duration::minutes(5);
    let progress = [StoredProgress {
        step_id: "token_valid".into(),
        confirmed_at: confirmed,
    }];
    let run = evaluate_checklist(&refused(seen), &ctx(true, true), &progress, now());
    let st = run.step("token_valid").unwrap();
    assert_eq!(
        st.status,
        StepStatus::Fail,
        "memory never beats live evidence"
    );
    assert_eq!(st.confirmed_at, Some(confirmed));
    assert!(!st.confirmation_invalidated, "kept: the next check decides");
    let note = st.confirmation_note.as_deref().unwrap();
    assert!(note.contains("still fails"), "{note}");
    assert!(note.contains("Test Connection"), "{note}");
    assert_eq!(run.first_failing.as_deref(), Some("token_valid"));
    assert_eq!(run.overall, Overall::Fail);
    // The confirmation is kept in storage.
    assert!(run
        .progress_to_store()
        .iter()
        .any(|p| p.step_id == "token_valid"));
    let md = report_markdown(&run, &ctx(true, true), &[], now());
    assert!(md.contains("still fails"), "{md}");
}

#[test]
fn a_failure_seen_after_the_confirmation_drops_it_and_says_so() {
    let confirmed = now() - Duration::minutes(30);
    let seen = now() - Duration::minutes(5);
    let progress = [StoredProgress {
        step_id: "token_valid".into(),
        confirmed_at: confirmed,
    }];
    let run = evaluate_checklist(&refused(seen), &ctx(true, true), &progress, now());
    let st = run.step("token_valid").unwrap();
    assert_eq!(st.status, StepStatus::Fail);
    assert!(st.confirmation_invalidated);
    assert!(st
        .confirmation_note
        .as_deref()
        .unwrap()
        .contains("no longer counts"));
    assert!(run.progress_to_store().is_empty());
}

#[test]
fn a_confirmation_still_counts_where_nothing_could_be_checked() {
    let progress = [StoredProgress {
        step_id: "token_valid".into(),
        confirmed_at: now(),
    }];
    let run = evaluate_checklist(&Observations::default(), &ctx(true, true), &progress, now());
    let st = run.step("token_valid").unwrap();
    assert_eq!(st.status, StepStatus::Confirmed);
    assert!(st.confirmation_note.is_none());
}
