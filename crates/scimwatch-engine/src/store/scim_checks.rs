//! SCIM Test Connection results (`scim_checks`). `exchange_json` holds the
//! whole [`CheckResult`] (requests and responses, token redacted). The
//! history crosses IPC as `api::token::CheckSummary`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{FromRow, SqliteExecutor};

use crate::error::EngineError;
use crate::scim::check_result::CheckResult;
use crate::store::connections::ms_to_time;
use scimwatch_core::scim::Verdict;

/// One stored check, without its exchanges (for history lists).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckSummary {
    pub id: i64,
    pub checked_at: DateTime<Utc>,
    pub ok: bool,
    pub verdict: Verdict,
    pub http_status: Option<u16>,
    pub latency_ms: Option<u32>,
}

#[derive(FromRow)]
struct Row {
    id: i64,
    checked_ms: i64,
    ok: bool,
    verdict: String,
    http_status: Option<i64>,
    latency_ms: Option<i64>,
}

impl Row {
    fn summary(self) -> CheckSummary {
        CheckSummary {
            id: self.id,
            checked_at: ms_to_time(self.checked_ms),
            ok: self.ok,
            verdict: Verdict::parse(&self.verdict).unwrap_or(Verdict::OtherStatus),
            http_status: self.http_status.and_then(|s| u16::try_from(s).ok()),
            latency_ms: self.latency_ms.and_then(|s| u32::try_from(s).ok()),
        }
    }
}

/// Store a check; returns its id.
pub async fn insert(
    ex: impl SqliteExecutor<'_>,
    connection_id: i64,
    result: &CheckResult,
) -> Result<i64, EngineError> {
    let json = serde_json::to_string(result)
        .map_err(|e| EngineError::Io(format!("cannot encode the check: {e}")))?;
    let r = sqlx::query(
        "INSERT INTO scim_checks (connection_id, checked_ms, ok, verdict, http_status, latency_ms, exchange_json) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(connection_id)
    .bind(result.checked_at.timestamp_millis())
    .bind(result.ok)
    .bind(result.verdict.as_str())
    .bind(result.http_status.map(i64::from))
    .bind(result.latency_ms.map(i64::from))
    .bind(json)
    .execute(ex)
    .await?;
    Ok(r.last_insert_rowid())
}

/// The latest check with its exchanges.
pub async fn latest(
    ex: impl SqliteExecutor<'_>,
    connection_id: i64,
) -> Result<Option<CheckResult>, EngineError> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT exchange_json FROM scim_checks WHERE connection_id = ? \
         ORDER BY checked_ms DESC, id DESC LIMIT 1",
    )
    .bind(connection_id)
    .fetch_optional(ex)
    .await?;
    row.map(|(j,)| {
        serde_json::from_str(&j)
            .map_err(|e| EngineError::Io(format!("a stored check cannot be read: {e}")))
    })
    .transpose()
}

/// When the latest passing check ran (the token's "last verified working").
pub async fn latest_ok_ms(
    ex: impl SqliteExecutor<'_>,
    connection_id: i64,
) -> Result<Option<i64>, EngineError> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT checked_ms FROM scim_checks WHERE connection_id = ? AND ok = 1 \
         ORDER BY checked_ms DESC LIMIT 1",
    )
    .bind(connection_id)
    .fetch_optional(ex)
    .await?;
    Ok(row.map(|r| r.0))
}

/// Recent checks, newest first.
pub async fn history(
    ex: impl SqliteExecutor<'_>,
    connection_id: i64,
    limit: u32,
) -> Result<Vec<CheckSummary>, EngineError> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, checked_ms, ok, verdict, http_status, latency_ms FROM scim_checks \
         WHERE connection_id = ? ORDER BY checked_ms DESC, id DESC LIMIT ?",
    )
    .bind(connection_id)
    .bind(i64::from(limit))
    .fetch_all(ex)
    .await?;
    Ok(rows.into_iter().map(Row::summary).collect())
}
