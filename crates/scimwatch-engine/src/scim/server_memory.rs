//! What this process learnt about each SCIM server's concurrency (core's
//! [`Learnt`]), by the server's base URL: the next crawl of the same server
//! — a connection's next scheduled crawl, a manual one, the Users list
//! after the Groups list — starts from it instead of probing again, as TCP
//! keeps a destination's metrics between connections (RFC 2140). A server
//! judged serial is then crawled one at a time from the first page, and
//! probed again only when its hold runs out (issue 22: a probe pair at the
//! start of every crawl cost a serial server a few per cent).
//!
//! In memory only: a restarted process probes once more. One entry per
//! server URL the process crawled.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use scimwatch_core::scim::aimd::Learnt;

static LEARNT: LazyLock<Mutex<HashMap<String, Learnt>>> = LazyLock::new(Default::default);

fn map() -> std::sync::MutexGuard<'static, HashMap<String, Learnt>> {
    LEARNT.lock().unwrap_or_else(|e| e.into_inner())
}

/// What the last crawl of `base` learnt, if any.
pub(crate) fn get(base: &str) -> Option<Learnt> {
    map().get(base).copied()
}

/// Remember what a crawl of `base` learnt.
pub(crate) fn put(base: &str, learnt: Learnt) {
    map().insert(base.to_string(), learnt);
}
