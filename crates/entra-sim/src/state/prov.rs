//! The provisioning service's memory of the target (its "connector data
//! store"), kept in [`super::Inner`].

use std::collections::{HashMap, HashSet};

/// What the service last exported for a user.
#[derive(Debug, Clone)]
pub(crate) struct ProvUser {
    pub target_id: String,
    pub version: u64,
    pub active: bool,
    pub exported: Vec<(&'static str, String)>,
}

/// What the service last exported for a group.
#[derive(Debug, Clone)]
pub(crate) struct ProvGroup {
    pub target_id: String,
    pub version: u64,
    pub display_name: String,
    pub members: HashSet<u32>,
}

/// The service's memory of the target (its "connector data store").
#[derive(Debug, Default)]
pub(crate) struct ProvState {
    pub users: HashMap<u32, ProvUser>,
    pub groups: HashMap<u32, ProvGroup>,
    pub watermark: u64,
    pub initial_done: bool,
}
