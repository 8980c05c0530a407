//! Microsoft Graph v1.0 over HTTP: the endpoints scimwatch reads, in Graph's
//! exact shapes, with Graph's errors, throttling and permission checks.
//!
//! One file per resource (`service_principals` with its app role
//! assignments, `groups`, `users`, `synchronization`, `provisioning_logs`),
//! provisionOnDemand (`on_demand`), the shapes of real Graph's errors
//! (`real`), and one paging helper for every list (`paging`). Here: the gate
//! every request passes (latency, faults, auth, throttling) and the envelope.

macro_rules! gate_or_return {
    ($st:expr, $headers:expr, $fam:expr, $perms:expr) => {
        match gate(&$st, &$headers, $fam, $perms).await {
            Ok(c) => c,
            Err(r) => return r,
        }
    };
}

macro_rules! sp_or_return {
    ($st:expr, $ctx:expr, $t:expr, $id:expr) => {
        match find_sp($t, &$id) {
            Ok(sp) => sp,
            Err((s, c, m)) => return graph_error(&$st, &$ctx, s, c, &m),
        }
    };
}

mod groups;
mod on_demand;
mod paging;
mod provisioning_logs;
mod real;
mod service_principals;
mod synchronization;
mod users;

pub(crate) use groups::group_members;
pub(crate) use on_demand::provision_on_demand;
use paging::Paging;
pub(crate) use provisioning_logs::provisioning_logs;
use real::{throttled, unknown_error_401};
pub(crate) use service_principals::{app_role_assigned_to, service_principal, service_principals};
pub(crate) use synchronization::{job, job_action, jobs, put_secrets, schema, secrets};
use users::user_json;
pub(crate) use users::users;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use serde::Serialize;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::auth::{validate, TokenProblem};
use crate::clock::graph_time;
use crate::fault::GraphFamily;
use crate::logs::{parse_filter, EventsJson, RenderCtx};
use crate::state::{GraphAction, SimState};
use crate::tenant::{Principal, ServicePrincipal, Tenant};

/// Permissions accepted for directory reads of applications.
const APP_READ: &[&str] = &[
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
/// Permissions accepted for group member reads.
const GROUP_READ: &[&str] = &[
    "GroupMember.Read.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
/// Permissions accepted for synchronization reads.
const SYNC_READ: &[&str] = &["Synchronization.Read.All", "Synchronization.ReadWrite.All"];
/// Permissions needed for synchronization actions.
const SYNC_WRITE: &[&str] = &["Synchronization.ReadWrite.All"];
/// Permissions accepted for the provisioning logs.
const LOGS_READ: &[&str] = &["AuditLog.Read.All"];

type Params = Vec<(String, String)>;

fn param<'a>(p: &'a Params, name: &str) -> Option<&'a str> {
    let bare = name.trim_start_matches('$');
    p.iter()
        .find(|(k, _)| k == name || k == bare)
        .map(|(_, v)| v.as_str())
}

fn parse_params(q: Option<String>) -> Params {
    url::form_urlencoded::parse(q.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// Per-request context: ids for the envelope and the post-processing fault.
pub(crate) struct Ctx {
    pub(crate) request_id: Uuid,
    pub(crate) client_request_id: String,
    post: Option<GraphAction>,
}

/// Build Graph's error envelope.
pub(crate) fn graph_error(
    state: &SimState,
    ctx: &Ctx,
    status: StatusCode,
    code: &str,
    message: &str,
) -> Response {
    let body = json!({
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": graph_time(state.clock.now()),
                "request-id": ctx.request_id.to_string(),
                "client-request-id": ctx.client_request_id,
            }
        }
    });
    json_response(status, &body, ctx)
}

/// A JSON answer as Graph sends its errors (plain `application/json`), with
/// the request's ids.
pub(crate) fn json_response(status: StatusCode, body: &Value, ctx: &Ctx) -> Response {
    let mut r = (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response();
    add_ids(&mut r, ctx);
    r
}

pub(crate) fn add_ids(r: &mut Response, ctx: &Ctx) {
    if let Ok(v) = HeaderValue::from_str(&ctx.request_id.to_string()) {
        r.headers_mut().insert("request-id", v);
    }
    if let Ok(v) = HeaderValue::from_str(&ctx.client_request_id) {
        r.headers_mut().insert("client-request-id", v);
    }
}

fn html_error() -> Response {
    (
        StatusCode::BAD_GATEWAY,
        [(header::CONTENT_TYPE, "text/html")],
        "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>The server encountered a temporary error.</p></body></html>",
    )
        .into_response()
}

/// Everything that happens before a Graph handler: latency, faults, auth, throttling.
pub(crate) async fn gate(
    state: &SimState,
    headers: &HeaderMap,
    family: GraphFamily,
    perms: &[&str],
) -> Result<Ctx, Response> {
    let client_request_id = headers
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .map(String::from)
        .unwrap_or_else(|| Uuid::new_v4().to_string());
    let mut ctx = Ctx {
        request_id: Uuid::new_v4(),
        client_request_id,
        post: None,
    };
    let latency = state.graph_latency(family);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match state.graph_fault(family) {
        Some(GraphAction::Throttle(secs)) => return Err(throttled(state, &ctx, secs)),
        Some(GraphAction::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let (c, m) = if code == 503 {
                (
                    "serviceNotAvailable",
                    "The service is temporarily unavailable. Please retry later.",
                )
            } else {
                ("generalException", "An unexpected error occurred.")
            };
            return Err(graph_error(state, &ctx, status, c, m));
        }
        Some(GraphAction::Html) => return Err(html_error()),
        Some(GraphAction::UnknownError401) => return Err(unknown_error_401(state, &ctx)),
        Some(other) => ctx.post = Some(other),
        None => {}
    }
    if state.config.require_auth {
        let auth = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        match validate(state, auth, state.clock.now()) {
            Err(p) => {
                let msg = match p {
                    TokenProblem::Missing => "Access token is empty.",
                    TokenProblem::Invalid => {
                        "Access token validation failure. Invalid audience or signature."
                    }
                    TokenProblem::Expired => "Lifetime validation failed, the token is expired.",
                };
                let mut r = graph_error(
                    state,
                    &ctx,
                    StatusCode::UNAUTHORIZED,
                    "InvalidAuthenticationToken",
                    msg,
                );
                r.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\""),
                );
                return Err(r);
            }
            Ok(granted) => {
                if !perms.is_empty() && !perms.iter().any(|p| granted.iter().any(|g| g == p)) {
                    let (code, msg) = if family == GraphFamily::ProvisioningLogs {
                        ("Authentication_RequestFromUnsupportedUserRole", "The request is not supported for the user's role or the app lacks AuditLog.Read.All.")
                    } else {
                        (
                            "Authorization_RequestDenied",
                            "Insufficient privileges to complete the operation.",
                        )
                    };
                    return Err(graph_error(state, &ctx, StatusCode::FORBIDDEN, code, msg));
                }
            }
        }
    }
    if let Some(secs) = state.rate_check(family) {
        return Err(throttled(state, &ctx, secs));
    }
    Ok(ctx)
}

fn ok_json(ctx: &Ctx, v: Value) -> Response {
    ok_json_text(ctx, v.to_string())
}

/// A 200 with JSON already serialised (the faults that spoil a body apply).
fn ok_json_text(ctx: &Ctx, text: String) -> Response {
    let body = match ctx.post {
        Some(GraphAction::Malformed) => "{\"value\": [ <html>this is not json</html> ".to_string(),
        Some(GraphAction::Truncated) => text.chars().take(text.chars().count() / 2).collect(),
        _ => text,
    };
    let mut r = (StatusCode::OK, [(header::CONTENT_TYPE, "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")], body).into_response();
    add_ids(&mut r, ctx);
    r
}

fn no_content(ctx: &Ctx) -> Response {
    let mut r = StatusCode::NO_CONTENT.into_response();
    add_ids(&mut r, ctx);
    r
}

fn context(state: &SimState, tail: &str) -> String {
    format!("{}/v1.0/$metadata#{tail}", state.base_url)
}

fn select(mut v: Value, params: &Params) -> Value {
    let Some(sel) = param(params, "$select") else {
        return v;
    };
    let keep: Vec<&str> = sel.split(',').map(str::trim).collect();
    if let Value::Object(o) = &mut v {
        o.retain(|k, _| k == "id" || k.starts_with('@') || keep.contains(&k.as_str()));
    }
    v
}

fn find_sp<'a>(
    t: &'a Tenant,
    id: &str,
) -> Result<&'a ServicePrincipal, (StatusCode, &'static str, String)> {
    let Ok(uuid) = Uuid::parse_str(id) else {
        return Err((
            StatusCode::BAD_REQUEST,
            "Request_BadRequest",
            format!("Invalid object identifier '{id}'."),
        ));
    };
    t.service_principals.iter().find(|s| s.id == uuid).ok_or_else(|| {
        (StatusCode::NOT_FOUND, "Request_ResourceNotFound", format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."))
    })
}

/// Anything else under `/v1.0/`.
pub async fn not_found(
    State(st): State<Arc<SimState>>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let ctx = gate_or_return!(st, headers, GraphFamily::All, &[]);
    let seg = uri
        .path()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    graph_error(
        &st,
        &ctx,
        StatusCode::BAD_REQUEST,
        "BadRequest",
        &format!("Resource not found for the segment '{seg}'."),
    )
}
