//! `conflicts`: entries of the last cycle that Entra could not create or
//! match because an account already exists in the SaaS (or several match).
//! Entra retries them every cycle and they never go through by themselves,
//! so one conflict is already worth an incident: it names who is affected.

use super::{EvidenceValue, Finding, FindingKind, Observations, Severity};

/// The finding, when the last cycle has conflicts (classified from each
/// entry's code and reason by [`crate::graph::classify_conflict`]). Without
/// provisioning logs there is no evidence, so no finding.
pub(super) fn conflicts(obs: &Observations, out: &mut Vec<Finding>) {
    if obs.logs_available == Some(false) {
        return;
    }
    let Some(c) = &obs.last_cycle else { return };
    let counts = c.conflict_counts();
    let total = counts
        .iter()
        .fold(0u64, |acc, e| acc.saturating_add(e.count));
    if total == 0 {
        return;
    }
    let who = if c.conflict_objects.is_empty() {
        String::new()
    } else {
        let mut names = c.conflict_objects.join(", ");
        if total > c.conflict_objects.len() as u64 {
            names.push_str(", …");
        }
        format!(": {names}")
    };
    let title = if total == 1 {
        format!("1 entry conflicts with an existing account in the SaaS{who}")
    } else {
        format!("{total} entries conflict with existing accounts in the SaaS{who}")
    };
    let mut f = Finding::new(
        FindingKind::Conflicts,
        Severity::Warning,
        title,
        "In the SaaS, find the existing account of each user listed and delete the duplicate or \
make its userName (the matching attribute) equal to the user's in Entra; Entra links it at the \
next cycle. Make sure the matching attribute is unique on both sides.",
    );
    for name in &c.conflict_objects {
        f = f.with("Conflicting user", name.clone());
    }
    for e in &counts {
        let code = if e.code.is_empty() {
            "(no error code)"
        } else {
            e.code.as_str()
        };
        f = f.with(&format!("Error {code}"), EvidenceValue::Count(e.count));
    }
    if let Some(id) = &c.cycle_id {
        f = f.with("Cycle", EvidenceValue::Code(id.clone()));
    }
    if let Some(t) = c.ended {
        f = f.with("Cycle ended", t);
    }
    f.since = c.ended;
    out.push(f);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::{CodeCount, CycleObservation};

    fn obs(conflicts: u64, names: &[&str]) -> Observations {
        Observations {
            last_cycle: Some(CycleObservation {
                cycle_id: Some("c1".into()),
                total: 5,
                failures: conflicts,
                top_errors: vec![CodeCount {
                    code: "EntryConflict".into(),
                    count: conflicts,
                }],
                conflicts: Some(vec![CodeCount {
                    code: "EntryConflict".into(),
                    count: conflicts,
                }])
                .filter(|_| conflicts > 0),
                conflict_objects: names.iter().map(|n| n.to_string()).collect(),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn one_conflict_names_the_user() {
        let mut out = Vec::new();
        conflicts(&obs(1, &["Jordan Reyes"]), &mut out);
        assert_eq!(out.len(), 1);
        let f = &out[0];
        assert_eq!(f.kind, FindingKind::Conflicts);
        assert_eq!(f.severity, Severity::Warning);
        assert!(f.title.contains("Jordan Reyes"), "{}", f.title);
        assert!(f.evidence.iter().any(
            |e| e.label == "Conflicting user" && e.value == EvidenceValue::text("Jordan Reyes")
        ));
    }

    #[test]
    fn no_conflict_or_no_logs_is_no_finding() {
        let mut out = Vec::new();
        conflicts(&obs(0, &[]), &mut out);
        let mut no_logs = obs(3, &["A"]);
        no_logs.logs_available = Some(false);
        conflicts(&no_logs, &mut out);
        assert!(out.is_empty(), "{out:?}");
    }
}
