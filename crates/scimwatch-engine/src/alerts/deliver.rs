//! The deliverer: a task beside the monitor (started by the watch, so the
//! desktop app, `scimwatch-cli watch` and `serve` all run it) that sends
//! each channel's oldest due alert, one channel per task. Monitoring only
//! writes outbox rows; a slow or failing receiver delays nothing but its
//! own channel's later alerts.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use rustls::RootCertStore;
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

use super::channels;
use super::outbox::{self, Head, Outcome};
use super::send::Sender;
use crate::engine::Engine;

/// How the deliverer runs.
#[derive(Clone)]
pub struct DeliverOptions {
    /// The longest sleep between looks at the outbox (alerts written by
    /// another process, retries falling due).
    pub tick: Duration,
    /// Whom SMTP's TLS trusts (tests: their CA); default bundled + OS.
    pub roots: Option<Arc<RootCertStore>>,
}

impl Default for DeliverOptions {
    fn default() -> Self {
        Self {
            tick: Duration::from_secs(2),
            roots: None,
        }
    }
}

/// A running deliverer.
pub struct Deliverer {
    stop: Option<oneshot::Sender<()>>,
    handle: JoinHandle<()>,
}

impl Deliverer {
    /// Start delivering. A client that cannot be built is logged; the
    /// outbox keeps the alerts.
    pub fn spawn(engine: Engine, options: DeliverOptions) -> Deliverer {
        let (tx, rx) = oneshot::channel();
        let handle = tokio::spawn(async move {
            match Sender::new(options.roots.clone()) {
                Ok(sender) => run(engine, sender, options.tick, rx).await,
                Err(e) => tracing::warn!(error = %e, "alerts cannot be sent: {e}"),
            }
        });
        Deliverer {
            stop: Some(tx),
            handle,
        }
    }

    /// Stop, letting attempts under way finish for up to `timeout` (an
    /// attempt cut short is retried by the next watch: at least once).
    pub async fn shutdown(mut self, timeout: Duration) -> bool {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(timeout, &mut self.handle)
            .await
            .is_ok()
    }
}

async fn attempt(engine: Engine, sender: Sender, head: Head) {
    let now = Utc::now();
    let outcome = match channels::load(&engine, head.channel_id).await {
        Ok(ch) => {
            let o = sender.attempt(&ch, &head.event, now).await;
            match &o {
                Outcome::Delivered(a) => {
                    tracing::info!(channel = %ch.name, key = %head.event.key, answer = %a, "alert delivered")
                }
                Outcome::Retry { error, .. } => {
                    tracing::warn!(channel = %ch.name, key = %head.event.key, "alert not delivered, will retry: {error}")
                }
                Outcome::Dead(error) => {
                    tracing::warn!(channel = %ch.name, key = %head.event.key, "alert given up (dead letter): {error}")
                }
            }
            o
        }
        Err(e) => Outcome::Retry {
            error: e,
            after: None,
        },
    };
    if let Err(e) = outbox::record(engine.store.pool(), &head, &outcome, Utc::now()).await {
        tracing::warn!(error = %e, "the outcome of an alert could not be recorded");
    }
}

async fn run(engine: Engine, sender: Sender, tick: Duration, mut stop: oneshot::Receiver<()>) {
    let mut tasks: JoinSet<()> = JoinSet::new();
    let mut busy: HashSet<i64> = HashSet::new();
    let mut by_task: HashMap<tokio::task::Id, i64> = HashMap::new();
    let mut last_prune = None;
    loop {
        let now = Utc::now();
        let now_ms = now.timestamp_millis();
        let mut sleep = tick;
        match outbox::heads(engine.store.pool()).await {
            Ok(heads) => {
                for h in heads {
                    if busy.contains(&h.channel_id) {
                        continue;
                    }
                    if h.next_attempt_ms > now_ms {
                        let wait = Duration::from_millis((h.next_attempt_ms - now_ms) as u64);
                        sleep = sleep.min(wait);
                        continue;
                    }
                    busy.insert(h.channel_id);
                    let ch = h.channel_id;
                    let a = tasks.spawn(attempt(engine.clone(), sender.clone(), h));
                    by_task.insert(a.id(), ch);
                }
            }
            Err(e) => tracing::warn!(error = %e, "the alert outbox cannot be read"),
        }
        if last_prune.is_none_or(|t| now - t > chrono::Duration::hours(1)) {
            last_prune = Some(now);
            if let Err(e) = outbox::prune(engine.store.pool(), now).await {
                tracing::warn!(error = %e, "old delivered alerts could not be removed");
            }
        }
        let bell = outbox::bell().notified();
        tokio::select! {
            _ = &mut stop => break,
            done = tasks.join_next_with_id(), if !tasks.is_empty() => {
                let id = match done {
                    Some(Ok((id, ()))) => Some(id),
                    Some(Err(e)) => Some(e.id()),
                    None => None,
                };
                if let Some(ch) = id.and_then(|id| by_task.remove(&id)) {
                    busy.remove(&ch);
                }
            }
            _ = bell => {}
            _ = tokio::time::sleep(sleep.max(Duration::from_millis(50))) => {}
        }
    }
    // Attempts under way may finish briefly; the rest are retried later.
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    tasks.abort_all();
}
