//! A crawl's signals: its progress (for a progress bar) and the flag that
//! cancels it. Below everything else of the crawl — the engine's crawl
//! registry holds them — so it imports nothing of the crate.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::Notify;
use ts_rs::TS;

/// Progress for a progress bar.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct CrawlProgress {
    /// `users`, `groups`, `storing`, `done`; a scheduled crawl that ends
    /// otherwise publishes `cancelled` or `failed` last.
    pub phase: String,
    /// Resources received so far in this phase.
    pub done: u32,
    /// `totalResults`, when the server sent it.
    pub total: Option<u32>,
    /// Requests in flight.
    pub in_flight: u32,
}

/// A cancellation flag shared with a running crawl.
#[derive(Debug, Clone, Default)]
pub struct CancelFlag(Arc<CancelInner>);

#[derive(Debug, Default)]
struct CancelInner {
    flag: AtomicBool,
    notify: Notify,
}

impl CancelFlag {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn cancel(&self) {
        self.0.flag.store(true, Ordering::SeqCst);
        self.0.notify.notify_waiters();
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.flag.load(Ordering::SeqCst)
    }
    /// Resolves once cancelled.
    pub async fn cancelled(&self) {
        loop {
            let n = self.0.notify.notified();
            if self.is_cancelled() {
                return;
            }
            n.await;
        }
    }
}
