//! The provisioning service: cycles that push in-scope users and groups to the
//! app's SCIM endpoint the way Entra does, and record what happened.
//!
//! [`run_cycle`] (here) plans a cycle (`plan`), runs each piece of work
//! against the target (`execute`, through `client`) and applies the results
//! to the job (`apply`). Layer 3 (ARCHITECTURE.md): imports the model and
//! `state`, and is imported by the handlers (`/_sim/cycle`, job actions,
//! provisionOnDemand) and `sim`.

mod apply;
mod client;
mod execute;
mod plan;

pub(crate) use apply::*;
pub(crate) use client::*;
pub(crate) use execute::*;
pub(crate) use plan::*;

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
use crate::state::{Inner, ProvGroup, ProvUser, SimState};
use crate::tenant::{mix64, Principal, SimRng, Tenant, User};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

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
