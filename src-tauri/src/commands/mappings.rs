//! Mappings & assignments screen.

use scimwatch_engine::views::{self, MappingsView};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub async fn mappings_view(state: State<'_, AppState>, id: String) -> CommandResult<MappingsView> {
    Ok(views::mappings(&state.engine, &id).await?)
}
