//! Figure 4: the Overview and Logs screens' store queries with `n` events
//! stored.

use std::time::{Duration, Instant};

use chrono::Utc;
use scimwatch_engine::graph::{backfill_logs, LogIngestConfig};
use scimwatch_engine::store::connections::ConnectionRow;
use scimwatch_engine::store::events::{self, EventFilter};
use scimwatch_engine::Store;

use super::backfill::{bulk_sim, Backfilled};
use super::Env;
use crate::Figure;

/// What the Overview screen asks the store for one connection: the status
/// report (`job_status`) and the cycle timeline (`list_cycles`, 200 cycles).
async fn overview(store: &Store, row: &ConnectionRow) {
    let report = scimwatch_engine::graph::observe::status_report(store, row, Utc::now())
        .await
        .expect("status report");
    assert_eq!(report.connection_id, row.uuid);
    let cycles = events::cycles(store.pool(), row.id, 200)
        .await
        .expect("cycles");
    assert!(!cycles.is_empty());
}

/// The Logs screen's first page (200 rows) with a status filter and the
/// last 7 days of the stored range.
fn logs_filter(newest_ms: i64) -> EventFilter {
    EventFilter {
        status: Some("failure".into()),
        since_ms: Some(newest_ms - 7 * 24 * 3600 * 1000),
        until_ms: Some(newest_ms + 1),
        ..Default::default()
    }
}

async fn logs_first_page(store: &Store, row: &ConnectionRow, f: &EventFilter) -> usize {
    let page = events::query(store.pool(), row.id, f, 200, None)
        .await
        .expect("logs page");
    for e in &page.items {
        assert_eq!(e.status, "failure");
    }
    page.items.len()
}

async fn newest_ms(store: &Store, row: &ConnectionRow) -> i64 {
    sqlx::query_scalar("SELECT max(activity_ms) FROM provisioning_events WHERE connection_id = ?")
        .bind(row.id)
        .fetch_one(store.pool())
        .await
        .expect("newest")
}

/// Checkpoint the WAL into the database file and flush the file to disk,
/// as a database at rest is: the queries are measured on the stored events,
/// not beside the kernel writing back the gigabyte the backfill and its
/// baseline just wrote (that writeback stalled an occasional read of the
/// WAL index for ~300 ms).
async fn settle(store: &Store) {
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(store.pool())
        .await
        .expect("checkpoint");
    let path = store.path().expect("a database file").to_path_buf();
    tokio::task::spawn_blocking(move || {
        std::fs::File::open(path)
            .and_then(|f| f.sync_all())
            .expect("flush the database file")
    })
    .await
    .expect("flush task");
}

/// Worst of `runs` runs (the first one included), in ms.
async fn worst_ms<F, Fut>(runs: usize, mut f: F) -> f64
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut all = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f().await;
        all.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    eprintln!("graph: query runs (ms): {all:.1?}");
    all.into_iter().fold(0.0, f64::max)
}

pub(super) async fn query_figures(big: &Backfilled, n: usize) -> Vec<Figure> {
    // Baseline: the same queries on a database with 1 % of the events.
    let small_n = (n / 100).max(100);
    let small = Env::start(bulk_sim()).await;
    small.sim.seed_events(small_n);
    let out = backfill_logs(
        &small.client(Duration::ZERO),
        small.store(),
        &small.ids(),
        &LogIngestConfig::default(),
    )
    .await
    .expect("small backfill");
    assert_eq!(out.new_events as usize, small_n);

    let (bs, br) = (big.env.store(), &big.env.row);
    let (ss, sr) = (small.store(), &small.row);
    settle(bs).await;
    settle(ss).await;
    let runs = 10;
    let ov_big = worst_ms(runs, || overview(bs, br)).await;
    let ov_small = worst_ms(runs, || overview(ss, sr)).await;

    let fb = logs_filter(newest_ms(bs, br).await);
    let fs = logs_filter(newest_ms(ss, sr).await);
    let got = logs_first_page(bs, br, &fb).await;
    assert!(got > 0, "no failures in the last 7 days of {n} events");
    let logs_big = worst_ms(runs, || async {
        logs_first_page(bs, br, &fb).await;
    })
    .await;
    let logs_small = worst_ms(runs, || async {
        logs_first_page(ss, sr, &fs).await;
    })
    .await;
    vec![
        Figure {
            name: format!(
                "Overview queries (status report + 200-cycle timeline) with {n} events stored, \
                 worst of {runs}"
            ),
            value: ov_big,
            unit: "ms",
            baseline: Some((format!("same with {small_n} events stored"), ov_small)),
            target: "< 50 ms".into(),
            pass: ov_big < 50.0,
        },
        Figure {
            name: format!(
                "Logs first page (200 rows, status = failure, last 7 days) with {n} events \
                 stored, worst of {runs}"
            ),
            value: logs_big,
            unit: "ms",
            baseline: Some((format!("same with {small_n} events stored"), logs_small)),
            target: "< 50 ms".into(),
            pass: logs_big < 50.0,
        },
    ]
}
