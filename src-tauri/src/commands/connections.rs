//! Connections screen.

use chrono::Utc;
use scimwatch_core::{Connection, ConnectionInput};
use scimwatch_engine::connections::{self, SaveOutcome, TestDepth, TestResult};
use scimwatch_engine::read_models::fleet::{TenantApp, TenantSummary};
use scimwatch_engine::SecretsPayload;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub async fn list_connections(state: State<'_, AppState>) -> CommandResult<Vec<Connection>> {
    Ok(connections::list(&state.engine.store).await?)
}

/// The apps of an all-apps tenant, worst first (none for another connection).
#[tauri::command]
pub async fn tenant_apps(
    state: State<'_, AppState>,
    tenant: String,
) -> CommandResult<Vec<TenantApp>> {
    Ok(scimwatch_engine::read_models::fleet::tenant_apps(&state.engine.store, &tenant).await?)
}

/// An all-apps tenant at a glance: its apps worst first, how many need
/// attention, its Graph budget (`None` for another connection).
#[tauri::command]
pub async fn tenant_summary(
    state: State<'_, AppState>,
    tenant: String,
) -> CommandResult<Option<TenantSummary>> {
    Ok(scimwatch_engine::read_models::fleet::tenant_summary(&state.engine.store, &tenant).await?)
}

#[tauri::command]
pub async fn add_connection(
    state: State<'_, AppState>,
    input: ConnectionInput,
    secrets: SecretsPayload,
) -> CommandResult<SaveOutcome> {
    let e = &state.engine;
    Ok(connections::add(
        &e.store,
        e.secrets.as_ref(),
        &input,
        &secrets.into(),
        Utc::now(),
    )
    .await?)
}

#[tauri::command]
pub async fn update_connection(
    state: State<'_, AppState>,
    id: String,
    input: ConnectionInput,
    secrets: SecretsPayload,
) -> CommandResult<SaveOutcome> {
    let e = &state.engine;
    let s = secrets.into();
    Ok(connections::update(&e.store, e.secrets.as_ref(), &id, &input, &s, Utc::now()).await?)
}

#[tauri::command]
pub async fn remove_connection(
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<Connection> {
    let e = &state.engine;
    Ok(connections::remove(&e.store, e.secrets.as_ref(), &id).await?)
}

/// "Test" on the form: what is typed, unsaved. The typed secrets are used
/// for this test only: never stored, logged or sent back.
#[tauri::command]
pub async fn test_connection_input(
    state: State<'_, AppState>,
    id: Option<String>,
    input: ConnectionInput,
    secrets: SecretsPayload,
    resolve_only: Option<bool>,
) -> CommandResult<TestResult> {
    let e = &state.engine;
    let depth = match resolve_only {
        Some(true) => TestDepth::BeforeSave,
        _ => TestDepth::Full,
    };
    let s = secrets.into();
    Ok(connections::test_unsaved(
        &e.store,
        e.secrets.as_ref(),
        id.as_deref(),
        &input,
        &s,
        depth,
        Utc::now(),
    )
    .await?)
}
