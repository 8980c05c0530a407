//! "Test with Entra's requests": the opt-in write probe (issue 20).
//!
//! Against a connection's SCIM endpoint, replay the requests Entra's
//! provisioning service sends — Microsoft's documented bodies and headers,
//! with throwaway objects named `scimwatch-probe-<random>` — and read every
//! effect back: a 2xx that changed nothing is a finding. Each Entra
//! operation gets one result: pass, fail (with the request, the response,
//! token redacted, and what Entra would do), not applicable, not run or not
//! verified.
//!
//! - [`plan`] — the operations and their bodies, pure.
//! - `run` — sends them and judges each (`verify`).
//! - [`cleanup`] — the clean-up list in SQLite (migration 0012), written
//!   before the first write; leftovers of a crashed run are deleted at the
//!   next probe or by [`cleanup::cleanup`].
//! - [`roles`] — the app-role create, run only when the stored Users
//!   mapping maps app roles ([`roles_mapping`] reads that).
//! - `report` — Markdown.
//!
//! Without `write`, only the read side (discover's checks) runs and every
//! write operation is *not run*: never a pass, never "ready".

use chrono::{DateTime, Utc};
use scimwatch_core::scim::write_probe::{overall, EntraReaction, ProbeVerdict, StepOutcome};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::client::{Exchange, ScimClient};
use super::crawl::CancelFlag;
use super::discover::{discover_client, ComplianceReport};
use super::error::ScimError;
use super::test_connection::{check_client_config, connection_client};
use crate::engine::Engine;

mod at_start;
pub mod cleanup;
mod export;
mod groups;
pub mod plan;
mod report;
pub mod roles;
pub mod roles_mapping;
mod run;
mod stored;
mod users;
mod verify;

pub use at_start::{cleanup_at_start, spawn_cleanup_at_start, StartCleanup, IN_FLIGHT_GRACE};
pub use export::{export_probe, ProbeExportFormat};
pub use plan::{planned, Names, Op, Planned};
pub use stored::{
    cancel_probe, cleanup_now, latest_observation, observation, probe_plan, record, run_probe,
    stored_probe, verdict_name, Consent, PlannedRequest, ProbePlan, StoredProbe,
};

/// A request as sent (the token is never part of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SentRequest {
    pub method: String,
    pub url: String,
    /// The JSON body sent, if any.
    pub body: Option<String>,
}

/// One Entra operation replayed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ProbeStep {
    /// Stable code (`create_user`, `disable_user_string_false`, …).
    pub code: String,
    /// The Entra operation, for the admin.
    pub title: String,
    pub outcome: StepOutcome,
    /// What was seen.
    pub message: String,
    /// What Entra does when the SaaS answers so (failures only).
    pub entra_reaction: Option<EntraReaction>,
    pub entra_would: Option<String>,
    pub request: Option<SentRequest>,
    /// The response, token redacted.
    pub response: Option<Exchange>,
    /// The GET that read the effect back, token redacted.
    pub read_back: Option<Exchange>,
}

/// A throwaway object that could not be deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Leftover {
    /// `Users` or `Groups`.
    pub resource: String,
    /// The SCIM id, when known.
    pub id: Option<String>,
    /// Every name it had (`scimwatch-probe-…`).
    pub names: Vec<String>,
    pub reason: String,
}

/// The probe's report: one result per Entra operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ProbeReport {
    pub url: String,
    pub checked_at: DateTime<Utc>,
    /// Whether the write probe was requested (`--write
    /// --i-understand-this-writes`) and started.
    pub write_probe_run: bool,
    /// The read-side checks (discover's compliance report).
    pub read_side: Option<ComplianceReport>,
    pub steps: Vec<ProbeStep>,
    /// Throwaway objects the clean-up deleted (`Users/<id>
    /// (scimwatch-probe-…)`): leftovers of earlier, interrupted runs, and
    /// this run's own when its DELETE operations did not get to them.
    pub cleaned_up: Vec<String>,
    /// Throwaway objects that could not be deleted.
    pub leftovers: Vec<Leftover>,
    /// Why nothing (or not everything) could be probed.
    pub could_not_probe: Option<String>,
    pub verdict: ProbeVerdict,
}

impl ProbeReport {
    /// 0 ready for Entra, 1 problems, 2 could not probe.
    pub fn exit_code(&self) -> u8 {
        self.verdict.exit_code()
    }

    fn judge(&mut self) {
        let read_problems = self
            .read_side
            .as_ref()
            .is_some_and(|r| r.could_not_examine.is_none() && !r.compliant());
        let outcomes: Vec<StepOutcome> = self.steps.iter().map(|s| s.outcome).collect();
        self.verdict = overall(
            self.could_not_probe.is_some(),
            read_problems,
            self.write_probe_run,
            &outcomes,
            self.leftovers.len(),
        );
    }
}

/// How a run is driven.
#[derive(Default)]
pub struct RunOptions<'a> {
    /// Tripped: the probe stops before its next request and cleans up.
    pub cancel: CancelFlag,
    /// Called after each operation's result.
    pub on_step: Option<&'a (dyn Fn(&ProbeStep) + Send + Sync)>,
}

/// Probe a saved connection (uuid or name). The read side always runs (and
/// is recorded as discover's verdict); the write probe only with `write`.
/// The report is stored as the connection's latest of its kind.
pub async fn probe(
    engine: &Engine,
    connection: &str,
    write: bool,
    opts: &RunOptions<'_>,
    now: DateTime<Utc>,
) -> Result<ProbeReport, ScimError> {
    probe_named(engine, connection, write, opts, None, now).await
}

/// [`probe`] with the throwaway names' random part chosen by the caller
/// (the plan the admin consented to), else at random.
pub(crate) async fn probe_named(
    engine: &Engine,
    connection: &str,
    write: bool,
    opts: &RunOptions<'_>,
    token: Option<&str>,
    now: DateTime<Utc>,
) -> Result<ProbeReport, ScimError> {
    let (row, client) = connection_client(engine, connection, check_client_config()).await?;
    let read = discover_client(&client, now).await;
    super::discover::record(engine, row.id, &read).await?;
    let run = Run {
        write,
        opts,
        token,
        now,
    };
    let report = probe_with(engine, row.id, &client, read, run).await;
    // Stored as the latest of its kind: the Compliance tab shows it and the
    // checklist step "The SaaS handles Entra's updates" judges on it.
    stored::record(engine.store.pool(), row.id, &report).await?;
    Ok(report)
}

/// How one probe is run.
struct Run<'a> {
    write: bool,
    opts: &'a RunOptions<'a>,
    token: Option<&'a str>,
    now: DateTime<Utc>,
}

/// The probe against `client` after its read side.
async fn probe_with(
    engine: &Engine,
    connection_id: i64,
    client: &ScimClient,
    read: ComplianceReport,
    run: Run<'_>,
) -> ProbeReport {
    let Run {
        write,
        opts,
        token,
        now,
    } = run;
    let mut report = ProbeReport {
        url: client.base_url().to_string(),
        checked_at: now,
        write_probe_run: false,
        read_side: None,
        steps: Vec::new(),
        cleaned_up: Vec::new(),
        leftovers: Vec::new(),
        could_not_probe: None,
        verdict: ProbeVerdict::CouldNotProbe,
    };
    let blocked = read.could_not_examine.clone();
    report.read_side = Some(read);
    if let Some(why) = blocked {
        report.could_not_probe = Some(why);
        report.steps = run::not_run_all("the endpoint could not be examined");
    } else if !write {
        report.steps = run::not_run_all(
            "the write probe was not run: it needs --write --i-understand-this-writes",
        );
        // Leftovers of an interrupted run are shown, not deleted (that writes).
        match cleanup::pending(engine.store.pool(), connection_id).await {
            Ok(rows) => report.leftovers = rows,
            Err(e) => report.could_not_probe = Some(format!("cannot read the clean-up list: {e}")),
        }
    } else {
        report.write_probe_run = true;
        let w =
            run::write_probe(client, engine.store.pool(), connection_id, opts, token, now).await;
        report.steps = w.steps;
        report.cleaned_up = w.cleaned_up;
        report.leftovers = w.leftovers;
        report.could_not_probe = w.stopped;
    }
    report.judge();
    report
}
