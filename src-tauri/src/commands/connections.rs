//! Connections screen.

use scimwatch_core::{Connection, ConnectionInput};
use scimwatch_engine::api::connections as api;
use scimwatch_engine::connections::{SaveOutcome, TestResult};
use scimwatch_engine::read_models::fleet::{TenantApp, TenantSummary};
use scimwatch_engine::SecretsPayload;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub async fn list_connections(state: State<'_, AppState>) -> CommandResult<Vec<Connection>> {
    Ok(api::list_connections(&state.engine).await?)
}

#[tauri::command]
pub async fn tenant_apps(
    state: State<'_, AppState>,
    tenant: String,
) -> CommandResult<Vec<TenantApp>> {
    Ok(api::tenant_apps(&state.engine, &tenant).await?)
}

#[tauri::command]
pub async fn tenant_summary(
    state: State<'_, AppState>,
    tenant: String,
) -> CommandResult<Option<TenantSummary>> {
    Ok(api::tenant_summary(&state.engine, &tenant).await?)
}

#[tauri::command]
pub async fn add_connection(
    state: State<'_, AppState>,
    input: ConnectionInput,
    secrets: SecretsPayload,
) -> CommandResult<SaveOutcome> {
    Ok(api::add_connection(&state.engine, &input, &secrets.into()).await?)
}

#[tauri::command]
pub async fn update_connection(
    state: State<'_, AppState>,
    id: String,
    input: ConnectionInput,
    secrets: SecretsPayload,
) -> CommandResult<SaveOutcome> {
    Ok(api::update_connection(&state.engine, &id, &input, &secrets.into()).await?)
}

#[tauri::command]
pub async fn remove_connection(
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<Connection> {
    Ok(api::remove_connection(&state.engine, &id).await?)
}

/// "Test" on the form: what is typed, unsaved.
#[tauri::command]
pub async fn test_connection_input(
    state: State<'_, AppState>,
    id: Option<String>,
    input: ConnectionInput,
    secrets: SecretsPayload,
    resolve_only: Option<bool>,
) -> CommandResult<TestResult> {
    let (e, s) = (&state.engine, secrets.into());
    Ok(api::test_connection_input(e, id.as_deref(), &input, &s, resolve_only).await?)
}
