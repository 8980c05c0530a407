//! `check`: one whole examination of connections, now — read Entra (every
//! Graph stream), replay Test Connection, run a discovery when none is
//! recent, evaluate the checklist — and its verdict: 0 healthy, 1 problems
//! found, 2 could not check. The CLI prints it; the verdict matrix
//! (`tests/it/verdict_matrix.rs`) runs exactly this.
//!
//! Evidence rules: a step that could not look, a stream that was not read
//! and a blind side are named in [`Checkup::could_not_check`] and never
//! counted as healthy; a failing step or a warning finding is a problem.
//! An opt-in step that has not run ([`OPT_IN_STEPS`]: the write probe) is
//! named in [`Checkup::not_run`]: never a pass, and not "could not check".

use std::time::Duration;

use chrono::{DateTime, Utc};
use scimwatch_core::checklist::{Overall, StepStatus, OPT_IN_STEPS};
use scimwatch_core::connection::GroupRole;
use scimwatch_core::health::{stream_line, FindingKind, Severity};
use scimwatch_core::Connection;
use serde::Serialize;

use crate::engine::Engine;
use crate::error::EngineError;
use crate::graph::observe::status_report;
use crate::monitor::{check_scim_due, discover_due, local_offset, run_checklist, ChecklistView};
use crate::poll_target::PollTarget;
use crate::poller::{poll_once, Event, PollConfig};
use crate::store::connections as rows;

/// SCIM compliance is judged on a discovery at most this old.
pub const DISCOVERY_MAX_AGE: Duration = Duration::from_secs(24 * 3600);

/// What `check` found.
#[derive(Debug, Clone, Serialize)]
pub struct Checkup {
    /// Everything that could not be examined, and why ("Acme: step
    /// \"…\": scimwatch has not read …", Graph errors, discovery failures).
    pub could_not_check: Vec<String>,
    /// Opt-in steps that have not run, and how to run them ("Acme: step
    /// \"The SaaS handles Entra's updates\": never probed; …"). They do not
    /// change the exit code.
    pub not_run: Vec<String>,
    /// Each Graph stream that was not read: "logs: delayed until 14:05 (throttled)".
    pub graph_streams: Vec<String>,
    pub connections: Vec<ChecklistView>,
}

fn blind(k: FindingKind) -> bool {
    matches!(k, FindingKind::GraphBlind | FindingKind::ScimBlind)
}

impl Checkup {
    /// A step fails, or a finding of at least warning severity that is not
    /// the monitor's own blindness.
    pub fn problems(&self) -> bool {
        self.connections
            .iter()
            .flat_map(|v| &v.findings)
            .any(|f| f.severity >= Severity::Warning && !blind(f.kind))
            || self
                .connections
                .iter()
                .any(|v| v.run.overall == Overall::Fail)
    }

    /// Something could not be examined (a blind side counts).
    pub fn could_not(&self) -> bool {
        !self.could_not_check.is_empty()
            || self
                .connections
                .iter()
                .flat_map(|v| &v.findings)
                .any(|f| blind(f.kind))
    }

    /// Healthy only when everything was examined and nothing is wrong.
    pub fn healthy(&self) -> bool {
        !self.problems() && !self.could_not()
    }

    /// 0 healthy, 1 problems found, 2 could not check.
    pub fn exit_code(&self) -> u8 {
        if self.problems() {
            1
        } else if self.could_not() {
            2
        } else {
            0
        }
    }
}

/// Examine `list` now. `poll` is the poller's configuration (tests pass
/// faster HTTP settings).
pub async fn run(
    engine: &Engine,
    list: &[Connection],
    poll: &PollConfig,
    now: DateTime<Utc>,
) -> Result<Checkup, EngineError> {
    let mut could_not_check = Vec::new();
    let mut graph_streams = Vec::new();
    for c in list.iter().filter(|c| c.entra.is_some()) {
        match poll_once(engine, poll, Some(&c.id)).await {
            Ok(events) => could_not_check.extend(events.into_iter().filter_map(|e| match e {
                Event::PollError { message, .. } => Some(format!("{}: {message}", c.name)),
                _ => None,
            })),
            Err(e) => could_not_check.push(format!("{}: {e}", c.name)),
        }
        if let Some(row) = rows::get_by_uuid(engine.store.pool(), &c.id).await? {
            let r = status_report(&engine.store, &row, now).await?;
            graph_streams.extend(r.streams.iter().filter(|s| s.state != "ok").map(|s| {
                format!(
                    "{}: {}",
                    c.name,
                    stream_line(&s.health, &r.connection, local_offset(), now)
                )
            }));
        }
    }
    could_not_check
        .extend(check_scim_due(engine, Duration::ZERO, Some(&PollTarget::Every), now).await);
    could_not_check.extend(discover_due(engine, DISCOVERY_MAX_AGE, now).await);
    let mut connections = Vec::new();
    // An all-apps tenant is checked through its apps (its own problems,
    // discovery refused or failing, are in `graph_streams`); a retired app
    // is history.
    let checked = |c: &&Connection| {
        c.group
            .as_ref()
            .is_none_or(|g| g.role != GroupRole::Tenant && g.retired.is_none())
    };
    for c in list.iter().filter(checked) {
        connections.push(run_checklist(engine, &c.id, now).await?);
    }
    // A step that could not look is never healthy: it is named (an opt-in
    // step that has not run, as not run).
    let mut not_run = Vec::new();
    for v in &connections {
        for st in v
            .run
            .steps
            .iter()
            .filter(|s| s.status == StepStatus::Unknown)
        {
            let why = st.outcome.why_unknown.as_deref().unwrap_or("no evidence");
            let line = format!("{}: step \"{}\": {why}", v.connection_name, st.title);
            if OPT_IN_STEPS.contains(&st.id.as_str()) {
                not_run.push(line);
            } else {
                could_not_check.push(line);
            }
        }
    }
    Ok(Checkup {
        could_not_check,
        not_run,
        graph_streams,
        connections,
    })
}
