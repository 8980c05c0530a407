//! The poller's half of an all-apps tenant (`crate::fleet`): discovery on
//! its schedule (sooner when asked), the tenant's one provisioning-log
//! stream routed to its apps, and the intervals its apps' jobs are read at
//! within the tenant's budget (core's `fleet::plan_polls`).
//!
//! A tenant row's streams: `GraphJob` is its discovery (failing, the tenant
//! is blind: its apps cannot be listed), `GraphLogs` its log stream.

use chrono::Utc;
use scimwatch_core::fleet::{new_app_reads_own_logs, plan_polls, JobCondition, PollPlan, RouteKey};
use tokio::time::Instant;

use super::{stream_health, Event, Read, Stream, Worker};
use crate::fleet::discover_tenant;
use crate::graph::logs::{ingest_logs, LOGS_STREAM};
use crate::graph::sync::WatchIds;
use crate::graph::tenant_logs::{ingest_tenant_logs, record_unlicensed, AppRoute};
use crate::graph::{Family, GraphClient, GraphError};
use crate::store::connections::{self as rows, ConnectionRow};
use crate::store::jobs::{self, LOGS_UNLICENSED};

/// What a tenant's turn in a round found.
#[derive(Debug, Default)]
pub(super) struct TenantPoll {
    /// Discovery ran and the tenant's apps changed.
    pub apps_changed: bool,
    /// The tenant's log stream is due.
    pub logs_due: bool,
}

impl Worker {
    /// Run an all-apps tenant's discovery when due; returns whether its
    /// apps changed and whether its log stream is due (read after its
    /// apps' jobs: [`Worker::poll_tenant_logs`]).
    pub(super) async fn poll_tenant(&mut self, row: &ConnectionRow, read: Read) -> TenantPoll {
        let client = match self.conn_state(row).await {
            Ok(c) => c.client.clone(),
            Err(e) => {
                self.emit(Event::PollError {
                    connection: row.uuid.clone(),
                    stream: Stream::GraphJob,
                    kind: e.kind(),
                    message: e.to_string(),
                });
                return TenantPoll::default();
            }
        };
        let now = Instant::now();
        let (discover, logs) = {
            let Some(cs) = self.conns.get_mut(&row.uuid) else {
                return TenantPoll::default();
            };
            let (discover, logs) = cs.tenant_due(&self.cfg, now);
            let discover = read.reads(discover);
            if discover {
                cs.discover_now = false;
            }
            (discover, read.reads(logs))
        };
        let mut apps_changed = false;
        if discover {
            apps_changed = self.discover(row, &client).await;
        }
        TenantPoll {
            apps_changed,
            logs_due: logs,
        }
    }

    /// Read an all-apps tenant's one log stream (its client is the one
    /// [`Worker::poll_tenant`] set up).
    pub(super) async fn poll_tenant_logs(&mut self, row: &ConnectionRow) {
        let Some(client) = self.conns.get(&row.uuid).map(|c| c.client.clone()) else {
            return;
        };
        self.tenant_logs(row, &client).await;
    }

    async fn discover(&mut self, row: &ConnectionRow, client: &GraphClient) -> bool {
        let pace = self.cfg.fleet.discover_pace;
        let now_ms = Utc::now().timestamp_millis();
        match discover_tenant(&self.engine.store, client, row, pace, now_ms).await {
            Ok(change) => {
                for name in change.added.iter().chain(&change.revived) {
                    tracing::info!(tenant = %row.name, app = %name, "watching app");
                }
                let back: Vec<String> = change
                    .added
                    .iter()
                    .chain(&change.revived)
                    .cloned()
                    .collect();
                if !back.is_empty() {
                    self.new_apps_logs(row, client, &back).await;
                }
                for name in &change.retired {
                    tracing::info!(tenant = %row.name, app = %name, "app retired");
                }
                if let Some(why) = &change.interrupted {
                    tracing::info!(tenant = %row.name, reason = %why, "discovery stopped early; the rest next time");
                }
                if change.all_denied {
                    // One tenant-level problem, not one per app.
                    let e = GraphError::unauthorized(
                        Family::Synchronization,
                        "the provisioning jobs of every app in this tenant",
                        Some("UnknownError".into()),
                        String::new(),
                    );
                    self.record_failure(row, Stream::GraphJob, e).await;
                } else {
                    self.record_success(row, Stream::GraphJob).await;
                }
                change.changed()
            }
            Err(e) => {
                self.record_failure(row, Stream::GraphJob, e).await;
                false
            }
        }
    }

    /// Apps a discovery `added` (or revived) after the tenant's log stream
    /// was read (core `fleet::new_app_reads_own_logs`): that stream passed
    /// over their events (naming no watched app then, not stored), so each
    /// reads its own once — `servicePrincipal/id` filter, from its own
    /// watermark (a new app has none: everything retained, as a one-app
    /// connection's first read; a revived one from where it stopped). A
    /// failure here is logged; the tenant's stream carries on from its
    /// watermark.
    async fn new_apps_logs(&mut self, row: &ConnectionRow, client: &GraphClient, added: &[String]) {
        let store = self.engine.store.clone();
        let state = jobs::get_poll_state(store.pool(), row.id, LOGS_STREAM)
            .await
            .ok()
            .flatten();
        let read = state.as_ref().is_some_and(|s| s.watermark_ms.is_some());
        let unavailable = state
            .as_ref()
            .is_some_and(|s| s.cursor.as_deref() == Some(LOGS_UNLICENSED));
        if !new_app_reads_own_logs(read, unavailable) {
            return;
        }
        let apps = match rows::apps_of(store.pool(), row.id).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(tenant = %row.name, error = %e, "cannot list the new apps");
                return;
            }
        };
        let cfg = self.cfg.logs.clone();
        for a in apps.iter().filter(|a| added.contains(&a.name)) {
            let Some(sp) = a.service_principal_id.clone() else {
                continue;
            };
            let ids = WatchIds {
                connection_id: a.id,
                uuid: a.uuid.clone(),
                name: a.name.clone(),
                service_principal_id: sp,
                job_id: a.job_id.clone().unwrap_or_default(),
            };
            match ingest_logs(client, &store, &ids, &cfg).await {
                Ok(out) if out.new_events > 0 => self.emit(Event::LogsIngested {
                    connection: a.uuid.clone(),
                    new_events: out.new_events,
                    cycles: out.cycles_touched,
                }),
                Ok(_) => {}
                Err(e) => {
                    tracing::info!(app = %a.name, error = %e, "a new app's earlier events could not be read")
                }
            }
        }
    }

    async fn tenant_logs(&mut self, row: &ConnectionRow, client: &GraphClient) {
        let store = self.engine.store.clone();
        let apps: Vec<AppRoute> = match rows::apps_of(store.pool(), row.id).await {
            Ok(list) => list
                .into_iter()
                .filter(|a| a.retired_ms.is_none())
                .filter_map(|a| {
                    Some(AppRoute {
                        connection_id: a.id,
                        key: RouteKey {
                            service_principal_id: a.service_principal_id.clone()?,
                            job_id: a.job_id.clone(),
                        },
                        uuid: a.uuid,
                    })
                })
                .collect(),
            Err(e) => {
                self.record_failure(row, Stream::GraphLogs, e.into()).await;
                return;
            }
        };
        let cfg = self.cfg.logs.clone();
        match ingest_tenant_logs(client, &store, row.id, &apps, &cfg).await {
            Ok(out) => {
                if let Some(cs) = self.conns.get_mut(&row.uuid) {
                    cs.logs_unavailable = false;
                    // Events of an app not watched yet: discover it soon.
                    cs.discover_now |= out.unrouted > 0;
                }
                for (a, got) in apps.iter().zip(&out.apps) {
                    if got.new_events > 0 {
                        self.emit(Event::LogsIngested {
                            connection: a.uuid.clone(),
                            new_events: got.new_events,
                            cycles: got.cycles_touched.iter().cloned().collect(),
                        });
                    }
                    // The app's logs were read (through the tenant).
                    stream_health::record_ok(
                        store.pool(),
                        a.connection_id,
                        Stream::GraphLogs,
                        None,
                        Utc::now(),
                    )
                    .await;
                }
                self.record_success(row, Stream::GraphLogs).await;
            }
            Err(GraphError::LogsUnlicensed) => {
                if let Err(e) = record_unlicensed(&store, row.id, &apps, LOGS_UNLICENSED).await {
                    self.record_failure(row, Stream::GraphLogs, e).await;
                    return;
                }
                let first = self
                    .conns
                    .get_mut(&row.uuid)
                    .map(|cs| !std::mem::replace(&mut cs.logs_unavailable, true))
                    .unwrap_or(true);
                if first {
                    self.emit(Event::LogsUnavailable {
                        connection: row.uuid.clone(),
                        reason: GraphError::LogsUnlicensed.to_string(),
                    });
                }
                let why = GraphError::LogsUnlicensed.to_string();
                for a in &apps {
                    stream_health::record_ok(
                        store.pool(),
                        a.connection_id,
                        Stream::GraphLogs,
                        Some(&why),
                        Utc::now(),
                    )
                    .await;
                }
                self.record_success(row, Stream::GraphLogs).await;
            }
            Err(e) => self.record_failure(row, Stream::GraphLogs, e).await,
        }
    }

    /// The intervals of one tenant's apps: jobs that read steady less
    /// often than those in trouble (or not read yet), within the tenant's
    /// budget.
    pub(super) fn fleet_plan(&self, apps: &[ConnectionRow]) -> PollPlan {
        let cfg = &self.cfg;
        let budget = cfg
            .fleet
            .budget(cfg.job_every, cfg.config_every, cfg.logs_every);
        let steady = apps
            .iter()
            .filter(|r| {
                self.conns
                    .get(&r.uuid)
                    .is_some_and(|s| s.condition == JobCondition::Steady)
            })
            .count();
        plan_polls(&budget, steady, apps.len() - steady)
    }
}
