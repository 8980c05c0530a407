//! Incidents screen: the list, snooze, acknowledge, resolve by hand, the
//! history, and one incident's chain of re-openings.

use chrono::{DateTime, Utc};
use scimwatch_core::health::Severity;
use scimwatch_core::incident::{IncidentState, IncidentStatus};
use scimwatch_core::validate::parse_user_date;
use scimwatch_core::ValidationError;
use serde::Serialize;
use ts_rs::TS;

use crate::engine::Engine;
use crate::error::EngineError;
use crate::store::incidents;

/// An incident as the Incidents screen and `scimwatch-cli incidents` show it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct IncidentView {
    pub id: i64,
    pub connection_id: String,
    pub connection_name: String,
    pub incident: IncidentState,
    /// The hand-resolved incident this one re-opens.
    #[ts(type = "number | null")]
    pub reopened_from: Option<i64>,
    /// The incident that re-opened this one (resolved by hand, still failing).
    #[ts(type = "number | null")]
    pub reopened_as: Option<i64>,
}

impl From<incidents::IncidentView> for IncidentView {
    fn from(v: incidents::IncidentView) -> Self {
        Self {
            id: v.id,
            connection_id: v.connection_id,
            connection_name: v.connection_name,
            incident: v.incident,
            reopened_from: v.reopened_from,
            reopened_as: v.reopened_as,
        }
    }
}

/// One line of the history.
#[derive(Debug, Clone, Serialize, TS)]
pub struct HistoryEntry {
    #[ts(type = "number")]
    pub id: i64,
    pub connection_id: String,
    pub connection_name: String,
    pub kind: String,
    pub severity: Severity,
    pub state: IncidentStatus,
    pub title: String,
    #[ts(type = "string")]
    pub opened_at: DateTime<Utc>,
    #[ts(type = "string | null")]
    pub resolved_at: Option<DateTime<Utc>>,
    /// From start to end, or to `now` while it is open.
    #[ts(type = "number")]
    pub duration_ms: i64,
    pub resolved_by_hand: bool,
    pub resolved_by: Option<String>,
    pub note: Option<String>,
    /// The hand-resolved incident this one re-opens.
    #[ts(type = "number | null")]
    pub reopened_from: Option<i64>,
}

impl From<incidents::HistoryEntry> for HistoryEntry {
    fn from(e: incidents::HistoryEntry) -> Self {
        Self {
            id: e.id,
            connection_id: e.connection_id,
            connection_name: e.connection_name,
            kind: e.kind,
            severity: e.severity,
            state: e.state,
            title: e.title,
            opened_at: e.opened_at,
            resolved_at: e.resolved_at,
            duration_ms: e.duration_ms,
            resolved_by_hand: e.resolved_by_hand,
            resolved_by: e.resolved_by,
            note: e.note,
            reopened_from: e.reopened_from,
        }
    }
}

/// A page of history, newest first.
#[derive(Debug, Clone, Serialize, TS)]
pub struct HistoryPage {
    pub items: Vec<HistoryEntry>,
    /// Pass back for the next (older) page; `null` at the end.
    pub next_cursor: Option<String>,
}

impl From<incidents::HistoryPage> for HistoryPage {
    fn from(p: incidents::HistoryPage) -> Self {
        Self {
            items: p.items.into_iter().map(HistoryEntry::from).collect(),
            next_cursor: p.next_cursor,
        }
    }
}

fn views(list: Vec<incidents::IncidentView>) -> Vec<IncidentView> {
    list.into_iter().map(IncidentView::from).collect()
}

/// The incidents listed at most.
const LISTED: i64 = 500;

/// Incidents newest first, of one connection (its uuid) or all;
/// `active_only` hides resolved ones.
pub async fn list_incidents(
    engine: &Engine,
    connection: Option<&str>,
    active_only: bool,
) -> Result<Vec<IncidentView>, EngineError> {
    let list = incidents::list(engine.store.pool(), connection, active_only, LISTED).await?;
    Ok(views(list))
}

/// Snooze reminders until `until` (RFC 3339 or YYYY-MM-DD); `None` or an
/// empty text un-snoozes.
pub async fn snooze_incident(
    engine: &Engine,
    id: i64,
    until: Option<&str>,
) -> Result<IncidentView, EngineError> {
    let until = match until {
        None | Some("") => None,
        Some(t) => Some(parse_user_date(t).map_err(|m| ValidationError::single("until", m))?),
    };
    Ok(incidents::snooze(engine.store.pool(), id, until)
        .await?
        .into())
}

/// Acknowledge: reminders stop; recovery is still detected.
pub async fn acknowledge_incident(engine: &Engine, id: i64) -> Result<IncidentView, EngineError> {
    let by = incidents::local_user_name();
    Ok(
        incidents::acknowledge(engine.store.pool(), id, &by, Utc::now())
            .await?
            .into(),
    )
}

/// Resolve by hand with a note; re-opens at the next diagnosis if still failing.
pub async fn resolve_incident(
    engine: &Engine,
    id: i64,
    note: &str,
) -> Result<IncidentView, EngineError> {
    let by = incidents::local_user_name();
    let v = incidents::resolve(engine.store.pool(), id, &by, note, Utc::now()).await?;
    Ok(v.into())
}

/// The history, newest first, a page after `cursor`.
pub async fn incident_history(
    engine: &Engine,
    connection: Option<&str>,
    cursor: Option<&str>,
    limit: i64,
) -> Result<HistoryPage, EngineError> {
    let page = incidents::history(engine.store.pool(), connection, cursor, limit, Utc::now());
    Ok(page.await?.into())
}

/// One incident's history: the hand-resolved incidents it re-opens, itself
/// and those that re-opened it, oldest first.
pub async fn incident_chain(engine: &Engine, id: i64) -> Result<Vec<IncidentView>, EngineError> {
    Ok(views(incidents::chain(engine.store.pool(), id).await?))
}
