//! Incidents screen: the list, snooze, acknowledge, resolve by hand, the
//! history, and one incident's chain of re-openings.

use chrono::Utc;
use scimwatch_core::validate::parse_user_date;
use scimwatch_core::ValidationError;

use crate::engine::Engine;
use crate::error::EngineError;
use crate::store::incidents::{self, HistoryPage, IncidentView};

/// The incidents listed at most.
const LISTED: i64 = 500;

/// Incidents newest first, of one connection (its uuid) or all;
/// `active_only` hides resolved ones.
pub async fn list_incidents(
    engine: &Engine,
    connection: Option<&str>,
    active_only: bool,
) -> Result<Vec<IncidentView>, EngineError> {
    incidents::list(engine.store.pool(), connection, active_only, LISTED).await
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
    incidents::snooze(engine.store.pool(), id, until).await
}

/// Acknowledge: reminders stop; recovery is still detected.
pub async fn acknowledge_incident(engine: &Engine, id: i64) -> Result<IncidentView, EngineError> {
    let by = incidents::local_user_name();
    incidents::acknowledge(engine.store.pool(), id, &by, Utc::now()).await
}

/// Resolve by hand with a note; re-opens at the next diagnosis if still failing.
pub async fn resolve_incident(
    engine: &Engine,
    id: i64,
    note: &str,
) -> Result<IncidentView, EngineError> {
    let by = incidents::local_user_name();
    incidents::resolve(engine.store.pool(), id, &by, note, Utc::now()).await
}

/// The history, newest first, a page after `cursor`.
pub async fn incident_history(
    engine: &Engine,
    connection: Option<&str>,
    cursor: Option<&str>,
    limit: i64,
) -> Result<HistoryPage, EngineError> {
    incidents::history(engine.store.pool(), connection, cursor, limit, Utc::now()).await
}

/// One incident's history: the hand-resolved incidents it re-opens, itself
/// and those that re-opened it, oldest first.
pub async fn incident_chain(engine: &Engine, id: i64) -> Result<Vec<IncidentView>, EngineError> {
    incidents::chain(engine.store.pool(), id).await
}
