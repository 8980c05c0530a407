//! What a connection's observations and status report read from the store
//! ([`StoredReads`]): for one connection (its own queries), or for every
//! connection at once, one query per table (`store::batch`), which is what
//! `/api/v1/status` of a large fleet needs (issue 21, item 4). Both give the
//! same rows, so the same report.
//!
//! Also the queries about a cycle's conflicts, run only for a cycle whose
//! rollup counts failures.

use std::collections::HashMap;

use scimwatch_core::graph::classify_conflict;
use scimwatch_core::graph::job::ConfigKind;
use scimwatch_core::health::{CodeCount, StreamHealth};
use sqlx::SqlitePool;

use crate::error::EngineError;
use crate::poller::stream_health::health_key;
use crate::poller::Stream;
use crate::store::events::{self, CycleRow};
use crate::store::jobs::{self, ConfigVersionRow, JobSnapshotRow, PollStateRow};
use crate::store::{batch, Store};

/// Job statuses an observation looks back over (escrow history).
pub const RECENT_JOBS: i64 = 8;

/// What the store holds of one connection for its observations and
/// status report.
#[derive(Debug, Clone, Default)]
pub struct StoredReads {
    /// The latest [`RECENT_JOBS`] job statuses, newest first.
    pub recent_jobs: Vec<JobSnapshotRow>,
    pub schema: Option<ConfigVersionRow>,
    pub assignments: Option<ConfigVersionRow>,
    pub settings: Option<ConfigVersionRow>,
    /// The latest cycle's rollup.
    pub last_cycle: Option<CycleRow>,
    /// Every `poll_state` row, by stream.
    pub poll: HashMap<String, PollStateRow>,
    pub events_stored: i64,
}

impl StoredReads {
    /// One connection's, with its own queries.
    pub async fn one(pool: &SqlitePool, connection_id: i64) -> Result<Self, EngineError> {
        let config = |kind| jobs::latest_config(pool, connection_id, kind);
        Ok(Self {
            recent_jobs: jobs::recent_jobs(pool, connection_id, RECENT_JOBS).await?,
            schema: config(ConfigKind::Schema).await?,
            assignments: config(ConfigKind::Assignments).await?,
            settings: config(ConfigKind::Settings).await?,
            last_cycle: events::cycles(pool, connection_id, 1)
                .await?
                .into_iter()
                .next(),
            poll: batch::poll_states_of(pool, connection_id)
                .await?
                .into_iter()
                .map(|r| (r.stream.clone(), r))
                .collect(),
            events_stored: events::count(pool, connection_id).await?,
        })
    }

    /// Every connection's, by connection id, one query per table (a
    /// connection with nothing stored is absent: its reads are the default).
    pub async fn all(pool: &SqlitePool) -> Result<HashMap<i64, Self>, EngineError> {
        let mut out: HashMap<i64, Self> = HashMap::new();
        for j in batch::recent_jobs(pool, RECENT_JOBS).await? {
            out.entry(j.connection_id).or_default().recent_jobs.push(j);
        }
        for (id, c) in batch::latest_configs(pool).await? {
            let r = out.entry(id).or_default();
            match c.kind.as_str() {
                "schema" => r.schema = Some(c),
                "assignments" => r.assignments = Some(c),
                "settings" => r.settings = Some(c),
                _ => {}
            }
        }
        for (id, c) in batch::latest_cycles(pool).await? {
            out.entry(id).or_default().last_cycle = Some(c);
        }
        for (id, p) in batch::poll_states(pool).await? {
            out.entry(id).or_default().poll.insert(p.stream.clone(), p);
        }
        for (id, n) in batch::event_counts(pool).await? {
            out.entry(id).or_default().events_stored = n;
        }
        Ok(out)
    }

    /// The `poll_state` row of `stream`.
    pub fn poll_state(&self, stream: &str) -> Option<&PollStateRow> {
        self.poll.get(stream)
    }

    /// Every stream's recorded health, in [`Stream::GRAPH`] order (as
    /// `poller::stream_health::load_all`).
    pub fn stream_health(&self) -> Vec<StreamHealth> {
        Stream::GRAPH
            .iter()
            .filter_map(|s| self.poll_state(&health_key(*s)))
            // A record this version cannot read is skipped, never guessed at.
            .filter_map(|r| serde_json::from_str::<StreamHealth>(r.cursor.as_deref()?).ok())
            .collect()
    }
}

/// The skip reasons of `cycle` (none asked when its rollup counts none).
pub async fn cycle_skip_reasons(
    store: &Store,
    connection_id: i64,
    cycle: &CycleRow,
) -> Result<Vec<events::CodeCountRow>, EngineError> {
    let skipped: i64 = cycle.counts.values().filter_map(|m| m.get("skipped")).sum();
    if skipped == 0 {
        return Ok(Vec::new());
    }
    events::skip_reasons(store.pool(), connection_id, &cycle.cycle_id).await
}

/// The failures of a cycle that core's [`classify_conflict`] calls conflicts
/// or duplicates (by code family, HTTP 409 or `scimType` "uniqueness" in
/// the reason), grouped by error code (`""` without one), most frequent
/// first. SQL only narrows the rows to those that could be one; core
/// decides.
pub async fn cycle_conflicts(
    store: &Store,
    connection_id: i64,
    cycle_id: &str,
) -> Result<Vec<CodeCount>, EngineError> {
    let rows: Vec<(Option<String>, Option<String>, i64)> = sqlx::query_as(
        "SELECT error_code, error_reason, count(*) FROM provisioning_events \
         INDEXED BY events_by_cycle WHERE connection_id = ? AND cycle_id = ? \
         AND status = 'failure' AND (error_code LIKE '%conflict%' \
         OR error_code LIKE '%duplicate%' OR error_reason LIKE '%409%' \
         OR error_reason LIKE '%uniqueness%') \
         GROUP BY error_code, error_reason LIMIT 10000",
    )
    .bind(connection_id)
    .bind(cycle_id)
    .fetch_all(store.pool())
    .await?;
    let mut by_code: std::collections::BTreeMap<String, u64> = Default::default();
    for (code, reason, n) in rows {
        if classify_conflict(code.as_deref(), reason.as_deref()).is_some() {
            let e = by_code.entry(code.unwrap_or_default()).or_default();
            *e = e.saturating_add(u64::try_from(n).unwrap_or(0));
        }
    }
    let mut out: Vec<CodeCount> = by_code
        .into_iter()
        .map(|(code, count)| CodeCount { code, count })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.code.cmp(&b.code)));
    Ok(out)
}

/// Who a cycle's conflicts were about: the source objects' display names
/// (their id when the entry has no name) of the failures core's
/// [`classify_conflict`] calls conflicts, at most 10, in entry order.
pub async fn cycle_conflict_objects(
    store: &Store,
    connection_id: i64,
    cycle_id: &str,
) -> Result<Vec<String>, EngineError> {
    type Row = (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT source_name, source_id, error_code, error_reason FROM provisioning_events \
         INDEXED BY events_by_cycle WHERE connection_id = ? AND cycle_id = ? \
         AND status = 'failure' AND (error_code LIKE '%conflict%' \
         OR error_code LIKE '%duplicate%' OR error_reason LIKE '%409%' \
         OR error_reason LIKE '%uniqueness%') ORDER BY activity_ms LIMIT 1000",
    )
    .bind(connection_id)
    .bind(cycle_id)
    .fetch_all(store.pool())
    .await?;
    let mut out: Vec<String> = Vec::new();
    for (name, id, code, reason) in rows {
        if classify_conflict(code.as_deref(), reason.as_deref()).is_none() {
            continue;
        }
        let who = name
            .filter(|n| !n.trim().is_empty())
            .or(id)
            .unwrap_or_else(|| "(no name in the log entry)".into());
        if !out.contains(&who) {
            out.push(who);
        }
        if out.len() == 10 {
            break;
        }
    }
    Ok(out)
}
