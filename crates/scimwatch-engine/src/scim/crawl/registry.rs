//! The engine's one crawl registry (issue 19 item 1): which connections are
//! being crawled in this process, whether the crawl was scheduled by the
//! monitor or started by the admin, and the flag that cancels it. It is
//! owned by the [`Engine`](crate::Engine) (every clone shares it), so the
//! app, the CLI and the monitor's schedule see the same crawls:
//! - one crawl per connection (across processes a lock file adds to it:
//!   `snapshot.rs`);
//! - any crawl can be cancelled by its connection ([`CrawlRegistry::cancel`]),
//!   a scheduled one too;
//! - a crawl the admin starts never waits behind a scheduled one: the
//!   scheduled crawl is cancelled (its snapshot says so) and the admin's
//!   starts;
//! - the progress of crawls nobody started with a progress bar (the
//!   schedule's) is published ([`CrawlRegistry::subscribe`]), so the app
//!   shows them with their Cancel button.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use tokio::sync::broadcast;

use super::signals::{CancelFlag, CrawlProgress};

/// Who started a crawl.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CrawlOrigin {
    /// The monitor's schedule (`Settings::crawl_hours`).
    Scheduled,
    /// The admin: "Crawl now", `scimwatch-cli crawl`.
    Manual,
}

/// The progress of a crawl, with its connection (uuid): the payload of the
/// app's `crawl-progress` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrawlProgressEvent {
    pub connection_id: String,
    pub progress: CrawlProgress,
}

struct Running {
    origin: CrawlOrigin,
    cancel: CancelFlag,
    /// Which claim holds the entry (a released claim never removes its
    /// successor's entry).
    claim: u64,
}

#[derive(Default)]
struct Inner {
    running: HashMap<i64, Running>,
    next_claim: u64,
}

/// The crawls running in this process (see the module docs).
#[derive(Clone)]
pub struct CrawlRegistry {
    inner: Arc<Mutex<Inner>>,
    progress: broadcast::Sender<CrawlProgressEvent>,
}

impl Default for CrawlRegistry {
    fn default() -> Self {
        Self {
            inner: Arc::default(),
            progress: broadcast::channel(64).0,
        }
    }
}

impl std::fmt::Debug for CrawlRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CrawlRegistry").finish_non_exhaustive()
    }
}

/// A connection's place in the registry while its crawl runs; released on
/// drop.
#[derive(Debug)]
pub(crate) struct Claim {
    registry: CrawlRegistry,
    connection_id: i64,
    claim: u64,
}

impl Drop for Claim {
    fn drop(&mut self) {
        let mut inner = self.registry.lock();
        if inner
            .running
            .get(&self.connection_id)
            .is_some_and(|r| r.claim == self.claim)
        {
            inner.running.remove(&self.connection_id);
        }
    }
}

impl CrawlRegistry {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Claim the connection with row id `connection_id` for a crawl, or say
    /// who holds it.
    pub(crate) fn claim(
        &self,
        connection_id: i64,
        origin: CrawlOrigin,
        cancel: &CancelFlag,
    ) -> Result<Claim, CrawlOrigin> {
        let mut inner = self.lock();
        if let Some(r) = inner.running.get(&connection_id) {
            return Err(r.origin);
        }
        inner.next_claim += 1;
        let claim = inner.next_claim;
        inner.running.insert(
            connection_id,
            Running {
                origin,
                cancel: cancel.clone(),
                claim,
            },
        );
        Ok(Claim {
            registry: self.clone(),
            connection_id,
            claim,
        })
    }

    /// Cancel the crawl of the connection with row id `connection_id`;
    /// `false` when none runs in this process.
    pub fn cancel(&self, connection_id: i64) -> bool {
        match self.lock().running.get(&connection_id) {
            Some(r) => {
                r.cancel.cancel();
                true
            }
            None => false,
        }
    }

    /// Who is crawling the connection with row id `connection_id`, if
    /// anyone in this process.
    pub fn running(&self, connection_id: i64) -> Option<CrawlOrigin> {
        self.lock().running.get(&connection_id).map(|r| r.origin)
    }

    /// The progress of crawls started without a progress bar of their own
    /// (the schedule's).
    pub fn subscribe(&self) -> broadcast::Receiver<CrawlProgressEvent> {
        self.progress.subscribe()
    }

    pub(crate) fn publish(&self, connection_id: &str, progress: CrawlProgress) {
        let _ = self.progress.send(CrawlProgressEvent {
            connection_id: connection_id.to_string(),
            progress,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_crawl_per_connection_cancellable_by_its_connection() {
        let r = CrawlRegistry::default();
        let flag = CancelFlag::new();
        let held = r.claim(1, CrawlOrigin::Scheduled, &flag).unwrap();
        assert_eq!(
            r.claim(1, CrawlOrigin::Manual, &CancelFlag::new()).err(),
            Some(CrawlOrigin::Scheduled)
        );
        assert!(r.claim(2, CrawlOrigin::Manual, &CancelFlag::new()).is_ok());
        assert_eq!(r.running(1), Some(CrawlOrigin::Scheduled));
        assert!(r.cancel(1));
        assert!(flag.is_cancelled());
        assert!(!r.cancel(3), "nothing runs for connection 3");
        drop(held);
        assert_eq!(r.running(1), None);
        assert!(!r.cancel(1));
    }

    #[test]
    fn clones_share_the_registry() {
        let r = CrawlRegistry::default();
        let other = r.clone();
        let first = r.claim(1, CrawlOrigin::Manual, &CancelFlag::new()).unwrap();
        assert_eq!(other.running(1), Some(CrawlOrigin::Manual));
        drop(first);
        let second = other
            .claim(1, CrawlOrigin::Scheduled, &CancelFlag::new())
            .unwrap();
        assert_eq!(r.running(1), Some(CrawlOrigin::Scheduled));
        drop(second);
        assert_eq!(r.running(1), None);
    }
}
