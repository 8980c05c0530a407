//! The headless service (`scimwatch-cli serve`): the monitor of every
//! connection plus a read-only HTTP endpoint for Prometheus and scripts.
//!
//! - `metrics.rs`: the exposition text, pure, from a [`metrics::MetricsSnapshot`];
//! - this file: the snapshot and `/api/v1/status` collected from the store
//!   and the in-process Graph request counters ([`GraphCounters`], fed by
//!   the Graph client's request observer);
//! - `http.rs`: the routes (GET only), readiness, the bearer check;
//! - `auth.rs`: `--listen` parsing, loopback, the constant-time token check.

pub mod auth;
pub mod http;
pub mod metrics;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use scimwatch_core::health::{self, CycleTiming, JobStatusCode, Reachability};
use serde::Serialize;

use crate::engine::Engine;
use crate::error::EngineError;
use crate::graph::client::{RequestObserver, RequestRecord};
use crate::graph::observe::{self, StatusReport, StoredReads};
use crate::store::connections::{self as rows, ConnectionRow};
use crate::store::{incidents, scim_checks};
use metrics::{ConnectionMetrics, EntraMetrics, MetricsSnapshot, ScimMetrics};

/// Graph requests made by this process, per connection uuid, endpoint
/// family and status code. Fed by [`GraphCounters::observer`].
#[derive(Debug, Default)]
pub struct GraphCounters {
    counts: Mutex<BTreeMap<(String, &'static str, String), u64>>,
}

impl GraphCounters {
    /// Count one request.
    pub fn record(&self, r: &RequestRecord) {
        let code = r
            .status
            .map_or_else(|| "error".to_string(), |s| s.to_string());
        let key = (
            r.connection.clone(),
            metrics::endpoint_family(&r.path),
            code,
        );
        let mut m = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        *m.entry(key).or_default() += 1;
    }

    /// The observer to put in the poller's Graph client options.
    pub fn observer(self: &Arc<Self>) -> RequestObserver {
        let me = Arc::clone(self);
        Arc::new(move |r: &RequestRecord| me.record(r))
    }

    fn by_name(&self, names: &BTreeMap<String, String>) -> BTreeMap<(String, String, String), u64> {
        let m = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = BTreeMap::new();
        for ((uuid, endpoint, code), n) in m.iter() {
            // A connection removed since: its requests are no longer shown.
            if let Some(name) = names.get(uuid) {
                *out.entry((name.clone(), (*endpoint).to_string(), code.clone()))
                    .or_default() += n;
            }
        }
        out
    }
}

/// What the HTTP handlers share.
#[derive(Clone)]
pub struct ServeState {
    pub engine: Engine,
    pub counters: Arc<GraphCounters>,
    /// Set once the monitor loop runs.
    pub monitor_started: Arc<AtomicBool>,
    /// `Some`: every route but `/healthz` needs `Authorization: Bearer …`.
    pub token: Option<auth::BearerToken>,
}

impl std::fmt::Debug for ServeState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeState")
            .field("monitor_started", &self.monitor_started)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

impl ServeState {
    pub fn new(engine: Engine, token: Option<auth::BearerToken>) -> Self {
        Self {
            engine,
            counters: Arc::default(),
            monitor_started: Arc::default(),
            token,
        }
    }

    /// The store answers and the monitor loop was started.
    pub async fn ready(&self) -> Result<(), String> {
        if !self.monitor_started.load(Ordering::SeqCst) {
            return Err("the monitor has not started".into());
        }
        sqlx::query("SELECT 1")
            .execute(self.engine.store.pool())
            .await
            .map(|_| ())
            .map_err(|_| "the database does not answer".to_string())
    }
}

/// The events of a connection by (status, action), summed over its cycle
/// rollups: these are kept when old events go at the retention cut-off, so
/// the total only grows.
async fn event_counts(
    engine: &Engine,
    connection_id: i64,
) -> Result<BTreeMap<(String, String), u64>, EngineError> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT s.key, a.key, sum(s.value) FROM cycle_rollups r, json_each(r.counts_json) a, \
         json_each(a.value) s WHERE r.connection_id = ? GROUP BY s.key, a.key",
    )
    .bind(connection_id)
    .fetch_all(engine.store.pool())
    .await?;
    let mut out = BTreeMap::new();
    for (status, action, n) in rows {
        *out.entry((
            metrics::bounded_label(&status),
            metrics::bounded_label(&action),
        ))
        .or_default() += u64::try_from(n).unwrap_or(0);
    }
    Ok(out)
}

async fn entra_metrics(
    engine: &Engine,
    row: &ConnectionRow,
    reads: &StoredReads,
    thresholds: &health::Thresholds,
    now: DateTime<Utc>,
) -> Result<EntraMetrics, EngineError> {
    let obs = observe::observations_from(&engine.store, row, reads).await?;
    let graph_up = match &obs.graph_reachability {
        Reachability::Ok => Some(obs.graph_denied.iter().all(|d| !d.job)),
        Reachability::Blind { .. } => Some(false),
        Reachability::Unknown => None,
    };
    let job = obs.job.as_ref();
    let stalled = match health::cycle_timing(&obs, thresholds, now) {
        CycleTiming::Steady { stalled, .. } => Some(stalled),
        CycleTiming::Initial { overdue, .. } => Some(overdue),
        CycleTiming::NotActive { .. } | CycleTiming::NoSchedule => Some(false),
        CycleTiming::Unknown { .. } | CycleTiming::Blind { .. } => None,
    };
    Ok(EntraMetrics {
        app: row.app_display_name.clone(),
        graph_up,
        quarantined: job.map(|j| j.status_code == JobStatusCode::Quarantine),
        stalled,
        last_cycle_end_ms: job
            .and_then(|j| j.last_execution.as_ref())
            .and_then(|e| e.ended)
            .map(|t| t.timestamp_millis()),
        events: event_counts(engine, row.id).await?,
    })
}

async fn scim_metrics(
    engine: &Engine,
    row: &ConnectionRow,
    now: DateTime<Utc>,
) -> Result<ScimMetrics, EngineError> {
    let last = scim_checks::latest(engine.store.pool(), row.id).await?;
    let token_expiry_ms = match crate::scim::token_status(engine, &row.uuid, now).await {
        Ok(ts) => ts.expires_at.map(|t| t.timestamp_millis()),
        Err(e) => {
            tracing::debug!(error = %e, "token status unavailable");
            None
        }
    };
    Ok(ScimMetrics {
        up: last.as_ref().map(|c| c.ok),
        last_check_ms: last.as_ref().map(|c| c.checked_at.timestamp_millis()),
        token_expiry_ms,
    })
}

/// Open incidents one connection shows (newest first).
const OPEN_INCIDENTS_SHOWN: usize = 500;

async fn open_incidents(
    engine: &Engine,
    row: &ConnectionRow,
) -> Result<Vec<incidents::IncidentView>, EngineError> {
    incidents::list(engine.store.pool(), Some(&row.uuid), true, 500).await
}

/// Everything `/metrics` shows, now.
pub async fn collect(
    state: &ServeState,
    now: DateTime<Utc>,
) -> Result<MetricsSnapshot, EngineError> {
    let engine = &state.engine;
    let settings = crate::settings::load(&engine.store)
        .await
        .unwrap_or_default();
    let thresholds = crate::diagnose::DiagnosisConfig::from(&settings).thresholds;
    let list = rows::list(engine.store.pool()).await?;
    let mut reads = StoredReads::all(engine.store.pool()).await?;
    let mut connections = Vec::with_capacity(list.len());
    // A retired app of an all-apps tenant is history, not a live series.
    for row in list.iter().filter(|r| r.retired_ms.is_none()) {
        let entra = match row.tenant_id {
            Some(_) => {
                let r = reads.remove(&row.id).unwrap_or_default();
                Some(entra_metrics(engine, row, &r, &thresholds, now).await?)
            }
            None => None,
        };
        let scim = match row.scim_url {
            Some(_) => Some(scim_metrics(engine, row, now).await?),
            None => None,
        };
        let mut incidents_open: BTreeMap<String, u64> = BTreeMap::new();
        for v in open_incidents(engine, row).await? {
            *incidents_open
                .entry(v.incident.severity.as_str().to_string())
                .or_default() += 1;
        }
        connections.push(ConnectionMetrics {
            name: row.name.clone(),
            entra,
            scim,
            incidents_open,
        });
    }
    let names = list
        .iter()
        .map(|r| (r.uuid.clone(), r.name.clone()))
        .collect();
    Ok(MetricsSnapshot {
        version: env!("CARGO_PKG_VERSION").to_string(),
        connections,
        graph_requests: state.counters.by_name(&names),
    })
}

/// `/api/v1/status`: every connection's job state, last cycle and open incidents.
#[derive(Debug, Clone, Serialize)]
pub struct StatusV1 {
    pub version: String,
    pub generated_at: DateTime<Utc>,
    pub connections: Vec<ConnectionStatus>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConnectionStatus {
    pub id: String,
    pub name: String,
    /// The Entra side (job state, last cycle, streams), when watched.
    pub entra: Option<StatusReport>,
    /// The SCIM side, when watched.
    pub scim: Option<ScimStatus>,
    pub incidents: Vec<incidents::IncidentView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScimStatus {
    pub url: String,
    /// `None`: never tested.
    pub last_check: Option<ScimCheckStatus>,
    pub token_expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScimCheckStatus {
    pub ok: bool,
    pub verdict: crate::scim::Verdict,
    pub message: String,
    pub http_status: Option<u16>,
    pub checked_at: DateTime<Utc>,
}

/// The status of every connection, now. What the store holds is read one
/// query per table for all connections ([`StoredReads::all`], open
/// incidents at once), not per connection: a 1,000-app fleet's status is
/// a few queries, not ~20,000.
pub async fn status(engine: &Engine, now: DateTime<Utc>) -> Result<StatusV1, EngineError> {
    let pool = engine.store.pool();
    let list = rows::list(pool).await?;
    let mut reads = StoredReads::all(pool).await?;
    let mut open: BTreeMap<String, Vec<incidents::IncidentView>> = BTreeMap::new();
    for v in incidents::list(pool, None, true, i64::MAX).await? {
        let mine = open.entry(v.connection_id.clone()).or_default();
        // As many as one connection's own list shows.
        if mine.len() < OPEN_INCIDENTS_SHOWN {
            mine.push(v);
        }
    }
    let mut connections = Vec::with_capacity(list.len());
    for row in list {
        let entra = match row.tenant_id {
            Some(_) => {
                let r = reads.remove(&row.id).unwrap_or_default();
                Some(observe::status_report_from(&engine.store, &row, &r, now).await?)
            }
            None => None,
        };
        let scim = match &row.scim_url {
            Some(url) => {
                let m = scim_metrics(engine, &row, now).await?;
                let last = scim_checks::latest(pool, row.id).await?;
                Some(ScimStatus {
                    url: url.clone(),
                    last_check: last.map(|c| ScimCheckStatus {
                        ok: c.ok,
                        verdict: c.verdict,
                        message: c.message,
                        http_status: c.http_status,
                        checked_at: c.checked_at,
                    }),
                    token_expires_at: m
                        .token_expiry_ms
                        .and_then(DateTime::<Utc>::from_timestamp_millis),
                })
            }
            None => None,
        };
        connections.push(ConnectionStatus {
            incidents: open.remove(&row.uuid).unwrap_or_default(),
            id: row.uuid,
            name: row.name,
            entra,
            scim,
        });
    }
    Ok(StatusV1 {
        version: env!("CARGO_PKG_VERSION").to_string(),
        generated_at: now,
        connections,
    })
}
