//! The simulator's top: [`Sim::start`] (bind, serve, the provisioning
//! scheduler) and [`SimHandle`], the Rust API of a running tenant.

use std::net::SocketAddr;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::clock::{Clock, ManualClock, RealClock, ScaledClock};
use crate::fault::Fault;
use crate::logs::RenderCtx;
use crate::provision::CycleReport;
use crate::scim::ScimStore;
use crate::state::{build_state, Inner, SimState};
use crate::tenant::Tenant;

// The paths these had before `config` and `state` (`entra_sim::sim::…`).
pub use crate::config::{
    read_permissions, ClockKind, DemoInfo, RateLimit, RateLimits, ScimTarget, SimConfig, SimError,
};
pub use crate::state::GraphRequest;

/// Starts simulated tenants.
#[derive(Debug)]
pub struct Sim;

impl Sim {
    /// Generate the tenant, bind `127.0.0.1:{port}`, serve Graph, sign-in, the
    /// SCIM target and `/_sim/`, and start the provisioning scheduler.
    pub async fn start(config: SimConfig) -> Result<SimHandle, SimError> {
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], config.port)))
                .await
                .map_err(|source| SimError::Bind {
                    port: config.port,
                    source,
                })?;
        let addr = listener.local_addr().map_err(|source| SimError::Bind {
            port: config.port,
            source,
        })?;
        let base_url = format!("http://127.0.0.1:{}", addr.port());
        let (clock, manual): (Arc<dyn Clock>, bool) = match &config.clock {
            ClockKind::Real => (Arc::new(RealClock), false),
            ClockKind::Scaled(s) => (Arc::new(ScaledClock::new(*s)), false),
            ClockKind::Manual(start) => (
                Arc::new(
                    start
                        .map(ManualClock::new)
                        .unwrap_or_else(ManualClock::fixed),
                ),
                true,
            ),
        };
        let http = reqwest::Client::builder()
            .timeout(config.scim_timeout)
            .connect_timeout(std::time::Duration::from_secs(5))
            .build()
            .unwrap_or_default();
        let states: Vec<Arc<SimState>> = (0..config.tenants.max(1))
            .map(|k| build_state(&config, k, &clock, manual, &base_url, &http))
            .collect();
        let state = states[0].clone();
        let shutdown = Arc::new(Notify::new());
        let dispatch = crate::tenants::Dispatch::new(&states, config.graph_latency);
        let app = crate::tenants::router(dispatch.clone());
        let sd = shutdown.clone();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move { sd.notified().await })
                .await;
        });
        let scheduler = if manual {
            None
        } else {
            let all = states.clone();
            let sd = shutdown.clone();
            Some(tokio::spawn(async move {
                loop {
                    tokio::select! {
                        _ = sd.notified() => break,
                        _ = tokio::time::sleep(std::time::Duration::from_millis(200)) => {}
                    }
                    for st in &all {
                        let due = st.next_due();
                        if due.is_some_and(|t| t <= st.clock.now()) {
                            crate::provision::run_cycle(st, false).await;
                            st.run_app_cycles();
                        }
                    }
                }
            }))
        };
        Ok(SimHandle {
            state,
            states,
            dispatch,
            shutdown,
            server: Some(server),
            scheduler,
        })
    }
}

/// A running simulated tenant. Dropping it stops serving (best effort); call
/// [`SimHandle::shutdown`] to wait for that.
#[derive(Debug)]
pub struct SimHandle {
    state: Arc<SimState>,
    /// Every tenant, the first (`state`) included.
    pub(crate) states: Vec<Arc<SimState>>,
    pub(crate) dispatch: Arc<crate::tenants::Dispatch>,
    shutdown: Arc<Notify>,
    server: Option<JoinHandle<()>>,
    scheduler: Option<JoinHandle<()>>,
}

impl SimHandle {
    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.state.base_url
    }

    /// What a client needs (the `--demo` JSON line).
    pub fn info(&self) -> DemoInfo {
        self.state.info()
    }

    /// The simulated "now".
    pub fn now(&self) -> DateTime<Utc> {
        self.state.clock.now()
    }

    /// Inject a fault.
    pub fn inject(&self, fault: Fault) -> Result<(), SimError> {
        self.state.inject(fault)
    }

    /// Clear every fault (undoing the directory changes faults made).
    pub fn clear_faults(&self) {
        self.state.clear_faults();
    }

    /// The active faults.
    pub fn faults(&self) -> Vec<Fault> {
        self.state.active_faults()
    }

    /// Run one provisioning cycle now (as if it fell due), whatever the schedule.
    pub async fn run_cycle(&self) -> CycleReport {
        let r = crate::provision::run_cycle(&self.state, true).await;
        self.state.run_app_cycles();
        r
    }

    /// The extra provisioning apps (`SimConfig::extra_apps`), deleted ones too.
    pub fn extra_apps(&self) -> Vec<crate::apps::ExtraAppInfo> {
        let inner = self.state.lock();
        inner
            .tenant
            .extra_apps
            .iter()
            .enumerate()
            .map(|(i, a)| crate::apps::ExtraAppInfo {
                number: i + 1,
                service_principal_id: a.sp.id.to_string(),
                display_name: a.sp.display_name.clone(),
                job_id: a.job.id.clone(),
            })
            .collect()
    }

    fn with_extra_app(
        &self,
        number: usize,
        f: impl FnOnce(&mut Tenant, usize),
    ) -> Result<(), SimError> {
        let mut inner = self.state.lock();
        let n = inner.tenant.extra_apps.len();
        if number == 0 || number > n {
            return Err(SimError::Invalid(format!(
                "no extra app {number}: the tenant has {n} (numbered from 1)"
            )));
        }
        f(&mut inner.tenant, number - 1);
        Ok(())
    }

    /// Delete extra app `number` (1-based) while it is watched: it leaves
    /// `servicePrincipals`, its reads answer 404, its cycles stop; its past
    /// events stay in the provisioning logs.
    pub fn delete_app(&self, number: usize) -> Result<(), SimError> {
        self.with_extra_app(number, |t, i| {
            let id = t.extra_apps[i].sp.id;
            t.extra_apps[i].deleted = true;
            t.service_principals.retain(|s| s.id != id);
        })
    }

    /// Whether extra app `number`'s `synchronization/*` reads answer 401
    /// `UnknownError` with an empty message (the admin may not read this
    /// app's provisioning; the tenant's other apps still answer).
    pub fn deny_app_jobs(&self, number: usize, denied: bool) -> Result<(), SimError> {
        self.with_extra_app(number, |t, i| t.extra_apps[i].jobs_denied = denied)
    }

    /// Run one cycle of every extra app now (the main app's cycles run them too).
    pub fn run_app_cycles(&self) {
        self.state.run_app_cycles();
    }

    /// Move a manual clock forward by `by`, running every cycle and quarantine
    /// retry that falls due on the way, in order.
    pub async fn advance(&self, by: std::time::Duration) -> Result<Vec<CycleReport>, SimError> {
        if !self.state.manual {
            return Err(SimError::NotManualClock);
        }
        let by = Duration::from_std(by).map_err(|e| SimError::Invalid(e.to_string()))?;
        let target = self.state.clock.now() + by;
        let mut reports = Vec::new();
        loop {
            // The earliest due cycle of any tenant (the first tenant's
            // first when several fall due at once).
            let next = self
                .states
                .iter()
                .enumerate()
                .filter_map(|(i, s)| s.next_due().map(|t| (t, i)))
                .min();
            match next {
                Some((t, i)) if t <= target => {
                    let st = &self.states[i];
                    st.clock.set(t);
                    let r = crate::provision::run_cycle(st, false).await;
                    st.run_app_cycles();
                    let ran = r.ran;
                    reports.push(r);
                    if !ran || st.next_due().is_some_and(|n| n <= t) {
                        break;
                    }
                }
                _ => break,
            }
        }
        self.state.clock.set(target);
        Ok(reports)
    }

    /// Generate `n` synthetic historical provisioning events (deterministic),
    /// spread over the 28 days before the oldest stored event.
    pub fn seed_events(&self, n: usize) {
        let now = self.state.clock.now();
        let mut inner = self.state.lock();
        let Inner { logs, tenant, .. } = &mut *inner;
        logs.seed(n, now, tenant, self.state.config.seed);
    }

    /// Write the JSON of every stored provisioning event once and serve
    /// pages from that text from now on (as Graph serves stored logs), so a
    /// benchmark's client does not share the machine with the sim's
    /// rendering. Seeding more events afterwards drops the text.
    pub fn store_events_json(&self) -> Result<usize, serde_json::Error> {
        let mut inner = self.state.lock();
        let Inner { logs, tenant, .. } = &mut *inner;
        logs.store_json(&RenderCtx { tenant })
    }

    /// Every authenticated Graph request served so far (throttled ones
    /// included), in arrival order, timed with tokio's clock (so a paused
    /// test clock applies).
    pub fn graph_requests(&self) -> Vec<GraphRequest> {
        self.state
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Number of stored provisioning events.
    pub fn event_count(&self) -> usize {
        self.state.lock().logs.len()
    }

    /// Read the tenant.
    pub fn with_tenant<R>(&self, f: impl FnOnce(&Tenant) -> R) -> R {
        f(&self.state.lock().tenant)
    }

    /// Change the tenant (add users, rename, assign…). Bump `version` of what you
    /// change (see [`Tenant::update_user`]) so the next incremental cycle sees it.
    pub fn modify_tenant<R>(&self, f: impl FnOnce(&mut Tenant, DateTime<Utc>) -> R) -> R {
        let now = self.state.clock.now();
        f(&mut self.state.lock().tenant, now)
    }

    /// The job as Graph renders it (`GET .../jobs/{id}`).
    pub fn job_json(&self) -> serde_json::Value {
        let inner = self.state.lock();
        inner.job.to_json(SimState::job_view(&inner))
    }

    /// Users and groups in the built-in SCIM target (as SCIM JSON).
    pub fn scim_contents(&self) -> (Vec<serde_json::Value>, Vec<serde_json::Value>) {
        let s = self.state.scim.read().unwrap_or_else(|e| e.into_inner());
        (s.users().to_vec(), s.groups().to_vec())
    }

    /// Change the built-in SCIM target's data directly: `f` gets the store,
    /// the simulated now and the target's base URL (seeding benchmarks).
    pub fn modify_scim<R>(&self, f: impl FnOnce(&mut ScimStore, DateTime<Utc>, &str) -> R) -> R {
        let base = format!("{}/scim/v2", self.state.tenant_url);
        let mut s = self.state.scim.write().unwrap_or_else(|e| e.into_inner());
        f(&mut s, self.state.clock.now(), &base)
    }

    /// Approve a pending device-code sign-in by its `user_code`, in the
    /// tenant that issued it.
    pub fn approve_device_code(&self, user_code: &str) -> bool {
        let now = self.state.clock.now();
        self.states.iter().any(|s| {
            s.auth
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .decide_device_code(user_code, true, now)
        })
    }

    /// Stop serving and wait for the server and scheduler to finish.
    pub async fn shutdown(mut self) {
        self.shutdown.notify_waiters();
        if let Some(s) = self.scheduler.take() {
            s.abort();
            let _ = s.await;
        }
        if let Some(s) = self.server.take() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), s).await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.shutdown.notify_waiters();
        if let Some(s) = self.scheduler.take() {
            s.abort();
        }
        if let Some(s) = self.server.take() {
            s.abort();
        }
    }
}
