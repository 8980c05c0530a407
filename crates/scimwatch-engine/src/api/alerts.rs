//! Settings → Alert channels: Teams, Slack, signed webhooks, e-mail, and
//! the outbox's dead letters. Secrets arrive in `AlertChannelInput` and
//! never travel back.

use chrono::Utc;

use crate::alerts::send::Sender;
use crate::alerts::{
    self, outbox, AddedChannel, AlertChannel, AlertChannelInput, AlertTestResult, DeadLetter,
};
use crate::engine::Engine;
use crate::error::EngineError;

/// The dead letters listed at most.
const DEAD_LETTERS_SHOWN: i64 = 200;

pub async fn list_alert_channels(engine: &Engine) -> Result<Vec<AlertChannel>, EngineError> {
    alerts::list(engine).await
}

pub async fn add_alert_channel(
    engine: &Engine,
    input: &AlertChannelInput,
) -> Result<AddedChannel, EngineError> {
    alerts::add(engine, input, Utc::now()).await
}

pub async fn remove_alert_channel(engine: &Engine, id: &str) -> Result<AlertChannel, EngineError> {
    alerts::remove(engine, id).await
}

/// "Send a test alert": directly, not through the outbox.
pub async fn test_alert_channel(engine: &Engine, id: &str) -> Result<AlertTestResult, EngineError> {
    let sender = Sender::new(None).map_err(EngineError::Io)?;
    alerts::test(engine, id, &sender, Utc::now()).await
}

pub async fn list_dead_letters(engine: &Engine) -> Result<Vec<DeadLetter>, EngineError> {
    outbox::dead_letters(engine.store.pool(), DEAD_LETTERS_SHOWN).await
}

/// Queue dead letters again: one (`id`), or all of a channel, or all; how
/// many were queued.
pub async fn retry_dead_letters(
    engine: &Engine,
    id: Option<i64>,
    channel: Option<&str>,
) -> Result<u32, EngineError> {
    let n = alerts::channels::retry(engine, id, channel, Utc::now()).await?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}
