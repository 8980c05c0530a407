//! What is due, asked without touching anything: each stream's interval
//! (an app of an all-apps tenant by its tenant's plan and its job's
//! condition), a tenant's discovery and log stream, and whether a round's
//! unit has anything to read at all.
//!
//! The ticker fires every 5 s over every connection. A unit with nothing
//! due is not started (issue 21: a fleet's 1,100 connections cost a task,
//! a sign-in check and a URL parse each, every tick, otherwise), so the
//! check here must never say "nothing" when a read would run: a
//! connection the poller does not know yet, or whose sign-in target
//! changed, or that a "poll now" covers, always has work.

use std::time::Duration;

use scimwatch_core::fleet::{JobCondition, PollPlan};
use tokio::time::Instant;

use super::fanout::{Phase, Unit};
use super::{due, ConnState, PollConfig, Read, Stream, Worker};
use crate::poll_target::PollTarget;
use crate::store::connections::ConnectionRow;

/// Discovery brought forward (an app's job answered 404, an event named an
/// app not watched) runs at most this often.
pub(super) const DISCOVER_SOONEST: Duration = Duration::from_secs(10 * 60);

/// The streams `phase` reads of a unit (`tenant`: an all-apps tenant's,
/// whose apps have no log stream of their own).
pub(super) fn phase_streams(phase: Phase, tenant: bool) -> &'static [Stream] {
    match (phase, tenant) {
        (Phase::Jobs, _) => &[Stream::GraphJob],
        (Phase::Rest, true) => &[Stream::GraphConfig],
        (Phase::Rest, false) => &[Stream::GraphConfig, Stream::GraphLogs],
    }
}

/// Whether a connection reads `stream` itself (an app of an all-apps
/// tenant gets its events from the tenant's log stream).
pub(super) fn reads_itself(row: &ConnectionRow, stream: Stream) -> bool {
    !(row.tenant_connection_id.is_some() && stream == Stream::GraphLogs)
}

impl ConnState {
    /// How often `stream` is read: an app of an all-apps tenant (`plan`)
    /// by its job's condition, anything else by the settings.
    pub(super) fn interval(
        &self,
        cfg: &PollConfig,
        plan: Option<PollPlan>,
        stream: Stream,
    ) -> Duration {
        match (plan, stream) {
            (Some(p), Stream::GraphJob) => match self.condition {
                JobCondition::Steady => p.steady_every,
                JobCondition::Trouble => p.trouble_every,
            },
            (Some(p), Stream::GraphConfig) => p.config_every,
            _ => cfg.interval(stream),
        }
    }

    /// Whether `stream` is due at `now` (never read: due).
    pub(super) fn is_due(
        &self,
        cfg: &PollConfig,
        plan: Option<PollPlan>,
        stream: Stream,
        now: Instant,
    ) -> bool {
        self.streams
            .get(&stream)
            .is_none_or(|st| due(st, self.interval(cfg, plan, stream), now))
    }

    /// An all-apps tenant's `(discovery, log stream)`: whether each is due.
    /// Discovery brought forward waits [`DISCOVER_SOONEST`] after the last
    /// attempt.
    pub(super) fn tenant_due(&self, cfg: &PollConfig, now: Instant) -> (bool, bool) {
        let discovery = self.streams.get(&Stream::GraphJob);
        let soon = self.discover_now
            && discovery
                .and_then(|st| st.last_attempt)
                .is_none_or(|t| now.duration_since(t) >= DISCOVER_SOONEST);
        let discover = soon || discovery.is_none_or(|st| due(st, cfg.fleet.discover_every, now));
        let logs = self
            .streams
            .get(&Stream::GraphLogs)
            .is_none_or(|st| due(st, cfg.logs_every, now));
        (discover, logs)
    }
}

impl Worker {
    /// The poller's state of `row`, when it is still what `row` says
    /// (same sign-in target).
    fn known(&self, row: &ConnectionRow) -> Option<&ConnState> {
        self.conns
            .get(&row.uuid)
            .filter(|cs| cs.target.is_from(row))
    }

    /// Whether `phase` of `unit` would read anything at `now`.
    pub(super) fn has_work(
        &self,
        unit: &Unit,
        force: Option<&PollTarget>,
        phase: Phase,
        now: Instant,
    ) -> bool {
        if let (Some(t), Phase::Jobs) = (&unit.tenant, phase) {
            let Some(cs) = self.known(t) else {
                return true;
            };
            let (discover, logs) = cs.tenant_due(&self.cfg, now);
            if discover || logs || Read::of(force, t) == Read::Now {
                return true;
            }
        }
        let streams = phase_streams(phase, unit.tenant.is_some());
        let plan = self.fleet_plan(&unit.conns);
        unit.conns.iter().any(|row| {
            let Some(cs) = self.known(row) else {
                return true;
            };
            let plan = row.tenant_uuid.is_some().then_some(plan);
            Read::of(force, row) == Read::Now
                || streams
                    .iter()
                    .any(|&s| reads_itself(row, s) && cs.is_due(&self.cfg, plan, s, now))
        })
    }
}
