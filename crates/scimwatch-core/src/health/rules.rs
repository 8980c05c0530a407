//! The individual rules behind [`super::evaluate`].

use chrono::{DateTime, Duration, Utc};

use super::format::{fmt_duration, fmt_progress, fmt_window, minutes, pct};
use super::observations::{
    is_credential_error_code, JobObservation, JobStatusCode, Observations, QuarantineError,
    QuarantineErrorSource, QuarantineObservation, QuarantineReason, Reachability, ScheduleState,
    Verdict,
};
use super::timing::{cycle_timing, job_freshness, CycleTiming};
use super::{EvidenceValue, Finding, FindingKind, Severity, Thresholds};
use crate::validate::tenant_url_key;

mod logs;
mod saas;

pub(crate) use logs::failures;
pub use logs::{escrows_rising, failure_spike_severity};
pub(crate) use saas::{drift, mappings, misc, scim, token};

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
    .with("Unreachable since", since)
    .with("For", EvidenceValue::duration(now - since))
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
    .with("Refused since", since)
    .with("For", EvidenceValue::duration(now - since));
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
pub(crate) fn quarantine_error_evidence(
    error: Option<&QuarantineError>,
) -> Vec<(String, EvidenceValue)> {
    let Some(e) = error else {
        return vec![(
            "Error".into(),
            EvidenceValue::text(
                "not given by Entra (neither the quarantine nor the last execution carries one)",
            ),
        )];
    };
    let from = match e.source {
        QuarantineErrorSource::Quarantine => "",
        QuarantineErrorSource::LastExecution => " (from the last execution)",
    };
    let mut out = Vec::new();
    if let Some(c) = &e.code {
        out.push((format!("Error code{from}"), EvidenceValue::Code(c.clone())));
    }
    if let Some(m) = &e.message {
        out.push((
            format!("Error message{from}"),
            EvidenceValue::Text(m.clone()),
        ));
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
    let with_observed = |f: Finding| match obs.job_observed_at {
        Some(at) => f.with("Job status read at", at),
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
            .with("Job status", EvidenceValue::code(job.status_code.as_str())),
        )),
        JobStatusCode::NotRun => {
            let mut f = Finding::new(
                FindingKind::NeverRun,
                Severity::Warning,
                "Provisioning has never run",
                "Set Provisioning Status to On and Save on the app's Provisioning page; the first \
cycle starts within minutes.",
            )
            .with("Job status", EvidenceValue::code(job.status_code.as_str()))
            .with("Schedule", EvidenceValue::code(job.schedule_state.as_str()));
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
                    .with("Job status", EvidenceValue::code(status.as_str()))
                    .with("Schedule", EvidenceValue::code(job.schedule_state.as_str())),
                ));
            }
        }
    }
}

fn quarantine(job: &JobObservation, cfg: &Thresholds, now: DateTime<Utc>) -> Finding {
    let q = job.quarantine.clone().unwrap_or_default();
    let days_left = quarantine_days_left(&q, cfg.quarantine_disable_days, now);
    let disabled = days_left == Some(0);
    let code = q.reason.as_ref().map(|r| r.as_str().to_string());
    let reason = code.clone().unwrap_or_else(|| "not given".into());
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
    let mut f = Finding::new(FindingKind::Quarantine, Severity::Critical, title, action).with(
        "Reason",
        code.map_or_else(|| EvidenceValue::Text(reason), EvidenceValue::Code),
    );
    for (label, value) in quarantine_error_evidence(error.as_ref()) {
        f = f.with(&label, value);
    }
    if let Some(t) = q.series_began {
        f = f.with("Quarantine series began", t);
    }
    if let Some(t) = q.current_began {
        f = f.with("Current quarantine began", t);
    }
    if let Some(n) = q.series_count {
        f = f.with("Attempts in the series", EvidenceValue::Count(n));
    }
    if let Some(t) = q.next_attempt {
        f = f.with("Next attempt", t);
    }
    match days_left {
        Some(0) => f = f.with("Days left before Entra disables the job", "0 (disabled)"),
        Some(d) => {
            let n = u64::try_from(d).map_or_else(|_| d.to_string().into(), EvidenceValue::Count);
            f = f.with("Days left before Entra disables the job", n);
        }
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
            .with("Last cycle ended", last_end)
            .with("Schedule interval", EvidenceValue::duration(interval))
            .with(
                "Stall threshold",
                format!("{} × interval = {}", cfg.stall_factor, fmt_duration(limit)),
            )
            .with("Time since last cycle", EvidenceValue::duration(since));
            if let Some(n) = next_expected {
                f = f.with("Next cycle was expected at", n);
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
                .with("Initial cycle started", started)
                .with("Running for", EvidenceValue::duration(elapsed));
            if let Some(n) = objects {
                f = f.with("Assigned users + groups + members", EvidenceValue::Count(n));
            }
            f = match estimate {
                Some(window) => f.with(
                    "Microsoft's estimate (0.01–0.08 min per object)",
                    fmt_window(window),
                ),
                None => f.with(
                    "Microsoft's estimate (0.01–0.08 min per object)",
                    "unknown: assignments not read",
                ),
            };
            if let Some(p) = progress {
                f = f.with("Progress", fmt_progress(p));
            }
            f.since = Some(started);
            out.push(f);
        }
        _ => {}
    }
}
