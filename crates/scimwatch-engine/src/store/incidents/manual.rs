//! What the admin does by hand — acknowledge, resolve with a note — and the
//! history (start, end, duration; per connection or all, newest first,
//! paged by a keyset cursor). The decisions are core's
//! (`incident::acknowledge`, `incident::resolve_by_hand`); this stores them.

use chrono::{DateTime, Utc};
use scimwatch_core::health::Severity;
use scimwatch_core::incident::{self, IncidentStatus, ManualError};
use scimwatch_core::ValidationError;
use serde::Serialize;
use sqlx::{FromRow, SqlitePool};

use super::{parse, save_resolution, status_of, view, IncidentView};
use crate::error::EngineError;

/// The most history rows one page holds.
pub const HISTORY_MAX_PAGE: i64 = 100;

/// Who acts, as recorded with an acknowledgement or a resolution: the local
/// account's name (`USER`, else `LOGNAME`, else `USERNAME`).
pub fn local_user_name() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .map(|v| v.trim().to_string())
        .find(|v| !v.is_empty())
        .unwrap_or_else(|| "local user".to_string())
}

fn refused(e: ManualError, id: i64) -> EngineError {
    match e {
        ManualError::AlreadyResolved => {
            EngineError::Conflict(format!("incident {id} is already resolved"))
        }
        ManualError::Invalid(v) => EngineError::Validation(v),
    }
}

/// Write `next` over the row if it still holds `read_json`; else the
/// incident changed meanwhile (a diagnosis ran): a conflict to reload.
async fn replace(
    conn: &mut sqlx::SqliteConnection,
    id: i64,
    read_json: &str,
    next: &incident::IncidentState,
) -> Result<(), EngineError> {
    let json = serde_json::to_string(next)
        .map_err(|e| EngineError::Io(format!("cannot store an incident: {e}")))?;
    let done = sqlx::query(
        "UPDATE incidents SET state = ?, updated_ms = ?, resolved_ms = ?, state_json = ? \
         WHERE id = ? AND state_json = ?",
    )
    .bind(status_of(next.state))
    .bind(next.updated_at.timestamp_millis())
    .bind(next.resolved_at.map(|t| t.timestamp_millis()))
    .bind(&json)
    .bind(id)
    .bind(read_json)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(EngineError::Conflict(format!(
            "incident {id} changed while you were acting on it; reload and try again"
        )));
    }
    Ok(())
}

async fn stored_json(pool: &SqlitePool, id: i64) -> Result<String, EngineError> {
    let row: Option<(String,)> = sqlx::query_as("SELECT state_json FROM incidents WHERE id = ?")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.map(|(j,)| j)
        .ok_or_else(|| EngineError::NotFound(format!("no incident {id}")))
}

/// Acknowledge an active incident as `by`: its reminders stop; recovery is
/// still detected. Acknowledging again keeps the first acknowledgement.
pub async fn acknowledge(
    pool: &SqlitePool,
    id: i64,
    by: &str,
    now: DateTime<Utc>,
) -> Result<IncidentView, EngineError> {
    let json = stored_json(pool, id).await?;
    let next = incident::acknowledge(&parse(&json)?, by, now).map_err(|e| refused(e, id))?;
    let mut conn = pool.acquire().await?;
    replace(&mut conn, id, &json, &next).await?;
    drop(conn);
    view(pool, id).await
}

/// Resolve an active incident by hand as `by`, with a note: who, when, the
/// note and the evidence as it is now are kept. The next diagnosis re-opens
/// it (a new, linked incident) if the live evidence still fails.
pub async fn resolve(
    pool: &SqlitePool,
    id: i64,
    by: &str,
    note: &str,
    now: DateTime<Utc>,
) -> Result<IncidentView, EngineError> {
    let json = stored_json(pool, id).await?;
    let next =
        incident::resolve_by_hand(&parse(&json)?, by, note, now).map_err(|e| refused(e, id))?;
    let mut tx = crate::store::begin_write(pool).await?;
    replace(&mut tx, id, &json, &next).await?;
    if let Some(r) = &next.resolution {
        save_resolution(&mut tx, id, r).await?;
    }
    tx.commit().await?;
    view(pool, id).await
}

/// One line of the history.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    pub id: i64,
    pub connection_id: String,
    pub connection_name: String,
    pub kind: String,
    pub severity: Severity,
    pub state: IncidentStatus,
    pub title: String,
    pub opened_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// From start to end, or to `now` while it is open.
    pub duration_ms: i64,
    pub resolved_by_hand: bool,
    pub resolved_by: Option<String>,
    pub note: Option<String>,
    /// The hand-resolved incident this one re-opens.
    pub reopened_from: Option<i64>,
}

/// A page of history, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryPage {
    pub items: Vec<HistoryEntry>,
    /// Pass back for the next (older) page; `null` at the end.
    pub next_cursor: Option<String>,
}

#[derive(FromRow)]
struct HistoryRow {
    id: i64,
    uuid: String,
    name: String,
    kind: String,
    opened_ms: i64,
    state_json: String,
    reopened_from: Option<i64>,
    by_hand: Option<bool>,
    resolved_by: Option<String>,
    note: Option<String>,
    r_ms: Option<i64>,
}

fn parse_cursor(cursor: &str) -> Result<(i64, i64), EngineError> {
    let bad = || {
        EngineError::Validation(ValidationError::single(
            "cursor",
            format!("{cursor:?} is not a history cursor (use next_cursor from the previous page)"),
        ))
    };
    let (ms, id) = cursor.split_once(':').ok_or_else(bad)?;
    Ok((
        ms.parse().map_err(|_| bad())?,
        id.parse().map_err(|_| bad())?,
    ))
}

/// The history: incidents by start time, newest first, `limit` per page
/// (1–[`HISTORY_MAX_PAGE`]), after `cursor`; of one connection (its id) or
/// all. Durations of open incidents run to `now`.
pub async fn history(
    pool: &SqlitePool,
    connection_uuid: Option<&str>,
    cursor: Option<&str>,
    limit: i64,
    now: DateTime<Utc>,
) -> Result<HistoryPage, EngineError> {
    if !(1..=HISTORY_MAX_PAGE).contains(&limit) {
        return Err(EngineError::Validation(ValidationError::single(
            "limit",
            format!("a page holds 1 to {HISTORY_MAX_PAGE} incidents, not {limit}"),
        )));
    }
    let (before_ms, before_id) = match cursor.filter(|c| !c.is_empty()) {
        Some(c) => parse_cursor(c)?,
        None => (i64::MAX, i64::MIN),
    };
    let connection = match connection_uuid.filter(|c| !c.is_empty()) {
        Some(uuid) => Some(
            crate::store::connections::get_by_uuid(pool, uuid)
                .await?
                .ok_or_else(|| EngineError::NotFound(format!("no connection with id {uuid}")))?
                .id,
        ),
        None => None,
    };
    let rows: Vec<HistoryRow> = sqlx::query_as(&history_sql(connection.is_some()))
        .bind(connection)
        .bind(before_ms)
        .bind(before_id)
        .bind(limit + 1)
        .fetch_all(pool)
        .await?;
    let more = rows.len() as i64 > limit;
    let mut items = Vec::with_capacity(rows.len());
    let mut next_cursor = None;
    for r in rows.into_iter().take(limit as usize) {
        let s = parse(&r.state_json)?;
        let resolved_at = s
            .resolved_at
            .or_else(|| r.r_ms.and_then(DateTime::from_timestamp_millis));
        next_cursor = more.then(|| format!("{}:{}", r.opened_ms, r.id));
        items.push(HistoryEntry {
            id: r.id,
            connection_id: r.uuid,
            connection_name: r.name,
            kind: r.kind,
            severity: s.severity,
            state: s.state,
            title: s.title.clone(),
            opened_at: s.opened_at,
            resolved_at,
            duration_ms: s.duration(now).num_milliseconds(),
            resolved_by_hand: r.by_hand.unwrap_or(false),
            resolved_by: r.resolved_by,
            note: r.note,
            reopened_from: r.reopened_from,
        });
    }
    Ok(HistoryPage { items, next_cursor })
}

/// The history query: `?1` connection (row id, bound NULL when unused),
/// `?2`/`?3` the cursor, `?4` the limit. Ties in time go by id ascending:
/// the order the indexes hold (the rowid follows `opened_ms DESC`). With a connection it walks
/// `incidents_by_time`, without one `incidents_by_opened`.
pub(crate) fn history_sql(per_connection: bool) -> String {
    let filter = if per_connection {
        "i.connection_id = ?1 AND"
    } else {
        "?1 IS NULL AND"
    };
    format!(
        "SELECT i.id, c.uuid, c.name, i.kind, i.opened_ms, i.state_json, i.reopened_from, \
         r.by_hand, r.resolved_by, r.note, r.resolved_ms AS r_ms \
         FROM incidents i JOIN connections c ON c.id = i.connection_id \
         LEFT JOIN incident_resolutions r ON r.incident_id = i.id \
         WHERE {filter} (i.opened_ms < ?2 OR (i.opened_ms = ?2 AND i.id > ?3)) \
         ORDER BY i.opened_ms DESC, i.id LIMIT ?4"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    /// The history walks an index in order: no table scan, no sort.
    #[tokio::test]
    async fn history_reads_an_index_in_order() {
        let store = Store::open_memory().await.unwrap();
        for (per_connection, index) in [(true, "incidents_by_time"), (false, "incidents_by_opened")]
        {
            let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(&format!(
                "EXPLAIN QUERY PLAN {}",
                history_sql(per_connection)
            ))
            .bind(per_connection.then_some(1_i64))
            .bind(i64::MAX)
            .bind(i64::MAX)
            .bind(11_i64)
            .fetch_all(store.pool())
            .await
            .unwrap();
            let text: Vec<&str> = plan.iter().map(|r| r.3.as_str()).collect();
            assert!(
                text.iter().any(|l| l.contains(index)),
                "{per_connection}: {text:?}"
            );
            assert!(
                !text.iter().any(|l| l.contains("TEMP B-TREE")),
                "{per_connection}: {text:?}"
            );
        }
    }
}
