//! Contradictions between the two ends: what Entra reports about the SaaS
//! and what scimwatch's own Test Connection replay saw. A contradiction is
//! evidence in itself — it says which of the admin's copies differ — so it
//! is part of the finding it contradicts (the quarantine's, or the failed
//! Test Connection's: one fault, one incident) and of the token step, never
//! silently resolved in favour of one side.
//!
//! - Entra says the SaaS refused its credentials, scimwatch's test with the
//!   token stored here passes after that: the Secret Token in Entra differs
//!   from the one stored in scimwatch, or Entra's Tenant URL differs from
//!   scimwatch's, or the endpoint flaps.
//! - scimwatch's stored token is refused, but Entra's cycles succeed after
//!   that: scimwatch holds an old token (the admin rotated it in Entra only).
//! - Entra cannot connect to the SaaS, scimwatch reaches it after that: the
//!   SaaS (or its firewall) blocks Entra's IP ranges, or Entra's Tenant URL
//!   points elsewhere.

use chrono::{DateTime, Utc};

use super::format::fmt_time;
use super::observations::{
    is_credential_error_code, is_unreachable_error_code, ExecutionState, JobStatusCode,
    Observations,
};
use super::{Evidence, EvidenceValue, Finding, FindingKind};
use crate::validate::same_tenant_url;

/// Which two observations disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContradictionKind {
    /// Entra: credentials refused; scimwatch: the stored token is accepted.
    EntraRefusedTokenScimwatchAccepted,
    /// scimwatch: the stored token is refused; Entra: cycles succeed.
    ScimwatchRefusedEntraSucceeds,
    /// Entra: cannot connect; scimwatch: the endpoint answers.
    EntraCannotConnectScimwatchCan,
}

/// One disagreement between Entra's report and scimwatch's own test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contradiction {
    pub kind: ContradictionKind,
    /// One line: what disagrees.
    pub title: String,
    /// What it implies and what to do.
    pub implies: String,
    pub evidence: Vec<Evidence>,
}

/// The Tenant URLs differ (both known, different after normalisation).
fn urls_differ(obs: &Observations) -> Option<(String, String)> {
    let (entra, ours) = (obs.entra_tenant_url.as_deref()?, obs.scim_url.as_deref()?);
    (!same_tenant_url(entra, ours)).then(|| (entra.to_string(), ours.to_string()))
}

/// Entra's quarantine error that scimwatch's passing test contradicts.
struct QuarantineCase {
    kind: ContradictionKind,
    title: &'static str,
    /// What it implies, …
    implies: &'static str,
    /// … or, when the Tenant URLs differ, also this, …
    or_urls: &'static str,
    /// … and what to do.
    then: &'static str,
}

const REFUSED_TOKEN: QuarantineCase = QuarantineCase {
    kind: ContradictionKind::EntraRefusedTokenScimwatchAccepted,
    title: "Entra says the SaaS refuses its credentials, but scimwatch's Test Connection with \
the stored token passes",
    implies: "The token scimwatch holds works, so the Secret Token saved in Entra's Admin \
Credentials is a different one (an old or mistyped token)",
    or_urls: ", or Entra sends it to another Tenant URL",
    then: ". Paste the token stored here into Entra's Admin Credentials → Secret Token, \
click Test Connection and Save; if Entra's test passes and cycles still fail, the endpoint \
is flapping.",
};

const CANNOT_CONNECT: QuarantineCase = QuarantineCase {
    kind: ContradictionKind::EntraCannotConnectScimwatchCan,
    title: "Entra cannot connect to the SaaS, but scimwatch reaches it",
    implies: "The endpoint answers scimwatch but not Entra: the SaaS or its firewall most \
likely blocks Microsoft's IP ranges (allow the AzureActiveDirectory service tag)",
    or_urls: ", or Entra's Tenant URL points to another host",
    then: ". Then click Test Connection in Entra's Admin Credentials; if it passes, the \
endpoint was briefly down and Entra retries on its own.",
};

impl QuarantineCase {
    /// What the contradiction implies, and Entra's error (with both Tenant
    /// URLs when they differ) as evidence.
    fn explain(&self, obs: &Observations, code: String) -> (String, Vec<Evidence>) {
        let mut implies = String::from(self.implies);
        let mut ev = vec![Evidence::new(
            "Entra's quarantine error",
            EvidenceValue::Code(code),
        )];
        if let Some((entra, here)) = urls_differ(obs) {
            implies.push_str(self.or_urls);
            ev.push(Evidence::new(
                "Tenant URL in Entra",
                EvidenceValue::link(entra),
            ));
            ev.push(Evidence::new(
                "Tenant URL in scimwatch",
                EvidenceValue::link(here),
            ));
        }
        implies.push_str(self.then);
        (implies, ev)
    }
}

/// Every contradiction in `obs` (empty: the two ends agree, or one of them
/// was not observed — no contradiction is claimed without both).
pub fn contradictions(obs: &Observations) -> Vec<Contradiction> {
    let mut out = Vec::new();
    let (Some(job), Some(check)) = (&obs.job, &obs.scim_check) else {
        return out;
    };
    let ours = |e: Vec<Evidence>| {
        let mut e = e;
        e.push(Evidence::new(
            "scimwatch's Test Connection",
            format!(
                "{} at {}",
                if check.ok {
                    "passed"
                } else {
                    check.verdict.as_str()
                },
                fmt_time(check.checked_at)
            ),
        ));
        e
    };
    // Entra's error, and when Entra last met it (the last execution's end,
    // else this quarantine's start, else when the job was read).
    if let Some(err) = job.quarantine_error() {
        let code = err.code.clone().unwrap_or_default();
        let since: Option<DateTime<Utc>> = job
            .last_execution
            .as_ref()
            .and_then(|e| e.ended)
            .or_else(|| job.quarantine.as_ref().and_then(|q| q.current_began))
            .or(obs.job_observed_at);
        let after = since.is_none_or(|t| check.checked_at >= t);
        let case = if is_credential_error_code(&code) {
            Some(&REFUSED_TOKEN)
        } else if is_unreachable_error_code(&code) {
            Some(&CANNOT_CONNECT)
        } else {
            None
        };
        if let Some(case) = case.filter(|_| check.ok && after) {
            let (implies, ev) = case.explain(obs, code);
            out.push(Contradiction {
                kind: case.kind,
                title: case.title.into(),
                implies,
                evidence: ours(ev),
            });
        }
        return out;
    }
    // scimwatch's token refused while Entra's cycles succeed after the test.
    let refused = !check.ok && check.verdict.blames_token();
    let entra_ok = job.status_code == JobStatusCode::Active
        && job.last_execution.as_ref().is_some_and(|e| {
            e.state == Some(ExecutionState::Succeeded)
                && e.count_exported.unwrap_or(0) > 0
                && e.ended.is_some_and(|t| t >= check.checked_at)
        });
    if refused && entra_ok {
        let ended = job
            .last_execution
            .as_ref()
            .and_then(|e| e.ended)
            .map(fmt_time)
            .unwrap_or_default();
        out.push(Contradiction {
            kind: ContradictionKind::ScimwatchRefusedEntraSucceeds,
            title: "The SaaS refuses the token stored in scimwatch, but Entra's cycles succeed"
                .into(),
            implies: "Entra holds a working token and scimwatch an old one (the token was \
rotated in Entra only). Update the connection's token in scimwatch (Token screen), then \
re-check."
                .into(),
            evidence: ours(vec![Evidence::new(
                "Entra's last cycle",
                format!("succeeded, ended {ended}"),
            )]),
        });
    }
    out
}

/// Each contradiction amends the finding it contradicts (one fault, one
/// incident): the quarantine's finding for what Entra reports, the failed
/// Test Connection's for what scimwatch saw. The title says what disagrees,
/// the action what it implies, the evidence shows both sides.
pub(super) fn annotate(obs: &Observations, out: &mut [Finding]) {
    for c in contradictions(obs) {
        let target = match c.kind {
            ContradictionKind::EntraRefusedTokenScimwatchAccepted
            | ContradictionKind::EntraCannotConnectScimwatchCan => FindingKind::Quarantine,
            ContradictionKind::ScimwatchRefusedEntraSucceeds => FindingKind::ScimTestFailed,
        };
        if let Some(f) = out.iter_mut().find(|f| f.kind == target) {
            f.evidence.push(Evidence::new("Contradiction", c.title));
            for e in c.evidence {
                if !f.evidence.contains(&e) {
                    f.evidence.push(e);
                }
            }
            f.action = format!("{} {}", c.implies, f.action);
        }
    }
}
