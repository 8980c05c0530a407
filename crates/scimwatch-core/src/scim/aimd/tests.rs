//! The limit against simulated servers (times passed in).
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
    crawl_from(Aimd::new(16, Some(work)), server, work, jitter, busy, pages).0
}

/// [`crawl`] with a given limit (a resumed one), which it returns.
fn crawl_from(
    mut a: Aimd,
    server: Server,
    work: Duration,
    jitter: f64,
    busy: f64,
    pages: usize,
) -> (Run, Aimd) {
    let t0 = Instant::now();
    let mut next_work = works(work, jitter);
    let mut late = works(work.mul_f64(busy / 2.0), 1.0);
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
    (run, a)
}

#[test]
fn a_serial_verdict_carries_over_to_the_next_crawls_of_the_server() {
    // Crawls of twenty pages, each resumed from what the last one learnt.
    let server = Server::Shared { contention: 0.1 };
    let mut learnt = None;
    let mut probing_crawls = 0;
    for crawl_no in 0..40 {
        let a = Aimd::resume(16, Some(10 * MS), learnt);
        let (r, a) = crawl_from(a, server, 10 * MS, 0.0, 0.0, 20);
        assert!(
            r.max_in_flight <= 2,
            "crawl {crawl_no}: {}",
            r.max_in_flight
        );
        if r.max_in_flight == 2 {
            probing_crawls += 1;
        }
        if crawl_no > 0 {
            let seq = sequential(10 * MS, 0.0, 20);
            assert!(
                r.elapsed <= seq.mul_f64(1.03),
                "crawl {crawl_no}: {:?} vs sequential {seq:?}",
                r.elapsed
            );
        }
        learnt = Some(a.learnt());
    }
    // The first crawl probes; then the hold doubles at each verdict (64,
    // 128, … answers), so probes grow rare: 800 answers see a handful.
    assert!(
        (2..=8).contains(&probing_crawls),
        "{probing_crawls} of 40 crawls sent a pair"
    );
    match learnt {
        Some(Learnt::Serial { next_hold, .. } | Learnt::Undecided { next_hold }) => {
            assert!(next_hold >= 128, "{learnt:?}")
        }
        other => panic!("a serial server is remembered as serial: {other:?}"),
    }
}

#[test]
fn a_remembered_verdict_is_only_a_start() {
    // Remembered serial, the server now parallel: probed again once the
    // hold runs out, then it grows.
    let learnt = Learnt::Serial {
        hold: 16,
        next_hold: 32,
    };
    let (r, a) = crawl_from(
        Aimd::resume(16, Some(10 * MS), Some(learnt)),
        Server::Parallel,
        10 * MS,
        0.0,
        0.0,
        200,
    );
    assert!(
        r.limits[..15].iter().all(|&l| l == 1),
        "{:?}",
        &r.limits[..16]
    );
    assert!(r.max_in_flight >= 8, "{}", r.max_in_flight);
    // (A remembered hold below the first one is raised to it.)
    assert_eq!(a.learnt(), Learnt::Parallel { next_hold: 64 });
    // Remembered parallel, the server now serial: the first queueing sends
    // it serial, and it never sees more than a few in flight.
    let (r, a) = crawl_from(
        Aimd::resume(16, Some(10 * MS), Some(Learnt::Parallel { next_hold: 16 })),
        Server::Fifo,
        10 * MS,
        0.0,
        0.0,
        200,
    );
    assert!(r.max_in_flight <= 3, "{}", r.max_in_flight);
    assert!(a.is_serial() || matches!(a.learnt(), Learnt::Undecided { .. }));
    // A limit of one ignores what was learnt; holds stay within bounds.
    let one = Aimd::resume(1, None, Some(learnt));
    assert_eq!(one.current(), 1);
    let huge = Aimd::resume(
        16,
        None,
        Some(Learnt::Serial {
            hold: u32::MAX,
            next_hold: u32::MAX,
        }),
    );
    assert_eq!(
        huge.learnt(),
        Learnt::Serial {
            hold: MAX_HOLD,
            next_hold: MAX_HOLD
        }
    );
}

#[test]
fn a_serial_server_never_sees_more_than_two_and_is_crawled_one_at_a_time_within_a_few_round_trips()
{
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
