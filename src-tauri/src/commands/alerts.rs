//! Settings → Alert channels: Teams, Slack, signed webhooks, e-mail, and
//! the outbox's dead letters. Secrets arrive in `AlertChannelInput` and
//! never travel back.

use chrono::Utc;
use scimwatch_engine::alerts::send::Sender;
use scimwatch_engine::alerts::{
    self, outbox, AddedChannel, AlertChannel, AlertChannelInput, AlertTestResult, DeadLetter,
};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub async fn list_alert_channels(state: State<'_, AppState>) -> CommandResult<Vec<AlertChannel>> {
    Ok(alerts::list(&state.engine).await?)
}

#[tauri::command]
pub async fn add_alert_channel(
    state: State<'_, AppState>,
    input: AlertChannelInput,
) -> CommandResult<AddedChannel> {
    Ok(alerts::add(&state.engine, &input, Utc::now()).await?)
}

#[tauri::command]
pub async fn remove_alert_channel(
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<AlertChannel> {
    Ok(alerts::remove(&state.engine, &id).await?)
}

/// "Send a test alert": directly, not through the outbox.
#[tauri::command]
pub async fn test_alert_channel(
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<AlertTestResult> {
    let sender = Sender::new(None).map_err(scimwatch_engine::EngineError::Io)?;
    Ok(alerts::test(&state.engine, &id, &sender, Utc::now()).await?)
}

#[tauri::command]
pub async fn list_dead_letters(state: State<'_, AppState>) -> CommandResult<Vec<DeadLetter>> {
    Ok(outbox::dead_letters(state.engine.store.pool(), 200).await?)
}

/// Queue dead letters again: one (`id`), or all of a channel, or all.
#[tauri::command]
pub async fn retry_dead_letters(
    state: State<'_, AppState>,
    id: Option<i64>,
    channel: Option<String>,
) -> CommandResult<u32> {
    let n = alerts::channels::retry(&state.engine, id, channel.as_deref(), Utc::now()).await?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}
