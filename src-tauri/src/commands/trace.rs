//! The per-user trace: "when will user X show up?" — a search on the
//! Overview, traced through the assignments, the logs, the SaaS and the
//! job's next cycle.

use chrono::Utc;
use scimwatch_engine::read_models::{self, UserTrace};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub async fn trace_user(
    state: State<'_, AppState>,
    id: String,
    query: String,
) -> CommandResult<UserTrace> {
    Ok(read_models::trace_user(&state.engine, &id, &query, Utc::now()).await?)
}
