//! Provisioning-log ingest: incremental with a persisted watermark
//! (`poll_state`, stream `logs`), an overlap window, de-duplication by event
//! id, every `@odata.nextLink` followed (a repeated link is an error), and a
//! pipeline: the next pages are fetched and parsed while the current one is
//! inserted, and pages already waiting share one transaction.
//! [`backfill_logs`] is the same path, for the first full read.

use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

use chrono::{SecondsFormat, TimeZone, Utc};
use scimwatch_core::graph::parse_event_page_tolerant;
use serde::Serialize;
use tokio::sync::mpsc;
use ts_rs::TS;

use super::client::{Family, GraphClient};
use super::error::GraphError;
use super::http;
use super::sync::WatchIds;
use crate::store::{events, jobs, Store};

/// `poll_state.stream` of the log watermark.
pub const LOGS_STREAM: &str = "logs";

/// How logs are read.
#[derive(Debug, Clone)]
pub struct LogIngestConfig {
    /// `$top` (Graph's maximum for provisioning logs is 1000).
    pub page_size: u32,
    /// Re-read this far back from the watermark (late-arriving events).
    pub overlap: Duration,
    /// Stop after this many pages (the rest is read next time). `None` = all.
    pub max_pages: Option<u32>,
    /// Pages fetched ahead of the insert.
    pub pipeline_depth: usize,
}

impl Default for LogIngestConfig {
    fn default() -> Self {
        Self {
            page_size: 1000,
            overlap: Duration::from_secs(15 * 60),
            max_pages: None,
            pipeline_depth: 4,
        }
    }
}

/// What one ingest did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct IngestOutcome {
    pub pages: u32,
    #[ts(type = "number")]
    pub fetched: u64,
    #[ts(type = "number")]
    pub new_events: u64,
    /// Events Graph sent that could not be read (skipped, logged).
    #[ts(type = "number")]
    pub rejected: u64,
    #[ts(type = "number | null")]
    pub watermark_ms: Option<i64>,
    /// Cycles whose rollups were recomputed.
    pub cycles_touched: Vec<String>,
    /// Whether the whole result was read (`false` when `max_pages` stopped it).
    pub complete: bool,
}

/// A time as Graph's `$filter` takes it (UTC, milliseconds, `Z`).
pub(crate) fn graph_time(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The first URL of an ingest starting at `from_ms` (`None` = everything retained).
pub fn first_url(
    client: &GraphClient,
    service_principal_id: &str,
    from_ms: Option<i64>,
    page_size: u32,
) -> String {
    let mut filter = format!("servicePrincipal/id eq '{service_principal_id}'");
    if let Some(ms) = from_ms {
        filter.push_str(&format!(" and activityDateTime ge {}", graph_time(ms)));
    }
    let mut u = match url::Url::parse(&client.url("/auditLogs/provisioning")) {
        Ok(u) => u,
        Err(_) => return client.url("/auditLogs/provisioning"),
    };
    u.query_pairs_mut()
        .append_pair("$filter", &filter)
        .append_pair("$orderby", "activityDateTime")
        .append_pair("$top", &page_size.clamp(1, 1000).to_string());
    u.to_string()
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);
impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

struct ParsedPage {
    events: events::Prepared,
    rejected: u64,
    last: bool,
}

/// Fetch and parse pages, sending them down `tx`; stops at the last page,
/// after `max_pages`, on a repeated nextLink, or when the receiver is gone.
async fn fetch_pages(
    client: GraphClient,
    mut url: String,
    max_pages: Option<u32>,
    tx: mpsc::Sender<Result<ParsedPage, GraphError>>,
) {
    let mut seen: HashSet<String> = HashSet::new();
    let mut pages = 0u32;
    loop {
        let r = client
            .get_bytes(&url, Family::ProvisioningLogs, "provisioning logs")
            .await
            .and_then(|body| Ok(parse_event_page_tolerant(&body)?))
            .and_then(|page| {
                let events = events::Prepared::new(page.events)?;
                Ok((events, page.next_link, page.rejected))
            });
        let (events, next, rejected) = match r {
            Ok(p) => p,
            Err(e) => {
                let _ = tx.send(Err(e)).await;
                return;
            }
        };
        pages += 1;
        for r in &rejected {
            tracing::warn!(error = %r, "provisioning event skipped");
        }
        let stop_here = max_pages.is_some_and(|m| pages >= m);
        let last = next.is_none();
        let msg = ParsedPage {
            events,
            rejected: rejected.len() as u64,
            last,
        };
        if tx.send(Ok(msg)).await.is_err() || last || stop_here {
            return;
        }
        let Some(next) = next else { return };
        if !seen.insert(next.clone()) || next == url {
            let _ = tx
                .send(Err(GraphError::NextLinkLoop {
                    path: http::path_of(&next),
                }))
                .await;
            return;
        }
        url = next;
    }
}

/// Read new provisioning events of one connection and store them.
///
/// Starts at the persisted watermark minus `overlap` (everything retained
/// the first time), reads pages in ascending time order, and commits the
/// events of a page (or of the pages already waiting, up to 20,000 events),
/// the recomputed rollups of the cycles they touched and the new watermark in
/// one transaction: stopping at any point loses nothing and a restart
/// duplicates nothing.
pub async fn ingest_logs(
    client: &GraphClient,
    store: &Store,
    ids: &WatchIds,
    cfg: &LogIngestConfig,
) -> Result<IngestOutcome, GraphError> {
    let state = jobs::get_poll_state(store.pool(), ids.connection_id, LOGS_STREAM).await?;
    let start_watermark = state.and_then(|s| s.watermark_ms);
    let overlap_ms = i64::try_from(cfg.overlap.as_millis()).unwrap_or(i64::MAX);
    let from = start_watermark.map(|w| w.saturating_sub(overlap_ms));
    let url = first_url(client, &ids.service_principal_id, from, cfg.page_size);

    let (tx, mut rx) = mpsc::channel(cfg.pipeline_depth.max(1));
    let _fetcher = AbortOnDrop(tokio::spawn(fetch_pages(
        client.clone(),
        url,
        cfg.max_pages,
        tx,
    )));

    let mut out = IngestOutcome {
        watermark_ms: start_watermark,
        ..Default::default()
    };
    let mut touched_all: BTreeSet<String> = BTreeSet::new();
    // Persist the watermark only while pages arrive in ascending time order
    // (what `$orderby=activityDateTime` asks for).
    let mut ascending = true;
    let mut max_seen = start_watermark;
    let mut prev_page_max: Option<i64> = None;
    // Pages already waiting in the pipeline join the open transaction (up to
    // `MAX_EVENTS_PER_COMMIT` events): a backfill commits, and recomputes
    // each cycle's rollup, once per batch rather than once per page, while
    // an incremental read (one page, nothing waiting) commits at once.
    let mut batch: Batch<'_> = None;
    loop {
        let msg = match batch {
            Some(_) => match rx.try_recv() {
                Ok(m) => Some(m),
                Err(mpsc::error::TryRecvError::Empty) => {
                    commit_batch(&mut batch, ids, ascending, max_seen, &mut out).await?;
                    rx.recv().await
                }
                Err(mpsc::error::TryRecvError::Disconnected) => None,
            },
            None => rx.recv().await,
        };
        let Some(msg) = msg else { break };
        let page = match msg {
            Ok(p) => p,
            Err(e) => {
                // Keep what was read before the failure.
                commit_batch(&mut batch, ids, ascending, max_seen, &mut out).await?;
                return Err(e);
            }
        };
        out.pages += 1;
        let page_events = page.events.events();
        out.fetched += page_events.len() as u64;
        out.rejected += page.rejected;
        let page_min = page_events.iter().map(|e| e.0.activity_ms).min();
        let page_max = page_events.iter().map(|e| e.0.activity_ms).max();
        if let (Some(prev), Some(min)) = (prev_page_max, page_min) {
            if min < prev {
                ascending = false;
            }
        }
        if page_max.is_some() {
            prev_page_max = page_max;
        }
        max_seen = match (max_seen, page_max) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        if batch.is_none() {
            batch = Some((
                crate::store::begin_write(store.pool()).await?,
                BTreeSet::new(),
                0,
            ));
        }
        if let Some((tx, touched, n)) = batch.as_mut() {
            for c in page_events.iter().filter_map(|e| e.0.cycle_id.as_ref()) {
                if !touched.contains(c) {
                    touched.insert(c.clone());
                    touched_all.insert(c.clone());
                }
            }
            out.new_events += events::insert_prepared(tx, ids.connection_id, &page.events).await?;
            *n += page_events.len();
            if page.last {
                out.complete = true;
            }
            if page.last || *n >= MAX_EVENTS_PER_COMMIT {
                commit_batch(&mut batch, ids, ascending || page.last, max_seen, &mut out).await?;
            }
        }
    }
    commit_batch(&mut batch, ids, ascending, max_seen, &mut out).await?;
    out.cycles_touched = touched_all.into_iter().collect();
    Ok(out)
}

/// Most events one ingest transaction holds (pages already fetched join
/// the open transaction up to this).
const MAX_EVENTS_PER_COMMIT: usize = 20_000;

type Batch<'c> = Option<(sqlx::Transaction<'c, sqlx::Sqlite>, BTreeSet<String>, usize)>;

/// Commit the open batch, if any: the touched cycles' rollups and, when
/// `persist_watermark`, the watermark go in the same transaction.
async fn commit_batch(
    batch: &mut Batch<'_>,
    ids: &WatchIds,
    persist_watermark: bool,
    max_seen: Option<i64>,
    out: &mut IngestOutcome,
) -> Result<(), GraphError> {
    let Some((mut tx, touched, _)) = batch.take() else {
        return Ok(());
    };
    events::recompute_rollups(&mut tx, ids.connection_id, &touched).await?;
    if persist_watermark {
        jobs::set_poll_state(
            &mut *tx,
            ids.connection_id,
            LOGS_STREAM,
            max_seen,
            None,
            Utc::now().timestamp_millis(),
        )
        .await?;
        out.watermark_ms = max_seen;
    }
    tx.commit().await?;
    Ok(())
}

/// Backfill: read every retained event (or resume an interrupted backfill
/// from its watermark). The benchmark calls this.
pub async fn backfill_logs(
    client: &GraphClient,
    store: &Store,
    ids: &WatchIds,
    cfg: &LogIngestConfig,
) -> Result<IngestOutcome, GraphError> {
    ingest_logs(client, store, ids, cfg).await
}
