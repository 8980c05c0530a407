//! Table-driven tests of the health rules, at every boundary.

// Fixture helpers outside #[test] fns unwrap fixed, known-good literals.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, Utc};
use scimwatch_core::health::{
    evaluate, AssignmentsObservation, CodeCount, ComplianceDeviation, DriftObservation,
    EvidenceValue, ExecutionObservation, ExecutionState, Finding, FindingKind, JobObservation,
    JobStatusCode, MappingsObservation, Observations, ProgressObservation, QuarantineObservation,
    QuarantineReason, Reachability, ScheduleState, Severity, Thresholds, Verdict,
};

use crate::common::{self, mins, now};

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

fn job(o: &mut Observations) -> &mut JobObservation {
    o.job.as_mut().unwrap()
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
fn stall_boundary_is_strictly_greater_than_k_times_interval() {
    // (k, time since last cycle end, stalled?)
    let cases = [
        (3, mins(120), false),
        (3, mins(120) + Duration::seconds(1), true),
        (3, mins(119), false),
        (2, mins(80), false),
        (2, mins(81), true),
        (3, mins(10), false),
    ];
    for (k, since, stalled) in cases {
        let mut o = healthy();
        let end = now() - since;
        job(&mut o).last_execution.as_mut().unwrap().ended = Some(end);
        job(&mut o).last_successful_execution_ended = Some(end);
        let cfg = Thresholds {
            stall_factor: k,
            ..Default::default()
        };
        let f = evaluate(&o, &cfg, now());
        assert_eq!(
            find(&f, FindingKind::Stalled).is_some(),
            stalled,
            "k={k} since={since:?}: {:?}",
            kinds(&f)
        );
        if stalled {
            let s = find(&f, FindingKind::Stalled).unwrap();
            assert_eq!(s.severity, Severity::Critical);
            assert_eq!(
                ev(s, "Last cycle ended").as_deref(),
                Some(&*scimwatch_core::health::format::fmt_time(end))
            );
            assert_eq!(
                value(s, "Last cycle ended"),
                Some(&EvidenceValue::Time(end))
            );
            assert_eq!(s.since, Some(end));
        }
    }
}

#[test]
fn stall_uses_the_later_of_last_execution_and_last_success() {
    let mut o = healthy();
    job(&mut o).last_execution.as_mut().unwrap().ended = Some(now() - mins(200));
    job(&mut o).last_successful_execution_ended = Some(now() - mins(30));
    assert!(find(
        &evaluate(&o, &Thresholds::default(), now()),
        FindingKind::Stalled
    )
    .is_none());
}

#[test]
fn blind_or_stale_job_status_suppresses_stall() {
    let stale_end = now() - mins(500);
    // (graph reachability, job observed ago, expect stalled, expect graph_blind)
    let cases = [
        (Reachability::Ok, Some(mins(1)), true, false),
        (Reachability::Ok, Some(mins(30)), true, false),
        (Reachability::Ok, Some(mins(31)), false, true),
        (Reachability::Ok, None, false, false),
        (
            Reachability::Blind {
                since: now() - mins(45),
                reason: "DNS lookup failed".into(),
            },
            Some(mins(1)),
            false,
            true,
        ),
    ];
    for (reach, observed_ago, stalled, blind) in cases {
        let mut o = healthy();
        job(&mut o).last_execution.as_mut().unwrap().ended = Some(stale_end);
        job(&mut o).last_successful_execution_ended = Some(stale_end);
        o.graph_reachability = reach.clone();
        o.job_observed_at = observed_ago.map(|a| now() - a);
        let f = evaluate(&o, &Thresholds::default(), now());
        assert_eq!(
            find(&f, FindingKind::Stalled).is_some(),
            stalled,
            "{reach:?} {observed_ago:?}"
        );
        assert_eq!(
            find(&f, FindingKind::GraphBlind).is_some(),
            blind,
            "{reach:?} {observed_ago:?}"
        );
    }
}

#[test]
fn blindness_becomes_critical_after_the_grace_period() {
    for (ago, sev) in [
        (mins(120), Severity::Warning),
        (mins(121), Severity::Critical),
    ] {
        let mut o = healthy();
        o.scim_reachability = Reachability::Blind {
            since: now() - ago,
            reason: "proxy refused".into(),
        };
        o.scim_check.as_mut().unwrap().verdict = Verdict::Unreachable;
        o.scim_check.as_mut().unwrap().ok = false;
        let f = evaluate(&o, &Thresholds::default(), now());
        let b = find(&f, FindingKind::ScimBlind).unwrap();
        assert_eq!(b.severity, sev);
        // The monitor's own failure is never reported as the SaaS being down.
        assert!(find(&f, FindingKind::ScimDown).is_none());
    }
}

fn initial(o: &mut Observations, elapsed: Duration, objects: Option<u64>) {
    let j = job(o);
    j.steady_state_first_achieved = None;
    j.last_execution = Some(ExecutionObservation {
        began: Some(now() - elapsed),
        ended: None,
        ..Default::default()
    });
    j.last_successful_execution_ended = None;
    j.progress = Some(ProgressObservation {
        completed_units: 40,
        total_units: 100,
        observed_at: Some(now()),
    });
    o.assignments = objects.map(|n| AssignmentsObservation {
        users: n - 1,
        groups: 1,
        group_members: 0,
    });
}

#[test]
fn initial_cycle_within_estimate_is_info_beyond_is_stalled() {
    // 1,000 objects × 0.08 min = 80 min; 100 objects × 0.08 = 8 min, floored at 40 min.
    let cases = [
        (1000, mins(80), FindingKind::InitialCycleRunning),
        (1000, mins(80) + Duration::seconds(1), FindingKind::Stalled),
        (1000, mins(500), FindingKind::Stalled),
        (100, mins(40), FindingKind::InitialCycleRunning),
        (100, mins(41), FindingKind::Stalled),
        // Far beyond k × interval (120 min) but within the estimate: not stalled.
        (10_000, mins(790), FindingKind::InitialCycleRunning),
        (10_000, mins(801), FindingKind::Stalled),
    ];
    for (objects, elapsed, expected) in cases {
        let mut o = healthy();
        initial(&mut o, elapsed, Some(objects));
        let f = evaluate(&o, &Thresholds::default(), now());
        assert_eq!(
            kinds(&f),
            vec![expected],
            "{objects} objects, {elapsed:?}: {f:#?}"
        );
        let x = &f[0];
        let est = ev(x, "Microsoft's estimate (0.01–0.08 min per object)").unwrap();
        assert!(est.contains(" to "), "{est}");
        assert_eq!(ev(x, "Progress").as_deref(), Some("40 of 100 units (40 %)"));
        let sev = if expected == FindingKind::Stalled {
            Severity::Critical
        } else {
            Severity::Info
        };
        assert_eq!(x.severity, sev);
    }
}

#[test]
fn initial_cycle_estimate_window_for_10000_objects() {
    let (lo, hi) = scimwatch_core::health::initial_cycle_estimate(10_000, &Thresholds::default());
    assert_eq!(lo, mins(100));
    assert_eq!(hi, mins(800));
}

#[test]
fn initial_cycle_without_assignments_is_never_called_stalled() {
    let mut o = healthy();
    initial(&mut o, Duration::days(3), None);
    let f = evaluate(&o, &Thresholds::default(), now());
    assert_eq!(kinds(&f), vec![FindingKind::InitialCycleRunning]);
    assert_eq!(
        ev(&f[0], "Microsoft's estimate (0.01–0.08 min per object)").as_deref(),
        Some("unknown: assignments not read")
    );
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
fn quarantine_days_left_and_the_28_day_limit() {
    // (time since series began, days left, disabled?)
    let cases = [
        (Duration::hours(1), 28, false),
        (Duration::days(1), 27, false),
        (Duration::days(27), 1, false),
        (Duration::days(27) + Duration::hours(23), 1, false),
        (Duration::days(28), 0, true),
        (Duration::days(40), 0, true),
    ];
    for (ago, left, disabled) in cases {
        let o = quarantined(ago, "EncounteredQuarantineException", None);
        let f = evaluate(&o, &Thresholds::default(), now());
        let q = find(&f, FindingKind::Quarantine).expect("quarantine finding");
        assert_eq!(q.severity, Severity::Critical);
        assert_eq!(q.days_left, Some(left), "{ago:?}");
        assert_eq!(
            q.title.contains("disabled"),
            disabled,
            "{ago:?}: {}",
            q.title
        );
        assert!(ev(q, "Next attempt").is_some());
        assert_eq!(q.since, Some(now() - ago));
        // A quarantined job is never also "stalled".
        assert!(find(&f, FindingKind::Stalled).is_none());
    }
}

#[test]
fn quarantine_advice_depends_on_the_reason() {
    let cases = [
        (
            "EncounteredQuarantineException",
            Some("SystemForCrossDomainIdentityManagementCredentialValidationFailure"),
            "token",
        ),
        ("TooManyDeletes", None, "resetScope"),
        ("EncounteredEscrowProportionThreshold", None, "Failure"),
        ("EncounteredTotalEscrowThreshold", None, "escrows"),
        ("QuarantinedOnDemand", None, "on purpose"),
        ("SomethingNew", None, "Restart"),
    ];
    for (reason, code, needle) in cases {
        let f = evaluate(
            &quarantined(Duration::days(2), reason, code),
            &Thresholds::default(),
            now(),
        );
        let q = find(&f, FindingKind::Quarantine).unwrap();
        assert!(q.action.contains(needle), "{reason}: {}", q.action);
        assert_eq!(ev(q, "Reason").as_deref(), Some(reason));
        assert_eq!(value(q, "Reason"), Some(&EvidenceValue::code(reason)));
    }
}

#[test]
fn job_states_off_not_configured_never_run() {
    // (status, schedule, expected kind, severity)
    let cases = [
        (
            "Paused",
            "Disabled",
            Some((FindingKind::ProvisioningOff, Severity::Critical)),
        ),
        (
            "Active",
            "Paused",
            Some((FindingKind::ProvisioningOff, Severity::Critical)),
        ),
        (
            "Active",
            "Disabled",
            Some((FindingKind::ProvisioningOff, Severity::Critical)),
        ),
        (
            "NotConfigured",
            "Disabled",
            Some((FindingKind::NotConfigured, Severity::Warning)),
        ),
        (
            "NotRun",
            "Disabled",
            Some((FindingKind::NeverRun, Severity::Warning)),
        ),
        (
            "NotRun",
            "Active",
            Some((FindingKind::NeverRun, Severity::Info)),
        ),
        ("Active", "Active", None),
    ];
    for (status, schedule, expected) in cases {
        let mut o = healthy();
        job(&mut o).status_code = JobStatusCode::parse(status);
        job(&mut o).schedule_state = ScheduleState::parse(schedule);
        // Stale cycle: must not be reported as a stall while the job is off.
        job(&mut o).last_execution.as_mut().unwrap().ended = Some(now() - Duration::days(3));
        job(&mut o).last_successful_execution_ended = None;
        let f = evaluate(&o, &Thresholds::default(), now());
        match expected {
            Some((k, sev)) => {
                let x = find(&f, k).unwrap_or_else(|| panic!("{status}/{schedule}: {f:#?}"));
                assert_eq!(x.severity, sev, "{status}/{schedule}");
                assert!(find(&f, FindingKind::Stalled).is_none());
            }
            None => assert_eq!(kinds(&f), vec![FindingKind::Stalled]),
        }
    }
}

#[test]
fn failure_spike_thresholds() {
    // (total, failures, expected severity)
    let cases = [
        (100, 0, None),
        // A ratio and a count: a small cycle that failed wholly is a spike
        // (issue 17, defect 8: 4 of 10 and 3 of 3 used to pass as "below
        // the minimum count (5)").
        (10, 4, Some(Severity::Critical)),
        (3, 3, Some(Severity::Critical)),
        (2, 2, Some(Severity::Warning)), // 100 %, but fewer than 3 failures
        (1, 1, None),                    // one entry: Entra retries it; rising escrows report it
        (1000, 1, None),                 // 0.1 %
        (20, 2, Some(Severity::Warning)), // 10 %
        (100, 9, None),                  // 9 % < 10 %
        (100, 10, Some(Severity::Warning)), // exactly 10 %
        (10_000, 99, None),              // < 100 and < 10 %
        (10_000, 100, Some(Severity::Warning)), // count threshold
        (100, 40, Some(Severity::Critical)), // 40 %
        (100, 39, Some(Severity::Warning)),
        (100_000, 5000, Some(Severity::Critical)),
        (0, 7, Some(Severity::Warning)), // no total known: count rule only... 7 < 100
    ];
    for (total, failures, expected) in cases {
        let mut o = healthy();
        let c = o.last_cycle.as_mut().unwrap();
        c.total = total;
        c.failures = failures;
        c.top_errors = vec![CodeCount {
            code: "EntryConflict".into(),
            count: failures,
        }];
        let f = evaluate(&o, &Thresholds::default(), now());
        let got = find(&f, FindingKind::FailureSpike).map(|x| x.severity);
        let expected = if total == 0 { None } else { expected };
        assert_eq!(got, expected, "{failures}/{total}");
    }
}

#[test]
fn escrows_rising() {
    let cases: [(&[u64], bool); 6] = [
        (&[0, 0, 0], false),
        (&[1, 3, 7], true),
        (&[7, 3, 1], false),
        (&[1, 5, 3], false),
        (&[4], false),
        (&[0, 2], true),
    ];
    for (h, rising) in cases {
        let mut o = healthy();
        job(&mut o).escrow_history = h.to_vec();
        let f = evaluate(&o, &Thresholds::default(), now());
        assert_eq!(
            find(&f, FindingKind::EscrowsRising).is_some(),
            rising,
            "{h:?}"
        );
    }
}

#[test]
fn scim_check_verdicts() {
    let cases = [
        (Verdict::Ok, None),
        (Verdict::Timeout, Some(FindingKind::ScimDown)),
        (Verdict::Unreachable, Some(FindingKind::ScimDown)),
        (Verdict::ServerError, Some(FindingKind::ScimDown)),
        (Verdict::Unauthorized, Some(FindingKind::ScimTestFailed)),
        (Verdict::Forbidden, Some(FindingKind::ScimTestFailed)),
        (Verdict::NotFound, Some(FindingKind::ScimTestFailed)),
        (Verdict::Html, Some(FindingKind::ScimTestFailed)),
        (Verdict::OtherStatus, Some(FindingKind::ScimTestFailed)),
        (Verdict::FilterNotFound, Some(FindingKind::ScimTestFailed)),
    ];
    for (verdict, expected) in cases {
        let mut o = healthy();
        let c = o.scim_check.as_mut().unwrap();
        c.ok = verdict == Verdict::Ok;
        c.verdict = verdict;
        let f = evaluate(&o, &Thresholds::default(), now());
        assert_eq!(f.first().map(|x| x.kind), expected, "{verdict:?}");
    }
    let mut o = healthy();
    o.scim_check.as_mut().unwrap().verdict = Verdict::Unauthorized;
    o.scim_check.as_mut().unwrap().ok = false;
    let f = evaluate(&o, &Thresholds::default(), now());
    assert!(f[0].action.contains("token"));
    o.scim_check.as_mut().unwrap().verdict = Verdict::Html;
    let f = evaluate(&o, &Thresholds::default(), now());
    assert!(f[0].title.contains("Tenant URL"));
}

#[test]
fn token_expiry_thresholds() {
    let d = Duration::days;
    let s = Duration::seconds;
    // (time left, expected (kind, threshold, severity))
    let cases = [
        (d(31), None),
        (d(30) + s(1), None),
        (
            d(30),
            Some((FindingKind::TokenExpiring, Some(30), Severity::Warning)),
        ),
        (
            d(14) + s(1),
            Some((FindingKind::TokenExpiring, Some(30), Severity::Warning)),
        ),
        (
            d(14),
            Some((FindingKind::TokenExpiring, Some(14), Severity::Warning)),
        ),
        (
            d(7) + s(1),
            Some((FindingKind::TokenExpiring, Some(14), Severity::Warning)),
        ),
        (
            d(7),
            Some((FindingKind::TokenExpiring, Some(7), Severity::Warning)),
        ),
        (
            d(1) + s(1),
            Some((FindingKind::TokenExpiring, Some(7), Severity::Warning)),
        ),
        (
            d(1),
            Some((FindingKind::TokenExpiring, Some(1), Severity::Critical)),
        ),
        (
            s(1),
            Some((FindingKind::TokenExpiring, Some(1), Severity::Critical)),
        ),
        (
            s(0),
            Some((FindingKind::TokenExpired, None, Severity::Critical)),
        ),
        (
            -d(3),
            Some((FindingKind::TokenExpired, None, Severity::Critical)),
        ),
    ];
    for (left, expected) in cases {
        let mut o = healthy();
        o.token_expires_at = Some(now() + left);
        let f = evaluate(&o, &Thresholds::default(), now());
        let got = f
            .iter()
            .find(|x| {
                matches!(
                    x.kind,
                    FindingKind::TokenExpiring | FindingKind::TokenExpired
                )
            })
            .map(|x| (x.kind, x.threshold_days, x.severity));
        assert_eq!(got, expected, "left {left:?}");
    }
}

#[test]
fn mappings_and_assignments() {
    // (users on, groups on, assigned only, groups assigned, expected kinds)
    let cases = [
        (Some(true), Some(true), Some(true), 2, vec![]),
        (
            Some(false),
            Some(true),
            Some(true),
            2,
            vec![FindingKind::UsersMappingDisabled],
        ),
        (
            Some(true),
            Some(false),
            Some(true),
            0,
            vec![FindingKind::GroupsMappingDisabled],
        ),
        (
            Some(true),
            Some(true),
            Some(true),
            0,
            vec![FindingKind::NoGroupsAssigned],
        ),
        (Some(true), Some(true), Some(false), 0, vec![]),
        (Some(true), Some(true), None, 0, vec![]),
        (None, None, None, 0, vec![]),
    ];
    for (users, groups, scope, assigned, expected) in cases {
        let mut o = healthy();
        o.mappings = Some(MappingsObservation {
            users_enabled: users,
            groups_enabled: groups,
            scope_assigned_only: scope,
        });
        o.assignments.as_mut().unwrap().groups = assigned;
        let f = evaluate(&o, &Thresholds::default(), now());
        assert_eq!(
            kinds(&f),
            expected,
            "{users:?} {groups:?} {scope:?} {assigned}"
        );
    }
}

#[test]
fn drift_threshold_is_strictly_above() {
    // 1 % of 200 = 2: equal is quiet, 3 is reported.
    let cases = [
        (200, 0, 0, 0, false),
        (200, 1, 1, 0, false),
        (200, 1, 1, 1, true),
        (0, 1, 0, 0, true),
    ];
    for (assigned, missing, orphans, duplicates, reported) in cases {
        let mut o = healthy();
        o.drift = Some(DriftObservation {
            assigned,
            missing,
            orphans,
            duplicates,
            observed_at: Some(now()),
        });
        let f = evaluate(&o, &Thresholds::default(), now());
        assert_eq!(
            find(&f, FindingKind::Drift).is_some(),
            reported,
            "{assigned} {missing} {orphans} {duplicates}"
        );
    }
}

#[test]
fn logs_tenant_url_and_compliance() {
    let mut o = healthy();
    o.logs_available = Some(false);
    o.entra_tenant_url = Some("https://ACME.example.com/scim/v2/".into());
    let f = evaluate(&o, &Thresholds::default(), now());
    assert_eq!(
        kinds(&f),
        vec![FindingKind::LogsUnavailable],
        "case and trailing slash ignored"
    );

    o.entra_tenant_url = Some("https://acme.example.com/scim".into());
    o.compliance_deviations = Some(vec![ComplianceDeviation {
        code: "missing_total_results".into(),
        message: "ListResponse has no totalResults".into(),
    }]);
    let f = evaluate(&o, &Thresholds::default(), now());
    assert_eq!(
        kinds(&f),
        vec![
            FindingKind::TenantUrlMismatch,
            FindingKind::ScimNonCompliant,
            FindingKind::LogsUnavailable
        ]
    );
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

#[test]
fn clock_skew_with_graph_neither_stalls_nor_prints_negative_times() {
    // Graph's clock runs ahead of this machine: timestamps in "the future".
    for ahead in [mins(1), mins(10), Duration::hours(3)] {
        let mut o = healthy();
        let t = now() + ahead;
        let j = job(&mut o);
        j.last_execution.as_mut().unwrap().began = Some(t - mins(1));
        j.last_execution.as_mut().unwrap().ended = Some(t);
        j.last_successful_execution_ended = Some(t);
        o.job_observed_at = Some(now() + ahead);
        o.last_cycle.as_mut().unwrap().ended = Some(t);
        let f = evaluate(&o, &Thresholds::default(), now());
        assert!(
            find(&f, FindingKind::Stalled).is_none() && find(&f, FindingKind::GraphBlind).is_none(),
            "{ahead:?}: {:?}",
            kinds(&f)
        );
        for finding in &f {
            for e in &finding.evidence {
                let text = e.value.to_string();
                assert!(!text.contains("-1") && !text.starts_with('-'), "{e:?}");
            }
        }
    }
    // Graph's clock runs behind by less than the stall window: still healthy.
    let mut o = healthy();
    let t = now() - mins(60);
    job(&mut o).last_execution.as_mut().unwrap().ended = Some(t);
    job(&mut o).last_successful_execution_ended = Some(t);
    assert!(find(
        &evaluate(&o, &Thresholds::default(), now()),
        FindingKind::Stalled
    )
    .is_none());
}
