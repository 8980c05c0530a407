//! Find a user: "when will user X show up?" — traced through the
//! assignments, the logs, the SaaS and the job's next cycle.

use chrono::Utc;
use scimwatch_core::trace::TraceJudgement;
use serde::Serialize;
use ts_rs::TS;

use super::logs::EventRow;
use crate::engine::Engine;
use crate::error::EngineError;
use crate::read_models::{self, Trace, TraceCandidate};

/// What a search found: the people it matched and, when it names one, the trace.
#[derive(Debug, Clone, Serialize, TS)]
pub struct UserTrace {
    pub connection_id: String,
    pub query: String,
    /// Who the search matched, exact matches first (at most 20).
    pub candidates: Vec<TraceCandidate>,
    /// More matched than are listed.
    pub more_candidates: bool,
    /// The person traced: the only match, the only exact one, or the one
    /// whose key was searched. `None` when the search matched nobody or
    /// several people (pick one from `candidates`).
    pub traced: Option<TraceCandidate>,
    pub judgement: Option<TraceJudgement>,
    /// Their newest events, newest first.
    pub events: Vec<EventRow>,
    /// The Logs screen's "who" filter that lists every event about them.
    pub logs_filter: Option<String>,
    /// The app's Provisioning page in the Entra admin center (where
    /// Provision on demand is), when the app's ids are known.
    pub provisioning_link: Option<String>,
}

impl From<Trace> for UserTrace {
    fn from(t: Trace) -> Self {
        Self {
            connection_id: t.connection_id,
            query: t.query,
            candidates: t.candidates,
            more_candidates: t.more_candidates,
            traced: t.traced,
            judgement: t.judgement,
            events: t.events.into_iter().map(EventRow::from).collect(),
            logs_filter: t.logs_filter,
            provisioning_link: t.provisioning_link,
        }
    }
}

pub async fn trace_user(engine: &Engine, id: &str, query: &str) -> Result<UserTrace, EngineError> {
    Ok(read_models::trace_user(engine, id, query, Utc::now())
        .await?
        .into())
}
