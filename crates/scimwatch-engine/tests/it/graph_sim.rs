//! The Graph client, sign-in, discovery, snapshots and log ingest against the
//! simulated tenant (a real HTTP server on 127.0.0.1).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::graph_support;

use std::time::{Duration, Instant};

use entra_sim::{Fault, GraphFamily, SimConfig};
use graph_support::{browser_opener, sim_config, Env};
use scimwatch_core::graph::job::ConfigKind;
use scimwatch_core::{AuthMode, ErrorKind, Sensitive};
use scimwatch_engine::graph::auth::{self, sign_in_browser, sign_in_device_code};
use scimwatch_engine::graph::client::Family;
use scimwatch_engine::graph::logs::{ingest_logs, LogIngestConfig};
use scimwatch_engine::graph::sync::{poll_assignments, poll_config, poll_job, poll_schema};
use scimwatch_engine::graph::{discover_and_store, discover_app, GraphError, GraphTarget};
use scimwatch_engine::secrets::{SecretKey, SecretKind};
use scimwatch_engine::store::jobs;
use scimwatch_engine::store::{connections as rows, events};

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[tokio::test]
async fn discovery_by_name_app_id_and_its_errors() {
    let mut env = Env::start(sim_config(), AuthMode::ClientSecret).await;
    let client = env.client();
    let d = discover_and_store(env.store(), &client, &env.row, now_ms())
        .await
        .unwrap();
    assert_eq!(d.service_principal_id, env.info.service_principal_id);
    assert_eq!(d.job_id, env.info.job_id);
    assert!(d.other_jobs.is_empty());
    env.reload().await;
    assert_eq!(env.row.job_id.as_deref(), Some(env.info.job_id.as_str()));
    assert_eq!(
        env.row.service_principal_id.as_deref(),
        Some(env.info.service_principal_id.as_str())
    );

    let app_id = env.sim.with_tenant(|t| t.app().app_id.to_string());
    let by_id = discover_app(&client, &app_id.to_uppercase()).await.unwrap();
    assert_eq!(by_id.service_principal_id, env.info.service_principal_id);

    let e = discover_app(&client, "No Such App").await.unwrap_err();
    assert!(matches!(e, GraphError::AppNotFound(_)), "{e}");
    assert!(e.to_string().contains("No Such App"));
    assert_eq!(e.kind(), ErrorKind::NotFound);

    let e = discover_app(&client, "Fabrikam Expenses")
        .await
        .unwrap_err();
    assert!(matches!(e, GraphError::NoProvisioningJob(_)), "{e}");
    assert!(e
        .to_string()
        .contains("provisioning is not set up for this app"));

    // A second app with the same display name.
    env.sim.modify_tenant(|t, _| {
        let mut twin = t.app().clone();
        twin.id = uuid::Uuid::new_v4();
        twin.app_id = uuid::Uuid::new_v4();
        t.service_principals.push(twin);
    });
    let e = discover_app(&client, &env.info.app_display_name)
        .await
        .unwrap_err();
    assert!(matches!(e, GraphError::AppAmbiguous { .. }), "{e}");
    assert!(e.to_string().contains(&app_id), "{e}");
}

#[tokio::test]
async fn client_credentials_snapshots_and_config_versions() {
    let env = Env::start(sim_config(), AuthMode::ClientSecret).await;
    env.sim.run_cycle().await;
    let client = env.client();
    let ids = env.ids();
    let first = poll_job(&client, env.store(), &ids, 1_000).await.unwrap();
    assert!(first.changed);
    assert_eq!(first.status_code.as_deref(), Some("Active"));
    let again = poll_job(&client, env.store(), &ids, 2_000).await.unwrap();
    assert!(!again.changed, "unchanged job: heartbeat only");
    let latest = jobs::latest_job(env.store().pool(), ids.connection_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((latest.observed_ms, latest.last_seen_ms), (1_000, 2_000));
    assert!(latest.snapshot.last_execution_ended_ms.is_some());

    let changes = poll_config(&client, env.store(), &ids, 3_000)
        .await
        .unwrap();
    let kinds: Vec<ConfigKind> = changes.iter().map(|c| c.0).collect();
    assert_eq!(
        kinds,
        vec![
            ConfigKind::Schema,
            ConfigKind::Assignments,
            ConfigKind::Settings
        ]
    );
    assert!(poll_config(&client, env.store(), &ids, 4_000)
        .await
        .unwrap()
        .is_empty());

    env.sim.inject(Fault::GroupsMappingDisabled).unwrap();
    let s = poll_schema(&client, env.store(), &ids, 5_000)
        .await
        .unwrap();
    assert_eq!(s.as_deref(), Some("Groups mapping disabled"));
    env.sim.inject(Fault::GroupsNotAssigned).unwrap();
    let s = poll_assignments(&client, env.store(), &ids, 6_000)
        .await
        .unwrap()
        .unwrap();
    assert!(
        s.contains("groups unassigned") || s.contains("group unassigned"),
        "{s}"
    );

    // A cycle later the job status changes and a cycle completion is seen.
    env.sim.clear_faults();
    env.sim.advance(Duration::from_secs(41 * 60)).await.unwrap();
    let p = poll_job(&client, env.store(), &ids, 7_000).await.unwrap();
    assert!(p.changed);
    assert!(p.cycle_completed.is_some());
}

#[tokio::test]
async fn expired_token_is_refreshed_once_and_the_request_retried() {
    let env = Env::start(sim_config(), AuthMode::ClientSecret).await;
    let client = env.client();
    let ids = env.ids();
    poll_job(&client, env.store(), &ids, 1).await.unwrap();
    // The cached token expires at the sim (its clock moves two hours).
    env.sim
        .advance(Duration::from_secs(2 * 3600))
        .await
        .unwrap();
    poll_job(&client, env.store(), &ids, 2).await.unwrap();
}

#[tokio::test]
async fn wrong_client_secret_and_missing_permissions_are_specific() {
    let env = Env::start(
        SimConfig {
            app_permissions: vec!["Application.Read.All".into()],
            ..sim_config()
        },
        AuthMode::ClientSecret,
    )
    .await;
    let client = env.client();
    let e = poll_job(&client, env.store(), &env.ids(), 1)
        .await
        .unwrap_err();
    assert!(matches!(e, GraphError::MissingRole { .. }), "{e}");
    let msg = e.to_string();
    assert!(msg.contains("Synchronization.Read.All"), "{msg}");
    assert!(msg.contains("Authorization_RequestDenied"), "{msg}");
    assert_eq!(e.kind(), ErrorKind::Auth);

    env.engine
        .secrets
        .set(
            &SecretKey::new(&env.row.uuid, SecretKind::ClientSecret),
            &Sensitive::new("wrong-secret-value".into()),
        )
        .unwrap();
    let e = env.client().access_token().await.unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("AADSTS7000215"), "{msg}");
    assert!(!msg.contains("wrong-secret-value"), "{msg}");
}

#[tokio::test]
async fn browser_sign_in_with_pkce_then_refresh_rotation() {
    let env = Env::start(sim_config(), AuthMode::Delegated).await;
    let client = env.client();
    let target = GraphTarget::from_row(&env.row).unwrap();
    let key = SecretKey::new(&env.row.uuid, SecretKind::RefreshToken);
    let e = client.access_token().await.unwrap_err();
    assert!(matches!(e, GraphError::NotSignedIn(_)), "{e}");

    let out = sign_in_browser(
        client.http(),
        &client.options().http,
        &target,
        env.engine.secrets.as_ref(),
        browser_opener(),
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    assert!(out.refresh_token_stored);
    let rt1 = env.engine.secrets.get(&key).unwrap().unwrap();

    // Each refresh rotates the refresh token and stores the new one.
    poll_job(&client, env.store(), &env.ids(), 1).await.unwrap();
    let rt2 = env.engine.secrets.get(&key).unwrap().unwrap();
    assert_ne!(rt1.expose(), rt2.expose());
    client.invalidate_token();
    client.access_token().await.unwrap();
    let rt3 = env.engine.secrets.get(&key).unwrap().unwrap();
    assert_ne!(rt2.expose(), rt3.expose());

    // A spent refresh token is refused with a clear "sign in again".
    env.engine.secrets.set(&key, &rt1).unwrap();
    client.invalidate_token();
    let e = client.access_token().await.unwrap_err();
    assert!(matches!(e, GraphError::NotSignedIn(_)), "{e}");
    assert!(e.to_string().contains("sign in again"), "{e}");
}

#[tokio::test]
async fn device_code_sign_in() {
    let env = Env::start(sim_config(), AuthMode::Delegated).await;
    let client = env.client();
    let target = GraphTarget::from_row(&env.row).unwrap();
    let sim = &env.sim;
    let out = sign_in_device_code(
        client.http(),
        &client.options().http,
        &target,
        env.engine.secrets.as_ref(),
        |p| {
            assert!(p.message.contains(&p.user_code));
            assert!(sim.approve_device_code(&p.user_code));
        },
        Some(Duration::from_millis(1100)),
    )
    .await
    .unwrap();
    assert_eq!(out.method, "device_code");
    poll_job(&client, env.store(), &env.ids(), 1).await.unwrap();
}

#[tokio::test]
async fn throttling_waits_retry_after_and_succeeds() {
    let env = Env::start(sim_config(), AuthMode::ClientSecret).await;
    let client = env.client();
    client.access_token().await.unwrap();
    env.sim
        .inject(Fault::GraphThrottling {
            family: GraphFamily::Synchronization,
            retry_after_secs: 0.3,
            count: Some(2),
        })
        .unwrap();
    let t = Instant::now();
    poll_job(&client, env.store(), &env.ids(), 1).await.unwrap();
    assert!(
        t.elapsed() >= Duration::from_millis(600),
        "{:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn server_errors_html_and_malformed_bodies() {
    let env = Env::start(sim_config(), AuthMode::ClientSecret).await;
    let client = env.client();
    let ids = env.ids();
    // Transient 503s are retried.
    env.sim
        .inject(Fault::GraphServerError {
            family: GraphFamily::All,
            status: 503,
            count: Some(2),
        })
        .unwrap();
    poll_job(&client, env.store(), &ids, 1).await.unwrap();
    env.sim.clear_faults();

    env.sim
        .inject(Fault::GraphHtmlPage {
            family: GraphFamily::Synchronization,
        })
        .unwrap();
    let e = poll_job(&client, env.store(), &ids, 2).await.unwrap_err();
    assert!(matches!(e, GraphError::Html { status: 502, .. }), "{e}");
    assert!(e.is_transport());
    env.sim.clear_faults();

    env.sim
        .inject(Fault::GraphMalformedJson {
            family: GraphFamily::Synchronization,
        })
        .unwrap();
    let e = poll_job(&client, env.store(), &ids, 3).await.unwrap_err();
    assert!(matches!(e, GraphError::Malformed { .. }), "{e}");
    env.sim.clear_faults();

    env.sim.inject(Fault::GraphNextLinkLoop).unwrap();
    env.sim.seed_events(50);
    let e = ingest_logs(
        &client,
        env.store(),
        &ids,
        &LogIngestConfig {
            page_size: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(e, GraphError::NextLinkLoop { .. }), "{e}");
}

#[tokio::test]
async fn log_backfill_restarts_without_loss_or_duplicates() {
    let env = Env::start(sim_config(), AuthMode::ClientSecret).await;
    env.sim.seed_events(2_500);
    env.sim.run_cycle().await;
    let total = env.sim.event_count() as i64;
    let client = env.client_with(Duration::ZERO);
    let ids = env.ids();
    let cfg = LogIngestConfig {
        page_size: 200,
        max_pages: Some(4),
        ..Default::default()
    };
    let first = ingest_logs(&client, env.store(), &ids, &cfg).await.unwrap();
    assert_eq!(first.pages, 4);
    assert!(!first.complete);
    assert_eq!(first.new_events, 800);
    let wm = jobs::get_poll_state(env.store().pool(), ids.connection_id, "logs")
        .await
        .unwrap()
        .unwrap()
        .watermark_ms;
    assert_eq!(wm, first.watermark_ms);

    // Interrupted mid-way: drop the ingest while it runs.
    let slow = env.client_with(Duration::from_millis(30));
    let full = LogIngestConfig {
        page_size: 200,
        ..Default::default()
    };
    let _ = tokio::time::timeout(
        Duration::from_millis(100),
        ingest_logs(&slow, env.store(), &ids, &full),
    )
    .await;

    let rest = ingest_logs(&client, env.store(), &ids, &full)
        .await
        .unwrap();
    assert!(rest.complete);
    let stored = events::count(env.store().pool(), ids.connection_id)
        .await
        .unwrap();
    assert_eq!(stored, total, "every event once");
    let again = ingest_logs(&client, env.store(), &ids, &full)
        .await
        .unwrap();
    assert_eq!(again.new_events, 0);
    assert!(again.fetched > 0, "the overlap window is re-read");

    // Rollups agree with the events.
    let per_cycle: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT cycle_id, count(*), sum(status = 'failure') FROM provisioning_events \
         WHERE connection_id = ? AND cycle_id IS NOT NULL GROUP BY cycle_id",
    )
    .bind(ids.connection_id)
    .fetch_all(env.store().pool())
    .await
    .unwrap();
    let cycles = events::cycles(env.store().pool(), ids.connection_id, 10_000)
        .await
        .unwrap();
    assert_eq!(cycles.len(), per_cycle.len());
    for (id, n, f) in per_cycle {
        let c = cycles.iter().find(|c| c.cycle_id == id).unwrap();
        assert_eq!((c.total, c.failures), (n, f), "cycle {id}");
        let sum: i64 = c.counts.values().flat_map(|m| m.values()).sum();
        assert_eq!(sum, n);
    }
}

#[tokio::test]
async fn cycle_rollups_match_the_sims_cycles() {
    let env = Env::start(sim_config(), AuthMode::ClientSecret).await;
    let mut reports = vec![env.sim.run_cycle().await];
    env.sim.inject(Fault::DuplicateUserConflict).unwrap();
    env.sim.modify_tenant(|t, now| {
        t.add_user("Ada", "Lovelace", true, now);
        t.add_user("Alan", "Turing", true, now);
    });
    reports.push(env.sim.run_cycle().await);
    env.sim.clear_faults();
    reports.push(env.sim.run_cycle().await);
    let client = env.client_with(Duration::ZERO);
    let ids = env.ids();
    ingest_logs(&client, env.store(), &ids, &LogIngestConfig::default())
        .await
        .unwrap();
    let cycles = events::cycles(env.store().pool(), ids.connection_id, 100)
        .await
        .unwrap();
    for r in reports.iter().filter(|r| r.ran) {
        let id = r.cycle_id.clone().unwrap();
        let c = cycles
            .iter()
            .find(|c| c.cycle_id == id)
            .expect("cycle rolled up");
        assert_eq!(
            c.failures,
            i64::from(r.failed),
            "cycle {id}: {c:?} vs {r:?}"
        );
        let created: i64 = c
            .counts
            .get("create")
            .map(|m| m.values().sum())
            .unwrap_or(0);
        assert!(created >= i64::from(r.created), "{c:?} vs {r:?}");
        assert!(c.started_ms <= c.ended_ms);
    }
    assert!(cycles
        .iter()
        .any(|c| c.top_errors.iter().any(|e| e.code == "EntryConflict")));
}

#[tokio::test]
async fn non_premium_tenant_has_no_logs_but_job_status_works() {
    let env = Env::start(
        SimConfig {
            premium: false,
            ..sim_config()
        },
        AuthMode::ClientSecret,
    )
    .await;
    let client = env.client();
    let ids = env.ids();
    let e = ingest_logs(&client, env.store(), &ids, &LogIngestConfig::default())
        .await
        .unwrap_err();
    assert!(matches!(e, GraphError::LogsUnlicensed), "{e}");
    assert!(e.to_string().contains("P1/P2"));
    assert!(
        poll_job(&client, env.store(), &ids, 1)
            .await
            .unwrap()
            .changed
    );
}

#[tokio::test]
async fn the_log_gate_holds_at_two_seconds() {
    let env = Env::start(sim_config(), AuthMode::ClientSecret).await;
    env.sim.seed_events(25);
    let client = env.client_with(Duration::from_secs(2));
    let out = ingest_logs(
        &client,
        env.store(),
        &env.ids(),
        &LogIngestConfig {
            page_size: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(out.pages, 3);
    let times: Vec<_> = env
        .requests
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.family == Family::ProvisioningLogs)
        .map(|r| r.at)
        .collect();
    assert_eq!(times.len(), 3);
    for w in times.windows(2) {
        assert!(
            w[1] - w[0] >= Duration::from_millis(1990),
            "log requests {:?} apart",
            w[1] - w[0]
        );
    }
}

#[tokio::test]
async fn urls_must_be_https_except_loopback() {
    let env = Env::start(sim_config(), AuthMode::ClientSecret).await;
    let mut row = env.row.clone();
    row.graph_url = Some("http://graph.example.com".into());
    let e = GraphTarget::from_row(&row).unwrap_err();
    assert!(e.to_string().contains("plain http"), "{e}");
    // A nextLink to another host is refused (the token would leak).
    let client = env.client();
    let e = client
        .get_bytes("https://evil.example.com/v1.0/x", Family::Directory, "x")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("another host"), "{e}");
    let _ = rows::get_by_uuid(env.store().pool(), &env.row.uuid).await;
    let _ = auth::DELEGATED_SCOPES;
}
