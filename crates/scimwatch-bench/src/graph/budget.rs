//! Figure 7: the Graph request budget of the real poller in steady state,
//! on a paused clock.

use std::time::Duration;

use entra_sim::sim::GraphRequest;
use entra_sim::{ClockKind, GraphFamily, RateLimits, SimConfig, SimHandle};
use scimwatch_engine::poller::{Event, PollConfig, Poller};
use scimwatch_engine::store::events::{self};

use super::Env;
use crate::{Figure, Size};

/// One simulated minute: tokio's (paused) clock, then the sim's.
async fn minute(sim: &SimHandle) {
    let step = Duration::from_secs(60);
    tokio::time::sleep(step).await;
    sim.advance(step).await.expect("advance the sim clock");
}

/// Provisioning-log requests per the reference: 5 per 10 s per app and tenant.
const MS_LOG_ALLOWANCE_PER_HOUR: f64 = 5.0 * 360.0;

pub(super) fn budget_figures(size: Size) -> Vec<Figure> {
    // A paused tokio clock (after set-up): the poller's schedule, the
    // client's 2 s log gate and the sim's request log all run on virtual
    // time, so a simulated hour takes seconds (see `spawn_heartbeat`). The sim's manual clock is
    // advanced in step, so cycles run every 40 min and produce new events.
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => panic!("cannot start a tokio runtime: {e}"),
    };
    let hours = match size {
        Size::Full => 3,
        Size::Small => 1,
    };
    rt.block_on(budget(hours))
}

/// Keeps a paused clock from leaping while the runtime waits on something
/// outside it (SQLite runs on its own threads): when idle, the clock
/// auto-advances to the next timer, which without this could be a 30 s pool
/// or 60 s HTTP timeout. With it, idle virtual time runs at most ~500× real
/// time, in 100 ms steps.
fn spawn_heartbeat() -> tokio::task::JoinHandle<()> {
    tokio::spawn(async {
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            std::thread::sleep(Duration::from_micros(200));
        }
    })
}

async fn budget(hours: u64) -> Vec<Figure> {
    // Set up in real time (opening and migrating a database takes real
    // milliseconds that a paused clock would turn into pool timeouts), then
    // pause the clock.
    let env = Env::start(SimConfig {
        users: 500,
        groups: 20,
        churn_per_cycle: 10,
        require_auth: true,
        // Virtual time runs far faster than real time: the sim's real-time
        // throttle would misfire, so it is off; the client's gate is not.
        rate_limits: RateLimits::unlimited(),
        clock: ClockKind::Manual(None),
        ..SimConfig::default()
    })
    .await;
    // A backlog so the first read takes several pages (the 2 s gate matters).
    env.sim.seed_events(5_500);
    let cfg = PollConfig {
        client: env.options(Duration::from_secs(2)),
        ..PollConfig::default()
    };
    assert_eq!(cfg.client.log_gate, Duration::from_secs(2));
    tokio::time::pause();
    let heartbeat = spawn_heartbeat();
    let poller = Poller::spawn(env.engine.clone(), cfg.clone());
    let mut rx = poller.subscribe();
    // Warm-up: discovery, the first snapshots and the backlog, until the
    // first log ingest has stored it all.
    let mut warm = false;
    for _ in 0..30 {
        minute(&env.sim).await;
        let mut ingested = false;
        while let Ok(e) = rx.try_recv() {
            ingested |= matches!(e, Event::LogsIngested { .. });
        }
        let stored = events::count(env.store().pool(), env.row.id)
            .await
            .expect("count");
        if ingested && stored >= 5_500 {
            warm = true;
            break;
        }
    }
    assert!(warm, "the poller never finished its first log read");
    let steady_from = tokio::time::Instant::now();
    let before = env.sim.graph_requests().len();
    for _ in 0..hours * 60 {
        minute(&env.sim).await;
        while rx.try_recv().is_ok() {}
    }
    let steady_to = tokio::time::Instant::now();
    assert!(poller.shutdown(Duration::from_secs(10)).await);
    heartbeat.abort();

    let all = env.sim.graph_requests();
    let steady: Vec<GraphRequest> = all[before..]
        .iter()
        .filter(|r| r.at >= steady_from && r.at < steady_to)
        .copied()
        .collect();
    let per_hour = |fam: Option<GraphFamily>| {
        steady
            .iter()
            .filter(|r| fam.is_none_or(|f| r.family == f))
            .count() as f64
            / hours as f64
    };
    let total = per_hour(None);
    let logs = per_hour(Some(GraphFamily::ProvisioningLogs));
    let sync = per_hour(Some(GraphFamily::Synchronization));
    let dir = per_hour(Some(GraphFamily::Directory));
    // The client's own record agrees with the sim's.
    let client_seen = env.requests.lock().unwrap_or_else(|e| e.into_inner()).len();
    assert_eq!(client_seen, all.len(), "client and sim disagree");
    // Minimum gap between provisioning-log requests over the whole run
    // (the multi-page backlog included).
    let log_times: Vec<tokio::time::Instant> = all
        .iter()
        .filter(|r| r.family == GraphFamily::ProvisioningLogs)
        .map(|r| r.at)
        .collect();
    assert!(log_times.len() > 6, "{} log requests", log_times.len());
    let min_gap = log_times
        .windows(2)
        .map(|w| w[1].duration_since(w[0]))
        .min()
        .unwrap_or(Duration::MAX)
        .as_secs_f64();
    eprintln!(
        "graph: steady state per hour: {total} requests ({logs} logs, {sync} synchronization, \
         {dir} directory); {} log requests in all, min gap {min_gap:.3} s",
        log_times.len()
    );
    let poll = &cfg;
    vec![
        Figure {
            name: format!(
                "Graph requests per hour per connection, steady state (real poller, default \
                 schedule: job {} s, config {} s, logs {} s; {hours} simulated h, counted by \
                 entra-sim: {logs:.0} logs, {sync:.0} synchronization, {dir:.0} directory)",
                poll.job_every.as_secs(),
                poll.config_every.as_secs(),
                poll.logs_every.as_secs(),
            ),
            value: total,
            unit: "requests/h",
            baseline: Some((
                "Microsoft's allowance for the provisioning logs alone (5 / 10 s)".into(),
                MS_LOG_ALLOWANCE_PER_HOUR,
            )),
            target: "≤ 1 % of the log allowance for log requests (≤ 18 /h)".into(),
            pass: logs <= MS_LOG_ALLOWANCE_PER_HOUR / 100.0,
        },
        Figure {
            name: format!(
                "minimum gap between provisioning-log requests seen by entra-sim ({} log \
                 requests, a {}-page backlog included)",
                log_times.len(),
                5_500usize.div_ceil(1000)
            ),
            value: min_gap,
            unit: "s",
            baseline: None,
            target: "≥ 2 s".into(),
            pass: min_gap >= 2.0,
        },
    ]
}
