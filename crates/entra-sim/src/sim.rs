//! The simulator: configuration, shared state, the server and the handle.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::auth::AuthStore;
use crate::clock::{Clock, ManualClock, RealClock, ScaledClock};
use crate::fault::{Fault, GraphFamily};
use crate::job::{Job, JobView, ScheduleState};
use crate::logs::{LogStore, RenderCtx};
use crate::provision::{CycleReport, ProvState};
use crate::scim::{ScimStore, TargetBehaviour};
use crate::tenant::{generate_tenant, AppRoleAssignment, Principal, Tenant};

/// Errors of the simulator's Rust API.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// Binding or serving the loopback port failed.
    #[error("cannot serve on 127.0.0.1:{port}: {source}")]
    Bind {
        /// The requested port.
        port: u16,
        /// The cause.
        source: std::io::Error,
    },
    /// A fault could not be applied.
    #[error("cannot inject fault: {0}")]
    Fault(String),
    /// The operation needs a manual clock.
    #[error("this operation needs a manual clock (SimConfig::clock = ClockKind::Manual)")]
    NotManualClock,
    /// Something about the request was invalid.
    #[error("{0}")]
    Invalid(String),
}

/// Where the provisioning service pushes users and groups.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ScimTarget {
    /// The built-in in-memory SCIM target under `/scim/v2/`.
    #[default]
    BuiltIn,
    /// An external SCIM server (e.g. `scim2-server`).
    External {
        /// The Tenant URL (`BaseAddress`), e.g. `http://127.0.0.1:8080`.
        base_address: String,
        /// The bearer token (`SecretToken`).
        token: String,
    },
}

/// Which clock drives the simulated tenant.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ClockKind {
    /// Wall-clock time.
    #[default]
    Real,
    /// Wall-clock time sped up by a factor (demos).
    Scaled(f64),
    /// A clock that only moves via [`SimHandle::advance`] (tests). `None` starts at
    /// 2025-03-03T09:00:00Z.
    Manual(Option<DateTime<Utc>>),
}

/// A request rate: at most `requests` per `per` (real time).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub requests: u32,
    /// The window.
    pub per: std::time::Duration,
}

/// Graph throttling per endpoint family (`None` = unlimited).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimits {
    /// `auditLogs/provisioning` (Microsoft: 5 requests / 10 s per app per tenant).
    pub provisioning_logs: Option<RateLimit>,
    /// Directory reads (service principals, assignments, members).
    pub directory: Option<RateLimit>,
    /// Synchronization (jobs, schema, secrets, actions).
    pub synchronization: Option<RateLimit>,
}

impl Default for RateLimits {
    fn default() -> Self {
        let ten = std::time::Duration::from_secs(10);
        Self {
            provisioning_logs: Some(RateLimit {
                requests: 5,
                per: ten,
            }),
            directory: Some(RateLimit {
                requests: 1000,
                per: ten,
            }),
            synchronization: Some(RateLimit {
                requests: 300,
                per: ten,
            }),
        }
    }
}

impl RateLimits {
    /// No throttling at all (benchmarks).
    pub fn unlimited() -> Self {
        Self {
            provisioning_logs: None,
            directory: None,
            synchronization: None,
        }
    }
}

/// Everything needed to start a simulated tenant.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Seed for the generated tenant (same seed, same tenant).
    pub seed: u64,
    /// Number of users.
    pub users: usize,
    /// Number of groups.
    pub groups: usize,
    /// The job's schedule interval (Entra: 40 minutes).
    pub interval: std::time::Duration,
    /// Where provisioning pushes to.
    pub scim_target: ScimTarget,
    /// The clock.
    pub clock: ClockKind,
    /// Graph throttling.
    pub rate_limits: RateLimits,
    /// Loopback port (0 = any free port).
    pub port: u16,
    /// Whether the job starts On (Provisioning Status = On) right away.
    pub start_job: bool,
    /// Whether Graph requires a bearer token from the sign-in endpoints.
    pub require_auth: bool,
    /// Whether the tenant has Entra ID P1/P2 (without it the provisioning logs answer 403).
    pub premium: bool,
    /// Latency of every request to the built-in SCIM target.
    pub scim_latency: std::time::Duration,
    /// The built-in target's token expires this long after start (`None` = never).
    pub scim_token_ttl: Option<std::time::Duration>,
    /// Timeout of the provisioning service's SCIM requests.
    pub scim_timeout: std::time::Duration,
    /// Users changed in the directory before each cycle (a lively demo).
    pub churn_per_cycle: u32,
    /// Lifetime of access tokens (simulated time).
    pub access_token_lifetime: std::time::Duration,
    /// Application permissions granted to the client app (client credentials `roles`).
    pub app_permissions: Vec<String>,
    /// Delegated permissions the admin consented to (for `.default`).
    pub delegated_permissions: Vec<String>,
    /// A certificate registered on the client app: client credentials may
    /// then sign an assertion with its key instead of sending the secret.
    pub client_certificate: Option<crate::assertion::SimCertificate>,
    /// More provisioning apps in the tenant, each with its own job and its
    /// events in the one tenant-wide log (`crate::apps`; default none).
    /// With [`SimConfig::tenants`] above 1, every tenant gets this many.
    pub extra_apps: usize,
    /// Tenants served by this one process (`crate::tenants`; default 1, the
    /// tenant of `seed`). The token endpoint's `/{tenant}/` picks the
    /// tenant, its access token carries it (`tid`), and Graph answers from
    /// that tenant's apps, jobs and log.
    pub tenants: usize,
    /// Latency added to every Graph (`/v1.0/`) request (default none): a
    /// real Graph answers in ~100–300 ms.
    pub graph_latency: std::time::Duration,
}

/// The read-only permissions a monitor needs.
pub fn read_permissions() -> Vec<String> {
    [
        "Application.Read.All",
        "Synchronization.Read.All",
        "AuditLog.Read.All",
        "Directory.Read.All",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            users: 50,
            groups: 6,
            interval: std::time::Duration::from_secs(40 * 60),
            scim_target: ScimTarget::BuiltIn,
            clock: ClockKind::Real,
            rate_limits: RateLimits::default(),
            port: 0,
            start_job: true,
            require_auth: true,
            premium: true,
            scim_latency: std::time::Duration::ZERO,
            scim_token_ttl: None,
            scim_timeout: std::time::Duration::from_secs(30),
            churn_per_cycle: 0,
            access_token_lifetime: std::time::Duration::from_secs(3600),
            app_permissions: read_permissions(),
            delegated_permissions: read_permissions(),
            client_certificate: None,
            extra_apps: 0,
            tenants: 1,
            graph_latency: std::time::Duration::ZERO,
        }
    }
}

impl SimConfig {
    /// A configuration for tests: manual clock, small tenant, no auth required,
    /// no throttling.
    pub fn for_tests() -> Self {
        Self {
            users: 20,
            groups: 4,
            clock: ClockKind::Manual(None),
            require_auth: false,
            rate_limits: RateLimits::unlimited(),
            scim_timeout: std::time::Duration::from_secs(5),
            ..Self::default()
        }
    }
}

/// What a client needs to reach the simulated tenant (printed by `--demo`).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct DemoInfo {
    /// Base of the sign-in endpoints (`{login_url}/{tenant}/oauth2/v2.0/token`).
    pub login_url: String,
    /// Base of Graph (`{graph_url}/v1.0/servicePrincipals`).
    pub graph_url: String,
    /// The tenant id.
    pub tenant_id: String,
    /// The client (application) id to sign in with.
    pub client_id: String,
    /// The client secret for the client-credentials grant.
    pub client_secret: String,
    /// The provisioning app's display name.
    pub app_display_name: String,
    /// The provisioning app's service principal object id.
    pub service_principal_id: String,
    /// The provisioning job id (`scim.<hex>`).
    pub job_id: String,
    /// The built-in SCIM target's base URL.
    pub scim_url: String,
    /// The built-in SCIM target's bearer token.
    pub scim_token: String,
    /// Base of the control endpoints (`/_sim`).
    pub control_url: String,
}

pub(crate) struct ActiveFault {
    pub fault: Fault,
    pub undo: Vec<AppRoleAssignment>,
    pub remaining: Option<u32>,
    pub old_threshold: Option<u32>,
}

pub(crate) struct Inner {
    pub tenant: Tenant,
    pub job: Job,
    pub logs: LogStore,
    pub prov: ProvState,
    pub faults: Vec<ActiveFault>,
    pub scim_token_expires_at: Option<DateTime<Utc>>,
    pub churn_counter: u64,
}

pub(crate) struct SimState {
    pub clock: Arc<dyn Clock>,
    pub manual: bool,
    pub base_url: String,
    /// Where this tenant's own pages live (SCIM target, `/_sim/`): the
    /// base URL for the first tenant, `{base_url}/tenants/{tenant id}` for
    /// the others (`crate::tenants`).
    pub tenant_url: String,
    /// 0 for the first tenant.
    pub tenant_index: usize,
    pub config: SimConfig,
    pub inner: Mutex<Inner>,
    pub scim: RwLock<ScimStore>,
    pub auth: Mutex<AuthStore>,
    limiter: Mutex<HashMap<GraphFamily, VecDeque<Instant>>>,
    /// Every Graph request that passed authentication, in arrival order.
    requests: Mutex<Vec<GraphRequest>>,
    pub cycle_lock: tokio::sync::Mutex<()>,
    /// provisionOnDemand's own rate (5 requests / 10 s).
    pub on_demand: crate::on_demand::OnDemandLimiter,
    pub http: reqwest::Client,
    pub scim_token: String,
}

/// One Graph request the simulator served (after authentication).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GraphRequest {
    /// Its endpoint family.
    pub family: GraphFamily,
    /// When it arrived (tokio's clock).
    pub at: tokio::time::Instant,
}

/// A Graph-side fault to act on for one request.
#[derive(Debug, Clone)]
pub(crate) enum GraphAction {
    Throttle(f64),
    /// 401 `UnknownError` with an empty message (missing permission or role).
    UnknownError401,
    Status(u16),
    Html,
    Malformed,
    Truncated,
}

impl SimState {
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn has(inner: &Inner, pred: impl Fn(&Fault) -> bool) -> bool {
        inner.faults.iter().any(|f| pred(&f.fault))
    }

    pub fn job_view(inner: &Inner) -> JobView {
        JobView {
            status_off: Self::has(inner, |f| matches!(f, Fault::ProvisioningPaused)),
            users_mapping_disabled: Self::has(inner, |f| matches!(f, Fault::UsersMappingDisabled)),
            groups_mapping_disabled: Self::has(inner, |f| {
                matches!(f, Fault::GroupsMappingDisabled)
            }),
            real_shape: Self::real_credential_quarantine(inner),
        }
    }

    /// Credential quarantines take the shape a real 2021 tenant showed.
    pub fn real_credential_quarantine(inner: &Inner) -> bool {
        Self::has(inner, |f| matches!(f, Fault::ScimInvalidCredentials))
    }

    pub fn stalled(inner: &Inner) -> bool {
        Self::has(inner, |f| matches!(f, Fault::StalledJob))
    }

    pub fn premium(&self, inner: &Inner) -> bool {
        self.config.premium && !Self::has(inner, |f| matches!(f, Fault::NonPremiumTenant))
    }

    /// `BaseAddress` as the admin configured it (what GET secrets shows).
    pub fn shown_base_address(inner: &Inner) -> String {
        let base = inner.job.base_address.clone();
        if Self::has(inner, |f| matches!(f, Fault::WrongTenantUrl)) {
            format!("{}/notscim", base.trim_end_matches('/'))
        } else {
            base
        }
    }

    /// The address and token the provisioning service actually uses.
    pub fn effective_endpoint(inner: &Inner) -> (String, String) {
        // An endpoint that is down is down for everyone: the target itself
        // drops connections (`TargetBehaviour::endpoint_down`), Entra keeps
        // its configured address.
        let base = Self::shown_base_address(inner);
        let mut token = inner.job.secret_token.clone();
        if Self::has(inner, |f| {
            matches!(f, Fault::ScimTokenRevoked | Fault::ScimInvalidCredentials)
        }) {
            token = "revoked-token-0000".to_string();
        }
        (base, token)
    }

    pub fn target_behaviour(&self) -> TargetBehaviour {
        let inner = self.lock();
        let mut b = TargetBehaviour {
            token: self.scim_token.clone(),
            token_expires_at: inner.scim_token_expires_at,
            latency: self.config.scim_latency,
            ..TargetBehaviour::default()
        };
        for f in &inner.faults {
            match &f.fault {
                Fault::ScimTokenExpired => b.token_expires_at = Some(DateTime::<Utc>::MIN_UTC),
                Fault::ScimServerError => b.server_error = true,
                Fault::ScimHtmlPage => b.html = true,
                Fault::ScimSlow { latency_ms } => {
                    b.latency += std::time::Duration::from_millis(*latency_ms)
                }
                Fault::ScimIgnoresStartIndex => b.ignore_start_index = true,
                Fault::DuplicateUserConflict => b.duplicate_conflict = true,
                Fault::ScimEndpointDown => b.endpoint_down = true,
                _ => {}
            }
        }
        b
    }

    /// Latency to add to a Graph request of `family`.
    pub fn graph_latency(&self, family: GraphFamily) -> std::time::Duration {
        let inner = self.lock();
        let mut d = std::time::Duration::ZERO;
        for f in &inner.faults {
            if let Fault::GraphSlow {
                family: fam,
                latency_ms,
            } = &f.fault
            {
                if fam.covers(family) {
                    d += std::time::Duration::from_millis(*latency_ms);
                }
            }
        }
        d
    }

    /// The Graph fault to apply to this request, if any (consumes counted faults).
    pub fn graph_fault(&self, family: GraphFamily) -> Option<GraphAction> {
        let mut inner = self.lock();
        let mut hit = None;
        for (i, f) in inner.faults.iter().enumerate() {
            let action = match &f.fault {
                Fault::GraphThrottling {
                    family: fam,
                    retry_after_secs,
                    ..
                } if fam.covers(family) => GraphAction::Throttle(*retry_after_secs),
                Fault::GraphServerError {
                    family: fam,
                    status,
                    ..
                } if fam.covers(family) => GraphAction::Status(*status),
                Fault::GraphHtmlPage { family: fam } if fam.covers(family) => GraphAction::Html,
                Fault::SynchronizationPermissionMissing
                    if family == GraphFamily::Synchronization =>
                {
                    GraphAction::UnknownError401
                }
                Fault::GraphMalformedJson { family: fam } if fam.covers(family) => {
                    GraphAction::Malformed
                }
                Fault::GraphTruncatedJson { family: fam } if fam.covers(family) => {
                    GraphAction::Truncated
                }
                _ => continue,
            };
            hit = Some((i, action));
            break;
        }
        let (i, action) = hit?;
        if let Some(rem) = inner.faults[i].remaining.as_mut() {
            *rem = rem.saturating_sub(1);
            if *rem == 0 {
                inner.faults.remove(i);
            }
        }
        Some(action)
    }

    pub fn next_link_loops(&self) -> bool {
        Self::has(&self.lock(), |f| matches!(f, Fault::GraphNextLinkLoop))
    }

    /// Fault [`Fault::JobNotFound`]: the watched job answers 404.
    pub(crate) fn job_deleted(inner: &Inner) -> bool {
        Self::has(inner, |f| matches!(f, Fault::JobNotFound))
    }

    /// Count a request against its family's rate; `Some(retry_after_secs)` when over.
    /// Every call is also recorded (see [`SimHandle::graph_requests`]).
    pub fn rate_check(&self, family: GraphFamily) -> Option<f64> {
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(GraphRequest {
                family,
                at: tokio::time::Instant::now(),
            });
        let limit = match family {
            GraphFamily::ProvisioningLogs => self.config.rate_limits.provisioning_logs,
            GraphFamily::Directory => self.config.rate_limits.directory,
            GraphFamily::Synchronization => self.config.rate_limits.synchronization,
            GraphFamily::All => None,
        }?;
        let mut map = self.limiter.lock().unwrap_or_else(|e| e.into_inner());
        let q = map.entry(family).or_default();
        let now = Instant::now();
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t) >= limit.per)
        {
            q.pop_front();
        }
        if q.len() as u32 >= limit.requests.max(1) {
            let oldest = q.front().copied().unwrap_or(now);
            let wait = limit.per.saturating_sub(now.duration_since(oldest));
            return Some(wait.as_secs_f64().ceil().max(1.0));
        }
        q.push_back(now);
        None
    }

    /// When the scheduler should run the next cycle (`None`: not scheduled).
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        let inner = self.lock();
        Self::next_due_inner(&inner)
    }

    pub fn next_due_inner(inner: &Inner) -> Option<DateTime<Utc>> {
        let view = Self::job_view(inner);
        if Self::stalled(inner)
            || view.status_off
            || inner.job.disabled_by_quarantine
            || inner.job.schedule_state != ScheduleState::Active
        {
            return None;
        }
        inner.job.next_run
    }

    pub fn inject(&self, fault: Fault) -> Result<(), SimError> {
        let now = self.clock.now();
        let mut inner = self.lock();
        let mut active = ActiveFault {
            fault: fault.clone(),
            undo: vec![],
            remaining: None,
            old_threshold: None,
        };
        match &fault {
            Fault::UserUnassigned { user_id } => {
                let idx = match user_id {
                    Some(id) => inner
                        .tenant
                        .user_idx(id)
                        .ok_or_else(|| SimError::Fault(format!("no user with id {id}")))?,
                    None => inner
                        .tenant
                        .assignments
                        .iter()
                        .find_map(|a| match a.principal {
                            Principal::User(u) => Some(u),
                            Principal::Group(_) => None,
                        })
                        .ok_or_else(|| SimError::Fault("no user is assigned directly".into()))?,
                };
                active.undo = inner.tenant.unassign(Principal::User(idx));
                // a user also in scope through a group loses that group's assignment too
                let groups: Vec<u32> = inner
                    .tenant
                    .assignments
                    .iter()
                    .filter_map(|a| match a.principal {
                        Principal::Group(g)
                            if inner
                                .tenant
                                .groups
                                .get(g as usize)
                                .is_some_and(|gr| gr.members.contains(&idx)) =>
                        {
                            Some(g)
                        }
                        _ => None,
                    })
                    .collect();
                for g in groups {
                    if let Some(gr) = inner.tenant.groups.get_mut(g as usize) {
                        gr.members.retain(|m| *m != idx);
                    }
                    let v = inner.tenant.bump();
                    if let Some(gr) = inner.tenant.groups.get_mut(g as usize) {
                        gr.version = v;
                    }
                }
            }
            Fault::GroupsNotAssigned => {
                let groups: Vec<u32> = inner
                    .tenant
                    .assignments
                    .iter()
                    .filter_map(|a| match a.principal {
                        Principal::Group(g) => Some(g),
                        Principal::User(_) => None,
                    })
                    .collect();
                for g in groups {
                    let removed = inner.tenant.unassign(Principal::Group(g));
                    active.undo.extend(removed);
                }
            }
            Fault::MassDeletes { count } => {
                let threshold = inner.job.too_many_deletes_threshold;
                let want = count.unwrap_or(threshold + 1) as usize;
                let before = inner.tenant.users_in_scope().iter().filter(|s| **s).count();
                while !inner.tenant.assignments.is_empty() {
                    let now_in = inner.tenant.users_in_scope().iter().filter(|s| **s).count();
                    if before - now_in >= want {
                        break;
                    }
                    let p = inner.tenant.assignments[0].principal;
                    let removed = inner.tenant.unassign(p);
                    active.undo.extend(removed);
                }
                let removed_users =
                    before - inner.tenant.users_in_scope().iter().filter(|s| **s).count();
                if (removed_users as u32) <= threshold {
                    active.old_threshold = Some(threshold);
                    inner.job.too_many_deletes_threshold = (removed_users as u32).saturating_sub(1);
                }
            }
            Fault::DuplicateUserConflict => {
                // The conflict a real tenant meets: a newly assigned user whose
                // account already exists in the SaaS (created there by hand),
                // which the SaaS's filter does not find. The next cycle's
                // create answers 409 `uniqueness`. Cleared, the filter finds
                // the account and Entra links it (the user stays assigned).
                let idx = inner.tenant.add_user("Jordan", "Reyes", true, now);
                if let Some(u) = inner.tenant.users.get(idx as usize) {
                    let account = serde_json::json!({
                        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                        "userName": u.user_principal_name,
                        "displayName": u.display_name,
                        "active": true,
                    });
                    let base = format!("{}/scim/v2", self.tenant_url);
                    self.scim
                        .write()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert_user(account, now, &base);
                }
            }
            Fault::GraphThrottling { count, .. } | Fault::GraphServerError { count, .. } => {
                active.remaining = *count;
            }
            Fault::AppPrefixedErrorCodes { prefix } => {
                crate::logs_real::check_prefix(prefix).map_err(SimError::Fault)?;
            }
            _ => {}
        }
        let _ = now;
        inner.faults.push(active);
        Self::sync_log_faults(&mut inner);
        Ok(())
    }

    pub fn clear_faults(&self) {
        let now = self.clock.now();
        let mut inner = self.lock();
        let faults = std::mem::take(&mut inner.faults);
        for f in faults.into_iter().rev() {
            for a in f.undo {
                inner.tenant.assign(a.principal, now);
            }
            if let Some(t) = f.old_threshold {
                inner.job.too_many_deletes_threshold = t;
            }
            if let Fault::UserUnassigned { .. } = f.fault {
                // group memberships removed by the fault stay removed: the assignment is back.
            }
        }
        Self::sync_log_faults(&mut inner);
    }

    /// The log store records failures with the app prefix of the active faults.
    fn sync_log_faults(inner: &mut Inner) {
        let prefix = crate::logs_real::code_prefix(inner.faults.iter().map(|f| &f.fault));
        inner.logs.set_code_prefix(prefix);
    }

    /// The shape `auditLogs/provisioning` answers in.
    pub(crate) fn log_shape(inner: &Inner) -> crate::logs_real::LogShape {
        crate::logs_real::log_shape(inner.faults.iter().map(|f| &f.fault))
    }

    pub fn active_faults(&self) -> Vec<Fault> {
        self.lock().faults.iter().map(|f| f.fault.clone()).collect()
    }

    /// One cycle of every extra app (`crate::apps`), now.
    pub fn run_app_cycles(&self) {
        let now = self.clock.now();
        crate::apps::run_cycles(&mut self.lock(), now);
    }
}

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

/// The state of tenant `k` (0: the tenant of `config.seed`, as with one
/// tenant; the others from seeds derived from it), sharing the clock and the
/// provisioning service's HTTP client.
fn build_state(
    config: &SimConfig,
    k: usize,
    clock: &Arc<dyn Clock>,
    manual: bool,
    base_url: &str,
    http: &reqwest::Client,
) -> Arc<SimState> {
    let seed = if k == 0 {
        config.seed
    } else {
        crate::tenant::mix64(config.seed ^ (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
    };
    let now = clock.now();
    let mut tenant = generate_tenant(seed, config.users, config.groups);
    let tenant_url = if k == 0 {
        base_url.to_string()
    } else {
        format!("{base_url}/tenants/{}", tenant.tenant_id)
    };
    let interval = Duration::from_std(config.interval).unwrap_or_else(|_| Duration::minutes(40));
    crate::apps::add_apps(&mut tenant, config.extra_apps, seed, interval, &tenant_url);
    let scim_token = format!("scim-{}", tenant.job_hex);
    let (base_address, secret_token) = match &config.scim_target {
        ScimTarget::BuiltIn => (format!("{tenant_url}/scim/v2"), scim_token.clone()),
        ScimTarget::External {
            base_address,
            token,
        } => (base_address.clone(), token.clone()),
    };
    let job = Job {
        schedule_state: if config.start_job {
            ScheduleState::Active
        } else {
            ScheduleState::Disabled
        },
        secret_token,
        next_run: config.start_job.then_some(now),
        ..Job::new(
            tenant.job_id(),
            interval,
            base_address,
            crate::tenant::uuid_from_bits(seed, 0x5c4e),
        )
    };
    let inner = Inner {
        logs: LogStore::new(seed ^ 0x1065),
        job,
        prov: ProvState::default(),
        faults: vec![],
        scim_token_expires_at: config
            .scim_token_ttl
            .and_then(|d| Duration::from_std(d).ok())
            .map(|d| now + d),
        churn_counter: 0,
        tenant,
    };
    Arc::new(SimState {
        clock: clock.clone(),
        manual,
        base_url: base_url.to_string(),
        tenant_url,
        tenant_index: k,
        config: config.clone(),
        inner: Mutex::new(inner),
        scim: RwLock::new(ScimStore::default()),
        auth: Mutex::new(AuthStore::default()),
        limiter: Mutex::new(HashMap::new()),
        requests: Mutex::new(Vec::new()),
        cycle_lock: tokio::sync::Mutex::new(()),
        on_demand: Default::default(),
        http: http.clone(),
        scim_token,
    })
}

impl SimState {
    /// What a client needs to reach this tenant: sign-in and Graph at the
    /// server's root (the token picks the tenant), the SCIM target and
    /// `/_sim/` under the tenant's own URL.
    pub(crate) fn info(&self) -> DemoInfo {
        let inner = self.lock();
        let t = &inner.tenant;
        let base = &self.base_url;
        let own = &self.tenant_url;
        DemoInfo {
            login_url: base.clone(),
            graph_url: base.clone(),
            tenant_id: t.tenant_id.to_string(),
            client_id: t.client.client_id.to_string(),
            client_secret: t.client.client_secret.clone(),
            app_display_name: t.app().display_name.clone(),
            service_principal_id: t.app().id.to_string(),
            job_id: t.job_id(),
            scim_url: format!("{own}/scim/v2"),
            scim_token: self.scim_token.clone(),
            control_url: format!("{own}/_sim"),
        }
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

impl std::fmt::Debug for SimState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimState")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
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

    /// Approve a pending device-code sign-in by its `user_code`.
    pub fn approve_device_code(&self, user_code: &str) -> bool {
        let now = self.state.clock.now();
        self.state
            .auth
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .decide_device_code(user_code, true, now)
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
