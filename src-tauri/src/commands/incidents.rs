//! Incidents screen.

use scimwatch_core::validate::parse_user_date;
use scimwatch_core::ValidationError;
use scimwatch_engine::store::incidents::{self, IncidentView};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub async fn list_incidents(
    state: State<'_, AppState>,
    connection: Option<String>,
    active_only: bool,
) -> CommandResult<Vec<IncidentView>> {
    Ok(incidents::list(
        state.engine.store.pool(),
        connection.as_deref(),
        active_only,
        500,
    )
    .await?)
}

/// Snooze reminders until `until` (RFC 3339 or YYYY-MM-DD); `null` un-snoozes.
#[tauri::command]
pub async fn snooze_incident(
    state: State<'_, AppState>,
    id: i64,
    until: Option<String>,
) -> CommandResult<IncidentView> {
    let until = match until.as_deref() {
        None | Some("") => None,
        Some(t) => Some(parse_user_date(t).map_err(|m| ValidationError::single("until", m))?),
    };
    Ok(incidents::snooze(state.engine.store.pool(), id, until).await?)
}
