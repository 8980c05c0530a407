//! SCIM inventory snapshots stored as deltas.
//!
//! - `scim_versions`: a resource's content (its JSON as received and core's
//!   content hash), appended when the content differs from the base
//!   snapshot's and read only by id. No unique key (migration 0008): random
//!   SCIM ids made every insert into such a key land at a random place.
//! - `inventory_snapshots`: a crawl's row, `running` until the very end; it
//!   becomes `complete` in the same transaction that writes its changes, so a
//!   crash never leaves a half-written snapshot marked complete.
//! - `inventory_changes`: what a snapshot changed against its base (the last
//!   complete snapshot): added/changed → `version_id`, removed → NULL. A
//!   snapshot with `base_id IS NULL` is *full* (lists every resource); one is
//!   written whenever the chain of deltas would exceed [`MAX_CHAIN`]. Rows
//!   are appended while the crawl runs (removals at its end) and read
//!   through an index on the snapshot; those of a snapshot that fails or is
//!   cancelled are deleted by a trigger.
//!
//! Reconstructing a snapshot folds its chain from the last full snapshot.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use scimwatch_core::scim::{diff_snapshots, ContentHash, HashedResource, Snapshot, SnapshotDiff};
use serde::Serialize;
use sqlx::{FromRow, Sqlite, SqliteConnection, SqliteExecutor, Transaction};

use crate::error::EngineError;
use crate::store::connections::ms_to_time;

pub mod browse;
mod read;

pub use read::{connection_of, diff, load, load_users, stored_bytes, MEMBER_LABELS};

/// A full snapshot is written when the delta chain would be longer than this.
pub const MAX_CHAIN: usize = 20;

/// `User` or `Group`, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum ResourceType {
    User,
    Group,
}

impl ResourceType {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceType::User => "User",
            ResourceType::Group => "Group",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "User" => Some(ResourceType::User),
            "Group" => Some(ResourceType::Group),
            _ => None,
        }
    }
}

/// A resource in a snapshot: which stored version, and its content hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub version_id: i64,
    pub hash: ContentHash,
}

/// Key of a resource in a snapshot.
pub type Key = (ResourceType, String);
/// A snapshot's membership: key → entry.
pub type State = HashMap<Key, Entry>;

/// A snapshot as listed to the admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotSummary {
    pub id: i64,
    pub base_id: Option<i64>,
    /// Whether it lists every resource (else it is a delta against `base_id`).
    pub full: bool,
    /// `running`, `complete`, `incomplete` (stored, but not the server's
    /// whole inventory: `error` says why; never a base or a diff),
    /// `failed` or `cancelled`.
    pub state: String,
    pub started_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub user_count: Option<u32>,
    pub group_count: Option<u32>,
    /// Rows stored in `inventory_changes` for it.
    pub changes: u32,
    pub error: Option<String>,
}

#[derive(FromRow)]
struct SummaryRow {
    id: i64,
    base_id: Option<i64>,
    state: String,
    started_ms: i64,
    completed_ms: Option<i64>,
    user_count: Option<i64>,
    group_count: Option<i64>,
    error: Option<String>,
    changes: i64,
}

fn to_u32(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

impl SummaryRow {
    fn into_summary(self) -> SnapshotSummary {
        SnapshotSummary {
            id: self.id,
            base_id: self.base_id,
            full: self.base_id.is_none() && self.state == "complete",
            // A complete row with a reason is an incomplete snapshot.
            state: if self.state == "complete" && self.error.is_some() {
                "incomplete".into()
            } else {
                self.state
            },
            started_at: ms_to_time(self.started_ms),
            completed_at: self.completed_ms.map(ms_to_time),
            user_count: self.user_count.map(to_u32),
            group_count: self.group_count.map(to_u32),
            changes: to_u32(self.changes),
            error: self.error,
        }
    }
}

const SUMMARY_SELECT: &str = "SELECT s.id, s.base_id, s.state, s.started_ms, s.completed_ms, \
    s.user_count, s.group_count, s.error, \
    (SELECT count(*) FROM inventory_changes c WHERE c.snapshot_id = s.id) AS changes \
    FROM inventory_snapshots s";

/// Snapshots of a connection, newest first.
pub async fn list(
    ex: impl SqliteExecutor<'_>,
    connection_id: i64,
    limit: u32,
) -> Result<Vec<SnapshotSummary>, EngineError> {
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
        "{SUMMARY_SELECT} WHERE s.connection_id = ? ORDER BY s.started_ms DESC, s.id DESC LIMIT ?"
    ))
    .bind(connection_id)
    .bind(i64::from(limit))
    .fetch_all(ex)
    .await?;
    Ok(rows.into_iter().map(SummaryRow::into_summary).collect())
}

/// One snapshot, if it belongs to the connection.
pub async fn get(
    ex: impl SqliteExecutor<'_>,
    connection_id: i64,
    snapshot_id: i64,
) -> Result<Option<SnapshotSummary>, EngineError> {
    let row: Option<SummaryRow> = sqlx::query_as(&format!(
        "{SUMMARY_SELECT} WHERE s.connection_id = ? AND s.id = ?"
    ))
    .bind(connection_id)
    .bind(snapshot_id)
    .fetch_optional(ex)
    .await?;
    Ok(row.map(SummaryRow::into_summary))
}

/// The latest complete snapshot's id.
pub async fn latest_complete(
    ex: impl SqliteExecutor<'_>,
    connection_id: i64,
) -> Result<Option<i64>, EngineError> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT id FROM inventory_snapshots WHERE connection_id = ? AND state = 'complete' \
         AND error IS NULL \
         ORDER BY completed_ms DESC, id DESC LIMIT 1",
    )
    .bind(connection_id)
    .fetch_optional(ex)
    .await?;
    Ok(row.map(|r| r.0))
}

/// Start a snapshot in state `running`; returns its id.
pub async fn begin(
    ex: impl SqliteExecutor<'_>,
    connection_id: i64,
    started_ms: i64,
) -> Result<i64, EngineError> {
    let r = sqlx::query(
        "INSERT INTO inventory_snapshots (connection_id, started_ms, state) VALUES (?, ?, 'running')",
    )
    .bind(connection_id)
    .bind(started_ms)
    .execute(ex)
    .await?;
    Ok(r.last_insert_rowid())
}

/// End a snapshot without completing it (`failed` or `cancelled`).
pub async fn abandon(
    ex: impl SqliteExecutor<'_>,
    snapshot_id: i64,
    state: &str,
    error: &str,
    now_ms: i64,
) -> Result<(), EngineError> {
    let state = if state == "cancelled" {
        "cancelled"
    } else {
        "failed"
    };
    sqlx::query(
        "UPDATE inventory_snapshots SET state = ?, error = ?, completed_ms = ? \
         WHERE id = ? AND state = 'running'",
    )
    .bind(state)
    .bind(error)
    .bind(now_ms)
    .bind(snapshot_id)
    .execute(ex)
    .await?;
    Ok(())
}

/// On startup: snapshots left `running` by a crash become `failed`.
/// `connection_id = None` covers every connection.
pub async fn fail_stale_running(
    ex: impl SqliteExecutor<'_>,
    connection_id: Option<i64>,
    now_ms: i64,
) -> Result<u64, EngineError> {
    let r = sqlx::query(
        "UPDATE inventory_snapshots SET state = 'failed', completed_ms = ?, \
         error = 'interrupted: scimwatch stopped during the crawl' \
         WHERE state = 'running' AND (?2 IS NULL OR connection_id = ?2)",
    )
    .bind(now_ms)
    .bind(connection_id)
    .execute(ex)
    .await?;
    Ok(r.rows_affected())
}

/// The snapshots whose changes make up `snapshot_id`, oldest (the full one) first.
pub async fn chain(ex: impl SqliteExecutor<'_>, snapshot_id: i64) -> Result<Vec<i64>, EngineError> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "WITH RECURSIVE chain(id, base_id, depth) AS ( \
           SELECT id, base_id, 0 FROM inventory_snapshots WHERE id = ? \
           UNION ALL \
           SELECT s.id, s.base_id, chain.depth + 1 FROM inventory_snapshots s \
           JOIN chain ON s.id = chain.base_id WHERE chain.depth < 1000) \
         SELECT id FROM chain ORDER BY depth DESC",
    )
    .bind(snapshot_id)
    .fetch_all(ex)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Which resources (and versions) a snapshot holds, folded from its chain.
pub async fn state_of(conn: &mut SqliteConnection, snapshot_id: i64) -> Result<State, EngineError> {
    let ids = chain(&mut *conn, snapshot_id).await?;
    let mut state = State::new();
    for id in ids {
        let rows: Vec<(String, String, Option<i64>, Option<String>)> = sqlx::query_as(
            "SELECT c.resource_type, c.scim_id, c.version_id, v.content_hash \
             FROM inventory_changes c LEFT JOIN scim_versions v ON v.id = c.version_id \
             WHERE c.snapshot_id = ?",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        for (rt, scim_id, vid, hash) in rows {
            let Some(rt) = ResourceType::parse(&rt) else {
                continue;
            };
            match (vid, hash.as_deref().and_then(ContentHash::from_hex)) {
                (Some(version_id), Some(hash)) => {
                    state.insert((rt, scim_id), Entry { version_id, hash });
                }
                _ => {
                    state.remove(&(rt, scim_id));
                }
            }
        }
    }
    Ok(state)
}

/// Number of links from `snapshot_id` back to its full snapshot (0 = it is full).
pub async fn chain_len(
    ex: impl SqliteExecutor<'_>,
    snapshot_id: i64,
) -> Result<usize, EngineError> {
    Ok(chain(ex, snapshot_id).await?.len().saturating_sub(1))
}

/// A resource version to store.
#[derive(Debug, Clone)]
pub struct NewVersion {
    pub resource_type: ResourceType,
    pub scim_id: String,
    pub hash: ContentHash,
    /// The resource's JSON as received.
    pub body_json: String,
}

/// Rows per multi-row `INSERT` (5 bound values each, well under SQLite's
/// limit of 32766 variables). A full chunk always has the same SQL text, so
/// its prepared statement is cached and reused.
const INSERT_CHUNK: usize = 400;

/// `INSERT … VALUES (…), (…)` with `rows` groups of `per_row` placeholders.
fn multi_row_sql(head: &str, rows: usize, per_row: usize, tail: &str) -> String {
    let group = format!("({})", vec!["?"; per_row].join(", "));
    let mut sql = String::with_capacity(head.len() + tail.len() + rows * (group.len() + 2));
    sql.push_str(head);
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&group);
    }
    sql.push_str(tail);
    sql
}

/// The SQL of one multi-row `INSERT` chunk after another: a full chunk's
/// text is built once (so its prepared statement is reused), a shorter last
/// chunk's on its own.
struct ChunkSql {
    head: &'static str,
    per_row: usize,
    full: Option<String>,
}

impl ChunkSql {
    fn new(head: &'static str, per_row: usize) -> Self {
        Self {
            head,
            per_row,
            full: None,
        }
    }

    /// The statement for a chunk of `rows` rows.
    fn for_rows(&mut self, rows: usize) -> Cow<'_, str> {
        if rows == INSERT_CHUNK {
            Cow::Borrowed(
                self.full.get_or_insert_with(|| {
                    multi_row_sql(self.head, INSERT_CHUNK, self.per_row, "")
                }),
            )
        } else {
            Cow::Owned(multi_row_sql(self.head, rows, self.per_row, ""))
        }
    }
}

/// Store versions in the caller's transaction, many rows per statement;
/// returns their ids in order. Every call appends new rows: the caller
/// stores a version only when the content differs from the base snapshot's.
///
/// No `RETURNING`: sqlx hands each returned row over from its SQLite thread
/// one at a time, which left that thread waiting for the busy async side.
/// The rows of one multi-row `INSERT` get the table's largest rowid plus 1,
/// 2, … in `VALUES` order (SQLite's rowid rule while rowids are below
/// 2^63 − 1), and no other writer runs inside the transaction; the first and
/// last row of each statement are read back to prove it.
pub async fn insert_versions(
    tx: &mut Transaction<'_, Sqlite>,
    connection_id: i64,
    versions: &[NewVersion],
) -> Result<Vec<i64>, EngineError> {
    let mut ids = Vec::with_capacity(versions.len());
    let mut sqls = ChunkSql::new(
        "INSERT INTO scim_versions \
         (connection_id, resource_type, scim_id, content_hash, body_json) VALUES ",
        5,
    );
    for chunk in versions.chunks(INSERT_CHUNK) {
        let hexes: Vec<String> = chunk.iter().map(|v| v.hash.to_hex()).collect();
        let sql = sqls.for_rows(chunk.len());
        let mut q = sqlx::query(&sql);
        for (v, hex) in chunk.iter().zip(&hexes) {
            q = q
                .bind(connection_id)
                .bind(v.resource_type.as_str())
                .bind(v.scim_id.as_str())
                .bind(hex.as_str())
                .bind(v.body_json.as_str());
        }
        let done = q.execute(&mut **tx).await?;
        let n = i64::try_from(chunk.len()).unwrap_or(i64::MAX);
        let last = done.last_insert_rowid();
        let first = last - n + 1;
        let ends: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT id, resource_type, scim_id FROM scim_versions WHERE id IN (?, ?) ORDER BY id",
        )
        .bind(first)
        .bind(last)
        .fetch_all(&mut **tx)
        .await?;
        let row_is = |row: Option<&(i64, String, String)>, id: i64, v: Option<&NewVersion>| matches!((row, v), (Some(r), Some(v)) if r.0 == id && (r.1.as_str(), r.2.as_str()) == key_of(v));
        let in_order = u64::try_from(n).is_ok_and(|n| done.rows_affected() == n)
            && row_is(ends.first(), first, chunk.first())
            && row_is(ends.last(), last, chunk.last());
        if !in_order {
            return Err(EngineError::Conflict(format!(
                "storing {n} resource versions: SQLite did not number them {first}..={last} in order"
            )));
        }
        ids.extend(first..=last);
    }
    Ok(ids)
}

fn key_of(v: &NewVersion) -> (&str, &str) {
    (v.resource_type.as_str(), v.scim_id.as_str())
}

/// What [`complete`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CompleteStats {
    pub full: bool,
    pub changes: u32,
    pub users: u32,
    pub groups: u32,
}

/// Whether a snapshot taken on top of `base_id` (the last complete one, if
/// any) must be full: there is no base, or the chain of deltas would grow
/// past [`MAX_CHAIN`].
pub async fn full_due(
    conn: &mut SqliteConnection,
    base_id: Option<i64>,
) -> Result<bool, EngineError> {
    Ok(match base_id {
        None => true,
        Some(b) => chain_len(&mut *conn, b).await? + 1 > MAX_CHAIN,
    })
}

/// A change row: resource, and its version (`None` = removed).
pub type ChangeRow<'a> = (ResourceType, &'a str, Option<i64>);

/// Store change rows of a running snapshot in the caller's transaction,
/// many rows per statement. The caller writes each resource at most once
/// per snapshot; rows of a snapshot that never completes are deleted when
/// it is marked failed or cancelled.
pub async fn insert_changes(
    conn: &mut SqliteConnection,
    snapshot_id: i64,
    rows: &[ChangeRow<'_>],
) -> Result<(), EngineError> {
    let mut sqls = ChunkSql::new(
        "INSERT INTO inventory_changes (snapshot_id, resource_type, scim_id, version_id) VALUES ",
        4,
    );
    for chunk in rows.chunks(INSERT_CHUNK) {
        let sql = sqls.for_rows(chunk.len());
        let mut q = sqlx::query(&sql);
        for (rt, id, vid) in chunk {
            q = q.bind(snapshot_id).bind(rt.as_str()).bind(*id).bind(*vid);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Finish a snapshot in one transaction: write the removals against `base`
/// (a delta; a full snapshot has none) and mark it complete. The rows of
/// added, changed and — when `full` — unchanged resources were written
/// during the crawl with [`insert_changes`] (`written` of them).
pub async fn complete(
    conn: &mut SqliteConnection,
    snapshot_id: i64,
    base: Option<(i64, &State)>,
    full: bool,
    current: &State,
    end: CrawlEnd<'_>,
) -> Result<CompleteStats, EngineError> {
    let CrawlEnd {
        written,
        incomplete,
        now_ms,
    } = end;
    let mut removed: Vec<ChangeRow<'_>> = Vec::new();
    if let (Some((_, base_state)), false) = (base, full) {
        for k in base_state.keys() {
            if !current.contains_key(k) {
                removed.push((k.0, k.1.as_str(), None));
            }
        }
    }
    removed.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let users = current.keys().filter(|k| k.0 == ResourceType::User).count();
    let groups = current.len() - users;
    let mut tx = super::begin_write_on(&mut *conn).await?;
    insert_changes(&mut tx, snapshot_id, &removed).await?;
    let base_id = if full { None } else { base.map(|b| b.0) };
    let r = sqlx::query(
        "UPDATE inventory_snapshots SET state = 'complete', completed_ms = ?, base_id = ?, \
         user_count = ?, group_count = ?, error = ? WHERE id = ? AND state = 'running'",
    )
    .bind(now_ms)
    .bind(base_id)
    .bind(i64::try_from(users).unwrap_or(i64::MAX))
    .bind(i64::try_from(groups).unwrap_or(i64::MAX))
    .bind(incomplete)
    .bind(snapshot_id)
    .execute(&mut *tx)
    .await?;
    if r.rows_affected() != 1 {
        tx.rollback().await?;
        return Err(EngineError::Conflict(format!(
            "snapshot {snapshot_id} is no longer running (marked failed meanwhile)"
        )));
    }
    tx.commit().await?;
    Ok(CompleteStats {
        full,
        changes: written.saturating_add(u32::try_from(removed.len()).unwrap_or(u32::MAX)),
        users: u32::try_from(users).unwrap_or(u32::MAX),
        groups: u32::try_from(groups).unwrap_or(u32::MAX),
    })
}

/// How a crawl ended, for [`complete`].
#[derive(Debug, Clone, Copy)]
pub struct CrawlEnd<'a> {
    /// Change rows already written during the crawl.
    pub written: u32,
    /// Why the crawl did not read the server's whole inventory: the
    /// snapshot is then stored as `incomplete` (with this reason).
    pub incomplete: Option<&'a str>,
    pub now_ms: i64,
}
