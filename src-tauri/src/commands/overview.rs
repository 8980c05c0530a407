//! Overview screen: the Entra side at a glance, poll now.

use scimwatch_engine::api::overview::{self as api, StatusReport};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub async fn job_status(state: State<'_, AppState>, id: String) -> CommandResult<StatusReport> {
    Ok(api::job_status(&state.engine, &id).await?)
}

#[tauri::command]
pub async fn poll_now(state: State<'_, AppState>, id: Option<String>) -> CommandResult<()> {
    api::poll_now(state.watch().as_deref(), id).await
}
