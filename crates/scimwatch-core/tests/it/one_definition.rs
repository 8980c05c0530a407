//! One definition per check (issue 17): a health rule and the checklist
//! step showing the same thing never disagree. Walks every combination of
//! what can be known (read or not, on or off, assigned or not): the rule's
//! finding fires exactly when its step fails, and a step whose inputs could
//! not be read says "could not check" — never a pass, never a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Utc};
use scimwatch_core::checklist::{evaluate_checklist, Context, StepStatus};
use scimwatch_core::health::{
    evaluate, AssignmentsObservation, FindingKind, MappingsObservation, Observations, Thresholds,
};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-10T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// (finding kind, step id) pairs defined once in `health::checks`.
const PAIRS: &[(FindingKind, &str)] = &[
    (FindingKind::UsersMappingDisabled, "users_mapping"),
    (FindingKind::GroupsMappingDisabled, "groups_mapping"),
    (FindingKind::NoGroupsAssigned, "groups_assigned"),
];

fn every_observation() -> Vec<Observations> {
    let tri = [None, Some(true), Some(false)];
    let assignments = [None, Some((0, 0)), Some((5, 0)), Some((0, 2)), Some((5, 2))];
    let mut out = Vec::new();
    for read_mappings in [false, true] {
        for users in tri {
            for groups in tri {
                for scope in tri {
                    for a in assignments {
                        out.push(Observations {
                            mappings: read_mappings.then_some(MappingsObservation {
                                users_enabled: users,
                                groups_enabled: groups,
                                scope_assigned_only: scope,
                            }),
                            assignments: a.map(|(users, groups)| AssignmentsObservation {
                                users,
                                groups,
                                group_members: groups * 10,
                            }),
                            ..Default::default()
                        });
                    }
                }
            }
        }
    }
    out
}

#[test]
fn a_rule_fires_exactly_when_its_step_fails() {
    let mut checked = 0;
    for obs in every_observation() {
        let findings = evaluate(&obs, &Thresholds::default(), now());
        let run = evaluate_checklist(&obs, &Context::default(), &[], now());
        for (kind, step) in PAIRS {
            let fired = findings.iter().find(|f| f.kind == *kind);
            let st = run.step(step).unwrap();
            assert_eq!(
                fired.is_some(),
                st.status == StepStatus::Fail,
                "{kind:?} vs {step} disagree on {obs:?}: step says {:?} ({})",
                st.status,
                st.outcome.summary
            );
            if let Some(f) = fired {
                // The same evidence, built once.
                assert_eq!(f.evidence, st.outcome.evidence, "{step}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 2 * 27 * 5 * PAIRS.len());
}

#[test]
fn unknown_inputs_are_could_not_check_not_a_verdict() {
    // No groups assigned, scope requires assignment, groups mapping not read.
    let obs = Observations {
        mappings: Some(MappingsObservation {
            users_enabled: Some(true),
            groups_enabled: None,
            scope_assigned_only: Some(true),
        }),
        assignments: Some(AssignmentsObservation {
            users: 5,
            groups: 0,
            group_members: 0,
        }),
        ..Default::default()
    };
    let run = evaluate_checklist(&obs, &Context::default(), &[], now());
    let st = run.step("groups_assigned").unwrap();
    assert_eq!(st.status, StepStatus::Unknown);
    assert!(st
        .outcome
        .why_unknown
        .as_deref()
        .unwrap()
        .contains("groups mapping"));
    assert!(!evaluate(&obs, &Thresholds::default(), now())
        .iter()
        .any(|f| f.kind == FindingKind::NoGroupsAssigned));
    // Scope not read: the same.
    let obs = Observations {
        mappings: Some(MappingsObservation {
            users_enabled: Some(true),
            groups_enabled: Some(true),
            scope_assigned_only: None,
        }),
        ..obs
    };
    let run = evaluate_checklist(&obs, &Context::default(), &[], now());
    assert_eq!(
        run.step("groups_assigned").unwrap().status,
        StepStatus::Unknown
    );
}
