//! Managed state: cheap clones only (the engine holds a pool and Arcs). The
//! mutexes are std mutexes never held across an `.await`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use scimwatch_engine::monitor::Watch;
use scimwatch_engine::notify::Notifiers;
use scimwatch_engine::scim::CancelFlag;
use scimwatch_engine::Engine;

pub struct AppState {
    pub engine: Engine,
    pub notifier: Notifiers,
    /// Running inventory crawls by connection id, for "Cancel".
    pub crawls: Arc<Mutex<HashMap<String, CancelFlag>>>,
    /// The running monitor (poller + diagnosis); `None` until started.
    pub watch: Arc<Mutex<Option<Arc<Watch>>>>,
    /// The built-in demo tenant, when opened.
    pub demo: Arc<Mutex<Option<Arc<entra_sim::SimHandle>>>>,
}

impl AppState {
    pub fn new(engine: Engine, notifier: Notifiers) -> Self {
        Self {
            engine,
            notifier,
            crawls: Arc::new(Mutex::new(HashMap::new())),
            watch: Arc::new(Mutex::new(None)),
            demo: Arc::new(Mutex::new(None)),
        }
    }

    pub fn watch(&self) -> Option<Arc<Watch>> {
        self.watch.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn demo(&self) -> Option<Arc<entra_sim::SimHandle>> {
        self.demo.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set_demo(&self, sim: Option<Arc<entra_sim::SimHandle>>) {
        *self.demo.lock().unwrap_or_else(|p| p.into_inner()) = sim;
    }
}
