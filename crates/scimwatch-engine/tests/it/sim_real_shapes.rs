//! The simulator's real-world log shapes through the real engine (issue 17):
//! app-prefixed failure codes (`BoxEntryConflict`) and the 2019 beta event
//! with only `action`/`statusInfo`, both as
//! tests/fixtures/graph-real/provisioning-page-beta-box-statusinfo-only-2019.json
//! shows them — ingested by the log poller, stored with their status, and
//! judged by the checklist's conflicts step.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::graph_support;

use std::time::Duration;

use chrono::Utc;
use entra_sim::Fault;
use graph_support::{sim_config, Env};
use scimwatch_core::checklist::{evaluate_step, CheckStatus, Context, StepResult};
use scimwatch_core::AuthMode;
use scimwatch_engine::graph::observe;
use scimwatch_engine::poller::{poll_once, PollConfig};
use scimwatch_engine::store::events::{self, EventFilter, EventRow};
use serde_json::Value;

async fn env() -> Env {
    let cfg = entra_sim::SimConfig {
        clock: entra_sim::ClockKind::Manual(Some(Utc::now() - chrono::Duration::minutes(5))),
        ..sim_config()
    };
    Env::start(cfg, AuthMode::ClientSecret).await
}

async fn poll(env: &Env) {
    let cfg = PollConfig {
        client: env.options(Duration::from_millis(10)),
        ..PollConfig::default()
    };
    poll_once(&env.engine, &cfg, None).await.unwrap();
}

async fn stored(env: &Env) -> Vec<EventRow> {
    events::query(
        env.engine.store.pool(),
        env.row.id,
        &EventFilter::default(),
        10_000,
        None,
    )
    .await
    .unwrap()
    .items
}

async fn conflicts_step(env: &Env) -> StepResult {
    let obs = observe::observations(&env.engine.store, &env.row)
        .await
        .unwrap();
    evaluate_step(
        "conflicts_duplicates",
        &obs,
        &Context::default(),
        &[],
        Utc::now(),
    )
    .unwrap()
}

/// The conflicts step fails on the prefixed code and names it.
fn assert_conflict_named(step: &StepResult, code: &str) {
    assert_eq!(step.outcome.status, CheckStatus::Fail, "{step:#?}");
    assert!(
        step.outcome.evidence.iter().any(|e| e.label.contains(code)
            && e.value == scimwatch_core::health::EvidenceValue::Count(1)),
        "{code} not named: {:#?}",
        step.outcome.evidence
    );
}

/// A new hire whose account already exists in Box: Box's connector reports
/// `BoxEntryConflict`, and scimwatch still sees a conflict (by family).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_box_prefixed_entry_conflict_from_the_sim_is_a_conflict() {
    let env = env().await;
    env.sim.run_cycle().await;
    poll(&env).await;
    assert_eq!(conflicts_step(&env).await.outcome.status, CheckStatus::Pass);

    env.sim.advance(Duration::from_secs(60)).await.unwrap();
    env.sim.inject(Fault::DuplicateUserConflict).unwrap();
    env.sim
        .inject(
            serde_json::from_value(serde_json::json!({"kind": "app_prefixed_error_codes"}))
                .unwrap(),
        )
        .unwrap();
    env.sim.run_cycle().await;
    poll(&env).await;

    let failed: Vec<EventRow> = stored(&env)
        .await
        .into_iter()
        .filter(|e| e.status == "failure")
        .collect();
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(failed[0].error_code.as_deref(), Some("BoxEntryConflict"));
    assert_eq!(failed[0].source_name.as_deref(), Some("Jordan Reyes"));
    assert_conflict_named(&conflicts_step(&env).await, "BoxEntryConflict");
    env.sim.shutdown().await;
}

/// The v1.0 rendering of the sim's events, by id (the fault cleared).
async fn v1_events(env: &Env) -> std::collections::HashMap<String, Value> {
    let token = reqwest::Client::new()
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            env.info.login_url.trim_end_matches('/'),
            env.info.tenant_id
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", env.info.client_id.as_str()),
            ("client_secret", env.info.client_secret.as_str()),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let page: Value = reqwest::Client::new()
        .get(format!(
            "{}/v1.0/auditLogs/provisioning?$top=1000",
            env.info
                .graph_url
                .trim_end_matches("/v1.0")
                .trim_end_matches('/')
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["id"].as_str().unwrap().to_string(), e.clone()))
        .collect()
}

/// Graph answers in the 2019 beta shape (only `action`/`statusInfo`): every
/// event is stored with the status, action and error it has in v1.0, and a
/// conflict is still a conflict.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beta_events_with_only_action_and_status_info_are_ingested() {
    let env = env().await;
    env.sim.inject(Fault::BetaLogShape).unwrap();
    env.sim.run_cycle().await;
    env.sim.advance(Duration::from_secs(60)).await.unwrap();
    env.sim.inject(Fault::DuplicateUserConflict).unwrap();
    env.sim
        .inject(Fault::AppPrefixedErrorCodes {
            prefix: "Box".into(),
        })
        .unwrap();
    env.sim.run_cycle().await;
    poll(&env).await;

    let rows = stored(&env).await;
    assert!(rows.len() > 10, "{} events stored", rows.len());
    assert!(rows.iter().any(|e| e.status == "success"));
    let failed: Vec<&EventRow> = rows.iter().filter(|e| e.status == "failure").collect();
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(failed[0].error_code.as_deref(), Some("BoxEntryConflict"));
    assert_conflict_named(&conflicts_step(&env).await, "BoxEntryConflict");

    // The same events in v1.0: each stored one has its status, action and error.
    env.sim.clear_faults();
    let v1 = v1_events(&env).await;
    assert_eq!(v1.len(), rows.len());
    for row in &rows {
        let e = &v1[&row.event_id];
        let info = &e["provisioningStatusInfo"];
        assert_eq!(row.status, info["status"], "{row:?}");
        assert_eq!(row.action, e["provisioningAction"], "{row:?}");
        assert_eq!(
            row.error_code.as_deref(),
            info["errorInformation"]["errorCode"].as_str(),
            "{row:?}"
        );
        assert_eq!(
            row.error_category.as_deref().map(str::to_ascii_lowercase),
            info["errorInformation"]["errorCategory"]
                .as_str()
                .map(str::to_ascii_lowercase),
            "{row:?}"
        );
    }
    env.sim.shutdown().await;
}
