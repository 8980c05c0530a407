//! Provisioning logs screen.

use chrono::Utc;
use scimwatch_engine::error::EngineError;
use scimwatch_engine::export::{ExportFormat, ExportResult};
use scimwatch_engine::store::events::{CycleRow, EventFilter, EventRow, Page};
use scimwatch_engine::views;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub async fn query_logs(
    state: State<'_, AppState>,
    id: String,
    filter: EventFilter,
    cursor: Option<String>,
    limit: Option<u32>,
) -> CommandResult<Page<EventRow>> {
    let filter = scimwatch_engine::log_filter::checked(&filter).map_err(EngineError::from)?;
    Ok(views::logs_page(
        &state.engine,
        &id,
        &filter,
        cursor.as_deref(),
        limit.unwrap_or(200),
    )
    .await?)
}

#[tauri::command]
pub async fn event_detail(
    state: State<'_, AppState>,
    id: String,
    event_id: String,
    activity_ms: i64,
) -> CommandResult<serde_json::Value> {
    Ok(views::event_detail(&state.engine, &id, &event_id, activity_ms).await?)
}

#[tauri::command]
pub async fn list_cycles(state: State<'_, AppState>, id: String) -> CommandResult<Vec<CycleRow>> {
    Ok(views::cycles(&state.engine, &id, 200).await?)
}

#[tauri::command]
pub async fn export_logs(
    state: State<'_, AppState>,
    id: String,
    filter: EventFilter,
    format: ExportFormat,
) -> CommandResult<ExportResult> {
    let filter = scimwatch_engine::log_filter::checked(&filter).map_err(EngineError::from)?;
    let stamp = Utc::now().format("%Y%m%d-%H%M%S").to_string();
    Ok(views::export_logs(&state.engine, &id, &filter, format, &stamp).await?)
}
