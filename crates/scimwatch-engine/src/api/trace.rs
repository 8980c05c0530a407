//! Find a user: "when will user X show up?" — traced through the
//! assignments, the logs, the SaaS and the job's next cycle.

use chrono::Utc;

use crate::engine::Engine;
use crate::error::EngineError;
use crate::read_models::{self, UserTrace};

pub async fn trace_user(engine: &Engine, id: &str, query: &str) -> Result<UserTrace, EngineError> {
    read_models::trace_user(engine, id, query, Utc::now()).await
}
