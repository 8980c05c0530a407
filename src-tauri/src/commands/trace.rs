//! The per-user trace: "when will user X show up?" — a search on the
//! Overview, traced through the assignments, the logs, the SaaS and the
//! job's next cycle.

use scimwatch_engine::api::trace::{self as api, UserTrace};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub async fn trace_user(
    state: State<'_, AppState>,
    id: String,
    query: String,
) -> CommandResult<UserTrace> {
    Ok(api::trace_user(&state.engine, &id, &query).await?)
}
