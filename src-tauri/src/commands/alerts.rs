//! Settings → Alert channels: Teams, Slack, signed webhooks, e-mail, and
//! the outbox's dead letters. Secrets arrive in `AlertChannelInput` and
//! never travel back.

use scimwatch_engine::alerts::{
    AddedChannel, AlertChannel, AlertChannelInput, AlertTestResult, DeadLetter,
};
use scimwatch_engine::api::alerts as api;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub async fn list_alert_channels(state: State<'_, AppState>) -> CommandResult<Vec<AlertChannel>> {
    Ok(api::list_alert_channels(&state.engine).await?)
}

#[tauri::command]
pub async fn add_alert_channel(
    state: State<'_, AppState>,
    input: AlertChannelInput,
) -> CommandResult<AddedChannel> {
    Ok(api::add_alert_channel(&state.engine, &input).await?)
}

#[tauri::command]
pub async fn remove_alert_channel(
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<AlertChannel> {
    Ok(api::remove_alert_channel(&state.engine, &id).await?)
}

#[tauri::command]
pub async fn test_alert_channel(
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<AlertTestResult> {
    Ok(api::test_alert_channel(&state.engine, &id).await?)
}

#[tauri::command]
pub async fn list_dead_letters(state: State<'_, AppState>) -> CommandResult<Vec<DeadLetter>> {
    Ok(api::list_dead_letters(&state.engine).await?)
}

#[tauri::command]
pub async fn retry_dead_letters(
    state: State<'_, AppState>,
    id: Option<i64>,
    channel: Option<String>,
) -> CommandResult<u32> {
    Ok(api::retry_dead_letters(&state.engine, id, channel.as_deref()).await?)
}
