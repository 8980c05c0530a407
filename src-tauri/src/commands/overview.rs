//! Overview screen: the Entra side at a glance, poll now.

use chrono::Utc;
use scimwatch_core::{CommandError, ErrorKind};
use scimwatch_engine::graph::observe::{status_report, StatusReport};
use scimwatch_engine::store::connections as rows;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub async fn job_status(state: State<'_, AppState>, id: String) -> CommandResult<StatusReport> {
    let pool = state.engine.store.pool();
    let row = rows::require(pool, &id).await?;
    Ok(status_report(&state.engine.store, &row, Utc::now()).await?)
}

/// Poll Entra, test the SCIM endpoint and diagnose now (one connection or all).
#[tauri::command]
pub async fn poll_now(state: State<'_, AppState>, id: Option<String>) -> CommandResult<()> {
    match state.watch() {
        Some(w) => {
            w.poll_now(id).await;
            Ok(())
        }
        None => Err(CommandError {
            kind: ErrorKind::Internal,
            message: "monitoring is not running".into(),
            fields: Vec::new(),
        }),
    }
}
