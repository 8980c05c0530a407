//! Acknowledge and resolve by hand (pure, `now` passed in), and what the
//! tray shows of the open incidents.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, FixedOffset, Utc};
use scimwatch_core::health::{Evidence, Finding, FindingKind, Severity};
use scimwatch_core::incident::tray::{incident_id, tray_model, TrayIncident, MAX_ITEMS};
use scimwatch_core::incident::{
    acknowledge, apply, manual::validate_note, reconcile, resolve_by_hand, IncidentAction,
    IncidentState, IncidentStatus, ManualError, NotificationKind, NotifyPolicy,
};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn utc() -> FixedOffset {
    FixedOffset::east_opt(0).unwrap()
}

fn finding(kind: FindingKind, severity: Severity, observed: &str) -> Finding {
    Finding {
        kind,
        severity,
        title: format!("{} problem", kind.as_str()),
        evidence: vec![Evidence::new("Observed", observed)],
        action: "fix it".into(),
        days_left: None,
        threshold_days: None,
        since: None,
    }
}

fn step(
    incidents: &[IncidentState],
    findings: &[Finding],
    now: DateTime<Utc>,
) -> (Vec<IncidentAction>, Vec<IncidentState>) {
    let actions = reconcile(incidents, findings, &NotifyPolicy::default(), utc(), now);
    let next = apply(incidents, &actions, now);
    (actions, next)
}

fn opened(kind: FindingKind, severity: Severity, now: DateTime<Utc>) -> IncidentState {
    let (_, s) = step(&[], &[finding(kind, severity, "x")], now);
    s.into_iter().next().unwrap()
}

#[test]
fn acknowledging_stops_reminders_but_not_recovery() {
    let t0 = t("2026-11-28T12:00:00Z");
    let f = [finding(FindingKind::ScimDown, Severity::Critical, "x")];
    let inc = opened(FindingKind::ScimDown, Severity::Critical, t0);
    let acked = acknowledge(&inc, "alex", t0 + Duration::minutes(3)).unwrap();
    let ack = acked.acknowledged.clone().unwrap();
    assert_eq!(
        (ack.by.as_str(), ack.at),
        ("alex", t0 + Duration::minutes(3))
    );
    assert!(acked.is_acknowledged());

    // Without the acknowledgement a reminder falls due after 4 h; with it, none.
    let later = t0 + Duration::hours(9);
    let unacked = reconcile(
        std::slice::from_ref(&inc),
        &f,
        &NotifyPolicy::default(),
        utc(),
        later,
    );
    assert!(unacked
        .iter()
        .any(|a| matches!(a, IncidentAction::Remind { .. })));
    let (a, s) = step(std::slice::from_ref(&acked), &f, later);
    assert!(a.is_empty(), "no reminder once acknowledged: {a:?}");

    // Recovery is still detected and still notified.
    let (a, s) = step(&s, &[], later + Duration::minutes(5));
    assert!(
        matches!(
            a.as_slice(),
            [IncidentAction::Resolve {
                notify_recovery: true,
                ..
            }]
        ),
        "{a:?}"
    );
    assert_eq!(s[0].state, IncidentStatus::Resolved);
    let r = s[0].resolution.as_ref().unwrap();
    assert!(!r.by_hand && r.followed_up);
    assert_eq!(r.evidence, vec![Evidence::new("Observed", "x")]);
}

#[test]
fn acknowledging_twice_keeps_the_first_and_escalation_clears_it() {
    let t0 = t("2026-11-28T12:00:00Z");
    let inc = opened(FindingKind::FailureSpike, Severity::Warning, t0);
    let a1 = acknowledge(&inc, "alex", t0).unwrap();
    let a2 = acknowledge(&a1, "sam", t0 + Duration::minutes(1)).unwrap();
    assert_eq!(a2.acknowledged.as_ref().unwrap().by, "alex");

    let worse = [finding(FindingKind::FailureSpike, Severity::Critical, "x")];
    let (a, s) = step(&[a2], &worse, t0 + Duration::minutes(10));
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].notification(), Some(NotificationKind::Escalated));
    assert_eq!(s[0].acknowledged, None, "worse than acknowledged");
}

#[test]
fn acknowledging_drops_a_deferred_opened_notice() {
    let t0 = t("2026-11-28T12:00:00Z");
    let mut inc = opened(FindingKind::Stalled, Severity::Warning, t0);
    inc.pending_notification = Some(NotificationKind::Opened);
    let acked = acknowledge(&inc, "alex", t0).unwrap();
    assert_eq!(acked.pending_notification, None);
}

#[test]
fn resolving_by_hand_records_who_when_note_and_the_evidence_then() {
    let t0 = t("2026-11-28T12:00:00Z");
    let inc = opened(FindingKind::ScimDown, Severity::Critical, t0);
    let at = t0 + Duration::minutes(42);
    let r = resolve_by_hand(
        &inc,
        " alex ",
        "  Restarted the SCIM gateway.\r\nOK now. ",
        at,
    )
    .unwrap();
    assert_eq!(r.state, IncidentStatus::Resolved);
    assert_eq!(r.resolved_at, Some(at));
    assert_eq!(r.pending_notification, None);
    assert_eq!(r.duration(at + Duration::hours(3)), Duration::minutes(42));
    let res = r.resolution.clone().unwrap();
    assert!(res.by_hand && !res.followed_up && !res.reopened);
    assert_eq!(res.by.as_deref(), Some("alex"));
    assert_eq!(
        res.note.as_deref(),
        Some("Restarted the SCIM gateway.\nOK now.")
    );
    assert_eq!(res.evidence, inc.evidence);
    assert_eq!(res.action, "fix it");
    assert!(r.awaits_check());

    // Resolving or acknowledging again is refused.
    assert_eq!(
        resolve_by_hand(&r, "alex", "again", at),
        Err(ManualError::AlreadyResolved)
    );
    assert_eq!(
        acknowledge(&r, "alex", at),
        Err(ManualError::AlreadyResolved)
    );
}

#[test]
fn a_note_and_a_name_are_required_and_bounded() {
    let t0 = t("2026-11-28T12:00:00Z");
    let inc = opened(FindingKind::ScimDown, Severity::Critical, t0);
    for (by, note, field) in [
        ("alex", "   ", "note"),
        ("alex", &"x".repeat(2_001) as &str, "note"),
        ("alex", "bell \u{7}", "note"),
        ("", "fixed", "by"),
        ("a\u{1b}[31m", "fixed", "by"),
    ] {
        match resolve_by_hand(&inc, by, note, t0) {
            Err(ManualError::Invalid(v)) => assert_eq!(v.fields[0].field, field, "{by:?} {note:?}"),
            other => panic!("{by:?} {note:?}: {other:?}"),
        }
    }
    assert_eq!(
        validate_note("x".repeat(2_000).as_str()).unwrap().len(),
        2_000
    );
    let e = validate_note("").unwrap_err();
    assert!(e.fields[0].message.contains("note"), "{e:?}");
}

#[test]
fn still_failing_at_the_next_diagnosis_reopens_a_linked_incident() {
    let t0 = t("2026-11-28T12:00:00Z");
    let f = [finding(
        FindingKind::ScimDown,
        Severity::Critical,
        "still down",
    )];
    let inc = opened(FindingKind::ScimDown, Severity::Critical, t0);
    let resolved =
        resolve_by_hand(&inc, "alex", "Restarted it.", t0 + Duration::minutes(5)).unwrap();
    let t1 = t0 + Duration::minutes(10);
    let (a, s) = step(std::slice::from_ref(&resolved), &f, t1);
    assert!(
        matches!(
            a.as_slice(),
            [IncidentAction::Open { notify: true, reopens: Some(at), .. }] if *at == t0
        ),
        "{a:?}"
    );
    assert_eq!(s.len(), 2);
    let old = s[0].resolution.as_ref().unwrap();
    assert!(old.followed_up && old.reopened);
    assert_eq!(
        old.evidence,
        vec![Evidence::new("Observed", "x")],
        "kept as of resolution"
    );
    assert_eq!(s[1].reopens, Some(t0));
    assert_eq!(s[1].opened_at, t1);
    assert!(s[1].is_active());
    // Followed up once: the next round does not open a third one.
    let (a, s2) = step(&s, &f, t1 + Duration::minutes(5));
    assert!(a.is_empty(), "{a:?}");
    assert_eq!(s2.len(), 2);
}

#[test]
fn gone_at_the_next_diagnosis_confirms_the_hand_resolution() {
    let t0 = t("2026-11-28T12:00:00Z");
    let inc = opened(FindingKind::ScimDown, Severity::Critical, t0);
    let resolved =
        resolve_by_hand(&inc, "alex", "Restarted it.", t0 + Duration::minutes(5)).unwrap();
    let (a, s) = step(
        std::slice::from_ref(&resolved),
        &[],
        t0 + Duration::minutes(10),
    );
    assert_eq!(
        a,
        vec![IncidentAction::ConfirmResolved {
            kind: FindingKind::ScimDown,
            opened_at: t0
        }]
    );
    assert!(
        a[0].notification().is_none(),
        "no recovery notice for a hand resolution"
    );
    let r = s[0].resolution.as_ref().unwrap();
    assert!(r.followed_up && !r.reopened);
    assert!(!s[0].awaits_check());
    // A later failure is a plain new incident, not a re-open.
    let (a, _) = step(
        &s,
        &[finding(FindingKind::ScimDown, Severity::Critical, "x")],
        t0 + Duration::hours(1),
    );
    assert!(
        matches!(a.as_slice(), [IncidentAction::Open { reopens: None, .. }]),
        "{a:?}"
    );
}

#[test]
fn incidents_stored_before_acknowledgement_existed_still_read() {
    let old = r#"{"kind":"scim_down","severity":"critical","state":"resolved","title":"t","action":"",
      "evidence":[],"threshold_days":null,"opened_at":"2026-11-01T00:00:00Z",
      "updated_at":"2026-11-01T00:00:00Z","last_notified_at":null,"snoozed_until":null,
      "pending_notification":null,"resolved_at":"2026-11-01T01:00:00Z"}"#;
    let s: IncidentState = serde_json::from_str(old).unwrap();
    assert!(s.acknowledged.is_none() && s.resolution.is_none() && s.reopens.is_none());
    assert!(!s.awaits_check());
}

fn state(severity: Severity, title: &str, opened: &str) -> IncidentState {
    let mut s = opened_state(severity, t(opened));
    s.title = title.into();
    s
}

fn opened_state(severity: Severity, at: DateTime<Utc>) -> IncidentState {
    opened(FindingKind::ScimDown, severity, at)
}

#[test]
fn the_tray_lists_open_incidents_worst_first_with_counts() {
    let a = state(
        Severity::Warning,
        "Token expires in 6 days",
        "2026-11-28T10:00:00Z",
    );
    let b = state(
        Severity::Critical,
        "SCIM endpoint is down",
        "2026-11-28T11:00:00Z",
    );
    let c = state(
        Severity::Critical,
        "Job quarantined",
        "2026-11-28T09:00:00Z",
    );
    let mut d = state(Severity::Critical, "Was bad", "2026-11-28T08:00:00Z");
    d.state = IncidentStatus::Resolved;
    let m = tray_model(&[
        TrayIncident {
            id: 1,
            connection_name: "Acme",
            state: &a,
        },
        TrayIncident {
            id: 2,
            connection_name: "Wiki",
            state: &b,
        },
        TrayIncident {
            id: 3,
            connection_name: "Acme",
            state: &c,
        },
        TrayIncident {
            id: 4,
            connection_name: "Acme",
            state: &d,
        },
    ]);
    assert_eq!(m.counts, "2 critical, 1 warning");
    assert_eq!(m.tooltip, "scimwatch — 2 critical, 1 warning");
    assert_eq!(
        m.accessible_name,
        "scimwatch: 3 open incidents, 2 critical, 1 warning"
    );
    assert_eq!(m.worst, Some(Severity::Critical));
    let ids: Vec<_> = m
        .items
        .iter()
        .map(|i| incident_id(&i.menu_id).unwrap())
        .collect();
    assert_eq!(ids, [3, 2, 1], "critical first, the longest open first");
    assert_eq!(m.items[0].label, "Critical: Acme — Job quarantined");
    assert_eq!(m.more, 0);
}

#[test]
fn the_tray_is_quiet_without_incidents_and_caps_a_long_list() {
    let m = tray_model(&[]);
    assert_eq!(m.counts, "No open incidents");
    assert_eq!(m.tooltip, "scimwatch — all quiet");
    assert_eq!(m.accessible_name, "scimwatch: no open incidents");
    assert!(m.items.is_empty() && m.worst.is_none());

    let long = "x".repeat(200);
    let states: Vec<IncidentState> = (0..11)
        .map(|k| {
            state(
                Severity::Warning,
                &long,
                &format!("2026-11-28T10:{k:02}:00Z"),
            )
        })
        .collect();
    let rows: Vec<TrayIncident<'_>> = states
        .iter()
        .enumerate()
        .map(|(k, s)| TrayIncident {
            id: k as i64,
            connection_name: "Acme",
            state: s,
        })
        .collect();
    let m = tray_model(&rows);
    assert_eq!(m.items.len(), MAX_ITEMS);
    assert_eq!(m.more, 3);
    assert_eq!(
        m.accessible_name,
        "scimwatch: 11 open incidents, 11 warning"
    );
    assert!(m.items[0].label.chars().count() <= 72 && m.items[0].label.ends_with('…'));
    assert_eq!(incident_id("incident:12"), Some(12));
    assert_eq!(incident_id("open"), None);
    assert_eq!(incident_id("incident:x"), None);
}
