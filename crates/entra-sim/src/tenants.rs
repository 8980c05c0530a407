//! Many tenants in one process ([`crate::SimConfig::tenants`]): what a
//! fleet benchmark watches (issue 21, item 4).
//!
//! As with Microsoft, one sign-in service and one Graph serve every tenant:
//! - the token endpoint's path names the tenant
//!   (`/{tenant id or domain}/oauth2/v2.0/token`); an unknown one answers
//!   AADSTS90002 (400) as before;
//! - the access token carries the tenant (`tid`), and every Graph request
//!   (`/v1.0/…`) is answered from that tenant: its service principals,
//!   jobs and tenant-wide provisioning log. A token of one tenant is not
//!   valid in another (each tenant signs its own);
//! - the device-code page is shared, as Microsoft's is: the user code names
//!   the tenant, so `/devicelogin?user_code=…` (and its approve step, also
//!   `POST /_sim/devicecode/{user_code}/…`) goes to the tenant that issued
//!   the code (issue 21);
//! - what has no tenant in its request (a Graph request without a token,
//!   `/devicelogin` without a code, an unknown code, `/_sim/…`) goes to the
//!   first tenant, so one tenant behaves exactly as before.
//!
//! Each other tenant's own pages — its built-in SCIM target and its control
//! endpoints — live under `/tenants/{tenant id}/` (`/tenants/{id}/_sim/faults`
//! injects a fault in that tenant). `GET /_sim/tenants` lists every tenant
//! (the `--demo` line of each), `GET /_sim/graph-requests` counts the Graph
//! requests served per tenant and endpoint.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use base64::Engine as _;
use serde::Serialize;
use tower_service::Service as _;

use crate::config::{DemoInfo, SimError};
use crate::fault::Fault;
use crate::provision::CycleReport;
use crate::sim::SimHandle;
use crate::state::SimState;

/// Routes each request to its tenant's router.
#[derive(Debug)]
pub(crate) struct Dispatch {
    routers: Vec<Router>,
    states: Vec<Arc<SimState>>,
    /// Lower-case tenant id and domain → tenant index.
    names: HashMap<String, usize>,
    latency: std::time::Duration,
    /// Graph requests per (tenant index, endpoint).
    counts: Mutex<HashMap<(usize, String), u64>>,
}

impl Dispatch {
    pub(crate) fn new(states: &[Arc<SimState>], latency: std::time::Duration) -> Arc<Self> {
        let mut names = HashMap::new();
        for (i, s) in states.iter().enumerate() {
            let inner = s.lock();
            names.insert(inner.tenant.tenant_id.to_string().to_ascii_lowercase(), i);
            names.insert(inner.tenant.domain.to_ascii_lowercase(), i);
        }
        Arc::new(Self {
            routers: states
                .iter()
                .map(|s| crate::server::router(s.clone()))
                .collect(),
            states: states.to_vec(),
            names,
            latency,
            counts: Mutex::new(HashMap::new()),
        })
    }

    fn by_name(&self, name: &str) -> Option<usize> {
        self.names.get(&name.to_ascii_lowercase()).copied()
    }

    /// The tenant a bearer token names (`tid`), unverified: the tenant's
    /// own router checks its signature.
    fn by_token(&self, req: &Request) -> Option<usize> {
        let raw = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
        let token = raw
            .strip_prefix("Bearer ")
            .or_else(|| raw.strip_prefix("bearer "))?;
        let payload = token.trim().split('.').nth(1)?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .ok()?;
        let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
        self.by_name(claims.get("tid")?.as_str()?)
    }

    /// The tenant that issued the device code of `user_code`.
    fn by_user_code(&self, user_code: &str) -> Option<usize> {
        self.states.iter().position(|s| {
            s.auth
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .issued_user_code(user_code)
        })
    }

    fn count(&self, tenant: usize, path: &str) {
        let mut c = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        *c.entry((tenant, endpoint(path))).or_default() += 1;
    }

    /// Graph requests served so far per tenant and endpoint.
    pub(crate) fn graph_counts(&self) -> Vec<EndpointCount> {
        let c = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let mut v: Vec<EndpointCount> = c
            .iter()
            .map(|((t, e), n)| EndpointCount {
                tenant: *t,
                endpoint: e.clone(),
                requests: *n,
            })
            .collect();
        v.sort_by(|a, b| (a.tenant, &a.endpoint).cmp(&(b.tenant, &b.endpoint)));
        v
    }
}

/// Graph requests of one tenant to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndpointCount {
    /// The tenant's index (0: the first tenant).
    pub tenant: usize,
    /// The endpoint with its ids replaced: `/v1.0/servicePrincipals/{id}/synchronization/jobs/{jobId}`.
    pub endpoint: String,
    /// Requests served (throttled and refused ones included).
    pub requests: u64,
}

/// A Graph path with ids replaced by placeholders and the query dropped.
pub fn endpoint(path: &str) -> String {
    let path = path.split('?').next().unwrap_or_default();
    let mut out = Vec::new();
    let mut prev = "";
    for seg in path.split('/') {
        let s = if uuid::Uuid::parse_str(seg).is_ok() {
            "{id}"
        } else if prev == "jobs" && !seg.is_empty() {
            "{jobId}"
        } else {
            seg
        };
        out.push(s);
        prev = seg;
    }
    out.join("/")
}

/// The one router: every request goes to its tenant's.
pub(crate) fn router(dispatch: Arc<Dispatch>) -> Router {
    Router::new().fallback(route).with_state(dispatch)
}

fn not_found(what: String) -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::json!({"error": what}).to_string(),
    )
        .into_response()
}

async fn route(State(d): State<Arc<Dispatch>>, mut req: Request) -> Response {
    let path = req.uri().path().to_string();
    let mut segs = path.trim_start_matches('/').splitn(3, '/');
    let first = segs.next().unwrap_or_default();
    let second = segs.next().unwrap_or_default();
    let tenant = match (first, second) {
        ("tenants", t) => {
            let Some(k) = d.by_name(t) else {
                return not_found(format!("no simulated tenant {t}"));
            };
            let rest = segs.next().unwrap_or_default();
            let query = req
                .uri()
                .query()
                .map(|q| format!("?{q}"))
                .unwrap_or_default();
            match format!("/{rest}{query}").parse::<Uri>() {
                Ok(u) => *req.uri_mut() = u,
                Err(e) => return not_found(e.to_string()),
            }
            k
        }
        ("_sim", "tenants") if req.method() == axum::http::Method::GET => {
            let infos: Vec<DemoInfo> = d.states.iter().map(|s| s.info()).collect();
            return axum::Json(infos).into_response();
        }
        ("_sim", "graph-requests") if req.method() == axum::http::Method::GET => {
            return axum::Json(d.graph_counts()).into_response();
        }
        // `/_sim/devicecode/{user_code}/{decision}`: the code's tenant.
        ("_sim", "devicecode") => {
            let code = segs.next().unwrap_or_default().split('/').next();
            code.and_then(|c| d.by_user_code(c)).unwrap_or(0)
        }
        // The shared device-code page: the code's tenant.
        ("devicelogin", _) => {
            let query = req.uri().query().unwrap_or_default();
            url::form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "user_code")
                .and_then(|(_, c)| d.by_user_code(&c))
                .unwrap_or(0)
        }
        ("v1.0", _) => {
            let k = d.by_token(&req).unwrap_or(0);
            d.count(k, &path);
            if !d.latency.is_zero() {
                tokio::time::sleep(d.latency).await;
            }
            k
        }
        (t, "oauth2" | "adminconsent") => d.by_name(t).unwrap_or(0),
        _ => 0,
    };
    let Some(r) = d.routers.get(tenant) else {
        return not_found(format!("no simulated tenant {tenant}"));
    };
    match r.clone().call(req).await {
        Ok(resp) => resp,
        Err(never) => match never {},
    }
}

/// One tenant of a [`SimHandle`] ([`SimHandle::tenant`]).
#[derive(Debug, Clone)]
pub struct TenantHandle {
    state: Arc<SimState>,
}

impl TenantHandle {
    /// 0 for the first tenant.
    pub fn index(&self) -> usize {
        self.state.tenant_index
    }

    /// What a client needs to reach this tenant.
    pub fn info(&self) -> DemoInfo {
        self.state.info()
    }

    /// Inject a fault in this tenant (its main app's job).
    pub fn inject(&self, fault: Fault) -> Result<(), SimError> {
        self.state.inject(fault)
    }

    /// Clear this tenant's faults.
    pub fn clear_faults(&self) {
        self.state.clear_faults();
    }

    /// Run one provisioning cycle of this tenant now (its main app, then its
    /// extra apps).
    pub async fn run_cycle(&self) -> CycleReport {
        let r = crate::provision::run_cycle(&self.state, true).await;
        self.state.run_app_cycles();
        r
    }

    /// This tenant's main job as Graph renders it.
    pub fn job_json(&self) -> serde_json::Value {
        let inner = self.state.lock();
        inner.job.to_json(SimState::job_view(&inner))
    }

    /// Read this tenant.
    pub fn with_tenant<R>(&self, f: impl FnOnce(&crate::Tenant) -> R) -> R {
        f(&self.state.lock().tenant)
    }

    /// Change this tenant (see [`SimHandle::modify_tenant`]).
    pub fn modify_tenant<R>(
        &self,
        f: impl FnOnce(&mut crate::Tenant, chrono::DateTime<chrono::Utc>) -> R,
    ) -> R {
        let now = self.state.clock.now();
        f(&mut self.state.lock().tenant, now)
    }

    /// Number of stored provisioning events of this tenant.
    pub fn event_count(&self) -> usize {
        self.state.lock().logs.len()
    }
}

impl SimHandle {
    /// Number of tenants ([`crate::SimConfig::tenants`]).
    pub fn tenant_count(&self) -> usize {
        self.states.len()
    }

    /// Tenant `index` (0: the first, the one the other methods act on).
    pub fn tenant(&self, index: usize) -> Option<TenantHandle> {
        self.states
            .get(index)
            .map(|s| TenantHandle { state: s.clone() })
    }

    /// Graph requests served so far per tenant and endpoint (ids replaced
    /// by `{id}` / `{jobId}`), sorted.
    pub fn graph_requests_by_endpoint(&self) -> Vec<EndpointCount> {
        self.dispatch.graph_counts()
    }

    /// Graph requests per endpoint summed over every tenant.
    pub fn graph_requests_totals(&self) -> BTreeMap<String, u64> {
        let mut m = BTreeMap::new();
        for c in self.graph_requests_by_endpoint() {
            *m.entry(c.endpoint).or_default() += c.requests;
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::endpoint;

    #[test]
    fn endpoints_lose_their_ids() {
        assert_eq!(
            endpoint("/v1.0/servicePrincipals/6a1f8c52-4f8e-4b8a-9c1d-1f2e3d4c5b6a/synchronization/jobs/scim.0a1b?x=1"),
            "/v1.0/servicePrincipals/{id}/synchronization/jobs/{jobId}"
        );
        assert_eq!(
            endpoint(
                "/v1.0/servicePrincipals/6a1f8c52-4f8e-4b8a-9c1d-1f2e3d4c5b6a/synchronization/jobs"
            ),
            "/v1.0/servicePrincipals/{id}/synchronization/jobs"
        );
        assert_eq!(
            endpoint("/v1.0/auditLogs/provisioning?$top=100"),
            "/v1.0/auditLogs/provisioning"
        );
    }
}
