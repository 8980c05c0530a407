//! The poller: one task per engine, shaped like atuin's sync loop.
//!
//! `tokio::select!` over a ticker (`MissedTickBehavior::Skip`) and a command
//! channel ([`Command::PollNow`], [`Command::Reconfigure`], [`Command::Stop`]);
//! a closed [`Event`] enum out over a `broadcast` channel. Each connection has
//! independent [`Stream`]s (Graph job status, Graph configuration, Graph
//! logs; the SCIM side is tested and crawled by the monitor, `monitor.rs`)
//! with their own interval and
//! their own exponential backoff with jitter and a cap. Whether a stream is
//! due is decided by the pure [`due`]; the delay after failures by the pure
//! [`backoff`]. Each stream has its own health ([`stream_health`],
//! `poll_state` streams `health:<stream>`): a throttled or refused log
//! stream is "logs delayed", not blindness. When the *job* cannot be read
//! the connection is *blind*: recorded (`poll_state` stream `graph`) and
//! emitted ([`Event::Blind`]), which is not a verdict on provisioning; the
//! job's next success emits [`Event::Recovered`] (other streams' successes
//! do not).
//! Shutdown sends `Stop` and awaits the task with a timeout.

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use rand::Rng;
use scimwatch_core::ErrorKind;
use serde::Serialize;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};
use ts_rs::TS;

use crate::engine::Engine;
use crate::error::EngineError;
use crate::fleet::FleetConfig;
use crate::graph::logs::{ingest_logs, LogIngestConfig, LOGS_STREAM};
use crate::graph::sync::{poll_config_each, poll_job, WatchIds};
use crate::graph::{discover_and_store, ClientOptions, GraphClient, GraphError, GraphTarget};
use crate::store::connections::{self as rows, ConnectionRow};
use crate::store::jobs::{self, ConfigKind, GRAPH_REACH_STREAM, LOGS_UNLICENSED};
use scimwatch_core::fleet::{job_condition, JobCondition, PollPlan};

pub mod stream_health;
mod tenant;

/// A kind of periodic read of one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Stream {
    /// The provisioning job's status (and app discovery when needed).
    GraphJob,
    /// Schema (mappings), assignments and secrets-derived settings.
    GraphConfig,
    /// Provisioning logs, incrementally.
    GraphLogs,
}

impl Stream {
    pub const GRAPH: [Stream; 3] = [Stream::GraphJob, Stream::GraphConfig, Stream::GraphLogs];

    pub fn as_str(self) -> &'static str {
        match self {
            Stream::GraphJob => "graph_job",
            Stream::GraphConfig => "graph_config",
            Stream::GraphLogs => "graph_logs",
        }
    }
}

/// Which side of a connection an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Graph,
    Scim,
}

/// Intervals, backoff and client settings of the poller.
#[derive(Debug, Clone)]
pub struct PollConfig {
    /// How often the poller wakes up to see what is due.
    pub tick: Duration,
    pub job_every: Duration,
    pub config_every: Duration,
    pub logs_every: Duration,
    /// First retry delay after a failure; doubles per failure…
    pub backoff_base: Duration,
    /// …up to this.
    pub backoff_cap: Duration,
    pub client: ClientOptions,
    pub logs: LogIngestConfig,
    /// All-apps tenants: budget, discovery schedule (`crate::fleet`).
    pub fleet: FleetConfig,
}

impl Default for PollConfig {
    fn default() -> Self {
        Self {
            tick: Duration::from_secs(5),
            job_every: Duration::from_secs(2 * 60),
            config_every: Duration::from_secs(30 * 60),
            logs_every: Duration::from_secs(5 * 60),
            backoff_base: Duration::from_secs(30),
            backoff_cap: Duration::from_secs(30 * 60),
            client: ClientOptions::default(),
            logs: LogIngestConfig::default(),
            fleet: FleetConfig::default(),
        }
    }
}

impl PollConfig {
    pub fn interval(&self, s: Stream) -> Duration {
        match s {
            Stream::GraphJob => self.job_every,
            Stream::GraphConfig => self.config_every,
            Stream::GraphLogs => self.logs_every,
        }
    }
}

/// Scheduling state of one stream of one connection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamState {
    pub last_success: Option<Instant>,
    pub last_attempt: Option<Instant>,
    /// Consecutive failures.
    pub failures: u32,
    /// While failing: not before this.
    pub retry_at: Option<Instant>,
}

impl StreamState {
    pub fn succeeded(&mut self, now: Instant) {
        self.last_success = Some(now);
        self.last_attempt = Some(now);
        self.failures = 0;
        self.retry_at = None;
    }

    pub fn failed(&mut self, now: Instant, delay: Duration) {
        self.last_attempt = Some(now);
        self.failures = self.failures.saturating_add(1);
        self.retry_at = Some(now + delay);
    }
}

/// Whether a stream is due at `now` (pure).
pub fn due(state: &StreamState, interval: Duration, now: Instant) -> bool {
    if let Some(at) = state.retry_at {
        return now >= at;
    }
    match state.last_success {
        None => true,
        Some(t) => now >= t + interval,
    }
}

/// Delay after `failures` consecutive failures (pure): `base × 2^(failures−1)`
/// capped at `cap`, then "equal jitter": half fixed, half scaled by `jitter`
/// (a number in `[0, 1)`).
pub fn backoff(failures: u32, base: Duration, cap: Duration, jitter: f64) -> Duration {
    let exp = failures.saturating_sub(1).min(20);
    let raw = base.saturating_mul(1u32 << exp).min(cap);
    let half = raw / 2;
    half + half.mul_f64(jitter.clamp(0.0, 1.0))
}

/// Domain events out of the poller (closed).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// App discovery found the app and its job.
    Discovered {
        connection: String,
        app_display_name: Option<String>,
        job_id: String,
        other_jobs: Vec<String>,
    },
    /// The job status changed (a new snapshot was stored).
    JobStatusChanged {
        connection: String,
        previous: Option<String>,
        status_code: Option<String>,
        quarantine_reason: Option<String>,
    },
    /// A provisioning cycle ended (`lastExecution.timeEnded` moved).
    CycleCompleted {
        connection: String,
        #[ts(type = "number")]
        ended_ms: i64,
    },
    /// A configuration version was stored.
    ConfigChanged {
        connection: String,
        kind: ConfigKind,
        summary: String,
    },
    /// New provisioning events were stored.
    LogsIngested {
        connection: String,
        #[ts(type = "number")]
        new_events: u64,
        cycles: Vec<String>,
    },
    /// The provisioning logs cannot be read (licence, permission).
    LogsUnavailable { connection: String, reason: String },
    /// The monitor cannot read a side (not a verdict on provisioning).
    Blind {
        connection: String,
        side: Side,
        reason: String,
    },
    /// The side can be read again.
    Recovered { connection: String, side: Side },
    /// One poll failed.
    PollError {
        connection: String,
        stream: Stream,
        kind: ErrorKind,
        message: String,
    },
}

/// Commands into the poller.
#[derive(Debug)]
pub enum Command {
    /// Poll now (ignoring intervals and backoff): one connection (uuid or name) or all.
    PollNow {
        connection: Option<String>,
    },
    Reconfigure(Box<PollConfig>),
    Stop,
}

struct ConnState {
    target: GraphTarget,
    client: GraphClient,
    streams: HashMap<Stream, StreamState>,
    blind: Option<String>,
    logs_unavailable: bool,
    /// How the job looked at its last read (an app of an all-apps tenant
    /// is read at the interval of its condition).
    condition: JobCondition,
    /// A tenant: run discovery at the next round (an app's job answered
    /// 404, an event named an app not watched).
    discover_now: bool,
}

/// The poller's state; also used by [`poll_once`].
struct Worker {
    engine: Engine,
    cfg: PollConfig,
    events: broadcast::Sender<Event>,
    conns: HashMap<String, ConnState>,
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

impl Worker {
    fn emit(&self, e: Event) {
        let _ = self.events.send(e);
    }

    /// Poll what is due (or everything of the forced connections).
    async fn run_due(&mut self, force: Option<&Option<String>>) {
        let Some(mut list) = self.list_rows().await else {
            return;
        };
        self.conns
            .retain(|uuid, _| list.iter().any(|r| &r.uuid == uuid));
        // All-apps tenants first: their discovery adds and retires the app
        // connections polled below, their one log stream serves them all.
        let mut changed = false;
        for row in list.iter().filter(|r| r.all_apps && r.tenant_id.is_some()) {
            changed |= self.poll_tenant(row, is_forced(force, row)).await;
        }
        if changed {
            let Some(l) = self.list_rows().await else {
                return;
            };
            list = l;
        }
        let plans = self.fleet_plans(&list);
        for row in list
            .into_iter()
            .filter(|r| r.tenant_id.is_some() && !r.all_apps && r.retired_ms.is_none())
        {
            let forced = is_forced(force, &row);
            let plan = row.tenant_uuid.as_ref().and_then(|t| plans.get(t)).copied();
            self.poll_connection(row, forced, plan).await;
        }
    }

    async fn list_rows(&self) -> Option<Vec<ConnectionRow>> {
        match rows::list(self.engine.store.pool()).await {
            Ok(l) => Some(l),
            Err(e) => {
                tracing::warn!(error = %e, "poller: cannot list connections");
                None
            }
        }
    }

    async fn conn_state(&mut self, row: &ConnectionRow) -> Result<&mut ConnState, GraphError> {
        let target = GraphTarget::from_row(row)?;
        let stale = self.conns.get(&row.uuid).is_none_or(|c| c.target != target);
        if stale {
            // A tenant's apps sign in as the tenant: one client, one token.
            let shared = self
                .conns
                .values()
                .find(|c| c.target == target)
                .map(|c| c.client.clone());
            let client = match shared {
                Some(c) => c,
                None => GraphClient::new(
                    target.clone(),
                    self.engine.secrets.clone(),
                    self.cfg.client.clone(),
                )?,
            };
            let pool = self.engine.store.pool();
            let blind = jobs::get_poll_state(pool, row.id, GRAPH_REACH_STREAM)
                .await?
                .filter(|s| s.watermark_ms.is_some())
                .map(|s| s.cursor.unwrap_or_default());
            let logs_unavailable = jobs::get_poll_state(pool, row.id, LOGS_STREAM)
                .await?
                .is_some_and(|s| s.cursor.as_deref() == Some(LOGS_UNLICENSED));
            self.conns.insert(
                row.uuid.clone(),
                ConnState {
                    target,
                    client,
                    streams: HashMap::new(),
                    blind,
                    logs_unavailable,
                    condition: JobCondition::Trouble,
                    discover_now: false,
                },
            );
        }
        self.conns
            .get_mut(&row.uuid)
            .ok_or_else(|| GraphError::Config("connection state missing".into()))
    }

    /// Poll what is due of one connection. `plan`: the intervals of an app
    /// of an all-apps tenant (its logs come from the tenant's stream).
    async fn poll_connection(
        &mut self,
        mut row: ConnectionRow,
        forced: bool,
        plan: Option<PollPlan>,
    ) {
        let app = row.tenant_connection_id.is_some();
        let name = row.name.clone();
        let uuid = row.uuid.clone();
        let cfg = self.cfg.clone();
        let client = match self.conn_state(&row).await {
            Ok(c) => c.client.clone(),
            Err(e) => {
                self.emit(Event::PollError {
                    connection: uuid,
                    stream: Stream::GraphJob,
                    kind: e.kind(),
                    message: e.to_string(),
                });
                return;
            }
        };
        for stream in Stream::GRAPH {
            if app && stream == Stream::GraphLogs {
                continue;
            }
            let now = Instant::now();
            let is_due = {
                let Some(cs) = self.conns.get_mut(&uuid) else {
                    return;
                };
                let interval = match (plan, stream) {
                    (Some(p), Stream::GraphJob) => match cs.condition {
                        JobCondition::Steady => p.steady_every,
                        JobCondition::Trouble => p.trouble_every,
                    },
                    (Some(p), Stream::GraphConfig) => p.config_every,
                    _ => cfg.interval(stream),
                };
                let st = cs.streams.entry(stream).or_default();
                forced || due(st, interval, now)
            };
            if !is_due {
                continue;
            }
            if row.service_principal_id.is_none() || row.job_id.is_none() {
                match discover_and_store(&self.engine.store, &client, &row, now_ms()).await {
                    Ok(d) => {
                        self.emit(Event::Discovered {
                            connection: uuid.clone(),
                            app_display_name: d.app_display_name.clone(),
                            job_id: d.job_id.clone(),
                            other_jobs: d.other_jobs.clone(),
                        });
                        row.service_principal_id = Some(d.service_principal_id);
                        row.job_id = Some(d.job_id);
                        row.app_display_name = d.app_display_name;
                    }
                    Err(e) => {
                        // Discovery is part of the job stream.
                        self.record_failure(&row, Stream::GraphJob, e).await;
                        return;
                    }
                }
            }
            let ids = WatchIds {
                connection_id: row.id,
                uuid: uuid.clone(),
                name: name.clone(),
                service_principal_id: row.service_principal_id.clone().unwrap_or_default(),
                job_id: row.job_id.clone().unwrap_or_default(),
            };
            let result = self.run_stream(&client, &ids, stream).await;
            match result {
                Ok(()) => self.record_success(&row, stream).await,
                Err(e) => self.record_failure(&row, stream, e).await,
            }
        }
    }

    async fn run_stream(
        &mut self,
        client: &GraphClient,
        ids: &WatchIds,
        stream: Stream,
    ) -> Result<(), GraphError> {
        let store = &self.engine.store;
        match stream {
            Stream::GraphJob => {
                let p = poll_job(client, store, ids, now_ms()).await?;
                if let Some(cs) = self.conns.get_mut(&ids.uuid) {
                    cs.condition = job_condition(
                        p.status_code.as_deref(),
                        p.quarantine_reason.is_some(),
                        p.last_execution_state.as_deref(),
                        false,
                    );
                }
                if p.changed
                    && (p.previous_status_code != p.status_code || p.quarantine_reason.is_some())
                {
                    self.emit(Event::JobStatusChanged {
                        connection: ids.uuid.clone(),
                        previous: p.previous_status_code.clone(),
                        status_code: p.status_code.clone(),
                        quarantine_reason: p.quarantine_reason.clone(),
                    });
                }
                if let Some(ended_ms) = p.cycle_completed {
                    self.emit(Event::CycleCompleted {
                        connection: ids.uuid.clone(),
                        ended_ms,
                    });
                }
            }
            Stream::GraphConfig => {
                // A refused schema read does not stop the assignments.
                let (changes, denied) = poll_config_each(client, store, ids, now_ms()).await?;
                for (kind, summary) in changes {
                    self.emit(Event::ConfigChanged {
                        connection: ids.uuid.clone(),
                        kind,
                        summary,
                    });
                }
                if let Some(e) = denied {
                    return Err(e);
                }
            }
            Stream::GraphLogs => match ingest_logs(client, store, ids, &self.cfg.logs).await {
                Ok(out) => {
                    if let Some(cs) = self.conns.get_mut(&ids.uuid) {
                        cs.logs_unavailable = false;
                    }
                    if out.new_events > 0 {
                        self.emit(Event::LogsIngested {
                            connection: ids.uuid.clone(),
                            new_events: out.new_events,
                            cycles: out.cycles_touched,
                        });
                    }
                }
                Err(GraphError::LogsUnlicensed) => {
                    let e = GraphError::LogsUnlicensed;
                    let wm = jobs::get_poll_state(store.pool(), ids.connection_id, LOGS_STREAM)
                        .await?
                        .and_then(|s| s.watermark_ms);
                    jobs::set_poll_state(
                        store.pool(),
                        ids.connection_id,
                        LOGS_STREAM,
                        wm,
                        Some(LOGS_UNLICENSED),
                        now_ms(),
                    )
                    .await?;
                    let first = self
                        .conns
                        .get_mut(&ids.uuid)
                        .map(|cs| !std::mem::replace(&mut cs.logs_unavailable, true))
                        .unwrap_or(true);
                    if first {
                        self.emit(Event::LogsUnavailable {
                            connection: ids.uuid.clone(),
                            reason: e.to_string(),
                        });
                    }
                }
                Err(e) => return Err(e),
            },
        }
        Ok(())
    }

    async fn record_success(&mut self, row: &ConnectionRow, stream: Stream) {
        let now = Instant::now();
        let Some(cs) = self.conns.get_mut(&row.uuid) else {
            return;
        };
        cs.streams.entry(stream).or_default().succeeded(now);
        // Read, though the tenant has no logs to offer (no P1/P2).
        let unavailable = (stream == Stream::GraphLogs && cs.logs_unavailable)
            .then(|| GraphError::LogsUnlicensed.to_string());
        // Only reading the job ends blindness (issue 17, defect 4).
        let job = stream == Stream::GraphJob;
        let was_blind = job && cs.blind.take().is_some();
        let pool = self.engine.store.pool();
        stream_health::record_ok(pool, row.id, stream, unavailable.as_deref(), Utc::now()).await;
        if job {
            let known = jobs::get_poll_state(pool, row.id, GRAPH_REACH_STREAM)
                .await
                .ok()
                .flatten();
            if was_blind || known.is_none_or(|k| k.watermark_ms.is_some()) {
                if let Err(e) =
                    jobs::set_poll_state(pool, row.id, GRAPH_REACH_STREAM, None, None, now_ms())
                        .await
                {
                    tracing::warn!(error = %e, "poller: cannot record reachability");
                }
            }
        }
        // A read Graph refused for lack of a permission is allowed again.
        let key = denied_stream(stream);
        if let Ok(Some(d)) = jobs::get_poll_state(pool, row.id, &key).await {
            if d.watermark_ms.is_some() {
                if let Err(e) = jobs::set_poll_state(pool, row.id, &key, None, None, now_ms()).await
                {
                    tracing::warn!(error = %e, "poller: cannot record permission");
                }
            }
        }
        if was_blind {
            self.emit(Event::Recovered {
                connection: row.uuid.clone(),
                side: Side::Graph,
            });
        }
    }

    async fn record_denied(
        &self,
        row: &ConnectionRow,
        stream: Stream,
        e: &GraphError,
        message: &str,
    ) {
        let pool = self.engine.store.pool();
        let key = denied_stream(stream);
        let since = jobs::get_poll_state(pool, row.id, &key)
            .await
            .ok()
            .flatten()
            .and_then(|d| d.watermark_ms)
            .unwrap_or_else(now_ms);
        let mut what = match e {
            GraphError::MissingRole { what, .. } => what.clone(),
            _ => stream.as_str().to_string(),
        };
        let mut reason = message.to_string();
        if row.tenant_connection_id.is_some() && stream == Stream::GraphJob {
            // One app of an all-apps tenant: the others are still watched.
            what = "this app's provisioning job".into();
            reason = format!(
                "no permission to read this app's provisioning job ({message}); the tenant's other apps are watched"
            );
        }
        let record = serde_json::json!({
            "what": what,
            "reason": reason,
            "job": stream == Stream::GraphJob,
        })
        .to_string();
        if let Err(err) =
            jobs::set_poll_state(pool, row.id, &key, Some(since), Some(&record), now_ms()).await
        {
            tracing::warn!(error = %err, "poller: cannot record permission");
        }
    }

    async fn record_failure(&mut self, row: &ConnectionRow, stream: Stream, e: GraphError) {
        let now = Instant::now();
        if row.tenant_connection_id.is_some() && stream == Stream::GraphJob {
            if let Some(cs) = self.conns.get_mut(&row.uuid) {
                cs.condition = JobCondition::Trouble;
            }
            // The app or its job is gone: the tenant's discovery retires it.
            let gone = matches!(
                e,
                GraphError::NotFound(_)
                    | GraphError::AppNotFound(_)
                    | GraphError::NoProvisioningJob(_)
            );
            if let Some(t) = row.tenant_uuid.as_ref().filter(|_| gone) {
                if let Some(ts) = self.conns.get_mut(t) {
                    ts.discover_now = true;
                }
            }
        }
        let (base, cap) = (self.cfg.backoff_base, self.cfg.backoff_cap);
        let jitter: f64 = rand::thread_rng().gen();
        // A read refused for lack of a permission or role is not blindness:
        // Graph answers, scimwatch may not look. It is recorded per stream
        // (so the streams that work neither clear it nor flap) and judged by
        // the health rules as such. Any other failure is the stream's own
        // (its health record says why and until when); only the job's makes
        // the connection blind (issue 17, defect 4).
        let permission = e.is_permission();
        let blinding = !permission && stream == Stream::GraphJob;
        let message = e.to_string();
        if permission {
            self.record_denied(row, stream, &e, &message).await;
        }
        let Some(cs) = self.conns.get_mut(&row.uuid) else {
            return;
        };
        let st = cs.streams.entry(stream).or_default();
        let failures = st.failures.saturating_add(1);
        let mut delay = backoff(failures, base, cap, jitter);
        if let GraphError::Throttled {
            retry_after: Some(wait),
            ..
        } = &e
        {
            // Graph asked for longer than one call may wait: honour it here.
            delay = delay.max(*wait);
        }
        st.failed(now, delay);
        let newly_blind = blinding && cs.blind.is_none();
        // Still blind, for another reason (a 429, then a 404): say the latest.
        let reason_changed = blinding && cs.blind.as_deref() != Some(message.as_str());
        if blinding {
            cs.blind = Some(message.clone());
        }
        let pool = self.engine.store.pool();
        stream_health::record_failed(pool, row.id, stream, &e, delay, Utc::now()).await;
        if reason_changed {
            let since = match newly_blind {
                true => None,
                false => jobs::get_poll_state(pool, row.id, GRAPH_REACH_STREAM)
                    .await
                    .ok()
                    .flatten()
                    .and_then(|r| r.watermark_ms),
            }
            .unwrap_or_else(now_ms);
            if let Err(err) = jobs::set_poll_state(
                pool,
                row.id,
                GRAPH_REACH_STREAM,
                Some(since),
                Some(&message),
                now_ms(),
            )
            .await
            {
                tracing::warn!(error = %err, "poller: cannot record blindness");
            }
        }
        tracing::info!(connection = %row.name, stream = stream.as_str(), error = %message, "poll failed");
        self.emit(Event::PollError {
            connection: row.uuid.clone(),
            stream,
            kind: e.kind(),
            message: message.clone(),
        });
        if newly_blind {
            self.emit(Event::Blind {
                connection: row.uuid.clone(),
                side: Side::Graph,
                reason: message,
            });
        }
    }
}

/// Whether `force` (a `PollNow`) covers `row`: everything, the connection
/// by uuid or name, or the all-apps tenant it belongs to.
fn is_forced(force: Option<&Option<String>>, row: &ConnectionRow) -> bool {
    let names = |c: &str, uuid: &str, name: &str| c == uuid || c.eq_ignore_ascii_case(name);
    match force {
        None => false,
        Some(None) => true,
        Some(Some(c)) => {
            names(c, &row.uuid, &row.name)
                || matches!(
                    (&row.tenant_uuid, &row.tenant_name),
                    (Some(u), Some(n)) if names(c, u, n)
                )
        }
    }
}

/// `poll_state.stream` recording that Graph refuses `stream`'s reads for
/// lack of a permission or role: `watermark_ms` = since (NULL when
/// allowed), `cursor` = `{"what", "reason", "job"}` JSON.
pub fn denied_stream(stream: Stream) -> String {
    format!("denied:{}", stream.as_str())
}

fn merge(a: Option<Option<String>>, b: Option<String>) -> Option<Option<String>> {
    match a {
        None => Some(b),
        Some(None) => Some(None),
        Some(Some(x)) if Some(&x) == b.as_ref() => Some(Some(x)),
        Some(Some(_)) => Some(None),
    }
}

async fn run(mut w: Worker, mut rx: mpsc::Receiver<Command>) {
    let new_ticker = |tick: Duration| {
        let mut t = tokio::time::interval(tick.max(Duration::from_millis(10)));
        t.set_missed_tick_behavior(MissedTickBehavior::Skip);
        t
    };
    let mut ticker = new_ticker(w.cfg.tick);
    let mut force: Option<Option<String>> = None;
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            cmd = rx.recv() => match cmd {
                None | Some(Command::Stop) => return,
                Some(Command::PollNow { connection }) => force = merge(force.take(), connection),
                Some(Command::Reconfigure(cfg)) => {
                    ticker = new_ticker(cfg.tick);
                    w.cfg = *cfg;
                    w.conns.clear();
                }
            },
        }
        let mut next_cfg: Option<Box<PollConfig>> = None;
        let mut next_force: Option<Option<String>> = None;
        {
            let now_force = force.take();
            let work = w.run_due(now_force.as_ref());
            tokio::pin!(work);
            loop {
                tokio::select! {
                    _ = &mut work => break,
                    cmd = rx.recv() => match cmd {
                        None | Some(Command::Stop) => return,
                        Some(Command::PollNow { connection }) => {
                            next_force = merge(next_force.take(), connection)
                        }
                        Some(Command::Reconfigure(cfg)) => next_cfg = Some(cfg),
                    },
                }
            }
        }
        if let Some(cfg) = next_cfg {
            ticker = new_ticker(cfg.tick);
            w.cfg = *cfg;
            w.conns.clear();
        }
        force = next_force;
        if force.is_some() {
            ticker.reset_immediately();
        }
    }
}

/// A running poller.
#[derive(Debug)]
pub struct Poller {
    cmd: mpsc::Sender<Command>,
    events: broadcast::Sender<Event>,
    join: JoinHandle<()>,
}

impl Poller {
    /// Start the poller task for `engine`.
    pub fn spawn(engine: Engine, cfg: PollConfig) -> Poller {
        let (events, _) = broadcast::channel(1024);
        let (cmd, rx) = mpsc::channel(32);
        let w = Worker {
            engine,
            cfg,
            events: events.clone(),
            conns: HashMap::new(),
        };
        let join = tokio::spawn(run(w, rx));
        Poller { cmd, events, join }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// A cheap handle to send commands.
    pub fn sender(&self) -> mpsc::Sender<Command> {
        self.cmd.clone()
    }

    pub async fn poll_now(&self, connection: Option<String>) {
        let _ = self.cmd.send(Command::PollNow { connection }).await;
    }

    pub async fn reconfigure(&self, cfg: PollConfig) {
        let _ = self.cmd.send(Command::Reconfigure(Box::new(cfg))).await;
    }

    /// Send `Stop` and wait up to `timeout`; `true` when the task ended in time.
    pub async fn shutdown(self, timeout: Duration) -> bool {
        let _ = self.cmd.send(Command::Stop).await;
        let mut join = self.join;
        match tokio::time::timeout(timeout, &mut join).await {
            Ok(_) => true,
            Err(_) => {
                join.abort();
                false
            }
        }
    }
}

/// Poll every stream of one connection (uuid or name) or of all connections
/// once, now, and return the events (`scimwatch-cli poll --once`).
pub async fn poll_once(
    engine: &Engine,
    cfg: &PollConfig,
    connection: Option<&str>,
) -> Result<Vec<Event>, EngineError> {
    let connection = match connection {
        None => None,
        Some(c) => {
            let row = rows::find(engine.store.pool(), c).await?.ok_or_else(|| {
                EngineError::NotFound(format!("no connection named or with id {c}"))
            })?;
            if row.tenant_id.is_none() {
                return Err(EngineError::NotFound(format!(
                    "connection \u{201c}{}\u{201d} has no Entra side to poll",
                    row.name
                )));
            }
            Some(row.uuid)
        }
    };
    let (events, mut rx) = broadcast::channel(4096);
    let mut w = Worker {
        engine: engine.clone(),
        cfg: cfg.clone(),
        events,
        conns: HashMap::new(),
    };
    w.run_due(Some(&connection)).await;
    drop(w);
    let mut out = Vec::new();
    while let Ok(e) = rx.recv().await {
        out.push(e);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
