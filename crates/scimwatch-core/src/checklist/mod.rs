//! The troubleshooting checklist: a static table of [`Step`]s (the SaaS's own
//! list first, then what admins hit in practice), each with an automated
//! check over [`Observations`], a plain-language explanation, exact fix steps
//! and a deep link into the Entra admin center for this app.
//!
//! [`evaluate_checklist`] runs every step and merges the admin's remembered
//! manual confirmations ([`StoredProgress`]): a confirmation counts while the
//! automated check cannot tell (unknown) or reported its failure *before* the
//! confirmation; a failure observed after the confirmation overrides it (and
//! the run says the confirmation was invalidated). Re-check = evaluate again
//! with fresh observations ([`evaluate_step`] for one step).

use chrono::{DateTime, FixedOffset, Offset, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::health::{Evidence, Observations, Thresholds};

mod links;
mod report;
mod root;
mod steps;

pub use links::{deep_link, portal_base_for, PortalPage, ENTRA_ADMIN_CENTER};
pub use report::{build_report, report_json, report_markdown, Report};
pub use steps::STEPS;

/// What an automated check concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Pass,
    Fail,
    /// Nothing (or not enough) was observed; `why_unknown` says why.
    Unknown,
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
            ..Self::new(CheckStatus::Unknown, format!("Cannot tell: {why}"))
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

    pub(crate) fn with(mut self, label: &str, value: impl Into<String>) -> Self {
        self.evidence.push(Evidence::new(label, value));
        self
    }

    pub(crate) fn at(mut self, t: Option<DateTime<Utc>>) -> Self {
        self.observed_at = t;
        self
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
        }
    }
}

impl Context {
    /// The admin's offset (UTC when out of range).
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
    Unknown,
    /// Not checkable (or failed before) but confirmed by the admin.
    Confirmed,
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
    let outcome = (step.check)(obs, ctx, now);
    let confirmation = progress
        .iter()
        .filter(|p| p.step_id == step.id)
        .map(|p| p.confirmed_at)
        .max();
    let (status, confirmed_at, invalidated) = match (outcome.status, confirmation) {
        (CheckStatus::Pass, c) => (StepStatus::Pass, c, false),
        (CheckStatus::Unknown, Some(c)) => (StepStatus::Confirmed, Some(c), false),
        (CheckStatus::Unknown, None) => (StepStatus::Unknown, None, false),
        (CheckStatus::Fail, Some(c)) if outcome.observed_at.is_some_and(|t| t <= c) => {
            (StepStatus::Confirmed, Some(c), false)
        }
        (CheckStatus::Fail, Some(_)) => (StepStatus::Fail, None, true),
        (CheckStatus::Fail, None) => (StepStatus::Fail, None, false),
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
    }
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
