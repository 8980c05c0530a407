//! Provisioning logs screen.

use scimwatch_engine::api::logs::{self as api, CycleRow, EventFilter, EventRow, Page};
use scimwatch_engine::error::EngineError;
use scimwatch_engine::export::{ExportFormat, ExportResult};
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
    Ok(api::query_logs(&state.engine, &id, &filter, cursor.as_deref(), limit).await?)
}

#[tauri::command]
pub async fn event_detail(
    state: State<'_, AppState>,
    id: String,
    event_id: String,
    activity_ms: i64,
) -> CommandResult<serde_json::Value> {
    Ok(api::event_detail(&state.engine, &id, &event_id, activity_ms).await?)
}

#[tauri::command]
pub async fn list_cycles(state: State<'_, AppState>, id: String) -> CommandResult<Vec<CycleRow>> {
    Ok(api::list_cycles(&state.engine, &id, None).await?)
}

#[tauri::command]
pub async fn export_logs(
    state: State<'_, AppState>,
    id: String,
    filter: EventFilter,
    format: ExportFormat,
    path: Option<String>,
) -> CommandResult<ExportResult> {
    Ok(api::export_logs(&state.engine, &id, &filter, format, path.as_deref()).await?)
}

/// "Show in folder" after an export: opens the folder holding `path` in the
/// file manager (`xdg-open`; the opener plugin is not a dependency).
#[tauri::command]
pub fn reveal_export(path: String) -> CommandResult<()> {
    open_folder(&api::reveal_export(&path)?).map_err(|m| EngineError::Io(m).into())
}

#[cfg(target_os = "linux")]
fn open_folder(folder: &std::path::Path) -> Result<(), String> {
    use std::process::{Command, Stdio};
    let mut child = Command::new("xdg-open")
        .arg(folder)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot open {} (xdg-open: {e})", folder.display()))?;
    // Reap it so no zombie is left behind.
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn open_folder(folder: &std::path::Path) -> Result<(), String> {
    Err(format!(
        "showing the folder is not supported here; the file is in {}",
        folder.display()
    ))
}
