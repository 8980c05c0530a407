//! The provisioning service: cycles that push in-scope users and groups to the
//! app's SCIM endpoint the way Entra does, and record what happened.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::job::{
    quarantine_backoff, quarantine_disable_after, Execution, ExecutionState, Quarantine, SyncError,
    CREDENTIAL_FAILURE, INVALID_CREDENTIALS,
};
use crate::logs::{Action, ErrorKind, EventDetail, Outcome};
use crate::state::{Inner, SimState};
use crate::tenant::{mix64, Principal, SimRng, Tenant, User};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// What the service last exported for a user.
#[derive(Debug, Clone)]
pub(crate) struct ProvUser {
    pub target_id: String,
    pub version: u64,
    pub active: bool,
    pub exported: Vec<(&'static str, String)>,
}

/// What the service last exported for a group.
#[derive(Debug, Clone)]
pub(crate) struct ProvGroup {
    pub target_id: String,
    pub version: u64,
    pub display_name: String,
    pub members: HashSet<u32>,
}

/// The service's memory of the target (its "connector data store").
#[derive(Debug, Default)]
pub(crate) struct ProvState {
    pub users: HashMap<u32, ProvUser>,
    pub groups: HashMap<u32, ProvGroup>,
    pub watermark: u64,
    pub initial_done: bool,
}

/// The outcome of [`crate::SimHandle::run_cycle`] or one scheduled cycle.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CycleReport {
    /// Whether a cycle ran.
    pub ran: bool,
    /// Why not, when it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_run_reason: Option<String>,
    /// The cycle id (`cycleId` in the logs, `activityIdentifier` in the job).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cycle_id: Option<String>,
    /// Whether it was an initial cycle.
    pub initial: bool,
    /// `lastExecution.state`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Objects created.
    pub created: u32,
    /// Objects updated.
    pub updated: u32,
    /// Users disabled.
    pub disabled: u32,
    /// Groups deleted.
    pub deleted: u32,
    /// Objects skipped.
    pub skipped: u32,
    /// Objects that failed.
    pub failed: u32,
    /// The quarantine reason, if the job is quarantined after the cycle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quarantine: Option<String>,
}

/// The user attributes the Users mapping exports, by source attribute name.
pub(crate) fn user_attrs(u: &User) -> Vec<(&'static str, String)> {
    vec![
        ("userPrincipalName", u.user_principal_name.clone()),
        ("displayName", u.display_name.clone()),
        ("jobTitle", u.job_title.clone()),
        ("mail", u.mail.clone()),
        ("givenName", u.given_name.clone()),
        ("surname", u.surname.clone()),
        ("mailNickname", u.mail_nickname.clone()),
        ("department", u.department.clone()),
    ]
}

fn scim_path(source: &str) -> String {
    match source {
        "userPrincipalName" => "userName".into(),
        "jobTitle" => "title".into(),
        "mail" => "emails[type eq \"work\"].value".into(),
        "givenName" => "name.givenName".into(),
        "surname" => "name.familyName".into(),
        "mailNickname" => "externalId".into(),
        "department" => format!("{ENTERPRISE}:department"),
        other => other.into(),
    }
}

fn user_body(attrs: &[(&'static str, String)]) -> Value {
    let get = |k: &str| {
        attrs
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "externalId": get("mailNickname"),
        "userName": get("userPrincipalName"),
        "active": true,
        "displayName": get("displayName"),
        "title": get("jobTitle"),
        "emails": [{"primary": true, "type": "work", "value": get("mail")}],
        "name": {"formatted": get("displayName"), "familyName": get("surname"), "givenName": get("givenName")},
        ENTERPRISE: {"department": get("department")},
    })
}

fn replace_ops(attrs: &[(&'static str, String)]) -> Vec<Value> {
    attrs
        .iter()
        .map(|(n, v)| json!({"op": "Replace", "path": scim_path(n), "value": v}))
        .collect()
}

fn patch(ops: Vec<Value>) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": ops})
}

pub(crate) enum Work {
    UserUpsert {
        idx: u32,
        attrs: Vec<(&'static str, String)>,
        version: u64,
        existing: Option<ProvUser>,
    },
    UserDisable {
        idx: u32,
        prov: ProvUser,
    },
    UserSkip {
        idx: u32,
    },
    GroupUpsert {
        idx: u32,
        display: String,
        object_id: Uuid,
        version: u64,
        members: Vec<u32>,
        existing: Option<ProvGroup>,
    },
    GroupDelete {
        idx: u32,
        prov: ProvGroup,
    },
}

impl Work {
    fn object(&self) -> Principal {
        match self {
            Work::UserUpsert { idx, .. }
            | Work::UserDisable { idx, .. }
            | Work::UserSkip { idx } => Principal::User(*idx),
            Work::GroupUpsert { idx, .. } | Work::GroupDelete { idx, .. } => Principal::Group(*idx),
        }
    }
}

pub(crate) enum ProvUpdate {
    None,
    User(u32, ProvUser),
    Group(u32, ProvGroup),
    GroupRemove(u32),
}

pub(crate) struct ItemResult {
    pub object: Principal,
    pub action: Action,
    pub outcome: Outcome,
    pub error: Option<ErrorKind>,
    pub duration_ms: u32,
    pub detail: EventDetail,
    pub update: ProvUpdate,
    pub at: DateTime<Utc>,
}

/// A SCIM call failed in a way that stops the whole cycle.
pub(crate) struct Abort {
    pub message: String,
    /// No answer at all (the connection failed): Entra reports it as
    /// [`CREDENTIAL_UNAVAILABLE`], not as refused credentials.
    pub unreachable: bool,
}

/// What real Entra reports when it cannot connect to the SCIM endpoint (Test
/// Connection and cycles alike): "We are not able to connect to your
/// application while attempting to validate our authorization to access
/// your application", details "An error occurred while sending the request".
pub(crate) const CREDENTIAL_UNAVAILABLE: &str =
    "SystemForCrossDomainIdentityManagementCredentialValidationUnavailable";

/// The job error of an endpoint Entra cannot connect to, worded as real
/// tenants show it.
fn unreachable_error() -> SyncError {
    SyncError {
        code: CREDENTIAL_UNAVAILABLE.into(),
        message: "We are not able to connect to your application while attempting to validate \
our authorization to access your application. Details: An error occurred while sending the \
request."
            .into(),
        tenant_actionable: true,
    }
}

pub(crate) enum CallError {
    Abort(Abort),
    Entry(ErrorKind, String),
}

pub(crate) struct Client<'a> {
    pub http: &'a reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Client<'_> {
    /// One SCIM request. `collection` marks requests to `/Users` or `/Groups`
    /// themselves, where a 404 means a wrong Tenant URL.
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        collection: bool,
    ) -> Result<(u16, Value), CallError> {
        let url = format!("{}{}", self.base.trim_end_matches('/'), path);
        let mut req = self
            .http
            .request(method, &url)
            .bearer_auth(&self.token)
            .header("Accept", "application/scim+json");
        if let Some(b) = body {
            req = req
                .header("Content-Type", "application/scim+json")
                .body(b.to_string());
        }
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => {
                return Err(CallError::Entry(
                    ErrorKind::Timeout,
                    format!("Request to {url} timed out"),
                ))
            }
            Err(_) => {
                return Err(CallError::Abort(Abort {
                    message: format!(
                        "An error occurred while sending the request to {url}: the connection \
failed without an answer"
                    ),
                    unreachable: true,
                }))
            }
        };
        let status = resp.status().as_u16();
        let text = match resp.text().await {
            Ok(t) => t,
            Err(e) if e.is_timeout() => {
                return Err(CallError::Entry(
                    ErrorKind::Timeout,
                    format!("Request to {url} timed out"),
                ))
            }
            Err(e) => return Err(CallError::Entry(ErrorKind::Timeout, e.to_string())),
        };
        let snippet: String = text.chars().take(300).collect();
        match status {
            401 | 403 => Err(CallError::Abort(Abort {
                message: format!("The SCIM endpoint answered HTTP {status} to {url}: {snippet}"),
                unreachable: false,
            })),
            404 if collection => Err(CallError::Abort(Abort {
                message: format!(
                    "The SCIM endpoint answered HTTP 404 to {url}: check the Tenant URL"
                ),
                unreachable: false,
            })),
            409 => Err(CallError::Entry(ErrorKind::EntryConflict, snippet)),
            429 => Err(CallError::Entry(ErrorKind::TooManyRequests, snippet)),
            500..=599 => Err(CallError::Entry(ErrorKind::InternalServerError, snippet)),
            204 => Ok((status, Value::Null)),
            _ => match serde_json::from_str::<Value>(&text) {
                Ok(v) if (200..300).contains(&status) => Ok((status, v)),
                Ok(_) => Err(CallError::Entry(
                    ErrorKind::ServiceIncompatible,
                    format!("HTTP {status}: {snippet}"),
                )),
                Err(_) => Err(CallError::Entry(
                    ErrorKind::ServiceIncompatible,
                    format!("HTTP {status}, not JSON: {snippet}"),
                )),
            },
        }
    }

    pub(crate) async fn lookup(
        &self,
        resource: &str,
        attr: &str,
        value: &str,
    ) -> Result<Vec<Value>, CallError> {
        let filter = format!("{attr} eq \"{}\"", value.replace('"', "\\\""));
        let q: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("filter", &filter)
            .finish();
        let extra = if resource == "Groups" {
            "&excludedAttributes=members"
        } else {
            ""
        };
        let (_, v) = self
            .call(
                reqwest::Method::GET,
                &format!("/{resource}?{q}{extra}"),
                None,
                true,
            )
            .await?;
        match v.get("Resources") {
            Some(Value::Array(a)) => Ok(a.clone()),
            None | Some(Value::Null) => Ok(vec![]),
            Some(_) => Err(CallError::Entry(
                ErrorKind::ServiceIncompatible,
                "Resources is not a list".into(),
            )),
        }
    }
}

fn id_of(v: &Value) -> Option<String> {
    v.get("id").and_then(|i| match i {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

struct Plan {
    work: Vec<Work>,
    entitled: i64,
    deletes: usize,
    initial: bool,
    version_at_start: u64,
    user_targets: HashMap<u32, String>,
}

fn churn(inner: &mut Inner, n: u32) {
    const TITLES: &[&str] = &[
        "Senior Engineer",
        "Team Lead",
        "Analyst II",
        "Consultant",
        "Manager",
        "Architect",
    ];
    if n == 0 || inner.tenant.users.is_empty() {
        return;
    }
    let scope = inner.tenant.users_in_scope();
    let candidates: Vec<u32> = scope
        .iter()
        .enumerate()
        .filter(|(_, s)| **s)
        .map(|(i, _)| i as u32)
        .collect();
    if candidates.is_empty() {
        return;
    }
    for _ in 0..n {
        inner.churn_counter += 1;
        let r = mix64(inner.churn_counter);
        let idx = candidates[(r % candidates.len() as u64) as usize];
        let title = TITLES[((r >> 20) % TITLES.len() as u64) as usize];
        inner
            .tenant
            .update_user(idx, |u| u.job_title = title.to_string());
    }
}

fn plan(inner: &Inner) -> Plan {
    let view = SimState::job_view(inner);
    let t: &Tenant = &inner.tenant;
    let prov = &inner.prov;
    let initial = !prov.initial_done;
    let scope_u = t.users_in_scope();
    let scope_g = t.groups_in_scope();
    let users_on = !view.users_mapping_disabled;
    let groups_on = !view.groups_mapping_disabled;
    let mut work = Vec::new();
    let mut entitled = 0i64;
    let mut deletes = 0usize;
    if users_on {
        for (i, u) in t.users.iter().enumerate() {
            let i = i as u32;
            let p = prov.users.get(&i);
            if scope_u[i as usize] {
                entitled += 1;
                let needs = match p {
                    None => true,
                    Some(p) => !p.active || p.version != u.version,
                };
                if needs {
                    work.push(Work::UserUpsert {
                        idx: i,
                        attrs: user_attrs(u),
                        version: u.version,
                        existing: p.cloned(),
                    });
                }
            } else if let Some(p) = p.filter(|p| p.active) {
                deletes += 1;
                work.push(Work::UserDisable {
                    idx: i,
                    prov: p.clone(),
                });
            } else if !initial && u.version > prov.watermark {
                work.push(Work::UserSkip { idx: i });
            }
        }
    }
    if groups_on {
        for (g, grp) in t.groups.iter().enumerate() {
            let g = g as u32;
            let p = prov.groups.get(&g);
            if scope_g[g as usize] {
                entitled += 1;
                let members: Vec<u32> = grp
                    .members
                    .iter()
                    .copied()
                    .filter(|m| scope_u.get(*m as usize).copied().unwrap_or(false))
                    .collect();
                let needs = match p {
                    None => true,
                    Some(p) => {
                        p.version != grp.version
                            || p.display_name != grp.display_name
                            || members.len() != p.members.len()
                            || members.iter().any(|m| !p.members.contains(m))
                    }
                };
                if needs {
                    work.push(Work::GroupUpsert {
                        idx: g,
                        display: grp.display_name.clone(),
                        object_id: grp.id,
                        version: grp.version,
                        members,
                        existing: p.cloned(),
                    });
                }
            } else if let Some(p) = p {
                deletes += 1;
                work.push(Work::GroupDelete {
                    idx: g,
                    prov: p.clone(),
                });
            }
        }
    }
    let user_targets = prov
        .users
        .iter()
        .filter(|(_, p)| p.active)
        .map(|(i, p)| (*i, p.target_id.clone()))
        .collect();
    Plan {
        work,
        entitled,
        deletes,
        initial,
        version_at_start: t.version_counter,
        user_targets,
    }
}

fn display_of(t: &Tenant, p: Principal) -> (String, String) {
    match p {
        Principal::User(i) => t
            .users
            .get(i as usize)
            .map(|u| (u.display_name.clone(), u.user_principal_name.clone()))
            .unwrap_or_default(),
        Principal::Group(i) => t
            .groups
            .get(i as usize)
            .map(|g| (g.display_name.clone(), g.display_name.clone()))
            .unwrap_or_default(),
    }
}

/// Run one cycle. `forced`: run even if not due (but never when the job is
/// off, paused, disabled or stalled).
pub(crate) async fn run_cycle(state: &Arc<SimState>, forced: bool) -> CycleReport {
    let _cycle = state.cycle_lock.lock().await;
    let began = state.clock.now();
    let (plan, client, cycle_idx, cycle_id, threshold_hit) = {
        let mut inner = state.lock();
        let view = SimState::job_view(&inner);
        let reason = if SimState::stalled(&inner) {
            Some("the job is stalled")
        } else if view.status_off {
            Some("provisioning status is Off")
        } else if inner.job.disabled_by_quarantine {
            Some("the job was disabled after 28 days in quarantine")
        } else if inner.job.schedule_state != crate::job::ScheduleState::Active {
            Some("the job is not started")
        } else if !forced && inner.job.next_run.is_none_or(|t| t > began) {
            Some("no cycle is due")
        } else {
            None
        };
        if let Some(r) = reason {
            return CycleReport {
                not_run_reason: Some(r.to_string()),
                ..CycleReport::default()
            };
        }
        let churn_n = state.config.churn_per_cycle;
        if inner.prov.initial_done {
            churn(&mut inner, churn_n);
        }
        let plan = plan(&inner);
        let (base, token) = SimState::effective_endpoint(&inner);
        let mut rng = SimRng::new(mix64(began.timestamp_millis() as u64) ^ inner.logs.len() as u64);
        let cycle_id = rng.uuid();
        let cycle_idx = inner.logs.begin_cycle(cycle_id);
        let threshold = inner.job.too_many_deletes_threshold as usize;
        let threshold_hit = plan.deletes > threshold && !inner.job.force_deletes;
        inner.job.progress = Some((0, plan.work.len() as i64, began));
        (plan, (base, token), cycle_idx, cycle_id, threshold_hit)
    };
    let client = Client {
        http: &state.http,
        base: client.0,
        token: client.1,
    };
    let mut report = CycleReport {
        ran: true,
        cycle_id: Some(cycle_id.to_string()),
        initial: plan.initial,
        ..CycleReport::default()
    };
    let mut exec = Execution {
        activity_identifier: cycle_id,
        time_began: began,
        count_entitled: plan.entitled,
        count_entitled_for_provisioning: plan.entitled,
        count_imported: plan.work.len() as i64,
        count_imported_deltas: if plan.initial {
            0
        } else {
            plan.work.len() as i64
        },
        ..Execution::default()
    };

    if threshold_hit {
        let err = SyncError {
            code: "TooManyDeletes".into(),
            message: format!(
                "The provisioning job would delete or disable {} objects, more than the accidental deletions threshold of {}. Review the pending deletions, then restart the job with ForceDeletes or raise QuarantineTooManyDeletesThreshold.",
                plan.deletes,
                state.lock().job.too_many_deletes_threshold
            ),
            tenant_actionable: true,
        };
        return finish_failed(state, exec, "TooManyDeletes", err, report);
    }

    // Entra notices bad credentials the first time it talks to the endpoint.
    if !plan.work.is_empty() || state.lock().job.quarantine.is_some() {
        let probe = Uuid::new_v4().to_string();
        if let Err(CallError::Abort(a)) = client.lookup("Users", "userName", &probe).await {
            let first = plan.work.first().map(Work::object);
            if let Some(obj) = first {
                let mut inner = state.lock();
                let (display, _) = display_of(&inner.tenant, obj);
                let now = state.clock.now();
                inner.logs.push(
                    cycle_idx,
                    now,
                    obj,
                    Action::Other,
                    Outcome::Failure,
                    Some(abort_kind(&a)),
                    0,
                    Some(EventDetail {
                        display,
                        additional: Some(a.message.clone()),
                        ..EventDetail::default()
                    }),
                );
            }
            report.failed += u32::from(first.is_some());
            let err = abort_error(state, &a);
            return finish_failed(state, exec, "EncounteredQuarantineException", err, report);
        }
    }

    let mut user_targets = plan.user_targets;
    let total = plan.work.len() as i64;
    let mut batch: Vec<ItemResult> = Vec::new();
    let mut done = 0i64;
    let mut abort: Option<Abort> = None;
    for w in plan.work {
        let started = Instant::now();
        let obj = w.object();
        let res = execute(&client, w, &mut user_targets).await;
        let duration_ms = started.elapsed().as_millis().min(u32::MAX as u128) as u32;
        let at = state.clock.now();
        let item = match res {
            Ok(mut item) => {
                item.duration_ms = duration_ms;
                item.at = at;
                item
            }
            Err((action, CallError::Entry(kind, msg), detail)) => ItemResult {
                object: obj,
                action,
                outcome: Outcome::Failure,
                error: Some(kind),
                duration_ms,
                detail: EventDetail {
                    additional: Some(msg),
                    ..detail
                },
                update: ProvUpdate::None,
                at,
            },
            Err((action, CallError::Abort(a), detail)) => {
                batch.push(ItemResult {
                    object: obj,
                    action,
                    outcome: Outcome::Failure,
                    error: Some(abort_kind(&a)),
                    duration_ms,
                    detail: EventDetail {
                        additional: Some(a.message.clone()),
                        ..detail
                    },
                    update: ProvUpdate::None,
                    at,
                });
                abort = Some(a);
                break;
            }
        };
        tally(&mut report, &mut exec, &item);
        batch.push(item);
        done += 1;
        if batch.len() >= 200 {
            apply(
                state,
                cycle_idx,
                std::mem::take(&mut batch),
                Some((done, total)),
            );
        }
    }
    if let Some(last) = batch.last() {
        if abort
            .as_ref()
            .is_some_and(|a| last.error == Some(abort_kind(a)))
        {
            report.failed += 1;
        }
    }
    apply(state, cycle_idx, batch, Some((done, total)));

    if let Some(a) = abort {
        let err = abort_error(state, &a);
        return finish_failed(state, exec, "EncounteredQuarantineException", err, report);
    }

    // finish
    let now = state.clock.now();
    let mut inner = state.lock();
    exec.time_ended = now;
    let failures = exec.count_escrowed;
    let state_ = if failures > 0 {
        ExecutionState::EntryLevelErrors
    } else {
        ExecutionState::Succeeded
    };
    exec.state = Some(state_);
    inner.prov.initial_done = true;
    inner.prov.watermark = plan.version_at_start;
    inner.job.force_deletes = false;
    inner.job.has_run = true;
    inner.job.count_successive_complete_failures = 0;
    inner.job.escrows_pruned = false;
    let escrow_reason = if failures >= 60_000 {
        Some("EncounteredTotalEscrowThreshold")
    } else if failures >= 5_000 && failures as f64 > 0.4 * total.max(1) as f64 {
        Some("EncounteredEscrowProportionThreshold")
    } else {
        None
    };
    update_counts(&mut inner);
    inner.job.last_execution = Some(exec.clone());
    if let Some(reason) = escrow_reason {
        let err = SyncError {
            code: "EscrowThresholdExceeded".into(),
            message: format!(
                "{failures} of {total} entries failed in one cycle; the job was quarantined."
            ),
            tenant_actionable: true,
        };
        quarantine(&mut inner, now, reason, err);
    } else {
        inner.job.quarantine = None;
        if state_ == ExecutionState::Succeeded {
            inner.job.last_successful_execution = Some(exec.clone());
            if exec.count_exported > 0 {
                inner.job.last_successful_execution_with_exports = Some(exec.clone());
            }
            inner.job.steady_first.get_or_insert(now);
            inner.job.steady_last = Some(now);
        }
        inner.job.next_run = Some(began + inner.job.interval);
    }
    report.state = Some(state_.as_str().to_string());
    report.quarantine = inner.job.quarantine.as_ref().map(|q| q.reason.to_string());
    report
}

fn tally(report: &mut CycleReport, exec: &mut Execution, item: &ItemResult) {
    match item.outcome {
        Outcome::Success => {
            exec.count_exports += 1;
            exec.count_exported += 1;
            match item.action {
                Action::Create => report.created += 1,
                Action::Update => report.updated += 1,
                Action::Disable => report.disabled += 1,
                Action::Delete => report.deleted += 1,
                Action::Other => {}
            }
        }
        Outcome::Failure => {
            exec.count_exports += 1;
            exec.count_escrowed += 1;
            exec.count_escrowed_raw += 1;
            report.failed += 1;
        }
        Outcome::Skipped => report.skipped += 1,
    }
    if matches!(item.object, Principal::Group(_)) && item.outcome == Outcome::Success {
        exec.count_imported_reference_deltas += 1;
    }
}

pub(crate) fn apply(
    state: &SimState,
    cycle_idx: u32,
    items: Vec<ItemResult>,
    progress: Option<(i64, i64)>,
) {
    let mut inner = state.lock();
    for it in items {
        let mut detail = it.detail;
        if detail.display.is_empty() {
            detail.display = display_of(&inner.tenant, it.object).0;
        }
        inner.logs.push(
            cycle_idx,
            it.at,
            it.object,
            it.action,
            it.outcome,
            it.error,
            it.duration_ms,
            Some(detail),
        );
        match it.update {
            ProvUpdate::None => {}
            ProvUpdate::User(i, p) => {
                inner.prov.users.insert(i, p);
            }
            ProvUpdate::Group(i, p) => {
                inner.prov.groups.insert(i, p);
            }
            ProvUpdate::GroupRemove(i) => {
                inner.prov.groups.remove(&i);
            }
        }
    }
    if let Some((done, total)) = progress {
        let now = state.clock.now();
        inner.job.progress = Some((done, total, now));
    }
    update_counts(&mut inner);
}

fn update_counts(inner: &mut Inner) {
    inner.job.synced_users = inner.prov.users.values().filter(|p| p.active).count() as i64;
    inner.job.synced_groups = inner.prov.groups.len() as i64;
}

/// The log entry's error of a cycle-stopping failure: an endpoint that did
/// not answer is a connection failure (`Timeout`: "timed out or the
/// connection failed"), not a refused credential.
fn abort_kind(a: &Abort) -> ErrorKind {
    if a.unreachable {
        ErrorKind::Timeout
    } else {
        ErrorKind::CredentialValidationFailure
    }
}

/// The job error of a cycle-stopping failure: [`unreachable_error`] when the
/// endpoint did not answer, else [`credential_error`].
fn abort_error(state: &SimState, a: &Abort) -> SyncError {
    if a.unreachable {
        unreachable_error()
    } else {
        credential_error(state, &a.message)
    }
}

/// The job error of a credential failure: the documented
/// `…CredentialValidationFailure`, or under [`Fault::ScimInvalidCredentials`]
/// what a real 2021 tenant sent.
fn credential_error(state: &SimState, detail: &str) -> SyncError {
    if SimState::real_credential_quarantine(&state.lock()) {
        return SyncError {
            code: INVALID_CREDENTIALS.into(),
            message: "Please provide a valid tenant URL for your application.".into(),
            tenant_actionable: true,
        };
    }
    SyncError {
        code: CREDENTIAL_FAILURE.into(),
        message: format!("Failed to validate the credentials of the SCIM endpoint (Tenant URL and Secret Token). {detail}"),
        tenant_actionable: true,
    }
}

fn quarantine(inner: &mut Inner, now: DateTime<Utc>, reason: &'static str, error: SyncError) {
    let (series_began, series_count) = match &inner.job.quarantine {
        Some(q) => (q.series_began, q.series_count + 1),
        None => (now, 1),
    };
    let real = SimState::real_credential_quarantine(inner);
    // A real tenant retried the first time after 5 minutes.
    let next = if real && series_count == 1 {
        now + chrono::Duration::minutes(5)
    } else {
        now + quarantine_backoff(series_count)
    };
    inner.job.quarantine = Some(Quarantine {
        current_began: now,
        next_attempt: next,
        reason,
        series_began,
        series_count,
        // Real quarantines can come without `error`: the cause is then only
        // in `lastExecution.error`.
        error: (!real).then_some(error),
    });
    if now - series_began >= quarantine_disable_after() {
        inner.job.disabled_by_quarantine = true;
        inner.job.next_run = None;
    } else {
        inner.job.next_run = Some(next);
    }
}

fn finish_failed(
    state: &SimState,
    mut exec: Execution,
    reason: &'static str,
    err: SyncError,
    mut report: CycleReport,
) -> CycleReport {
    let now = state.clock.now();
    let mut inner = state.lock();
    exec.time_ended = now;
    exec.state = Some(ExecutionState::Failed);
    exec.error = Some(err.clone());
    inner.job.last_execution = Some(exec);
    inner.job.has_run = true;
    inner.job.count_successive_complete_failures += 1;
    quarantine(&mut inner, now, reason, err);
    update_counts(&mut inner);
    report.state = Some(ExecutionState::Failed.as_str().to_string());
    report.quarantine = Some(reason.to_string());
    report
}

pub(crate) type ExecErr = (Action, CallError, EventDetail);

pub(crate) async fn execute(
    client: &Client<'_>,
    w: Work,
    user_targets: &mut HashMap<u32, String>,
) -> Result<ItemResult, ExecErr> {
    let ok = |object, action, detail, update| ItemResult {
        object,
        action,
        outcome: Outcome::Success,
        error: None,
        duration_ms: 0,
        detail,
        update,
        at: DateTime::<Utc>::MIN_UTC,
    };
    match w {
        Work::UserSkip { idx } => Ok(ItemResult {
            object: Principal::User(idx),
            action: Action::Other,
            outcome: Outcome::Skipped,
            error: Some(ErrorKind::NotEffectivelyEntitled),
            duration_ms: 0,
            detail: EventDetail::default(),
            update: ProvUpdate::None,
            at: DateTime::<Utc>::MIN_UTC,
        }),
        Work::UserUpsert {
            idx,
            attrs,
            version,
            existing,
        } => {
            let upn = attrs.first().map(|(_, v)| v.clone()).unwrap_or_default();
            match existing {
                Some(p) => {
                    let mut ops = Vec::new();
                    let mut modified = Vec::new();
                    if !p.active {
                        ops.push(json!({"op": "Replace", "path": "active", "value": true}));
                        modified.push((
                            "IsSoftDeleted".to_string(),
                            Some("True".to_string()),
                            Some("False".to_string()),
                        ));
                    }
                    for (n, v) in &attrs {
                        let old = p
                            .exported
                            .iter()
                            .find(|(k, _)| k == n)
                            .map(|(_, v)| v.clone());
                        if old.as_deref() != Some(v.as_str()) {
                            ops.push(json!({"op": "Replace", "path": scim_path(n), "value": v}));
                            modified.push((n.to_string(), old, Some(v.clone())));
                        }
                    }
                    let detail = EventDetail {
                        target_id: p.target_id.clone(),
                        modified,
                        ..EventDetail::default()
                    };
                    let newp = ProvUser {
                        target_id: p.target_id.clone(),
                        version,
                        active: true,
                        exported: attrs,
                    };
                    if ops.is_empty() {
                        // nothing the mapping exports changed
                        return Ok(ItemResult {
                            outcome: Outcome::Skipped,
                            error: None,
                            ..ok(
                                Principal::User(idx),
                                Action::Other,
                                detail,
                                ProvUpdate::User(idx, newp),
                            )
                        });
                    }
                    client
                        .call(
                            reqwest::Method::PATCH,
                            &format!("/Users/{}", p.target_id),
                            Some(&patch(ops)),
                            false,
                        )
                        .await
                        .map_err(|e| (Action::Update, e, detail.clone()))?;
                    user_targets.insert(idx, p.target_id.clone());
                    Ok(ok(
                        Principal::User(idx),
                        Action::Update,
                        detail,
                        ProvUpdate::User(idx, newp),
                    ))
                }
                None => {
                    let create_detail = EventDetail {
                        modified: attrs
                            .iter()
                            .map(|(n, v)| (n.to_string(), None, Some(v.clone())))
                            .collect(),
                        ..EventDetail::default()
                    };
                    let found = client
                        .lookup("Users", "userName", &upn)
                        .await
                        .map_err(|e| (Action::Create, e, create_detail.clone()))?;
                    if found.len() > 1 {
                        return Err((
                            Action::Create,
                            CallError::Entry(
                                ErrorKind::DuplicateTargetEntries,
                                format!("{} users matched userName '{upn}'", found.len()),
                            ),
                            create_detail,
                        ));
                    }
                    if let Some(existing) = found.first() {
                        let tid = id_of(existing).unwrap_or_default();
                        let mut ops = replace_ops(&attrs);
                        ops.push(json!({"op": "Replace", "path": "active", "value": true}));
                        let detail = EventDetail {
                            target_id: tid.clone(),
                            ..create_detail
                        };
                        client
                            .call(
                                reqwest::Method::PATCH,
                                &format!("/Users/{tid}"),
                                Some(&patch(ops)),
                                false,
                            )
                            .await
                            .map_err(|e| (Action::Update, e, detail.clone()))?;
                        user_targets.insert(idx, tid.clone());
                        let newp = ProvUser {
                            target_id: tid,
                            version,
                            active: true,
                            exported: attrs,
                        };
                        return Ok(ok(
                            Principal::User(idx),
                            Action::Update,
                            detail,
                            ProvUpdate::User(idx, newp),
                        ));
                    }
                    let (_, created) = client
                        .call(
                            reqwest::Method::POST,
                            "/Users",
                            Some(&user_body(&attrs)),
                            true,
                        )
                        .await
                        .map_err(|e| (Action::Create, e, create_detail.clone()))?;
                    let Some(tid) = id_of(&created) else {
                        return Err((
                            Action::Create,
                            CallError::Entry(
                                ErrorKind::ServiceIncompatible,
                                "the created user has no id".into(),
                            ),
                            create_detail,
                        ));
                    };
                    user_targets.insert(idx, tid.clone());
                    let detail = EventDetail {
                        target_id: tid.clone(),
                        ..create_detail
                    };
                    let newp = ProvUser {
                        target_id: tid,
                        version,
                        active: true,
                        exported: attrs,
                    };
                    Ok(ok(
                        Principal::User(idx),
                        Action::Create,
                        detail,
                        ProvUpdate::User(idx, newp),
                    ))
                }
            }
        }
        Work::UserDisable { idx, prov } => {
            let detail = EventDetail {
                target_id: prov.target_id.clone(),
                modified: vec![(
                    "IsSoftDeleted".into(),
                    Some("False".into()),
                    Some("True".into()),
                )],
                ..EventDetail::default()
            };
            let body = patch(vec![
                json!({"op": "Replace", "path": "active", "value": false}),
            ]);
            client
                .call(
                    reqwest::Method::PATCH,
                    &format!("/Users/{}", prov.target_id),
                    Some(&body),
                    false,
                )
                .await
                .map_err(|e| (Action::Disable, e, detail.clone()))?;
            user_targets.remove(&idx);
            Ok(ok(
                Principal::User(idx),
                Action::Disable,
                detail,
                ProvUpdate::User(
                    idx,
                    ProvUser {
                        active: false,
                        ..prov
                    },
                ),
            ))
        }
        Work::GroupDelete { idx, prov } => {
            let detail = EventDetail {
                target_id: prov.target_id.clone(),
                ..EventDetail::default()
            };
            if let Err(e) = client
                .call(
                    reqwest::Method::DELETE,
                    &format!("/Groups/{}", prov.target_id),
                    None,
                    false,
                )
                .await
            {
                return Err((Action::Delete, e, detail));
            }
            Ok(ok(
                Principal::Group(idx),
                Action::Delete,
                detail,
                ProvUpdate::GroupRemove(idx),
            ))
        }
        Work::GroupUpsert {
            idx,
            display,
            object_id,
            version,
            members,
            existing,
        } => {
            let wanted: Vec<(u32, String)> = members
                .iter()
                .filter_map(|m| user_targets.get(m).map(|t| (*m, t.clone())))
                .collect();
            let base_detail = |tid: String, modified| EventDetail {
                target_id: tid,
                display: display.clone(),
                modified,
                ..EventDetail::default()
            };
            match existing {
                Some(p) => {
                    let mut ops = Vec::new();
                    let mut modified = Vec::new();
                    if p.display_name != display {
                        ops.push(json!({"op": "Replace", "path": "displayName", "value": display}));
                        modified.push((
                            "displayName".to_string(),
                            Some(p.display_name.clone()),
                            Some(display.clone()),
                        ));
                    }
                    let add: Vec<Value> = wanted
                        .iter()
                        .filter(|(m, _)| !p.members.contains(m))
                        .map(|(_, t)| json!({"value": t}))
                        .collect();
                    let wanted_set: HashSet<u32> = wanted.iter().map(|(m, _)| *m).collect();
                    let gone: Vec<u32> = p
                        .members
                        .iter()
                        .copied()
                        .filter(|m| !wanted_set.contains(m))
                        .collect();
                    if !add.is_empty() {
                        modified.push((
                            "members".into(),
                            None,
                            Some(format!("{} added", add.len())),
                        ));
                        ops.push(json!({"op": "Add", "path": "members", "value": add}));
                    }
                    if !gone.is_empty() {
                        modified.push((
                            "members".into(),
                            Some(format!("{} removed", gone.len())),
                            None,
                        ));
                        let rm: Vec<Value> = gone
                            .iter()
                            .filter_map(|m| {
                                user_targets.get(m).cloned().or_else(|| Some(String::new()))
                            })
                            .filter(|s| !s.is_empty())
                            .map(|t| json!({"value": t}))
                            .collect();
                        if !rm.is_empty() {
                            ops.push(json!({"op": "Remove", "path": "members", "value": rm}));
                        }
                    }
                    let detail = base_detail(p.target_id.clone(), modified);
                    let newp = ProvGroup {
                        target_id: p.target_id.clone(),
                        version,
                        display_name: display.clone(),
                        members: wanted_set,
                    };
                    if ops.is_empty() {
                        return Ok(ItemResult {
                            outcome: Outcome::Skipped,
                            ..ok(
                                Principal::Group(idx),
                                Action::Other,
                                detail,
                                ProvUpdate::Group(idx, newp),
                            )
                        });
                    }
                    client
                        .call(
                            reqwest::Method::PATCH,
                            &format!("/Groups/{}", p.target_id),
                            Some(&patch(ops)),
                            false,
                        )
                        .await
                        .map_err(|e| (Action::Update, e, detail.clone()))?;
                    Ok(ok(
                        Principal::Group(idx),
                        Action::Update,
                        detail,
                        ProvUpdate::Group(idx, newp),
                    ))
                }
                None => {
                    let modified = vec![
                        ("objectId".to_string(), None, Some(object_id.to_string())),
                        ("displayName".to_string(), None, Some(display.clone())),
                        (
                            "members".to_string(),
                            None,
                            Some(format!("{} members", wanted.len())),
                        ),
                    ];
                    let detail0 = base_detail(String::new(), modified);
                    let found = client
                        .lookup("Groups", "displayName", &display)
                        .await
                        .map_err(|e| (Action::Create, e, detail0.clone()))?;
                    if found.len() > 1 {
                        return Err((
                            Action::Create,
                            CallError::Entry(
                                ErrorKind::DuplicateTargetEntries,
                                format!("{} groups matched displayName '{display}'", found.len()),
                            ),
                            detail0,
                        ));
                    }
                    let (tid, action) = match found.first() {
                        Some(g) => (id_of(g).unwrap_or_default(), Action::Update),
                        None => {
                            let body = json!({
                                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                "externalId": object_id.to_string(),
                                "displayName": display,
                            });
                            let (_, created) = client
                                .call(reqwest::Method::POST, "/Groups", Some(&body), true)
                                .await
                                .map_err(|e| (Action::Create, e, detail0.clone()))?;
                            let Some(tid) = id_of(&created) else {
                                return Err((
                                    Action::Create,
                                    CallError::Entry(
                                        ErrorKind::ServiceIncompatible,
                                        "the created group has no id".into(),
                                    ),
                                    detail0,
                                ));
                            };
                            (tid, Action::Create)
                        }
                    };
                    let detail = EventDetail {
                        target_id: tid.clone(),
                        ..detail0
                    };
                    for chunk in wanted.chunks(100) {
                        let add: Vec<Value> =
                            chunk.iter().map(|(_, t)| json!({"value": t})).collect();
                        let body =
                            patch(vec![json!({"op": "Add", "path": "members", "value": add})]);
                        client
                            .call(
                                reqwest::Method::PATCH,
                                &format!("/Groups/{tid}"),
                                Some(&body),
                                false,
                            )
                            .await
                            .map_err(|e| (action, e, detail.clone()))?;
                    }
                    let newp = ProvGroup {
                        target_id: tid,
                        version,
                        display_name: display.clone(),
                        members: wanted.iter().map(|(m, _)| *m).collect(),
                    };
                    Ok(ok(
                        Principal::Group(idx),
                        action,
                        detail,
                        ProvUpdate::Group(idx, newp),
                    ))
                }
            }
        }
    }
}

/// Apply a `restart` with the given `resetScope` flags.
pub(crate) fn restart(inner: &mut Inner, scope: &str, now: DateTime<Utc>) {
    let s = scope.to_ascii_lowercase();
    let all = s.trim().is_empty() || s.contains("full");
    if all || s.contains("watermark") || s.contains("connectordatastore") {
        inner.prov.initial_done = false;
        inner.prov.watermark = 0;
    }
    if all || s.contains("connectordatastore") {
        inner.prov.users.clear();
        inner.prov.groups.clear();
    }
    if all || s.contains("quarantinestate") {
        inner.job.quarantine = None;
        inner.job.disabled_by_quarantine = false;
    }
    if all || s.contains("escrows") {
        inner.job.escrows_pruned = true;
    }
    if s.contains("forcedeletes") {
        inner.job.force_deletes = true;
    }
    inner.job.schedule_state = crate::job::ScheduleState::Active;
    inner.job.next_run = Some(now);
    let _ = Duration::zero();
}
