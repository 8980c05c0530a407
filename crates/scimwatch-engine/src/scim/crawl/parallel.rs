//! The adaptive crawl's pages after the first: as many in flight as the
//! AIMD limit allows (core `scim::aimd`), starting from what the last crawl
//! of the same server learnt (`scim/server_memory.rs`).
//!
//! At a limit of 1 with nothing in flight the page is fetched inline, in
//! the crawl's own task, exactly as [`TypeCrawl::sequential`] does: no task
//! is spawned and no other worker thread is woken per page, so a server
//! judged serial is crawled at the sequential crawl's speed (issue 22).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use scimwatch_core::scim::aimd::Aimd;
use tokio::task::JoinSet;

use super::{fetch_page, Page, PageError, TypeCrawl};
use crate::scim::error::ScimError;

/// A page request that has ended: its range, its attempt, how many were in
/// flight when it was sent, when it was sent, and its result.
type Done = (u64, u64, u32, usize, Instant, Result<Page, PageError>);

/// What to do after a page has ended.
enum Next {
    Continue,
    Stop(Result<(), ScimError>),
}

impl TypeCrawl<'_> {
    pub(super) async fn parallel(
        &mut self,
        from: u64,
        step: u64,
        total: u64,
        first_latency: Option<Duration>,
    ) -> Result<(), ScimError> {
        let mut queue: VecDeque<(u64, u64, u32)> = VecDeque::new();
        let mut s = from;
        while s <= total {
            queue.push_back((s, step.min(total - s + 1), 0));
            s += step;
        }
        // Start from what the last crawl of this server learnt (a serial
        // server is crawled one at a time at once), and leave what this one
        // learns for the next.
        let server = self.client.base_url().to_string();
        let mut aimd = Aimd::resume(
            self.cfg.max_in_flight,
            first_latency,
            crate::scim::server_memory::get(&server),
        );
        let mut set: JoinSet<Done> = JoinSet::new();
        let mut pause_until: Option<tokio::time::Instant> = None;
        let result = loop {
            if self.cancel.is_cancelled() {
                break Err(ScimError::Cancelled);
            }
            if self.stop {
                break Ok(());
            }
            let now = tokio::time::Instant::now();
            let paused = pause_until.is_some_and(|p| p > now);
            // One at a time: fetch in this task, as the sequential crawl does.
            if !paused && set.is_empty() && aimd.current() == 1 && !self.cap_reached(0) {
                if let Some((start, count, attempt)) = queue.pop_front() {
                    self.stats.max_in_flight = self.stats.max_in_flight.max(1);
                    self.report(1);
                    let sent_at = Instant::now();
                    let r = tokio::select! {
                        r = fetch_page(self.client, self.rt, start, count) => r,
                        _ = self.cancel.cancelled() => break Err(ScimError::Cancelled),
                    };
                    let done = (start, count, attempt, 1, sent_at, r);
                    match self
                        .settle(&mut aimd, &mut queue, &mut pause_until, done)
                        .await
                    {
                        Next::Continue => continue,
                        Next::Stop(r) => break r,
                    }
                }
            }
            while !paused && set.len() < aimd.current() && !self.cap_reached(set.len()) {
                let Some((start, count, attempt)) = queue.pop_front() else {
                    break;
                };
                let client = self.client.clone();
                let rt = self.rt;
                let in_flight = set.len() + 1;
                set.spawn(async move {
                    let sent_at = Instant::now();
                    let r = fetch_page(&client, rt, start, count).await;
                    (start, count, attempt, in_flight, sent_at, r)
                });
            }
            self.stats.max_in_flight = self
                .stats
                .max_in_flight
                .max(u32::try_from(set.len()).unwrap_or(u32::MAX));
            self.report(set.len());
            if set.is_empty() {
                if queue.is_empty() || self.stats.pages >= self.cfg.max_pages {
                    break Ok(());
                }
                if let Some(p) = pause_until {
                    tokio::time::sleep_until(p).await;
                }
                pause_until = None;
                continue;
            }
            let joined = tokio::select! {
                j = set.join_next() => j,
                _ = self.cancel.cancelled() => break Err(ScimError::Cancelled),
            };
            let Some(joined) = joined else { continue };
            let done = match joined {
                Ok(x) => x,
                Err(e) => break Err(ScimError::Protocol(format!("a page request failed: {e}"))),
            };
            match self
                .settle(&mut aimd, &mut queue, &mut pause_until, done)
                .await
            {
                Next::Continue => {}
                Next::Stop(r) => break r,
            }
        };
        set.abort_all();
        crate::scim::server_memory::put(&server, aimd.learnt());
        result
    }

    /// Take an ended page: tell the limit, store the page (a short page's
    /// rest goes back in the queue), or queue a retry after a pause.
    async fn settle(
        &mut self,
        aimd: &mut Aimd,
        queue: &mut VecDeque<(u64, u64, u32)>,
        pause_until: &mut Option<tokio::time::Instant>,
        (start, count, attempt, in_flight, sent_at, r): Done,
    ) -> Next {
        match r {
            Ok(page) => {
                aimd.on_success(
                    page.latency,
                    page.throttled > 0,
                    in_flight,
                    sent_at,
                    Instant::now(),
                );
                let n = page.returned;
                if let Err(e) = self.accept(page).await {
                    return Next::Stop(Err(e));
                }
                // A short page leaves a gap: fetch the rest of its range.
                if n > 0 && n < count && !self.stop {
                    queue.push_front((start + n, count - n, 0));
                }
                Next::Continue
            }
            Err(PageError::Fatal(e)) => Next::Stop(Err(e)),
            Err(PageError::Retryable(m)) => {
                aimd.decrease(sent_at, Instant::now());
                self.stats.retries += 1;
                if attempt + 1 > self.cfg.page_retries {
                    return Next::Stop(Err(ScimError::Network(self.client.scrub(&m))));
                }
                queue.push_front((start, count, attempt + 1));
                *pause_until = Some(
                    tokio::time::Instant::now()
                        + Duration::from_millis(200 * (1 << (attempt + 1).min(5))),
                );
                Next::Continue
            }
        }
    }
}
