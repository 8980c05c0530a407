//! One round of the poller: list the connections, cut them into units (an
//! all-apps tenant with its apps, or one connection) polled side by side
//! (`fanout.rs`), every job first and then the configurations; read each
//! stream that is due of each connection (discovering its app and job
//! first when they are not known yet).

use std::collections::{HashMap, HashSet};

use scimwatch_core::fleet::{job_condition, JobCondition, PollPlan};
use tokio::time::Instant;

use super::fanout::{units, Phase, Unit};
use super::idle::{phase_streams, reads_itself};
use super::{now_ms, ConnState, Event, Read, Stream, Worker};
use crate::graph::logs::{ingest_logs, LOGS_STREAM};
use crate::graph::sync::{poll_config_each, poll_job, WatchIds};
use crate::graph::{discover_and_store, GraphClient, GraphError, GraphTarget};
use crate::poll_target::PollTarget;
use crate::store::connections::{self as rows, ConnectionRow};
use crate::store::jobs::{self, GRAPH_REACH_STREAM, LOGS_UNLICENSED};

impl Worker {
    pub(super) async fn run_due(&mut self, force: Option<&PollTarget>) {
        let Some(list) = self.list_rows().await else {
            return;
        };
        // A set: a fleet's 1,000 connections compared pairwise every tick
        // cost more than the rest of an idle round.
        let listed: HashSet<&str> = list.iter().map(|r| r.uuid.as_str()).collect();
        self.conns.retain(|uuid, _| listed.contains(uuid.as_str()));
        // Every unit's jobs first (all-apps tenants discover theirs
        // first), then every unit's configurations (`fanout.rs`).
        let units = self.fan_out(units(list), force, Phase::Jobs).await;
        self.fan_out(units, force, Phase::Rest).await;
    }

    /// One phase of one unit (in its own task): returns the unit as it
    /// stands after (a tenant's apps as its discovery left them).
    pub(super) async fn poll_unit(
        &mut self,
        mut unit: Unit,
        force: Option<&PollTarget>,
        phase: Phase,
    ) -> Unit {
        let streams = phase_streams(phase, unit.tenant.is_some());
        let mut tenant_logs = false;
        if let (Some(t), Phase::Jobs) = (unit.tenant.clone(), phase) {
            let polled = self.poll_tenant(&t, Read::of(force, &t)).await;
            tenant_logs = polled.logs_due;
            if polled.apps_changed {
                if let Some(apps) = self.apps_now(&t).await {
                    unit.conns = apps;
                }
            }
        }
        let plan = self.fleet_plan(&unit.conns);
        for row in unit.conns.iter_mut() {
            let read = Read::of(force, row);
            let plan = row.tenant_uuid.is_some().then_some(plan);
            // Discovery may have filled in its app and job ids.
            *row = self.poll_connection(row.clone(), read, plan, streams).await;
        }
        if let (Some(t), true) = (&unit.tenant, tenant_logs) {
            self.poll_tenant_logs(t).await;
        }
        unit
    }

    /// A tenant's apps that are not retired, read again after its discovery.
    async fn apps_now(&self, tenant: &ConnectionRow) -> Option<Vec<ConnectionRow>> {
        match rows::apps_of(self.engine.store.pool(), tenant.id).await {
            Ok(l) => Some(
                l.into_iter()
                    .filter(|r| r.tenant_id.is_some() && r.retired_ms.is_none())
                    .collect(),
            ),
            Err(e) => {
                tracing::warn!(error = %e, "poller: cannot list a tenant's apps");
                None
            }
        }
    }

    async fn list_rows(&self) -> Option<Vec<ConnectionRow>> {
        match rows::list(self.engine.store.pool()).await {
            Ok(l) => Some(l),
            Err(e) => {
                tracing::warn!(error = %e, "poller: cannot list connections");
                None
            }
        }
    }

    pub(super) async fn conn_state(
        &mut self,
        row: &ConnectionRow,
    ) -> Result<&mut ConnState, GraphError> {
        let target = GraphTarget::from_row(row)?;
        let stale = self.conns.get(&row.uuid).is_none_or(|c| c.target != target);
        if stale {
            // A tenant's apps sign in as the tenant: one client, one token.
            let shared = self
                .conns
                .values()
                .find(|c| c.target == target)
                .map(|c| c.client.clone());
            let client = match shared {
                Some(c) => c,
                None => GraphClient::new(
                    target.clone(),
                    self.engine.secrets.clone(),
                    self.cfg.client.clone(),
                )?,
            };
            let pool = self.engine.store.pool();
            let blind = jobs::get_poll_state(pool, row.id, GRAPH_REACH_STREAM)
                .await?
                .filter(|s| s.watermark_ms.is_some())
                .map(|s| s.cursor.unwrap_or_default());
            let logs_unavailable = jobs::get_poll_state(pool, row.id, LOGS_STREAM)
                .await?
                .is_some_and(|s| s.cursor.as_deref() == Some(LOGS_UNLICENSED));
            self.conns.insert(
                row.uuid.clone(),
                ConnState {
                    target,
                    client,
                    streams: HashMap::new(),
                    blind,
                    logs_unavailable,
                    condition: JobCondition::Trouble,
                    discover_now: false,
                },
            );
        }
        self.conns
            .get_mut(&row.uuid)
            .ok_or_else(|| GraphError::Config("connection state missing".into()))
    }

    /// Poll what is due of `streams` of one connection. `plan`: the
    /// intervals of an app of an all-apps tenant (its logs come from the
    /// tenant's stream). Returns the row (its app and job ids once
    /// discovered).
    async fn poll_connection(
        &mut self,
        mut row: ConnectionRow,
        read: Read,
        plan: Option<PollPlan>,
        streams: &[Stream],
    ) -> ConnectionRow {
        let name = row.name.clone();
        let uuid = row.uuid.clone();
        let client = match self.conn_state(&row).await {
            Ok(c) => c.client.clone(),
            Err(e) => {
                self.emit(Event::PollError {
                    connection: uuid,
                    stream: Stream::GraphJob,
                    kind: e.kind(),
                    message: e.to_string(),
                });
                return row;
            }
        };
        for &stream in streams {
            if !reads_itself(&row, stream) {
                continue;
            }
            let now = Instant::now();
            let is_due = {
                let Some(cs) = self.conns.get(&uuid) else {
                    return row;
                };
                read.reads(cs.is_due(&self.cfg, plan, stream, now))
            };
            if !is_due {
                continue;
            }
            if row.service_principal_id.is_none() || row.job_id.is_none() {
                // Discovery is part of the job stream: while that waits
                // after a failure, the other streams wait too.
                let waiting = stream != Stream::GraphJob
                    && self
                        .conns
                        .get(&uuid)
                        .and_then(|cs| cs.streams.get(&Stream::GraphJob))
                        .and_then(|st| st.retry_at)
                        .is_some_and(|at| at > now);
                if waiting {
                    continue;
                }
                match discover_and_store(&self.engine.store, &client, &row, now_ms()).await {
                    Ok(d) => {
                        self.emit(Event::Discovered {
                            connection: uuid.clone(),
                            app_display_name: d.app_display_name.clone(),
                            job_id: d.job_id.clone(),
                            other_jobs: d.other_jobs.clone(),
                        });
                        row.service_principal_id = Some(d.service_principal_id);
                        row.job_id = Some(d.job_id);
                        row.app_display_name = d.app_display_name;
                    }
                    Err(e) => {
                        // Discovery is part of the job stream.
                        self.record_failure(&row, Stream::GraphJob, e).await;
                        return row;
                    }
                }
            }
            let ids = WatchIds {
                connection_id: row.id,
                uuid: uuid.clone(),
                name: name.clone(),
                service_principal_id: row.service_principal_id.clone().unwrap_or_default(),
                job_id: row.job_id.clone().unwrap_or_default(),
            };
            let result = self.run_stream(&client, &ids, stream).await;
            match result {
                Ok(()) => self.record_success(&row, stream).await,
                Err(e) => self.record_failure(&row, stream, e).await,
            }
        }
        row
    }

    async fn run_stream(
        &mut self,
        client: &GraphClient,
        ids: &WatchIds,
        stream: Stream,
    ) -> Result<(), GraphError> {
        let store = &self.engine.store;
        match stream {
            Stream::GraphJob => {
                let p = poll_job(client, store, ids, now_ms()).await?;
                if let Some(cs) = self.conns.get_mut(&ids.uuid) {
                    cs.condition = job_condition(
                        p.status_code.as_deref(),
                        p.quarantine_reason.is_some(),
                        p.last_execution_state.as_deref(),
                        false,
                    );
                }
                if p.changed
                    && (p.previous_status_code != p.status_code || p.quarantine_reason.is_some())
                {
                    self.emit(Event::JobStatusChanged {
                        connection: ids.uuid.clone(),
                        previous: p.previous_status_code.clone(),
                        status_code: p.status_code.clone(),
                        quarantine_reason: p.quarantine_reason.clone(),
                    });
                }
                if let Some(ended_ms) = p.cycle_completed {
                    self.emit(Event::CycleCompleted {
                        connection: ids.uuid.clone(),
                        ended_ms,
                    });
                }
            }
            Stream::GraphConfig => {
                // A refused schema read does not stop the assignments.
                let (changes, denied) = poll_config_each(client, store, ids, now_ms()).await?;
                for (kind, summary) in changes {
                    self.emit(Event::ConfigChanged {
                        connection: ids.uuid.clone(),
                        kind,
                        summary,
                    });
                }
                if let Some(e) = denied {
                    return Err(e);
                }
            }
            Stream::GraphLogs => match ingest_logs(client, store, ids, &self.cfg.logs).await {
                Ok(out) => {
                    if let Some(cs) = self.conns.get_mut(&ids.uuid) {
                        cs.logs_unavailable = false;
                    }
                    if out.new_events > 0 {
                        self.emit(Event::LogsIngested {
                            connection: ids.uuid.clone(),
                            new_events: out.new_events,
                            cycles: out.cycles_touched,
                        });
                    }
                }
                Err(GraphError::LogsUnlicensed) => {
                    let e = GraphError::LogsUnlicensed;
                    let wm = jobs::get_poll_state(store.pool(), ids.connection_id, LOGS_STREAM)
                        .await?
                        .and_then(|s| s.watermark_ms);
                    jobs::set_poll_state(
                        store.pool(),
                        ids.connection_id,
                        LOGS_STREAM,
                        wm,
                        Some(LOGS_UNLICENSED),
                        now_ms(),
                    )
                    .await?;
                    let first = self
                        .conns
                        .get_mut(&ids.uuid)
                        .map(|cs| !std::mem::replace(&mut cs.logs_unavailable, true))
                        .unwrap_or(true);
                    if first {
                        self.emit(Event::LogsUnavailable {
                            connection: ids.uuid.clone(),
                            reason: e.to_string(),
                        });
                    }
                }
                Err(e) => return Err(e),
            },
        }
        Ok(())
    }
}
