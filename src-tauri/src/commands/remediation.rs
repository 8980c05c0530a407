//! Opt-in remediation actions: the per-connection switch, provision on
//! demand and restart (preview, then send as previewed), the actions taken.
//! A delegated sign-in without consent to the write permission consents in
//! the app (the switch's "Sign in and consent…": `start_sign_in` with
//! `remediation`, then the switch again), or in a terminal with
//! `scimwatch-cli remediation NAME --enable`.

use scimwatch_engine::api::remediation as api;
use scimwatch_engine::remediate::{
    AuditEntry, GraphCall, OnDemandOutcome, RemediationStatus, RestartOutcome,
};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub async fn remediation_status(
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<RemediationStatus> {
    Ok(api::remediation_status(&state.engine, &id).await?)
}

#[tauri::command]
pub async fn enable_remediation(
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<RemediationStatus> {
    Ok(api::enable_remediation(&state.engine, &id).await?)
}

#[tauri::command]
pub async fn disable_remediation(
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<RemediationStatus> {
    Ok(api::disable_remediation(&state.engine, &id).await?)
}

#[tauri::command]
pub async fn remediation_actions(
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<Vec<AuditEntry>> {
    Ok(api::remediation_actions(&state.engine, &id).await?)
}

#[tauri::command]
pub async fn preview_provision_on_demand(
    state: State<'_, AppState>,
    id: String,
    user: String,
) -> CommandResult<GraphCall> {
    Ok(api::preview_provision_on_demand(&state.engine, &id, &user).await?)
}

#[tauri::command]
pub async fn provision_on_demand(
    state: State<'_, AppState>,
    id: String,
    user: String,
    confirmed: GraphCall,
) -> CommandResult<OnDemandOutcome> {
    Ok(api::provision_on_demand(&state.engine, &id, &user, &confirmed).await?)
}

#[tauri::command]
pub async fn preview_restart(
    state: State<'_, AppState>,
    id: String,
    scope: Vec<String>,
) -> CommandResult<GraphCall> {
    Ok(api::preview_restart(&state.engine, &id, &scope).await?)
}

#[tauri::command]
pub async fn restart_provisioning(
    state: State<'_, AppState>,
    id: String,
    scope: Vec<String>,
    confirmed: GraphCall,
) -> CommandResult<RestartOutcome> {
    Ok(api::restart_provisioning(&state.engine, &id, &scope, &confirmed).await?)
}
