//! The shared state of one simulated tenant ([`SimState`], [`Inner`]): the
//! stores every handler and the provisioning service read and write, the
//! active faults and how they act. Layer 2 (see ARCHITECTURE.md): imports
//! the model only.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};

use crate::clock::Clock;
use crate::config::{DemoInfo, ScimTarget, SimConfig, SimError};
use crate::fault::{Fault, GraphFamily};
use crate::job::{Job, JobView, ScheduleState};
use crate::logs::LogStore;
use crate::tenant::{generate_tenant, AppRoleAssignment, Principal, Tenant};

mod auth_store;
mod on_demand;
mod prov;
mod scim_store;

pub use auth_store::AuthStore;
pub(crate) use auth_store::{AuthCode, DeviceCode, PendingAuth, Refresh};
pub(crate) use on_demand::OnDemandLimiter;
pub(crate) use prov::{ProvGroup, ProvState, ProvUser};
pub(crate) use scim_store::{stamp, Collection};
pub use scim_store::{ScimStore, TargetBehaviour};

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
    pub limiter: Mutex<HashMap<GraphFamily, VecDeque<Instant>>>,
    /// Every Graph request that passed authentication, in arrival order.
    pub requests: Mutex<Vec<GraphRequest>>,
    pub cycle_lock: tokio::sync::Mutex<()>,
    /// provisionOnDemand's own rate (5 requests / 10 s).
    pub on_demand: OnDemandLimiter,
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
    /// Every call is also recorded (see [`crate::SimHandle::graph_requests`]).
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
                crate::logs::real::check_prefix(prefix).map_err(SimError::Fault)?;
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
        let prefix = crate::logs::real::code_prefix(inner.faults.iter().map(|f| &f.fault));
        inner.logs.set_code_prefix(prefix);
    }

    /// The shape `auditLogs/provisioning` answers in.
    pub(crate) fn log_shape(inner: &Inner) -> crate::logs::real::LogShape {
        crate::logs::real::log_shape(inner.faults.iter().map(|f| &f.fault))
    }

    pub fn active_faults(&self) -> Vec<Fault> {
        self.lock().faults.iter().map(|f| f.fault.clone()).collect()
    }

    /// One cycle of every extra app (`crate::apps`), now.
    pub fn run_app_cycles(&self) {
        let now = self.clock.now();
        let mut inner = self.lock();
        let Inner { tenant, logs, .. } = &mut *inner;
        crate::apps::run_cycles(tenant, logs, now);
    }
}

/// The state of tenant `k` (0: the tenant of `config.seed`, as with one
/// tenant; the others from seeds derived from it), sharing the clock and the
/// provisioning service's HTTP client.
pub(crate) fn build_state(
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

impl std::fmt::Debug for SimState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimState")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}
