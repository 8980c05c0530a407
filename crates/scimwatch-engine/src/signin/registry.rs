//! The sign-ins of this process, one per connection (keyed by the data
//! folder and the connection, like the probe's): the session the UI reads,
//! how to cancel it, and which run may still write to it (a replaced or
//! cancelled run's late news is dropped).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use chrono::Utc;
use tokio::sync::{oneshot, Notify};

use super::{SignInPhase, SignInSession};
use crate::engine::Engine;

pub(super) type Key = (PathBuf, String);

struct Entry {
    session: SignInSession,
    cancel: Arc<Notify>,
    generation: u64,
}

type Registry = Mutex<HashMap<Key, Entry>>;

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| Mutex::new(HashMap::new()))
}

fn lock() -> std::sync::MutexGuard<'static, HashMap<Key, Entry>> {
    registry().lock().unwrap_or_else(|p| p.into_inner())
}

pub(super) fn key(engine: &Engine, connection_uuid: &str) -> Key {
    (engine.data_dir().to_path_buf(), connection_uuid.to_string())
}

/// One run's handle on its session.
pub(super) struct Handle {
    key: Key,
    generation: u64,
    pub cancel: Arc<Notify>,
    /// Fired once, at the first thing worth showing.
    first: Mutex<Option<oneshot::Sender<()>>>,
}

impl Handle {
    /// Change the session while this run owns it and it is still waiting;
    /// `false` when it no longer may (cancelled, or replaced by a new run).
    pub fn update(&self, f: impl FnOnce(&mut SignInSession)) -> bool {
        let mut r = lock();
        match r.get_mut(&self.key) {
            Some(e)
                if e.generation == self.generation && e.session.phase == SignInPhase::Waiting =>
            {
                f(&mut e.session);
                true
            }
            _ => false,
        }
    }

    /// End the session (once: a cancel that came first stays). `false`
    /// when the session had already ended or been replaced.
    pub fn finish(&self, f: impl FnOnce(&mut SignInSession)) -> bool {
        let done = self.update(|s| {
            f(s);
            s.finished_at = Some(Utc::now());
        });
        self.milestone();
        done
    }

    /// The session has something to show: [`super::start`] may answer.
    pub fn milestone(&self) {
        let tx = self.first.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(tx) = tx {
            let _ = tx.send(());
        }
    }
}

/// Register a new session for `key`, cancelling one that runs.
pub(super) fn begin(key: Key, session: SignInSession) -> (Handle, oneshot::Receiver<()>) {
    static GENERATION: AtomicU64 = AtomicU64::new(1);
    let generation = GENERATION.fetch_add(1, Ordering::Relaxed);
    let cancel = Arc::new(Notify::new());
    let (tx, rx) = oneshot::channel();
    let old = lock().insert(
        key.clone(),
        Entry {
            session,
            cancel: cancel.clone(),
            generation,
        },
    );
    if let Some(old) = old {
        // `notify_one` keeps a permit: the old run stops even if it is not
        // waiting on the notification yet.
        old.cancel.notify_one();
    }
    let handle = Handle {
        key,
        generation,
        cancel,
        first: Mutex::new(Some(tx)),
    };
    (handle, rx)
}

pub(super) fn get(key: &Key) -> Option<SignInSession> {
    lock().get(key).map(|e| e.session.clone())
}

/// Mark the session cancelled and stop its run.
pub(super) fn cancel(key: &Key) -> Option<SignInSession> {
    let mut r = lock();
    let e = r.get_mut(key)?;
    if e.session.phase == SignInPhase::Waiting {
        e.session.phase = SignInPhase::Cancelled;
        e.session.finished_at = Some(Utc::now());
        e.cancel.notify_one();
    }
    Some(e.session.clone())
}
