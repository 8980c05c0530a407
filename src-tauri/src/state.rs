//! Managed state: cheap clones only (the engine holds a pool and Arcs). The
//! crawl registry is a std mutex never held across an `.await`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use scimwatch_engine::notify::Notifiers;
use scimwatch_engine::scim::CancelFlag;
use scimwatch_engine::Engine;

pub struct AppState {
    pub engine: Engine,
    pub notifier: Notifiers,
    /// Running inventory crawls by connection id, for "Cancel".
    pub crawls: Arc<Mutex<HashMap<String, CancelFlag>>>,
}
