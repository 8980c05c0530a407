//! The target and the configuration: SCIM check verdicts, the token's
//! expiry, mappings and assignments, drift, logs, the Tenant URL and SCIM
//! compliance.

use chrono::Duration;
use scimwatch_core::health::{
    evaluate, ComplianceDeviation, DriftObservation, FindingKind, MappingsObservation, Severity,
    Thresholds, Verdict,
};

use crate::common::now;

use super::{find, healthy, kinds};

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
