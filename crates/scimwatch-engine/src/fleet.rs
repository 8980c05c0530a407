//! Every app in a tenant (issue 21, item 1): a connection with `all_apps`
//! is a *tenant*; discovery keeps one *app connection* per service
//! principal with a provisioning job (an ordinary `connections` row whose
//! `tenant_connection_id` names the tenant, signing in with the tenant's
//! sign-in and secrets — nothing copied), so every screen and command works
//! per app. An app that disappears is retired (kept read-only with its
//! history, and why), one that comes back is revived. Core's `fleet` makes
//! the decisions; this module reads Graph and stores them.
//!
//! The poller (`poller/tenant.rs`) runs [`discover_tenant`] on a schedule,
//! reads the tenant's one provisioning-log stream (`graph::tenant_logs`)
//! and reads each app's job adaptively within the tenant's budget
//! ([`FleetConfig`]).

use std::collections::HashSet;
use std::time::Duration;

use scimwatch_core::fleet::{app_connection_name, plan_fleet, Budget, FoundApp, JobSeen, KnownApp};
use sqlx::SqliteExecutor;

use crate::error::EngineError;
use crate::graph::discovery::{discover_fleet, FleetListing};
use crate::graph::{GraphClient, GraphError};
use crate::store::connections::{self as rows, ConnectionRow, NewApp};
use crate::store::jobs::{self, GRAPH_REACH_STREAM};
use crate::store::Store;

/// How the poller watches all-apps tenants.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetConfig {
    /// Graph requests per hour one tenant may cost, all its apps together.
    pub per_hour: u32,
    /// Re-discovery of a tenant's apps (sooner when an app's job answers
    /// 404 or an event names an app not watched).
    pub discover_every: Duration,
    /// Pause between the job reads of one discovery.
    pub discover_pace: Duration,
    /// A steady job is read this many times less often than one in
    /// trouble (the poller's job interval).
    pub steady_factor: u32,
    /// Connections polled at once in a round: each all-apps tenant (with
    /// its apps, in order, within its own budget and pace) or other
    /// connection is one task, and at most this many run together
    /// (`poller/fanout.rs`). Tenants are independent — their own token,
    /// their own Graph throttling — so a fleet's first pass takes about
    /// `tenants / concurrency` times one tenant's, not the sum.
    pub concurrency: usize,
}

impl Default for FleetConfig {
    fn default() -> Self {
        Self {
            per_hour: Budget::default().per_hour,
            discover_every: Duration::from_secs(60 * 60),
            discover_pace: Duration::from_millis(250),
            steady_factor: 5,
            concurrency: 32,
        }
    }
}

impl FleetConfig {
    /// Core's budget for a poller that reads jobs in trouble every
    /// `job_every`, configurations every `config_every` and logs every
    /// `logs_every`.
    pub fn budget(
        &self,
        job_every: Duration,
        config_every: Duration,
        logs_every: Duration,
    ) -> Budget {
        Budget {
            per_hour: self.per_hour,
            logs_every,
            discover_every: self.discover_every,
            config_every,
            steady_every: job_every.saturating_mul(self.steady_factor.max(1)),
            trouble_every: job_every,
            ..Budget::default()
        }
    }
}

/// What one discovery changed, by app connection name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FleetChange {
    pub added: Vec<String>,
    pub retired: Vec<String>,
    pub revived: Vec<String>,
    /// Every app's jobs were refused (one tenant-level problem).
    pub all_denied: bool,
    /// Graph requests the discovery made.
    pub requests: u32,
    /// Why the discovery stopped early (nothing was retired then).
    pub interrupted: Option<String>,
}

impl FleetChange {
    pub fn changed(&self) -> bool {
        !(self.added.is_empty() && self.retired.is_empty() && self.revived.is_empty())
    }
}

/// List the tenant's apps and their jobs (apps already watched are not
/// asked again: their own job reads are), then add, retire and revive app
/// connections.
pub async fn discover_tenant(
    store: &Store,
    client: &GraphClient,
    tenant: &ConnectionRow,
    pace: Duration,
    now_ms: i64,
) -> Result<FleetChange, GraphError> {
    let apps = rows::apps_of(store.pool(), tenant.id).await?;
    // Watched apps whose job reads fine are not asked again; a retired one,
    // one without a job id (refused) or one whose job cannot be read (a
    // 404: job deleted or replaced) is.
    let mut skip: HashSet<String> = HashSet::new();
    for a in apps
        .iter()
        .filter(|a| a.retired_ms.is_none() && a.job_id.is_some())
    {
        let blind = jobs::get_poll_state(store.pool(), a.id, GRAPH_REACH_STREAM)
            .await?
            .is_some_and(|r| r.watermark_ms.is_some());
        if let (false, Some(sp)) = (blind, a.service_principal_id.as_deref()) {
            skip.insert(sp.to_ascii_lowercase());
        }
    }
    let listing = discover_fleet(client, &skip, pace).await?;
    Ok(apply(store, tenant, &apps, &listing, now_ms).await?)
}

fn find<'a>(apps: &'a [ConnectionRow], sp: &str) -> Option<&'a ConnectionRow> {
    apps.iter().find(|a| {
        a.service_principal_id
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case(sp))
    })
}

/// Store what discovery found of the watched app `a` (`f`, watching `job`).
async fn record_found(
    ex: impl SqliteExecutor<'_>,
    a: &ConnectionRow,
    f: &FoundApp,
    job: Option<&str>,
    now_ms: i64,
) -> Result<(), EngineError> {
    rows::set_discovery(
        ex,
        &a.uuid,
        &f.service_principal_id,
        f.app_id.as_deref(),
        f.display_name.as_deref(),
        job,
        now_ms,
    )
    .await
}

/// Store what a discovery found (one transaction).
pub async fn apply(
    store: &Store,
    tenant: &ConnectionRow,
    apps: &[ConnectionRow],
    listing: &FleetListing,
    now_ms: i64,
) -> Result<FleetChange, EngineError> {
    let known: Vec<KnownApp> = apps
        .iter()
        .filter_map(|a| {
            Some(KnownApp {
                service_principal_id: a.service_principal_id.clone()?,
                retired: a.retired_ms.is_some(),
            })
        })
        .collect();
    let plan = plan_fleet(
        &known,
        &listing.found,
        &listing.listed,
        &listing.no_job,
        listing.complete,
    );
    let mut out = FleetChange {
        all_denied: plan.all_denied,
        requests: listing.requests,
        interrupted: listing.interrupted.clone(),
        ..FleetChange::default()
    };
    let mut taken: HashSet<String> = rows::list(store.pool())
        .await?
        .into_iter()
        .map(|r| r.name.to_lowercase())
        .collect();
    let job_of = |seen: &JobSeen| match seen {
        JobSeen::Job(j) => Some(j.clone()),
        JobSeen::Denied => None,
    };
    let mut tx = crate::store::begin_write(store.pool()).await?;
    for f in &plan.add {
        let name = app_connection_name(
            &tenant.name,
            f.display_name.as_deref(),
            &f.service_principal_id,
            |n| taken.contains(&n.to_lowercase()),
        );
        taken.insert(name.to_lowercase());
        let uuid = uuid::Uuid::new_v4().to_string();
        let job = job_of(&f.job);
        let app = NewApp {
            uuid: &uuid,
            name: &name,
            service_principal_id: &f.service_principal_id,
            app_id: f.app_id.as_deref(),
            app_display_name: f.display_name.as_deref(),
            job_id: job.as_deref(),
        };
        rows::insert_app(&mut *tx, tenant, &app, now_ms).await?;
        out.added.push(name);
    }
    // A watched app read again at this discovery whose job changed (a new
    // job, or readable again after a refusal): watch that job.
    for f in &listing.found {
        let Some(a) = find(apps, &f.service_principal_id) else {
            continue;
        };
        let job = job_of(&f.job);
        if a.retired_ms.is_none() && job.is_some() && job != a.job_id {
            record_found(&mut *tx, a, f, job.as_deref(), now_ms).await?;
        }
    }
    for (sp, why) in &plan.retire {
        if let Some(a) = find(apps, sp) {
            rows::set_retired(&mut *tx, &a.uuid, Some((now_ms, why.note())), now_ms).await?;
            out.retired.push(a.name.clone());
        }
    }
    for sp in &plan.revive {
        let Some(a) = find(apps, sp) else { continue };
        rows::set_retired(&mut *tx, &a.uuid, None, now_ms).await?;
        if let Some(f) = listing
            .found
            .iter()
            .find(|f| f.service_principal_id.eq_ignore_ascii_case(sp))
        {
            let job = job_of(&f.job);
            record_found(&mut *tx, a, f, job.as_deref(), now_ms).await?;
        }
        out.revived.push(a.name.clone());
    }
    tx.commit().await?;
    Ok(out)
}
