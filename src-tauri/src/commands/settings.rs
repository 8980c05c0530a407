//! Settings screen.

use scimwatch_engine::AppInfo;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> CommandResult<AppInfo> {
    Ok(state.engine.info())
}
