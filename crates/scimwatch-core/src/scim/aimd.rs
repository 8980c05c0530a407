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
//!
//! What a crawl learnt carries over to the next crawl of the same server
//! ([`Aimd::learnt`], [`Aimd::resume`]), as TCP keeps a destination's
//! metrics between connections (RFC 2140): a server judged serial is
//! crawled one at a time from the next crawl's start until its hold runs
//! out, and each further serial verdict doubles the hold (up to
//! [`MAX_HOLD`] answers). Every crawl of a serial server would otherwise
//! pay for a probe pair at its start, and on a crawl of twenty pages that
//! pair is a few per cent of its time.

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
/// further one). Longer than a typical crawl (twenty pages of a 2,000-user
/// SaaS at page 100), so a serial verdict carries over a few crawls before
/// the first re-probe: each probe pair sent to a serial server costs about
/// half a page (issue 22).
const FIRST_HOLD: u32 = 64;
/// The longest hold: a server judged serial is probed again at least every
/// this many answers (it may have been scaled out since) — once in a crawl
/// of 400,000 users at page 100.
pub const MAX_HOLD: u32 = 4096;

/// What one crawl learnt about a server, for its next crawl
/// ([`Aimd::resume`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Learnt {
    /// Judged serial: `hold` answers left one at a time before probing
    /// again.
    Serial { hold: u32, next_hold: u32 },
    /// Judged parallel: the next crawl starts in the Parallel phase (slow
    /// start from two; queueing still sends it serial at once).
    Parallel { next_hold: u32 },
    /// Not judged yet (the crawl ended while probing): the next probes
    /// again, with the hold its serial verdict would get.
    Undecided { next_hold: u32 },
}

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

    /// [`Aimd::new`], starting from what an earlier crawl of the same
    /// server learnt (see the module docs). A limit of one ignores it.
    pub fn resume(max: usize, first_latency: Option<Duration>, learnt: Option<Learnt>) -> Self {
        let mut a = Self::new(max, first_latency);
        if a.max < 2.0 {
            return a;
        }
        match learnt {
            None => {}
            Some(Learnt::Serial { hold, next_hold }) => {
                a.next_hold = next_hold.clamp(FIRST_HOLD, MAX_HOLD);
                if hold > 0 {
                    a.phase = Phase::Serial {
                        hold: hold.min(MAX_HOLD),
                    };
                    a.limit = 1.0;
                }
            }
            Some(Learnt::Parallel { next_hold }) => {
                a.next_hold = next_hold.clamp(FIRST_HOLD, MAX_HOLD);
                a.go_parallel();
            }
            Some(Learnt::Undecided { next_hold }) => {
                a.next_hold = next_hold.clamp(FIRST_HOLD, MAX_HOLD);
            }
        }
        a
    }

    /// What this crawl learnt about the server so far, for the next crawl.
    pub fn learnt(&self) -> Learnt {
        let next_hold = self.next_hold;
        match self.phase {
            Phase::Serial { hold } => Learnt::Serial { hold, next_hold },
            Phase::Parallel => Learnt::Parallel { next_hold },
            Phase::Probe { .. } => Learnt::Undecided { next_hold },
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
        self.next_hold = self.next_hold.saturating_mul(2).min(MAX_HOLD);
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
mod tests;
