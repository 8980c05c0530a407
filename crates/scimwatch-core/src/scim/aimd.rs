//! The crawl's adaptive concurrency limit (AIMD): how many list requests
//! may be in flight against a SCIM server, decided from each answer's
//! latency and status. Pure: callers pass the times.

use std::time::{Duration, Instant};

/// Parallel requests must be answered at least this many times faster than
/// one at a time would be, else the server is treated as serial. A serial
/// server shows a gain of about 1; a parallel one about `k`, less its
/// jitter (kept low so a busy machine or a jittery WAN is not taken for a
/// serial server at two in flight).
const MIN_GAIN: f64 = 1.25;
/// Successes to stay at the reduced limit after the first "no gain" verdict
/// (doubled at each further one).
const FIRST_HOLD: u32 = 16;

/// AIMD concurrency limit.
///
/// - Grows by one per success until the first congestion signal (doubling
///   per round trip), then by one per round trip; once two may be in
///   flight, only by a request that was sent with another in flight (one
///   sent alone says nothing about a gain).
/// - Halves on 429/5xx or when latency grows past twice the lowest seen.
/// - Drops to one when parallel requests bring no gain: a request sent with
///   `k` in flight whose latency is about `k` times the lowest means the
///   server answers one at a time (a single worker, a GIL); it then holds
///   at one for a while before probing again, so such a server costs
///   nothing.
/// - Only requests sent after the last cut can cause another: one
///   congestion event, one cut.
#[derive(Debug, Clone)]
pub struct Aimd {
    limit: f64,
    max: f64,
    min_latency: Option<Duration>,
    last_decrease: Option<Instant>,
    slow_start: bool,
    /// Successes left before the limit may grow again.
    hold: u32,
    next_hold: u32,
}

impl Aimd {
    /// `first_latency`: the first page's, fetched alone.
    pub fn new(max: usize, first_latency: Option<Duration>) -> Self {
        let max = max.max(1) as f64;
        Self {
            limit: 2f64.min(max),
            max,
            min_latency: first_latency.filter(|l| !l.is_zero()),
            last_decrease: None,
            slow_start: true,
            hold: 0,
            next_hold: FIRST_HOLD,
        }
    }
    pub fn current(&self) -> usize {
        (self.limit.floor() as usize).max(1)
    }
    fn stale(&self, sent_at: Instant) -> bool {
        self.last_decrease.is_some_and(|d| sent_at < d)
    }
    /// A congestion signal (429, 5xx, a timeout) from a request sent at
    /// `sent_at`, seen at `now`.
    pub fn decrease(&mut self, sent_at: Instant, now: Instant) {
        self.slow_start = false;
        if !self.stale(sent_at) {
            self.limit = (self.limit / 2.0).max(1.0);
            self.last_decrease = Some(now);
        }
    }
    /// Parallel requests were no faster than serial ones.
    fn no_gain(&mut self, sent_at: Instant, now: Instant) {
        self.slow_start = false;
        if !self.stale(sent_at) {
            self.limit = 1.0;
            self.last_decrease = Some(now);
            self.hold = self.next_hold;
            self.next_hold = self.next_hold.saturating_mul(2);
        }
    }
    /// A page came back at `now` after `latency`; `in_flight` requests
    /// (itself included) were in flight when it was sent at `sent_at`.
    pub fn on_success(
        &mut self,
        latency: Duration,
        throttled: bool,
        in_flight: usize,
        sent_at: Instant,
        now: Instant,
    ) {
        if throttled {
            self.decrease(sent_at, now);
            return;
        }
        let min = match self.min_latency {
            Some(m) if m <= latency => m,
            _ => {
                self.min_latency = Some(latency);
                latency
            }
        };
        if latency > min * 2 + Duration::from_millis(25) {
            self.decrease(sent_at, now);
            return;
        }
        if in_flight >= 2 && !latency.is_zero() {
            let gain = in_flight as f64 * min.as_secs_f64() / latency.as_secs_f64();
            if gain < MIN_GAIN {
                self.no_gain(sent_at, now);
                return;
            }
        }
        if self.stale(sent_at) {
            // Sent at the old limit: says nothing about the new one.
            return;
        }
        if self.hold > 0 {
            self.hold -= 1;
        } else if in_flight < 2 && self.limit >= 2.0 {
            // Sent alone: says nothing about whether parallel requests gain,
            // so it does not raise a limit that already allows them.
        } else if self.slow_start {
            self.limit = (self.limit + 1.0).min(self.max);
        } else {
            self.limit = (self.limit + 1.0 / self.limit).min(self.max);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn a_request_sent_alone_does_not_raise_a_parallel_limit() {
        let mut a = Aimd::new(8, Some(10 * MS));
        assert_eq!(a.current(), 2);
        let t = Instant::now();
        // The first of the two was sent alone: no evidence about parallelism.
        a.on_success(10 * MS, false, 1, t, t);
        assert_eq!(a.current(), 2);
        // Sent with another in flight and answered as fast: a gain, grow.
        a.on_success(10 * MS, false, 2, t, t);
        assert_eq!(a.current(), 3);
    }

    #[test]
    fn no_gain_at_two_in_flight_drops_to_one_and_holds() {
        let mut a = Aimd::new(8, Some(10 * MS));
        let t = Instant::now();
        // Twice the latency with two in flight: the server answers one at a time.
        a.on_success(20 * MS, false, 2, t, t + 20 * MS);
        assert_eq!(a.current(), 1);
        let later = t + 50 * MS;
        for _ in 0..FIRST_HOLD {
            a.on_success(10 * MS, false, 1, later, later + 10 * MS);
            assert_eq!(a.current(), 1);
        }
        // After the hold, a request sent alone may raise the limit from 1.
        a.on_success(10 * MS, false, 1, later, later + 10 * MS);
        assert!(a.limit > 1.0);
    }

    #[test]
    fn one_congestion_event_cuts_once_and_slow_starts_no_more() {
        let mut a = Aimd::new(16, Some(10 * MS));
        let t = Instant::now();
        for _ in 0..6 {
            a.on_success(10 * MS, false, 2, t, t + 10 * MS);
        }
        assert_eq!(a.current(), 8, "slow start: one more per success");
        // Three requests sent before the cut all come back throttled: one cut.
        let cut = t + 30 * MS;
        for _ in 0..3 {
            a.decrease(t + 20 * MS, cut);
        }
        assert_eq!(a.current(), 4);
        // A request sent before the cut says nothing about the new limit.
        a.on_success(10 * MS, false, 4, t + 20 * MS, cut + 10 * MS);
        assert_eq!(a.current(), 4);
        // After the cut, growth is about one per round trip (1/limit per
        // success): 4 successes at 4 are not quite enough, 5 are.
        for _ in 0..4 {
            a.on_success(10 * MS, false, 4, cut + MS, cut + 11 * MS);
        }
        assert_eq!(a.current(), 4);
        a.on_success(10 * MS, false, 4, cut + MS, cut + 11 * MS);
        assert_eq!(a.current(), 5);
        // Latency past twice the lowest (+25 ms) is congestion too.
        a.on_success(50 * MS, false, 5, cut + 20 * MS, cut + 70 * MS);
        assert_eq!(a.current(), 2);
    }
}
