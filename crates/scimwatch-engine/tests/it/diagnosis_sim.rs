//! The detection path through the real engine against the simulated tenant,
//! for what needs more than one round: streams that keep working while
//! another is refused. Every fault's verdict (one incident, one
//! notification, Start here, each step, the exit codes, recovery) is in the
//! verdict matrix, `verdict_matrix.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::graph_support;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use entra_sim::Fault;
use graph_support::{fast_http, Env};
use scimwatch_core::health::FindingKind;
use scimwatch_core::incident::IncidentAction;
use scimwatch_engine::diagnose::{DiagnosisConfig, DiagnosisOutcome};
use scimwatch_engine::graph::client::ClientOptions;
use scimwatch_engine::graph::http::HttpConfig;
use scimwatch_engine::monitor::{check_scim_due, diagnose_all};
use scimwatch_engine::notify::{Notifiers, RecordingNotifier};
use scimwatch_engine::poll_target::PollTarget;
use scimwatch_engine::poller::{poll_once, PollConfig};

fn poll_cfg() -> PollConfig {
    PollConfig {
        // Small pages, so a looping `@odata.nextLink` is met.
        logs: scimwatch_engine::graph::logs::LogIngestConfig {
            page_size: 5,
            ..Default::default()
        },
        client: ClientOptions {
            http: HttpConfig {
                max_retries: 0,
                ..fast_http()
            },
            log_gate: Duration::from_millis(10),
            observer: None,
        },
        ..PollConfig::default()
    }
}

async fn env_with_both_sides() -> Env {
    env_starting_at(Utc::now()).await
}

/// The simulated clock starts at `start`: diagnosis judges staleness against
/// the machine's clock, as it does in production, so `start` is the real time
/// unless a test needs history behind it.
async fn env_starting_at(start: chrono::DateTime<Utc>) -> Env {
    Env::both_sides_at(start).await
}

/// Poll both sides and diagnose; returns the actions taken.
async fn round(env: &Env, notifier: &Notifiers) -> Vec<IncidentAction> {
    full_round(env, notifier)
        .await
        .into_iter()
        .flat_map(|o| o.actions)
        .collect()
}

async fn full_round(env: &Env, notifier: &Notifiers) -> Vec<DiagnosisOutcome> {
    poll_once(&env.engine, &poll_cfg(), None).await.unwrap();
    assert!(check_scim_due(
        &env.engine,
        Duration::ZERO,
        Some(&PollTarget::Every),
        Utc::now()
    )
    .await
    .is_empty());
    let all = diagnose_all(
        &env.engine,
        &DiagnosisConfig::default(),
        notifier,
        Utc::now(),
    )
    .await
    .unwrap();
    all.into_iter().map(|(_, o)| o).collect()
}

/// Issue 17, defect 2: the synchronization API's 401 `UnknownError` with an
/// empty message (a missing permission or directory role) is diagnosed as
/// such, naming what is needed — not "refused the access token" — and the
/// streams that work keep working: new log entries are still ingested and
/// the connection does not flap between blind and recovered.
#[tokio::test]
async fn a_missing_synchronization_permission_is_named_and_other_streams_keep_working() {
    let env = env_with_both_sides().await;
    env.sim.run_cycle().await;
    let rec = Arc::new(RecordingNotifier::new());
    let notifier: Notifiers = rec.clone();
    round(&env, &notifier).await;
    let assigned_before =
        scimwatch_engine::graph::observe::status_report(&env.engine.store, &env.row, Utc::now())
            .await
            .unwrap()
            .assigned_users
            .unwrap();
    env.sim
        .inject(Fault::SynchronizationPermissionMissing)
        .unwrap();
    for _ in 0..2 {
        env.sim.modify_tenant(|t, now| {
            t.add_user("New", "Hire", true, now);
        });
        env.sim.run_cycle().await;
        let before = scimwatch_engine::store::events::count(env.engine.store.pool(), env.row.id)
            .await
            .unwrap();
        let outcomes = full_round(&env, &notifier).await;
        let after = scimwatch_engine::store::events::count(env.engine.store.pool(), env.row.id)
            .await
            .unwrap();
        assert!(
            after > before,
            "the logs are still read: {before} → {after}"
        );
        let f = outcomes
            .iter()
            .flat_map(|o| o.findings.iter())
            .find(|f| f.kind == FindingKind::GraphBlind)
            .expect("a finding about the refused reads");
        assert!(f.title.contains("not allowed to read"), "{}", f.title);
        let text = format!("{} {} {:?}", f.title, f.action, f.evidence);
        for needed in [
            "Synchronization.Read.All",
            "Application.Read.All",
            "Application Administrator",
        ] {
            assert!(text.contains(needed), "{needed}: {text}");
        }
        assert!(!text.contains("refused the access token"), "{text}");
        assert!(!text.contains("cannot reach"), "{text}");
    }
    // One incident, one notification, no blind/recovered flapping.
    let graph_notes: Vec<_> = rec
        .sent()
        .into_iter()
        .filter(|n| n.incident_kind.as_deref() == Some("graph_blind"))
        .collect();
    assert_eq!(graph_notes.len(), 1, "{graph_notes:?}");
    let r =
        scimwatch_engine::graph::observe::status_report(&env.engine.store, &env.row, Utc::now())
            .await
            .unwrap();
    assert_eq!(r.graph, "blind");
    // The assignments (directory) are still read beside the refused schema.
    assert_eq!(r.assigned_users, Some(assigned_before + 2), "{r:?}");
    assert!(
        r.blind_reason
            .as_deref()
            .is_some_and(|w| w.contains("Synchronization.Read.All")),
        "{:?}",
        r.blind_reason
    );
    env.sim.shutdown().await;
}
