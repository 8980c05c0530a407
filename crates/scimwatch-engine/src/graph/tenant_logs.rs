//! The one provisioning-log stream of an all-apps tenant (issue 21, item 1).
//!
//! `auditLogs/provisioning` is tenant-wide and every event names its
//! service principal (`servicePrincipal.id`), so a tenant's apps share one
//! stream: it is read without a `servicePrincipal/id` filter from the
//! tenant's watermark (`poll_state` stream `logs` of the *tenant's* row,
//! less the overlap), and each event is stored under the app connection it
//! names (core's `fleet::route_event`; the `jobId` for events of the 2019
//! beta shape, which name no service principal). One request per page for
//! the whole tenant, never one stream per app. The app connections' own
//! `logs` rows follow the tenant's watermark, so every screen reads an
//! app's logs as it reads a one-app connection's.
//!
//! An event naming no watched app (an app that appeared since the last
//! discovery) is not stored; it is counted (`unrouted`) and brings the
//! tenant's discovery forward (within 10 minutes, inside the 15-minute
//! overlap: the next read stores it under the new app). Once discovery
//! adds an app after this stream was read, the app reads its own events
//! once (`servicePrincipal/id` filter, everything retained: the poller's
//! `tenant.rs`, core `fleet::new_app_reads_own_logs`), so its events from
//! before it was watched are stored too.

use std::collections::{BTreeSet, HashSet};

use chrono::Utc;
use scimwatch_core::fleet::{event_service_principal_id, route_event, RouteKey};
use scimwatch_core::graph::{parse_event_page_tolerant, EventWithRaw};

use super::client::{Family, GraphClient};
use super::error::GraphError;
use super::http;
use super::logs::{graph_time, LogIngestConfig, LOGS_STREAM};
use crate::store::{events, jobs, Store};

/// One app connection the tenant's stream routes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRoute {
    pub connection_id: i64,
    pub uuid: String,
    pub key: RouteKey,
}

/// What one read of the tenant's stream stored, per app.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppIngest {
    pub new_events: u64,
    pub cycles_touched: BTreeSet<String>,
}

/// What one read of the tenant's stream did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TenantIngest {
    /// Pages (= Graph requests) read.
    pub pages: u32,
    pub fetched: u64,
    /// Per app, in the order of the routes given.
    pub apps: Vec<AppIngest>,
    /// Events naming no watched app (not stored).
    pub unrouted: u64,
    /// Events Graph sent that could not be read (skipped, logged).
    pub rejected: u64,
    pub watermark_ms: Option<i64>,
    /// Whether the whole result was read.
    pub complete: bool,
}

/// The first URL of a tenant-wide read from `from_ms` (`None`: everything retained).
pub fn tenant_first_url(client: &GraphClient, from_ms: Option<i64>, page_size: u32) -> String {
    let base = client.url("/auditLogs/provisioning");
    let Ok(mut u) = url::Url::parse(&base) else {
        return base;
    };
    {
        let mut q = u.query_pairs_mut();
        if let Some(ms) = from_ms {
            q.append_pair(
                "$filter",
                &format!("activityDateTime ge {}", graph_time(ms)),
            );
        }
        q.append_pair("$orderby", "activityDateTime")
            .append_pair("$top", &page_size.clamp(1, 1000).to_string());
    }
    u.to_string()
}

/// Read the tenant's new provisioning events and store each under its app.
///
/// Each page is one transaction: its events (per app), the rollups of the
/// cycles they touched, the tenant's watermark and the apps' — stopping at
/// any point loses nothing and a restart duplicates nothing (the overlap
/// re-reads, the events' key de-duplicates).
pub async fn ingest_tenant_logs(
    client: &GraphClient,
    store: &Store,
    tenant_connection_id: i64,
    apps: &[AppRoute],
    cfg: &LogIngestConfig,
) -> Result<TenantIngest, GraphError> {
    let pool = store.pool();
    let start = jobs::get_poll_state(pool, tenant_connection_id, LOGS_STREAM)
        .await?
        .and_then(|s| s.watermark_ms);
    let overlap_ms = i64::try_from(cfg.overlap.as_millis()).unwrap_or(i64::MAX);
    let mut url = tenant_first_url(
        client,
        start.map(|w| w.saturating_sub(overlap_ms)),
        cfg.page_size,
    );
    let keys: Vec<RouteKey> = apps.iter().map(|a| a.key.clone()).collect();
    let mut out = TenantIngest {
        apps: vec![AppIngest::default(); apps.len()],
        watermark_ms: start,
        ..TenantIngest::default()
    };
    let mut seen: HashSet<String> = HashSet::new();
    let mut ascending = true;
    let mut prev_max: Option<i64> = None;
    let mut max_seen = start;
    loop {
        let body = client
            .get_bytes(
                &url,
                Family::ProvisioningLogs,
                "the tenant's provisioning logs",
            )
            .await?;
        let page = parse_event_page_tolerant(&body)?;
        out.pages += 1;
        out.fetched += page.events.len() as u64;
        out.rejected += page.rejected.len() as u64;
        for r in &page.rejected {
            tracing::warn!(error = %r, "provisioning event skipped");
        }
        let times = page.events.iter().map(|e| e.0.activity_ms);
        let (page_min, page_max) = (times.clone().min(), times.max());
        if let (Some(prev), Some(min)) = (prev_max, page_min) {
            ascending &= min >= prev;
        }
        prev_max = page_max.or(prev_max);
        let mut groups: Vec<Vec<EventWithRaw>> = apps.iter().map(|_| Vec::new()).collect();
        for ev in page.events {
            let sp = event_service_principal_id(ev.1.get());
            match route_event(sp.as_deref(), ev.0.job_id.as_deref(), &keys) {
                Some(i) => groups[i].push(ev),
                None => out.unrouted += 1,
            }
        }
        let last = page.next_link.is_none();
        max_seen = match (max_seen, page_max) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let mut tx = crate::store::begin_write(pool).await?;
        for (i, evs) in groups.into_iter().enumerate() {
            if evs.is_empty() {
                continue;
            }
            let touched: BTreeSet<String> =
                evs.iter().filter_map(|e| e.0.cycle_id.clone()).collect();
            let prepared = events::Prepared::new(evs)?;
            let n = events::insert_prepared(&mut tx, apps[i].connection_id, &prepared).await?;
            events::recompute_rollups(&mut tx, apps[i].connection_id, &touched).await?;
            out.apps[i].new_events += n;
            out.apps[i].cycles_touched.extend(touched);
        }
        // The watermark only moves while pages come in time order (what
        // `$orderby=activityDateTime` asks for), as for one app's stream.
        if ascending || last {
            let now_ms = Utc::now().timestamp_millis();
            jobs::set_poll_state(
                &mut *tx,
                tenant_connection_id,
                LOGS_STREAM,
                max_seen,
                None,
                now_ms,
            )
            .await?;
            for a in apps {
                jobs::set_poll_state(
                    &mut *tx,
                    a.connection_id,
                    LOGS_STREAM,
                    max_seen,
                    None,
                    now_ms,
                )
                .await?;
            }
            out.watermark_ms = max_seen;
        }
        tx.commit().await?;
        let stop = cfg.max_pages.is_some_and(|m| out.pages >= m);
        match page.next_link {
            None => {
                out.complete = true;
                return Ok(out);
            }
            Some(_) if stop => return Ok(out),
            Some(next) => {
                if !seen.insert(next.clone()) || next == url {
                    return Err(GraphError::NextLinkLoop {
                        path: http::path_of(&next),
                    });
                }
                url = next;
            }
        }
    }
}

/// Record on the tenant and each of its apps that the tenant has no logs
/// to offer (no Entra ID P1/P2), keeping their watermarks.
pub async fn record_unlicensed(
    store: &Store,
    tenant_connection_id: i64,
    apps: &[AppRoute],
    marker: &str,
) -> Result<(), GraphError> {
    let pool = store.pool();
    let now_ms = Utc::now().timestamp_millis();
    let ids = std::iter::once(tenant_connection_id).chain(apps.iter().map(|a| a.connection_id));
    for id in ids {
        let wm = jobs::get_poll_state(pool, id, LOGS_STREAM)
            .await?
            .and_then(|s| s.watermark_ms);
        jobs::set_poll_state(pool, id, LOGS_STREAM, wm, Some(marker), now_ms).await?;
    }
    Ok(())
}
