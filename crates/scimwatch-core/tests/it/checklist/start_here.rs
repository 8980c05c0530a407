//! Where the checklist starts: the table order, a healthy connection
//! passing every step, the first failing step and the root cause to start
//! from for the classic failures.

use chrono::Duration;
use scimwatch_core::checklist::{Overall, StepStatus, STEPS};
use scimwatch_core::health::{
    CodeCount, JobStatusCode, Observations, QuarantineObservation, QuarantineReason, ScheduleState,
    Verdict,
};

use crate::common::{healthy, job, mins, now, scim};

use super::run;

#[test]
fn table_order_starts_with_the_saas_list() {
    let ids: Vec<&str> = STEPS.iter().map(|s| s.id).collect();
    assert_eq!(
        &ids[..7],
        [
            "tenant_url",
            "token_valid",
            "users_mapping",
            "provisioning_on",
            "groups_mapping",
            "groups_assigned",
            "changes_take_time"
        ]
    );
    for extra in [
        "quarantine",
        "skipped_users",
        "conflicts_duplicates",
        "scim_compliance",
    ] {
        assert!(ids.contains(&extra), "{extra}");
    }
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "ids are unique");
    for s in STEPS {
        assert!(!s.fix_steps.is_empty(), "{} has fix steps", s.id);
        assert!(!s.explains.is_empty());
    }
}

#[test]
fn healthy_connection_passes_every_step() {
    let r = run(&healthy());
    for s in &r.steps {
        assert_eq!(s.status, StepStatus::Pass, "{}: {:?}", s.id, s.outcome);
    }
    assert_eq!(r.overall, Overall::Pass);
    assert_eq!(r.first_failing, None);
}

#[test]
fn first_failing_step_for_the_classic_failures() {
    type Mutate = fn(&mut Observations);
    let cases: [(&str, Mutate, &str); 9] = [
        (
            "users mapping disabled",
            |o| o.mappings.as_mut().unwrap().users_enabled = Some(false),
            "users_mapping",
        ),
        (
            "groups mapping disabled",
            |o| o.mappings.as_mut().unwrap().groups_enabled = Some(false),
            "groups_mapping",
        ),
        (
            "status off",
            |o| {
                job(o).status_code = JobStatusCode::Paused;
                job(o).schedule_state = ScheduleState::Disabled;
            },
            "provisioning_on",
        ),
        (
            "groups not assigned",
            |o| o.assignments.as_mut().unwrap().groups = 0,
            "groups_assigned",
        ),
        (
            "token expired (401)",
            |o| scim(o, Verdict::Unauthorized, Some(401)),
            "token_valid",
        ),
        (
            "token past its expiry date",
            |o| o.token_expires_at = Some(now() - mins(1)),
            "token_valid",
        ),
        (
            "wrong Tenant URL (404)",
            |o| scim(o, Verdict::NotFound, Some(404)),
            "tenant_url",
        ),
        (
            "wrong Tenant URL (HTML)",
            |o| scim(o, Verdict::Html, Some(200)),
            "tenant_url",
        ),
        (
            "Entra's URL differs",
            |o| o.entra_tenant_url = Some("https://acme.example.com/api".into()),
            "tenant_url",
        ),
    ];
    for (name, mutate, expected) in cases {
        let mut o = healthy();
        mutate(&mut o);
        let r = run(&o);
        assert_eq!(r.first_failing.as_deref(), Some(expected), "{name}");
        assert_eq!(r.overall, Overall::Fail, "{name}");
    }
}

fn quarantine(o: &mut Observations, reason: QuarantineReason, code: &str) {
    let j = job(o);
    j.status_code = JobStatusCode::Quarantine;
    j.quarantine = Some(QuarantineObservation {
        reason: Some(reason),
        error_code: Some(code.into()),
        error_message: Some("An error occurred.".into()),
        series_began: Some(now() - Duration::days(30)),
        current_began: Some(now() - Duration::hours(3)),
        next_attempt: Some(now() + Duration::hours(21)),
        series_count: Some(9),
    });
}

/// "Start here" is the root cause: the most severe failing step no other
/// failing step explains, not the first failing step in table order
/// (issue 17, defect 7).
#[test]
fn start_here_is_the_root_cause_not_the_first_in_table_order() {
    type Mutate = fn(&mut Observations);
    let cases: Vec<(&str, Mutate, &str)> = vec![
        (
            // Used to start at groups_assigned (a warning, earlier in the table).
            "quarantined, and no groups assigned",
            |o| {
                quarantine(
                    o,
                    QuarantineReason::EncounteredQuarantineException,
                    "SystemForCrossDomainIdentityManagementServiceUnavailable",
                );
                o.assignments.as_mut().unwrap().groups = 0;
            },
            "quarantine",
        ),
        (
            // Used to start at provisioning_on: Entra disabled it because of the quarantine.
            "quarantined and disabled, groups mapping off",
            |o| {
                quarantine(
                    o,
                    QuarantineReason::EncounteredQuarantineException,
                    "SystemForCrossDomainIdentityManagementServiceUnavailable",
                );
                job(o).schedule_state = ScheduleState::Disabled;
                o.mappings.as_mut().unwrap().groups_enabled = Some(false);
            },
            "quarantine",
        ),
        (
            // The refused credential caused the quarantine.
            "credential quarantine, disabled, no groups",
            |o| {
                quarantine(
                    o,
                    QuarantineReason::EncounteredQuarantineException,
                    "SystemForCrossDomainIdentityManagementInvalidCredentials",
                );
                job(o).schedule_state = ScheduleState::Disabled;
                o.assignments.as_mut().unwrap().groups = 0;
            },
            "token_valid",
        ),
        (
            // Failing entries caused an escrow-threshold quarantine: they come first.
            "escrow quarantine after a failure spike",
            |o| {
                quarantine(
                    o,
                    QuarantineReason::EncounteredEscrowProportionThreshold,
                    "EscrowThresholdExceeded",
                );
                let c = o.last_cycle.as_mut().unwrap();
                c.failures = 60;
                c.top_errors = vec![CodeCount {
                    code: "SystemForCrossDomainIdentityManagementServiceFailure".into(),
                    count: 60,
                }];
            },
            "last_cycle_errors",
        ),
        (
            // Every failure a conflict: the conflicts are the cause of the
            // failures and of the escrow quarantine (issue 17, defect 16).
            "escrow quarantine, every failure a conflict",
            |o| {
                quarantine(
                    o,
                    QuarantineReason::EncounteredEscrowProportionThreshold,
                    "EscrowThresholdExceeded",
                );
                let c = o.last_cycle.as_mut().unwrap();
                c.failures = 60;
                c.top_errors = vec![CodeCount {
                    code: "BoxEntryConflict".into(),
                    count: 60,
                }];
            },
            "conflicts_duplicates",
        ),
        (
            // An unassignment caused a TooManyDeletes quarantine: it comes first.
            "too many deletes after the groups were unassigned",
            |o| {
                quarantine(o, QuarantineReason::TooManyDeletes, "TooManyDeletes");
                o.assignments.as_mut().unwrap().groups = 0;
            },
            "groups_assigned",
        ),
        (
            // A warning alone is still where to start.
            "only groups",
            |o| o.assignments.as_mut().unwrap().groups = 0,
            "groups_assigned",
        ),
        (
            // Severity before table order: the stall (critical) before groups (warning).
            "groups mapping off and provisioning off",
            |o| {
                o.mappings.as_mut().unwrap().groups_enabled = Some(false);
                job(o).status_code = JobStatusCode::Paused;
                job(o).schedule_state = ScheduleState::Disabled;
            },
            "provisioning_on",
        ),
    ];
    for (name, mutate, expected) in cases {
        let mut o = healthy();
        mutate(&mut o);
        let r = run(&o);
        assert_eq!(r.first_failing.as_deref(), Some(expected), "{name}");
        assert_eq!(r.overall, Overall::Fail, "{name}");
    }
}
