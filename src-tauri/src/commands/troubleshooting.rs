//! Troubleshooting screen: the checklist over live evidence.

use scimwatch_engine::api::troubleshooting as api;
use scimwatch_engine::monitor::ChecklistView;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub async fn run_checklist(state: State<'_, AppState>, id: String) -> CommandResult<ChecklistView> {
    Ok(api::run_checklist(&state.engine, &id).await?)
}

#[tauri::command]
pub async fn confirm_step(
    state: State<'_, AppState>,
    id: String,
    step: String,
) -> CommandResult<ChecklistView> {
    Ok(api::confirm_step(&state.engine, &id, &step).await?)
}
