//! Token screen: expiry, last verified, Test Connection (also with a new token).

use scimwatch_core::Sensitive;
use scimwatch_engine::api::token::{self as api, CheckSummary};
use scimwatch_engine::scim::{CheckResult, TokenStatus};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub async fn token_status(state: State<'_, AppState>, id: String) -> CommandResult<TokenStatus> {
    Ok(api::token_status(&state.engine, &id).await?)
}

#[tauri::command]
pub async fn test_connection(state: State<'_, AppState>, id: String) -> CommandResult<CheckResult> {
    Ok(api::test_connection(&state.engine, &id).await?)
}

#[tauri::command]
pub async fn test_new_token(
    state: State<'_, AppState>,
    id: String,
    token: Sensitive<String>,
) -> CommandResult<CheckResult> {
    Ok(api::test_new_token(&state.engine, &id, &token).await?)
}

#[tauri::command]
pub async fn check_history(
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<Vec<CheckSummary>> {
    Ok(api::check_history(&state.engine, &id).await?)
}

#[tauri::command]
pub async fn latest_check(
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<Option<CheckResult>> {
    Ok(api::latest_check(&state.engine, &id).await?)
}
