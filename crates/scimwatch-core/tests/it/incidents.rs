//! The incident state machine: one incident per kind, one notification per
//! problem, reminders, snooze, quiet hours, recovery.

// Fixture helpers outside #[test] fns unwrap fixed, known-good literals.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, FixedOffset, NaiveTime, Utc};
use scimwatch_core::health::{Evidence, Finding, FindingKind, Severity};
use scimwatch_core::incident::{
    apply, reconcile, snooze, IncidentAction, IncidentState, IncidentStatus, NotificationKind,
    NotifyPolicy, QuietHours,
};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn utc() -> FixedOffset {
    FixedOffset::east_opt(0).unwrap()
}

fn plus2() -> FixedOffset {
    FixedOffset::east_opt(2 * 3600).unwrap()
}

fn finding(kind: FindingKind, severity: Severity) -> Finding {
    Finding {
        kind,
        severity,
        title: format!("{} problem", kind.as_str()),
        evidence: vec![Evidence::new("Observed", "x")],
        action: "fix it".into(),
        days_left: None,
        threshold_days: None,
        since: None,
    }
}

/// Reconcile and apply in one step; returns the actions and the new state.
fn step(
    incidents: &[IncidentState],
    findings: &[Finding],
    policy: &NotifyPolicy,
    offset: FixedOffset,
    now: DateTime<Utc>,
) -> (Vec<IncidentAction>, Vec<IncidentState>) {
    let actions = reconcile(incidents, findings, policy, offset, now);
    let next = apply(incidents, &actions, now);
    (actions, next)
}

fn notifications(actions: &[IncidentAction]) -> Vec<(FindingKind, NotificationKind)> {
    actions
        .iter()
        .filter_map(|a| a.notification().map(|n| (a.kind(), n)))
        .collect()
}

#[test]
fn opens_once_and_does_not_repeat_notifications() {
    let p = NotifyPolicy::default();
    let now = t("2026-03-10T12:00:00Z");
    let f = [finding(FindingKind::Stalled, Severity::Critical)];
    let (a, s) = step(&[], &f, &p, utc(), now);
    assert_eq!(
        notifications(&a),
        vec![(FindingKind::Stalled, NotificationKind::Opened)]
    );
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].state, IncidentStatus::Open);
    assert_eq!(s[0].last_notified_at, Some(now));

    // The same finding on every poll for the next hours: nothing, not even an update.
    let mut state = s;
    for m in [5, 10, 60, 180, 239] {
        let (a, s) = step(&state, &f, &p, utc(), now + Duration::minutes(m));
        assert!(a.is_empty(), "+{m} min: {a:?}");
        state = s;
    }
    assert_eq!(state.len(), 1);
}

#[test]
fn several_findings_of_one_kind_are_one_incident() {
    let p = NotifyPolicy::default();
    let f = [
        finding(FindingKind::ScimTestFailed, Severity::Warning),
        finding(FindingKind::ScimTestFailed, Severity::Critical),
    ];
    let a = reconcile(&[], &f, &p, utc(), t("2026-03-10T12:00:00Z"));
    assert_eq!(a.len(), 1);
    match &a[0] {
        IncidentAction::Open { finding, .. } => assert_eq!(finding.severity, Severity::Critical),
        other => panic!("{other:?}"),
    }
}

#[test]
fn evidence_change_updates_without_notification() {
    let p = NotifyPolicy::default();
    let now = t("2026-03-10T12:00:00Z");
    let (_, s) = step(
        &[],
        &[finding(FindingKind::Drift, Severity::Warning)],
        &p,
        utc(),
        now,
    );
    let mut f2 = finding(FindingKind::Drift, Severity::Warning);
    f2.evidence = vec![Evidence::new("Observed", "y")];
    let (a, s) = step(&s, &[f2.clone()], &p, utc(), now + Duration::minutes(5));
    assert!(
        matches!(a.as_slice(), [IncidentAction::Update { .. }]),
        "{a:?}"
    );
    assert!(notifications(&a).is_empty());
    assert_eq!(s[0].evidence, f2.evidence);
    assert_eq!(s[0].last_notified_at, Some(now));
}

#[test]
fn severity_increase_escalates_and_notifies_decrease_does_not() {
    let p = NotifyPolicy::default();
    let now = t("2026-03-10T12:00:00Z");
    let (_, s) = step(
        &[],
        &[finding(FindingKind::GraphBlind, Severity::Warning)],
        &p,
        utc(),
        now,
    );
    let later = now + Duration::minutes(30);
    let (a, s) = step(
        &s,
        &[finding(FindingKind::GraphBlind, Severity::Critical)],
        &p,
        utc(),
        later,
    );
    assert_eq!(
        notifications(&a),
        vec![(FindingKind::GraphBlind, NotificationKind::Escalated)]
    );
    assert!(matches!(
        a[0],
        IncidentAction::Escalate {
            from: Severity::Warning,
            ..
        }
    ));
    assert_eq!(s[0].state, IncidentStatus::Escalated);
    assert_eq!(s[0].severity, Severity::Critical);
    assert_eq!(s[0].last_notified_at, Some(later));

    let (a, s) = step(
        &s,
        &[finding(FindingKind::GraphBlind, Severity::Warning)],
        &p,
        utc(),
        later + Duration::minutes(5),
    );
    assert!(notifications(&a).is_empty(), "{a:?}");
    assert_eq!(s[0].severity, Severity::Warning);
    assert_eq!(s[0].state, IncidentStatus::Open);
}

#[test]
fn lower_token_threshold_escalates_at_same_severity() {
    let p = NotifyPolicy::default();
    let now = t("2026-03-10T12:00:00Z");
    let mut f30 = finding(FindingKind::TokenExpiring, Severity::Warning);
    f30.threshold_days = Some(30);
    let mut f14 = f30.clone();
    f14.threshold_days = Some(14);
    let (_, s) = step(&[], &[f30.clone()], &p, utc(), now);
    let (a, s) = step(&s, &[f30], &p, utc(), now + Duration::days(1));
    assert_eq!(
        notifications(&a),
        vec![(FindingKind::TokenExpiring, NotificationKind::Reminder)]
    );
    let (a, s) = step(&s, &[f14.clone()], &p, utc(), now + Duration::days(16));
    assert!(
        notifications(&a).contains(&(FindingKind::TokenExpiring, NotificationKind::Escalated)),
        "{a:?}"
    );
    assert_eq!(s[0].threshold_days, Some(14));
}

#[test]
fn reminders_every_four_hours_counted_from_the_last_notification() {
    let p = NotifyPolicy::default();
    let t0 = t("2026-03-10T12:00:00Z");
    let f = [finding(FindingKind::Quarantine, Severity::Critical)];
    let (_, mut s) = step(&[], &f, &p, utc(), t0);
    // (minutes after opening, reminder expected)
    let cases = [
        (239, false),
        (240, true),
        (241, false),
        (479, false),
        (480, true),
        (600, false),
    ];
    for (m, expected) in cases {
        let (a, next) = step(&s, &f, &p, utc(), t0 + Duration::minutes(m));
        let reminded =
            notifications(&a).contains(&(FindingKind::Quarantine, NotificationKind::Reminder));
        assert_eq!(reminded, expected, "+{m} min: {a:?}");
        s = next;
    }
}

#[test]
fn reminder_interval_is_configurable() {
    let p = NotifyPolicy {
        reminder_every_minutes: 60,
        ..Default::default()
    };
    let t0 = t("2026-03-10T12:00:00Z");
    let f = [finding(FindingKind::Stalled, Severity::Critical)];
    let (_, s) = step(&[], &f, &p, utc(), t0);
    let a = reconcile(&s, &f, &p, utc(), t0 + Duration::minutes(60));
    assert_eq!(
        notifications(&a),
        vec![(FindingKind::Stalled, NotificationKind::Reminder)]
    );
}

#[test]
fn snooze_suppresses_reminders_until_it_ends() {
    let p = NotifyPolicy::default();
    let t0 = t("2026-03-10T12:00:00Z");
    let f = [finding(FindingKind::ProvisioningOff, Severity::Critical)];
    let (_, s) = step(&[], &f, &p, utc(), t0);
    let snoozed = vec![snooze(&s[0], Some(t0 + Duration::hours(10)))];
    for h in [4, 8, 9] {
        let a = reconcile(&snoozed, &f, &p, utc(), t0 + Duration::hours(h));
        assert!(a.is_empty(), "+{h} h: {a:?}");
    }
    let a = reconcile(&snoozed, &f, &p, utc(), t0 + Duration::hours(10));
    assert_eq!(
        notifications(&a),
        vec![(FindingKind::ProvisioningOff, NotificationKind::Reminder)]
    );
    // Snoozed, but it got worse? An escalation still notifies.
    let mut s2 = snoozed.clone();
    s2[0].severity = Severity::Warning;
    let a = reconcile(&s2, &f, &p, utc(), t0 + Duration::hours(1));
    assert_eq!(
        notifications(&a),
        vec![(FindingKind::ProvisioningOff, NotificationKind::Escalated)]
    );
    // Clearing the snooze.
    assert_eq!(snooze(&snoozed[0], None).snoozed_until, None);
}

#[test]
fn quiet_hours_window_including_across_midnight() {
    let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    let night = QuietHours {
        start: hm(22, 0),
        end: hm(7, 0),
    };
    let day = QuietHours {
        start: hm(9, 0),
        end: hm(17, 0),
    };
    let empty = QuietHours {
        start: hm(8, 0),
        end: hm(8, 0),
    };
    let cases = [
        (night, hm(21, 59), false),
        (night, hm(22, 0), true),
        (night, hm(23, 59), true),
        (night, hm(0, 0), true),
        (night, hm(6, 59), true),
        (night, hm(7, 0), false),
        (day, hm(8, 59), false),
        (day, hm(9, 0), true),
        (day, hm(16, 59), true),
        (day, hm(17, 0), false),
        (empty, hm(8, 0), false),
    ];
    for (q, at, quiet) in cases {
        assert_eq!(q.contains(at), quiet, "{q:?} at {at}");
    }
}

#[test]
fn quiet_hours_defer_notifications_and_deliver_when_they_end() {
    let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    let p = NotifyPolicy {
        quiet_hours: Some(QuietHours {
            start: hm(22, 0),
            end: hm(7, 0),
        }),
        ..Default::default()
    };
    let f = [finding(FindingKind::Stalled, Severity::Critical)];
    // 23:30 local (+02:00) = 21:30Z: the incident opens, the notification waits.
    let t0 = t("2026-03-10T21:30:00Z");
    let (a, s) = step(&[], &f, &p, plus2(), t0);
    assert!(
        matches!(
            a.as_slice(),
            [IncidentAction::Open {
                notify: false,
                deferred: true,
                ..
            }]
        ),
        "{a:?}"
    );
    assert_eq!(s[0].pending_notification, Some(NotificationKind::Opened));
    assert_eq!(s[0].last_notified_at, None);
    // After midnight, still quiet: no reminder, no delivery, even 5 h later.
    for z in [
        "2026-03-10T22:30:00Z",
        "2026-03-11T01:00:00Z",
        "2026-03-11T04:59:00Z",
    ] {
        let a = reconcile(&s, &f, &p, plus2(), t(z));
        assert!(notifications(&a).is_empty(), "{z}: {a:?}");
    }
    // 07:00 local: the deferred notification goes out, once.
    let end = t("2026-03-11T05:00:00Z");
    let (a, s) = step(&s, &f, &p, plus2(), end);
    assert_eq!(
        notifications(&a),
        vec![(FindingKind::Stalled, NotificationKind::Opened)]
    );
    assert_eq!(s[0].pending_notification, None);
    assert_eq!(s[0].last_notified_at, Some(end));
    let a = reconcile(&s, &f, &p, plus2(), end + Duration::minutes(5));
    assert!(notifications(&a).is_empty(), "{a:?}");
}

#[test]
fn critical_may_break_quiet_hours_when_configured() {
    let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    let p = NotifyPolicy {
        quiet_hours: Some(QuietHours {
            start: hm(22, 0),
            end: hm(7, 0),
        }),
        critical_ignores_quiet_hours: true,
        ..Default::default()
    };
    let now = t("2026-03-10T23:00:00Z");
    let a = reconcile(
        &[],
        &[
            finding(FindingKind::Stalled, Severity::Critical),
            finding(FindingKind::Drift, Severity::Warning),
        ],
        &p,
        utc(),
        now,
    );
    assert_eq!(
        notifications(&a),
        vec![(FindingKind::Stalled, NotificationKind::Opened)]
    );
}

#[test]
fn resolve_sends_a_recovery_only_when_the_admin_was_told() {
    let p = NotifyPolicy::default();
    let t0 = t("2026-03-10T12:00:00Z");
    let (_, s) = step(
        &[],
        &[finding(FindingKind::ScimDown, Severity::Critical)],
        &p,
        utc(),
        t0,
    );
    let (a, s) = step(&s, &[], &p, utc(), t0 + Duration::minutes(30));
    assert_eq!(
        notifications(&a),
        vec![(FindingKind::ScimDown, NotificationKind::Recovered)]
    );
    assert_eq!(s[0].state, IncidentStatus::Resolved);
    assert_eq!(s[0].resolved_at, Some(t0 + Duration::minutes(30)));
    // Resolved incidents stay quiet.
    let a = reconcile(&s, &[], &p, utc(), t0 + Duration::hours(9));
    assert!(a.is_empty(), "{a:?}");
    // The problem comes back: a new incident.
    let (a, s) = step(
        &s,
        &[finding(FindingKind::ScimDown, Severity::Critical)],
        &p,
        utc(),
        t0 + Duration::hours(10),
    );
    assert_eq!(
        notifications(&a),
        vec![(FindingKind::ScimDown, NotificationKind::Opened)]
    );
    assert_eq!(s.len(), 2);

    // Opened and gone during quiet hours: never notified, no recovery either.
    let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    let quiet = NotifyPolicy {
        quiet_hours: Some(QuietHours {
            start: hm(22, 0),
            end: hm(7, 0),
        }),
        ..Default::default()
    };
    let night = t("2026-03-10T23:00:00Z");
    let (_, s) = step(
        &[],
        &[finding(FindingKind::Drift, Severity::Warning)],
        &quiet,
        utc(),
        night,
    );
    let (a, s) = step(&s, &[], &quiet, utc(), night + Duration::hours(1));
    assert!(
        matches!(
            a.as_slice(),
            [IncidentAction::Resolve {
                notify_recovery: false,
                deferred: false,
                ..
            }]
        ),
        "{a:?}"
    );
    assert_eq!(s[0].pending_notification, None);
    let a = reconcile(&s, &[], &quiet, utc(), t("2026-03-11T08:00:00Z"));
    assert!(a.is_empty(), "{a:?}");
}

#[test]
fn recovery_during_quiet_hours_is_delivered_afterwards() {
    let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    let p = NotifyPolicy {
        quiet_hours: Some(QuietHours {
            start: hm(22, 0),
            end: hm(7, 0),
        }),
        ..Default::default()
    };
    let day = t("2026-03-10T15:00:00Z");
    let (_, s) = step(
        &[],
        &[finding(FindingKind::Stalled, Severity::Critical)],
        &p,
        utc(),
        day,
    );
    let (a, s) = step(&s, &[], &p, utc(), t("2026-03-11T02:00:00Z"));
    assert!(
        matches!(
            a.as_slice(),
            [IncidentAction::Resolve {
                notify_recovery: false,
                deferred: true,
                ..
            }]
        ),
        "{a:?}"
    );
    assert_eq!(s[0].pending_notification, Some(NotificationKind::Recovered));
    let (a, s) = step(&s, &[], &p, utc(), t("2026-03-11T07:00:00Z"));
    assert_eq!(
        notifications(&a),
        vec![(FindingKind::Stalled, NotificationKind::Recovered)]
    );
    assert_eq!(s[0].pending_notification, None);
    assert!(reconcile(&s, &[], &p, utc(), t("2026-03-11T08:00:00Z")).is_empty());
}

#[test]
fn info_findings_open_no_incident_unless_configured() {
    let f = [finding(FindingKind::InitialCycleRunning, Severity::Info)];
    let now = t("2026-03-10T12:00:00Z");
    assert!(reconcile(&[], &f, &NotifyPolicy::default(), utc(), now).is_empty());
    let p = NotifyPolicy {
        open_min_severity: Severity::Info,
        ..Default::default()
    };
    let (a, s) = step(&[], &f, &p, utc(), now);
    assert!(
        matches!(
            a.as_slice(),
            [IncidentAction::Open {
                notify: false,
                deferred: false,
                ..
            }]
        ),
        "{a:?}"
    );
    // Below the notify severity: no reminders either.
    assert!(reconcile(&s, &f, &p, utc(), now + Duration::hours(5)).is_empty());
    // And no recovery notification for something never notified.
    let a = reconcile(&s, &[], &p, utc(), now + Duration::hours(6));
    assert!(notifications(&a).is_empty(), "{a:?}");
}

#[test]
fn actions_serialize_with_a_tag() {
    let a = reconcile(
        &[],
        &[finding(FindingKind::Stalled, Severity::Critical)],
        &NotifyPolicy::default(),
        utc(),
        t("2026-03-10T12:00:00Z"),
    );
    let j = serde_json::to_value(&a[0]).unwrap();
    assert_eq!(j["action"], "open");
    assert_eq!(j["finding"]["kind"], "stalled");
    let s = apply(&[], &a, t("2026-03-10T12:00:00Z"));
    let back: IncidentState = serde_json::from_value(serde_json::to_value(&s[0]).unwrap()).unwrap();
    assert_eq!(back, s[0]);
}
