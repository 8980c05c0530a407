//! Troubleshooting screen: the checklist over live evidence.

use chrono::Utc;

use crate::engine::Engine;
use crate::error::EngineError;
use crate::monitor::{self, ChecklistView};

pub async fn run_checklist(engine: &Engine, id: &str) -> Result<ChecklistView, EngineError> {
    monitor::run_checklist(engine, id, Utc::now()).await
}

/// The admin's "I've checked this" on a step nothing could check.
pub async fn confirm_step(
    engine: &Engine,
    id: &str,
    step: &str,
) -> Result<ChecklistView, EngineError> {
    monitor::confirm_step(engine, id, step, Utc::now()).await
}
