//! What a status of every connection reads, one query per table for all
//! connections at once (issue 21, item 4: `/api/v1/status` of a 1,000-app
//! fleet made ~20 queries a connection). Each query returns exactly what
//! its per-connection counterpart returns for each connection (same order,
//! same limits); `graph::observe::reads` assembles them.

use sqlx::SqliteExecutor;

use super::events::{CycleDb, CycleRow};
use super::jobs::{ConfigVersionRow, JobSnapshotRow, PollStateRow, JOB_COLUMNS};
use crate::error::EngineError;

/// The latest `n` job statuses of every connection, newest first within
/// each (as `jobs::recent_jobs`).
pub async fn recent_jobs(
    ex: impl SqliteExecutor<'_>,
    n: i64,
) -> Result<Vec<JobSnapshotRow>, EngineError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {JOB_COLUMNS} FROM (SELECT *, row_number() OVER \
         (PARTITION BY connection_id ORDER BY observed_ms DESC, id DESC) AS rn \
         FROM job_status_snapshots) WHERE rn <= ? \
         ORDER BY connection_id, observed_ms DESC, id DESC"
    ))
    .bind(n)
    .fetch_all(ex)
    .await?)
}

/// The latest version of each kind of every connection (as
/// `jobs::latest_config`): `(connection id, version)`.
pub async fn latest_configs(
    ex: impl SqliteExecutor<'_>,
) -> Result<Vec<(i64, ConfigVersionRow)>, EngineError> {
    type Row = (i64, i64, String, i64, i64, String, String, Option<String>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT connection_id, id, kind, observed_ms, last_seen_ms, content_hash, body_json, \
         change_summary FROM (SELECT *, row_number() OVER \
         (PARTITION BY connection_id, kind ORDER BY observed_ms DESC, id DESC) AS rn \
         FROM config_versions) WHERE rn = 1",
    )
    .fetch_all(ex)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.0,
                ConfigVersionRow {
                    id: r.1,
                    kind: r.2,
                    observed_ms: r.3,
                    last_seen_ms: r.4,
                    content_hash: r.5,
                    body_json: r.6,
                    change_summary: r.7,
                },
            )
        })
        .collect())
}

/// Every connection's latest cycle (as `events::cycles(…, 1)`).
pub async fn latest_cycles(
    ex: impl SqliteExecutor<'_>,
) -> Result<Vec<(i64, CycleRow)>, EngineError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        connection_id: i64,
        #[sqlx(flatten)]
        cycle: CycleDb,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT connection_id, cycle_id, started_ms, ended_ms, total, failures, counts_json, \
         top_errors_json FROM (SELECT *, row_number() OVER \
         (PARTITION BY connection_id ORDER BY started_ms DESC, cycle_id DESC) AS rn \
         FROM cycle_rollups) WHERE rn = 1",
    )
    .fetch_all(ex)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.connection_id, CycleRow::from(r.cycle)))
        .collect())
}

/// Every `poll_state` row: `(connection id, row)`.
pub async fn poll_states(
    ex: impl SqliteExecutor<'_>,
) -> Result<Vec<(i64, PollStateRow)>, EngineError> {
    type Row = (i64, String, Option<i64>, Option<String>, i64);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT connection_id, stream, watermark_ms, cursor, updated_ms FROM poll_state",
    )
    .fetch_all(ex)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, stream, watermark_ms, cursor, updated_ms)| {
            (
                id,
                PollStateRow {
                    stream,
                    watermark_ms,
                    cursor,
                    updated_ms,
                },
            )
        })
        .collect())
}

/// One connection's `poll_state` rows (every stream).
pub async fn poll_states_of(
    ex: impl SqliteExecutor<'_>,
    connection_id: i64,
) -> Result<Vec<PollStateRow>, EngineError> {
    Ok(sqlx::query_as(
        "SELECT stream, watermark_ms, cursor, updated_ms FROM poll_state WHERE connection_id = ?",
    )
    .bind(connection_id)
    .fetch_all(ex)
    .await?)
}

/// Stored events per connection (as `events::count`; a connection
/// without a row has none).
pub async fn event_counts(ex: impl SqliteExecutor<'_>) -> Result<Vec<(i64, i64)>, EngineError> {
    Ok(sqlx::query_as("SELECT connection_id, n FROM event_counts")
        .fetch_all(ex)
        .await?)
}
