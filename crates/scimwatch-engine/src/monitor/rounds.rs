//! The monitor's diagnosis rounds: every connection (the ticker's round),
//! or only those a burst of poller events names (issue 21, item 4: a
//! 1,000-app fleet's cycles end every few seconds; each used to diagnose
//! every connection). The Entra side of many connections is read from the
//! store one query per table ([`StoredReads::all`]).

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use scimwatch_core::fleet::round_every;
use tokio::sync::broadcast;
use tokio::time::{Interval, MissedTickBehavior};

use super::{local_offset, observe_from};
use crate::diagnose::{diagnose_row, DiagnosisConfig, DiagnosisOutcome};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::graph::observe::StoredReads;
use crate::notify::Notifiers;
use crate::poller::Event;
use crate::store::connections::{self as rows, ConnectionRow};

/// When the rounds over every connection run: the watch's round (a
/// minute), spaced out when a large fleet's round costs more than
/// `scimwatch_core::fleet::ROUND_SHARE` of a core (`fleet::round_every`; what a poll changes is
/// diagnosed at once all the same, from the poller's events).
pub(super) struct Pace {
    base: Duration,
    every: Duration,
    adaptive: bool,
}

impl Pace {
    pub(super) fn new(base: Duration, adaptive: bool) -> Self {
        Self {
            base,
            every: base,
            adaptive,
        }
    }

    /// A ticker of rounds `every` apart, the first at once.
    pub(super) fn ticker(&self) -> Interval {
        ticker_at(tokio::time::Instant::now(), self.every)
    }

    /// After a round over every connection that took `took`: the next one
    /// is due `round_every` from now when that differs from the ticker's.
    pub(super) fn after_round(&mut self, took: Duration, ticker: &mut Interval) {
        if !self.adaptive {
            return;
        }
        let next = round_every(self.base, took);
        if next != self.every {
            tracing::debug!(
                took_ms = took.as_millis() as u64,
                next_s = next.as_secs(),
                "diagnosis rounds respaced"
            );
            self.every = next;
            *ticker = ticker_at(tokio::time::Instant::now() + next, next);
        }
    }
}

fn ticker_at(start: tokio::time::Instant, every: Duration) -> Interval {
    let mut t = tokio::time::interval_at(start, every);
    t.set_missed_tick_behavior(MissedTickBehavior::Skip);
    t
}

/// Diagnosing more connections than this reads the store for all of them
/// at once ([`StoredReads::all`]).
const BATCH_READS_FROM: usize = 8;

/// Diagnose every connection once.
pub async fn diagnose_all(
    engine: &Engine,
    cfg: &DiagnosisConfig,
    notifier: &Notifiers,
    now: DateTime<Utc>,
) -> Result<Vec<(ConnectionRow, DiagnosisOutcome)>, EngineError> {
    diagnose_some(engine, cfg, notifier, None, now).await
}

/// Diagnose the connections whose uuid is in `only` (`None`: every one)
/// once. The Entra side of all of them is read from the store one query
/// per table ([`StoredReads::all`]) when that is cheaper than each alone.
pub async fn diagnose_some(
    engine: &Engine,
    cfg: &DiagnosisConfig,
    notifier: &Notifiers,
    only: Option<&HashSet<String>>,
    now: DateTime<Utc>,
) -> Result<Vec<(ConnectionRow, DiagnosisOutcome)>, EngineError> {
    let mut out = Vec::new();
    // A retired app of an all-apps tenant is kept read-only, with its history.
    let list: Vec<ConnectionRow> = rows::list(engine.store.pool())
        .await?
        .into_iter()
        .filter(|r| r.retired_ms.is_none())
        .filter(|r| only.is_none_or(|o| o.contains(&r.uuid)))
        .collect();
    let mut reads = match list.len() > BATCH_READS_FROM {
        true => Some(StoredReads::all(engine.store.pool()).await?),
        false => None,
    };
    for row in list {
        let r = reads
            .as_mut()
            .map(|all| all.remove(&row.id).unwrap_or_default());
        let obs = observe_from(engine, &row, r.as_ref(), now).await?;
        let outcome = diagnose_row(
            &engine.store,
            &row,
            &obs,
            cfg,
            local_offset(),
            now,
            notifier.as_ref(),
        )
        .await?;
        out.push((row, outcome));
    }
    Ok(out)
}

/// What a burst of poller events asks the monitor to diagnose.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Named {
    /// Nothing worth a diagnosis (a failed poll, new log events: the
    /// ticker's round sees them).
    Nothing,
    /// Events were lost (lagged): diagnose every connection.
    Every,
    /// Just these connections.
    Only(HashSet<String>),
}

/// The connections `first` and the events already waiting name, for a
/// diagnosis of just those.
pub(super) fn named_by(first: Option<Event>, events: &mut broadcast::Receiver<Event>) -> Named {
    let mut some = HashSet::new();
    let mut take = |e: Event| match e {
        Event::PollError { .. } | Event::LogsIngested { .. } => {}
        e => {
            some.insert(e.connection().to_string());
        }
    };
    if let Some(e) = first {
        take(e);
    }
    loop {
        match events.try_recv() {
            Ok(e) => take(e),
            Err(broadcast::error::TryRecvError::Lagged(_)) => return Named::Every,
            Err(_) => break,
        }
    }
    if some.is_empty() {
        Named::Nothing
    } else {
        Named::Only(some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poller::{Side, Stream};
    use scimwatch_core::ErrorKind;

    fn changed(c: &str) -> Event {
        Event::CycleCompleted {
            connection: c.into(),
            ended_ms: 1,
        }
    }

    #[test]
    fn a_burst_of_events_names_its_connections_once() {
        let (tx, mut rx) = broadcast::channel(8);
        for e in [
            changed("b"),
            Event::Recovered {
                connection: "c".into(),
                side: Side::Graph,
            },
            changed("b"),
            Event::PollError {
                connection: "d".into(),
                stream: Stream::GraphJob,
                kind: ErrorKind::Network,
                message: "down".into(),
            },
        ] {
            tx.send(e).unwrap();
        }
        let Named::Only(got) = named_by(Some(changed("a")), &mut rx) else {
            panic!("three connections are named");
        };
        let mut got: Vec<_> = got.into_iter().collect();
        got.sort();
        assert_eq!(got, ["a", "b", "c"], "a failed poll alone is not worth one");
        // Nothing waiting, only a failed poll: none.
        let none = named_by(
            Some(Event::LogsIngested {
                connection: "x".into(),
                new_events: 1,
                cycles: vec![],
            }),
            &mut rx,
        );
        assert_eq!(none, Named::Nothing);
        // Events lost: every connection.
        for i in 0..20 {
            tx.send(changed(&format!("n{i}"))).unwrap();
        }
        assert_eq!(named_by(None, &mut rx), Named::Every);
    }
}
