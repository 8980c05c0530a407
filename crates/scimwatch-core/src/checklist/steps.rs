//! The table of checklist steps and their checks.

use chrono::{DateTime, Utc};

use super::{CheckOutcome, Context, PortalPage, Step, StepSide};
use crate::health::checks::{self, MappingOf};
use crate::health::format::{fmt_duration, fmt_time, pct};
use crate::health::{
    contradictions, cycle_timing, escrows_rising, failure_spike_severity, is_credential_error_code,
    job_freshness, quarantine_days_left, ContradictionKind, CycleTiming, EvidenceValue,
    JobObservation, JobStatusCode, Observations, Reachability, ScheduleState, Verdict,
};
use crate::validate::same_tenant_url;

mod logs;
mod timing;

use logs::{check_conflicts, check_last_cycle_errors, check_scim_compliance, check_skipped_users};
use timing::{check_changes_take_time, check_quarantine};

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
        o = o.with(
            "Tenant URL checked by scimwatch",
            EvidenceValue::link(u.clone()),
        );
    }
    if let Some(u) = &obs.entra_tenant_url {
        o = o.with("Tenant URL in Entra", EvidenceValue::link(u.clone()));
    }
    o
}

fn with_scim_result(mut o: CheckOutcome, obs: &Observations) -> CheckOutcome {
    if let Some(c) = &obs.scim_check {
        o = o
            .with(
                "Test Connection replay",
                EvidenceValue::code(c.verdict.as_str()),
            )
            .with("Checked at", c.checked_at);
        if let Some(s) = c.http_status {
            o = o.with("HTTP status", EvidenceValue::code(s));
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
        .with("Entra's last cycle ended", ended)
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
        Some(t) => o.with("Token expires at", t),
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
                .with("Token expires at", t),
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
            .with("Quarantine error code", EvidenceValue::Code(code))
            .with(
                "Test Connection replay",
                EvidenceValue::code(c.verdict.as_str()),
            ),
            obs,
        )));
    }
    if let Some(code) = credential_quarantine(obs) {
        return expiry(
            CheckOutcome::fail(
                "Entra quarantined the job because the SaaS refused its credentials",
            )
            .with("Quarantine error code", EvidenceValue::Code(code))
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
    o.with("Job status", EvidenceValue::code(job.status_code.as_str()))
        .with("Schedule", EvidenceValue::code(job.schedule_state.as_str()))
        .at(obs.job_observed_at)
}

fn check_groups_assigned(obs: &Observations, _ctx: &Context, _now: DateTime<Utc>) -> CheckOutcome {
    checks::groups_assigned(obs).into()
}
