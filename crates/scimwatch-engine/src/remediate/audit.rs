//! The remediation switch and the audit of actions taken (migration 0015).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{FromRow, SqlitePool};
use ts_rs::TS;

use crate::error::EngineError;
use crate::store::connections::ms_to_time;

/// The stored switch of one connection.
#[derive(Debug, Clone, FromRow)]
pub struct SwitchRow {
    pub enabled: bool,
    pub changed_ms: i64,
    pub changed_by: String,
    pub evidence: String,
}

pub async fn get_switch(
    pool: &SqlitePool,
    connection_id: i64,
) -> Result<Option<SwitchRow>, EngineError> {
    Ok(sqlx::query_as(
        "SELECT enabled, changed_ms, changed_by, evidence FROM remediation_switch \
         WHERE connection_id = ?",
    )
    .bind(connection_id)
    .fetch_optional(pool)
    .await?)
}

/// One action as it is written: the exact request (no token) and its result.
#[derive(Debug, Clone)]
pub struct NewAudit<'a> {
    pub connection_id: i64,
    pub request_id: &'a str,
    pub at: DateTime<Utc>,
    pub actor: &'a str,
    pub action: &'a str,
    pub method: &'a str,
    pub url: &'a str,
    pub request_body: Option<&'a str>,
    pub http_status: Option<u16>,
    pub outcome: &'a str,
    pub summary: &'a str,
    pub result_json: Option<&'a str>,
}

/// Write an audit row and, for `enable`/`disable`, the switch with it, in
/// one transaction. Returns the row's id.
pub async fn record(
    pool: &SqlitePool,
    a: &NewAudit<'_>,
    switch: Option<bool>,
) -> Result<i64, EngineError> {
    let mut tx = crate::store::begin_write(pool).await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO remediation_audit (connection_id, request_id, at_ms, actor, action, method, \
         url, request_body, http_status, outcome, summary, result_json) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(a.connection_id)
    .bind(a.request_id)
    .bind(a.at.timestamp_millis())
    .bind(a.actor)
    .bind(a.action)
    .bind(a.method)
    .bind(a.url)
    .bind(a.request_body)
    .bind(a.http_status.map(i64::from))
    .bind(a.outcome)
    .bind(a.summary)
    .bind(a.result_json)
    .fetch_one(&mut *tx)
    .await?;
    if let Some(on) = switch {
        sqlx::query(
            "INSERT INTO remediation_switch (connection_id, enabled, changed_ms, changed_by, evidence) \
             VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (connection_id) DO UPDATE SET enabled = excluded.enabled, \
             changed_ms = excluded.changed_ms, changed_by = excluded.changed_by, \
             evidence = excluded.evidence",
        )
        .bind(a.connection_id)
        .bind(on)
        .bind(a.at.timestamp_millis())
        .bind(a.actor)
        .bind(a.summary)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// One row of a connection's "Actions taken".
#[derive(Debug, Clone, Serialize, TS)]
pub struct AuditEntry {
    #[ts(type = "number")]
    pub id: i64,
    pub request_id: String,
    pub at: DateTime<Utc>,
    pub actor: String,
    /// `enable`, `disable`, `provision_on_demand`, `restart`.
    pub action: String,
    pub method: String,
    pub url: String,
    pub request_body: Option<String>,
    pub http_status: Option<u16>,
    /// `success`, `skipped`, `failure`, `refused`, `error`.
    pub outcome: String,
    pub summary: String,
}

#[derive(FromRow)]
struct AuditRow {
    id: i64,
    request_id: String,
    at_ms: i64,
    actor: String,
    action: String,
    method: String,
    url: String,
    request_body: Option<String>,
    http_status: Option<i64>,
    outcome: String,
    summary: String,
}

/// The newest `limit` audit rows of a connection.
pub async fn list(
    pool: &SqlitePool,
    connection_id: i64,
    limit: u32,
) -> Result<Vec<AuditEntry>, EngineError> {
    let rows: Vec<AuditRow> = sqlx::query_as(
        "SELECT id, request_id, at_ms, actor, action, method, url, request_body, http_status, \
         outcome, summary FROM remediation_audit WHERE connection_id = ? \
         ORDER BY at_ms DESC, id DESC LIMIT ?",
    )
    .bind(connection_id)
    .bind(i64::from(limit.clamp(1, 500)))
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AuditEntry {
            id: r.id,
            request_id: r.request_id,
            at: ms_to_time(r.at_ms),
            actor: r.actor,
            action: r.action,
            method: r.method,
            url: r.url,
            request_body: r.request_body,
            http_status: r.http_status.and_then(|s| u16::try_from(s).ok()),
            outcome: r.outcome,
            summary: r.summary,
        })
        .collect())
}
