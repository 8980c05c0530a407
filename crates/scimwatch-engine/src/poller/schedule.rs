//! When each stream of a connection is due, and how long to wait after
//! failures: the streams, the poller's intervals and backoff settings, and
//! the pure [`due`] and [`backoff`].

use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;
use ts_rs::TS;

use crate::fleet::FleetConfig;
use crate::graph::{ClientOptions, LogIngestConfig};

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
