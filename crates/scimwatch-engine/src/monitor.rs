//! The monitor: everything known about a connection (both sides) assembled
//! into core's `Observations`, the troubleshooting checklist evaluated over
//! it, and the watch loop that keeps checking the SCIM endpoint and
//! diagnosing after every round of the Graph poller.
//!
//! Three tasks run while watching: the Graph [`Poller`], the alert
//! deliverer (`alerts::deliver`: the outbox to Teams, Slack, webhooks and
//! e-mail) and the monitor loop below (SCIM Test Connection every 5
//! minutes, diagnosis of every connection every minute, and of the
//! connections a poller event names right after it). The
//! poller and the loop are driven by `tokio::select!` over a
//! ticker and a command channel and stop on `Stop`.

use std::time::Duration;

use chrono::{DateTime, FixedOffset, Local, Offset, Utc};
use scimwatch_core::checklist::{self, portal_base_for, ChecklistRun, Context, StoredProgress};
use scimwatch_core::health::{self, Finding, Observations};
use scimwatch_core::settings::Settings;
use scimwatch_core::Cloud;
use serde::Serialize;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;
use ts_rs::TS;

use crate::diagnose::{DiagnosisConfig, DiagnosisOutcome};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::graph;
use crate::graph::observe::StoredReads;

mod rounds;
use crate::notify::Notifiers;
use crate::poll_target::PollTarget;
use crate::poller::{Event, Poller};
use crate::scim;
use crate::store::connections::{self as rows, ConnectionRow};
use crate::store::{compliance, scim_checks};
pub use rounds::{diagnose_all, diagnose_some};
use rounds::{named_by, Named};

/// How often the SaaS's SCIM endpoint gets Entra's Test Connection.
pub const SCIM_CHECK_EVERY: Duration = Duration::from_secs(5 * 60);

/// The user's current UTC offset (quiet hours and "next expected at" are local).
pub fn local_offset() -> FixedOffset {
    Local::now().offset().fix()
}

/// Both sides of one connection as the health rules see them.
pub async fn observe(
    engine: &Engine,
    row: &ConnectionRow,
    now: DateTime<Utc>,
) -> Result<Observations, EngineError> {
    observe_from(engine, row, None, now).await
}

/// [`observe`], the Entra side from `reads` when given (read for every
/// connection at once: [`StoredReads::all`]).
pub async fn observe_from(
    engine: &Engine,
    row: &ConnectionRow,
    reads: Option<&StoredReads>,
    now: DateTime<Utc>,
) -> Result<Observations, EngineError> {
    let mut obs = match (row.tenant_id.is_some(), reads) {
        (true, Some(r)) => graph::observe::observations_from(&engine.store, row, r).await?,
        (true, None) => graph::observe::observations(&engine.store, row).await?,
        (false, _) => Observations::default(),
    };
    if let Some(url) = &row.scim_url {
        obs.scim_url = Some(url.clone());
        if let Some(c) = scim_checks::latest(engine.store.pool(), row.id).await? {
            obs.scim_check = Some(c.to_observation());
        }
        let mut recorded = Vec::new();
        for source in [compliance::Source::Discover, compliance::Source::Crawl] {
            recorded.extend(compliance::latest(engine.store.pool(), row.id, source).await?);
        }
        obs.compliance_deviations = compliance::observed(&recorded);
        obs.probe = scim::probe::latest_observation(engine.store.pool(), row.id).await?;
        match scim::token_status(engine, &row.uuid, now).await {
            Ok(ts) => obs.token_expires_at = ts.expires_at,
            Err(e) => tracing::debug!(error = %e, "token status unavailable"),
        }
        if row.tenant_id.is_some() {
            match crate::scim::drift::observation(engine, row).await {
                Ok(d) => obs.drift = d,
                Err(e) => tracing::debug!(error = %e, "drift unavailable"),
            }
        }
    }
    Ok(obs)
}

/// Deep-link context of a connection for the checklist and its report.
pub fn context(row: &ConnectionRow) -> Context {
    let cloud = row
        .cloud
        .as_deref()
        .and_then(Cloud::parse)
        .unwrap_or_default();
    Context {
        connection_name: Some(row.name.clone()),
        tenant_id: row.tenant_id.clone(),
        service_principal_id: row.service_principal_id.clone(),
        app_id: row.app_id.clone(),
        app_display_name: row.app_display_name.clone(),
        portal_base: portal_base_for(cloud)
            .unwrap_or(checklist::ENTRA_ADMIN_CENTER)
            .to_string(),
        utc_offset_minutes: local_offset().local_minus_utc() / 60,
        sides: checklist::Sides {
            entra: row.tenant_id.is_some(),
            scim: row.scim_url.is_some(),
        },
        ..Context::default()
    }
}

/// A checklist run with what it was computed from, for the UI and reports.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ChecklistView {
    pub connection_id: String,
    pub connection_name: String,
    pub run: ChecklistRun,
    pub findings: Vec<Finding>,
    pub report_markdown: String,
}

async fn progress(
    engine: &Engine,
    row: &ConnectionRow,
) -> Result<Vec<StoredProgress>, EngineError> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT step_id, confirmed_ms FROM checklist_progress \
         WHERE connection_id = ? AND confirmed_ms IS NOT NULL",
    )
    .bind(row.id)
    .fetch_all(engine.store.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(step_id, ms)| StoredProgress {
            step_id,
            confirmed_at: crate::store::connections::ms_to_time(ms),
        })
        .collect())
}

async fn find(engine: &Engine, connection: &str) -> Result<ConnectionRow, EngineError> {
    rows::require(engine.store.pool(), connection).await
}

/// Evaluate the troubleshooting checklist of a connection over live evidence.
pub async fn run_checklist(
    engine: &Engine,
    connection: &str,
    now: DateTime<Utc>,
) -> Result<ChecklistView, EngineError> {
    let row = find(engine, connection).await?;
    let obs = observe(engine, &row, now).await?;
    let ctx = context(&row);
    let run = checklist::evaluate_checklist(&obs, &ctx, &progress(engine, &row).await?, now);
    let findings = health::evaluate(&obs, &ctx.thresholds, now);
    let report_markdown = checklist::report_markdown(&run, &ctx, &findings, now);
    // Remember what was seen (manual confirmations are kept until a later failure).
    let mut tx = crate::store::begin_write(engine.store.pool()).await?;
    sqlx::query("DELETE FROM checklist_progress WHERE connection_id = ?")
        .bind(row.id)
        .execute(&mut *tx)
        .await?;
    let keep = run.progress_to_store();
    for step in &run.steps {
        let confirmed = keep
            .iter()
            .find(|p| p.step_id == step.id)
            .map(|p| p.confirmed_at.timestamp_millis());
        sqlx::query(
            "INSERT INTO checklist_progress (connection_id, step_id, outcome, evidence_json, confirmed_ms, checked_ms) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(row.id)
        .bind(&step.id)
        .bind(serde_json::to_string(&step.status).unwrap_or_default())
        .bind(serde_json::to_string(&step.outcome.evidence).unwrap_or_default())
        .bind(confirmed)
        .bind(now.timestamp_millis())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(ChecklistView {
        connection_id: row.uuid,
        connection_name: row.name,
        run,
        findings,
        report_markdown,
    })
}

/// The admin confirms a step by hand (where nothing can be checked).
pub async fn confirm_step(
    engine: &Engine,
    connection: &str,
    step_id: &str,
    now: DateTime<Utc>,
) -> Result<ChecklistView, EngineError> {
    if !checklist::STEPS.iter().any(|s| s.id == step_id) {
        return Err(EngineError::NotFound(format!(
            "no checklist step {step_id}"
        )));
    }
    let row = find(engine, connection).await?;
    sqlx::query(
        "INSERT INTO checklist_progress (connection_id, step_id, outcome, confirmed_ms, checked_ms) \
         VALUES (?, ?, '\"confirmed\"', ?, ?) \
         ON CONFLICT (connection_id, step_id) DO UPDATE SET confirmed_ms = excluded.confirmed_ms",
    )
    .bind(row.id)
    .bind(step_id)
    .bind(now.timestamp_millis())
    .bind(now.timestamp_millis())
    .execute(engine.store.pool())
    .await?;
    run_checklist(engine, connection, now).await
}

/// The SCIM connections (with a token) whose last run of something, as
/// `last` reads it, is older than `every` or missing, and those a "poll
/// now" (`force`) covers.
async fn scim_due<F, Fut>(
    engine: &Engine,
    every: Duration,
    force: Option<&PollTarget>,
    now: DateTime<Utc>,
    last: F,
) -> Result<Vec<ConnectionRow>, EngineError>
where
    F: Fn(i64) -> Fut,
    Fut: std::future::Future<Output = Option<DateTime<Utc>>>,
{
    let mut due = Vec::new();
    for row in rows::list(engine.store.pool())
        .await?
        .into_iter()
        // A retired app of an all-apps tenant is kept read-only.
        .filter(|r| r.scim_url.is_some() && r.scim_token_set && r.retired_ms.is_none())
    {
        let stale = last(row.id)
            .await
            .is_none_or(|t| now.signed_duration_since(t).to_std().unwrap_or_default() >= every);
        if stale || force.is_some_and(|t| t.covers(&row)) {
            due.push(row);
        }
    }
    Ok(due)
}

/// Run the SCIM Test Connection of every connection whose last check is
/// older than `every`, and of those a "poll now" (`force`) covers.
pub async fn check_scim_due(
    engine: &Engine,
    every: Duration,
    force: Option<&PollTarget>,
    now: DateTime<Utc>,
) -> Vec<String> {
    let pool = engine.store.pool();
    let last = |id| async move {
        scim_checks::history(pool, id, 1)
            .await
            .ok()
            .and_then(|h| h.into_iter().next())
            .map(|c| c.checked_at)
    };
    let list = match scim_due(engine, every, force, now, last).await {
        Ok(l) => l,
        Err(e) => return vec![e.to_string()],
    };
    let mut errors = Vec::new();
    for row in list {
        if let Err(e) = scim::check_connection(engine, &row.uuid, now).await {
            errors.push(format!("{}: {e}", row.name));
        }
    }
    errors
}

/// Run discovery (the compliance report, recorded) for every SCIM connection
/// whose last one is older than `every` or missing, so the checklist's
/// "SCIM compliance" step judges on evidence. Returns "name: error" for a
/// discovery that could not run at all.
pub async fn discover_due(engine: &Engine, every: Duration, now: DateTime<Utc>) -> Vec<String> {
    let pool = engine.store.pool();
    let last = |id| async move {
        compliance::latest(pool, id, compliance::Source::Discover)
            .await
            .ok()
            .flatten()
            .map(|r| r.checked_at)
    };
    let list = match scim_due(engine, every, None, now, last).await {
        Ok(l) => l,
        Err(e) => return vec![e.to_string()],
    };
    let mut errors = Vec::new();
    for row in list {
        if let Err(e) = scim::discover(engine, &row.uuid, now).await {
            errors.push(format!("{}: {e}", row.name));
        }
    }
    errors
}

/// Commands into the watch loop.
#[derive(Debug)]
pub enum MonitorCommand {
    /// Poll Entra, test the SCIM endpoint of the connections it covers
    /// and diagnose now.
    PollNow(PollTarget),
    /// New settings (intervals, thresholds, notifications, retention).
    Reconfigure(Box<Settings>),
    Stop,
}

/// Start the scheduled inventory crawls that are due (each in its own task;
/// a crawl already running for a connection is refused by the crawler).
pub async fn crawl_due(engine: &Engine, every: Duration, now: DateTime<Utc>) {
    if every.is_zero() {
        return;
    }
    let Ok(list) = rows::list(engine.store.pool()).await else {
        return;
    };
    for row in list
        .into_iter()
        .filter(|r| r.scim_url.is_some() && r.scim_token_set)
    {
        let last = crate::store::inventory::list(engine.store.pool(), row.id, 1)
            .await
            .ok()
            .and_then(|l| l.into_iter().next())
            .map(|s| s.started_at);
        let due =
            last.is_none_or(|t| now.signed_duration_since(t).to_std().unwrap_or_default() >= every);
        if due {
            let engine = engine.clone();
            tokio::spawn(async move {
                let cfg = scim::crawl::CrawlConfig::default();
                let cancel = scim::CancelFlag::new();
                let scheduled = scim::crawl::CrawlOrigin::Scheduled;
                let now = Utc::now();
                if let Err(e) = scim::crawl::run_inventory_as(
                    &engine, &row.uuid, &cfg, None, &cancel, now, scheduled,
                )
                .await
                {
                    if matches!(e, scim::ScimError::Cancelled) {
                        // Cancelled from the app, or by the admin's own crawl.
                        tracing::info!(connection = %row.name, "scheduled inventory crawl cancelled");
                    } else {
                        tracing::warn!(connection = %row.name, error = %e, "scheduled inventory crawl failed");
                    }
                }
            });
        }
    }
}

/// What a watch needs beyond the settings (the headless service, tests).
#[derive(Clone, Default)]
pub struct WatchOptions {
    /// Sees every Graph request of the poller (`serve`'s request counters).
    pub observer: Option<graph::client::RequestObserver>,
    /// Every poll interval and the monitor's round at once, instead of the
    /// settings' minutes (tests: `serve --poll-interval 1s`).
    pub interval: Option<Duration>,
}

impl WatchOptions {
    fn poll_config(&self, settings: &Settings) -> crate::poller::PollConfig {
        let mut cfg = crate::settings::poll_config(settings);
        cfg.client.observer = self.observer.clone();
        if let Some(every) = self.interval {
            cfg.tick = every;
            cfg.job_every = every;
            cfg.config_every = every;
            cfg.logs_every = every;
        }
        cfg
    }
}

/// Everything a running watch tells its listeners, on one bus (a closed
/// enum: a listener matches every kind, and a new kind is a compile error
/// where it is not handled).
#[derive(Debug, Clone)]
pub enum WatchEvent {
    /// A poller happening: a job changed, a stream went blind or
    /// recovered, logs were ingested, a poll failed.
    Poll(Event),
    /// A diagnosis round ended: each connection (uuid) with its outcome;
    /// an outcome with actions opened, updated or resolved incidents.
    Diagnosed(Vec<(String, DiagnosisOutcome)>),
}

/// A running watch: the Graph poller plus the monitor loop.
pub struct Watch {
    poller: Poller,
    options: WatchOptions,
    tx: mpsc::Sender<MonitorCommand>,
    handle: JoinHandle<()>,
    /// The watch's one event bus ([`Watch::subscribe`]).
    bus: broadcast::Sender<WatchEvent>,
    /// Copies the poller's events onto the bus.
    relay: JoinHandle<()>,
    /// Sends the alert outbox to Teams, Slack, webhooks and e-mail.
    deliverer: crate::alerts::deliver::Deliverer,
    /// The data folder's watch lock, held while this watch lives.
    _lock: Option<crate::locks::ProcessLock>,
}

impl Watch {
    /// Start watching every connection with `settings`. Refused with
    /// "scimwatch is already watching this data folder (pid N)" while
    /// another watch (the CLI's or the desktop app's, in any process) runs
    /// on the same database.
    pub fn start(
        engine: Engine,
        settings: Settings,
        notifier: Notifiers,
    ) -> Result<Watch, crate::EngineError> {
        Self::start_with(engine, settings, notifier, WatchOptions::default())
    }

    /// [`Watch::start`] with [`WatchOptions`].
    pub fn start_with(
        engine: Engine,
        settings: Settings,
        notifier: Notifiers,
        options: WatchOptions,
    ) -> Result<Watch, crate::EngineError> {
        let lock = engine.lock_watch()?;
        // Leftovers of an interrupted write probe, deleted in the background.
        scim::probe::spawn_cleanup_at_start(engine.clone());
        let poller = Poller::spawn(engine.clone(), options.poll_config(&settings));
        let deliverer =
            crate::alerts::deliver::Deliverer::spawn(engine.clone(), Default::default());
        let round = options.interval.unwrap_or(Duration::from_secs(60));
        let mut cfg = DiagnosisConfig::from(&settings);
        let mut settings = settings;
        let mut last_prune: Option<DateTime<Utc>> = None;
        let mut events = poller.subscribe();
        let (tx, mut rx) = mpsc::channel(16);
        let (bus, _) = broadcast::channel(64);
        let relay = {
            let bus = bus.clone();
            let mut from_poller = poller.subscribe();
            tokio::spawn(async move {
                loop {
                    match from_poller.recv().await {
                        Ok(e) => {
                            let _ = bus.send(WatchEvent::Poll(e));
                        }
                        Err(broadcast::error::RecvError::Lagged(_)) => {}
                        Err(broadcast::error::RecvError::Closed) => break,
                    }
                }
            })
        };
        let diag = bus.clone();
        let handle = tokio::spawn(async move {
            // The settings' minute is spaced out by what a round costs; a
            // round given by `--poll-interval` (tests) is kept as given.
            let mut pace = rounds::Pace::new(round, options.interval.is_none());
            let mut ticker = pace.ticker();
            let mut poller_gone = false;
            loop {
                let force: Option<PollTarget> = tokio::select! {
                    _ = ticker.tick() => None,
                    ev = events.recv(), if !poller_gone => match ev {
                        Ok(e) => {
                            // A poller event: diagnose the connections it
                            // and what else is waiting name, not all of
                            // them (the ticker's round does that).
                            match named_by(Some(e), &mut events) {
                                Named::Nothing => continue,
                                Named::Only(some) => {
                                    match diagnose_some(&engine, &cfg, &notifier, Some(&some), Utc::now()).await {
                                        Ok(o) => {
                                            let all = o.into_iter().map(|(r, o)| (r.uuid, o)).collect();
                                            let _ = diag.send(WatchEvent::Diagnosed(all));
                                        }
                                        Err(e) => tracing::warn!(error = %e, "diagnosis failed"),
                                    }
                                    continue;
                                }
                                Named::Every => None,
                            }
                        }
                        Err(broadcast::error::RecvError::Lagged(_)) => None,
                        Err(broadcast::error::RecvError::Closed) => {
                            // The poller has stopped: rounds by the ticker only.
                            poller_gone = true;
                            continue;
                        }
                    },
                    cmd = rx.recv() => match cmd {
                        Some(MonitorCommand::PollNow(target)) => Some(target),
                        Some(MonitorCommand::Reconfigure(s)) => {
                            cfg = DiagnosisConfig::from(s.as_ref());
                            settings = *s;
                            None
                        }
                        Some(MonitorCommand::Stop) | None => break,
                    },
                };
                let now = Utc::now();
                let every = Duration::from_secs(u64::from(settings.scim_check_minutes) * 60);
                for e in check_scim_due(&engine, every, force.as_ref(), now).await {
                    tracing::warn!(error = %e, "SCIM check failed to run");
                }
                crawl_due(
                    &engine,
                    Duration::from_secs(u64::from(settings.crawl_hours) * 3600),
                    now,
                )
                .await;
                if last_prune
                    .is_none_or(|t| now.signed_duration_since(t) > chrono::Duration::hours(1))
                {
                    last_prune = Some(now);
                    if let Err(e) = crate::settings::prune(&engine.store, &settings, now).await {
                        tracing::warn!(error = %e, "retention clean-up failed");
                    }
                }
                let started = std::time::Instant::now();
                let outcome = diagnose_all(&engine, &cfg, &notifier, Utc::now()).await;
                pace.after_round(started.elapsed(), &mut ticker);
                match outcome {
                    Ok(all) => {
                        let all = all.into_iter().map(|(r, o)| (r.uuid, o)).collect();
                        let _ = diag.send(WatchEvent::Diagnosed(all));
                    }
                    Err(e) => tracing::warn!(error = %e, "diagnosis failed"),
                }
            }
        });
        Ok(Watch {
            poller,
            options,
            tx,
            handle,
            bus,
            relay,
            deliverer,
            _lock: lock,
        })
    }

    /// The watch's one event bus: the poller's happenings and every
    /// diagnosis round's outcomes, in the order they happened.
    pub fn subscribe(&self) -> broadcast::Receiver<WatchEvent> {
        self.bus.subscribe()
    }

    /// Poll Graph, test SCIM and diagnose now: every connection, or the
    /// one named (uuid or name; a tenant covers its apps).
    pub async fn poll_now(&self, connection: Option<String>) {
        self.poller.poll_now(connection.clone()).await;
        let target = PollTarget::from_request(connection);
        let _ = self.tx.send(MonitorCommand::PollNow(target)).await;
    }

    /// Apply new settings to the poller and the monitor loop.
    pub async fn reconfigure(&self, settings: Settings) {
        self.poller
            .reconfigure(self.options.poll_config(&settings))
            .await;
        let _ = self
            .tx
            .send(MonitorCommand::Reconfigure(Box::new(settings)))
            .await;
    }

    /// Stop both tasks, waiting at most `timeout` for each.
    pub async fn shutdown(self, timeout: Duration) -> bool {
        let _ = self.tx.send(MonitorCommand::Stop).await;
        let monitor_done = tokio::time::timeout(timeout, self.handle).await.is_ok();
        let poller_done = self.poller.shutdown(timeout).await;
        // The poller's events end with it, and so does their relay.
        let relay_done = tokio::time::timeout(timeout, self.relay).await.is_ok();
        let alerts_done = self.deliverer.shutdown(timeout).await;
        monitor_done && poller_done && relay_done && alerts_done
    }
}
