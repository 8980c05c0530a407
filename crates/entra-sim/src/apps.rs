//! More provisioning apps in the one simulated tenant
//! ([`crate::SimConfig::extra_apps`]): what scimwatch's "every app in a
//! tenant" watches (issue 21, item 1).
//!
//! Each extra app is an enterprise app (a service principal, listed by
//! `GET /servicePrincipals`) with a SCIM provisioning job of its own. Its
//! cycles are simple — one successful update per cycle, run beside the
//! main app's cycle — but they are recorded as Entra records them: the job's
//! `lastExecution` moves and the **tenant-wide** provisioning log gets events
//! naming the app's `servicePrincipal` and `jobId`. The tenant's other
//! service principals (Microsoft Graph, the monitor's own app registration,
//! "Fabrikam Expenses") have no provisioning job.
//!
//! Two things a watched fleet meets, from Rust ([`crate::SimHandle`]):
//! - [`crate::SimHandle::deny_app_jobs`]: the admin may not read this app's
//!   provisioning: its `synchronization/*` requests answer what real Graph
//!   answers then, **401 `UnknownError` with an empty message**
//!   (tests/fixtures/graph-real); the other apps still answer;
//! - [`crate::SimHandle::delete_app`]: the app is deleted while watched: it
//!   leaves `servicePrincipals`, its requests answer 404
//!   `Request_ResourceNotFound`; its past events stay in the logs.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::job::{Execution, ExecutionState, Job, ScheduleState};
use crate::logs::{Action, LogStore, Outcome};
use crate::tenant::{mix64, Principal, ServicePrincipal, SimRng, Tenant};

/// Display names of the extra apps (Microsoft's fictitious companies), in order.
const NAMES: &[&str] = &[
    "Contoso HR",
    "Litware Wiki",
    "Adatum Tickets",
    "Tailspin Travel",
    "Wingtip Chat",
    "Proseware CRM",
    "Woodgrove Payroll",
    "Relecloud Files",
];

/// One extra provisioning app.
#[derive(Debug, Clone)]
pub struct ExtraApp {
    /// Its service principal (also in [`Tenant::service_principals`] until deleted).
    pub sp: ServicePrincipal,
    /// Its provisioning job.
    pub job: Job,
    /// Deleted from the tenant ([`crate::SimHandle::delete_app`]).
    pub deleted: bool,
    /// Its `synchronization/*` reads answer 401 `UnknownError`.
    pub jobs_denied: bool,
    /// Cycles run so far.
    pub cycles: u64,
}

/// What a test needs to know of an extra app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExtraAppInfo {
    /// 1-based number (`SimHandle::delete_app(n)`).
    pub number: usize,
    /// The service principal's object id.
    pub service_principal_id: String,
    /// The app's display name.
    pub display_name: String,
    /// Its provisioning job id (`scim.<hex>`).
    pub job_id: String,
}

/// Add `n` provisioning apps to `t` (deterministic in `seed`).
pub(crate) fn add_apps(t: &mut Tenant, n: usize, seed: u64, interval: Duration, base_url: &str) {
    let mut rng = SimRng::new(seed ^ 0xA995_F1EE);
    for i in 0..n {
        let name = match NAMES.get(i) {
            Some(s) => (*s).to_string(),
            None => format!("Provisioned App {}", i + 1),
        };
        let sp = ServicePrincipal {
            id: rng.uuid(),
            app_id: rng.uuid(),
            display_name: name,
            app_owner_organization_id: t.tenant_id,
            tags: vec![
                "WindowsAzureActiveDirectoryCustomSingleSignOnApplication".to_string(),
                "WindowsAzureActiveDirectoryIntegratedApp".to_string(),
            ],
            app_role_assignment_required: true,
            publisher_name: "Contoso".to_string(),
        };
        let job_id = format!("scim.{:016x}{:016x}", rng.next_u64(), rng.next_u64());
        let base = format!("{base_url}/apps/{}/scim/v2", i + 1);
        let job = Job::new(job_id, interval, base, rng.uuid());
        t.service_principals.push(sp.clone());
        t.extra_apps.push(ExtraApp {
            sp,
            job,
            deleted: false,
            jobs_denied: false,
            cycles: 0,
        });
    }
}

impl Tenant {
    /// The extra app whose service principal is `id` (deleted ones too).
    pub fn extra_app(&self, id: &Uuid) -> Option<&ExtraApp> {
        self.extra_apps.iter().find(|a| a.sp.id == *id)
    }

    /// The service principal and job id of log app number `app` (0: the
    /// main app, `n`: extra app `n`).
    pub(crate) fn log_app(&self, app: u16) -> (&ServicePrincipal, String) {
        match app
            .checked_sub(1)
            .and_then(|i| self.extra_apps.get(usize::from(i)))
        {
            Some(a) => (&a.sp, a.job.id.clone()),
            None => (self.app(), self.job_id()),
        }
    }

    /// (job id, service principal id) of every log app, by number.
    pub(crate) fn log_apps(&self) -> Vec<(String, String)> {
        std::iter::once((self.job_id(), self.app().id.to_string()))
            .chain(
                self.extra_apps
                    .iter()
                    .map(|a| (a.job.id.clone(), a.sp.id.to_string())),
            )
            .collect()
    }
}

/// Run one cycle of every extra app that is there and started: one
/// successful update each, recorded in the job and the tenant-wide log.
pub(crate) fn run_cycles(tenant: &mut Tenant, logs: &mut LogStore, now: DateTime<Utc>) {
    let users = tenant.users.len() as u64;
    if users == 0 {
        return;
    }
    for (i, app) in tenant.extra_apps.iter_mut().enumerate() {
        if app.deleted || app.job.schedule_state != ScheduleState::Active {
            continue;
        }
        app.cycles += 1;
        let mut rng = SimRng::new(mix64(app.cycles ^ ((i as u64) << 32)) ^ now.timestamp() as u64);
        let cycle_id = rng.uuid();
        let cycle = logs.begin_cycle(cycle_id);
        let user = (app.cycles + i as u64 * 7) % users;
        let number = u16::try_from(i + 1).unwrap_or(u16::MAX);
        logs.push_app(
            number,
            cycle,
            now,
            Principal::User(user as u32),
            Action::Update,
            Outcome::Success,
            300 + (rng.next_u64() % 900) as u32,
        );
        let exec = Execution {
            activity_identifier: cycle_id,
            time_began: now,
            time_ended: now,
            state: Some(ExecutionState::Succeeded),
            count_entitled: 1,
            count_entitled_for_provisioning: 1,
            count_exported: 1,
            count_exports: 1,
            count_imported: 1,
            count_imported_deltas: 1,
            ..Execution::default()
        };
        let job = &mut app.job;
        job.has_run = true;
        job.synced_users = job.synced_users.max(1);
        job.last_execution = Some(exec.clone());
        job.last_successful_execution = Some(exec.clone());
        job.last_successful_execution_with_exports = Some(exec);
        job.steady_first.get_or_insert(now);
        job.steady_last = Some(now);
        job.next_run = Some(now + job.interval);
    }
}
