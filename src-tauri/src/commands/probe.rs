//! Inventory → Compliance: "Test with Entra's requests" (issue 20); the
//! run's progress goes out as `probe-progress` events.

use scimwatch_engine::api::probe as api;
use scimwatch_engine::export::ExportResult;
use scimwatch_engine::scim::probe::{ProbeExportFormat, ProbePlan, ProbeStep, StoredProbe};
use serde::Serialize;
use tauri::{AppHandle, Emitter, State};

use crate::error::CommandResult;
use crate::state::AppState;

/// Emitted after each operation of a running probe.
pub const PROBE_PROGRESS: &str = "probe-progress";

#[derive(Debug, Clone, Serialize)]
struct ProbeProgressEvent {
    connection_id: String,
    step: ProbeStep,
}

#[tauri::command]
pub async fn probe_plan(state: State<'_, AppState>, id: String) -> CommandResult<ProbePlan> {
    Ok(api::probe_plan(&state.engine, &id).await?)
}

#[tauri::command]
pub async fn run_probe(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
    write: bool,
    token: Option<String>,
    host: Option<String>,
) -> CommandResult<StoredProbe> {
    let conn = id.clone();
    let emit = move |s: &ProbeStep| {
        let e = ProbeProgressEvent {
            connection_id: conn.clone(),
            step: s.clone(),
        };
        if let Err(e) = app.emit(PROBE_PROGRESS, e) {
            tracing::warn!(error = %e, "could not emit probe progress");
        }
    };
    Ok(api::run_probe(&state.engine, &id, write, token, host, Some(&emit)).await?)
}

#[tauri::command]
pub async fn cancel_probe(state: State<'_, AppState>, id: String) -> CommandResult<bool> {
    Ok(api::cancel_probe(&state.engine, &id).await?)
}

#[tauri::command]
pub async fn probe_cleanup(state: State<'_, AppState>, id: String) -> CommandResult<StoredProbe> {
    Ok(api::probe_cleanup(&state.engine, &id).await?)
}

#[tauri::command]
pub async fn stored_probe(state: State<'_, AppState>, id: String) -> CommandResult<StoredProbe> {
    Ok(api::stored_probe(&state.engine, &id).await?)
}

#[tauri::command]
pub async fn export_probe(
    state: State<'_, AppState>,
    id: String,
    format: ProbeExportFormat,
    path: String,
) -> CommandResult<ExportResult> {
    Ok(api::export_probe(&state.engine, &id, format, &path).await?)
}
