//! The troubleshooting checklist: a static table of [`Step`]s (the SaaS's own
//! list first, then what admins hit in practice), each with an automated
//! check over [`Observations`], a plain-language explanation, exact fix steps
//! and a deep link into the Entra admin center for this app.
//!
//! [`evaluate_checklist`] runs every step and merges the admin's remembered
//! manual confirmations ([`StoredProgress`]).
//!
//! Evidence rules (issue 17):
//! - **No verdict without evidence.** A check that could not look returns
//!   [`CheckStatus::Unknown`] with `why_unknown` ("could not check"); a step
//!   about a side the connection does not watch (the Entra steps of a
//!   SCIM-only connection, the SCIM steps of an Entra-only one) is
//!   [`StepStatus::NotApplicable`] — never a pass.
//! - **Live evidence beats memory.** "I've checked this" counts only while
//!   the automated check cannot tell. While the live evidence fails, the step
//!   fails; the admin's confirmation is shown beside the failing evidence
//!   (kept when the failure was observed before it — the next poll decides —
//!   and dropped when a failure was observed after it).
//!
//! Re-check = evaluate again with fresh observations ([`evaluate_step`] for
//! one step).

use chrono::{DateTime, FixedOffset, Offset, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::health::{Evidence, Observations, Thresholds};

mod entra_updates;
mod links;
mod report;
mod root;
mod steps;

pub use entra_updates::RUN_PROBE;
pub use links::{deep_link, portal_base_for, PortalPage, ENTRA_ADMIN_CENTER};
pub use report::{build_report, report_json, report_markdown, Report};
pub use steps::STEPS;

/// Steps whose evidence only an action the admin opts into produces: the
/// write probe ("Test with Entra's requests") writes to the SaaS, so it runs
/// by choice. Until it has run the step says "could not check" like any
/// other (never a pass), but `check` lists it as *not run* rather than
/// "could not check": a monitor must not sit at "could not check" forever
/// because of an action the admin may rightly never take. A probe that ran
/// and failed is a failing step and counts as a problem as usual.
pub const OPT_IN_STEPS: &[&str] = &["entra_updates"];

/// What an automated check concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Pass,
    Fail,
    /// Could not check: nothing (or not enough) was observed; `why_unknown` says why.
    Unknown,
    /// The step is about a side this connection does not watch.
    NotApplicable,
}

/// The result of one automated check, with its live evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CheckOutcome {
    pub status: CheckStatus,
    /// One line: what the check found.
    pub summary: String,
    pub evidence: Vec<Evidence>,
    pub why_unknown: Option<String>,
    /// When the evidence was observed, if known (a failure observed before a
    /// manual confirmation does not override it).
    #[ts(type = "string | null")]
    pub observed_at: Option<DateTime<Utc>>,
}

impl CheckOutcome {
    pub(crate) fn pass(summary: impl Into<String>) -> Self {
        Self::new(CheckStatus::Pass, summary)
    }

    pub(crate) fn fail(summary: impl Into<String>) -> Self {
        Self::new(CheckStatus::Fail, summary)
    }

    pub(crate) fn unknown(why: impl Into<String>) -> Self {
        let why = why.into();
        Self {
            why_unknown: Some(why.clone()),
            ..Self::new(CheckStatus::Unknown, format!("Could not check: {why}"))
        }
    }

    fn new(status: CheckStatus, summary: impl Into<String>) -> Self {
        Self {
            status,
            summary: summary.into(),
            evidence: Vec::new(),
            why_unknown: None,
            observed_at: None,
        }
    }

    pub(crate) fn with(
        mut self,
        label: &str,
        value: impl Into<crate::health::EvidenceValue>,
    ) -> Self {
        self.evidence.push(Evidence::new(label, value));
        self
    }

    pub(crate) fn at(mut self, t: Option<DateTime<Utc>>) -> Self {
        self.observed_at = t;
        self
    }
}

impl From<crate::health::checks::Judgement> for CheckOutcome {
    fn from(j: crate::health::checks::Judgement) -> Self {
        use crate::health::checks::Judged;
        let mut o = match j.judged {
            Judged::Pass => CheckOutcome::pass(j.summary),
            Judged::Fail => CheckOutcome::fail(j.summary),
            Judged::CouldNotCheck(why) => CheckOutcome::unknown(why),
        };
        o.evidence = j.evidence;
        o
    }
}

/// What the admin's deep links and the report need to know about the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Context {
    pub connection_name: Option<String>,
    pub tenant_id: Option<String>,
    /// The enterprise app's object ID (the service principal).
    pub service_principal_id: Option<String>,
    pub app_id: Option<String>,
    pub app_display_name: Option<String>,
    /// Admin-center host, e.g. `https://entra.microsoft.com` (see [`portal_base_for`]).
    pub portal_base: String,
    /// The admin's UTC offset in minutes, for "next expected at ~HH:MM".
    pub utc_offset_minutes: i32,
    pub thresholds: Thresholds,
    /// Which ends of provisioning this connection watches.
    pub sides: Sides,
}

/// Which ends of provisioning a connection watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Sides {
    /// Entra's provisioning job and logs (Microsoft Graph).
    pub entra: bool,
    /// The SaaS's SCIM endpoint.
    pub scim: bool,
}

impl Default for Sides {
    fn default() -> Self {
        Self {
            entra: true,
            scim: true,
        }
    }
}

/// Which end of provisioning a step's evidence comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepSide {
    /// Only Entra's job, mappings, assignments and logs.
    Entra,
    /// Only the SaaS's SCIM endpoint.
    Scim,
    /// Either end (e.g. the Tenant URL: Entra's setting and scimwatch's own test).
    Both,
}

impl Default for Context {
    fn default() -> Self {
        Self {
            connection_name: None,
            tenant_id: None,
            service_principal_id: None,
            app_id: None,
            app_display_name: None,
            portal_base: ENTRA_ADMIN_CENTER.into(),
            utc_offset_minutes: 0,
            thresholds: Thresholds::default(),
            sides: Sides::default(),
        }
    }
}

impl Context {
    /// The admin's offset (UTC when out of range).
    /// Whether a step about `side` can apply to this connection.
    pub fn watches(&self, side: StepSide) -> bool {
        match side {
            StepSide::Entra => self.sides.entra,
            StepSide::Scim => self.sides.scim,
            StepSide::Both => self.sides.entra || self.sides.scim,
        }
    }

    pub fn offset(&self) -> FixedOffset {
        FixedOffset::east_opt(self.utc_offset_minutes.saturating_mul(60))
            .unwrap_or_else(|| Utc.fix())
    }

    /// A deep link to a page of this app.
    pub fn link(&self, page: PortalPage) -> Option<String> {
        deep_link(
            &self.portal_base,
            self.service_principal_id.as_deref(),
            self.app_id.as_deref(),
            page,
        )
    }

    fn app_name(&self) -> &str {
        self.app_display_name
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or("the enterprise app")
    }
}

/// A check function of a step.
pub type CheckFn = fn(&Observations, &Context, DateTime<Utc>) -> CheckOutcome;

/// One step of the checklist (static data).
#[derive(Debug, Clone, Copy)]
pub struct Step {
    /// Stable identifier, stored with progress.
    pub id: &'static str,
    pub title: &'static str,
    /// Why this matters, plain language.
    pub explains: &'static str,
    /// Exact fix steps; `{app}` is replaced by the app's display name.
    pub fix_steps: &'static [&'static str],
    /// The admin-center page the fix happens on.
    pub link: Option<PortalPage>,
    /// What the admin confirms by hand when nothing can be checked.
    pub manual_confirmation: Option<&'static str>,
    /// Where the step's evidence comes from: a step about a side the
    /// connection does not watch is not applicable.
    pub side: StepSide,
    pub check: CheckFn,
}

/// A remembered manual confirmation of a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct StoredProgress {
    pub step_id: String,
    #[ts(type = "string")]
    pub confirmed_at: DateTime<Utc>,
}

/// A step's effective status after merging manual confirmations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Pass,
    Fail,
    /// Could not check (`outcome.why_unknown` says why).
    Unknown,
    /// Could not be checked automatically, confirmed by the admin.
    Confirmed,
    /// About a side this connection does not watch.
    NotApplicable,
}

/// One evaluated step, ready for the UI and the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct StepResult {
    pub id: String,
    pub title: String,
    pub explains: String,
    pub fix_steps: Vec<String>,
    pub deep_link: Option<String>,
    pub deep_link_label: Option<String>,
    pub manual_confirmation: Option<String>,
    pub outcome: CheckOutcome,
    pub status: StepStatus,
    #[ts(type = "string | null")]
    pub confirmed_at: Option<DateTime<Utc>>,
    /// A stored confirmation was overridden by a later automated failure:
    /// drop it from storage.
    pub confirmation_invalidated: bool,
    /// The admin confirmed this step while its live evidence fails: what
    /// they confirmed and when, shown beside the failing evidence (it does
    /// not turn the step green).
    pub confirmation_note: Option<String>,
}

/// Overall result of a checklist run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Overall {
    /// Every step passed or was confirmed.
    Pass,
    /// At least one step failed.
    Fail,
    /// Nothing failed but some steps could not be checked.
    Incomplete,
}

/// A whole checklist run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ChecklistRun {
    #[ts(type = "string")]
    pub evaluated_at: DateTime<Utc>,
    pub steps: Vec<StepResult>,
    /// Where to start ("Start here"): the most severe failing step that no
    /// other failing step's evidence explains (a quarantined job explains
    /// why provisioning is off and group warnings; a refused credential
    /// explains its quarantine), then table order. `None` when nothing fails.
    pub first_failing: Option<String>,
    pub overall: Overall,
}

impl ChecklistRun {
    /// The confirmations to keep storing (invalidated ones dropped).
    pub fn progress_to_store(&self) -> Vec<StoredProgress> {
        self.steps
            .iter()
            .filter(|s| !s.confirmation_invalidated)
            .filter_map(|s| {
                s.confirmed_at.map(|confirmed_at| StoredProgress {
                    step_id: s.id.clone(),
                    confirmed_at,
                })
            })
            .collect()
    }

    /// A step by id.
    pub fn step(&self, id: &str) -> Option<&StepResult> {
        self.steps.iter().find(|s| s.id == id)
    }
}

/// Look a step up by id.
pub fn step_by_id(id: &str) -> Option<&'static Step> {
    STEPS.iter().find(|s| s.id == id)
}

fn result_for(
    step: &Step,
    obs: &Observations,
    ctx: &Context,
    progress: &[StoredProgress],
    now: DateTime<Utc>,
) -> StepResult {
    let outcome = if ctx.watches(step.side) {
        (step.check)(obs, ctx, now)
    } else {
        not_applicable(step.side)
    };
    let confirmation = progress
        .iter()
        .filter(|p| p.step_id == step.id)
        .map(|p| p.confirmed_at)
        .max();
    let (status, confirmed_at, invalidated) = match (outcome.status, confirmation) {
        (CheckStatus::NotApplicable, _) => (StepStatus::NotApplicable, None, false),
        (CheckStatus::Pass, c) => (StepStatus::Pass, c, false),
        (CheckStatus::Unknown, Some(c)) => (StepStatus::Confirmed, Some(c), false),
        (CheckStatus::Unknown, None) => (StepStatus::Unknown, None, false),
        // Live evidence beats memory: the step fails; a confirmation given
        // after the failure was observed stays (the next poll decides).
        (CheckStatus::Fail, Some(c)) if outcome.observed_at.is_some_and(|t| t <= c) => {
            (StepStatus::Fail, Some(c), false)
        }
        (CheckStatus::Fail, Some(_)) => (StepStatus::Fail, None, true),
        (CheckStatus::Fail, None) => (StepStatus::Fail, None, false),
    };
    let confirmation_note = match (status, confirmation, step.manual_confirmation) {
        (StepStatus::Fail, Some(c), what) => {
            let what = what.unwrap_or("I've checked this.");
            Some(if invalidated {
                format!(
                    "You confirmed \"{what}\" at {}, but the live evidence fails after that: \
the confirmation no longer counts.",
                    crate::health::format::fmt_time(c)
                )
            } else {
                format!(
                    "You confirmed \"{what}\" at {}, after this failure was observed; the live \
evidence still fails until scimwatch sees otherwise at its next check.",
                    crate::health::format::fmt_time(c)
                )
            })
        }
        _ => None,
    };
    let app = ctx.app_name();
    StepResult {
        id: step.id.into(),
        title: step.title.into(),
        explains: step.explains.into(),
        fix_steps: step
            .fix_steps
            .iter()
            .map(|s| s.replace("{app}", app))
            .collect(),
        deep_link: step.link.and_then(|p| ctx.link(p)),
        deep_link_label: step.link.map(|p| p.label().to_string()),
        manual_confirmation: step.manual_confirmation.map(str::to_string),
        outcome,
        status,
        confirmed_at,
        confirmation_invalidated: invalidated,
        confirmation_note,
    }
}

fn not_applicable(side: StepSide) -> CheckOutcome {
    let why = match side {
        StepSide::Entra => {
            "This connection watches only the SaaS's SCIM endpoint: add the Entra side (tenant \
and app) to check this step."
        }
        StepSide::Scim | StepSide::Both => {
            "This connection watches only Entra's provisioning job: add the SaaS's Tenant URL \
and token to check this step."
        }
    };
    CheckOutcome::new(CheckStatus::NotApplicable, format!("Not applicable: {why}"))
}

/// Evaluate one step (the UI's "re-check"). `None` for an unknown id.
pub fn evaluate_step(
    id: &str,
    obs: &Observations,
    ctx: &Context,
    progress: &[StoredProgress],
    now: DateTime<Utc>,
) -> Option<StepResult> {
    step_by_id(id).map(|s| result_for(s, obs, ctx, progress, now))
}

/// Evaluate the whole checklist in table order.
pub fn evaluate_checklist(
    obs: &Observations,
    ctx: &Context,
    progress: &[StoredProgress],
    now: DateTime<Utc>,
) -> ChecklistRun {
    let steps: Vec<StepResult> = STEPS
        .iter()
        .map(|s| result_for(s, obs, ctx, progress, now))
        .collect();
    let first_failing = root::start_here(&steps, obs);
    let overall = if first_failing.is_some() {
        Overall::Fail
    } else if steps.iter().any(|s| s.status == StepStatus::Unknown) {
        Overall::Incomplete
    } else {
        Overall::Pass
    };
    ChecklistRun {
        evaluated_at: now,
        steps,
        first_failing,
        overall,
    }
}
