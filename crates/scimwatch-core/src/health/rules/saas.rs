//! The rules about the SaaS side and the configuration: the SCIM
//! endpoint, the token, the mappings, drift, and the rest.

use super::*;

/// `scim_down` and `scim_test_failed` (suppressed while the SCIM side is blind).
pub(crate) fn scim(obs: &Observations, _now: DateTime<Utc>, out: &mut Vec<Finding>) {
    if matches!(obs.scim_reachability, Reachability::Blind { .. }) {
        return;
    }
    let Some(c) = &obs.scim_check else { return };
    if c.ok || c.verdict == Verdict::Ok {
        return;
    }
    let (kind, title, action) = match &c.verdict {
        Verdict::Timeout | Verdict::Unreachable | Verdict::ServerError => (
            FindingKind::ScimDown,
            "The SaaS's SCIM endpoint is down or failing",
            "The SaaS is not answering Test Connection. Check the SaaS's status page and contact \
the vendor; Entra retries failed entries in the next cycle.",
        ),
        Verdict::Unauthorized | Verdict::Forbidden => (
            FindingKind::ScimTestFailed,
            "Test Connection fails: the SCIM token is refused",
            "The token has expired or was revoked (or lacks rights). Create a new token in the \
SaaS, paste it into Provisioning → Admin Credentials → Secret Token, click Test Connection \
and Save.",
        ),
        Verdict::FilterNotFound => (
            FindingKind::ScimTestFailed,
            "Test Connection fails: the SaaS answers 404 to a filter that matches nobody",
            "The Tenant URL and the token are right, but the SaaS answers 404 where SCIM wants 200 \
with an empty list (RFC 7644 §3.4.2), so Entra's Test Connection and its lookups before every \
create fail. Only the vendor can fix it: send them this evidence.",
        ),
        Verdict::FilterRefused => (
            FindingKind::ScimTestFailed,
            "Test Connection fails: the SaaS refuses the filter Entra looks users up with",
            "The Tenant URL and the token are right, but the SaaS answers 400 invalidFilter to \
`userName eq` / `displayName eq`, so Entra cannot find anyone before creating them (duplicates \
or failed creates follow). Only the vendor can fix it: send them this evidence.",
        ),
        Verdict::NotFound | Verdict::Html | Verdict::NotScim => (
            FindingKind::ScimTestFailed,
            "Test Connection fails: the Tenant URL is not exactly right",
            "The URL answers, but not as a SCIM endpoint. Copy the Tenant URL again from the \
SaaS's SCIM settings (exact path, often ending in /scim or /scim/v2, no trailing spaces), \
paste it into Provisioning → Admin Credentials → Tenant URL, click Test Connection and Save.",
        ),
        _ => (
            FindingKind::ScimTestFailed,
            "Test Connection fails",
            "Read the message below, compare the Tenant URL and token with the SaaS's SCIM \
settings, click Test Connection and Save.",
        ),
    };
    let mut f = Finding::new(kind, Severity::Critical, title, action)
        .with("Result", EvidenceValue::code(c.verdict.as_str()))
        .with("Checked at", c.checked_at);
    if let Some(s) = c.http_status {
        f = f.with("HTTP status", EvidenceValue::code(s));
    }
    if let Some(u) = &obs.scim_url {
        f = f.with("Tenant URL checked", EvidenceValue::link(u.clone()));
    }
    if let Some(m) = &c.message {
        f = f.with("Message", m.clone());
    }
    f.since = Some(c.checked_at);
    out.push(f);
}

/// `token_expiring` / `token_expired`.
pub(crate) fn token(
    obs: &Observations,
    cfg: &Thresholds,
    now: DateTime<Utc>,
    out: &mut Vec<Finding>,
) {
    let Some(exp) = obs.token_expires_at else {
        return;
    };
    let left = exp - now;
    if left <= Duration::zero() {
        let mut f = Finding::new(
            FindingKind::TokenExpired,
            Severity::Critical,
            "The SCIM token has expired",
            "Create a new token in the SaaS, paste it into Provisioning → Admin Credentials → \
Secret Token, click Test Connection and Save, then update the expiry date in scimwatch.",
        )
        .with("Expired at", exp)
        .with("Expired", format!("{} ago", fmt_duration(left)));
        f.days_left = Some(0);
        f.since = Some(exp);
        out.push(f);
        return;
    }
    let mut thresholds = cfg.token_warn_days.clone();
    thresholds.sort_unstable();
    let Some(t) = thresholds
        .into_iter()
        .find(|d| left <= crate::health::format::days(*d))
    else {
        return;
    };
    let severity = if t <= cfg.token_critical_days {
        Severity::Critical
    } else {
        Severity::Warning
    };
    let mut f = Finding::new(
        FindingKind::TokenExpiring,
        severity,
        format!("The SCIM token expires in {}", fmt_duration(left)),
        "Before it expires: create a new token in the SaaS, paste it into Provisioning → Admin \
Credentials → Secret Token, click Test Connection and Save, then update the expiry date in \
scimwatch.",
    )
    .with("Expires at", exp)
    .with("Time left", EvidenceValue::duration(left))
    .with("Warning threshold", format!("{t} days"));
    f.days_left = Some(left.num_days());
    f.threshold_days = Some(t);
    out.push(f);
}

/// `users_mapping_disabled`, `groups_mapping_disabled`, `no_groups_assigned`:
/// the failing judgements of the checklist's `users_mapping`,
/// `groups_mapping` and `groups_assigned` steps ([`super::checks`]), one
/// definition for both.
pub(crate) fn mappings(obs: &Observations, out: &mut Vec<Finding>) {
    use crate::health::checks::{groups_assigned, mapping_enabled, Judgement, MappingOf};
    let finding = |kind, severity, j: Judgement, title: &str, action: &str| {
        let mut f = Finding::new(kind, severity, title, action);
        f.evidence = j.evidence;
        f
    };
    let users = mapping_enabled(obs, MappingOf::Users);
    if users.failed() {
        out.push(finding(
            FindingKind::UsersMappingDisabled,
            Severity::Critical,
            users,
            "The users mapping is disabled: no users are provisioned",
            "Provisioning → Mappings → \"Provision Microsoft Entra ID Users\" → Enabled: Yes \
→ Save.",
        ));
    }
    let groups = mapping_enabled(obs, MappingOf::Groups);
    if groups.failed() {
        out.push(finding(
            FindingKind::GroupsMappingDisabled,
            Severity::Warning,
            groups,
            "The groups mapping is disabled: no groups are provisioned",
            "If the SaaS should receive groups: Provisioning → Mappings → \"Provision \
Microsoft Entra ID Groups\" → Enabled: Yes → Save. If not, snooze this alert.",
        ));
    }
    let assigned = groups_assigned(obs);
    if assigned.failed() {
        let title = assigned.summary.clone();
        out.push(finding(
            FindingKind::NoGroupsAssigned,
            Severity::Warning,
            assigned,
            &title,
            "Enterprise app → Users and groups → Add user/group → select the groups \
(security-enabled; only direct members are provisioned) → Assign.",
        ));
    }
}

/// `drift`.
pub(crate) fn drift(obs: &Observations, cfg: &Thresholds, out: &mut Vec<Finding>) {
    let Some(d) = &obs.drift else { return };
    let total = d.total();
    let share = if d.assigned == 0 {
        if total > 0 {
            100.0
        } else {
            0.0
        }
    } else {
        pct(total, d.assigned)
    };
    if total < cfg.drift_min_count || share <= cfg.drift_threshold_pct {
        return;
    }
    let mut f = Finding::new(
        FindingKind::Drift,
        Severity::Warning,
        format!("Entra and the SaaS disagree on {total} users ({share:.1} %)"),
        "Missing users: check they are assigned and look them up in the provisioning logs \
(skipped or failed). Orphans: remove them in the SaaS or assign them. Duplicates: merge them \
in the SaaS; check the matching attribute.",
    )
    .with("Assigned in Entra", EvidenceValue::Count(d.assigned))
    .with("Missing in the SaaS", EvidenceValue::Count(d.missing))
    .with("Orphans in the SaaS", EvidenceValue::Count(d.orphans))
    .with("Duplicates in the SaaS", EvidenceValue::Count(d.duplicates));
    if let Some(t) = d.observed_at {
        f = f.with("Compared at", t);
    }
    out.push(f);
}

/// `logs_unavailable`, `tenant_url_mismatch`, `scim_non_compliant`.
pub(crate) fn misc(obs: &Observations, out: &mut Vec<Finding>) {
    if obs.logs_available == Some(false) {
        out.push(Finding::new(
            FindingKind::LogsUnavailable,
            Severity::Info,
            "Provisioning logs are not available in this tenant",
            "Provisioning logs need Entra ID P1 or P2. Without them scimwatch judges health from \
the job status only: failure details, skips and conflicts stay unknown.",
        ));
    } else if let Some(f) = crate::health::streams::logs_denied_finding(&obs.graph_streams) {
        // A refused log read is the logs' own problem, not blindness: the
        // job is still read and judged (issue 17, defect 4).
        out.push(f);
    }
    if let (Some(entra), Some(ours)) = (&obs.entra_tenant_url, &obs.scim_url) {
        let (a, b) = (tenant_url_key(entra), tenant_url_key(ours));
        if !a.is_empty() && !b.is_empty() && a != b {
            out.push(
                Finding::new(
                    FindingKind::TenantUrlMismatch,
                    Severity::Warning,
                    "Entra's Tenant URL differs from the one scimwatch checks",
                    "Compare both with the SaaS's SCIM settings. Fix Entra's Tenant URL under \
Provisioning → Admin Credentials (then Test Connection and Save), or fix the URL of this \
connection in scimwatch.",
                )
                .with("Tenant URL in Entra", EvidenceValue::link(entra.clone()))
                .with("Tenant URL in scimwatch", EvidenceValue::link(ours.clone())),
            );
        }
    }
    if let Some(devs) = &obs.compliance_deviations {
        if !devs.is_empty() {
            let mut f = Finding::new(
                FindingKind::ScimNonCompliant,
                Severity::Warning,
                format!(
                    "The SaaS's SCIM server deviates from the standard in {} ways",
                    devs.len()
                ),
                "Send the report to the SaaS vendor: these deviations can make Entra fail or \
create duplicates.",
            );
            for d in devs.iter().take(10) {
                f = f.with(&d.code, d.message.clone());
            }
            out.push(f);
        }
    }
}
