//! Incidents screen.

use scimwatch_engine::api::incidents::{self as api, HistoryPage, IncidentView};
use tauri::{AppHandle, State};

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub async fn list_incidents(
    state: State<'_, AppState>,
    connection: Option<String>,
    active_only: bool,
) -> CommandResult<Vec<IncidentView>> {
    Ok(api::list_incidents(&state.engine, connection.as_deref(), active_only).await?)
}

#[tauri::command]
pub async fn snooze_incident(
    state: State<'_, AppState>,
    id: i64,
    until: Option<String>,
) -> CommandResult<IncidentView> {
    Ok(api::snooze_incident(&state.engine, id, until.as_deref()).await?)
}

#[tauri::command]
pub async fn acknowledge_incident(
    state: State<'_, AppState>,
    id: i64,
) -> CommandResult<IncidentView> {
    Ok(api::acknowledge_incident(&state.engine, id).await?)
}

/// Resolve by hand; the tray follows at once.
#[tauri::command]
pub async fn resolve_incident(
    app: AppHandle,
    state: State<'_, AppState>,
    id: i64,
    note: String,
) -> CommandResult<IncidentView> {
    let v = api::resolve_incident(&state.engine, id, &note).await?;
    crate::tray::refresh(&app).await;
    Ok(v)
}

#[tauri::command]
pub async fn incident_history(
    state: State<'_, AppState>,
    connection: Option<String>,
    cursor: Option<String>,
    limit: i64,
) -> CommandResult<HistoryPage> {
    let (c, k) = (connection.as_deref(), cursor.as_deref());
    Ok(api::incident_history(&state.engine, c, k, limit).await?)
}

#[tauri::command]
pub async fn incident_chain(
    state: State<'_, AppState>,
    id: i64,
) -> CommandResult<Vec<IncidentView>> {
    Ok(api::incident_chain(&state.engine, id).await?)
}
