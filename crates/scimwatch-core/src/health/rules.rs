//! The individual rules behind [`super::evaluate`].

use chrono::{DateTime, Duration, Utc};

use super::format::{fmt_duration, fmt_time, minutes, pct};
use super::observations::{
    is_credential_error_code, JobObservation, JobStatusCode, Observations, QuarantineError,
    QuarantineErrorSource, QuarantineObservation, QuarantineReason, Reachability, ScheduleState,
    Verdict,
};
use super::timing::{cycle_timing, job_freshness, CycleTiming};
use super::{Finding, FindingKind, Severity, Thresholds};
use crate::validate::tenant_url_key;

const RESTART_HOW: &str = "In the Entra admin center open the app's Provisioning page and click \
Restart provisioning (Graph: POST …/synchronization/jobs/{jobId}/restart with resetScope \
\"Watermark, Escrows, QuarantineState\").";

/// Days before Entra disables a quarantined job: `limit − whole days since
/// the series began` (never negative). `None` without a start time.
pub fn quarantine_days_left(
    q: &QuarantineObservation,
    limit_days: u32,
    now: DateTime<Utc>,
) -> Option<i64> {
    let start = q.series_began.or(q.current_began)?;
    let since_days = (now - start).num_days().max(0);
    Some((i64::from(limit_days) - since_days).max(0))
}

fn blind_finding(
    kind: FindingKind,
    side: &str,
    since: DateTime<Utc>,
    reason: &str,
    cfg: &Thresholds,
    now: DateTime<Utc>,
) -> Finding {
    let long = now - since > minutes(cfg.blind_critical_after_minutes);
    let severity = if long {
        Severity::Critical
    } else {
        Severity::Warning
    };
    let action = if kind == FindingKind::GraphBlind {
        "scimwatch itself cannot read the provisioning status: this says nothing about \
provisioning. Check this computer's network and proxy, sign in again if the sign-in expired, \
and make sure the account still has Synchronization.Read.All and Application.Read.All."
    } else {
        "scimwatch itself cannot reach the SaaS's SCIM endpoint from this computer: this is not \
necessarily what Entra sees. Check this computer's network, proxy and firewall; if Entra's \
Test Connection also fails, contact the SaaS vendor."
    };
    let mut f = Finding::new(
        kind,
        severity,
        format!("scimwatch cannot reach {side} (monitor blind)"),
        action,
    )
    .with("Unreachable since", fmt_time(since))
    .with("For", fmt_duration(now - since))
    .with("Reason", reason);
    f.since = Some(since);
    f
}

/// Graph refuses some reads for lack of a permission or directory role
/// (`graph_denied`): one `graph_blind` finding that says so and names what
/// is needed, never "cannot reach" or "the token was refused".
fn denied_finding(obs: &Observations, cfg: &Thresholds, now: DateTime<Utc>) -> Finding {
    let what: Vec<&str> = obs.graph_denied.iter().map(|d| d.what.as_str()).collect();
    let since = obs
        .graph_denied
        .iter()
        .map(|d| d.since)
        .min()
        .unwrap_or(now);
    let long = now - since > minutes(cfg.blind_critical_after_minutes);
    let job = obs.graph_denied.iter().any(|d| d.job);
    let mut f = Finding::new(
        FindingKind::GraphBlind,
        if long || job {
            Severity::Critical
        } else {
            Severity::Warning
        },
        format!(
            "scimwatch is not allowed to read {} (missing permission or directory role)",
            what.join(", ")
        ),
        "Microsoft Graph refuses these reads to scimwatch's sign-in: this says nothing about provisioning itself. Grant the app registration the application permissions Synchronization.Read.All and Application.Read.All (admin consent), or, for a signed-in admin, a directory role that may read provisioning (Application Administrator, Cloud Application Administrator); then sign in again. Reads that are allowed keep being watched.",
    )
    .with("Refused since", fmt_time(since))
    .with("For", fmt_duration(now - since));
    for d in &obs.graph_denied {
        f = f.with(&format!("Refused: {}", d.what), d.reason.clone());
    }
    f.since = Some(since);
    f
}

/// `graph_blind` / `scim_blind`.
pub(super) fn blindness(
    obs: &Observations,
    cfg: &Thresholds,
    now: DateTime<Utc>,
    out: &mut Vec<Finding>,
) {
    match &obs.graph_reachability {
        Reachability::Blind { since, reason } => {
            let f = blind_finding(
                FindingKind::GraphBlind,
                "Microsoft Graph",
                *since,
                reason,
                cfg,
                now,
            );
            // Only the job stream makes the connection blind: say what it
            // answered when it answered something specific.
            let job = obs.graph_streams.iter().find(|h| h.blinds_connection());
            out.push(match job {
                Some(h) => super::streams::job_stream_finding(f, h),
                None => f,
            })
        }
        _ if !obs.graph_denied.is_empty() => out.push(denied_finding(obs, cfg, now)),
        _ => {
            // Graph answers but the job reading itself is stale: still blind.
            if let (Some(_), Some(at)) = (&obs.job, obs.job_observed_at) {
                if job_freshness(obs, cfg, now).is_err() {
                    out.push(blind_finding(
                        FindingKind::GraphBlind,
                        "Microsoft Graph",
                        at,
                        "the provisioning job status has not been read recently",
                        cfg,
                        now,
                    ));
                }
            }
        }
    }
    if let Reachability::Blind { since, reason } = &obs.scim_reachability {
        out.push(blind_finding(
            FindingKind::ScimBlind,
            "the SCIM endpoint",
            *since,
            reason,
            cfg,
            now,
        ));
    }
}

/// The evidence lines of a quarantine's error (code and message, saying
/// when they come from the last execution), shared by the rule and the
/// checklist step.
pub(crate) fn quarantine_error_evidence(error: Option<&QuarantineError>) -> Vec<(String, String)> {
    let Some(e) = error else {
        return vec![(
            "Error".into(),
            "not given by Entra (neither the quarantine nor the last execution carries one)".into(),
        )];
    };
    let from = match e.source {
        QuarantineErrorSource::Quarantine => "",
        QuarantineErrorSource::LastExecution => " (from the last execution)",
    };
    let mut out = Vec::new();
    if let Some(c) = &e.code {
        out.push((format!("Error code{from}"), c.clone()));
    }
    if let Some(m) = &e.message {
        out.push((format!("Error message{from}"), m.clone()));
    }
    out
}

fn quarantine_advice(q: &QuarantineObservation, error: Option<&QuarantineError>) -> String {
    let code = error.and_then(|e| e.code.as_deref()).unwrap_or_default();
    let credential = is_credential_error_code(code);
    let first = match &q.reason {
        Some(QuarantineReason::EncounteredQuarantineException) if credential => {
            "The SaaS refused Entra's credentials: the SCIM token has expired or was revoked, or \
the Tenant URL is wrong. Get a new token from the SaaS, paste it into Provisioning → Admin \
Credentials → Secret Token, check the Tenant URL, click Test Connection, Save."
        }
        Some(QuarantineReason::EncounteredQuarantineException) => {
            "Entra hit an error it cannot work around. Read the error message below and the \
provisioning logs, fix the cause (often the SCIM endpoint failing), then restart."
        }
        Some(QuarantineReason::TooManyDeletes) => {
            "Entra stopped because the cycle would delete or disable more accounts than the \
accidental-deletion threshold allows. Review the pending deletes in the provisioning logs \
(action delete/disable). If they are wrong, fix the scope or assignments first; if they are \
intended, allow them, then restart with resetScope."
        }
        Some(
            QuarantineReason::EncounteredBaseEscrowThreshold
            | QuarantineReason::EncounteredTotalEscrowThreshold
            | QuarantineReason::EncounteredEscrowProportionThreshold,
        ) => {
            "Too many entries failed to provision (escrows). Open the provisioning logs filtered \
on status Failure, fix the most frequent error, then restart (restart clears the escrows)."
        }
        Some(QuarantineReason::QuarantinedOnDemand) => {
            "Someone quarantined the job on purpose. Restart it when the reason is resolved."
        }
        _ => "Read the error message and the provisioning logs, fix the cause, then restart.",
    };
    format!("{first} {RESTART_HOW}")
}

/// `quarantine`, `provisioning_off`, `not_configured`, `never_run`.
pub(super) fn job_state(
    obs: &Observations,
    cfg: &Thresholds,
    now: DateTime<Utc>,
    out: &mut Vec<Finding>,
) {
    let Some(job) = &obs.job else { return };
    let observed = obs.job_observed_at.map(fmt_time);
    let with_observed = |f: Finding| match &observed {
        Some(at) => f.with("Job status read at", at.clone()),
        None => f,
    };
    match &job.status_code {
        JobStatusCode::Quarantine => out.push(with_observed(quarantine(job, cfg, now))),
        JobStatusCode::NotConfigured => out.push(with_observed(
            Finding::new(
                FindingKind::NotConfigured,
                Severity::Warning,
                "Provisioning is not configured",
                "Open the app's Provisioning page, set Provisioning Mode to Automatic, enter the \
Tenant URL and Secret Token, click Test Connection, Save, then set Provisioning Status to On.",
            )
            .with("Job status", job.status_code.as_str()),
        )),
        JobStatusCode::NotRun => {
            let mut f = Finding::new(
                FindingKind::NeverRun,
                Severity::Warning,
                "Provisioning has never run",
                "Set Provisioning Status to On and Save on the app's Provisioning page; the first \
cycle starts within minutes.",
            )
            .with("Job status", job.status_code.as_str())
            .with("Schedule", job.schedule_state.as_str());
            if job.schedule_state == ScheduleState::Active {
                f.severity = Severity::Info;
                f.title = "Provisioning is on but has not run yet".into();
                f.action = "Wait for the first cycle; if it has not started within an hour, \
restart provisioning."
                    .into();
            }
            out.push(with_observed(f));
        }
        status => {
            let off = *status == JobStatusCode::Paused
                || matches!(
                    job.schedule_state,
                    ScheduleState::Disabled | ScheduleState::Paused
                );
            if off {
                out.push(with_observed(
                    Finding::new(
                        FindingKind::ProvisioningOff,
                        Severity::Critical,
                        "Provisioning Status is Off: nothing is being synced",
                        "On the app's Provisioning page set Provisioning Status to On and click \
Save. If it was turned off on purpose, snooze this alert.",
                    )
                    .with("Job status", status.as_str())
                    .with("Schedule", job.schedule_state.as_str()),
                ));
            }
        }
    }
}

fn quarantine(job: &JobObservation, cfg: &Thresholds, now: DateTime<Utc>) -> Finding {
    let q = job.quarantine.clone().unwrap_or_default();
    let days_left = quarantine_days_left(&q, cfg.quarantine_disable_days, now);
    let disabled = days_left == Some(0);
    let reason = q
        .reason
        .as_ref()
        .map(|r| r.as_str().to_string())
        .unwrap_or_else(|| "not given".into());
    let title = if disabled {
        format!(
            "Quarantined for {} days or more: Entra has disabled the provisioning job",
            cfg.quarantine_disable_days
        )
    } else {
        format!("Provisioning is in quarantine ({reason})")
    };
    let error = job.quarantine_error();
    let mut action = quarantine_advice(&q, error.as_ref());
    if disabled {
        action = format!(
            "{action} The job was disabled after {} days: after fixing the cause, set \
Provisioning Status to On again.",
            cfg.quarantine_disable_days
        );
    }
    let mut f = Finding::new(FindingKind::Quarantine, Severity::Critical, title, action)
        .with("Reason", reason);
    for (label, value) in quarantine_error_evidence(error.as_ref()) {
        f = f.with(&label, value);
    }
    if let Some(t) = q.series_began {
        f = f.with("Quarantine series began", fmt_time(t));
    }
    if let Some(t) = q.current_began {
        f = f.with("Current quarantine began", fmt_time(t));
    }
    if let Some(n) = q.series_count {
        f = f.with("Attempts in the series", n.to_string());
    }
    if let Some(t) = q.next_attempt {
        f = f.with("Next attempt", fmt_time(t));
    }
    match days_left {
        Some(0) => f = f.with("Days left before Entra disables the job", "0 (disabled)"),
        Some(d) => f = f.with("Days left before Entra disables the job", d.to_string()),
        None => {
            f = f.with(
                "Days left before Entra disables the job",
                "unknown (no start time)",
            )
        }
    }
    f.days_left = days_left;
    f.since = q.series_began.or(q.current_began);
    f
}

/// `stalled` and `initial_cycle_running`.
pub(super) fn stall(
    obs: &Observations,
    cfg: &Thresholds,
    now: DateTime<Utc>,
    out: &mut Vec<Finding>,
) {
    match cycle_timing(obs, cfg, now) {
        CycleTiming::Steady {
            last_end,
            interval,
            limit,
            since,
            next_expected,
            stalled: true,
        } => {
            let mut f = Finding::new(
                FindingKind::Stalled,
                Severity::Critical,
                format!(
                    "Provisioning has stalled: no cycle completed in {}",
                    fmt_duration(since)
                ),
                "Open the app's Provisioning page and the provisioning logs: look for a cycle \
stuck in progress or repeated errors. If nothing explains it, restart provisioning. \
Check Entra's service health for provisioning incidents.",
            )
            .with("Last cycle ended", fmt_time(last_end))
            .with("Schedule interval", fmt_duration(interval))
            .with(
                "Stall threshold",
                format!("{} × interval = {}", cfg.stall_factor, fmt_duration(limit)),
            )
            .with("Time since last cycle", fmt_duration(since));
            if let Some(n) = next_expected {
                f = f.with("Next cycle was expected at", fmt_time(n));
            }
            f.since = Some(last_end);
            out.push(f);
        }
        CycleTiming::Initial {
            started,
            elapsed,
            estimate,
            objects,
            progress,
            overdue,
        } => {
            let mut f = if overdue {
                Finding::new(
                    FindingKind::Stalled,
                    Severity::Critical,
                    format!(
                        "The initial cycle has run {} — longer than Microsoft's estimate",
                        fmt_duration(elapsed)
                    ),
                    "Check the provisioning logs for progress and errors and the job's progress \
bar on the Provisioning page. If nothing moves, restart provisioning.",
                )
            } else {
                Finding::new(
                    FindingKind::InitialCycleRunning,
                    Severity::Info,
                    "The initial provisioning cycle is still running",
                    "Nothing to do: the first cycle processes every assigned object and takes \
longer than later cycles.",
                )
            };
            f = f
                .with("Initial cycle started", fmt_time(started))
                .with("Running for", fmt_duration(elapsed));
            if let Some(n) = objects {
                f = f.with("Assigned users + groups + members", n.to_string());
            }
            f = match estimate {
                Some((lo, hi)) => f.with(
                    "Microsoft's estimate (0.01–0.08 min per object)",
                    format!("{} to {}", fmt_duration(lo), fmt_duration(hi)),
                ),
                None => f.with(
                    "Microsoft's estimate (0.01–0.08 min per object)",
                    "unknown: assignments not read",
                ),
            };
            if let Some((done, total)) = progress {
                f = f.with(
                    "Progress",
                    format!("{done} of {total} units ({:.0} %)", pct(done, total)),
                );
            }
            f.since = Some(started);
            out.push(f);
        }
        _ => {}
    }
}

/// Whether `failures` of a cycle's `total` log entries are a failure spike,
/// and how severe: a ratio *and* a count. A spike when at least
/// `failure_min_count` failed and the rate reaches `failure_rate_pct`, or
/// when `failure_count` failed whatever the rate; critical when the rate
/// reaches `failure_rate_critical_pct` with at least
/// `failure_critical_min_count` failures, or at `failure_count_critical`.
/// 3 of 3 failed is a critical spike; 1 of 1000 is none. Without a total
/// (`0`) only the count can make a spike.
pub fn failure_spike_severity(failures: u64, total: u64, cfg: &Thresholds) -> Option<Severity> {
    if failures == 0 {
        return None;
    }
    // More failures than entries cannot be: the rate is capped at 100 %.
    let rate = pct(failures.min(total), total);
    let by_rate =
        total > 0 && failures >= cfg.failure_min_count.max(1) && rate >= cfg.failure_rate_pct;
    let by_count = failures >= cfg.failure_count;
    if !(by_rate || by_count) {
        return None;
    }
    let critical = (rate >= cfg.failure_rate_critical_pct
        && failures >= cfg.failure_critical_min_count)
        || failures >= cfg.failure_count_critical;
    Some(if critical {
        Severity::Critical
    } else {
        Severity::Warning
    })
}

/// `failure_spike` and `escrows_rising`.
pub(super) fn failures(obs: &Observations, cfg: &Thresholds, out: &mut Vec<Finding>) {
    if let Some(c) = &obs.last_cycle {
        let rate = pct(c.failures, c.total);
        if let Some(severity) = failure_spike_severity(c.failures, c.total, cfg) {
            let mut f = Finding::new(
                FindingKind::FailureSpike,
                severity,
                format!(
                    "{} of {} changes failed in the last cycle ({rate:.1} %)",
                    c.failures, c.total
                ),
                "Open the provisioning logs filtered on status Failure and fix the most frequent \
error first. Entra quarantines the job when failures pass 40 % of the cycle.",
            )
            .with("Failures", c.failures.to_string())
            .with("Entries in the cycle", c.total.to_string())
            .with("Failure rate", format!("{rate:.1} %"));
            if let Some(id) = &c.cycle_id {
                f = f.with("Cycle", id.clone());
            }
            if let Some(t) = c.ended {
                f = f.with("Cycle ended", fmt_time(t));
            }
            for e in c.top_errors.iter().take(5) {
                f = f.with(&format!("Error {}", e.code), e.count.to_string());
            }
            out.push(f);
        }
    }
    if let Some(job) = &obs.job {
        let h = &job.escrow_history;
        if let Some((first, last)) = escrows_rising(h, cfg.escrow_min) {
            out.push(
                Finding::new(
                    FindingKind::EscrowsRising,
                    Severity::Warning,
                    format!("Escrowed entries are rising ({first} → {last})"),
                    "Entries Entra could not provision are piling up (it retries them). Check \
the provisioning logs for the failing entries; too many escrows quarantine the job.",
                )
                .with(
                    "Escrow counts, oldest first",
                    h.iter().map(u64::to_string).collect::<Vec<_>>().join(", "),
                ),
            );
        }
    }
}

/// `(first, last)` when escrow counts (oldest first) never fall over at least
/// two samples, end higher than they started, and reach `min`.
pub fn escrows_rising(history: &[u64], min: u64) -> Option<(u64, u64)> {
    let (first, last) = (*history.first()?, *history.last()?);
    (history.len() >= 2 && history.windows(2).all(|w| w[1] >= w[0]) && last > first && last >= min)
        .then_some((first, last))
}

/// `scim_down` and `scim_test_failed` (suppressed while the SCIM side is blind).
pub(super) fn scim(obs: &Observations, _now: DateTime<Utc>, out: &mut Vec<Finding>) {
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
        .with("Result", c.verdict.as_str())
        .with("Checked at", fmt_time(c.checked_at));
    if let Some(s) = c.http_status {
        f = f.with("HTTP status", s.to_string());
    }
    if let Some(u) = &obs.scim_url {
        f = f.with("Tenant URL checked", u.clone());
    }
    if let Some(m) = &c.message {
        f = f.with("Message", m.clone());
    }
    f.since = Some(c.checked_at);
    out.push(f);
}

/// `token_expiring` / `token_expired`.
pub(super) fn token(
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
        .with("Expired at", fmt_time(exp))
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
        .find(|d| left <= super::format::days(*d))
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
    .with("Expires at", fmt_time(exp))
    .with("Time left", fmt_duration(left))
    .with("Warning threshold", format!("{t} days"));
    f.days_left = Some(left.num_days());
    f.threshold_days = Some(t);
    out.push(f);
}

/// `users_mapping_disabled`, `groups_mapping_disabled`, `no_groups_assigned`:
/// the failing judgements of the checklist's `users_mapping`,
/// `groups_mapping` and `groups_assigned` steps ([`super::checks`]), one
/// definition for both.
pub(super) fn mappings(obs: &Observations, out: &mut Vec<Finding>) {
    use super::checks::{groups_assigned, mapping_enabled, Judgement, MappingOf};
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
pub(super) fn drift(obs: &Observations, cfg: &Thresholds, out: &mut Vec<Finding>) {
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
    .with("Assigned in Entra", d.assigned.to_string())
    .with("Missing in the SaaS", d.missing.to_string())
    .with("Orphans in the SaaS", d.orphans.to_string())
    .with("Duplicates in the SaaS", d.duplicates.to_string());
    if let Some(t) = d.observed_at {
        f = f.with("Compared at", fmt_time(t));
    }
    out.push(f);
}

/// `logs_unavailable`, `tenant_url_mismatch`, `scim_non_compliant`.
pub(super) fn misc(obs: &Observations, out: &mut Vec<Finding>) {
    if obs.logs_available == Some(false) {
        out.push(Finding::new(
            FindingKind::LogsUnavailable,
            Severity::Info,
            "Provisioning logs are not available in this tenant",
            "Provisioning logs need Entra ID P1 or P2. Without them scimwatch judges health from \
the job status only: failure details, skips and conflicts stay unknown.",
        ));
    } else if let Some(f) = super::streams::logs_denied_finding(&obs.graph_streams) {
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
                .with("Tenant URL in Entra", entra.clone())
                .with("Tenant URL in scimwatch", ours.clone()),
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
