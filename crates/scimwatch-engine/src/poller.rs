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
//!
//! This file holds the task, its commands, its events and its handle;
//! `schedule.rs` the streams, intervals and the pure scheduling, `round.rs`
//! one round of reads, `fanout.rs` how a round polls many tenants at once
//! (every job first, then the configurations), `outcome.rs` what a read's
//! success or failure records, `tenant.rs` the all-apps tenants.

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use scimwatch_core::fleet::JobCondition;
use scimwatch_core::graph::job::ConfigKind;
use scimwatch_core::ErrorKind;
use serde::Serialize;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;
use ts_rs::TS;

use crate::engine::Engine;
use crate::error::EngineError;
use crate::graph::{GraphClient, GraphTarget};
use crate::poll_target::PollTarget;
use crate::store::connections::{self as rows, ConnectionRow};

mod fanout;
mod idle;
mod outcome;
mod round;
mod schedule;
pub mod stream_health;
mod tenant;

pub use outcome::denied_stream;
pub use schedule::{backoff, due, PollConfig, Stream, StreamState};

/// Which side of a connection an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Graph,
    Scim,
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

impl Event {
    /// The connection (uuid) the event is about.
    pub fn connection(&self) -> &str {
        match self {
            Event::Discovered { connection, .. }
            | Event::JobStatusChanged { connection, .. }
            | Event::CycleCompleted { connection, .. }
            | Event::ConfigChanged { connection, .. }
            | Event::LogsIngested { connection, .. }
            | Event::LogsUnavailable { connection, .. }
            | Event::Blind { connection, .. }
            | Event::Recovered { connection, .. }
            | Event::PollError { connection, .. } => connection,
        }
    }
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
}

/// When a connection's streams are read in this round: `Now` when a
/// pending "poll now" covers it, else when each stream is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    Now,
    WhenDue,
}

impl Read {
    fn of(force: Option<&PollTarget>, row: &ConnectionRow) -> Self {
        if force.is_some_and(|t| t.covers(row)) {
            Read::Now
        } else {
            Read::WhenDue
        }
    }

    /// Whether a stream is read, given whether it is due.
    fn reads(self, due: bool) -> bool {
        self == Read::Now || due
    }
}

async fn run(mut w: Worker, mut rx: mpsc::Receiver<Command>) {
    let new_ticker = |tick: Duration| {
        let mut t = tokio::time::interval(tick.max(Duration::from_millis(10)));
        t.set_missed_tick_behavior(MissedTickBehavior::Skip);
        t
    };
    let mut ticker = new_ticker(w.cfg.tick);
    let mut force: Option<PollTarget> = None;
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            cmd = rx.recv() => match cmd {
                None | Some(Command::Stop) => return,
                Some(Command::PollNow { connection }) => {
                    force = PollTarget::merge_into(force.take(), PollTarget::from_request(connection))
                }
                Some(Command::Reconfigure(cfg)) => {
                    ticker = new_ticker(cfg.tick);
                    w.cfg = *cfg;
                    w.conns.clear();
                }
            },
        }
        let mut next_cfg: Option<Box<PollConfig>> = None;
        let mut next_force: Option<PollTarget> = None;
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
                            next_force = PollTarget::merge_into(
                                next_force.take(),
                                PollTarget::from_request(connection),
                            )
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
            let row = rows::require(engine.store.pool(), c).await?;
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
    w.run_due(Some(&PollTarget::from_request(connection))).await;
    drop(w);
    let mut out = Vec::new();
    while let Ok(e) = rx.recv().await {
        out.push(e);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
