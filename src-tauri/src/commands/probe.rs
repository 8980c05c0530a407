//! Inventory → Compliance: "Test with Entra's requests" (issue 20). The
//! plan first, the run (the write probe only with the plan's token and the
//! host typed back — the engine refuses otherwise), progress events, cancel
//! (the run still cleans up), clean-up of leftovers, the stored report and
//! its export.

use chrono::Utc;
use scimwatch_engine::export::ExportResult;
use scimwatch_engine::scim::probe::{
    self, Consent, ProbeExportFormat, ProbePlan, ProbeStep, StoredProbe,
};
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
    Ok(probe::probe_plan(&state.engine, &id).await?)
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
    let consent = match (token, host) {
        (Some(token), Some(host)) => Some(Consent { token, host }),
        _ => None,
    };
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
    Ok(probe::run_probe(&state.engine, &id, write, consent, Some(&emit), Utc::now()).await?)
}

#[tauri::command]
pub async fn cancel_probe(state: State<'_, AppState>, id: String) -> CommandResult<bool> {
    Ok(probe::cancel_probe(&state.engine, &id).await?)
}

#[tauri::command]
pub async fn probe_cleanup(state: State<'_, AppState>, id: String) -> CommandResult<StoredProbe> {
    Ok(probe::cleanup_now(&state.engine, &id).await?)
}

#[tauri::command]
pub async fn stored_probe(state: State<'_, AppState>, id: String) -> CommandResult<StoredProbe> {
    Ok(probe::stored_probe(&state.engine, &id).await?)
}

#[tauri::command]
pub async fn export_probe(
    state: State<'_, AppState>,
    id: String,
    format: ProbeExportFormat,
    path: String,
) -> CommandResult<ExportResult> {
    Ok(probe::export_probe(&state.engine, &id, format, &path).await?)
}
