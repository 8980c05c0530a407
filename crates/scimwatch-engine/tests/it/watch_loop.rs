//! The watch's loops (issue 19 item 8): "poll now" for one connection tests
//! that connection's SCIM endpoint, not every one's (`MonitorCommand::PollNow`
//! honours its connection), "poll now" for every connection tests them all;
//! the poller's happenings and the diagnosis rounds arrive on one bus, and
//! the watch stops cleanly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::graph_support::Env;
use crate::scim_fixture;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use scim_fixture::{add_connection, engine};
use scimwatch_engine::monitor::{Watch, WatchEvent, WatchOptions};
use scimwatch_engine::store::{connections as rows, scim_checks};
use scimwatch_engine::Engine;

async fn checks(eng: &Engine, uuid: &str) -> usize {
    let id = rows::get_by_uuid(eng.store.pool(), uuid)
        .await
        .unwrap()
        .unwrap()
        .id;
    scim_checks::history(eng.store.pool(), id, 50)
        .await
        .unwrap()
        .len()
}

/// Wait until `uuid` has `n` SCIM checks (at most 20 s).
async fn until_checks(eng: &Engine, uuid: &str, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while checks(eng, uuid).await < n {
        assert!(
            Instant::now() < deadline,
            "{uuid}: {} checks, waited for {n}",
            checks(eng, uuid).await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn poll_now_for_one_connection_tests_only_that_connections_endpoint() {
    let sim = entra_sim::Sim::start(entra_sim::SimConfig::for_tests())
        .await
        .unwrap();
    let info = sim.info();
    let eng = engine().await;
    let alpha = add_connection(&eng, "Alpha", &info.scim_url, &info.scim_token).await;
    let beta = add_connection(&eng, "Beta", &info.scim_url, &info.scim_token).await;
    let notifier = Arc::new(scimwatch_engine::notify::RecordingNotifier::new());
    // The settings' SCIM check interval (minutes) is far longer than the
    // test: every check after the first round is a "poll now".
    let w = Watch::start(eng.clone(), Default::default(), notifier).unwrap();
    until_checks(&eng, &alpha, 1).await;
    until_checks(&eng, &beta, 1).await;

    w.poll_now(Some("Alpha".into())).await;
    until_checks(&eng, &alpha, 2).await;
    // The round that tested Alpha is over once its diagnosis ran; give a
    // wrongly forced Beta the same time again.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(checks(&eng, &beta).await, 1, "Beta was not asked for");

    w.poll_now(None).await;
    until_checks(&eng, &alpha, 3).await;
    until_checks(&eng, &beta, 2).await;
    assert!(w.shutdown(Duration::from_secs(5)).await);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_poller_and_the_diagnosis_rounds_publish_on_one_bus() {
    let env = Env::both_sides_at(Utc::now()).await;
    env.sim.run_cycle().await;
    let notifier = Arc::new(scimwatch_engine::notify::RecordingNotifier::new());
    let w = Watch::start_with(
        env.engine.clone(),
        Default::default(),
        notifier,
        WatchOptions {
            interval: Some(Duration::from_millis(300)),
            ..Default::default()
        },
    )
    .unwrap();
    let mut bus = w.subscribe();
    w.poll_now(None).await;
    let (mut polled, mut diagnosed) = (false, false);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !(polled && diagnosed) {
        match tokio::time::timeout_at(deadline, bus.recv()).await {
            Ok(Ok(WatchEvent::Poll(_))) => polled = true,
            Ok(Ok(WatchEvent::Diagnosed(all))) => {
                assert!(
                    all.iter().any(|(c, _)| c == &env.row.uuid),
                    "the round diagnosed the connection: {all:?}"
                );
                diagnosed = true;
            }
            Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => {}
            other => panic!("polled {polled}, diagnosed {diagnosed}: {other:?}"),
        }
    }
    assert!(
        w.shutdown(Duration::from_secs(5)).await,
        "every task of the watch stopped"
    );
    // The bus closes with the watch.
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        while let Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) =
            bus.recv().await
        {}
    })
    .await;
    assert!(closed.is_ok(), "the bus closed when the watch stopped");
}
