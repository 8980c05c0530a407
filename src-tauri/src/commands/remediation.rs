//! Opt-in remediation actions: the per-connection switch, provision on
//! demand and restart (preview, then send as previewed), the actions taken.
//! The switch checks the stored sign-in: a delegated one's consent to the
//! write permission, an application's permission. A delegated sign-in
//! without that consent consents in the app (the switch's "Sign in and
//! consent…": `start_sign_in` with `remediation`, then the switch again),
//! or in a terminal with `scimwatch-cli remediation NAME --enable`.

use chrono::Utc;
use scimwatch_engine::remediate::{
    self, AuditEntry, Consent, GraphCall, OnDemandOutcome, RemediationStatus, RestartOutcome,
};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub async fn remediation_status(
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<RemediationStatus> {
    Ok(remediate::status(&state.engine, &id).await?)
}

#[tauri::command]
pub async fn enable_remediation(
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<RemediationStatus> {
    Ok(remediate::enable(&state.engine, &id, Consent::Stored, Utc::now()).await?)
}

#[tauri::command]
pub async fn disable_remediation(
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<RemediationStatus> {
    Ok(remediate::disable(&state.engine, &id, Utc::now()).await?)
}

#[tauri::command]
pub async fn remediation_actions(
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<Vec<AuditEntry>> {
    Ok(remediate::actions(&state.engine, &id, 50).await?)
}

#[tauri::command]
pub async fn preview_provision_on_demand(
    state: State<'_, AppState>,
    id: String,
    user: String,
) -> CommandResult<GraphCall> {
    Ok(remediate::preview_on_demand(&state.engine, &id, &user).await?)
}

#[tauri::command]
pub async fn provision_on_demand(
    state: State<'_, AppState>,
    id: String,
    user: String,
    confirmed: GraphCall,
) -> CommandResult<OnDemandOutcome> {
    Ok(
        remediate::provision_on_demand(&state.engine, &id, &user, Some(&confirmed), Utc::now())
            .await?,
    )
}

#[tauri::command]
pub async fn preview_restart(
    state: State<'_, AppState>,
    id: String,
    scope: Vec<String>,
) -> CommandResult<GraphCall> {
    Ok(remediate::preview_restart(&state.engine, &id, &scope).await?)
}

#[tauri::command]
pub async fn restart_provisioning(
    state: State<'_, AppState>,
    id: String,
    scope: Vec<String>,
    confirmed: GraphCall,
) -> CommandResult<RestartOutcome> {
    Ok(remediate::restart(&state.engine, &id, &scope, Some(&confirmed), Utc::now()).await?)
}
