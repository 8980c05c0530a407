//! Incidents: one active per connection and kind (a partial unique index
//! enforces it). The full state is kept as JSON beside the query columns.

use chrono::{DateTime, Utc};
use scimwatch_core::incident::{IncidentState, IncidentStatus};
use serde::Serialize;
use sqlx::{FromRow, SqlitePool};
use ts_rs::TS;

use crate::error::EngineError;

/// An incident as the Incidents screen and `scimwatch-cli incidents` show it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct IncidentView {
    pub id: i64,
    pub connection_id: String,
    pub connection_name: String,
    pub incident: IncidentState,
}

#[derive(FromRow)]
struct Row {
    id: i64,
    state_json: String,
}

#[derive(FromRow)]
struct ViewRow {
    id: i64,
    uuid: String,
    name: String,
    state_json: String,
}

fn status_str(s: IncidentStatus) -> &'static str {
    match s {
        IncidentStatus::Open => "open",
        IncidentStatus::Escalated => "escalated",
        IncidentStatus::Resolved => "resolved",
    }
}

fn parse(json: &str) -> Result<IncidentState, EngineError> {
    serde_json::from_str(json)
        .map_err(|e| EngineError::Io(format!("a stored incident could not be read: {e}")))
}

/// What reconcile needs: active incidents, and resolved ones that still owe
/// a recovery notification.
pub async fn load_for_reconcile(
    pool: &SqlitePool,
    connection_id: i64,
) -> Result<Vec<(i64, IncidentState)>, EngineError> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, state_json FROM incidents WHERE connection_id = ? \
         AND (state <> 'resolved' OR json_extract(state_json, '$.pending_notification') IS NOT NULL) \
         ORDER BY id",
    )
    .bind(connection_id)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| Ok((r.id, parse(&r.state_json)?)))
        .collect()
}

/// Store the states returned by `incident::apply`. An incident is identified
/// by its kind and the time it opened.
pub async fn save(
    pool: &SqlitePool,
    connection_id: i64,
    before: &[(i64, IncidentState)],
    after: &[IncidentState],
) -> Result<(), EngineError> {
    let mut tx = pool.begin().await?;
    for inc in after {
        let json = serde_json::to_string(inc)
            .map_err(|e| EngineError::Io(format!("cannot store an incident: {e}")))?;
        let existing = before
            .iter()
            .find(|(_, b)| b.kind == inc.kind && b.opened_at == inc.opened_at)
            .map(|(id, _)| *id);
        let ms = |t: Option<DateTime<Utc>>| t.map(|t| t.timestamp_millis());
        match existing {
            Some(id) => {
                sqlx::query(
                    "UPDATE incidents SET severity = ?, state = ?, title = ?, evidence_json = ?, \
                     updated_ms = ?, resolved_ms = ?, last_notified_ms = ?, snoozed_until_ms = ?, \
                     state_json = ? WHERE id = ?",
                )
                .bind(inc.severity.as_str())
                .bind(status_str(inc.state))
                .bind(&inc.title)
                .bind(serde_json::to_string(&inc.evidence).unwrap_or_default())
                .bind(inc.updated_at.timestamp_millis())
                .bind(ms(inc.resolved_at))
                .bind(ms(inc.last_notified_at))
                .bind(ms(inc.snoozed_until))
                .bind(&json)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query(
                    "INSERT INTO incidents (connection_id, kind, severity, state, title, evidence_json, \
                     opened_ms, updated_ms, resolved_ms, last_notified_ms, snoozed_until_ms, state_json) \
                     VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                )
                .bind(connection_id)
                .bind(inc.kind.as_str())
                .bind(inc.severity.as_str())
                .bind(status_str(inc.state))
                .bind(&inc.title)
                .bind(serde_json::to_string(&inc.evidence).unwrap_or_default())
                .bind(inc.opened_at.timestamp_millis())
                .bind(inc.updated_at.timestamp_millis())
                .bind(ms(inc.resolved_at))
                .bind(ms(inc.last_notified_at))
                .bind(ms(inc.snoozed_until))
                .bind(&json)
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Incidents for the UI/CLI, newest first; `active_only` hides resolved ones.
pub async fn list(
    pool: &SqlitePool,
    connection_uuid: Option<&str>,
    active_only: bool,
    limit: i64,
) -> Result<Vec<IncidentView>, EngineError> {
    let rows: Vec<ViewRow> = sqlx::query_as(
        "SELECT i.id, c.uuid, c.name, i.state_json FROM incidents i \
         JOIN connections c ON c.id = i.connection_id \
         WHERE (?1 IS NULL OR c.uuid = ?1) AND (?2 = 0 OR i.state <> 'resolved') \
         ORDER BY i.updated_ms DESC, i.id DESC LIMIT ?3",
    )
    .bind(connection_uuid)
    .bind(active_only)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(IncidentView {
                id: r.id,
                connection_id: r.uuid,
                connection_name: r.name,
                incident: parse(&r.state_json)?,
            })
        })
        .collect()
}

/// Snooze (or un-snooze with `None`) an incident's reminders.
pub async fn snooze(
    pool: &SqlitePool,
    id: i64,
    until: Option<DateTime<Utc>>,
) -> Result<IncidentView, EngineError> {
    let row: Option<ViewRow> = sqlx::query_as(
        "SELECT i.id, c.uuid, c.name, i.state_json FROM incidents i \
         JOIN connections c ON c.id = i.connection_id WHERE i.id = ?",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let row = row.ok_or_else(|| EngineError::NotFound(format!("no incident {id}")))?;
    let state = scimwatch_core::incident::snooze(&parse(&row.state_json)?, until);
    let json = serde_json::to_string(&state)
        .map_err(|e| EngineError::Io(format!("cannot store an incident: {e}")))?;
    sqlx::query("UPDATE incidents SET snoozed_until_ms = ?, state_json = ? WHERE id = ?")
        .bind(until.map(|t| t.timestamp_millis()))
        .bind(&json)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(IncidentView {
        id,
        connection_id: row.uuid,
        connection_name: row.name,
        incident: state,
    })
}

/// Worst severity among active incidents (the tray icon).
pub async fn worst_active(
    pool: &SqlitePool,
) -> Result<Option<scimwatch_core::health::Severity>, EngineError> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT severity FROM incidents WHERE state <> 'resolved'")
            .fetch_all(pool)
            .await?;
    use scimwatch_core::health::Severity;
    Ok(rows
        .iter()
        .map(|(s,)| match s.as_str() {
            "critical" => Severity::Critical,
            "warning" => Severity::Warning,
            _ => Severity::Info,
        })
        .max())
}
