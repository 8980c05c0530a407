//! Microsoft Graph v1.0 over HTTP: the endpoints scimwatch reads, in Graph's
//! exact shapes, with Graph's errors, throttling and permission checks.

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
use crate::graph_real::{throttled, unknown_error_401};
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

/// The absolute `@odata.nextLink` for `path` with the request's parameters and a new `$skiptoken`.
fn next_link(state: &SimState, path: &str, params: &Params, token: &str) -> String {
    let mut q = String::new();
    for (k, v) in params
        .iter()
        .filter(|(k, _)| k != "$skiptoken" && k != "skiptoken")
    {
        q.push_str(k);
        q.push('=');
        q.extend(url::form_urlencoded::byte_serialize(v.as_bytes()));
        q.push('&');
    }
    format!("{}/v1.0/{path}?{q}$skiptoken={token}", state.base_url)
}

fn skiptoken(params: &Params) -> Result<Option<usize>, ()> {
    match param(params, "$skiptoken") {
        None => Ok(None),
        Some(t) => t
            .strip_prefix("X%27")
            .or_else(|| t.strip_prefix("X'"))
            .and_then(|r| {
                r.trim_end_matches("%27")
                    .trim_end_matches('\'')
                    .parse::<usize>()
                    .ok()
            })
            .map(Some)
            .ok_or(()),
    }
}

fn make_token(pos: usize) -> String {
    format!("X%27{pos}%27")
}

fn top(params: &Params, default: usize, max: usize) -> Result<usize, String> {
    match param(params, "$top") {
        None => Ok(default),
        Some(t) => match t.parse::<i64>() {
            Ok(n) if n >= 1 => Ok((n as usize).min(max)),
            _ => Err(format!("Invalid value '{t}' for $top query option found.")),
        },
    }
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

/// A user as Graph shows it: the default properties, plus the ones Graph only
/// returns when `$select`ed (`accountEnabled`, `mailNickname`, …).
fn user_json(u: &crate::tenant::User, params: &Params, typed: bool) -> Value {
    let mut v = json!({
        "id": u.id.to_string(),
        "businessPhones": [],
        "displayName": u.display_name,
        "givenName": u.given_name,
        "jobTitle": u.job_title,
        "mail": u.mail,
        "mobilePhone": null,
        "officeLocation": null,
        "preferredLanguage": null,
        "surname": u.surname,
        "userPrincipalName": u.user_principal_name,
    });
    if let Value::Object(o) = &mut v {
        if typed {
            o.insert("@odata.type".into(), json!("#microsoft.graph.user"));
        }
        if param(params, "$select").is_some() {
            o.insert("accountEnabled".into(), json!(u.account_enabled));
            o.insert("mailNickname".into(), json!(u.mail_nickname));
            o.insert("department".into(), json!(u.department));
        }
    }
    select(v, params)
}

fn sp_json(t: &Tenant, sp: &ServicePrincipal) -> Value {
    let app_roles = if sp.id == t.app().id {
        json!([
            {"allowedMemberTypes": ["User"], "description": "User", "displayName": "User", "id": t.user_role_id.to_string(), "isEnabled": true, "origin": "Application", "value": null},
            {"allowedMemberTypes": ["User"], "description": "msiam_access", "displayName": "msiam_access", "id": "7dfd756e-8c27-4472-b2b7-38c17fc5de5e", "isEnabled": true, "origin": "Application", "value": null}
        ])
    } else {
        json!([])
    };
    json!({
        "id": sp.id.to_string(),
        "deletedDateTime": null,
        "accountEnabled": true,
        "alternativeNames": [],
        "appDisplayName": sp.display_name,
        "appDescription": null,
        "appId": sp.app_id.to_string(),
        "applicationTemplateId": if sp.id == t.app().id { json!("8adf8e6e-67b2-4cf2-a259-e3dc5476c621") } else { Value::Null },
        "appOwnerOrganizationId": sp.app_owner_organization_id.to_string(),
        "appRoleAssignmentRequired": sp.app_role_assignment_required,
        "description": null,
        "disabledByMicrosoftStatus": null,
        "displayName": sp.display_name,
        "homepage": null,
        "loginUrl": null,
        "logoutUrl": null,
        "notes": null,
        "notificationEmailAddresses": [],
        "preferredSingleSignOnMode": null,
        "preferredTokenSigningKeyThumbprint": null,
        "publisherName": sp.publisher_name,
        "replyUrls": [],
        "servicePrincipalNames": [sp.app_id.to_string()],
        "servicePrincipalType": "Application",
        "signInAudience": "AzureADMyOrg",
        "tags": sp.tags,
        "tokenEncryptionKeyId": null,
        "samlSingleSignOnSettings": null,
        "addIns": [],
        "appRoles": app_roles,
        "info": {"logoUrl": null, "marketingUrl": null, "privacyStatementUrl": null, "supportUrl": null, "termsOfServiceUrl": null},
        "keyCredentials": [],
        "oauth2PermissionScopes": [],
        "passwordCredentials": [],
        "resourceSpecificApplicationPermissions": [],
        "verifiedPublisher": {"displayName": null, "verifiedPublisherId": null, "addedDateTime": null},
    })
}

fn sp_matches(sp: &ServicePrincipal, filter: &str) -> Result<bool, String> {
    let f = filter.trim();
    if let Some(rest) = f.strip_prefix("startswith(displayName,") {
        let v = rest.trim_end_matches(')').trim().trim_matches('\'');
        return Ok(sp
            .display_name
            .to_lowercase()
            .starts_with(&v.to_lowercase()));
    }
    let mut it = f.splitn(3, ' ');
    let (Some(field), Some(op), Some(value)) = (it.next(), it.next(), it.next()) else {
        return Err(format!("Invalid filter clause: '{f}'"));
    };
    if op != "eq" {
        return Err(format!("Unsupported or invalid query filter clause specified for property '{field}' of resource 'ServicePrincipal'."));
    }
    let v = value.trim().trim_matches('\'').replace("''", "'");
    match field {
        "displayName" => Ok(sp.display_name.eq_ignore_ascii_case(&v)),
        "appId" => Ok(sp.app_id.to_string().eq_ignore_ascii_case(&v)),
        "id" => Ok(sp.id.to_string().eq_ignore_ascii_case(&v)),
        "servicePrincipalType" => Ok(v == "Application"),
        _ => Err(format!("Unsupported or invalid query filter clause specified for property '{field}' of resource 'ServicePrincipal'.")),
    }
}

/// `GET /v1.0/servicePrincipals`.
pub async fn service_principals(
    State(st): State<Arc<SimState>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let ctx = match gate(&st, &headers, GraphFamily::Directory, APP_READ).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let params = parse_params(q);
    let top = match top(&params, 100, 999) {
        Ok(t) => t,
        Err(m) => return graph_error(&st, &ctx, StatusCode::BAD_REQUEST, "Request_BadRequest", &m),
    };
    let Ok(skip) = skiptoken(&params) else {
        return graph_error(
            &st,
            &ctx,
            StatusCode::BAD_REQUEST,
            "Request_BadRequest",
            "Invalid $skiptoken.",
        );
    };
    let search = param(&params, "$search").map(|s| s.trim_matches('"').to_string());
    if search.is_some()
        && headers
            .get("ConsistencyLevel")
            .and_then(|v| v.to_str().ok())
            != Some("eventual")
    {
        return graph_error(&st, &ctx, StatusCode::BAD_REQUEST, "Request_UnsupportedQuery", "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'");
    }
    let loops = st.next_link_loops();
    let inner = st.lock();
    let t = &inner.tenant;
    let mut matched = Vec::new();
    for sp in &t.service_principals {
        if let Some(f) = param(&params, "$filter") {
            match sp_matches(sp, f) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(m) => {
                    return graph_error(
                        &st,
                        &ctx,
                        StatusCode::BAD_REQUEST,
                        "Request_UnsupportedQuery",
                        &m,
                    )
                }
            }
        }
        if let Some(s) = &search {
            let needle = s
                .split_once(':')
                .map(|(_, v)| v)
                .unwrap_or(s)
                .to_lowercase();
            if !sp.display_name.to_lowercase().contains(&needle) {
                continue;
            }
        }
        matched.push(sp);
    }
    let start = skip.unwrap_or(0);
    let page: Vec<Value> = matched
        .iter()
        .skip(start)
        .take(top)
        .map(|sp| select(sp_json(t, sp), &params))
        .collect();
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(context(&st, "servicePrincipals")),
    );
    if param(&params, "$count") == Some("true") {
        body.insert("@odata.count".into(), json!(matched.len()));
    }
    if start + top < matched.len() {
        let pos = if loops { start } else { start + top };
        body.insert(
            "@odata.nextLink".into(),
            json!(next_link(
                &st,
                "servicePrincipals",
                &params,
                &make_token(pos)
            )),
        );
    }
    body.insert("value".into(), Value::Array(page));
    drop(inner);
    ok_json(&ctx, Value::Object(body))
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

/// `GET /v1.0/servicePrincipals/{id}`.
pub async fn service_principal(
    State(st): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let ctx = gate_or_return!(st, headers, GraphFamily::Directory, APP_READ);
    let params = parse_params(q);
    let inner = st.lock();
    let sp = sp_or_return!(st, ctx, &inner.tenant, id);
    let mut v = select(sp_json(&inner.tenant, sp), &params);
    if let Value::Object(o) = &mut v {
        o.insert(
            "@odata.context".into(),
            json!(context(&st, "servicePrincipals/$entity")),
        );
    }
    drop(inner);
    ok_json(&ctx, v)
}

/// `GET /v1.0/servicePrincipals/{id}/appRoleAssignedTo`.
pub async fn app_role_assigned_to(
    State(st): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let ctx = gate_or_return!(st, headers, GraphFamily::Directory, APP_READ);
    let params = parse_params(q);
    let top = match top(&params, 100, 999) {
        Ok(t) => t,
        Err(m) => return graph_error(&st, &ctx, StatusCode::BAD_REQUEST, "Request_BadRequest", &m),
    };
    let Ok(skip) = skiptoken(&params) else {
        return graph_error(
            &st,
            &ctx,
            StatusCode::BAD_REQUEST,
            "Request_BadRequest",
            "Invalid $skiptoken.",
        );
    };
    let loops = st.next_link_loops();
    let inner = st.lock();
    let t = &inner.tenant;
    let sp = sp_or_return!(st, ctx, t, id);
    let list: &[crate::tenant::AppRoleAssignment] = if sp.id == t.app().id {
        &t.assignments
    } else {
        &[]
    };
    let start = skip.unwrap_or(0);
    let page: Vec<Value> = list
        .iter()
        .skip(start)
        .take(top)
        .map(|a| {
            let (ptype, pid, pname) = match a.principal {
                Principal::User(u) => t
                    .users
                    .get(u as usize)
                    .map(|u| ("User", u.id, u.display_name.clone()))
                    .unwrap_or(("User", Uuid::nil(), String::new())),
                Principal::Group(g) => t
                    .groups
                    .get(g as usize)
                    .map(|g| ("Group", g.id, g.display_name.clone()))
                    .unwrap_or(("Group", Uuid::nil(), String::new())),
            };
            select(
                json!({
                    "id": a.id,
                    "deletedDateTime": null,
                    "appRoleId": a.app_role_id.to_string(),
                    "createdDateTime": graph_time(a.created),
                    "principalDisplayName": pname,
                    "principalId": pid.to_string(),
                    "principalType": ptype,
                    "resourceDisplayName": sp.display_name,
                    "resourceId": sp.id.to_string(),
                }),
                &params,
            )
        })
        .collect();
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(context(
            &st,
            &format!("servicePrincipals('{}')/appRoleAssignedTo", sp.id)
        )),
    );
    if start + top < list.len() {
        let pos = if loops { start } else { start + top };
        body.insert(
            "@odata.nextLink".into(),
            json!(next_link(
                &st,
                &format!("servicePrincipals/{}/appRoleAssignedTo", sp.id),
                &params,
                &make_token(pos)
            )),
        );
    }
    body.insert("value".into(), Value::Array(page));
    drop(inner);
    ok_json(&ctx, Value::Object(body))
}

/// `GET /v1.0/groups/{id}/members`.
pub async fn group_members(
    State(st): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let ctx = gate_or_return!(st, headers, GraphFamily::Directory, GROUP_READ);
    let params = parse_params(q);
    let top = match top(&params, 100, 999) {
        Ok(t) => t,
        Err(m) => return graph_error(&st, &ctx, StatusCode::BAD_REQUEST, "Request_BadRequest", &m),
    };
    let Ok(skip) = skiptoken(&params) else {
        return graph_error(
            &st,
            &ctx,
            StatusCode::BAD_REQUEST,
            "Request_BadRequest",
            "Invalid $skiptoken.",
        );
    };
    let Ok(gid) = Uuid::parse_str(&id) else {
        return graph_error(
            &st,
            &ctx,
            StatusCode::BAD_REQUEST,
            "Request_BadRequest",
            &format!("Invalid object identifier '{id}'."),
        );
    };
    let loops = st.next_link_loops();
    let inner = st.lock();
    let t = &inner.tenant;
    let Some(g) = t.group_idx(&gid).and_then(|i| t.groups.get(i as usize)) else {
        return graph_error(&st, &ctx, StatusCode::NOT_FOUND, "Request_ResourceNotFound", &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."));
    };
    let start = skip.unwrap_or(0);
    let page: Vec<Value> = g
        .members
        .iter()
        .skip(start)
        .take(top)
        .filter_map(|m| t.users.get(*m as usize))
        .map(|u| user_json(u, &params, true))
        .collect();
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(context(&st, "directoryObjects")),
    );
    if start + top < g.members.len() {
        let pos = if loops { start } else { start + top };
        body.insert(
            "@odata.nextLink".into(),
            json!(next_link(
                &st,
                &format!("groups/{id}/members"),
                &params,
                &make_token(pos)
            )),
        );
    }
    body.insert("value".into(), Value::Array(page));
    drop(inner);
    ok_json(&ctx, Value::Object(body))
}

/// `GET /users?$filter=id in ('…','…')` (at most 15 values, as Graph allows).
pub async fn users(
    State(st): State<Arc<SimState>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let ctx = gate_or_return!(st, headers, GraphFamily::Directory, GROUP_READ);
    let params = parse_params(q);
    let Some(filter) = param(&params, "$filter") else {
        return graph_error(
            &st,
            &ctx,
            StatusCode::BAD_REQUEST,
            "Request_UnsupportedQuery",
            "The simulator lists users by id only: $filter=id in ('…').",
        );
    };
    let inner_list = filter
        .trim()
        .strip_prefix("id in (")
        .and_then(|r| r.strip_suffix(')'));
    let Some(list) = inner_list else {
        return graph_error(
            &st,
            &ctx,
            StatusCode::BAD_REQUEST,
            "Request_UnsupportedQuery",
            &format!("Unsupported Query: {filter}"),
        );
    };
    let ids: Vec<&str> = list
        .split(',')
        .map(|v| v.trim().trim_matches('\''))
        .filter(|v| !v.is_empty())
        .collect();
    if ids.len() > 15 {
        return graph_error(&st, &ctx, StatusCode::BAD_REQUEST, "Request_UnsupportedQuery", "Too many child clauses specified in search filter expression containing 'OR' operators: 16. Max allowed: 15.");
    }
    let inner = st.lock();
    let t = &inner.tenant;
    let value: Vec<Value> = ids
        .iter()
        .filter_map(|id| Uuid::parse_str(id).ok())
        .filter_map(|id| t.user_idx(&id).and_then(|i| t.users.get(i as usize)))
        .map(|u| user_json(u, &params, false))
        .collect();
    let body = json!({"@odata.context": context(&st, "users"), "value": value});
    drop(inner);
    ok_json(&ctx, body)
}

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

/// `GET /v1.0/servicePrincipals/{id}/synchronization/jobs/{jobId}`.
pub async fn job(
    State(st): State<Arc<SimState>>,
    headers: HeaderMap,
    Path((id, job)): Path<(String, String)>,
) -> Response {
    let ctx = gate_or_return!(st, headers, GraphFamily::Synchronization, SYNC_READ);
    let inner = st.lock();
    let sp = sp_or_return!(st, ctx, &inner.tenant, id);
    if sync_denied(&inner.tenant, sp) {
        return unknown_error_401(&st, &ctx);
    }
    let extra = inner.tenant.extra_app(&sp.id);
    if !job_exists(&inner.tenant, sp, &job) {
        return job_not_found(&st, &ctx, &job);
    }
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
    let sp = sp_or_return!(st, ctx, &inner.tenant, id);
    if sync_denied(&inner.tenant, sp) {
        return unknown_error_401(&st, &ctx);
    }
    let extra = inner.tenant.extra_app(&sp.id);
    if !job_exists(&inner.tenant, sp, &job) {
        return job_not_found(&st, &ctx, &job);
    }
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

/// `GET /v1.0/auditLogs/provisioning`.
pub async fn provisioning_logs(
    State(st): State<Arc<SimState>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let ctx = gate_or_return!(st, headers, GraphFamily::ProvisioningLogs, LOGS_READ);
    if !st.premium(&st.lock()) {
        return graph_error(
            &st,
            &ctx,
            StatusCode::FORBIDDEN,
            "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
            "Neither tenant is B2C or tenant doesn't have premium license",
        );
    }
    let params = parse_params(q);
    let top = match top(&params, 100, 1000) {
        Ok(t) => t,
        Err(m) => return graph_error(&st, &ctx, StatusCode::BAD_REQUEST, "BadRequest", &m),
    };
    let clauses = match param(&params, "$filter").map(parse_filter).transpose() {
        Ok(c) => c.unwrap_or_default(),
        Err(m) => return graph_error(&st, &ctx, StatusCode::BAD_REQUEST, "BadRequest", &m),
    };
    let desc = match param(&params, "$orderby").map(str::trim) {
        None => true,
        Some("activityDateTime") | Some("activityDateTime asc") => false,
        Some("activityDateTime desc") => true,
        Some(o) => {
            return graph_error(
                &st,
                &ctx,
                StatusCode::BAD_REQUEST,
                "BadRequest",
                &format!("Invalid $orderby: '{o}'. Only activityDateTime is supported."),
            )
        }
    };
    if param(&params, "$count").is_some() {
        return graph_error(
            &st,
            &ctx,
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "$count is not supported on provisioning logs.",
        );
    }
    let Ok(cursor) = skiptoken(&params) else {
        return graph_error(
            &st,
            &ctx,
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Invalid $skiptoken.",
        );
    };
    let loops = st.next_link_loops();
    let inner = st.lock();
    let retained = st.clock.now() - Duration::days(30);
    let apps = inner.tenant.log_apps();
    let page = inner
        .logs
        .query(&clauses, desc, top, cursor, retained, &apps);
    let next_link = page.next.map(|next| {
        let pos = if loops {
            cursor.unwrap_or(if desc { usize::MAX } else { 0 })
        } else {
            next
        };
        next_link(&st, "auditLogs/provisioning", &params, &make_token(pos))
    });
    let rctx = RenderCtx {
        tenant: &inner.tenant,
    };
    let shape = SimState::log_shape(&inner);
    let body = LogPage {
        context: crate::logs_real::page_context(&st.base_url, shape),
        next_link,
        value: inner.logs.events_json(&page.items, &rctx).with_shape(shape),
    };
    let text = serde_json::to_string(&body);
    drop(inner);
    match text {
        Ok(text) => ok_json_text(&ctx, text),
        Err(e) => graph_error(
            &st,
            &ctx,
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            &format!("Could not render the provisioning logs: {e}"),
        ),
    }
}

/// A page of `auditLogs/provisioning`, serialised straight from the log store.
#[derive(Serialize)]
struct LogPage<'a> {
    #[serde(rename = "@odata.context")]
    context: String,
    #[serde(rename = "@odata.nextLink", skip_serializing_if = "Option::is_none")]
    next_link: Option<String>,
    value: EventsJson<'a>,
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
