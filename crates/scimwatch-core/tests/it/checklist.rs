//! The troubleshooting checklist: each step's pass/fail/unknown, where to
//! start for the classic failures, remembered confirmations, deep links, report.

// Fixture helpers outside #[test] fns unwrap fixed, known-good literals.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, Utc};
use scimwatch_core::checklist::{
    deep_link, evaluate_checklist, evaluate_step, portal_base_for, report_json, report_markdown,
    CheckStatus, ChecklistRun, Context, Overall, PortalPage, Report, StepStatus, StoredProgress,
    STEPS,
};
use scimwatch_core::health::{
    evaluate, AssignmentsObservation, CodeCount, ComplianceDeviation, ExecutionObservation,
    GraphDenied, JobObservation, JobStatusCode, Observations, ProgressObservation,
    QuarantineObservation, QuarantineReason, Reachability, ScheduleState, Thresholds, Verdict,
};
use scimwatch_core::Cloud;

use crate::common::{healthy, mins, now};

const SP: &str = "11111111-2222-3333-4444-555555555555";
const APP: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

fn ctx() -> Context {
    Context {
        connection_name: Some("Acme | prod".into()),
        tenant_id: Some("contoso.onmicrosoft.com".into()),
        service_principal_id: Some(SP.into()),
        app_id: Some(APP.into()),
        app_display_name: Some("Acme SCIM".into()),
        ..Default::default()
    }
}

fn job(o: &mut Observations) -> &mut JobObservation {
    o.job.as_mut().unwrap()
}

fn scim(o: &mut Observations, verdict: Verdict, status: Option<u16>) {
    let c = o.scim_check.as_mut().unwrap();
    c.ok = verdict == Verdict::Ok;
    c.verdict = verdict;
    c.http_status = status;
}

fn run(o: &Observations) -> ChecklistRun {
    evaluate_checklist(o, &ctx(), &[], now())
}

fn status(r: &ChecklistRun, id: &str) -> StepStatus {
    r.step(id).unwrap_or_else(|| panic!("no step {id}")).status
}

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

#[test]
fn deep_links_for_this_app() {
    let base = "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/ManagedAppMenuBlade/~";
    let cases = [
        (
            PortalPage::Provisioning,
            format!("{base}/Provisioning/objectId/{SP}/appId/{APP}"),
        ),
        (
            PortalPage::AttributeMappings,
            format!("{base}/Provisioning/objectId/{SP}/appId/{APP}"),
        ),
        (
            PortalPage::UsersAndGroups,
            format!("{base}/Users/objectId/{SP}/appId/{APP}"),
        ),
        (
            PortalPage::ProvisioningLogs,
            format!("{base}/ProvisioningActivity/objectId/{SP}/appId/{APP}"),
        ),
        (
            PortalPage::Overview,
            format!("{base}/Overview/objectId/{SP}/appId/{APP}"),
        ),
    ];
    for (page, url) in cases {
        assert_eq!(ctx().link(page), Some(url), "{page:?}");
    }
    let gov = Context {
        portal_base: portal_base_for(Cloud::Usgov).unwrap().into(),
        ..ctx()
    };
    assert!(gov
        .link(PortalPage::Provisioning)
        .unwrap()
        .starts_with("https://portal.azure.us/#view/"));
    assert_eq!(portal_base_for(Cloud::Custom), None);
    // Missing or suspicious ids, or a non-https base: no link rather than a wrong one.
    assert_eq!(
        deep_link(
            "https://entra.microsoft.com",
            None,
            Some(APP),
            PortalPage::Provisioning
        ),
        None
    );
    assert_eq!(
        deep_link(
            "https://entra.microsoft.com",
            Some("x/../y"),
            Some(APP),
            PortalPage::Provisioning
        ),
        None
    );
    assert_eq!(
        deep_link(
            "http://entra.microsoft.com",
            Some(SP),
            Some(APP),
            PortalPage::Provisioning
        ),
        None
    );
    assert_eq!(
        deep_link("not a url", Some(SP), Some(APP), PortalPage::Provisioning),
        None
    );
    assert!(deep_link(
        "https://entra.microsoft.com/",
        Some(SP),
        Some(APP),
        PortalPage::Provisioning
    )
    .unwrap()
    .starts_with("https://entra.microsoft.com/#view/"));

    let r = run(&healthy());
    let step = r.step("groups_assigned").unwrap();
    assert_eq!(
        step.deep_link.as_deref(),
        Some(&*format!("{base}/Users/objectId/{SP}/appId/{APP}"))
    );
    assert!(
        step.fix_steps[0].contains("Acme SCIM"),
        "{:?}",
        step.fix_steps
    );
}

#[test]
fn report_contains_every_step_and_its_evidence() {
    let mut o = healthy();
    scim(&mut o, Verdict::Unauthorized, Some(401));
    o.scim_check.as_mut().unwrap().message = Some("bad | token\n<script>".into());
    o.mappings.as_mut().unwrap().groups_enabled = Some(false);
    let findings = evaluate(&o, &Thresholds::default(), now());
    let r = run(&o);
    let md = report_markdown(&r, &ctx(), &findings, now());
    assert!(
        md.starts_with("# scimwatch provisioning report: Acme \\| prod\n"),
        "{md}"
    );
    for s in STEPS {
        assert!(
            md.contains(&format!("Step id: `{}`", s.id)),
            "{} missing",
            s.id
        );
    }
    assert!(
        md.contains("| 2 | Test Connection: the secret token is valid and not expired | FAIL |")
    );
    assert!(md.contains("- Start with: Test Connection: the secret token is valid and not expired"));
    assert!(md.contains("- HTTP status: 401"));
    assert!(
        md.contains("bad \\| token \\<script\\>"),
        "values are escaped"
    );
    assert!(md.contains(&format!(
        "<https://entra.microsoft.com/#view/Microsoft_AAD_IAM/ManagedAppMenuBlade/~/Provisioning/objectId/{SP}/appId/{APP}>"
    )));
    assert!(md.contains("### [CRITICAL] Test Connection fails: the SCIM token is refused"));
    assert!(
        md.contains("Kind: groups\\_mapping\\_disabled")
            || md.contains("Kind: groups_mapping_disabled")
    );

    let json = report_json(&r, &ctx(), &findings, now());
    let back: Report = serde_json::from_str(&json).unwrap();
    assert_eq!(back.checklist, r);
    assert_eq!(back.findings, findings);
    assert_eq!(back.checklist.steps.len(), STEPS.len());
}

#[test]
fn checklist_and_report_never_panic_on_empty_input() {
    let r = evaluate_checklist(&Observations::default(), &Context::default(), &[], now());
    assert_eq!(r.steps.len(), STEPS.len());
    assert!(r.steps.iter().all(|s| s.deep_link.is_none()));
    let weird = Context {
        connection_name: Some("`#|*\n\r\u{0}".into()),
        utc_offset_minutes: i32::MAX,
        portal_base: "".into(),
        ..Default::default()
    };
    let md = report_markdown(&r, &weird, &[], now());
    // Nothing was observed: no all-clear.
    assert!(md.contains("not an all-clear"), "{md}");
    let _ = report_json(&r, &weird, &[], now());
    let _ = evaluate_checklist(&healthy(), &weird, &[], DateTime::<Utc>::MAX_UTC);
}
