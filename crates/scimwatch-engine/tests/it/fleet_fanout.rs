//! The fleet at scale (issue 21, item 4): a round polls many all-apps
//! tenants side by side (each within its own budget and in its own order),
//! reads every job before any configuration, an app that discovery adds
//! after the tenant's log stream moved on still gets its earlier events,
//! and the status of every connection read at once (one query per table)
//! is exactly what each connection's own reads give.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::graph_support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use entra_sim::{Fault, Sim, SimConfig, SimHandle};
use graph_support::{add_all_apps_tenant, engine_in, fast_http, fleet_config};
use scimwatch_engine::diagnose::DiagnosisConfig;
use scimwatch_engine::fleet::FleetConfig;
use scimwatch_engine::graph::observe::status_report;
use scimwatch_engine::graph::{ClientOptions, LogIngestConfig};
use scimwatch_engine::monitor::diagnose_all;
use scimwatch_engine::notify::{Notifiers, RecordingNotifier};
use scimwatch_engine::poller::{poll_once, PollConfig};
use scimwatch_engine::serve::status;
use scimwatch_engine::store::connections::{self as rows, ConnectionRow};
use scimwatch_engine::store::{events, incidents, jobs};
use scimwatch_engine::Engine;

fn cfg() -> PollConfig {
    PollConfig {
        client: ClientOptions {
            http: fast_http(),
            log_gate: Duration::ZERO,
            observer: None,
        },
        fleet: FleetConfig {
            discover_pace: Duration::ZERO,
            ..FleetConfig::default()
        },
        ..PollConfig::default()
    }
}

async fn apps(engine: &Engine) -> Vec<ConnectionRow> {
    rows::list(engine.store.pool())
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.tenant_connection_id.is_some())
        .collect()
}

fn requests_per_tenant(sim: &SimHandle) -> BTreeMap<usize, u64> {
    let mut m = BTreeMap::new();
    for c in sim.graph_requests_by_endpoint() {
        *m.entry(c.tenant).or_default() += c.requests;
    }
    m
}

#[tokio::test]
async fn tenants_are_polled_side_by_side_jobs_first_within_their_budgets() {
    let latency = Duration::from_millis(100);
    let tenants = 4;
    let sim = Sim::start(SimConfig {
        graph_latency: latency,
        ..fleet_config(tenants, 2)
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_in(&dir).await;
    for i in 0..tenants {
        let info = sim.tenant(i).unwrap().info();
        add_all_apps_tenant(&engine, &format!("Tenant {i}"), &info).await;
    }

    let t0 = Instant::now();
    poll_once(&engine, &cfg(), None).await.unwrap();
    let took = t0.elapsed();

    // Every app of every tenant has a job state.
    let apps = apps(&engine).await;
    assert_eq!(apps.len(), tenants * 3, "3 provisioning apps a tenant");
    let pool = engine.store.pool();
    let mut last_job = 0;
    let mut first_config = i64::MAX;
    for a in &apps {
        let job = jobs::latest_job(pool, a.id).await.unwrap();
        let job = job.unwrap_or_else(|| panic!("{} has no job state", a.name));
        assert!(job.snapshot.status_code.is_some(), "{}", a.name);
        last_job = last_job.max(job.observed_ms);
        let schema =
            jobs::latest_config(pool, a.id, scimwatch_core::graph::job::ConfigKind::Schema)
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("{}: configuration read too", a.name));
        first_config = first_config.min(schema.observed_ms);
    }
    // Every job was read before any configuration.
    assert!(
        last_job <= first_config,
        "last job read at {last_job}, first configuration at {first_config}"
    );

    // Side by side: the same Graph requests one after the other would take
    // at least their number × the latency; the round took well under half.
    let per_tenant = requests_per_tenant(&sim);
    let total: u64 = per_tenant.values().sum();
    let sequential = latency * u32::try_from(total).unwrap();
    assert!(
        took < sequential / 2,
        "the round took {took:?}; its {total} requests one after the other take at least {sequential:?}"
    );

    // No tenant beyond its budget, and each did its own share.
    let c = cfg();
    let budget = c.fleet.budget(c.job_every, c.config_every, c.logs_every);
    assert_eq!(per_tenant.len(), tenants, "{per_tenant:?}");
    let least = per_tenant.values().min().copied().unwrap_or(0);
    let most = per_tenant.values().max().copied().unwrap_or(0);
    assert!(
        most <= u64::from(budget.per_hour),
        "{per_tenant:?} vs a budget of {} an hour",
        budget.per_hour
    );
    // Its listing, its 3 apps' jobs at discovery and again as watched.
    assert!(least >= 7, "every tenant did its own reads: {per_tenant:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn an_app_added_after_the_tenant_stream_moved_on_gets_its_earlier_events() {
    let sim = Sim::start(fleet_config(1, 2)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_in(&dir).await;
    add_all_apps_tenant(&engine, "Contoso", &sim.info()).await;
    // No overlap: what the tenant's stream passed is not read again by it.
    let cfg = PollConfig {
        logs: LogIngestConfig {
            overlap: Duration::ZERO,
            ..LogIngestConfig::default()
        },
        ..cfg()
    };

    sim.run_cycle().await;
    poll_once(&engine, &cfg, None).await.unwrap();
    sim.advance(Duration::from_secs(60)).await.unwrap();
    sim.run_cycle().await;
    poll_once(&engine, &cfg, None).await.unwrap();
    let hr = |list: Vec<ConnectionRow>| {
        list.into_iter()
            .find(|a| a.name == "Contoso / Contoso HR")
            .expect("Contoso HR is watched")
    };
    let before = hr(apps(&engine).await);
    let pool = engine.store.pool();
    assert_eq!(
        events::count(pool, before.id).await.unwrap(),
        2,
        "one event a cycle"
    );

    // The app was not watched when the stream read its events (as if it
    // appeared since): forget it, then discovery adds it again.
    assert!(rows::delete(pool, &before.uuid).await.unwrap());
    poll_once(&engine, &cfg, None).await.unwrap();
    let after = hr(apps(&engine).await);
    assert_ne!(after.uuid, before.uuid, "a new app connection");
    assert_eq!(
        events::count(pool, after.id).await.unwrap(),
        2,
        "both cycles' events, though the tenant's stream had passed the first"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn the_status_of_every_connection_read_at_once_is_what_each_reads_alone() {
    let tenants = 3;
    let sim = Sim::start(fleet_config(tenants, 3)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_in(&dir).await;
    for i in 0..tenants {
        let t = sim.tenant(i).unwrap();
        add_all_apps_tenant(&engine, &format!("Tenant {i}"), &t.info()).await;
        if i == 1 {
            // A quarantined job, so there are incidents to list.
            t.inject(Fault::ScimTokenExpired).unwrap();
            t.modify_tenant(|t, now| {
                t.add_user("New", "Hire", true, now);
            });
        }
        t.run_cycle().await;
    }
    poll_once(&engine, &cfg(), None).await.unwrap();
    let notifier: Notifiers = Arc::new(RecordingNotifier::new());
    diagnose_all(&engine, &DiagnosisConfig::default(), &notifier, Utc::now())
        .await
        .unwrap();

    let now = Utc::now();
    let all = status(&engine, now).await.unwrap();
    assert_eq!(all.connections.len(), tenants * 5, "3 tenants, 4 apps each");
    let pool = engine.store.pool();
    let mut with_incidents = 0;
    let mut with_cycles = 0;
    for c in &all.connections {
        let row = rows::get_by_uuid(pool, &c.id).await.unwrap().unwrap();
        let alone = status_report(&engine.store, &row, now).await.unwrap();
        assert_eq!(
            serde_json::to_value(&c.entra).unwrap(),
            serde_json::to_value(Some(&alone)).unwrap(),
            "{}",
            row.name
        );
        let open = incidents::list(pool, Some(&row.uuid), true, 500)
            .await
            .unwrap();
        assert_eq!(
            serde_json::to_value(&c.incidents).unwrap(),
            serde_json::to_value(&open).unwrap(),
            "{}",
            row.name
        );
        with_incidents += usize::from(!open.is_empty());
        with_cycles += usize::from(alone.last_cycle.is_some());
    }
    assert!(with_incidents >= 1, "the quarantined job has an incident");
    assert!(with_cycles >= tenants * 4, "every app had a cycle");
    sim.shutdown().await;
}
