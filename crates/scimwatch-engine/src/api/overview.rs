//! Overview screen: the Entra side at a glance, poll now.

use chrono::Utc;
use scimwatch_core::{CommandError, ErrorKind};

use crate::engine::Engine;
use crate::error::EngineError;
use crate::graph::observe::{status_report, StatusReport};
use crate::monitor::Watch;

pub async fn job_status(engine: &Engine, id: &str) -> Result<StatusReport, EngineError> {
    let row = super::row(engine, id).await?;
    status_report(&engine.store, &row, Utc::now()).await
}

/// Poll Entra, test the SCIM endpoint and diagnose now (one connection or
/// all), through the running `watch`.
pub async fn poll_now(watch: Option<&Watch>, id: Option<String>) -> Result<(), CommandError> {
    match watch {
        Some(w) => {
            w.poll_now(id).await;
            Ok(())
        }
        None => Err(CommandError {
            kind: ErrorKind::Internal,
            message: "monitoring is not running".into(),
            fields: Vec::new(),
        }),
    }
}
