//! Managed state: cheap clones only (the engine holds a pool and Arcs). The
//! mutexes are std mutexes never held across an `.await`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use scimwatch_engine::api::demo::DemoSlot;
use scimwatch_engine::monitor::Watch;
use scimwatch_engine::notify::Notifiers;
use scimwatch_engine::Engine;

pub struct AppState {
    pub engine: Engine,
    pub notifier: Notifiers,
    /// The running monitor (poller + diagnosis); `None` until started.
    pub watch: Arc<Mutex<Option<Arc<Watch>>>>,
    /// The built-in demo tenant, when opened.
    pub demo: DemoSlot,
}

impl AppState {
    pub fn new(engine: Engine, notifier: Notifiers) -> Self {
        Self {
            engine,
            notifier,
            watch: Arc::new(Mutex::new(None)),
            demo: DemoSlot::default(),
        }
    }

    pub fn watch(&self) -> Option<Arc<Watch>> {
        self.watch.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Stop the watch and wait for it (at most `timeout` for each of its
    /// tasks): the poller, the monitor loop and the alert outbox finish
    /// what they are writing before the app quits. A command still holding
    /// the watch gets up to `timeout` to let go of it; `false` when the
    /// watch did not stop cleanly in time (the app quits anyway).
    pub async fn stop_watch(&self, timeout: Duration) -> bool {
        let taken = self.watch.lock().unwrap_or_else(|p| p.into_inner()).take();
        let Some(mut watch) = taken else {
            return true;
        };
        let deadline = Instant::now() + timeout;
        loop {
            match Arc::try_unwrap(watch) {
                Ok(w) => return w.shutdown(timeout).await,
                Err(still_shared) if Instant::now() < deadline => {
                    watch = still_shared;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(_) => return false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;
    use std::time::Duration;

    use scimwatch_engine::monitor::Watch;
    use scimwatch_engine::notify::RecordingNotifier;
    use scimwatch_engine::secrets::MemoryStore;
    use scimwatch_engine::{Engine, Store};

    use super::AppState;

    async fn state_watching() -> AppState {
        let store = Store::open_memory().await.unwrap();
        let engine = Engine::from_parts(
            store,
            Arc::new(MemoryStore::new()),
            std::env::temp_dir().join("scimwatch-state-test"),
        );
        let notifier = Arc::new(RecordingNotifier::new());
        let watch = Watch::start(engine.clone(), Default::default(), notifier.clone()).unwrap();
        let state = AppState::new(engine, notifier);
        *state.watch.lock().unwrap() = Some(Arc::new(watch));
        state
    }

    #[tokio::test]
    async fn quitting_stops_the_watch_and_waits_for_it() {
        let state = state_watching().await;
        assert!(state.stop_watch(Duration::from_secs(5)).await);
        assert!(state.watch().is_none(), "the watch is gone");
        assert!(
            state.stop_watch(Duration::from_secs(1)).await,
            "no watch: nothing to stop"
        );
    }

    #[tokio::test]
    async fn a_watch_still_held_elsewhere_does_not_hold_the_quit_forever() {
        let state = state_watching().await;
        let held = state.watch().unwrap();
        let started = std::time::Instant::now();
        assert!(!state.stop_watch(Duration::from_millis(200)).await);
        assert!(started.elapsed() < Duration::from_secs(2));
        drop(held);
    }
}
