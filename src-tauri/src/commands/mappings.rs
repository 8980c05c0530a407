//! Mappings & assignments screen.

use scimwatch_engine::api::mappings as api;
use scimwatch_engine::read_models::MappingsView;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub async fn mappings_view(state: State<'_, AppState>, id: String) -> CommandResult<MappingsView> {
    Ok(api::mappings_view(&state.engine, &id).await?)
}
