//! Provisioning events (Graph `provisioningObjectSummary`) and per-cycle
//! rollups: bulk insert with de-duplication on `(connection_id,
//! activity_ms, event_id)` (migration 0007),
//! rollup recomputation for the cycles an ingest touched, and the keyset-
//! paginated queries the Logs and Cycles screens (and the CLI) call.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::OnceLock;

use scimwatch_core::graph::{EventRecord, EventWithRaw};
use serde::{Deserialize, Serialize};
use sqlx::{FromRow, QueryBuilder, Sqlite, SqliteConnection, SqliteExecutor};

use super::raw_pages::{self, Span};
use crate::error::EngineError;

/// Rows per multi-row INSERT (20 parameters each → 2,400, well under
/// SQLite's 32,766-parameter limit).
const ROWS_PER_INSERT: usize = 120;
const INSERT_COLUMNS: &str = "connection_id, event_id, activity_ms, job_id, cycle_id, change_id, \
    action, status, source_id, source_name, target_id, target_name, identity_type, error_code, \
    error_reason, error_category, duration_ms, raw_page, raw_offset, raw_len, raw_json";
/// Bound parameters per row; `raw_json` is the literal '' (the text lives in
/// the row's compressed block, see [`raw_pages`]).
const PARAMS_PER_ROW: usize = 20;

/// The INSERT of `rows` events.
pub fn insert_sql(rows: usize) -> String {
    let one = format!("({},'')", vec!["?"; PARAMS_PER_ROW].join(","));
    format!(
        "INSERT INTO provisioning_events ({INSERT_COLUMNS}) VALUES {} \
         ON CONFLICT (connection_id, activity_ms, event_id) DO NOTHING",
        vec![one; rows].join(",")
    )
}

fn bulk_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| insert_sql(ROWS_PER_INSERT))
}

fn single_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| insert_sql(1))
}

/// A query with its arguments, as [`bind_event`] extends it.
pub use super::Q;

/// Bind one event's parameters in the order of [`insert_sql`]: its columns
/// and where its raw JSON lies (block `page`, `span`). Also used by the
/// backfill benchmark's raw-insert baseline.
pub fn bind_event<'q>(
    q: Q<'q>,
    connection_id: i64,
    r: &'q EventRecord,
    page: i64,
    span: Span,
) -> Q<'q> {
    q.bind(connection_id)
        .bind(r.event_id.as_str())
        .bind(r.activity_ms)
        .bind(r.job_id.as_deref())
        .bind(r.cycle_id.as_deref())
        .bind(r.change_id.as_deref())
        .bind(r.action.as_deref().unwrap_or("other"))
        .bind(r.status.as_deref().unwrap_or("unknown"))
        .bind(r.source_id.as_deref())
        .bind(r.source_name.as_deref())
        .bind(r.target_id.as_deref())
        .bind(r.target_name.as_deref())
        .bind(r.identity_type.as_deref())
        .bind(r.error_code.as_deref())
        .bind(r.error_reason.as_deref())
        .bind(r.error_category.as_deref())
        .bind(r.duration_ms)
        .bind(page)
        .bind(span.offset)
        .bind(span.len)
}

/// Indexes into `events` of those not stored yet (first occurrence of each
/// event). An event is its Graph id at its activity time (the table's unique
/// key): the probe reads the key's index over the page's time range only.
async fn fresh(
    conn: &mut SqliteConnection,
    connection_id: i64,
    events: &[EventWithRaw],
) -> Result<Vec<usize>, EngineError> {
    let times = events.iter().map(|e| e.0.activity_ms);
    let (Some(lo), Some(hi)) = (times.clone().min(), times.max()) else {
        return Ok(Vec::new());
    };
    let ids: Vec<&str> = events.iter().map(|e| e.0.event_id.as_str()).collect();
    let ids = serde_json::to_string(&ids).map_err(|e| EngineError::Io(e.to_string()))?;
    let stored: Vec<(i64, String)> = sqlx::query_as(
        "SELECT activity_ms, event_id FROM provisioning_events \
         WHERE connection_id = ? AND activity_ms BETWEEN ? AND ? \
         AND event_id IN (SELECT value FROM json_each(?))",
    )
    .bind(connection_id)
    .bind(lo)
    .bind(hi)
    .bind(ids)
    .fetch_all(&mut *conn)
    .await?;
    let mut seen: HashSet<(i64, &str)> = stored.iter().map(|(t, id)| (*t, id.as_str())).collect();
    Ok((0..events.len())
        .filter(|&i| seen.insert((events[i].0.activity_ms, events[i].0.event_id.as_str())))
        .collect())
}

/// A page of events ready to store, their raw JSON already compressed as
/// one block: the log ingest prepares pages while earlier ones are being
/// inserted, so compression runs beside the database writes.
#[derive(Debug)]
pub struct Prepared {
    events: Vec<EventWithRaw>,
    packed: raw_pages::Packed,
}

impl Prepared {
    pub fn new(events: Vec<EventWithRaw>) -> Result<Self, EngineError> {
        let packed = raw_pages::pack(events.iter().map(|e| e.1.get()))?;
        Ok(Self { events, packed })
    }

    pub fn events(&self) -> &[EventWithRaw] {
        &self.events
    }
}

/// Insert a prepared page (inside the caller's transaction); events already
/// stored, and repeats within the page, are left out. When every event is
/// new (a backfill) the prepared block is stored as is, otherwise the new
/// events' JSON is compressed again on its own. Returns how many rows were new.
pub async fn insert_prepared(
    conn: &mut SqliteConnection,
    connection_id: i64,
    page: &Prepared,
) -> Result<u64, EngineError> {
    let events = &page.events;
    let new = fresh(conn, connection_id, events).await?;
    if new.len() == events.len() {
        let rows: Vec<&EventRecord> = events.iter().map(|e| &e.0).collect();
        insert_rows(conn, connection_id, &rows, &page.packed).await
    } else {
        insert_subset(conn, connection_id, events, &new).await
    }
}

/// Insert events (inside the caller's transaction); events already stored,
/// and repeats within `events`, are left out. The raw JSON of the new ones
/// is stored as one compressed block. Returns how many rows were new.
pub async fn insert_events(
    conn: &mut SqliteConnection,
    connection_id: i64,
    events: &[EventWithRaw],
) -> Result<u64, EngineError> {
    let new = fresh(conn, connection_id, events).await?;
    insert_subset(conn, connection_id, events, &new).await
}

async fn insert_subset(
    conn: &mut SqliteConnection,
    connection_id: i64,
    events: &[EventWithRaw],
    subset: &[usize],
) -> Result<u64, EngineError> {
    let chosen: Vec<&EventWithRaw> = subset.iter().filter_map(|&i| events.get(i)).collect();
    let packed = raw_pages::pack(chosen.iter().map(|e| e.1.get()))?;
    let rows: Vec<&EventRecord> = chosen.iter().map(|e| &e.0).collect();
    insert_rows(conn, connection_id, &rows, &packed).await
}

/// Store `packed` (the raw JSON of `rows`, in order) as a block and the
/// rows pointing into it. Statements are prepared once per connection
/// (sqlx caches them).
async fn insert_rows(
    conn: &mut SqliteConnection,
    connection_id: i64,
    rows: &[&EventRecord],
    packed: &raw_pages::Packed,
) -> Result<u64, EngineError> {
    let Some(last_ms) = rows.iter().map(|r| r.activity_ms).max() else {
        return Ok(0);
    };
    let page = raw_pages::insert(conn, connection_id, last_ms, packed).await?;
    let rows: Vec<(&EventRecord, Span)> = rows
        .iter()
        .copied()
        .zip(packed.spans.iter().copied())
        .collect();
    let mut inserted = 0u64;
    let mut chunks = rows.chunks_exact(ROWS_PER_INSERT);
    for chunk in &mut chunks {
        let mut q = sqlx::query(bulk_sql());
        for (r, span) in chunk {
            q = bind_event(q, connection_id, r, page, *span);
        }
        inserted += q.execute(&mut *conn).await?.rows_affected();
    }
    for (r, span) in chunks.remainder() {
        let q = bind_event(sqlx::query(single_sql()), connection_id, r, page, *span);
        inserted += q.execute(&mut *conn).await?.rows_affected();
    }
    add_to_count(conn, connection_id, inserted).await?;
    Ok(inserted)
}

/// Raise the connection's stored-events counter (`event_counts`, read by
/// [`count`]) by `n` rows just inserted. The ingest keeps the counter, once
/// per page, in the inserting transaction (migration 0010 dropped the
/// per-row trigger); deletes keep theirs.
async fn add_to_count(
    conn: &mut SqliteConnection,
    connection_id: i64,
    n: u64,
) -> Result<(), EngineError> {
    if n == 0 {
        return Ok(());
    }
    let n = i64::try_from(n).map_err(|_| EngineError::Io("event count overflow".into()))?;
    sqlx::query(
        "INSERT INTO event_counts (connection_id, n) VALUES (?, ?) \
         ON CONFLICT (connection_id) DO UPDATE SET n = n + excluded.n",
    )
    .bind(connection_id)
    .bind(n)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Recompute the rollups of `cycles` from the stored events.
pub async fn recompute_rollups(
    conn: &mut SqliteConnection,
    connection_id: i64,
    cycles: &BTreeSet<String>,
) -> Result<(), EngineError> {
    for cycle in cycles {
        let groups: Vec<(String, String, i64, i64, i64)> = sqlx::query_as(
            "SELECT action, status, count(*), min(activity_ms), max(activity_ms) \
             FROM provisioning_events INDEXED BY events_by_cycle WHERE connection_id = ? AND cycle_id = ? \
             GROUP BY action, status",
        )
        .bind(connection_id)
        .bind(cycle)
        .fetch_all(&mut *conn)
        .await?;
        if groups.is_empty() {
            continue;
        }
        let mut counts: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
        let (mut total, mut failures) = (0i64, 0i64);
        let (mut start, mut end) = (i64::MAX, i64::MIN);
        for (action, status, n, lo, hi) in groups {
            total += n;
            if status == "failure" {
                failures += n;
            }
            start = start.min(lo);
            end = end.max(hi);
            *counts.entry(action).or_default().entry(status).or_default() += n;
        }
        let top: Vec<(String, i64)> = sqlx::query_as(
            "SELECT error_code, count(*) AS n FROM provisioning_events INDEXED BY events_by_cycle \
             WHERE connection_id = ? AND cycle_id = ? AND error_code IS NOT NULL AND status = 'failure' \
             GROUP BY error_code ORDER BY n DESC, error_code LIMIT 10",
        )
        .bind(connection_id)
        .bind(cycle)
        .fetch_all(&mut *conn)
        .await?;
        let counts_json = serde_json::to_string(&counts).unwrap_or_else(|_| "{}".into());
        let top_json = serde_json::to_string(&top).unwrap_or_else(|_| "[]".into());
        sqlx::query(
            "INSERT INTO cycle_rollups (connection_id, cycle_id, started_ms, ended_ms, total, failures, \
             counts_json, top_errors_json) VALUES (?,?,?,?,?,?,?,?) \
             ON CONFLICT (connection_id, cycle_id) DO UPDATE SET started_ms = excluded.started_ms, \
             ended_ms = excluded.ended_ms, total = excluded.total, failures = excluded.failures, \
             counts_json = excluded.counts_json, top_errors_json = excluded.top_errors_json",
        )
        .bind(connection_id)
        .bind(cycle)
        .bind(start)
        .bind(end)
        .bind(total)
        .bind(failures)
        .bind(counts_json)
        .bind(top_json)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Filters of the Logs screen (`api::logs::EventFilter`) and
/// `scimwatch-cli logs`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventFilter {
    /// `success`, `failure`, `skipped`, `warning`.
    pub status: Option<String>,
    /// `create`, `update`, `delete`, `disable`, `stagedDelete`, `other`.
    pub action: Option<String>,
    /// Inclusive lower bound, ms since the epoch.
    pub since_ms: Option<i64>,
    /// Exclusive upper bound, ms since the epoch.
    pub until_ms: Option<i64>,
    pub cycle_id: Option<String>,
    pub error_code: Option<String>,
    /// Who: part of the source or target display name (any case), or an
    /// exact source or target id.
    pub identity: Option<String>,
}

/// A provisioning event as listed (without the raw JSON); crosses IPC as
/// `api::logs::EventRow`.
#[derive(Debug, Clone, PartialEq, Eq, FromRow, Serialize)]
pub struct EventRow {
    pub id: i64,
    pub event_id: String,
    pub activity_ms: i64,
    pub job_id: Option<String>,
    pub cycle_id: Option<String>,
    pub change_id: Option<String>,
    pub action: String,
    pub status: String,
    pub source_id: Option<String>,
    pub source_name: Option<String>,
    pub target_id: Option<String>,
    pub target_name: Option<String>,
    pub identity_type: Option<String>,
    pub error_code: Option<String>,
    pub error_reason: Option<String>,
    pub error_category: Option<String>,
    pub duration_ms: Option<i64>,
}

/// One page of a keyset-paginated list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass back to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

const EVENT_COLUMNS: &str =
    "id, event_id, activity_ms, job_id, cycle_id, change_id, action, status, \
    source_id, source_name, target_id, target_name, identity_type, error_code, error_reason, \
    error_category, duration_ms";

fn parse_cursor(c: &str) -> Result<(i64, i64), EngineError> {
    let bad = || EngineError::Io(format!("invalid page cursor {c:?}"));
    let (a, b) = c.split_once(':').ok_or_else(bad)?;
    Ok((a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?))
}

/// Build the event query (exposed for the `EXPLAIN QUERY PLAN` test).
pub fn build_query<'a>(
    connection_id: i64,
    f: &'a EventFilter,
    limit: i64,
    cursor: Option<(i64, i64)>,
    columns: &str,
) -> QueryBuilder<'a, Sqlite> {
    let mut q = QueryBuilder::new(format!(
        "SELECT {columns} FROM provisioning_events WHERE connection_id = "
    ));
    q.push_bind(connection_id);
    if let Some(s) = &f.status {
        q.push(" AND status = ").push_bind(s);
    }
    if let Some(a) = &f.action {
        q.push(" AND action = ").push_bind(a);
    }
    if let Some(c) = &f.cycle_id {
        q.push(" AND cycle_id = ").push_bind(c);
    }
    if let Some(e) = &f.error_code {
        q.push(" AND error_code = ").push_bind(e);
    }
    if let Some(who) = &f.identity {
        let like = format!(
            "%{}%",
            who.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        q.push(" AND (source_name LIKE ")
            .push_bind(like.clone())
            .push(" ESCAPE '\\' OR target_name LIKE ")
            .push_bind(like)
            .push(" ESCAPE '\\' OR source_id = ")
            .push_bind(who)
            .push(" OR target_id = ")
            .push_bind(who)
            .push(")");
    }
    if let Some(s) = f.since_ms {
        q.push(" AND activity_ms >= ").push_bind(s);
    }
    if let Some(u) = f.until_ms {
        q.push(" AND activity_ms < ").push_bind(u);
    }
    if let Some((ms, id)) = cursor {
        q.push(" AND activity_ms <= ")
            .push_bind(ms)
            .push(" AND (activity_ms < ")
            .push_bind(ms)
            .push(" OR id > ")
            .push_bind(id)
            .push(")");
    }
    // Newest first; ties by rowid ascending, which is the order the
    // (…, activity_ms DESC) indexes hold them in: no sort step. Unfiltered,
    // the unique key is read and only one millisecond's rows at a time are
    // sorted (a block sort, so LIMIT still stops early).
    q.push(" ORDER BY activity_ms DESC, id ASC LIMIT ")
        .push_bind(limit);
    q
}

/// A page of events, newest first, with the filter applied.
pub async fn query(
    ex: impl SqliteExecutor<'_>,
    connection_id: i64,
    filter: &EventFilter,
    limit: u32,
    cursor: Option<&str>,
) -> Result<Page<EventRow>, EngineError> {
    let limit = i64::from(limit.clamp(1, 10_000));
    let cursor = cursor.map(parse_cursor).transpose()?;
    let mut q = build_query(connection_id, filter, limit + 1, cursor, EVENT_COLUMNS);
    let mut items: Vec<EventRow> = q.build_query_as().fetch_all(ex).await?;
    let next_cursor = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|e| format!("{}:{}", e.activity_ms, e.id))
    } else {
        None
    };
    Ok(Page { items, next_cursor })
}

/// Number of stored events of a connection: one row of `event_counts`, not
/// a count over the events. Inserts through this module raise it (0010),
/// a trigger lowers it on every delete (0005); rows written to
/// `provisioning_events` by any other path would not be counted.
pub async fn count(ex: impl SqliteExecutor<'_>, connection_id: i64) -> Result<i64, EngineError> {
    Ok(sqlx::query_scalar(
        "SELECT coalesce((SELECT n FROM event_counts WHERE connection_id = ?), 0)",
    )
    .bind(connection_id)
    .fetch_one(ex)
    .await?)
}

/// An error code and how often it occurred.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeCountRow {
    pub code: String,
    pub count: i64,
}

/// One provisioning cycle, rolled up from its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CycleRow {
    pub cycle_id: String,
    pub started_ms: i64,
    pub ended_ms: i64,
    pub total: i64,
    pub failures: i64,
    /// `{action: {status: count}}`.
    pub counts: BTreeMap<String, BTreeMap<String, i64>>,
    pub top_errors: Vec<CodeCountRow>,
}

#[derive(FromRow)]
pub(crate) struct CycleDb {
    pub(crate) cycle_id: String,
    pub(crate) started_ms: i64,
    pub(crate) ended_ms: i64,
    pub(crate) total: i64,
    pub(crate) failures: i64,
    pub(crate) counts_json: String,
    pub(crate) top_errors_json: String,
}

impl From<CycleDb> for CycleRow {
    fn from(c: CycleDb) -> Self {
        let top: Vec<(String, i64)> = serde_json::from_str(&c.top_errors_json).unwrap_or_default();
        CycleRow {
            cycle_id: c.cycle_id,
            started_ms: c.started_ms,
            ended_ms: c.ended_ms,
            total: c.total,
            failures: c.failures,
            counts: serde_json::from_str(&c.counts_json).unwrap_or_default(),
            top_errors: top
                .into_iter()
                .map(|(code, count)| CodeCountRow { code, count })
                .collect(),
        }
    }
}

/// The latest cycles (by start), newest first.
pub async fn cycles(
    ex: impl SqliteExecutor<'_>,
    connection_id: i64,
    limit: u32,
) -> Result<Vec<CycleRow>, EngineError> {
    let rows: Vec<CycleDb> = sqlx::query_as(
        "SELECT cycle_id, started_ms, ended_ms, total, failures, counts_json, top_errors_json \
         FROM cycle_rollups WHERE connection_id = ? ORDER BY started_ms DESC, cycle_id DESC LIMIT ?",
    )
    .bind(connection_id)
    .bind(i64::from(limit.clamp(1, 10_000)))
    .fetch_all(ex)
    .await?;
    Ok(rows.into_iter().map(CycleRow::from).collect())
}

/// Skip reasons (error codes of skipped events) of one cycle.
pub async fn skip_reasons(
    ex: impl SqliteExecutor<'_>,
    connection_id: i64,
    cycle_id: &str,
) -> Result<Vec<CodeCountRow>, EngineError> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT coalesce(error_code, error_reason, 'unknown'), count(*) AS n FROM provisioning_events \
         INDEXED BY events_by_cycle WHERE connection_id = ? AND cycle_id = ? AND status = 'skipped' GROUP BY 1 ORDER BY n DESC LIMIT 10",
    )
    .bind(connection_id)
    .bind(cycle_id)
    .fetch_all(ex)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(code, count)| CodeCountRow { code, count })
        .collect())
}

#[cfg(test)]
mod tests;
