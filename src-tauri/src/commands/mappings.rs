//! Mappings & assignments screen.

use scimwatch_engine::read_models::{self, MappingsView};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// The targets are compared with the `/Schemas` of the latest recorded
/// discovery, and the stored compliance comes along (nothing is asked of
/// the SaaS; the Inventory's "Re-examine" and Mappings' run `scim_compliance`
/// with `reexamine`).
#[tauri::command]
pub async fn mappings_view(state: State<'_, AppState>, id: String) -> CommandResult<MappingsView> {
    Ok(read_models::mappings_screen(&state.engine, &id).await?)
}
