//! A tenant's apps as the connection list shows them (issue 21, item 1):
//! worst first, each with its state in words (core's `fleet::app_standing`);
//! and the tenant at a glance (the Overview's tenant card, `status`): how
//! many apps need attention and what its Graph budget is spent on.

use scimwatch_core::fleet::{app_standing, job_condition, plan_polls, AppFacts, JobCondition};
use scimwatch_core::Connection;
use serde::Serialize;
use ts_rs::TS;

use crate::error::EngineError;
use crate::poller::{denied_stream, Stream};
use crate::store::connections as rows;
use crate::store::jobs::{self, GRAPH_REACH_STREAM};
use crate::store::Store;

/// One app of an all-apps tenant.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TenantApp {
    pub connection: Connection,
    /// Lower is worse (the list's order).
    #[ts(type = "number")]
    pub rank: u8,
    /// Its state in words ("quarantined (…)", "no permission to read this
    /// app's provisioning job", "active", "retired: …").
    pub state: String,
}

/// An all-apps tenant at a glance.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TenantSummary {
    /// Its apps, worst first (as [`tenant_apps`]).
    pub apps: Vec<TenantApp>,
    /// Apps watched (not retired).
    pub watched: u32,
    /// Watched apps whose job needs attention or could not be read yet —
    /// read at the shorter interval.
    pub in_trouble: u32,
    /// Apps retired (no longer in the tenant), kept with their history.
    pub retired: u32,
    /// The tenant's Graph request budget (an hour, all its apps together).
    pub budget_per_hour: u32,
    /// What reading its apps at the plan's intervals costs an hour (the
    /// plan the poller follows, from the same apps and settings).
    pub planned_per_hour: u32,
    /// How often a steady job is read under that plan (minutes).
    pub steady_every_minutes: u32,
    /// How often a job in trouble is read (minutes).
    pub trouble_every_minutes: u32,
    /// How often each app's configuration is read (minutes).
    pub config_every_minutes: u32,
}

/// The apps of the all-apps tenant with uuid `tenant` (none for another
/// connection), worst first, then by name.
pub async fn tenant_apps(store: &Store, tenant: &str) -> Result<Vec<TenantApp>, EngineError> {
    Ok(read_apps(store, tenant)
        .await?
        .map(|apps| apps.into_iter().map(|(a, _)| a).collect())
        .unwrap_or_default())
}

/// The all-apps tenant with uuid `tenant` at a glance; `None` for a
/// connection that is not an all-apps tenant.
pub async fn tenant_summary(
    store: &Store,
    tenant: &str,
) -> Result<Option<TenantSummary>, EngineError> {
    let Some(apps) = read_apps(store, tenant).await? else {
        return Ok(None);
    };
    let (mut steady, mut trouble, mut retired) = (0u32, 0u32, 0u32);
    for (_, condition) in &apps {
        match condition {
            None => retired += 1,
            Some(JobCondition::Steady) => steady += 1,
            Some(JobCondition::Trouble) => trouble += 1,
        }
    }
    let cfg = crate::settings::poll_config(&crate::settings::load(store).await?);
    let budget = cfg
        .fleet
        .budget(cfg.job_every, cfg.config_every, cfg.logs_every);
    let plan = plan_polls(&budget, steady as usize, trouble as usize);
    let minutes =
        |d: std::time::Duration| u32::try_from(d.as_secs().div_ceil(60)).unwrap_or(u32::MAX);
    Ok(Some(TenantSummary {
        apps: apps.into_iter().map(|(a, _)| a).collect(),
        watched: steady + trouble,
        in_trouble: trouble,
        retired,
        budget_per_hour: budget.per_hour,
        planned_per_hour: plan.per_hour.ceil().clamp(0.0, f64::from(u32::MAX)) as u32,
        steady_every_minutes: minutes(plan.steady_every),
        trouble_every_minutes: minutes(plan.trouble_every),
        config_every_minutes: minutes(plan.config_every),
    }))
}

/// Each app of the tenant, worst first, with its scheduling condition
/// (`None` when retired) — the poller's own judgement from the same stored
/// job; `None` when `tenant` is not an all-apps tenant.
async fn read_apps(
    store: &Store,
    tenant: &str,
) -> Result<Option<Vec<(TenantApp, Option<JobCondition>)>>, EngineError> {
    let pool = store.pool();
    let mut out = Vec::new();
    let Some(t) = rows::get_by_uuid(pool, tenant)
        .await?
        .filter(|t| t.all_apps)
    else {
        return Ok(None);
    };
    for row in rows::apps_of(pool, t.id).await? {
        let job = jobs::latest_job(pool, row.id).await?.map(|j| j.snapshot);
        let denied = jobs::get_poll_state(pool, row.id, &denied_stream(Stream::GraphJob))
            .await?
            .is_some_and(|d| d.watermark_ms.is_some());
        let blind = jobs::get_poll_state(pool, row.id, GRAPH_REACH_STREAM)
            .await?
            .filter(|r| r.watermark_ms.is_some())
            .map(|r| r.cursor.unwrap_or_default());
        let (rank, state) = app_standing(&AppFacts {
            retired: row.retired_ms.map(|_| {
                row.retired_reason
                    .as_deref()
                    .unwrap_or("no longer in the tenant")
            }),
            denied,
            blind: blind.as_deref(),
            read: job.is_some(),
            status_code: job.as_ref().and_then(|j| j.status_code.as_deref()),
            quarantine_reason: job.as_ref().and_then(|j| j.quarantine_reason.as_deref()),
            last_execution_state: job.as_ref().and_then(|j| j.last_execution_state.as_deref()),
        });
        let condition = row.retired_ms.is_none().then(|| {
            job_condition(
                job.as_ref().and_then(|j| j.status_code.as_deref()),
                job.as_ref().is_some_and(|j| j.quarantine_reason.is_some()),
                job.as_ref().and_then(|j| j.last_execution_state.as_deref()),
                denied || blind.is_some(),
            )
        });
        out.push((
            TenantApp {
                connection: row.clone().into_connection(),
                rank,
                state,
            },
            condition,
        ));
    }
    out.sort_by(|(a, _), (b, _)| {
        a.rank.cmp(&b.rank).then_with(|| {
            a.connection
                .name
                .to_lowercase()
                .cmp(&b.connection.name.to_lowercase())
        })
    });
    Ok(Some(out))
}
