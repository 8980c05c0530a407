//! "Start here": the root cause among the failing steps, not the first in
//! table order.
//!
//! A failing step is a candidate when no other failing step's evidence
//! explains it (a quarantined job explains why provisioning is off, why
//! cycles stopped and why group warnings do not matter yet; a refused
//! credential explains the quarantine it caused; failing entries explain an
//! escrow-threshold quarantine; an unassignment or a disabled mapping
//! explains a `TooManyDeletes` quarantine; conflicts explain the failures
//! of a cycle whose every failure is a conflict; a Tenant URL that does not
//! answer explains a token that could not be checked and the quarantine
//! Entra reports for an endpoint it cannot connect to,
//! `…CredentialValidationUnavailable`, which is not a refused credential).
//! Among the candidates the most severe wins,
//! then table order. When every failing step is explained by another (a
//! cycle), the most severe failing step wins.

use crate::health::{
    is_credential_error_code, JobStatusCode, Observations, QuarantineReason, Severity,
};

use super::{StepResult, StepStatus};

/// How much a failing step matters on its own: what breaks provisioning
/// for everyone is critical, what limits part of it is a warning.
pub(crate) fn step_severity(id: &str) -> Severity {
    match id {
        "tenant_url" | "token_valid" | "users_mapping" | "provisioning_on" | "quarantine"
        | "changes_take_time" | "last_cycle_errors" => Severity::Critical,
        _ => Severity::Warning,
    }
}

fn quarantine_reason(obs: &Observations) -> Option<&QuarantineReason> {
    let job = obs.job.as_ref()?;
    if job.status_code != JobStatusCode::Quarantine {
        return None;
    }
    job.quarantine.as_ref()?.reason.as_ref()
}

/// The job is quarantined because entries kept failing (escrow thresholds):
/// the failing entries are the cause, the quarantine the consequence.
fn escrow_quarantine(obs: &Observations) -> bool {
    matches!(
        quarantine_reason(obs),
        Some(
            QuarantineReason::EncounteredBaseEscrowThreshold
                | QuarantineReason::EncounteredTotalEscrowThreshold
                | QuarantineReason::EncounteredEscrowProportionThreshold
        )
    )
}

/// The job is quarantined because the cycle would delete or disable more
/// accounts than allowed: an assignment, scope or mapping change caused it.
fn too_many_deletes(obs: &Observations) -> bool {
    matches!(
        quarantine_reason(obs),
        Some(QuarantineReason::TooManyDeletes)
    )
}

/// The job is quarantined because the SaaS refused Entra's credentials.
fn credential_quarantine(obs: &Observations) -> bool {
    obs.job
        .as_ref()
        .and_then(|j| j.quarantine_error())
        .and_then(|e| e.code)
        .is_some_and(|c| is_credential_error_code(&c))
}

/// Every failure of the last cycle is a conflict or a duplicate: the
/// conflicts are the cause of the failures, not a part of them.
fn conflicts_cover_failures(obs: &Observations) -> bool {
    obs.last_cycle
        .as_ref()
        .is_some_and(|c| c.conflicts_cover_failures())
}

/// scimwatch's own Test Connection shows the SaaS answering Entra's lookup
/// filter wrongly.
fn filtering_broken(obs: &Observations) -> bool {
    obs.scim_check
        .as_ref()
        .is_some_and(|c| c.verdict.blames_filtering())
}

/// Whether the failing step `root`, given the evidence, explains the
/// failing step `other`.
pub(crate) fn explains(root: &str, other: &str, obs: &Observations) -> bool {
    match root {
        "tenant_url" => matches!(
            other,
            "token_valid"
                | "quarantine"
                | "changes_take_time"
                | "last_cycle_errors"
                | "skipped_users"
                | "conflicts_duplicates"
                | "scim_compliance"
        ),
        "token_valid" => match other {
            "quarantine" => credential_quarantine(obs),
            "changes_take_time" | "last_cycle_errors" => true,
            _ => false,
        },
        "users_mapping" => match other {
            "skipped_users" | "changes_take_time" => true,
            "quarantine" => too_many_deletes(obs),
            _ => false,
        },
        "provisioning_on" => matches!(other, "changes_take_time"),
        "groups_mapping" => match other {
            "groups_assigned" => true,
            "quarantine" => too_many_deletes(obs),
            _ => false,
        },
        "groups_assigned" => other == "quarantine" && too_many_deletes(obs),
        "quarantine" => match other {
            "provisioning_on" | "changes_take_time" => true,
            "groups_mapping" | "groups_assigned" | "skipped_users" => !too_many_deletes(obs),
            "last_cycle_errors" | "conflicts_duplicates" => !escrow_quarantine(obs),
            _ => false,
        },
        "last_cycle_errors" => other == "quarantine" && escrow_quarantine(obs),
        // The SaaS answers Entra's lookup filter wrongly (404 for an empty
        // filter, 400 invalidFilter): every lookup fails, so the failing
        // entries, the quarantine and a token that could not be confirmed
        // follow from it.
        "scim_compliance" if filtering_broken(obs) => matches!(
            other,
            "quarantine" | "last_cycle_errors" | "token_valid" | "changes_take_time"
        ),
        "conflicts_duplicates" => match other {
            "last_cycle_errors" => conflicts_cover_failures(obs),
            "quarantine" => escrow_quarantine(obs) && conflicts_cover_failures(obs),
            _ => false,
        },
        _ => false,
    }
}

/// The step to start with: see the module documentation.
pub(crate) fn start_here(steps: &[StepResult], obs: &Observations) -> Option<String> {
    let failing: Vec<(usize, &StepResult)> = steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.status == StepStatus::Fail)
        .collect();
    let unexplained: Vec<(usize, &StepResult)> = failing
        .iter()
        .filter(|(_, s)| {
            !failing
                .iter()
                .any(|(_, r)| r.id != s.id && explains(&r.id, &s.id, obs))
        })
        .copied()
        .collect();
    let pool = if unexplained.is_empty() {
        &failing
    } else {
        &unexplained
    };
    pool.iter()
        .max_by(|(ia, a), (ib, b)| {
            step_severity(&a.id)
                .cmp(&step_severity(&b.id))
                // Earlier in the table wins a tie: reverse the index order.
                .then(ib.cmp(ia))
        })
        .map(|(_, s)| s.id.clone())
}
