//! Every app in a tenant (issue 21, item 1) against the simulated tenant
//! with extra provisioning apps: discovery adds one app connection per
//! provisioning job, the tenant's one log stream routes each event to its
//! app (one log request per read for the whole tenant, counted at the
//! simulator), an app whose jobs Graph refuses says "no permission" while
//! the others are watched, every app refused is one tenant-level problem,
//! and a deleted app is retired with its history.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::graph_support;

use std::time::Duration;

use entra_sim::{Fault, GraphFamily, Sim, SimHandle};
use graph_support::{add_all_apps_tenant, engine_in, fast_http, fleet_config};
use scimwatch_core::connection::GroupRole;
use scimwatch_core::Connection;
use scimwatch_engine::connections;
use scimwatch_engine::fleet::FleetConfig;
use scimwatch_engine::graph::ClientOptions;
use scimwatch_engine::poller::{denied_stream, poll_once, PollConfig, Stream};
use scimwatch_engine::read_models::fleet::{tenant_apps, tenant_summary, TenantApp, TenantSummary};
use scimwatch_engine::store::connections as rows;
use scimwatch_engine::store::{events, jobs};
use scimwatch_engine::Engine;

pub(crate) struct Fleet {
    pub(crate) sim: SimHandle,
    pub(crate) engine: Engine,
    pub(crate) tenant: Connection,
    _dir: tempfile::TempDir,
}

pub(crate) async fn start(extra_apps: usize) -> Fleet {
    let sim = Sim::start(fleet_config(1, extra_apps)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_in(&dir).await;
    let tenant = add_all_apps_tenant(&engine, "Contoso", &sim.info()).await;
    Fleet {
        sim,
        engine,
        tenant,
        _dir: dir,
    }
}

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

impl Fleet {
    pub(crate) async fn poll(&self) {
        poll_once(&self.engine, &cfg(), None).await.unwrap();
    }

    async fn apps(&self) -> Vec<TenantApp> {
        tenant_apps(&self.engine.store, &self.tenant.id)
            .await
            .unwrap()
    }

    pub(crate) async fn summary(&self) -> TenantSummary {
        tenant_summary(&self.engine.store, &self.tenant.id)
            .await
            .unwrap()
            .expect("an all-apps tenant has a summary")
    }

    pub(crate) async fn app(&self, display_name: &str) -> TenantApp {
        let name = format!("Contoso / {display_name}");
        self.apps()
            .await
            .into_iter()
            .find(|a| a.connection.name == name)
            .unwrap_or_else(|| panic!("no app connection {name}"))
    }

    pub(crate) async fn row_id(&self, uuid: &str) -> i64 {
        rows::get_by_uuid(self.engine.store.pool(), uuid)
            .await
            .unwrap()
            .unwrap()
            .id
    }

    async fn events_of(&self, uuid: &str) -> i64 {
        let id = self.row_id(uuid).await;
        events::count(self.engine.store.pool(), id).await.unwrap()
    }

    fn log_requests(&self) -> usize {
        self.sim
            .graph_requests()
            .iter()
            .filter(|r| r.family == GraphFamily::ProvisioningLogs)
            .count()
    }
}

#[tokio::test]
async fn every_app_with_a_job_is_watched_and_one_log_stream_serves_them_all() {
    let f = start(2).await;
    f.sim.run_cycle().await;
    let extra = f.sim.extra_apps();
    assert_eq!(extra.len(), 2);
    let main_events = f.sim.event_count() - 2;
    assert!(main_events > 2, "the main app's cycle logged its work");

    f.poll().await;
    assert_eq!(f.log_requests(), 1, "one log request for the whole tenant");
    let apps = f.apps().await;
    let mut names: Vec<&str> = apps.iter().map(|a| a.connection.name.as_str()).collect();
    names.sort_unstable();
    // Microsoft Graph (Microsoft's own), the monitor's app registration and
    // Fabrikam Expenses have no provisioning job: not watched.
    assert_eq!(
        names,
        [
            "Contoso / Contoso HR",
            "Contoso / Litware Wiki",
            "Contoso / Northwind SCIM Demo"
        ]
    );
    for a in &apps {
        let g = a.connection.group.as_ref().unwrap();
        assert_eq!(g.role, GroupRole::App);
        assert_eq!(g.tenant_id, f.tenant.id);
        assert!(g.retired.is_none());
        assert_eq!(a.state, "active", "{}", a.connection.name);
    }
    let tenant = rows::get_by_uuid(f.engine.store.pool(), &f.tenant.id)
        .await
        .unwrap()
        .unwrap();
    assert!(tenant.all_apps);

    // Each event is stored under the app its servicePrincipal names.
    let hr = f.app("Contoso HR").await;
    let wiki = f.app("Litware Wiki").await;
    let main = f.app("Northwind SCIM Demo").await;
    assert_eq!(f.events_of(&hr.connection.id).await, 1);
    assert_eq!(f.events_of(&wiki.connection.id).await, 1);
    assert_eq!(
        f.events_of(&main.connection.id).await,
        i64::try_from(main_events).unwrap()
    );
    assert_eq!(
        f.events_of(&f.tenant.id).await,
        0,
        "the tenant keeps none itself"
    );
    let hr_job = hr.connection.entra.as_ref().unwrap().job_id.clone();
    assert_eq!(hr_job.as_deref(), Some(extra[0].job_id.as_str()));
    // The app connections do not read logs themselves: the next rounds
    // cost one log request each, whatever the number of apps.
    f.sim.run_cycle().await;
    f.poll().await;
    assert_eq!(f.log_requests(), 2);
    assert_eq!(f.events_of(&hr.connection.id).await, 2);
    assert_eq!(f.events_of(&wiki.connection.id).await, 2);
    f.poll().await;
    assert_eq!(f.log_requests(), 3);
    assert_eq!(
        f.events_of(&hr.connection.id).await,
        2,
        "nothing stored twice"
    );
    // Each app's job was read on its own.
    let hr_id = f.row_id(&hr.connection.id).await;
    let job = jobs::latest_job(f.engine.store.pool(), hr_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.snapshot.job_id, extra[0].job_id);
    assert_eq!(job.snapshot.status_code.as_deref(), Some("Active"));
}

#[tokio::test]
async fn an_app_whose_jobs_graph_refuses_says_no_permission_and_the_others_are_watched() {
    let f = start(2).await;
    f.sim.deny_app_jobs(1, true).unwrap();
    f.sim.run_cycle().await;
    f.poll().await;
    let apps = f.apps().await;
    assert_eq!(apps.len(), 3);
    let hr = f.app("Contoso HR").await;
    assert_eq!(
        hr.state,
        "no permission to read this app's provisioning job"
    );
    // Worst first: the refused app before the watched ones.
    assert_eq!(apps[0].connection.name, "Contoso / Contoso HR");
    for a in &apps[1..] {
        assert_eq!(a.state, "active", "{}", a.connection.name);
    }
    let hr_id = f.row_id(&hr.connection.id).await;
    let denied = jobs::get_poll_state(
        f.engine.store.pool(),
        hr_id,
        &denied_stream(Stream::GraphJob),
    )
    .await
    .unwrap()
    .unwrap();
    let reason = denied.cursor.unwrap();
    assert!(
        reason.contains("no permission to read this app's provisioning job"),
        "{reason}"
    );
    assert!(reason.contains("other apps are watched"), "{reason}");
    // Its events still arrive through the tenant's stream: nothing lost.
    assert_eq!(f.events_of(&hr.connection.id).await, 1);
    // Not a tenant-level problem.
    let tenant_id = f.row_id(&f.tenant.id).await;
    let t = jobs::get_poll_state(
        f.engine.store.pool(),
        tenant_id,
        &denied_stream(Stream::GraphJob),
    )
    .await
    .unwrap();
    assert!(t.is_none_or(|d| d.watermark_ms.is_none()));
    // The tenant at a glance (its Overview card, `status`): the refused app
    // needs attention, and the budget plan reads it at the shorter interval.
    let s = f.summary().await;
    assert_eq!((s.watched, s.in_trouble, s.retired), (3, 1, 0));
    let names = |v: &[TenantApp]| {
        v.iter()
            .map(|a| a.connection.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&s.apps), names(&apps), "the same order as the list");
    let settings = scimwatch_engine::settings::load(&f.engine.store)
        .await
        .unwrap();
    assert_eq!(s.trouble_every_minutes, settings.job_poll_minutes);
    assert_eq!(s.steady_every_minutes, settings.job_poll_minutes * 5);
    assert_eq!(s.budget_per_hour, 1200);
    // Logs every 5 min (12) + discovery (4) + 1 job in trouble every 2 min
    // (30) + 2 steady every 10 min (12) + 3 configurations × 3 every 30 min
    // (18) = 76 with the default settings.
    assert_eq!(
        (
            settings.job_poll_minutes,
            settings.logs_poll_minutes,
            settings.config_poll_minutes
        ),
        (2, 5, 30),
        "the default settings"
    );
    assert_eq!(s.planned_per_hour, 76);
    assert!(s.planned_per_hour <= s.budget_per_hour);
    // An app, or any other connection, has no tenant summary.
    assert!(tenant_summary(&f.engine.store, &hr.connection.id)
        .await
        .unwrap()
        .is_none());
    // Allowed again: the app's job is found and read.
    f.sim.deny_app_jobs(1, false).unwrap();
    f.poll().await;
    let hr = f.app("Contoso HR").await;
    assert_eq!(hr.state, "active");
    assert_eq!(f.summary().await.in_trouble, 0);
}

#[tokio::test]
async fn every_app_refused_is_one_tenant_level_problem() {
    let f = start(1).await;
    f.sim
        .inject(Fault::SynchronizationPermissionMissing)
        .unwrap();
    f.poll().await;
    assert!(
        f.apps().await.is_empty(),
        "no app per refused service principal"
    );
    let tenant_id = f.row_id(&f.tenant.id).await;
    let d = jobs::get_poll_state(
        f.engine.store.pool(),
        tenant_id,
        &denied_stream(Stream::GraphJob),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(d.watermark_ms.is_some());
    let reason = d.cursor.unwrap();
    assert!(reason.contains("every app in this tenant"), "{reason}");
    assert!(reason.contains("Synchronization.Read.All"), "{reason}");
}

#[tokio::test]
async fn an_app_deleted_while_watched_is_retired_with_its_history() {
    let f = start(2).await;
    f.sim.run_cycle().await;
    f.poll().await;
    let wiki = f.app("Litware Wiki").await;
    assert_eq!(f.events_of(&wiki.connection.id).await, 1);

    f.sim.delete_app(2).unwrap();
    f.sim.run_cycle().await;
    f.poll().await;
    let apps = f.apps().await;
    assert_eq!(apps.len(), 3, "kept, not deleted");
    let last = apps.last().unwrap();
    assert_eq!(
        last.connection.name, "Contoso / Litware Wiki",
        "retired last"
    );
    assert!(
        last.state
            .starts_with("retired: the enterprise app is no longer in the tenant"),
        "{}",
        last.state
    );
    let g = last.connection.group.as_ref().unwrap();
    assert!(g.retired.is_some() && g.retired_at.is_some());
    // Its history stays.
    assert_eq!(f.events_of(&wiki.connection.id).await, 1);
    let s = f.summary().await;
    assert_eq!(
        (s.watched, s.retired),
        (2, 1),
        "a retired app is not watched"
    );
    // The others go on.
    let hr = f.app("Contoso HR").await;
    assert_eq!(hr.state, "active");
    assert_eq!(f.events_of(&hr.connection.id).await, 2);
    // A retired app is not read any more: its job's last reading stays.
    let wiki_id = f.row_id(&wiki.connection.id).await;
    let before = jobs::latest_job(f.engine.store.pool(), wiki_id)
        .await
        .unwrap()
        .unwrap()
        .last_seen_ms;
    f.poll().await;
    let after = jobs::latest_job(f.engine.store.pool(), wiki_id)
        .await
        .unwrap()
        .unwrap()
        .last_seen_ms;
    assert_eq!(before, after);
    // It can be removed on its own; a watched app cannot (it would come back).
    let e = connections::remove(
        &f.engine.store,
        f.engine.secrets.as_ref(),
        &hr.connection.name,
    )
    .await
    .unwrap_err();
    assert!(
        e.to_string().contains("watches every provisioning app"),
        "{e}"
    );
    connections::remove(
        &f.engine.store,
        f.engine.secrets.as_ref(),
        &wiki.connection.name,
    )
    .await
    .unwrap();
    assert_eq!(f.apps().await.len(), 2);
}
