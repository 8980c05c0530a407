//! Job status snapshots (a row when the status changes, a heartbeat
//! otherwise), configuration versions (schema, assignments, settings) and the
//! poller's per-stream state.

use scimwatch_core::graph::job::ConfigKind;
use serde::Serialize;
use sqlx::{FromRow, SqliteExecutor, SqlitePool};

use crate::error::EngineError;

/// A job status as it is stored (columns the UI and the rules read; the raw
/// JSON beside them).
#[derive(Debug, Clone, Default, PartialEq, Eq, FromRow, Serialize)]
pub struct JobSnapshot {
    pub job_id: String,
    pub content_hash: String,
    pub status_code: Option<String>,
    pub schedule_state: Option<String>,
    pub schedule_interval: Option<String>,
    pub last_execution_state: Option<String>,
    pub last_execution_began_ms: Option<i64>,
    pub last_execution_ended_ms: Option<i64>,
    pub last_successful_ended_ms: Option<i64>,
    pub quarantine_reason: Option<String>,
    #[serde(skip)]
    pub raw_json: String,
}

/// A stored job status row: the status, with when it was first and last
/// seen.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct JobSnapshotRow {
    pub id: i64,
    pub connection_id: i64,
    pub observed_ms: i64,
    pub last_seen_ms: i64,
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub snapshot: JobSnapshot,
}

pub(crate) const JOB_COLUMNS: &str =
    "id, connection_id, job_id, observed_ms, last_seen_ms, content_hash, \
    status_code, schedule_state, schedule_interval, last_execution_state, last_execution_began_ms, \
    last_execution_ended_ms, last_successful_ended_ms, quarantine_reason, raw_json";

/// What recording a job status did.
#[derive(Debug, Clone)]
pub struct JobRecord {
    /// A new row was written (the status differs from the previous one).
    pub changed: bool,
    /// The previous snapshot, if any.
    pub previous: Option<JobSnapshotRow>,
}

/// The latest job status of a connection.
pub async fn latest_job(
    ex: impl SqliteExecutor<'_>,
    connection_id: i64,
) -> Result<Option<JobSnapshotRow>, EngineError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {JOB_COLUMNS} FROM job_status_snapshots WHERE connection_id = ? \
         ORDER BY observed_ms DESC, id DESC LIMIT 1"
    ))
    .bind(connection_id)
    .fetch_optional(ex)
    .await?)
}

/// The latest `n` job statuses, newest first.
pub async fn recent_jobs(
    ex: impl SqliteExecutor<'_>,
    connection_id: i64,
    n: i64,
) -> Result<Vec<JobSnapshotRow>, EngineError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {JOB_COLUMNS} FROM job_status_snapshots WHERE connection_id = ? \
         ORDER BY observed_ms DESC, id DESC LIMIT ?"
    ))
    .bind(connection_id)
    .bind(n)
    .fetch_all(ex)
    .await?)
}

/// Store a job status: a new row when the content hash differs from the
/// latest, else a heartbeat (`last_seen_ms`).
pub async fn record_job_status(
    pool: &SqlitePool,
    connection_id: i64,
    snap: &JobSnapshot,
    now_ms: i64,
) -> Result<JobRecord, EngineError> {
    let mut tx = crate::store::begin_write(pool).await?;
    let previous = latest_job(&mut *tx, connection_id).await?;
    let same = previous.as_ref().is_some_and(|p| {
        p.snapshot.content_hash == snap.content_hash && p.snapshot.job_id == snap.job_id
    });
    if same {
        sqlx::query("UPDATE job_status_snapshots SET last_seen_ms = ? WHERE id = ?")
            .bind(now_ms)
            .bind(previous.as_ref().map(|p| p.id))
            .execute(&mut *tx)
            .await?;
    } else {
        sqlx::query(
            "INSERT INTO job_status_snapshots (connection_id, job_id, observed_ms, last_seen_ms, \
             content_hash, status_code, schedule_state, schedule_interval, last_execution_state, \
             last_execution_began_ms, last_execution_ended_ms, last_successful_ended_ms, \
             quarantine_reason, raw_json) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        )
        .bind(connection_id)
        .bind(&snap.job_id)
        .bind(now_ms)
        .bind(now_ms)
        .bind(&snap.content_hash)
        .bind(&snap.status_code)
        .bind(&snap.schedule_state)
        .bind(&snap.schedule_interval)
        .bind(&snap.last_execution_state)
        .bind(snap.last_execution_began_ms)
        .bind(snap.last_execution_ended_ms)
        .bind(snap.last_successful_ended_ms)
        .bind(&snap.quarantine_reason)
        .bind(&snap.raw_json)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(JobRecord {
        changed: !same,
        previous,
    })
}

/// A stored configuration version.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct ConfigVersionRow {
    pub id: i64,
    pub kind: String,
    pub observed_ms: i64,
    pub last_seen_ms: i64,
    pub content_hash: String,
    pub body_json: String,
    pub change_summary: Option<String>,
}

pub async fn latest_config(
    ex: impl SqliteExecutor<'_>,
    connection_id: i64,
    kind: ConfigKind,
) -> Result<Option<ConfigVersionRow>, EngineError> {
    Ok(sqlx::query_as(
        "SELECT id, kind, observed_ms, last_seen_ms, content_hash, body_json, change_summary \
         FROM config_versions WHERE connection_id = ? AND kind = ? \
         ORDER BY observed_ms DESC, id DESC LIMIT 1",
    )
    .bind(connection_id)
    .bind(kind.as_str())
    .fetch_optional(ex)
    .await?)
}

/// Versions of one kind, newest first.
pub async fn config_history(
    ex: impl SqliteExecutor<'_>,
    connection_id: i64,
    kind: ConfigKind,
    limit: i64,
) -> Result<Vec<ConfigVersionRow>, EngineError> {
    Ok(sqlx::query_as(
        "SELECT id, kind, observed_ms, last_seen_ms, content_hash, body_json, change_summary \
         FROM config_versions WHERE connection_id = ? AND kind = ? \
         ORDER BY observed_ms DESC, id DESC LIMIT ?",
    )
    .bind(connection_id)
    .bind(kind.as_str())
    .bind(limit)
    .fetch_all(ex)
    .await?)
}

/// Store a configuration version when its hash differs from the latest one
/// (heartbeat otherwise). `summarize(previous_body)` describes the change.
/// Returns the change summary when a new version was written.
pub async fn record_config(
    pool: &SqlitePool,
    connection_id: i64,
    kind: ConfigKind,
    body_json: &str,
    content_hash: &str,
    summarize: impl FnOnce(Option<&str>) -> String,
    now_ms: i64,
) -> Result<Option<String>, EngineError> {
    let mut tx = crate::store::begin_write(pool).await?;
    let previous = latest_config(&mut *tx, connection_id, kind).await?;
    if let Some(p) = previous.as_ref().filter(|p| p.content_hash == content_hash) {
        sqlx::query("UPDATE config_versions SET last_seen_ms = ? WHERE id = ?")
            .bind(now_ms)
            .bind(p.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        return Ok(None);
    }
    let summary = summarize(previous.as_ref().map(|p| p.body_json.as_str()));
    sqlx::query(
        "INSERT INTO config_versions (connection_id, kind, observed_ms, last_seen_ms, content_hash, \
         body_json, change_summary) VALUES (?,?,?,?,?,?,?)",
    )
    .bind(connection_id)
    .bind(kind.as_str())
    .bind(now_ms)
    .bind(now_ms)
    .bind(content_hash)
    .bind(body_json)
    .bind(&summary)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(summary))
}

/// `poll_state.stream` recording whether Graph can be read: `watermark_ms`
/// = blind since (NULL when reachable), `cursor` = why. Written by the
/// poller, read by `graph::observe`.
pub const GRAPH_REACH_STREAM: &str = "graph";
/// `poll_state.stream` of the logs' availability is
/// [`crate::graph::logs::LOGS_STREAM`]; its `cursor` holds this when the
/// tenant has no P1/P2 licence.
pub const LOGS_UNLICENSED: &str = "unlicensed";

/// One row of `poll_state`.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct PollStateRow {
    pub stream: String,
    pub watermark_ms: Option<i64>,
    pub cursor: Option<String>,
    pub updated_ms: i64,
}

pub async fn get_poll_state(
    ex: impl SqliteExecutor<'_>,
    connection_id: i64,
    stream: &str,
) -> Result<Option<PollStateRow>, EngineError> {
    Ok(sqlx::query_as(
        "SELECT stream, watermark_ms, cursor, updated_ms FROM poll_state \
         WHERE connection_id = ? AND stream = ?",
    )
    .bind(connection_id)
    .bind(stream)
    .fetch_optional(ex)
    .await?)
}

pub async fn set_poll_state(
    ex: impl SqliteExecutor<'_>,
    connection_id: i64,
    stream: &str,
    watermark_ms: Option<i64>,
    cursor: Option<&str>,
    now_ms: i64,
) -> Result<(), EngineError> {
    sqlx::query(
        "INSERT INTO poll_state (connection_id, stream, watermark_ms, cursor, updated_ms) \
         VALUES (?,?,?,?,?) ON CONFLICT (connection_id, stream) DO UPDATE SET \
         watermark_ms = excluded.watermark_ms, cursor = excluded.cursor, updated_ms = excluded.updated_ms",
    )
    .bind(connection_id)
    .bind(stream)
    .bind(watermark_ms)
    .bind(cursor)
    .bind(now_ms)
    .execute(ex)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::store_with_conn;

    #[tokio::test]
    async fn job_status_changes_and_heartbeats() {
        let store = store_with_conn().await;
        let mut s = JobSnapshot {
            job_id: "scim.1".into(),
            content_hash: "h1".into(),
            status_code: Some("Active".into()),
            raw_json: "{}".into(),
            ..Default::default()
        };
        assert!(
            record_job_status(store.pool(), 1, &s, 10)
                .await
                .unwrap()
                .changed
        );
        assert!(
            !record_job_status(store.pool(), 1, &s, 20)
                .await
                .unwrap()
                .changed
        );
        let l = latest_job(store.pool(), 1).await.unwrap().unwrap();
        assert_eq!((l.observed_ms, l.last_seen_ms), (10, 20));
        s.content_hash = "h2".into();
        s.status_code = Some("Quarantine".into());
        let r = record_job_status(store.pool(), 1, &s, 30).await.unwrap();
        assert!(r.changed);
        assert_eq!(
            r.previous.unwrap().snapshot.status_code.as_deref(),
            Some("Active")
        );
        assert_eq!(recent_jobs(store.pool(), 1, 10).await.unwrap().len(), 2);
    }

    #[tokio::test]
    async fn config_versions_and_poll_state() {
        let store = store_with_conn().await;
        let k = ConfigKind::Schema;
        let s = record_config(
            store.pool(),
            1,
            k,
            "{\"a\":1}",
            "h1",
            |p| {
                assert!(p.is_none());
                "first".into()
            },
            1,
        )
        .await
        .unwrap();
        assert_eq!(s.as_deref(), Some("first"));
        assert!(
            record_config(store.pool(), 1, k, "{\"a\":1}", "h1", |_| "x".into(), 2)
                .await
                .unwrap()
                .is_none()
        );
        let s = record_config(
            store.pool(),
            1,
            k,
            "{\"a\":2}",
            "h2",
            |p| {
                assert_eq!(p, Some("{\"a\":1}"));
                "changed".into()
            },
            3,
        )
        .await
        .unwrap();
        assert_eq!(s.as_deref(), Some("changed"));
        assert_eq!(
            config_history(store.pool(), 1, k, 10).await.unwrap().len(),
            2
        );

        assert!(get_poll_state(store.pool(), 1, "logs")
            .await
            .unwrap()
            .is_none());
        set_poll_state(store.pool(), 1, "logs", Some(5), None, 7)
            .await
            .unwrap();
        set_poll_state(store.pool(), 1, "logs", Some(9), Some("c"), 8)
            .await
            .unwrap();
        let p = get_poll_state(store.pool(), 1, "logs")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (p.watermark_ms, p.cursor.as_deref(), p.updated_ms),
            (Some(9), Some("c"), 8)
        );
    }
}
