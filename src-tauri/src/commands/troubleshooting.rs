//! Troubleshooting screen: the checklist over live evidence.

use chrono::Utc;
use scimwatch_engine::monitor::{self, ChecklistView};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub async fn run_checklist(state: State<'_, AppState>, id: String) -> CommandResult<ChecklistView> {
    Ok(monitor::run_checklist(&state.engine, &id, Utc::now()).await?)
}

#[tauri::command]
pub async fn confirm_step(
    state: State<'_, AppState>,
    id: String,
    step: String,
) -> CommandResult<ChecklistView> {
    Ok(monitor::confirm_step(&state.engine, &id, &step, Utc::now()).await?)
}
