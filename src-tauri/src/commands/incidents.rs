//! Incidents screen.

use chrono::Utc;
use scimwatch_core::validate::parse_user_date;
use scimwatch_core::ValidationError;
use scimwatch_engine::store::incidents::{self, HistoryPage, IncidentView};
use tauri::{AppHandle, State};

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub async fn list_incidents(
    state: State<'_, AppState>,
    connection: Option<String>,
    active_only: bool,
) -> CommandResult<Vec<IncidentView>> {
    Ok(incidents::list(
        state.engine.store.pool(),
        connection.as_deref(),
        active_only,
        500,
    )
    .await?)
}

/// Snooze reminders until `until` (RFC 3339 or YYYY-MM-DD); `null` un-snoozes.
#[tauri::command]
pub async fn snooze_incident(
    state: State<'_, AppState>,
    id: i64,
    until: Option<String>,
) -> CommandResult<IncidentView> {
    let until = match until.as_deref() {
        None | Some("") => None,
        Some(t) => Some(parse_user_date(t).map_err(|m| ValidationError::single("until", m))?),
    };
    Ok(incidents::snooze(state.engine.store.pool(), id, until).await?)
}

/// Acknowledge: reminders stop; recovery is still detected.
#[tauri::command]
pub async fn acknowledge_incident(
    state: State<'_, AppState>,
    id: i64,
) -> CommandResult<IncidentView> {
    let by = incidents::local_user_name();
    Ok(incidents::acknowledge(state.engine.store.pool(), id, &by, Utc::now()).await?)
}

/// Resolve by hand with a note; re-opens at the next diagnosis if still failing.
#[tauri::command]
pub async fn resolve_incident(
    app: AppHandle,
    state: State<'_, AppState>,
    id: i64,
    note: String,
) -> CommandResult<IncidentView> {
    let by = incidents::local_user_name();
    let v = incidents::resolve(state.engine.store.pool(), id, &by, &note, Utc::now()).await?;
    crate::tray::refresh(&app).await;
    Ok(v)
}

/// The history, newest first, a page after `cursor`.
#[tauri::command]
pub async fn incident_history(
    state: State<'_, AppState>,
    connection: Option<String>,
    cursor: Option<String>,
    limit: i64,
) -> CommandResult<HistoryPage> {
    Ok(incidents::history(
        state.engine.store.pool(),
        connection.as_deref(),
        cursor.as_deref(),
        limit,
        Utc::now(),
    )
    .await?)
}
