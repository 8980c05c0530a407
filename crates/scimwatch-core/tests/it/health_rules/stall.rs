//! The cycle: a stall past k intervals, blindness to the job, the initial
//! cycle's estimate, and a clock that differs from Graph's.

use chrono::Duration;
use scimwatch_core::health::{
    evaluate, AssignmentsObservation, EvidenceValue, ExecutionObservation, FindingKind,
    Observations, ProgressObservation, Reachability, Severity, Thresholds, Verdict,
};

use crate::common::{job, mins, now};

use super::{ev, find, healthy, kinds, value};

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
