//! Time and people: "changes take time" with the last and next cycle, and
//! a confirmation by hand that counts until a later failure.

use scimwatch_core::checklist::{
    evaluate_checklist, evaluate_step, ChecklistRun, Context, Overall, StepStatus, StoredProgress,
};
use scimwatch_core::health::Verdict;

use crate::common::{healthy, mins, now, scim};

use super::{ctx, run};

fn status(r: &ChecklistRun, id: &str) -> StepStatus {
    r.step(id).unwrap_or_else(|| panic!("no step {id}")).status
}

#[test]
fn changes_take_time_shows_last_end_and_next_expected_local_time() {
    let r = evaluate_step("changes_take_time", &healthy(), &ctx(), &[], now()).unwrap();
    let ev = |l: &str| {
        r.outcome
            .evidence
            .iter()
            .find(|e| e.label == l)
            .map(|e| e.value.to_string())
    };
    assert_eq!(
        ev("Last cycle ended at").as_deref(),
        Some("2026-03-10T11:50:00Z")
    );
    assert_eq!(
        ev("Next cycle expected at").as_deref(),
        Some("~12:30 UTC+00:00")
    );
    let c = Context {
        utc_offset_minutes: 120,
        ..ctx()
    };
    let r = evaluate_step("changes_take_time", &healthy(), &c, &[], now()).unwrap();
    let next = r
        .outcome
        .evidence
        .iter()
        .find(|e| e.label == "Next cycle expected at")
        .unwrap();
    assert_eq!(next.value.to_string(), "~14:30 UTC+02:00");
    // Typed: the instant (the screen shows it in local time), not the text.
    assert!(
        matches!(next.value, scimwatch_core::health::EvidenceValue::Estimate { at, utc_offset_minutes: 120, overdue_seconds: None } if at.to_rfc3339() == "2026-03-10T12:30:00+00:00"),
        "{next:?}"
    );
    let last = r
        .outcome
        .evidence
        .iter()
        .find(|e| e.label == "Last cycle ended at")
        .unwrap();
    assert!(
        matches!(last.value, scimwatch_core::health::EvidenceValue::Time(_)),
        "{last:?}"
    );
}

#[test]
fn manual_confirmation_counts_until_a_later_failure() {
    let confirm = |id: &str, at| StoredProgress {
        step_id: id.into(),
        confirmed_at: at,
    };
    // Unknown + confirmed: confirmed.
    let mut o = healthy();
    o.mappings = None;
    let p = [
        confirm("users_mapping", now() - mins(30)),
        confirm("groups_mapping", now() - mins(20)),
    ];
    let r = evaluate_checklist(&o, &ctx(), &p[..1], now());
    assert_eq!(status(&r, "users_mapping"), StepStatus::Confirmed);
    assert_eq!(status(&r, "groups_mapping"), StepStatus::Unknown);
    assert_eq!(r.overall, Overall::Incomplete);
    let r = evaluate_checklist(&o, &ctx(), &p, now());
    assert_eq!(status(&r, "groups_mapping"), StepStatus::Confirmed);
    assert_eq!(r.overall, Overall::Pass);
    assert_eq!(r.progress_to_store(), p.to_vec());

    // A failure observed before the confirmation: live evidence beats
    // memory — the step still fails; the confirmation is kept and shown.
    let mut o = healthy();
    scim(&mut o, Verdict::NotFound, Some(404));
    o.scim_check.as_mut().unwrap().checked_at = now() - mins(60);
    let p = [confirm("tenant_url", now() - mins(30))];
    let r = evaluate_checklist(&o, &ctx(), &p, now());
    assert_eq!(status(&r, "tenant_url"), StepStatus::Fail);
    assert!(r.step("tenant_url").unwrap().confirmation_note.is_some());
    assert_eq!(r.progress_to_store(), p.to_vec());

    // A failure observed after the confirmation overrides it.
    o.scim_check.as_mut().unwrap().checked_at = now() - mins(5);
    let r = evaluate_checklist(&o, &ctx(), &p, now());
    let s = r.step("tenant_url").unwrap();
    assert_eq!(s.status, StepStatus::Fail);
    assert!(s.confirmation_invalidated);
    assert_eq!(r.first_failing.as_deref(), Some("tenant_url"));
    assert!(r.progress_to_store().is_empty());

    // Unknown without confirmation: incomplete.
    let mut o = healthy();
    o.compliance_deviations = None;
    assert_eq!(run(&o).overall, Overall::Incomplete);
}
