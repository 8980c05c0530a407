//! Every step on its own: it passes, fails and can be unknown.

use scimwatch_core::checklist::{evaluate_step, CheckStatus};
use scimwatch_core::health::{
    AssignmentsObservation, CodeCount, ComplianceDeviation, ExecutionObservation, GraphDenied,
    JobStatusCode, Observations, ProgressObservation, QuarantineObservation, QuarantineReason,
    Reachability, ScheduleState, Verdict,
};

use crate::common::{healthy, job, mins, now, scim};

use super::ctx;

#[test]
fn each_step_passes_fails_and_can_be_unknown() {
    type Mutate = fn(&mut Observations);
    let cases: Vec<(&str, Mutate, CheckStatus)> = vec![
        (
            "tenant_url",
            |o| scim(o, Verdict::Unreachable, None),
            CheckStatus::Fail,
        ),
        (
            "tenant_url",
            |o| scim(o, Verdict::Unauthorized, Some(401)),
            CheckStatus::Unknown,
        ),
        ("tenant_url", |o| o.scim_check = None, CheckStatus::Unknown),
        (
            "tenant_url",
            |o| {
                o.scim_reachability = Reachability::Blind {
                    since: now() - mins(5),
                    reason: "offline".into(),
                }
            },
            CheckStatus::Unknown,
        ),
        (
            "token_valid",
            |o| scim(o, Verdict::Forbidden, Some(403)),
            CheckStatus::Fail,
        ),
        (
            "token_valid",
            |o| scim(o, Verdict::NotFound, Some(404)),
            CheckStatus::Unknown,
        ),
        ("token_valid", |o| o.scim_check = None, CheckStatus::Unknown),
        (
            "token_valid",
            |o| {
                job(o).status_code = JobStatusCode::Quarantine;
                job(o).quarantine = Some(QuarantineObservation {
                    reason: Some(QuarantineReason::EncounteredQuarantineException),
                    error_code: Some(
                        "SystemForCrossDomainIdentityManagementCredentialValidationFailure".into(),
                    ),
                    ..Default::default()
                });
            },
            CheckStatus::Fail,
        ),
        ("users_mapping", |o| o.mappings = None, CheckStatus::Unknown),
        (
            "users_mapping",
            |o| o.mappings.as_mut().unwrap().users_enabled = None,
            CheckStatus::Unknown,
        ),
        (
            "provisioning_on",
            |o| job(o).status_code = JobStatusCode::NotConfigured,
            CheckStatus::Fail,
        ),
        (
            "provisioning_on",
            |o| job(o).status_code = JobStatusCode::Quarantine,
            CheckStatus::Pass,
        ),
        ("provisioning_on", |o| o.job = None, CheckStatus::Unknown),
        (
            "groups_mapping",
            |o| o.mappings = None,
            CheckStatus::Unknown,
        ),
        (
            "groups_assigned",
            |o| o.assignments = None,
            CheckStatus::Unknown,
        ),
        (
            "groups_assigned",
            |o| {
                o.assignments.as_mut().unwrap().groups = 0;
                o.mappings.as_mut().unwrap().scope_assigned_only = Some(false);
            },
            CheckStatus::Pass,
        ),
        (
            "groups_assigned",
            |o| {
                o.assignments = Some(AssignmentsObservation::default());
            },
            CheckStatus::Fail,
        ),
        (
            "changes_take_time",
            |o| {
                job(o).last_execution.as_mut().unwrap().ended = Some(now() - mins(121));
            },
            CheckStatus::Fail,
        ),
        (
            "changes_take_time",
            |o| {
                job(o).last_execution.as_mut().unwrap().ended = Some(now() - mins(120));
            },
            CheckStatus::Pass,
        ),
        (
            "changes_take_time",
            |o| {
                o.graph_reachability = Reachability::Blind {
                    since: now() - mins(50),
                    reason: "sign-in expired".into(),
                };
                job(o).last_execution.as_mut().unwrap().ended = Some(now() - mins(500));
            },
            CheckStatus::Unknown,
        ),
        (
            "changes_take_time",
            |o| {
                let j = job(o);
                j.steady_state_first_achieved = None;
                j.last_execution = Some(ExecutionObservation {
                    began: Some(now() - mins(30)),
                    ..Default::default()
                });
                j.progress = Some(ProgressObservation {
                    completed_units: 1,
                    total_units: 4,
                    observed_at: None,
                });
            },
            CheckStatus::Pass,
        ),
        (
            "changes_take_time",
            |o| job(o).schedule_state = ScheduleState::Disabled,
            CheckStatus::Unknown,
        ),
        (
            "quarantine",
            |o| job(o).status_code = JobStatusCode::Quarantine,
            CheckStatus::Fail,
        ),
        ("quarantine", |o| o.job = None, CheckStatus::Unknown),
        (
            // A job read two hours ago is memory, not evidence: could not check.
            "quarantine",
            |o| o.job_observed_at = Some(now() - mins(120)),
            CheckStatus::Unknown,
        ),
        (
            // Graph refuses the job for lack of a permission: what was read
            // before is not live evidence (issue 17, defect 2).
            "quarantine",
            |o| {
                o.graph_denied = vec![GraphDenied {
                    what: "the provisioning job".into(),
                    since: now() - mins(20),
                    reason: "access denied (Synchronization.Read.All …)".into(),
                    job: true,
                }]
            },
            CheckStatus::Unknown,
        ),
        (
            "last_cycle_errors",
            |o| o.last_cycle.as_mut().unwrap().failures = 50,
            CheckStatus::Fail,
        ),
        (
            "last_cycle_errors",
            |o| o.last_cycle.as_mut().unwrap().failures = 2,
            CheckStatus::Pass,
        ),
        (
            // Every entry of a small cycle failed: a spike (issue 17, defect 8).
            "last_cycle_errors",
            |o| {
                let c = o.last_cycle.as_mut().unwrap();
                c.total = 3;
                c.failures = 3;
            },
            CheckStatus::Fail,
        ),
        (
            "last_cycle_errors",
            |o| o.logs_available = Some(false),
            CheckStatus::Unknown,
        ),
        (
            // Few failures, but Entra keeps retrying them: escrows rising.
            "last_cycle_errors",
            |o| {
                o.last_cycle.as_mut().unwrap().failures = 1;
                job(o).escrow_history = vec![0, 1, 2];
            },
            CheckStatus::Fail,
        ),
        (
            "last_cycle_errors",
            |o| {
                o.logs_available = Some(false);
                job(o).escrow_history = vec![1, 3];
            },
            CheckStatus::Fail,
        ),
        (
            // Escrows falling: Entra is catching up.
            "last_cycle_errors",
            |o| {
                o.last_cycle.as_mut().unwrap().failures = 1;
                job(o).escrow_history = vec![3, 1];
            },
            CheckStatus::Pass,
        ),
        (
            "skipped_users",
            |o| {
                let c = o.last_cycle.as_mut().unwrap();
                c.skipped = 5;
                c.skip_reasons = vec![CodeCount {
                    code: "NotEffectivelyEntitled".into(),
                    count: 5,
                }];
            },
            CheckStatus::Pass,
        ),
        (
            "skipped_users",
            |o| {
                let c = o.last_cycle.as_mut().unwrap();
                c.skipped = 5;
                c.skip_reasons = vec![CodeCount {
                    code: "NotEffectivelyEntitled".into(),
                    count: 5,
                }];
                o.drift.as_mut().unwrap().missing = 3;
            },
            CheckStatus::Fail,
        ),
        (
            "skipped_users",
            |o| {
                let c = o.last_cycle.as_mut().unwrap();
                c.skipped = 5;
                c.skip_reasons = vec![CodeCount {
                    code: "NotEffectivelyEntitled".into(),
                    count: 5,
                }];
                o.drift = None;
            },
            CheckStatus::Unknown,
        ),
        (
            "skipped_users",
            |o| {
                let c = o.last_cycle.as_mut().unwrap();
                c.skipped = 2;
                c.skip_reasons = vec![CodeCount {
                    code: "MatchingAttributeMissing".into(),
                    count: 2,
                }];
            },
            CheckStatus::Fail,
        ),
        (
            "skipped_users",
            |o| o.last_cycle = None,
            CheckStatus::Unknown,
        ),
        (
            "conflicts_duplicates",
            |o| {
                o.last_cycle.as_mut().unwrap().top_errors = vec![CodeCount {
                    code: "EntryConflict".into(),
                    count: 1,
                }];
            },
            CheckStatus::Fail,
        ),
        (
            // An app-prefixed code of the EntryConflict family (issue 17, defect 3).
            "conflicts_duplicates",
            |o| {
                o.last_cycle.as_mut().unwrap().top_errors = vec![CodeCount {
                    code: "BoxEntryConflict".into(),
                    count: 1,
                }];
            },
            CheckStatus::Fail,
        ),
        (
            // A 409 uniqueness counted from the reason under another code.
            "conflicts_duplicates",
            |o| {
                let c = o.last_cycle.as_mut().unwrap();
                c.top_errors = vec![CodeCount {
                    code: "SystemForCrossDomainIdentityManagementServiceIncompatibleFiltering"
                        .into(),
                    count: 1,
                }];
                c.conflicts = Some(c.top_errors.clone());
            },
            CheckStatus::Fail,
        ),
        (
            // Failures that are not conflicts.
            "conflicts_duplicates",
            |o| {
                o.last_cycle.as_mut().unwrap().top_errors = vec![CodeCount {
                    code: "SystemForCrossDomainIdentityManagementBadResponse".into(),
                    count: 4,
                }];
            },
            CheckStatus::Pass,
        ),
        (
            "conflicts_duplicates",
            |o| o.drift.as_mut().unwrap().duplicates = 2,
            CheckStatus::Fail,
        ),
        (
            "conflicts_duplicates",
            |o| {
                o.last_cycle = None;
                o.drift = None;
            },
            CheckStatus::Unknown,
        ),
        (
            // No verdict without evidence: the SaaS has no duplicates, but
            // Entra's conflicts are in logs that could not be read.
            "conflicts_duplicates",
            |o| o.logs_available = Some(false),
            CheckStatus::Unknown,
        ),
        (
            "conflicts_duplicates",
            |o| {
                o.logs_available = Some(false);
                o.drift.as_mut().unwrap().duplicates = 1;
            },
            CheckStatus::Fail,
        ),
        (
            "scim_compliance",
            |o| {
                o.compliance_deviations = Some(vec![ComplianceDeviation {
                    code: "not_found_for_empty_filter".into(),
                    message: "404 instead of an empty ListResponse".into(),
                }]);
            },
            CheckStatus::Fail,
        ),
        (
            "scim_compliance",
            |o| o.compliance_deviations = None,
            CheckStatus::Unknown,
        ),
    ];
    for (id, mutate, expected) in cases {
        let mut o = healthy();
        mutate(&mut o);
        let r = evaluate_step(id, &o, &ctx(), &[], now()).unwrap();
        assert_eq!(r.outcome.status, expected, "{id}: {:#?}", r.outcome);
        assert_eq!(
            r.outcome.why_unknown.is_some(),
            expected == CheckStatus::Unknown,
            "{id}: why_unknown iff unknown"
        );
    }
    assert!(evaluate_step("nope", &healthy(), &ctx(), &[], now()).is_none());
}
