//! Backfill throughput: fetch, parse, de-duplicate and store every retained
//! event from the simulator. `SCIMWATCH_BACKFILL_EVENTS` sets the size (the
//! benchmark target is 1,000,000 at ≥ 50k events/s in release on 2 cores);
//! the default keeps `cargo test` fast.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::graph_support;

use std::time::{Duration, Instant};

use entra_sim::{RateLimits, SimConfig};
use graph_support::{sim_config, Env};
use scimwatch_core::AuthMode;
use scimwatch_engine::graph::{backfill_logs, LogIngestConfig};
use scimwatch_engine::store::events;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_reads_every_event_once() {
    let n: usize = std::env::var("SCIMWATCH_BACKFILL_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
    let env = Env::start(
        SimConfig {
            rate_limits: RateLimits::unlimited(),
            ..sim_config()
        },
        AuthMode::ClientSecret,
    )
    .await;
    env.sim.seed_events(n);
    let client = env.client_with(Duration::ZERO);
    let started = Instant::now();
    let out = backfill_logs(
        &client,
        env.store(),
        &env.ids(),
        &LogIngestConfig::default(),
    )
    .await
    .unwrap();
    let secs = started.elapsed().as_secs_f64();
    assert!(out.complete);
    assert_eq!(out.new_events as usize, n);
    assert_eq!(
        events::count(env.store().pool(), env.row.id).await.unwrap() as usize,
        n
    );
    eprintln!(
        "backfill: {n} events in {secs:.2} s = {:.0} events/s ({} pages)",
        n as f64 / secs,
        out.pages
    );
}
