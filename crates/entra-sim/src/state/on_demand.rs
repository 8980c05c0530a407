//! provisionOnDemand's own rate (`crate::graph::on_demand`): 5 requests per
//! 10 seconds, on top of the family's limit.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Microsoft: "The rate limit for this API is 5 requests per 10 seconds."
pub(crate) const ON_DEMAND_REQUESTS: usize = 5;
/// The window of [`ON_DEMAND_REQUESTS`].
pub(crate) const ON_DEMAND_WINDOW: Duration = Duration::from_secs(10);

/// The provisionOnDemand rate (real time, like the other Graph limits).
#[derive(Debug, Default)]
pub(crate) struct OnDemandLimiter {
    sent: Mutex<VecDeque<Instant>>,
}

impl OnDemandLimiter {
    /// Count a request; `Some(retry_after_secs)` when over the limit.
    pub(crate) fn check(&self) -> Option<f64> {
        let mut q = self.sent.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t) >= ON_DEMAND_WINDOW)
        {
            q.pop_front();
        }
        if q.len() >= ON_DEMAND_REQUESTS {
            let oldest = q.front().copied().unwrap_or(now);
            let wait = ON_DEMAND_WINDOW.saturating_sub(now.duration_since(oldest));
            return Some(wait.as_secs_f64().ceil().max(1.0));
        }
        q.push_back(now);
        None
    }
}
