//! `servicePrincipals/{id}/synchronization`: jobs, one job, its schema,
//! the secrets and the job actions.

use super::*;
use crate::apps::ExtraApp;
use crate::state::Inner;

fn job_exists(t: &Tenant, sp: &ServicePrincipal, job: &str) -> bool {
    (sp.id == t.app().id && job == t.job_id())
        || t.extra_app(&sp.id).is_some_and(|a| a.job.id == job)
}

/// Whether the admin may not read this extra app's synchronization
/// (`crate::apps`): real Graph then answers 401 `UnknownError` with an
/// empty message.
fn sync_denied(t: &Tenant, sp: &ServicePrincipal) -> bool {
    t.extra_app(&sp.id).is_some_and(|a| a.jobs_denied)
}

/// `GET /v1.0/servicePrincipals/{id}/synchronization/jobs`.
pub async fn jobs(
    State(st): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let ctx = gate_or_return!(st, headers, GraphFamily::Synchronization, SYNC_READ);
    let inner = st.lock();
    let t = &inner.tenant;
    let sp = sp_or_return!(st, ctx, t, id);
    if sync_denied(t, sp) {
        return unknown_error_401(&st, &ctx);
    }
    let extra = t.extra_app(&sp.id);
    let value: Vec<Value> = if let Some(a) = extra {
        vec![a.job.to_json(crate::job::JobView::default())]
    } else if sp.id == t.app().id && !SimState::job_deleted(&inner) {
        vec![inner.job.to_json(SimState::job_view(&inner))]
    } else {
        vec![]
    };
    let body = json!({
        "@odata.context": context(&st, &format!("servicePrincipals('{}')/synchronization/jobs", sp.id)),
        "value": value,
    });
    drop(inner);
    ok_json(&ctx, body)
}

fn job_not_found(st: &SimState, ctx: &Ctx, job: &str) -> Response {
    graph_error(
        st,
        ctx,
        StatusCode::NOT_FOUND,
        "NotFound",
        &format!("The synchronization job '{job}' was not found."),
    )
}

/// What `job` and `schema` read first: service principal `id` and its job
/// `job`, with the extra app the job belongs to (`None`: the main app's).
/// `Err` is the answer when there is none to read: an unknown principal,
/// a synchronization the admin may not read (401), an unknown job (404).
// The error is the request's answer, as from `gate` (and `Paging`).
#[allow(clippy::result_large_err)]
fn job_to_read<'a>(
    st: &SimState,
    ctx: &Ctx,
    inner: &'a Inner,
    id: &str,
    job: &str,
) -> Result<(&'a ServicePrincipal, Option<&'a ExtraApp>), Response> {
    let t = &inner.tenant;
    let sp = find_sp(t, id).map_err(|(s, c, m)| graph_error(st, ctx, s, c, &m))?;
    if sync_denied(t, sp) {
        return Err(unknown_error_401(st, ctx));
    }
    if !job_exists(t, sp, job) {
        return Err(job_not_found(st, ctx, job));
    }
    Ok((sp, t.extra_app(&sp.id)))
}

/// `GET /v1.0/servicePrincipals/{id}/synchronization/jobs/{jobId}`.
pub async fn job(
    State(st): State<Arc<SimState>>,
    headers: HeaderMap,
    Path((id, job)): Path<(String, String)>,
) -> Response {
    let ctx = gate_or_return!(st, headers, GraphFamily::Synchronization, SYNC_READ);
    let inner = st.lock();
    let (sp, extra) = match job_to_read(&st, &ctx, &inner, &id, &job) {
        Ok(found) => found,
        Err(r) => return r,
    };
    if extra.is_none() && SimState::job_deleted(&inner) {
        // Fault JobNotFound: the job was deleted.
        let m = format!("Resource '{job}' does not exist or one of its queried reference-property objects are not present.");
        return graph_error(&st, &ctx, StatusCode::NOT_FOUND, "ResourceNotFound", &m);
    }
    let mut v = match extra {
        Some(a) => a.job.to_json(crate::job::JobView::default()),
        None => inner.job.to_json(SimState::job_view(&inner)),
    };
    v["@odata.context"] = json!(context(
        &st,
        &format!(
            "servicePrincipals('{}')/synchronization/jobs/$entity",
            sp.id
        )
    ));
    drop(inner);
    ok_json(&ctx, v)
}

/// `GET /v1.0/servicePrincipals/{id}/synchronization/jobs/{jobId}/schema`.
pub async fn schema(
    State(st): State<Arc<SimState>>,
    headers: HeaderMap,
    Path((id, job)): Path<(String, String)>,
) -> Response {
    let ctx = gate_or_return!(st, headers, GraphFamily::Synchronization, SYNC_READ);
    let inner = st.lock();
    let (sp, extra) = match job_to_read(&st, &ctx, &inner, &id, &job) {
        Ok(found) => found,
        Err(r) => return r,
    };
    let ctx_url = context(
        &st,
        &format!(
            "servicePrincipals('{}')/synchronization/jobs('{job}')/schema/$entity",
            sp.id
        ),
    );
    // An extra app's schema: the SCIM template's, as the main app starts with.
    let v = match extra {
        Some(a) => a.job.schema_json(crate::job::JobView::default(), &ctx_url),
        None => inner.job.schema_json(SimState::job_view(&inner), &ctx_url),
    };
    drop(inner);
    ok_json(&ctx, v)
}

/// `GET /v1.0/servicePrincipals/{id}/synchronization/secrets`.
pub async fn secrets(
    State(st): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let ctx = gate_or_return!(st, headers, GraphFamily::Synchronization, SYNC_READ);
    let inner = st.lock();
    let sp = sp_or_return!(st, ctx, &inner.tenant, id);
    if sync_denied(&inner.tenant, sp) {
        return unknown_error_401(&st, &ctx);
    }
    if sp.id != inner.tenant.app().id {
        return ok_json(
            &ctx,
            json!({"@odata.context": context(&st, &format!("servicePrincipals('{}')/synchronization/secrets", sp.id)), "value": []}),
        );
    }
    let v = inner.job.secrets_json(
        &SimState::shown_base_address(&inner),
        &context(
            &st,
            &format!("servicePrincipals('{}')/synchronization/secrets", sp.id),
        ),
    );
    drop(inner);
    ok_json(&ctx, v)
}

/// `PUT /v1.0/servicePrincipals/{id}/synchronization/secrets`.
pub async fn put_secrets(
    State(st): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let ctx = gate_or_return!(st, headers, GraphFamily::Synchronization, SYNC_WRITE);
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return graph_error(
            &st,
            &ctx,
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "The request body is not valid JSON.",
        );
    };
    let Some(list) = v.get("value").and_then(Value::as_array) else {
        return graph_error(
            &st,
            &ctx,
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Expected {\"value\": [{\"key\": ..., \"value\": ...}]}.",
        );
    };
    let mut inner = st.lock();
    let sp = sp_or_return!(st, ctx, &inner.tenant, id);
    if sp.id != inner.tenant.app().id {
        return graph_error(
            &st,
            &ctx,
            StatusCode::NOT_FOUND,
            "NotFound",
            "This application has no synchronization.",
        );
    }
    for kv in list {
        let (Some(k), Some(val)) = (
            kv.get("key").and_then(Value::as_str),
            kv.get("value").and_then(Value::as_str),
        ) else {
            continue;
        };
        match k {
            "BaseAddress" => inner.job.base_address = val.to_string(),
            "SecretToken" => inner.job.secret_token = val.to_string(),
            "SyncAll" => inner.job.sync_all = val.eq_ignore_ascii_case("true"),
            _ => {}
        }
    }
    drop(inner);
    no_content(&ctx)
}

/// `POST /v1.0/servicePrincipals/{id}/synchronization/jobs/{jobId}/{action}`
/// (`start`, `pause`, `restart`, `validateCredentials`).
pub async fn job_action(
    State(st): State<Arc<SimState>>,
    headers: HeaderMap,
    Path((id, job, action)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    let ctx = gate_or_return!(st, headers, GraphFamily::Synchronization, SYNC_WRITE);
    let body: Value = if body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(_) => {
                return graph_error(
                    &st,
                    &ctx,
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    "The request body is not valid JSON.",
                )
            }
        }
    };
    let now = st.clock.now();
    let (base, token) = {
        let mut inner = st.lock();
        let sp = sp_or_return!(st, ctx, &inner.tenant, id);
        if !job_exists(&inner.tenant, sp, &job) {
            return job_not_found(&st, &ctx, &job);
        }
        match action.as_str() {
            "start" => {
                inner.job.schedule_state = crate::job::ScheduleState::Active;
                if inner.job.next_run.is_none() || inner.job.quarantine.is_none() {
                    inner.job.next_run = Some(now);
                }
                return no_content(&ctx);
            }
            "pause" => {
                inner.job.schedule_state = crate::job::ScheduleState::Paused;
                return no_content(&ctx);
            }
            "restart" => {
                let scope = body
                    .get("criteria")
                    .and_then(|c| c.get("resetScope"))
                    .and_then(Value::as_str)
                    .unwrap_or("Full")
                    .to_string();
                crate::provision::restart(&mut inner, &scope, now);
                return no_content(&ctx);
            }
            "validateCredentials" => {
                let use_saved = body
                    .get("useSavedCredentials")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                let (mut base, mut token) = SimState::effective_endpoint(&inner);
                if !use_saved {
                    if let Some(creds) = body.get("credentials").and_then(Value::as_array) {
                        for kv in creds {
                            match (
                                kv.get("key").and_then(Value::as_str),
                                kv.get("value").and_then(Value::as_str),
                            ) {
                                (Some("BaseAddress"), Some(v)) => base = v.to_string(),
                                (Some("SecretToken"), Some(v)) => token = v.to_string(),
                                _ => {}
                            }
                        }
                    }
                }
                (base, token)
            }
            other => {
                return graph_error(
                    &st,
                    &ctx,
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    &format!("Resource not found for the segment '{other}'."),
                )
            }
        }
    };
    // Entra's Test Connection: GET {BaseAddress}/Users?filter=userName eq "<random guid>"
    let probe = Uuid::new_v4();
    let url = format!(
        "{}/Users?filter={}",
        base.trim_end_matches('/'),
        url::form_urlencoded::byte_serialize(format!("userName eq \"{probe}\"").as_bytes())
            .collect::<String>()
    );
    let result = st.http.get(&url).bearer_auth(&token).send().await;
    let problem = match result {
        Err(e) => Some(format!("could not connect to {base}: {e}")),
        Ok(r) => {
            let status = r.status();
            let text = r.text().await.unwrap_or_default();
            if !status.is_success() {
                Some(format!(
                    "the SCIM endpoint answered HTTP {}",
                    status.as_u16()
                ))
            } else if serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| {
                    v.get("Resources")
                        .cloned()
                        .or(v.get("totalResults").cloned())
                })
                .is_none()
            {
                Some("the SCIM endpoint did not answer with a SCIM ListResponse".into())
            } else {
                None
            }
        }
    };
    match problem {
        None => no_content(&ctx),
        Some(p) => graph_error(
            &st,
            &ctx,
            StatusCode::BAD_REQUEST,
            crate::job::CREDENTIAL_FAILURE,
            &format!("You appear to have entered invalid credentials. Please confirm you are using the correct information for an administrative account. Error code: SystemForCrossDomainIdentityManagementCredentialValidationFailure Details: {p}"),
        ),
    }
}
