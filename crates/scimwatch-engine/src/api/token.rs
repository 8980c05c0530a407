//! Token screen: expiry, last verified, Test Connection (also with a new
//! token), the checks' history.

use chrono::{DateTime, Utc};
use scimwatch_core::scim::Verdict;
use scimwatch_core::Sensitive;
use serde::Serialize;
use ts_rs::TS;

use crate::engine::Engine;
use crate::error::EngineError;
use crate::scim::{self, test_token, CheckResult, ScimError, TokenStatus};
use crate::store::scim_checks;

/// One stored check, without its exchanges (for history lists).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CheckSummary {
    #[ts(type = "number")]
    pub id: i64,
    pub checked_at: DateTime<Utc>,
    pub ok: bool,
    pub verdict: Verdict,
    pub http_status: Option<u16>,
    pub latency_ms: Option<u32>,
}

impl From<scim_checks::CheckSummary> for CheckSummary {
    fn from(c: scim_checks::CheckSummary) -> Self {
        Self {
            id: c.id,
            checked_at: c.checked_at,
            ok: c.ok,
            verdict: c.verdict,
            http_status: c.http_status,
            latency_ms: c.latency_ms,
        }
    }
}

/// The checks listed in the history.
const HISTORY_LISTED: u32 = 100;

pub async fn token_status(engine: &Engine, id: &str) -> Result<TokenStatus, ScimError> {
    scim::token_status(engine, id, Utc::now()).await
}

/// Entra's Test Connection, replayed now with the stored token (recorded).
pub async fn test_connection(engine: &Engine, id: &str) -> Result<CheckResult, ScimError> {
    scim::check_connection(engine, id, Utc::now()).await
}

/// Test a new token against the connection's Tenant URL before it goes into
/// Entra. Nothing is stored.
pub async fn test_new_token(
    engine: &Engine,
    id: &str,
    token: &Sensitive<String>,
) -> Result<CheckResult, ScimError> {
    let r = super::row(engine, id).await?;
    let url = r.scim_url.ok_or_else(|| {
        ScimError::Engine(EngineError::NotFound(
            "this connection has no SCIM Tenant URL; add one first".into(),
        ))
    })?;
    test_token(&url, token).await
}

/// Recent Test Connection results, newest first.
pub async fn check_history(engine: &Engine, id: &str) -> Result<Vec<CheckSummary>, EngineError> {
    let r = super::row(engine, id).await?;
    let rows = scim_checks::history(engine.store.pool(), r.id, HISTORY_LISTED).await?;
    Ok(rows.into_iter().map(CheckSummary::from).collect())
}

/// The latest Test Connection with its full (redacted) exchange.
pub async fn latest_check(engine: &Engine, id: &str) -> Result<Option<CheckResult>, EngineError> {
    let r = super::row(engine, id).await?;
    scim_checks::latest(engine.store.pool(), r.id).await
}
