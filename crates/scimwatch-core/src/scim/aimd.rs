//! The crawl's adaptive concurrency limit: how many list requests may be in
//! flight against a SCIM server, decided from each answer's latency and
//! status. Pure: callers pass the times.
//!
//! Three phases:
//! - **Probe** (at the start, and again after a hold): rounds of one request
//!   alone, then two sent together, alternating. A server that answers two
//!   requests in about the time of one gains from parallel requests; one
//!   that needs twice the time answers one at a time (a single worker, a
//!   GIL). It compares the *fastest* lone answer with the *fastest* pair:
//!   noise (a busy host, a new connection's handshake) only ever adds time,
//!   so the minima are its least disturbed samples. One pair decides only
//!   when the answer is clear (a gain of 1.8 or more; or under 1.15 with
//!   more extra time than the first page's own connection set-up
//!   explains), else two pairs at least; undecided after four pairs means
//!   serial: never slower than one at a time is the promise. Each pair sent
//!   to a serial server costs a little (threads contending for its one
//!   worker), so a clear answer after one pair matters. The limit never
//!   exceeds two while probing.
//! - **Serial**: one request at a time for a hold (doubled at each serial
//!   verdict), then probe again. Against a serial server this is the
//!   sequential crawl, give or take the few probe pairs, which cost nothing
//!   there: the server is busy either way.
//! - **Parallel**: AIMD. Slow start from two, then one more per round trip;
//!   halved on 429/5xx or latency past twice the lowest; back to Serial on
//!   the first request whose latency grew with the number in flight
//!   (queueing), before a loss is measured.

use std::time::{Duration, Instant};

/// Gain (two fastest lone answers over the fastest pair) from which the
/// server counts as parallel. A serial server shows about 1 (two requests
/// take twice as long), a parallel one about 2.
const PARALLEL_GAIN: f64 = 1.5;
/// Gain that decides "parallel" after a single pair: two requests answered
/// in little more than the time of one.
const CLEAR_GAIN: f64 = 1.8;
/// Gain below which a single pair decides "serial" (see `probe_answer`).
const CLEAR_SERIAL_GAIN: f64 = 1.15;
/// Gain below which the server is serial without further probing.
const SERIAL_GAIN: f64 = 1.3;
/// Pairs after which an undecided probe settles on serial.
const MAX_PAIRS: usize = 4;
/// Per-request gain (in flight × lowest latency / latency) below which a
/// request in the Parallel phase shows queueing.
const MIN_GAIN: f64 = 1.25;
/// Successes to stay serial after the first serial verdict (doubled at each
/// further one).
const FIRST_HOLD: u32 = 16;

#[derive(Debug, Clone, PartialEq)]
enum Round {
    /// One request alone.
    Alone,
    /// Two sent together: the earliest send seen, answers seen, and whether
    /// one of them was really sent with the other in flight.
    Pair {
        first_sent: Option<Instant>,
        done: u8,
        together: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Phase {
    Probe {
        round: Round,
        /// The fastest answer to a request sent alone.
        alone: Option<Duration>,
        /// The fastest pair: first send to second answer.
        pair: Option<Duration>,
        /// Pairs seen (sent together).
        pairs: usize,
    },
    Serial {
        /// Successes left before probing again.
        hold: u32,
    },
    Parallel,
}

/// Adaptive concurrency limit (see the module docs).
#[derive(Debug, Clone)]
pub struct Aimd {
    phase: Phase,
    limit: f64,
    max: f64,
    min_latency: Option<Duration>,
    /// The first page's latency (fetched alone, on a new connection).
    first: Option<Duration>,
    last_decrease: Option<Instant>,
    slow_start: bool,
    next_hold: u32,
}

fn probe() -> Phase {
    Phase::Probe {
        round: Round::Alone,
        alone: None,
        pair: None,
        pairs: 0,
    }
}

fn faster(best: Option<Duration>, d: Duration) -> Option<Duration> {
    Some(best.map_or(d, |b| b.min(d)))
}

impl Aimd {
    /// `first_latency`: the first page's, fetched alone (it includes the
    /// connection's set-up, so the probe does not count it as a sample).
    pub fn new(max: usize, first_latency: Option<Duration>) -> Self {
        let max = max.max(1) as f64;
        Self {
            phase: if max >= 2.0 { probe() } else { Phase::Parallel },
            limit: 2f64.min(max),
            max,
            min_latency: first_latency.filter(|l| !l.is_zero()),
            first: first_latency,
            last_decrease: None,
            slow_start: true,
            next_hold: FIRST_HOLD,
        }
    }

    /// Requests that may be in flight now.
    pub fn current(&self) -> usize {
        match &self.phase {
            Phase::Probe { round, .. } => match round {
                Round::Alone => 1,
                // Both go out together; once one is back, wait for the other.
                Round::Pair { done: 0, .. } => 2,
                Round::Pair { .. } => 1,
            },
            Phase::Serial { .. } => 1,
            Phase::Parallel => (self.limit.floor() as usize).max(1),
        }
    }

    /// Whether the server has been judged to answer one request at a time
    /// (and the crawl is currently sequential).
    pub fn is_serial(&self) -> bool {
        matches!(self.phase, Phase::Serial { .. })
    }

    fn stale(&self, sent_at: Instant) -> bool {
        self.last_decrease.is_some_and(|d| sent_at < d)
    }

    fn go_serial(&mut self, now: Instant) {
        self.phase = Phase::Serial {
            hold: self.next_hold,
        };
        self.next_hold = self.next_hold.saturating_mul(2);
        self.limit = 1.0;
        self.last_decrease = Some(now);
    }

    fn go_parallel(&mut self) {
        self.phase = Phase::Parallel;
        self.limit = 2f64.min(self.max);
        self.slow_start = true;
    }

    /// A congestion signal (429, 5xx, a timeout) from a request sent at
    /// `sent_at`, seen at `now`.
    pub fn decrease(&mut self, sent_at: Instant, now: Instant) {
        if self.stale(sent_at) {
            return;
        }
        match self.phase {
            // Struggling at two or fewer: one at a time for a while.
            Phase::Probe { .. } => self.go_serial(now),
            Phase::Serial { .. } => self.last_decrease = Some(now),
            Phase::Parallel => {
                self.slow_start = false;
                self.limit = (self.limit / 2.0).max(1.0);
                self.last_decrease = Some(now);
            }
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
        match &mut self.phase {
            Phase::Probe { .. } => self.probe_answer(latency, in_flight, sent_at, now),
            Phase::Serial { hold } => {
                *hold = hold.saturating_sub(1);
                if *hold == 0 {
                    self.phase = probe();
                }
            }
            Phase::Parallel => self.parallel_answer(latency, min, in_flight, sent_at, now),
        }
    }

    fn probe_answer(
        &mut self,
        latency: Duration,
        in_flight: usize,
        sent_at: Instant,
        now: Instant,
    ) {
        let Phase::Probe {
            round,
            alone,
            pair,
            pairs,
        } = &mut self.phase
        else {
            return;
        };
        match round {
            Round::Alone => {
                if in_flight == 1 {
                    *alone = faster(*alone, latency);
                    *round = Round::Pair {
                        first_sent: None,
                        done: 0,
                        together: false,
                    };
                }
            }
            Round::Pair {
                first_sent,
                done,
                together,
            } => {
                *first_sent = Some(first_sent.map_or(sent_at, |f| f.min(sent_at)));
                *done += 1;
                *together |= in_flight >= 2;
                if *done < 2 {
                    return;
                }
                let span = now.saturating_duration_since(first_sent.unwrap_or(sent_at));
                if *together && !span.is_zero() {
                    *pair = faster(*pair, span);
                    *pairs += 1;
                }
                *round = Round::Alone;
                let (Some(one), Some(two)) = (*alone, *pair) else {
                    return;
                };
                let gain = 2.0 * one.as_secs_f64() / two.as_secs_f64();
                if *pairs < 2 {
                    // One pair decides only a gain no serial server shows
                    // (a wrong call costs one queued request: the Parallel
                    // phase goes serial at the first sign of queueing), or
                    // a clear serial answer whose extra time the first
                    // page's own set-up (a new connection's handshake, as
                    // the pair's second request pays) does not explain.
                    let extra = two.saturating_sub(one);
                    let set_up = self.first.map(|f| f.saturating_sub(one));
                    if gain >= CLEAR_GAIN {
                        self.go_parallel();
                    } else if gain < CLEAR_SERIAL_GAIN
                        && set_up.is_some_and(|s| extra > s * 2 + Duration::from_millis(2))
                    {
                        self.go_serial(now);
                    }
                    return;
                }
                if gain >= PARALLEL_GAIN {
                    self.go_parallel();
                } else if gain < SERIAL_GAIN || *pairs >= MAX_PAIRS {
                    self.go_serial(now);
                }
            }
        }
    }

    fn parallel_answer(
        &mut self,
        latency: Duration,
        min: Duration,
        in_flight: usize,
        sent_at: Instant,
        now: Instant,
    ) {
        if latency > min * 2 + Duration::from_millis(25) {
            self.decrease(sent_at, now);
            return;
        }
        if in_flight >= 2 && !latency.is_zero() {
            let gain = in_flight as f64 * min.as_secs_f64() / latency.as_secs_f64();
            if gain < MIN_GAIN {
                // Latency grew with the number in flight: queueing.
                if !self.stale(sent_at) {
                    self.go_serial(now);
                }
                return;
            }
        }
        if self.stale(sent_at) {
            // Sent at the old limit: says nothing about the new one.
            return;
        }
        if in_flight < 2 && self.limit >= 2.0 {
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

    /// How a simulated server shares its time among the requests in flight.
    #[derive(Clone, Copy)]
    enum Server {
        /// One worker, first come first served.
        Fifo,
        /// One worker shared by threads (a GIL): every request in flight
        /// progresses, each at 1/n, less `contention` per extra thread.
        Shared { contention: f64 },
        /// As many workers as requests (a server behind a slow network).
        Parallel,
    }

    struct Run {
        /// The limit after each answer.
        limits: Vec<usize>,
        /// Most requests ever in flight.
        max_in_flight: usize,
        /// The answer after which the crawl first went one at a time.
        serial_at: Option<usize>,
        elapsed: Duration,
    }

    /// Each request's work: `work` × (1 ± `jitter`), from a fixed seed.
    struct Works {
        seed: u64,
        work: f64,
        jitter: f64,
    }

    impl Iterator for Works {
        type Item = f64;
        fn next(&mut self) -> Option<f64> {
            self.seed ^= self.seed << 13;
            self.seed ^= self.seed >> 7;
            self.seed ^= self.seed << 17;
            let r = (self.seed % 10_000) as f64 / 10_000.0;
            Some(self.work * (1.0 + self.jitter * (2.0 * r - 1.0)))
        }
    }

    fn works(work: Duration, jitter: f64) -> Works {
        Works {
            seed: 0x9E37_79B9_7F4A_7C15,
            work: work.as_secs_f64(),
            jitter,
        }
    }

    /// The same requests one at a time: every server model answers a lone
    /// request in its work.
    fn sequential(work: Duration, jitter: f64, pages: usize) -> Duration {
        Duration::from_secs_f64(works(work, jitter).take(pages).sum())
    }

    /// Drives `Aimd` as the crawl does (spawn while fewer than `current()`
    /// are in flight, then wait for the next answer) against a simulated
    /// server, after a first page fetched alone. `busy`: a busy client
    /// host notices each answer up to `busy` × `work` late (the server
    /// goes on meanwhile).
    fn crawl(server: Server, work: Duration, jitter: f64, busy: f64, pages: usize) -> Run {
        let t0 = Instant::now();
        let mut next_work = works(work, jitter);
        let mut late = works(work.mul_f64(busy / 2.0), 1.0);
        let mut a = Aimd::new(16, Some(work));
        // (sent at, work left in seconds, in flight when sent)
        let mut flight: Vec<(f64, f64, usize)> = Vec::new();
        let mut now = 0f64;
        let (mut sent, mut done) = (0, 0);
        let mut run = Run {
            limits: Vec::new(),
            max_in_flight: 0,
            serial_at: None,
            elapsed: Duration::ZERO,
        };
        let at = |s: f64| t0 + Duration::from_secs_f64(s);
        while done < pages {
            while flight.len() < a.current() && sent < pages {
                let w = next_work.next().unwrap_or_default();
                flight.push((now, w, flight.len() + 1));
                sent += 1;
            }
            run.max_in_flight = run.max_in_flight.max(flight.len());
            let n = flight.len() as f64;
            let rate = |i: usize| match server {
                Server::Fifo => f64::from(u8::from(i == 0)),
                Server::Shared { contention } => 1.0 / (n * (1.0 + contention * (n - 1.0))),
                Server::Parallel => 1.0,
            };
            // The next answer: the request whose work runs out first.
            let (i, dt) = flight
                .iter()
                .enumerate()
                .filter(|(i, _)| rate(*i) > 0.0)
                .map(|(i, r)| (i, r.1 / rate(i)))
                .min_by(|x, y| x.1.total_cmp(&y.1))
                .expect("a request in flight");
            for (j, r) in flight.iter_mut().enumerate() {
                r.1 -= dt * rate(j);
            }
            now += dt;
            let (sent_at, _, k) = flight.remove(i);
            if busy > 0.0 {
                let d = late.next().unwrap_or_default();
                let n = flight.len() as f64;
                for (j, r) in flight.iter_mut().enumerate() {
                    let rate = match server {
                        Server::Fifo => f64::from(u8::from(j == 0)),
                        Server::Shared { contention } => 1.0 / (n * (1.0 + contention * (n - 1.0))),
                        Server::Parallel => 1.0,
                    };
                    r.1 = (r.1 - d * rate).max(0.0);
                }
                now += d;
            }
            a.on_success(
                Duration::from_secs_f64(now - sent_at),
                false,
                k,
                at(sent_at),
                at(now),
            );
            run.limits.push(a.current());
            done += 1;
            if a.is_serial() && run.serial_at.is_none() {
                run.serial_at = Some(done);
            }
        }
        run.elapsed = Duration::from_secs_f64(now);
        run
    }

    #[test]
    fn a_serial_server_never_sees_more_than_two_and_is_crawled_one_at_a_time_within_a_few_round_trips(
    ) {
        for server in [
            Server::Fifo,
            Server::Shared { contention: 0.0 },
            Server::Shared { contention: 0.1 },
        ] {
            for jitter in [0.0, 0.2, 0.4] {
                for pages in [20, 200, 2_000] {
                    let r = crawl(server, 10 * MS, jitter, 0.0, pages);
                    assert!(r.max_in_flight <= 2, "never past two: {}", r.max_in_flight);
                    assert!(
                        r.limits.iter().all(|&l| l <= 2),
                        "the limit stays at two or below"
                    );
                    // Alone, pair, alone, pair: serial after six answers
                    // without jitter; at most four pairs with it.
                    let limit = if jitter == 0.0 { 6 } else { 12 };
                    assert!(
                        r.serial_at.is_some_and(|n| n <= limit),
                        "serial after {:?} answers (≤ {limit}); limits {:?}",
                        r.serial_at,
                        &r.limits[..r.limits.len().min(16)]
                    );
                    let seq = sequential(10 * MS, jitter, pages);
                    let ratio = seq.as_secs_f64() / r.elapsed.as_secs_f64();
                    assert!(
                        ratio >= 0.97,
                        "adaptive {:?} vs sequential {seq:?} ({ratio:.3}×) with jitter {jitter} over {pages} pages",
                        r.elapsed
                    );
                }
            }
        }
    }

    #[test]
    fn a_busy_client_host_does_not_make_a_serial_server_look_parallel() {
        for server in [Server::Fifo, Server::Shared { contention: 0.1 }] {
            for busy in [0.2, 0.5, 1.0] {
                let r = crawl(server, 10 * MS, 0.2, busy, 400);
                assert!(r.max_in_flight <= 2, "never past two: {}", r.max_in_flight);
                assert!(
                    r.serial_at.is_some_and(|n| n <= 12),
                    "serial after {:?} answers with busy {busy}; limits {:?}",
                    r.serial_at,
                    &r.limits[..16]
                );
            }
        }
    }

    #[test]
    fn a_parallel_server_is_found_within_a_few_round_trips_and_grows() {
        for jitter in [0.0, 0.2] {
            let r = crawl(Server::Parallel, 100 * MS, jitter, 0.0, 400);
            assert!(
                r.limits[..2].iter().all(|&l| l <= 2),
                "probing at two until a pair is answered"
            );
            assert!(
                r.max_in_flight >= 12,
                "grows to the cap: {}",
                r.max_in_flight
            );
            let seq = sequential(100 * MS, jitter, 400);
            let gain = seq.as_secs_f64() / r.elapsed.as_secs_f64();
            assert!(gain >= 6.0, "≥ 6× sequential, got {gain:.2}×");
        }
    }

    #[test]
    fn one_slow_pair_decides_nothing_when_a_handshake_explains_it() {
        // The first page took 40 ms on a new connection, then 10 ms alone;
        // the first pair takes 40 ms: its second request opened a connection.
        let mut a = Aimd::new(8, Some(40 * MS));
        let t = Instant::now();
        let ms = |n: u64| t + Duration::from_millis(n);
        a.on_success(10 * MS, false, 1, ms(0), ms(10));
        a.on_success(40 * MS, false, 1, ms(10), ms(50));
        a.on_success(40 * MS, false, 2, ms(10), ms(50));
        assert_eq!(a.current(), 1, "alone round");
        assert!(
            matches!(a.phase, Phase::Probe { .. }),
            "one pair decides nothing"
        );
        // Alone 30 ms (a busy moment), then a pair answered in 11 ms.
        a.on_success(30 * MS, false, 1, ms(50), ms(80));
        a.on_success(11 * MS, false, 1, ms(80), ms(91));
        a.on_success(11 * MS, false, 2, ms(80), ms(91));
        // The fastest lone answer (10 ms) against the fastest pair (11 ms).
        assert_eq!(a.phase, Phase::Parallel, "gain 20/11: parallel");
        assert_eq!(a.current(), 2);
    }

    #[test]
    fn a_clearly_parallel_server_is_found_after_one_pair() {
        let mut a = Aimd::new(8, Some(100 * MS));
        let t = Instant::now();
        let ms = |n: u64| t + Duration::from_millis(n);
        a.on_success(100 * MS, false, 1, ms(0), ms(100));
        a.on_success(101 * MS, false, 1, ms(100), ms(201));
        assert!(matches!(a.phase, Phase::Probe { .. }));
        a.on_success(102 * MS, false, 2, ms(100), ms(202));
        assert_eq!(a.phase, Phase::Parallel, "gain 200/102 after one pair");
        // A pair at 1.5: not clear enough alone.
        let mut a = Aimd::new(8, Some(100 * MS));
        a.on_success(100 * MS, false, 1, ms(0), ms(100));
        a.on_success(133 * MS, false, 1, ms(100), ms(233));
        a.on_success(133 * MS, false, 2, ms(100), ms(233));
        assert!(matches!(a.phase, Phase::Probe { .. }), "{:?}", a.phase);
    }

    #[test]
    fn a_clearly_serial_pair_decides_at_once() {
        // Loopback: no set-up cost; a pair takes twice one answer.
        let mut a = Aimd::new(8, Some(10 * MS));
        let t = Instant::now();
        let ms = |n: u64| t + Duration::from_millis(n);
        a.on_success(10 * MS, false, 1, ms(0), ms(10));
        a.on_success(10 * MS, false, 1, ms(10), ms(20));
        a.on_success(20 * MS, false, 2, ms(10), ms(30));
        assert!(a.is_serial(), "{:?}", a.phase);
        // Without the first page's latency nothing explains or excludes a
        // set-up cost: one pair decides nothing.
        let mut a = Aimd::new(8, None);
        a.on_success(10 * MS, false, 1, ms(0), ms(10));
        a.on_success(10 * MS, false, 1, ms(10), ms(20));
        a.on_success(20 * MS, false, 2, ms(10), ms(30));
        assert!(matches!(a.phase, Phase::Probe { .. }), "{:?}", a.phase);
    }

    #[test]
    fn an_undecided_probe_settles_on_serial() {
        let mut a = Aimd::new(8, Some(10 * MS));
        let t = Instant::now();
        let ms = |n: u64| t + Duration::from_millis(n);
        // Pairs take 14 ms against 10 ms alone: a gain of 1.43, neither clear.
        for k in 0..4u64 {
            let s = 24 * k;
            a.on_success(10 * MS, false, 1, ms(s), ms(s + 10));
            assert!(!a.is_serial(), "still probing after {k} pairs");
            a.on_success(14 * MS, false, 1, ms(s + 10), ms(s + 24));
            a.on_success(14 * MS, false, 2, ms(s + 10), ms(s + 24));
        }
        assert!(a.is_serial(), "{:?}", a.phase);
    }

    #[test]
    fn a_pair_that_was_not_sent_together_is_not_counted() {
        let mut a = Aimd::new(8, Some(10 * MS));
        let t = Instant::now();
        a.on_success(10 * MS, false, 1, t, t + 10 * MS);
        // Only one was sent (the queue ran dry), then another alone.
        a.on_success(10 * MS, false, 1, t + 10 * MS, t + 20 * MS);
        a.on_success(10 * MS, false, 1, t + 20 * MS, t + 30 * MS);
        let Phase::Probe { pairs, pair, .. } = &a.phase else {
            panic!("still probing: {:?}", a.phase);
        };
        assert_eq!((*pairs, *pair), (0, None));
    }

    fn parallel(max: usize) -> Aimd {
        let mut a = Aimd::new(max, Some(10 * MS));
        a.phase = Phase::Parallel;
        a
    }

    #[test]
    fn a_request_sent_alone_does_not_raise_a_parallel_limit() {
        let mut a = parallel(8);
        assert_eq!(a.current(), 2);
        let t = Instant::now();
        a.on_success(10 * MS, false, 1, t, t);
        assert_eq!(a.current(), 2);
        a.on_success(10 * MS, false, 2, t, t);
        assert_eq!(a.current(), 3);
    }

    #[test]
    fn queueing_in_the_parallel_phase_goes_serial_at_once_and_probes_again_after_the_hold() {
        let mut a = parallel(8);
        let t = Instant::now();
        // Twice the latency with two in flight: the server answers one at a time.
        a.on_success(20 * MS, false, 2, t, t + 20 * MS);
        assert_eq!(a.current(), 1);
        assert!(a.is_serial());
        let later = t + 50 * MS;
        for _ in 0..FIRST_HOLD - 1 {
            a.on_success(10 * MS, false, 1, later, later + 10 * MS);
            assert_eq!(a.current(), 1);
        }
        a.on_success(10 * MS, false, 1, later, later + 10 * MS);
        assert!(matches!(a.phase, Phase::Probe { .. }), "{:?}", a.phase);
        assert_eq!(a.next_hold, 2 * FIRST_HOLD, "the next hold is longer");
    }

    #[test]
    fn congestion_while_probing_goes_serial() {
        let mut a = Aimd::new(8, Some(10 * MS));
        let t = Instant::now();
        a.decrease(t, t + 10 * MS);
        assert!(a.is_serial());
    }

    #[test]
    fn one_congestion_event_cuts_once_and_slow_starts_no_more() {
        let mut a = parallel(16);
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
