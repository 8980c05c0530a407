//! Mappings & assignments screen.

use scimwatch_engine::views::{self, MappingsView};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// With `schemas: true`, the targets are also compared with the SaaS's
/// `/Schemas` (one GET to the SCIM endpoint).
#[tauri::command]
pub async fn mappings_view(
    state: State<'_, AppState>,
    id: String,
    schemas: Option<bool>,
) -> CommandResult<MappingsView> {
    Ok(if schemas.unwrap_or(false) {
        views::mappings_with_schemas(&state.engine, &id, chrono::Utc::now().timestamp_millis())
            .await?
    } else {
        views::mappings(&state.engine, &id).await?
    })
}
