//! A crawl stored as a snapshot: one crawl per connection at a time (in
//! this process through the engine's crawl registry, `registry.rs`, and,
//! through a lock file, across processes), a writer task
//! that stores new versions and the snapshot's change rows as batches
//! arrive, and the snapshot's end — `complete` only when its last
//! transaction commits; `failed` or `cancelled` otherwise.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, watch};

use super::registry::{Claim, CrawlOrigin};
use super::{crawl, Batch, CancelFlag, CrawlConfig, CrawlOutcome, CrawlProgress, CrawlStats};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::scim::discover::ComplianceFinding;
use crate::scim::error::ScimError;
use crate::scim::test_connection::connection_client;
use crate::store::connections::ConnectionRow;
use crate::store::inventory::{self, CompleteStats, Entry, Key, NewVersion, State};

/// How long an admin's crawl waits for the scheduled crawl it cancelled to
/// let go of the connection.
const PREEMPT_WAIT: Duration = Duration::from_secs(30);

/// One crawl per connection: in this process (the engine's registry, which
/// also covers in-memory databases) and across processes (a lock file
/// beside the database, `locks/crawl-<uuid>.lock`, shared by the CLI and
/// the app). A second crawl is refused before it touches the first one's
/// snapshot — except that an admin's crawl cancels a scheduled one and
/// takes its place.
struct RunGuard {
    // Dropped in this order: the lock file before the registry's claim, so
    // an admin's crawl waiting for the claim finds the file free.
    _lock: Option<crate::locks::ProcessLock>,
    _claim: Claim,
}

impl RunGuard {
    async fn acquire(
        engine: &Engine,
        row: &ConnectionRow,
        origin: CrawlOrigin,
        cancel: &CancelFlag,
    ) -> Result<Self, ScimError> {
        let held = |pid| ScimError::AlreadyRunning {
            name: row.name.clone(),
            pid,
        };
        let registry = engine.crawls();
        let deadline = Instant::now() + PREEMPT_WAIT;
        let claim = loop {
            match registry.claim(row.id, origin, cancel) {
                Ok(c) => break c,
                Err(CrawlOrigin::Scheduled)
                    if origin == CrawlOrigin::Manual && Instant::now() < deadline =>
                {
                    // The schedule's crawl gives way to the admin's.
                    registry.cancel(row.id);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(_) => return Err(held(Some(std::process::id()))),
            }
        };
        let mut lock = None;
        if let Some(dir) = engine.locks_dir() {
            let name = crate::locks::crawl_lock_name(&row.uuid);
            match crate::locks::ProcessLock::try_acquire(&dir, &name) {
                Ok(l) => lock = Some(l),
                // `claim` drops here and leaves the registry.
                Err(crate::locks::LockError::Held { pid }) => return Err(held(pid)),
                Err(crate::locks::LockError::Io(m)) => {
                    return Err(ScimError::Engine(EngineError::Io(m)))
                }
            }
        }
        Ok(Self {
            _lock: lock,
            _claim: claim,
        })
    }
}

/// What the writer stores for the snapshot being crawled.
struct SnapshotWriter {
    engine: Engine,
    connection_id: i64,
    snapshot_id: i64,
    /// A full snapshot lists unchanged resources too.
    full: bool,
    /// New content to store (a new or changed resource).
    versions: Vec<NewVersion>,
    /// Unchanged resources to list (full snapshots only).
    unchanged: Vec<(Key, i64)>,
    current: State,
    versions_written: u32,
    changes_written: u32,
}

impl SnapshotWriter {
    fn pending(&self) -> usize {
        self.versions.len() + self.unchanged.len()
    }

    /// Store the pending versions and the snapshot's rows for them (and for
    /// unchanged resources of a full snapshot) in one transaction.
    async fn flush(&mut self) -> Result<(), ScimError> {
        if self.pending() == 0 {
            return Ok(());
        }
        let versions = std::mem::take(&mut self.versions);
        let unchanged = std::mem::take(&mut self.unchanged);
        let mut tx = crate::store::begin_write(self.engine.store.pool()).await?;
        let ids = inventory::insert_versions(&mut tx, self.connection_id, &versions).await?;
        let rows: Vec<inventory::ChangeRow<'_>> = versions
            .iter()
            .zip(&ids)
            .map(|(v, id)| (v.resource_type, v.scim_id.as_str(), Some(*id)))
            .chain(
                unchanged
                    .iter()
                    .map(|((rt, sid), id)| (*rt, sid.as_str(), Some(*id))),
            )
            .collect();
        inventory::insert_changes(&mut tx, self.snapshot_id, &rows).await?;
        tx.commit().await?;
        self.changes_written = self
            .changes_written
            .saturating_add(u32::try_from(rows.len()).unwrap_or(u32::MAX));
        self.versions_written = self
            .versions_written
            .saturating_add(u32::try_from(versions.len()).unwrap_or(u32::MAX));
        for (v, id) in versions.into_iter().zip(ids) {
            self.current.insert(
                (v.resource_type, v.scim_id),
                Entry {
                    version_id: id,
                    hash: v.hash,
                },
            );
        }
        Ok(())
    }
}

/// Resources stored per transaction. Many rows per commit keep the WAL's
/// per-commit work small; 10,000 versions ≈ 12 MB of bodies held at most.
const FLUSH_VERSIONS: usize = 10_000;

/// The writer: as batches arrive, stores new versions and the snapshot's
/// change rows (so the crawl's end only writes removals); returns the
/// crawl's state, versions and change rows written.
async fn write_snapshot(
    mut w: SnapshotWriter,
    base: Arc<State>,
    mut rx: mpsc::Receiver<Batch>,
) -> Result<(State, u32, u32), ScimError> {
    while let Some(b) = rx.recv().await {
        for item in b.items {
            let key = (b.resource_type, item.id);
            match base.get(&key) {
                Some(e) if e.hash == item.hash => {
                    if w.full {
                        w.unchanged.push((key.clone(), e.version_id));
                    }
                    w.current.insert(key, e.clone());
                }
                _ => w.versions.push(NewVersion {
                    resource_type: key.0,
                    scim_id: key.1,
                    hash: item.hash,
                    body_json: item.body,
                }),
            }
        }
        if w.pending() >= FLUSH_VERSIONS {
            w.flush().await?;
        }
    }
    w.flush().await?;
    Ok((w.current, w.versions_written, w.changes_written))
}

/// Crawl a connection's SCIM inventory and store it as a snapshot (delta
/// against the last complete one). Scheduled by the monitor every
/// `Settings::crawl_hours` (`monitor::crawl_due`) and run on demand. On error or cancellation
/// the snapshot is left `failed`/`cancelled`, never `complete`.
pub async fn run_inventory(
    engine: &Engine,
    connection: &str,
    cfg: &CrawlConfig,
    progress: Option<&watch::Sender<CrawlProgress>>,
    cancel: &CancelFlag,
    now: DateTime<Utc>,
) -> Result<CrawlOutcome, ScimError> {
    run_inventory_as(
        engine,
        connection,
        cfg,
        progress,
        cancel,
        now,
        CrawlOrigin::Manual,
    )
    .await
}

/// An admin's crawl ("Crawl now") that reports its progress to `report`
/// (connection uuid, progress) as it goes; every report is made before it
/// returns.
pub async fn run_inventory_reporting<F>(
    engine: &Engine,
    connection: &str,
    report: F,
) -> Result<CrawlOutcome, ScimError>
where
    F: Fn(&str, CrawlProgress) + Send + 'static,
{
    let row = crate::store::connections::require(engine.store.pool(), connection).await?;
    let (tx, rx) = watch::channel(CrawlProgress::default());
    let forward = relay(rx, move |p| report(&row.uuid, p));
    let result = run_inventory(
        engine,
        connection,
        &CrawlConfig::default(),
        Some(&tx),
        &CancelFlag::new(),
        Utc::now(),
    )
    .await;
    drop(tx);
    let _ = forward.await;
    result
}

/// Hand every progress `rx` sees to `f`, until its sender is dropped.
fn relay<F>(mut rx: watch::Receiver<CrawlProgress>, f: F) -> tokio::task::JoinHandle<()>
where
    F: Fn(CrawlProgress) + Send + 'static,
{
    tokio::spawn(async move {
        while rx.changed().await.is_ok() {
            let p = rx.borrow_and_update().clone();
            f(p);
        }
    })
}

/// Cancel the crawl of a connection (uuid or name) running in this process,
/// whoever started it; `false` when none runs.
pub async fn cancel(engine: &Engine, connection: &str) -> Result<bool, EngineError> {
    let row = crate::store::connections::require(engine.store.pool(), connection).await?;
    Ok(engine.crawls().cancel(row.id))
}

/// [`run_inventory`] for `origin`: a scheduled crawl gives way to an
/// admin's, and publishes its progress on the engine's crawl registry when
/// no `progress` is given.
pub async fn run_inventory_as(
    engine: &Engine,
    connection: &str,
    cfg: &CrawlConfig,
    progress: Option<&watch::Sender<CrawlProgress>>,
    cancel: &CancelFlag,
    now: DateTime<Utc>,
    origin: CrawlOrigin,
) -> Result<CrawlOutcome, ScimError> {
    let (row, client) = connection_client(engine, connection, cfg.client.clone()).await?;
    let _guard = RunGuard::acquire(engine, &row, origin, cancel).await?;
    match progress {
        Some(p) => stored_crawl(engine, &row, client, cfg, p, cancel, now).await,
        None => {
            // Nobody watches this crawl's bar: publish it for the app.
            let (tx, rx) = watch::channel(CrawlProgress::default());
            let registry = engine.crawls().clone();
            let uuid = row.uuid.clone();
            let published = relay(rx, move |p| registry.publish(&uuid, p));
            let out = stored_crawl(engine, &row, client, cfg, &tx, cancel, now).await;
            let last = tx.borrow().clone();
            drop(tx);
            let _ = published.await;
            if let Err(e) = &out {
                // Its end, for a bar that has no command to wait for.
                let phase = if matches!(e, ScimError::Cancelled) {
                    "cancelled"
                } else {
                    "failed"
                };
                engine.crawls().publish(
                    &row.uuid,
                    CrawlProgress {
                        phase: phase.into(),
                        in_flight: 0,
                        ..last
                    },
                );
            }
            out
        }
    }
}

/// The crawl of `row` into a new snapshot, under its [`RunGuard`].
async fn stored_crawl(
    engine: &Engine,
    row: &ConnectionRow,
    client: crate::scim::client::ScimClient,
    cfg: &CrawlConfig,
    progress: &watch::Sender<CrawlProgress>,
    cancel: &CancelFlag,
    now: DateTime<Utc>,
) -> Result<CrawlOutcome, ScimError> {
    let progress = Some(progress);
    let started = Instant::now();
    let pool = engine.store.pool();
    inventory::fail_stale_running(pool, Some(row.id), now.timestamp_millis()).await?;
    let base_id = inventory::latest_complete(pool, row.id).await?;
    let snapshot_id = inventory::begin(pool, row.id, now.timestamp_millis()).await?;
    let (base, full) = {
        let mut conn = pool.acquire().await?;
        let base = match base_id {
            Some(b) => inventory::state_of(&mut conn, b).await?,
            None => State::new(),
        };
        (base, inventory::full_due(&mut conn, base_id).await?)
    };
    let base = Arc::new(base);
    let (tx, rx) = mpsc::channel::<Batch>(128);
    let w = SnapshotWriter {
        engine: engine.clone(),
        connection_id: row.id,
        snapshot_id,
        full,
        versions: Vec::new(),
        unchanged: Vec::new(),
        current: State::with_capacity(base.len()),
        versions_written: 0,
        changes_written: 0,
    };
    let writer = tokio::spawn(write_snapshot(w, base.clone(), rx));
    let run = crawl(&client, cfg, progress, cancel, &tx).await;
    drop(tx);
    let written = writer
        .await
        .map_err(|e| ScimError::Protocol(format!("the storage task failed: {e}")));
    let end_ms =
        |s: Instant| now.timestamp_millis() + i64::try_from(s.elapsed().as_millis()).unwrap_or(0);
    let (run, (current, versions_written, changes_written)) = match (run, written) {
        (Ok(run), Ok(Ok(w))) => (run, w),
        (Err(e), _) | (_, Err(e)) | (_, Ok(Err(e))) => {
            let state = if matches!(e, ScimError::Cancelled) {
                "cancelled"
            } else {
                "failed"
            };
            inventory::abandon(pool, snapshot_id, state, &e.to_string(), end_ms(started)).await?;
            return Err(e);
        }
    };
    if cancel.is_cancelled() {
        inventory::abandon(pool, snapshot_id, "cancelled", "cancelled", end_ms(started)).await?;
        return Err(ScimError::Cancelled);
    }
    if let Some(p) = progress {
        p.send_replace(CrawlProgress {
            phase: "storing".into(),
            done: u32::try_from(current.len()).unwrap_or(u32::MAX),
            total: None,
            in_flight: 0,
        });
    }
    let incomplete = CrawlStats::incompleteness(&run.stats);
    let mut conn = pool.acquire().await?;
    let stats: CompleteStats = match inventory::complete(
        &mut conn,
        snapshot_id,
        base_id.map(|b| (b, base.as_ref())),
        full,
        &current,
        inventory::CrawlEnd {
            written: changes_written,
            incomplete: incomplete.as_deref(),
            now_ms: end_ms(started),
        },
    )
    .await
    {
        Ok(s) => s,
        Err(e) => {
            drop(conn);
            inventory::abandon(pool, snapshot_id, "failed", &e.to_string(), end_ms(started))
                .await?;
            return Err(e.into());
        }
    };
    drop(conn);
    // What paging showed about the server (the whole list read, or not).
    inventory_compliance(engine, row.id, now, &run.findings).await?;
    if let Some(p) = progress {
        p.send_replace(CrawlProgress {
            phase: "done".into(),
            done: stats.users + stats.groups,
            total: Some(stats.users + stats.groups),
            in_flight: 0,
        });
    }
    Ok(CrawlOutcome {
        snapshot_id,
        users: stats.users,
        groups: stats.groups,
        full: stats.full,
        changes: stats.changes,
        versions_written,
        stats: run.stats,
        findings: run.findings,
        elapsed_ms: crate::scim::client::millis(started.elapsed()),
        incomplete,
    })
}

/// Record the crawl's paging deviations as the connection's `crawl`
/// compliance verdict (it examined the server's paging, filtering aside).
async fn inventory_compliance(
    engine: &Engine,
    connection_id: i64,
    now: DateTime<Utc>,
    findings: &[ComplianceFinding],
) -> Result<(), ScimError> {
    crate::store::compliance::record(
        engine.store.pool(),
        connection_id,
        crate::store::compliance::Source::Crawl,
        now,
        None,
        &crate::scim::discover::deviations(findings),
    )
    .await?;
    Ok(())
}
