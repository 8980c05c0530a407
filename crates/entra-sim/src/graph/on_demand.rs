//! `POST /v1.0/servicePrincipals/{id}/synchronization/jobs/{jobId}/provisionOnDemand`:
//! provision one user now, through the same pipeline as a cycle, and answer
//! as Microsoft documents it (`synchronizationJob: provisionOnDemand`, v1.0):
//! a `stringKeyStringValuePair` whose `key` is a JSON string
//! `{"result": …, "details": {errorCode, errorMessage}}` and whose `value` is
//! a JSON string of the provisioning record — `action`, `changeId`,
//! `provisioningSteps` (import, matching, scoping, export, in the example's
//! order and spelling), `statusInfo`, the identities and systems.
//!
//! Like Graph it needs `Synchronization.ReadWrite.All` (403
//! `Authorization_RequestDenied` without it) and allows **5 requests per
//! 10 seconds** (429 with `Retry-After` beyond), on top of the family's limit.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use super::real::throttled;
use super::{add_ids, gate, graph_error, Ctx};
use crate::fault::GraphFamily;
use crate::logs::render::dotnet_time;
use crate::logs::{Action, ErrorKind, EventDetail, Outcome};
use crate::provision::{
    apply, execute, user_attrs, CallError, Client, ItemResult, ProvUpdate, Work,
};
use crate::state::SimState;
use crate::tenant::Principal;

const SOURCE_SYSTEM: &str = "Azure Active Directory";
const TARGET_SYSTEM: &str = "customappsso";
const TARGET_TYPE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn bad_request(st: &SimState, ctx: &Ctx, message: &str) -> Response {
    graph_error(st, ctx, StatusCode::BAD_REQUEST, "BadRequest", message)
}

/// The one subject of a request body: `(ruleId, objectId, objectTypeName)`.
fn subject(body: &[u8]) -> Result<(String, String, String), &'static str> {
    let v: Value =
        serde_json::from_slice(body).map_err(|_| "The request body is not valid JSON.")?;
    let params = v
        .get("parameters")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or("The request body must contain 'parameters': a non-empty collection of synchronizationJobApplicationParameters.")?;
    if params.len() != 1 {
        return Err("Provision on demand takes one synchronizationJobApplicationParameters.");
    }
    let p = &params[0];
    let rule = p
        .get("ruleId")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or("'ruleId' is required: the id of the synchronizationRule in the job's schema.")?;
    let subjects = p
        .get("subjects")
        .and_then(Value::as_array)
        .filter(|a| a.len() == 1)
        .ok_or("'subjects' must hold exactly one synchronizationJobSubject.")?;
    let s = &subjects[0];
    let id = s
        .get("objectId")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or("'objectId' is required.")?;
    let kind = s
        .get("objectTypeName")
        .and_then(Value::as_str)
        .ok_or("'objectTypeName' is required (User).")?;
    Ok((rule.to_string(), id.to_string(), kind.to_string()))
}

/// One `provisioningSteps` entry as the example spells it.
fn step(
    name: &str,
    kind: &str,
    status: &str,
    description: String,
    at: DateTime<Utc>,
    details: Value,
) -> Value {
    json!({
        "name": name,
        "type": kind,
        "status": status,
        "description": description,
        "timestamp": dotnet_time(at),
        "details": details,
    })
}

fn str_map(pairs: &[(&str, String)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::String(v.clone())))
            .collect(),
    )
}

/// What one on-demand run found and did, before it is written as JSON.
struct Outcome1 {
    result: &'static str,
    error: Option<(String, String)>,
    action: &'static str,
    steps: Vec<Value>,
    modified: Vec<Value>,
    target_id: Option<String>,
}

/// `POST …/jobs/{jobId}/provisionOnDemand`.
pub(crate) async fn provision_on_demand(
    State(st): State<Arc<SimState>>,
    headers: HeaderMap,
    Path((id, job)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let ctx = match gate(
        &st,
        &headers,
        GraphFamily::Synchronization,
        &["Synchronization.ReadWrite.All"],
    )
    .await
    {
        Ok(c) => c,
        Err(r) => return r,
    };
    if let Some(secs) = st.on_demand.check() {
        return throttled(&st, &ctx, secs);
    }
    let (rule, object_id, kind) = match subject(&body) {
        Ok(s) => s,
        Err(m) => return bad_request(&st, &ctx, m),
    };
    let started = st.clock.now();
    // Everything the run needs, read under the lock.
    let (idx, in_scope, mapping_off, prov, client) = {
        let inner = st.lock();
        let t = &inner.tenant;
        let sp_ok = t
            .service_principals
            .iter()
            .any(|s| s.id.to_string().eq_ignore_ascii_case(&id));
        if !sp_ok {
            return graph_error(
                &st,
                &ctx,
                StatusCode::NOT_FOUND,
                "Request_ResourceNotFound",
                &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
            );
        }
        if t.app().id.to_string() != id.to_ascii_lowercase()
            || job != t.job_id()
            || SimState::job_deleted(&inner)
        {
            return graph_error(
                &st,
                &ctx,
                StatusCode::NOT_FOUND,
                "NotFound",
                &format!("The synchronization job '{job}' was not found."),
            );
        }
        if !rule.eq_ignore_ascii_case(&inner.job.schema_rule_id.to_string()) {
            return bad_request(
                &st,
                &ctx,
                &format!("The synchronization rule '{rule}' was not found in the job's schema."),
            );
        }
        if !kind.eq_ignore_ascii_case("User") {
            return bad_request(
                &st,
                &ctx,
                &format!("objectTypeName '{kind}' is not supported here: the simulated tenant provisions users on demand (User)."),
            );
        }
        let Some(idx) = t
            .users
            .iter()
            .position(|u| u.id.to_string().eq_ignore_ascii_case(&object_id))
        else {
            return graph_error(
                &st,
                &ctx,
                StatusCode::NOT_FOUND,
                "Request_ResourceNotFound",
                &format!("The User '{object_id}' was not found in {SOURCE_SYSTEM}."),
            );
        };
        let in_scope = t.users_in_scope().get(idx).copied().unwrap_or(false);
        let mapping_off = SimState::job_view(&inner).users_mapping_disabled;
        let (base, token) = SimState::effective_endpoint(&inner);
        (
            idx as u32,
            in_scope,
            mapping_off,
            inner.prov.users.get(&(idx as u32)).cloned(),
            (base, token),
        )
    };
    let user = st.lock().tenant.users[idx as usize].clone();
    let upn = user.user_principal_name.clone();
    let client = Client {
        http: &st.http,
        base: client.0,
        token: client.1,
    };
    let import_details = str_map(&[
        ("objectId", user.id.to_string()),
        ("accountEnabled", cap(user.account_enabled)),
        ("displayName", user.display_name.clone()),
        ("mailNickname", user.mail_nickname.clone()),
        ("userPrincipalName", upn.clone()),
        ("IsSoftDeleted", "False".into()),
        (
            "appRoleAssignments",
            if in_scope {
                "User".into()
            } else {
                String::new()
            },
        ),
    ]);
    let mut steps = vec![step(
        "EntryImport",
        "Import",
        "Success",
        format!("Retrieved User '{upn}' from {SOURCE_SYSTEM}"),
        started,
        import_details,
    )];
    let out = if !in_scope || mapping_off {
        out_of_scope(&st, &upn, in_scope, mapping_off, steps)
    } else {
        // Matching: look the user up by the matching attribute (userName <- userPrincipalName).
        let found = client.lookup("Users", "userName", &upn).await;
        match found {
            Err(e) => failed_call(&st, &upn, Action::Create, e, steps, None),
            Ok(found) => {
                let target = found.first().cloned();
                let now = st.clock.now();
                let tid = target
                    .as_ref()
                    .and_then(|v| v.get("id"))
                    .and_then(Value::as_str)
                    .map(str::to_string);
                steps.push(match &target {
                    Some(v) => step(
                        "EntryImport",
                        "Matching",
                        "Success",
                        format!("Retrieved  '{upn}' from {TARGET_SYSTEM}"),
                        now,
                        target_details(v),
                    ),
                    None => step(
                        "EntryImport",
                        "Matching",
                        "Success",
                        format!("User '{upn}' was not found in {TARGET_SYSTEM} (no user with userName '{upn}'); it will be created"),
                        now,
                        json!({}),
                    ),
                });
                steps.push(scoping_step(&st, true));
                let current = prov
                    .as_ref()
                    .is_some_and(|p| p.active && p.version == user.version);
                if current && target.is_some() {
                    let msg = "The state of the user in both the source and target systems already match.";
                    steps.push(step(
                        "EntrySynchronizationSkip",
                        "Export",
                        "Skipped",
                        format!("{msg} No change to the User '{upn}' currently needs to be made."),
                        st.clock.now(),
                        json!({"SkipReason": "RedundantExport"}),
                    ));
                    Outcome1 {
                        result: "Skipped",
                        error: Some(("RedundantExport".into(), msg.into())),
                        action: "Other",
                        steps,
                        modified: Vec::new(),
                        target_id: tid,
                    }
                } else {
                    let existing = if target.is_some() { prov.clone() } else { None };
                    let work = Work::UserUpsert {
                        idx,
                        attrs: user_attrs(&user),
                        version: user.version,
                        existing,
                    };
                    let mut targets = HashMap::new();
                    let res = execute(&client, work, &mut targets).await;
                    record(&st, idx, &res);
                    match res {
                        Ok(item) => exported(&st, &upn, item, steps),
                        Err((action, e, detail)) => {
                            failed_call(&st, &upn, action, e, steps, Some(detail))
                        }
                    }
                }
            }
        }
    };
    respond(&st, &ctx, &user.id, &upn, started, out)
}

fn cap(b: bool) -> String {
    if b { "True" } else { "False" }.to_string()
}

fn target_details(v: &Value) -> Value {
    let get = |k: &str| match v.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => cap(*b),
        Some(other) if !other.is_null() => other.to_string(),
        _ => String::new(),
    };
    str_map(&[
        ("active", get("active")),
        ("displayName", get("displayName")),
        ("externalId", get("externalId")),
        ("id", get("id")),
        ("userName", get("userName")),
    ])
}

fn scoping_step(st: &SimState, assigned: bool) -> Value {
    let t = if assigned { "True" } else { "False" };
    step(
        "EntrySynchronizationScoping",
        "Scoping",
        if assigned { "Success" } else { "Skipped" },
        "Determine if User in scope by evaluating against each scoping filter".into(),
        st.clock.now(),
        json!({
            "IsActive": "True",
            "Assigned": t,
            "IsEffectivelyEntitledForProvisioning": t,
            "IsInProvisioningScopeDisplayName": t,
            "ScopeEvaluationResult": "{}",
        }),
    )
}

fn out_of_scope(
    st: &SimState,
    upn: &str,
    assigned: bool,
    mapping_off: bool,
    mut steps: Vec<Value>,
) -> Outcome1 {
    steps.push(scoping_step(st, assigned && !mapping_off));
    let (code, msg) = if mapping_off {
        // The simulator's wording: the Users object mapping is switched off.
        (
            "ObjectMappingDisabled".to_string(),
            "The object mapping 'Provision Microsoft Entra ID Users' is disabled.".to_string(),
        )
    } else {
        (
            ErrorKind::NotEffectivelyEntitled.code().to_string(),
            ErrorKind::NotEffectivelyEntitled.reason().to_string(),
        )
    };
    steps.push(step(
        "EntrySynchronizationSkip",
        "Export",
        "Skipped",
        format!("The User '{upn}' will be skipped. {msg}"),
        st.clock.now(),
        json!({"SkipReason": code}),
    ));
    Outcome1 {
        result: "Skipped",
        error: Some((code, msg)),
        action: "Other",
        steps,
        modified: Vec::new(),
        target_id: None,
    }
}

fn exported(st: &SimState, upn: &str, item: ItemResult, mut steps: Vec<Value>) -> Outcome1 {
    let (name, action, past) = match item.action {
        Action::Create => ("EntryExportAdd", "Create", "created in"),
        _ => ("EntryExportUpdate", "Update", "updated in"),
    };
    let tid = item.detail.target_id.clone();
    steps.push(step(
        name,
        "Export",
        "Success",
        format!("User '{upn}' was {past} {TARGET_SYSTEM}"),
        st.clock.now(),
        json!({"ReportableIdentifier": upn, "id": tid}),
    ));
    Outcome1 {
        result: "Success",
        error: None,
        action,
        steps,
        modified: modified(&item.detail),
        target_id: Some(tid),
    }
}

fn modified(d: &EventDetail) -> Vec<Value> {
    d.modified
        .iter()
        .map(|(n, o, v)| json!({"displayName": n, "oldValue": o, "newValue": v}))
        .collect()
}

fn failed_call(
    st: &SimState,
    upn: &str,
    action: Action,
    e: CallError,
    mut steps: Vec<Value>,
    detail: Option<EventDetail>,
) -> Outcome1 {
    let (kind, message) = match e {
        CallError::Entry(k, m) => (k, m),
        CallError::Abort(a) if a.unreachable => (ErrorKind::Timeout, a.message),
        CallError::Abort(a) => (ErrorKind::CredentialValidationFailure, a.message),
    };
    let (name, verb) = match action {
        Action::Create => ("EntryExportAdd", "create"),
        _ => ("EntryExportUpdate", "update"),
    };
    steps.push(step(
        name,
        "Export",
        "Failure",
        format!("Failed to {verb} User '{upn}' in {TARGET_SYSTEM}"),
        st.clock.now(),
        json!({"ReportableIdentifier": upn, "errorCode": kind.code(), "reason": message}),
    ));
    Outcome1 {
        result: "Failure",
        error: Some((
            kind.code().to_string(),
            format!("{} {message}", kind.reason()),
        )),
        action: if action == Action::Create {
            "Create"
        } else {
            "Update"
        },
        steps,
        modified: detail.as_ref().map(modified).unwrap_or_default(),
        target_id: detail.map(|d| d.target_id).filter(|t| !t.is_empty()),
    }
}

/// Keep the service's memory and the provisioning logs as a cycle would:
/// the on-demand run is logged as its own one-entry run.
fn record(st: &SimState, idx: u32, res: &Result<ItemResult, crate::provision::ExecErr>) {
    let now = st.clock.now();
    let item = match res {
        Ok(i) => ItemResult {
            object: i.object,
            action: i.action,
            outcome: i.outcome,
            error: i.error,
            duration_ms: 0,
            detail: i.detail.clone(),
            update: match &i.update {
                ProvUpdate::User(n, p) => ProvUpdate::User(*n, p.clone()),
                _ => ProvUpdate::None,
            },
            at: now,
        },
        Err((action, e, detail)) => ItemResult {
            object: Principal::User(idx),
            action: *action,
            outcome: Outcome::Failure,
            error: Some(match e {
                CallError::Entry(k, _) => *k,
                CallError::Abort(a) if a.unreachable => ErrorKind::Timeout,
                CallError::Abort(_) => ErrorKind::CredentialValidationFailure,
            }),
            duration_ms: 0,
            detail: EventDetail {
                additional: Some(match e {
                    CallError::Entry(_, m) => m.clone(),
                    CallError::Abort(a) => a.message.clone(),
                }),
                ..detail.clone()
            },
            update: ProvUpdate::None,
            at: now,
        },
    };
    let cycle = st.lock().logs.begin_cycle(Uuid::new_v4());
    apply(st, cycle, vec![item], None);
}

fn respond(
    st: &SimState,
    ctx: &Ctx,
    source_id: &Uuid,
    upn: &str,
    started: DateTime<Utc>,
    o: Outcome1,
) -> Response {
    let ended = st.clock.now();
    let details = match &o.error {
        Some((code, msg)) => json!({"errorCode": code, "errorMessage": msg}),
        None => json!({}),
    };
    let key = json!({"result": o.result, "details": details});
    let (code, reason) = match (&o.error, o.result) {
        (Some((c, m)), "Failure") => (Value::String(c.clone()), Value::String(m.clone())),
        _ => (Value::Null, Value::Null),
    };
    let value = json!({
        "action": o.action,
        "changeId": Uuid::new_v4().to_string(),
        "endTime": dotnet_time(ended),
        "modifiedProperties": o.modified,
        "provisioningSteps": o.steps,
        "reportableIdentifier": upn,
        "startTime": dotnet_time(started),
        "statusInfo": {
            "status": o.result,
            "errorCode": code,
            "reason": reason,
            "additionalDetails": null,
            "errorCategory": null,
            "recommendedAction": null,
        },
        "sourceIdentity": {"id": source_id.to_string(), "type": "User", "displayName": null, "details": null},
        "sourceSystem": {"id": null, "name": SOURCE_SYSTEM, "details": null},
        "targetIdentity": {"id": o.target_id, "type": TARGET_TYPE, "displayName": null, "details": null},
        "targetSystem": {"id": null, "name": TARGET_SYSTEM, "details": null},
    });
    let body = json!({
        "@odata.context": format!("{}/v1.0/$metadata#microsoft.graph.stringKeyStringValuePair", st.base_url),
        "key": key.to_string(),
        "value": value.to_string(),
    });
    let mut r = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")],
        body.to_string(),
    )
        .into_response();
    add_ids(&mut r, ctx);
    r
}
