//! The table of checklist steps and their checks.

use chrono::{DateTime, Utc};

use super::{CheckOutcome, Context, PortalPage, Step, StepSide};
use crate::health::checks::{self, MappingOf};
use crate::health::format::{fmt_duration, fmt_hhmm, fmt_offset, fmt_time, pct};
use crate::health::{
    contradictions, cycle_timing, escrows_rising, failure_spike_severity, is_credential_error_code,
    job_freshness, quarantine_days_left, ContradictionKind, CycleTiming, JobObservation,
    JobStatusCode, Observations, Reachability, ScheduleState, Verdict,
};
use crate::validate::same_tenant_url;

/// The checklist, in order: the SaaS's own list, then the extras.
pub static STEPS: &[Step] = &[
    Step {
        id: "tenant_url",
        title: "Test Connection: the Tenant URL is exactly right",
        explains: "Entra sends every request to the Tenant URL. One wrong character, a missing \
/scim/v2 path or a URL that lands on a login page makes Test Connection and every cycle fail.",
        fix_steps: &[
            "In the SaaS's admin settings, open its SCIM / provisioning page and copy the SCIM base URL (Tenant URL).",
            "In the Entra admin center open {app} → Provisioning → Admin Credentials.",
            "Paste it into Tenant URL: no spaces, no trailing slash, the exact path the SaaS gives (often ending in /scim or /scim/v2).",
            "Click Test Connection, then Save.",
        ],
        link: Some(PortalPage::Provisioning),
        manual_confirmation: Some("I clicked Test Connection in Entra and it succeeded."),
        side: StepSide::Both,
        check: check_tenant_url,
    },
    Step {
        id: "token_valid",
        title: "Test Connection: the secret token is valid and not expired",
        explains: "The SaaS accepts Entra's requests only with a valid token. SaaS tokens \
often expire (Entra stores no expiry) or are revoked when the admin who created them leaves.",
        fix_steps: &[
            "In the SaaS's admin settings create a new SCIM token (note its expiry date).",
            "In the Entra admin center open {app} → Provisioning → Admin Credentials.",
            "Paste the token into Secret Token (without a \"Bearer \" prefix), click Test Connection, then Save.",
            "In scimwatch, update the connection's token and its expiry date.",
        ],
        link: Some(PortalPage::Provisioning),
        manual_confirmation: Some("I clicked Test Connection in Entra and it succeeded."),
        side: StepSide::Both,
        check: check_token,
    },
    Step {
        id: "users_mapping",
        title: "The users mapping is enabled",
        explains: "With \"Provision Microsoft Entra ID Users\" disabled, Entra skips every \
user, whatever is assigned.",
        fix_steps: &[
            "Open {app} → Provisioning → Mappings.",
            "Open \"Provision Microsoft Entra ID Users\" (older tenants: \"Azure Active Directory Users\").",
            "Set Enabled to Yes and click Save.",
        ],
        link: Some(PortalPage::AttributeMappings),
        manual_confirmation: Some("The users mapping shows Enabled: Yes."),
        side: StepSide::Entra,
        check: check_users_mapping,
    },
    Step {
        id: "provisioning_on",
        title: "Provisioning Status is On",
        explains: "Nothing syncs while Provisioning Status is Off: the job is paused and no \
cycles run.",
        fix_steps: &[
            "Open {app} → Provisioning.",
            "Set Provisioning Status to On and click Save.",
            "The first cycle starts within minutes; later cycles run about every 40 minutes.",
        ],
        link: Some(PortalPage::Provisioning),
        manual_confirmation: Some("Provisioning Status shows On."),
        side: StepSide::Entra,
        check: check_provisioning_on,
    },
    Step {
        id: "groups_mapping",
        title: "The groups mapping is enabled",
        explains: "With \"Provision Microsoft Entra ID Groups\" disabled, no groups or group \
memberships reach the SaaS (users of assigned groups still do).",
        fix_steps: &[
            "Open {app} → Provisioning → Mappings.",
            "Open \"Provision Microsoft Entra ID Groups\" (older tenants: \"Azure Active Directory Groups\").",
            "Set Enabled to Yes and click Save.",
        ],
        link: Some(PortalPage::AttributeMappings),
        manual_confirmation: Some("The groups mapping shows Enabled: Yes, or the SaaS needs no groups."),
        side: StepSide::Entra,
        check: check_groups_mapping,
    },
    Step {
        id: "groups_assigned",
        title: "Groups are assigned to the app",
        explains: "With scope \"Sync only assigned users and groups\", only groups assigned to \
the app (security-enabled, direct members only, no nesting) are provisioned.",
        fix_steps: &[
            "Open {app} → Users and groups.",
            "Click Add user/group, select the groups, click Assign.",
            "Nested groups are not expanded: assign the groups whose direct members need access.",
        ],
        link: Some(PortalPage::UsersAndGroups),
        manual_confirmation: Some("The groups that should reach the SaaS are assigned, or users are assigned directly on purpose."),
        side: StepSide::Entra,
        check: check_groups_assigned,
    },
    Step {
        id: "changes_take_time",
        title: "Changes take time: cycles run on a schedule",
        explains: "Entra provisions in cycles about every 40 minutes; the first cycle takes \
0.01–0.08 minutes per assigned user, group and member. A change made now appears after the \
next cycle.",
        fix_steps: &[
            "Wait for the next cycle (see the expected time below).",
            "For one user, use Provision on demand on {app} → Provisioning to apply a change now.",
            "If no cycle completes for several intervals, open the provisioning logs and restart provisioning.",
        ],
        link: Some(PortalPage::Provisioning),
        manual_confirmation: None,
        side: StepSide::Entra,
        check: check_changes_take_time,
    },
    Step {
        id: "quarantine",
        title: "The job is not in quarantine",
        explains: "After repeated failures Entra quarantines the job: it retries less and less \
often and disables the job after 28 days. Microsoft sends one email at most.",
        fix_steps: &[
            "Open {app} → Provisioning and read the quarantine reason and error.",
            "Fix the cause (token, Tenant URL, failing entries or too many deletes).",
            "Click Restart provisioning (it clears the quarantine, escrows and watermark).",
        ],
        link: Some(PortalPage::Provisioning),
        manual_confirmation: None,
        side: StepSide::Entra,
        check: check_quarantine,
    },
    Step {
        id: "last_cycle_errors",
        title: "The last cycle had few failures",
        explains: "Failed entries are retried each cycle; many of them quarantine the job. The \
most frequent error code usually has one cause.",
        fix_steps: &[
            "Open the provisioning logs of {app} and filter Status = Failure.",
            "Open the most frequent error and follow its Troubleshooting and Recommendations tab.",
            "Fix it in the attribute mappings or in the SaaS, then wait for the next cycle or use Provision on demand.",
        ],
        link: Some(PortalPage::ProvisioningLogs),
        manual_confirmation: Some("I reviewed the failures in the provisioning logs and they are expected."),
        side: StepSide::Entra,
        check: check_last_cycle_errors,
    },
    Step {
        id: "skipped_users",
        title: "Skipped users are expected",
        explains: "Entra skips users that are not assigned or out of scope \
(NotEffectivelyEntitled), filtered out by scoping rules, or missing the matching attribute.",
        fix_steps: &[
            "Open the provisioning logs of {app} and filter Status = Skipped.",
            "NotEffectivelyEntitled: assign the user (or a group they are a direct member of) under Users and groups.",
            "Out of scope: check the scoping filters in Provisioning → Mappings → Users → Source Object Scope.",
            "Missing matching attribute: fill in the source attribute used for matching (often userPrincipalName or mail).",
        ],
        link: Some(PortalPage::ProvisioningLogs),
        manual_confirmation: Some("The skipped users are meant to stay out of the SaaS."),
        side: StepSide::Entra,
        check: check_skipped_users,
    },
    Step {
        id: "conflicts_duplicates",
        title: "No conflicts or duplicates",
        explains: "When two accounts match the same user (EntryConflict, DuplicateTargetEntries, \
DuplicateSourceEntries, an app-prefixed code such as BoxEntryConflict, or the SaaS answering \
409 \"uniqueness\"), Entra cannot decide and stops updating them.",
        fix_steps: &[
            "Open the provisioning logs of {app} and filter on the error codes EntryConflict and Duplicate*.",
            "In the SaaS, merge or delete the duplicate accounts.",
            "Check the matching attribute in Provisioning → Mappings → Users: it must be unique on both sides.",
        ],
        link: Some(PortalPage::ProvisioningLogs),
        manual_confirmation: Some("I resolved the conflicting accounts in the SaaS."),
        side: StepSide::Entra,
        check: check_conflicts,
    },
    Step {
        id: "scim_compliance",
        title: "The SaaS's SCIM server follows the standard",
        explains: "Entra expects RFC 7643/7644 behaviour (an empty ListResponse for a filter \
with no match, JSON errors, boolean `active`). Deviations cause failures or duplicates that \
only the vendor can fix.",
        fix_steps: &[
            "Attach this report to a ticket with the SaaS vendor, quoting the deviations below.",
            "Until it is fixed, check the affected users in the provisioning logs of {app}.",
        ],
        link: Some(PortalPage::ProvisioningLogs),
        manual_confirmation: Some("The vendor confirmed the SCIM server is compliant."),
        side: StepSide::Scim,
        check: check_scim_compliance,
    },
    Step {
        id: "entra_updates",
        title: "The SaaS handles Entra's updates",
        explains: "Entra does not only read: it creates users, changes their mail and userName, \
disables them (as `false`, and without the aadOptscim062020 flag as the string \"False\"), renames \
groups and adds and removes members. A SaaS that refuses one of these (501, 400) or accepts it and \
changes nothing fails only days later, as escrowed objects, quarantine or duplicates. Only \
replaying Entra's own requests shows it: \"Test with Entra's requests\" on Inventory → \
Compliance creates a throwaway scimwatch-probe-… user and group in the SaaS, reads every change \
back and always deletes them. Run it before switching provisioning on (against a sandbox of the \
SaaS, or production with consent) and after the vendor changes its SCIM server.",
        fix_steps: &[
            "In scimwatch open Inventory → Compliance and click \"Test with Entra's requests\" (writes): confirm the requests and the host.",
            "Send the exported report (Markdown or JSON) to the SaaS vendor, quoting each failing operation and what Entra does with it.",
            "Until it is fixed, watch the affected objects in the provisioning logs of {app}.",
        ],
        link: Some(PortalPage::ProvisioningLogs),
        manual_confirmation: Some(
            "Entra's provisioning already creates, updates, disables and deletes users and groups in this SaaS without errors.",
        ),
        side: StepSide::Scim,
        check: super::entra_updates::check_entra_updates,
    },
];

fn scim_blind(obs: &Observations) -> Option<String> {
    match &obs.scim_reachability {
        Reachability::Blind { since, reason } => Some(format!(
            "scimwatch itself cannot reach the SCIM endpoint from this computer since {} \
({reason}); Entra may still reach it",
            fmt_time(*since)
        )),
        _ => None,
    }
}

fn job_or_why<'a>(
    obs: &'a Observations,
    ctx: &Context,
    now: DateTime<Utc>,
) -> Result<&'a JobObservation, String> {
    if obs.graph_denied.iter().any(|d| d.job) {
        // What was read before the permission went is not live evidence.
        job_freshness(obs, &ctx.thresholds, now)?;
    }
    // A reading older than the staleness window is memory, not evidence.
    if let (Some(_), Some(at)) = (&obs.job, obs.job_observed_at) {
        let window = chrono::Duration::minutes(i64::from(ctx.thresholds.job_stale_after_minutes));
        if now - at > window {
            let why = match &obs.graph_reachability {
                Reachability::Blind { reason, .. } => format!(" ({reason})"),
                _ => String::new(),
            };
            return Err(format!(
                "the job status was last read {} ago, longer than the {} min staleness window{why}",
                fmt_duration(now - at),
                ctx.thresholds.job_stale_after_minutes
            ));
        }
    }
    match &obs.job {
        Some(job) => Ok(job),
        None => Err(job_freshness(obs, &ctx.thresholds, now)
            .err()
            .filter(|_| matches!(obs.graph_reachability, Reachability::Blind { .. }))
            .unwrap_or_else(|| {
                "scimwatch has not read the provisioning job from Microsoft Graph (sign in, \
and check the Synchronization.Read.All permission)"
                    .into()
            })),
    }
}

fn with_urls(mut o: CheckOutcome, obs: &Observations) -> CheckOutcome {
    if let Some(u) = &obs.scim_url {
        o = o.with("Tenant URL checked by scimwatch", u.clone());
    }
    if let Some(u) = &obs.entra_tenant_url {
        o = o.with("Tenant URL in Entra", u.clone());
    }
    o
}

fn with_scim_result(mut o: CheckOutcome, obs: &Observations) -> CheckOutcome {
    if let Some(c) = &obs.scim_check {
        o = o
            .with("Test Connection replay", c.verdict.as_str())
            .with("Checked at", fmt_time(c.checked_at));
        if let Some(s) = c.http_status {
            o = o.with("HTTP status", s.to_string());
        }
        if let Some(m) = &c.message {
            o = o.with("Message", m.clone());
        }
        o = o.at(Some(c.checked_at));
    }
    o
}

fn check_tenant_url(obs: &Observations, _ctx: &Context, _now: DateTime<Utc>) -> CheckOutcome {
    if let (Some(e), Some(s)) = (&obs.entra_tenant_url, &obs.scim_url) {
        if !same_tenant_url(e, s) {
            let o = CheckOutcome::fail("Entra's Tenant URL differs from the one scimwatch checks");
            return with_scim_result(with_urls(o, obs), obs);
        }
    }
    if let Some(why) = scim_blind(obs) {
        return with_urls(CheckOutcome::unknown(why), obs);
    }
    let Some(c) = &obs.scim_check else {
        if let Some(o) = entra_reached_the_saas(obs) {
            return with_urls(o, obs);
        }
        return with_urls(
            CheckOutcome::unknown(
                "scimwatch has not replayed Test Connection yet (add the Tenant URL and token to \
the connection)",
            ),
            obs,
        );
    };
    let o = match &c.verdict {
        _ if c.ok => CheckOutcome::pass("The Tenant URL answers as a SCIM endpoint"),
        Verdict::Ok => CheckOutcome::pass("The Tenant URL answers as a SCIM endpoint"),
        Verdict::NotFound => {
            CheckOutcome::fail("The Tenant URL returns 404: the path is wrong")
        }
        // The collection answers without a filter: the URL is right; the
        // server's 404 for an empty filter is a SCIM deviation (see the SCIM
        // compliance step), not a URL to fix.
        Verdict::FilterNotFound => CheckOutcome::pass(
            "The Tenant URL is right; the SaaS answers 404 to a filter that matches nobody (see \
SCIM compliance)",
        ),
        Verdict::FilterRefused => CheckOutcome::pass(
            "The Tenant URL is right; the SaaS refuses the filter Entra looks users up with (see \
SCIM compliance)",
        ),
        Verdict::Html => CheckOutcome::fail(
            "The Tenant URL returns an HTML page (a login page or website), not SCIM",
        ),
        Verdict::NotScim => {
            CheckOutcome::fail("The Tenant URL answers, but not with a SCIM response")
        }
        Verdict::Unreachable => CheckOutcome::fail(
            "The Tenant URL's host cannot be reached (wrong host name, or the SaaS is down)",
        ),
        Verdict::Timeout => CheckOutcome::fail("The Tenant URL does not answer in time"),
        Verdict::ServerError => {
            CheckOutcome::fail("The Tenant URL answers with a server error (5xx)")
        }
        Verdict::Unauthorized | Verdict::Forbidden => CheckOutcome::unknown(
            "the server refused the token before the URL could be confirmed; fix the token, \
then re-check",
        ),
        Verdict::NonEmptyResult => CheckOutcome::fail(
            "The Tenant URL answers, but returns users for a filter that matches nobody: it ignores \
filters",
        ),
        Verdict::OtherStatus => CheckOutcome::unknown(
            "the endpoint answered with an HTTP status Test Connection does not expect (see the \
message)",
        ),
    };
    with_scim_result(with_urls(o, obs), obs)
}

/// Entra-only evidence that the Tenant URL and token work: Entra's last
/// cycle, not quarantined, exported changes to the SaaS with them.
fn entra_reached_the_saas(obs: &Observations) -> Option<CheckOutcome> {
    let job = obs.job.as_ref()?;
    if job.status_code == JobStatusCode::Quarantine {
        return None;
    }
    let e = job.last_execution.as_ref()?;
    let exported = e.count_exported.filter(|n| *n > 0)?;
    let ended = e.ended?;
    (e.state == Some(crate::health::ExecutionState::Succeeded)).then(|| {
        CheckOutcome::pass(format!(
            "Entra's last cycle reached the SaaS with the Tenant URL and token it holds ({exported} \
changes exported)"
        ))
        .with("Entra's last cycle ended", fmt_time(ended))
        .with(
            "Note",
            "scimwatch has no Tenant URL and token of its own for this connection to test",
        )
        .at(Some(ended))
    })
}

fn credential_quarantine(obs: &Observations) -> Option<String> {
    let job = obs.job.as_ref()?;
    if job.status_code != JobStatusCode::Quarantine {
        return None;
    }
    let code = job.quarantine_error()?.code?;
    is_credential_error_code(&code).then_some(code)
}

fn check_token(obs: &Observations, _ctx: &Context, now: DateTime<Utc>) -> CheckOutcome {
    let expiry = |o: CheckOutcome| match obs.token_expires_at {
        Some(t) => o.with("Token expires at", fmt_time(t)),
        None => o.with(
            "Token expires at",
            "unknown (add the expiry date to the connection to be warned in time)",
        ),
    };
    let note = |o: CheckOutcome| {
        o.with(
            "Note",
            "scimwatch tests the token it was given; Entra's stored copy cannot be read back",
        )
    };
    if let Some(t) = obs.token_expires_at.filter(|t| *t <= now) {
        return note(
            CheckOutcome::fail(format!("The token expired {} ago", fmt_duration(now - t)))
                .with("Token expires at", fmt_time(t)),
        );
    }
    // The two ends disagree about the token: say so, and what it implies.
    if let Some(c) = contradictions(obs).into_iter().find(|c| {
        matches!(
            c.kind,
            ContradictionKind::EntraRefusedTokenScimwatchAccepted
                | ContradictionKind::ScimwatchRefusedEntraSucceeds
        )
    }) {
        let mut o = CheckOutcome::fail(c.title).at(obs.job_observed_at);
        for e in c.evidence {
            o = o.with(&e.label, e.value);
        }
        return expiry(o.with("What it means", c.implies));
    }
    if let (Some(code), Some(c)) = (
        credential_quarantine(obs),
        obs.scim_check
            .as_ref()
            .filter(|c| c.verdict.blames_filtering()),
    ) {
        return note(expiry(with_scim_result(
            CheckOutcome::pass(
                "The SaaS accepts the token; Entra's credential error comes from the SaaS's \
answer to its lookup filter (see SCIM compliance)",
            )
            .with("Quarantine error code", code)
            .with("Test Connection replay", c.verdict.as_str()),
            obs,
        )));
    }
    if let Some(code) = credential_quarantine(obs) {
        return expiry(
            CheckOutcome::fail(
                "Entra quarantined the job because the SaaS refused its credentials",
            )
            .with("Quarantine error code", code)
            .at(obs.job_observed_at),
        );
    }
    if let Some(why) = scim_blind(obs) {
        return expiry(CheckOutcome::unknown(why));
    }
    let Some(c) = &obs.scim_check else {
        if let Some(o) = entra_reached_the_saas(obs) {
            return expiry(o);
        }
        return expiry(CheckOutcome::unknown(
            "scimwatch has not replayed Test Connection yet",
        ));
    };
    let o = match &c.verdict {
        _ if c.ok => CheckOutcome::pass("The SaaS accepts the token"),
        Verdict::Ok => CheckOutcome::pass("The SaaS accepts the token"),
        Verdict::Unauthorized => {
            CheckOutcome::fail("The SaaS refuses the token (401): expired, revoked or wrong")
        }
        Verdict::Forbidden => {
            CheckOutcome::fail("The SaaS refuses the token (403): it lacks the rights for SCIM")
        }
        Verdict::FilterNotFound | Verdict::FilterRefused => CheckOutcome::pass(
            "The SaaS accepts the token (it answered the query, not 401/403); its answer to \
Entra's lookup filter is wrong (see SCIM compliance)",
        ),
        other => CheckOutcome::unknown(format!(
            "Test Connection failed before the token was checked ({other})"
        )),
    };
    note(expiry(with_scim_result(o, obs)))
}

fn check_users_mapping(obs: &Observations, _ctx: &Context, _now: DateTime<Utc>) -> CheckOutcome {
    checks::mapping_enabled(obs, MappingOf::Users).into()
}

fn check_groups_mapping(obs: &Observations, _ctx: &Context, _now: DateTime<Utc>) -> CheckOutcome {
    checks::mapping_enabled(obs, MappingOf::Groups).into()
}

fn check_provisioning_on(obs: &Observations, ctx: &Context, now: DateTime<Utc>) -> CheckOutcome {
    let job = match job_or_why(obs, ctx, now) {
        Ok(j) => j,
        Err(why) => return CheckOutcome::unknown(why),
    };
    let off_schedule = matches!(
        job.schedule_state,
        ScheduleState::Disabled | ScheduleState::Paused
    );
    let o = match &job.status_code {
        JobStatusCode::Paused => CheckOutcome::fail("Provisioning Status is Off (job paused)"),
        _ if off_schedule => CheckOutcome::fail("Provisioning Status is Off (schedule disabled)"),
        JobStatusCode::NotConfigured => {
            CheckOutcome::fail("Provisioning is not configured (Provisioning Mode not Automatic)")
        }
        JobStatusCode::Active => CheckOutcome::pass("Provisioning Status is On"),
        JobStatusCode::Quarantine => CheckOutcome::pass(
            "Provisioning Status is On, but the job is in quarantine (see the quarantine step)",
        ),
        JobStatusCode::NotRun if job.schedule_state == ScheduleState::Active => {
            CheckOutcome::pass("Provisioning Status is On; the first cycle has not run yet")
        }
        JobStatusCode::NotRun => CheckOutcome::fail("Provisioning has never been started"),
        JobStatusCode::Other(s) => CheckOutcome::unknown(format!("unrecognised job status `{s}`")),
    };
    o.with("Job status", job.status_code.as_str())
        .with("Schedule", job.schedule_state.as_str())
        .at(obs.job_observed_at)
}

fn check_groups_assigned(obs: &Observations, _ctx: &Context, _now: DateTime<Utc>) -> CheckOutcome {
    checks::groups_assigned(obs).into()
}

/// A duration to the second below an hour ("3 min 20 s"), to the minute
/// below a day ("2 h 10 min"), else to the hour: precise enough that "more
/// than 3 × the interval" is visibly true.
fn fmt_exact(d: chrono::Duration) -> String {
    let secs = d.num_seconds().unsigned_abs();
    let (days, hours, mins, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let parts: Vec<String> = if days > 0 {
        vec![format!("{days} d"), format!("{hours} h")]
    } else if secs >= 3600 {
        vec![format!("{hours} h"), format!("{mins} min")]
    } else if secs >= 60 {
        vec![format!("{mins} min"), format!("{s} s")]
    } else {
        vec![format!("{s} s")]
    };
    let kept: Vec<&String> = parts
        .iter()
        .enumerate()
        .filter(|(i, p)| *i == 0 || !p.starts_with("0 "))
        .map(|(_, p)| p)
        .collect();
    kept.iter()
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// "No cycle has completed for 2 h 10 min, more than 3 × the 40-min
/// interval (2 h)": the job's own interval and the limit it gives.
pub(crate) fn stall_summary(
    since: chrono::Duration,
    interval: chrono::Duration,
    factor: u32,
) -> String {
    let secs = interval.num_seconds().max(0);
    let each = if secs > 0 && secs % 3600 == 0 {
        format!("{}-h interval", secs / 3600)
    } else if secs > 0 && secs % 60 == 0 {
        format!("{}-min interval", secs / 60)
    } else {
        format!("interval of {}", fmt_exact(interval))
    };
    let limit = interval
        .checked_mul(i32::try_from(factor).unwrap_or(i32::MAX))
        .unwrap_or(chrono::Duration::MAX);
    format!(
        "No cycle has completed for {}, more than {factor} × the {each} ({})",
        fmt_exact(since),
        fmt_exact(limit)
    )
}

fn check_changes_take_time(obs: &Observations, ctx: &Context, now: DateTime<Utc>) -> CheckOutcome {
    let offset = ctx.offset();
    match cycle_timing(obs, &ctx.thresholds, now) {
        CycleTiming::Steady {
            last_end,
            interval,
            limit,
            since,
            next_expected,
            stalled,
        } => {
            let mut o = if stalled {
                CheckOutcome::fail(stall_summary(since, interval, ctx.thresholds.stall_factor))
            } else {
                CheckOutcome::pass("Cycles are running on schedule")
            };
            o = o
                .with("Last cycle ended at", fmt_time(last_end))
                .with("Interval", fmt_exact(interval));
            if let Some(n) = next_expected {
                let when = if n < now {
                    format!(
                        "~{} {} (overdue by {})",
                        fmt_hhmm(n, offset),
                        fmt_offset(offset),
                        fmt_duration(now - n)
                    )
                } else {
                    format!("~{} {}", fmt_hhmm(n, offset), fmt_offset(offset))
                };
                o = o.with("Next cycle expected at", when);
            }
            o.with("Stalled after", fmt_exact(limit))
                .at(obs.job_observed_at)
        }
        CycleTiming::Initial {
            started,
            elapsed,
            estimate,
            objects,
            progress,
            overdue,
        } => {
            let mut o = if overdue {
                CheckOutcome::fail("The initial cycle is taking longer than Microsoft's estimate")
            } else {
                CheckOutcome::pass("The initial cycle is still running: changes appear when it ends")
            };
            o = o
                .with("Initial cycle started at", fmt_time(started))
                .with("Running for", fmt_duration(elapsed));
            if let Some(n) = objects {
                o = o.with("Assigned users + groups + members", n.to_string());
            }
            if let Some((lo, hi)) = estimate {
                o = o.with(
                    "Expected duration (0.01–0.08 min per object)",
                    format!("{} to {}", fmt_duration(lo), fmt_duration(hi)),
                );
                if let Some(end) = started.checked_add_signed(hi) {
                    o = o.with(
                        "Expected to end by",
                        format!("~{} {}", fmt_hhmm(end, offset), fmt_offset(offset)),
                    );
                }
            }
            if let Some((done, total)) = progress {
                o = o.with(
                    "Progress",
                    format!("{done} of {total} units ({:.0} %)", pct(done, total)),
                );
            }
            o.at(obs.job_observed_at)
        }
        CycleTiming::NoSchedule => {
            CheckOutcome::fail("The job has no schedule: Entra will not run cycles on its own")
                .at(obs.job_observed_at)
        }
        CycleTiming::NotActive { status } => CheckOutcome::unknown(format!(
            "provisioning is not running ({status}): see the Provisioning Status and quarantine steps"
        )),
        CycleTiming::Blind { why } | CycleTiming::Unknown { why } => CheckOutcome::unknown(why),
    }
}

fn check_quarantine(obs: &Observations, ctx: &Context, now: DateTime<Utc>) -> CheckOutcome {
    let job = match job_or_why(obs, ctx, now) {
        Ok(j) => j,
        Err(why) => return CheckOutcome::unknown(why),
    };
    if job.status_code != JobStatusCode::Quarantine {
        return CheckOutcome::pass("The job is not in quarantine")
            .with("Job status", job.status_code.as_str())
            .at(obs.job_observed_at);
    }
    let q = job.quarantine.clone().unwrap_or_default();
    let reason = q
        .reason
        .as_ref()
        .map(|r| r.as_str().to_string())
        .unwrap_or_else(|| "not given".into());
    let mut o =
        CheckOutcome::fail(format!("The job is in quarantine ({reason})")).with("Reason", reason);
    for (label, value) in
        crate::health::rules::quarantine_error_evidence(job.quarantine_error().as_ref())
    {
        o = o.with(&label, value);
    }
    if let Some(t) = q.series_began {
        o = o.with("Quarantine series began", fmt_time(t));
    }
    if let Some(t) = q.next_attempt {
        o = o.with("Next attempt", fmt_time(t));
    }
    let left = quarantine_days_left(&q, ctx.thresholds.quarantine_disable_days, now);
    o = o.with(
        "Days left before Entra disables the job",
        match left {
            Some(0) => "0 (disabled)".to_string(),
            Some(d) => d.to_string(),
            None => "unknown".to_string(),
        },
    );
    o.at(obs.job_observed_at)
}

fn logs_or_why(obs: &Observations) -> Result<&crate::health::CycleObservation, String> {
    if obs.logs_available == Some(false) {
        return Err(
            "this tenant has no provisioning logs (they need Entra ID P1 or P2); check the \
provisioning logs in the portal if available"
                .into(),
        );
    }
    obs.last_cycle
        .as_ref()
        .ok_or_else(|| "scimwatch has not read the provisioning logs of the last cycle".into())
}

fn with_cycle(mut o: CheckOutcome, c: &crate::health::CycleObservation) -> CheckOutcome {
    if let Some(id) = &c.cycle_id {
        o = o.with("Cycle", id.clone());
    }
    if let Some(t) = c.ended {
        o = o.with("Cycle ended", fmt_time(t));
    }
    o.at(c.ended)
}

fn check_last_cycle_errors(obs: &Observations, ctx: &Context, _now: DateTime<Utc>) -> CheckOutcome {
    let t = &ctx.thresholds;
    // Entries Entra keeps retrying: few failures per cycle, but they never clear.
    let escrows = obs.job.as_ref().and_then(|j| {
        escrows_rising(&j.escrow_history, t.escrow_min).map(|r| (r, &j.escrow_history))
    });
    let escrow_evidence = |o: CheckOutcome| match escrows {
        Some(((first, last), h)) => o
            .with(
                "Escrowed entries, oldest first",
                h.iter().map(u64::to_string).collect::<Vec<_>>().join(", "),
            )
            .with("Escrows rising", format!("{first} → {last}")),
        None => o,
    };
    let c = match logs_or_why(obs) {
        Ok(c) => c,
        Err(why) => {
            return match escrows {
                Some(((first, last), _)) => escrow_evidence(CheckOutcome::fail(format!(
                    "Entra's count of entries it keeps retrying is rising ({first} → {last}); \
the provisioning logs would say why ({why})"
                ))),
                None => CheckOutcome::unknown(why),
            }
        }
    };
    let rate = pct(c.failures, c.total);
    let spike = failure_spike_severity(c.failures, c.total, t).is_some();
    let mut o = if spike {
        CheckOutcome::fail(format!(
            "{} failures in the last cycle ({rate:.1} %)",
            c.failures
        ))
    } else if let Some(((first, last), _)) = escrows {
        escrow_evidence(CheckOutcome::fail(format!(
            "{} failures in the last cycle, and Entra's escrowed entries keep rising ({first} → \
{last}): they are retried every cycle and will not go through by themselves",
            c.failures
        )))
    } else if c.failures == 0 {
        CheckOutcome::pass("No failures in the last cycle")
    } else {
        CheckOutcome::pass(format!(
            "{} failures in the last cycle, below the alert threshold",
            c.failures
        ))
    };
    o = o
        .with("Entries", c.total.to_string())
        .with("Failures", c.failures.to_string())
        .with("Failure rate", format!("{rate:.1} %"));
    for e in c.top_errors.iter().take(5) {
        o = o.with(&format!("Error {}", e.code), e.count.to_string());
    }
    with_cycle(o, c)
}

fn check_skipped_users(obs: &Observations, _ctx: &Context, _now: DateTime<Utc>) -> CheckOutcome {
    let c = match logs_or_why(obs) {
        Ok(c) => c,
        Err(why) => return CheckOutcome::unknown(why),
    };
    let entitled = c.skip_count("NotEffectivelyEntitled");
    let scope = c.skips_where(|s: &str| {
        let s = s.to_ascii_lowercase();
        s.contains("scope") && !s.eq_ignore_ascii_case("noteffectivelyentitled")
    });
    let matching = c.skips_where(|s: &str| {
        let s = s.to_ascii_lowercase();
        s.contains("match") || s.contains("anchor") || s.contains("mandatory")
    });
    let evidence = |o: CheckOutcome| {
        let mut o = o
            .with("Skipped in the last cycle", c.skipped.to_string())
            .with(
                "Not assigned / not effectively entitled",
                entitled.to_string(),
            )
            .with("Out of scope (scoping filters)", scope.to_string())
            .with("Missing matching attribute", matching.to_string());
        for s in c.skip_reasons.iter().take(5) {
            o = o.with(&format!("Skip reason {}", s.code), s.count.to_string());
        }
        with_cycle(o, c)
    };
    if c.skipped == 0 {
        return evidence(CheckOutcome::pass(
            "No users were skipped in the last cycle",
        ));
    }
    if matching > 0 {
        return evidence(CheckOutcome::fail(format!(
            "{matching} users were skipped because the matching attribute is missing"
        )));
    }
    match &obs.drift {
        Some(d) if d.missing > 0 => evidence(
            CheckOutcome::fail(format!(
                "{} users were skipped and {} assigned users are missing from the SaaS",
                c.skipped, d.missing
            ))
            .with(
                "Assigned users missing from the SaaS",
                d.missing.to_string(),
            ),
        ),
        Some(_) => evidence(CheckOutcome::pass(
            "Skipped users are outside the scope; every assigned user exists in the SaaS",
        )),
        None => evidence(CheckOutcome::unknown(
            "users were skipped; without comparing the SaaS's users scimwatch cannot tell \
whether they should have been provisioned",
        )),
    }
}

fn check_conflicts(obs: &Observations, _ctx: &Context, _now: DateTime<Utc>) -> CheckOutcome {
    let logs = logs_or_why(obs);
    if logs.is_err() && obs.drift.is_none() {
        return CheckOutcome::unknown(logs.err().unwrap_or_else(|| "nothing observed".into()));
    }
    let mut o_evidence: Vec<(String, u64)> = Vec::new();
    let mut total = 0u64;
    if let Ok(c) = logs {
        // One classifier for every code: the EntryConflict and Duplicate
        // families (app prefixes included), and a SaaS's 409 / scimType
        // "uniqueness" reported under another code.
        let conflicts = c.conflict_counts();
        for e in &conflicts {
            total = total.saturating_add(e.count);
            let code = if e.code.is_empty() {
                "(no error code)"
            } else {
                e.code.as_str()
            };
            o_evidence.push((format!("{code} in the last cycle"), e.count));
        }
        if conflicts.is_empty() {
            o_evidence.push((
                "Conflicts (EntryConflict, Duplicate…, HTTP 409, scimType uniqueness) in the last \
cycle"
                    .into(),
                0,
            ));
        }
    }
    if let Some(d) = &obs.drift {
        total = total.saturating_add(d.duplicates);
        o_evidence.push(("Duplicate accounts in the SaaS".into(), d.duplicates));
    }
    let mut o = match &logs {
        _ if total > 0 => CheckOutcome::fail(format!("{total} conflicts or duplicates found")),
        Ok(_) => CheckOutcome::pass("No conflicts or duplicates found"),
        // The SaaS holds no duplicate accounts, but Entra's conflicts are
        // only in the provisioning logs, which could not be read.
        Err(why) => CheckOutcome::unknown(format!(
            "no duplicate accounts in the SaaS, but Entra's conflicts could not be checked: {why}"
        )),
    };
    for (label, n) in o_evidence {
        o = o.with(&label, n.to_string());
    }
    if let Ok(c) = logs {
        // Who: the objects Entra could not create or match.
        for name in &c.conflict_objects {
            o = o.with("Conflicting user", name.clone());
        }
    }
    match logs {
        Ok(c) => with_cycle(o, c),
        Err(_) => o.at(obs.drift.as_ref().and_then(|d| d.observed_at)),
    }
}

fn check_scim_compliance(obs: &Observations, _ctx: &Context, _now: DateTime<Utc>) -> CheckOutcome {
    // scimwatch's own Test Connection is live evidence of the one deviation
    // Entra fails on at once: 404 for a filter that matches nobody.
    if let Some(c) = obs
        .scim_check
        .as_ref()
        .filter(|c| c.verdict.blames_filtering())
    {
        let what = if c.verdict == Verdict::FilterNotFound {
            "The SaaS answers 404 to a filter that matches nobody, where SCIM wants 200 with an \
empty list: Entra's Test Connection fails and its lookups fail before every create"
        } else {
            "The SaaS refuses the `userName eq` / `displayName eq` filter (400 invalidFilter) that \
Entra sends to find a user or group before creating it: Entra cannot match anyone"
        };
        let mut o = CheckOutcome::fail(what)
            .with(
                "Test Connection",
                format!(
                    "HTTP {} at {}",
                    c.http_status.map(|s| s.to_string()).unwrap_or_default(),
                    fmt_time(c.checked_at)
                ),
            )
            .at(Some(c.checked_at));
        for dev in obs.compliance_deviations.iter().flatten().take(20) {
            o = o.with(&dev.code, dev.message.clone());
        }
        return o;
    }
    match &obs.compliance_deviations {
        None => CheckOutcome::unknown("scimwatch has not examined the SaaS's SCIM server yet"),
        Some(d) if d.is_empty() => CheckOutcome::pass("No deviations from the SCIM standard found"),
        Some(d) => {
            let mut o = CheckOutcome::fail(format!(
                "{} deviations from the SCIM standard found",
                d.len()
            ));
            for dev in d.iter().take(20) {
                o = o.with(&dev.code, dev.message.clone());
            }
            o
        }
    }
}
