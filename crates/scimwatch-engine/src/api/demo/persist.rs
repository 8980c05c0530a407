//! What survives a relaunch of the demo tenant: `.scimwatch-demo.json` in
//! the data folder (0600, replaced by rename; the `.scimwatch-` prefix keeps
//! the folder "scimwatch's files only" for `Store::open_in`) says a demo was running, with its
//! seed, its last port and the faults switched on. No secret is kept: the
//! simulated tenant's credentials follow from the seed.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The demo's tenant seed (same seed, same tenant, same credentials).
pub const DEFAULT_SEED: u64 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoMarker {
    pub seed: u64,
    /// The loopback port it listened on (tried again first, so the demo
    /// connection's URLs stay the same).
    #[serde(default)]
    pub port: u16,
    /// The fault kinds switched on.
    #[serde(default)]
    pub faults: Vec<String>,
}

impl Default for DemoMarker {
    fn default() -> Self {
        Self {
            seed: DEFAULT_SEED,
            port: 0,
            faults: Vec::new(),
        }
    }
}

fn path(dir: &Path) -> PathBuf {
    dir.join(".scimwatch-demo.json")
}

/// The marker, if a demo was running (an unreadable one counts as a demo
/// with the defaults: the connection decides whether there is a demo).
pub fn load(dir: &Path) -> Option<DemoMarker> {
    let text = std::fs::read_to_string(path(dir)).ok()?;
    Some(serde_json::from_str(&text).unwrap_or_default())
}

pub fn save(dir: &Path, marker: &DemoMarker) -> std::io::Result<()> {
    let tmp = dir.join(".scimwatch-demo.json.tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut f = crate::fsperm::create_private_truncate(&tmp)?;
    f.write_all(&serde_json::to_vec(marker).unwrap_or_default())?;
    f.sync_all()?;
    std::fs::rename(&tmp, path(dir))
}

pub fn remove(dir: &Path) {
    let _ = std::fs::remove_file(path(dir));
}
