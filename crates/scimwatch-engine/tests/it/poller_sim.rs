//! The poller task against the simulated tenant: discovery, snapshots, log
//! ingest, events, blind state and recovery, poll-now, shutdown.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::graph_support;

use std::time::Duration;

use entra_sim::{Fault, GraphFamily, SimConfig};
use graph_support::{fast_http, sim_config, Env};
use scimwatch_core::graph::job::ConfigKind;
use scimwatch_core::AuthMode;
use scimwatch_engine::graph::client::ClientOptions;
use scimwatch_engine::graph::http::HttpConfig;
use scimwatch_engine::graph::observe::status_report;
use scimwatch_engine::poller::{poll_once, Event, PollConfig, Poller, Side};
use scimwatch_engine::store::events;
use tokio::sync::broadcast;

fn fast_config() -> PollConfig {
    PollConfig {
        tick: Duration::from_millis(50),
        job_every: Duration::from_millis(300),
        config_every: Duration::from_secs(5),
        logs_every: Duration::from_millis(300),
        backoff_base: Duration::from_millis(100),
        backoff_cap: Duration::from_millis(400),
        client: ClientOptions {
            http: HttpConfig {
                max_retries: 1,
                ..fast_http()
            },
            log_gate: Duration::from_millis(10),
            observer: None,
        },
        ..PollConfig::default()
    }
}

async fn wait_for(
    rx: &mut broadcast::Receiver<Event>,
    what: &str,
    pred: impl Fn(&Event) -> bool,
) -> Event {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Ok(e)) if pred(&e) => return e,
            Ok(Ok(_)) | Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(e)) => panic!("event channel closed waiting for {what}: {e}"),
            Err(_) => panic!("timed out waiting for {what}"),
        }
    }
}

#[tokio::test]
async fn poller_discovers_snapshots_ingests_and_goes_blind_then_recovers() {
    let env = Env::start(sim_config(), AuthMode::ClientSecret).await;
    env.sim.run_cycle().await;
    let poller = Poller::spawn(env.engine.clone(), fast_config());
    let mut rx = poller.subscribe();

    let d = wait_for(&mut rx, "discovery", |e| {
        matches!(e, Event::Discovered { .. })
    })
    .await;
    let Event::Discovered { job_id, .. } = d else {
        unreachable!()
    };
    assert_eq!(job_id, env.info.job_id);
    wait_for(&mut rx, "schema", |e| {
        matches!(
            e,
            Event::ConfigChanged {
                kind: ConfigKind::Schema,
                ..
            }
        )
    })
    .await;
    wait_for(
        &mut rx,
        "logs",
        |e| matches!(e, Event::LogsIngested { new_events, .. } if *new_events > 0),
    )
    .await;

    // Graph goes away: blind, recorded, not a provisioning verdict.
    env.sim
        .inject(Fault::GraphServerError {
            family: GraphFamily::All,
            status: 503,
            count: None,
        })
        .unwrap();
    let b = wait_for(&mut rx, "blind", |e| matches!(e, Event::Blind { .. })).await;
    let Event::Blind { side, reason, .. } = b else {
        unreachable!()
    };
    assert_eq!(side, Side::Graph);
    assert!(reason.contains("503"), "{reason}");
    let report = status_report(env.store(), &env.row, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(report.graph, "blind");
    assert!(!report.stalled);

    env.sim.clear_faults();
    wait_for(&mut rx, "recovery", |e| {
        matches!(e, Event::Recovered { .. })
    })
    .await;
    let report = status_report(env.store(), &env.row, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(report.graph, "ok");

    // Poll now picks up a new cycle without waiting for the interval.
    poller
        .reconfigure(PollConfig {
            job_every: Duration::from_secs(3600),
            logs_every: Duration::from_secs(3600),
            ..fast_config()
        })
        .await;
    env.sim.advance(Duration::from_secs(41 * 60)).await.unwrap();
    poller.poll_now(Some("sim".into())).await;
    wait_for(&mut rx, "cycle completed", |e| {
        matches!(e, Event::CycleCompleted { .. })
    })
    .await;

    assert!(poller.shutdown(Duration::from_secs(5)).await);
}

#[tokio::test]
async fn poll_once_reports_events_and_status_without_a_premium_licence() {
    let env = Env::start(
        SimConfig {
            premium: false,
            ..sim_config()
        },
        AuthMode::ClientSecret,
    )
    .await;
    env.sim.run_cycle().await;
    let events = poll_once(&env.engine, &fast_config(), Some("Sim"))
        .await
        .unwrap();
    assert!(
        events.iter().any(|e| matches!(e, Event::Discovered { .. })),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::LogsUnavailable { .. })),
        "{events:?}"
    );
    assert!(
        !events.iter().any(|e| matches!(e, Event::Blind { .. })),
        "{events:?}"
    );
    let mut env = env;
    env.reload().await;
    let report = status_report(env.store(), &env.row, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(report.logs_available, Some(false));
    assert_eq!(report.status_code.as_deref(), Some("Active"));
    assert_eq!(report.graph, "ok");
    assert_eq!(report.users_mapping_enabled, Some(true));
    assert!(report.assigned_groups.unwrap() > 0);
    assert_eq!(
        report.scope.as_deref(),
        Some("assigned users and groups only")
    );
    assert!(report.next_expected.is_some(), "{report:?}");
    assert_eq!(
        events::count(env.store().pool(), env.row.id).await.unwrap(),
        0
    );
    assert!(poll_once(&env.engine, &fast_config(), Some("nope"))
        .await
        .is_err());
}
