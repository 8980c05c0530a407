//! One problem, one incident: findings that another finding's evidence
//! explains are attached to it as evidence instead of opening incidents of
//! their own (issue 17, defect 17).
//!
//! An expired token makes scimwatch's Test Connection fail *and* makes
//! Entra quarantine the job: two findings, one problem. The relations follow
//! the checklist's "Start here" (`checklist/root.rs`):
//!
//! - a refused token (or an expired one) explains a credential quarantine
//!   and failing entries;
//! - an endpoint that does not answer, or a Tenant URL that is wrong or not
//!   SCIM, explains a quarantine that is not about thresholds and failing
//!   entries;
//! - a quarantine explains a stall and provisioning being off; a
//!   `TooManyDeletes` quarantine carries the unassignment or disabled
//!   mapping behind it; an escrow-threshold quarantine the failing entries;
//! - conflicts explain failing entries when every failure is a conflict.
//!
//! The group keeps the kind of an incident that is already open for any of
//! its findings (so an incident never changes kind under the admin's eyes),
//! else the explaining finding's kind. Its title and fix are the explaining
//! finding's; its severity the worst of the group; the others' titles and
//! evidence follow the root's evidence.

use crate::health::{
    is_credential_error_code, is_unreachable_error_code, Evidence, Finding, FindingKind,
    JobStatusCode, Observations, QuarantineReason, Verdict,
};

use super::IncidentState;

/// Why the job is quarantined, as far as the evidence says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuarantineCause {
    Credential,
    Unreachable,
    EscrowThreshold,
    TooManyDeletes,
    Other,
}

fn quarantine_cause(obs: &Observations) -> Option<QuarantineCause> {
    let job = obs.job.as_ref()?;
    if job.status_code != JobStatusCode::Quarantine {
        return None;
    }
    let reason = job.quarantine.as_ref().and_then(|q| q.reason.as_ref());
    Some(match reason {
        Some(QuarantineReason::TooManyDeletes) => QuarantineCause::TooManyDeletes,
        Some(
            QuarantineReason::EncounteredBaseEscrowThreshold
            | QuarantineReason::EncounteredTotalEscrowThreshold
            | QuarantineReason::EncounteredEscrowProportionThreshold,
        ) => QuarantineCause::EscrowThreshold,
        _ => match job.quarantine_error().and_then(|e| e.code) {
            Some(c) if is_credential_error_code(&c) => QuarantineCause::Credential,
            Some(c) if is_unreachable_error_code(&c) => QuarantineCause::Unreachable,
            _ => QuarantineCause::Other,
        },
    })
}

/// scimwatch's own Test Connection had the token refused.
fn token_refused(obs: &Observations) -> bool {
    obs.scim_check
        .as_ref()
        .is_some_and(|c| matches!(c.verdict, Verdict::Unauthorized | Verdict::Forbidden))
}

/// Every failure of the last cycle is a conflict.
fn conflicts_cover_failures(obs: &Observations) -> bool {
    obs.last_cycle
        .as_ref()
        .is_some_and(|c| c.conflicts_cover_failures())
}

fn failing_entries(kind: FindingKind) -> bool {
    matches!(kind, FindingKind::FailureSpike | FindingKind::EscrowsRising)
}

/// Whether `root`'s evidence explains `other` (see the module documentation).
fn explains(root: &Finding, other: &Finding, obs: &Observations) -> bool {
    use FindingKind as K;
    use QuarantineCause as Q;
    let q = quarantine_cause(obs);
    let quarantine_from =
        |causes: &[Q]| other.kind == K::Quarantine && q.is_some_and(|c| causes.contains(&c));
    match root.kind {
        K::TokenExpired => {
            (other.kind == K::ScimTestFailed && token_refused(obs))
                || quarantine_from(&[Q::Credential])
                || failing_entries(other.kind)
        }
        K::ScimTestFailed if token_refused(obs) => {
            quarantine_from(&[Q::Credential]) || failing_entries(other.kind)
        }
        // The Tenant URL answers 404, HTML or something that is not SCIM.
        K::ScimTestFailed | K::TenantUrlMismatch => {
            quarantine_from(&[Q::Credential, Q::Unreachable, Q::Other])
                || failing_entries(other.kind)
        }
        K::ScimDown => quarantine_from(&[Q::Unreachable, Q::Other]) || failing_entries(other.kind),
        K::Quarantine => match other.kind {
            K::Stalled | K::ProvisioningOff => true,
            K::NoGroupsAssigned | K::UsersMappingDisabled | K::GroupsMappingDisabled => {
                q == Some(Q::TooManyDeletes)
            }
            K::FailureSpike | K::EscrowsRising | K::Conflicts => q == Some(Q::EscrowThreshold),
            _ => false,
        },
        K::Conflicts => failing_entries(other.kind) && conflicts_cover_failures(obs),
        K::FailureSpike => other.kind == K::EscrowsRising,
        _ => false,
    }
}

/// A readable name of a kind, for the evidence of an attached finding.
fn kind_label(kind: FindingKind) -> String {
    let s = kind.as_str().replace('_', " ");
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => s,
    }
}

/// Group related findings (see the module documentation): one finding per
/// problem, ready for [`super::reconcile`]. `active` are the connection's
/// incidents (only the active ones matter); findings nothing relates pass
/// unchanged.
pub fn group_related(
    active: &[IncidentState],
    findings: &[Finding],
    obs: &Observations,
) -> Vec<Finding> {
    let n = findings.len();
    let explained_by: Vec<Vec<usize>> = (0..n)
        .map(|i| {
            (0..n)
                .filter(|&j| j != i && explains(&findings[j], &findings[i], obs))
                .collect()
        })
        .collect();
    // Each finding's root: follow what explains it up to a finding nothing
    // explains (breadth first; a cycle leaves the finding on its own).
    let root_of = |i: usize| -> usize {
        let mut seen = vec![i];
        let mut queue = std::collections::VecDeque::from([i]);
        while let Some(k) = queue.pop_front() {
            if explained_by[k].is_empty() && k != i {
                return k;
            }
            for &j in &explained_by[k] {
                if !seen.contains(&j) {
                    seen.push(j);
                    queue.push_back(j);
                }
            }
        }
        i
    };
    let roots: Vec<usize> = (0..n).map(root_of).collect();
    let mut out = Vec::new();
    for r in (0..n).filter(|&i| roots[i] == i) {
        let members: Vec<&Finding> = (0..n)
            .filter(|&i| i != r && roots[i] == r)
            .map(|i| &findings[i])
            .collect();
        let root = &findings[r];
        let mut merged = root.clone();
        let open = |k: FindingKind| active.iter().any(|a| a.is_active() && a.kind == k);
        if !open(root.kind) {
            if let Some(m) = members.iter().find(|m| open(m.kind)) {
                merged.kind = m.kind;
            }
        }
        for m in &members {
            merged.severity = merged.severity.max(m.severity);
            merged.days_left = merged.days_left.or(m.days_left);
            merged.since = match (merged.since, m.since) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let label = kind_label(m.kind);
            merged.evidence.push(Evidence::new(
                format!("Also seen ({label})"),
                m.title.clone(),
            ));
            for e in &m.evidence {
                merged.evidence.push(Evidence::new(
                    format!("{label}: {}", e.label),
                    e.value.clone(),
                ));
            }
        }
        out.push(merged);
    }
    out
}
