//! The built-in SCIM 2.0 target (RFC 7643/7644), in memory, under `/scim/v2/`:
//! the handler here, its data in `crate::state` ([`ScimStore`]), and the
//! misbehaviours of real servers in front of it (`misbehave`).

pub mod misbehave;
mod patch;

pub use patch::apply_op;

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use crate::state::{stamp, Collection, SimState};
// The paths these had before the store moved to `state`.
pub use crate::state::{ScimStore, TargetBehaviour};

const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// A body that fails before its first byte: hyper then closes the
/// connection without sending anything, so the caller sees the connection
/// end with no answer, as from a SaaS whose endpoint is down.
struct DroppedConnection;

impl axum::body::HttpBody for DroppedConnection {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        std::task::Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "the SCIM endpoint is down",
        ))))
    }
}

/// The answer of an endpoint that is down: none, the connection is dropped.
fn dropped_connection() -> Response {
    Response::new(axum::body::Body::new(DroppedConnection))
}

fn scim_json(status: StatusCode, v: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/scim+json")],
        v.to_string(),
    )
        .into_response()
}

fn scim_error(status: StatusCode, scim_type: Option<&str>, detail: &str) -> Response {
    let mut v =
        json!({"schemas": [ERROR_SCHEMA], "status": status.as_u16().to_string(), "detail": detail});
    if let Some(t) = scim_type {
        v["scimType"] = json!(t);
    }
    scim_json(status, v)
}

fn html_page() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!DOCTYPE html><html><head><title>Sign in</title></head><body><h1>Sign in to continue</h1><form method=\"post\" action=\"/login\"><input name=\"user\"><input type=\"password\" name=\"password\"></form></body></html>",
    )
        .into_response()
}

/// Handle any request under `/scim/v2/`.
pub(crate) async fn dispatch(
    State(state): State<Arc<SimState>>,
    method: Method,
    Path(rest): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let b = state.target_behaviour();
    if b.endpoint_down {
        return dropped_connection();
    }
    if !b.latency.is_zero() {
        tokio::time::sleep(b.latency).await;
    }
    if b.html {
        return html_page();
    }
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let presented = auth
        .strip_prefix("Bearer ")
        .or_else(|| auth.strip_prefix("bearer "))
        .unwrap_or_default();
    if presented.is_empty() || presented != b.token {
        return scim_error(
            StatusCode::UNAUTHORIZED,
            None,
            "Authorization failed: invalid bearer token",
        );
    }
    let now = state.clock.now();
    if b.token_expires_at.is_some_and(|exp| now >= exp) {
        return scim_error(
            StatusCode::UNAUTHORIZED,
            None,
            "Authorization failed: the bearer token has expired",
        );
    }
    let params: HashMap<String, String> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let base = format!("{}/scim/v2", state.tenant_url);
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let is_write = method != Method::GET;
    if b.server_error && is_write {
        return scim_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            None,
            "Internal server error",
        );
    }
    match (segs.as_slice(), &method) {
        (["ServiceProviderConfig"], &Method::GET) => {
            scim_json(StatusCode::OK, service_provider_config())
        }
        (["ResourceTypes"], &Method::GET) => scim_json(
            StatusCode::OK,
            list(
                vec![
                    resource_type("User", USER_SCHEMA),
                    resource_type("Group", GROUP_SCHEMA),
                ],
                2,
                1,
            ),
        ),
        (["Schemas"], &Method::GET) => scim_json(
            StatusCode::OK,
            list(
                vec![
                    schema(USER_SCHEMA, "User"),
                    schema(GROUP_SCHEMA, "Group"),
                    schema(ENTERPRISE, "EnterpriseUser"),
                ],
                3,
                1,
            ),
        ),
        ([kind @ ("Users" | "Groups")], m) => {
            let users = *kind == "Users";
            if *m == Method::GET {
                // Lists are served concurrently, as a SaaS would.
                let store = state.scim.read().unwrap_or_else(|e| e.into_inner());
                list_resources(&store, users, &params, &b)
            } else if *m == Method::POST {
                let mut store = state.scim.write().unwrap_or_else(|e| e.into_inner());
                create(&mut store, users, &body, now, &base, &b)
            } else {
                scim_error(StatusCode::METHOD_NOT_ALLOWED, None, "Method not allowed")
            }
        }
        ([kind @ ("Users" | "Groups"), id], m) => {
            let users = *kind == "Users";
            let mut store = state.scim.write().unwrap_or_else(|e| e.into_inner());
            let name_attr = if users { "userName" } else { "displayName" };
            let coll = if users {
                &mut store.users
            } else {
                &mut store.groups
            };
            let Some(&idx) = coll.by_id.get(*id) else {
                return scim_error(
                    StatusCode::NOT_FOUND,
                    None,
                    &format!("Resource {id} not found"),
                );
            };
            match *m {
                Method::GET => scim_json(StatusCode::OK, coll.items[idx].clone()),
                Method::DELETE => {
                    coll.items.remove(idx);
                    coll.reindex(name_attr);
                    StatusCode::NO_CONTENT.into_response()
                }
                Method::PUT => {
                    let Ok(mut v) = serde_json::from_slice::<Value>(&body) else {
                        return scim_error(
                            StatusCode::BAD_REQUEST,
                            Some("invalidSyntax"),
                            "Request body is not valid JSON",
                        );
                    };
                    let rt = if users { "User" } else { "Group" };
                    if let Some(meta) = coll.items[idx].get("meta").cloned() {
                        v["meta"] = meta;
                    }
                    stamp(&mut v, id, rt, now, &base);
                    coll.items[idx] = v;
                    coll.reindex(name_attr);
                    scim_json(StatusCode::OK, coll.items[idx].clone())
                }
                Method::PATCH => {
                    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
                        return scim_error(
                            StatusCode::BAD_REQUEST,
                            Some("invalidSyntax"),
                            "Request body is not valid JSON",
                        );
                    };
                    let Some(ops) = v.get("Operations").and_then(Value::as_array) else {
                        return scim_error(
                            StatusCode::BAD_REQUEST,
                            Some("invalidSyntax"),
                            "PatchOp without Operations",
                        );
                    };
                    let mut item = coll.items[idx].clone();
                    for op in ops {
                        if let Err(msg) = apply_op(&mut item, op) {
                            return scim_error(StatusCode::BAD_REQUEST, Some("invalidPath"), &msg);
                        }
                    }
                    let rt = if users { "User" } else { "Group" };
                    stamp(&mut item, id, rt, now, &base);
                    coll.items[idx] = item;
                    coll.reindex_one(idx, name_attr);
                    scim_json(StatusCode::OK, coll.items[idx].clone())
                }
                _ => scim_error(StatusCode::METHOD_NOT_ALLOWED, None, "Method not allowed"),
            }
        }
        _ => scim_error(StatusCode::NOT_FOUND, None, "Endpoint not found"),
    }
}

fn list(resources: Vec<Value>, total: usize, start: usize) -> Value {
    json!({"schemas": [LIST_SCHEMA], "totalResults": total, "itemsPerPage": resources.len(), "startIndex": start, "Resources": resources})
}

/// A Schema resource (RFC 7643 §7: with its own `schemas`).
fn schema(id: &str, name: &str) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
           "id": id, "name": name, "attributes": []})
}

fn resource_type(name: &str, schema: &str) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"], "id": name, "name": name, "endpoint": format!("/{name}s"), "schema": schema})
}

fn service_provider_config() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": 1000},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": false},
        "authenticationSchemes": [{"type": "oauthbearertoken", "name": "OAuth Bearer Token", "description": "Authentication scheme using the OAuth Bearer Token Standard"}],
    })
}

/// Parse `attr eq "value"`.
fn parse_eq(filter: &str) -> Option<(String, String)> {
    let mut it = filter.trim().splitn(3, ' ');
    let attr = it.next()?;
    let op = it.next()?;
    let value = it.next()?.trim();
    if !op.eq_ignore_ascii_case("eq") {
        return None;
    }
    let value = value.strip_prefix('"')?.strip_suffix('"')?;
    Some((attr.to_string(), value.replace("\\\"", "\"")))
}

fn get_path<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = v;
    for p in path.split('.') {
        cur = cur.get(p)?;
    }
    Some(cur)
}

fn list_resources(
    store: &ScimStore,
    users: bool,
    params: &HashMap<String, String>,
    b: &TargetBehaviour,
) -> Response {
    let coll = if users { &store.users } else { &store.groups };
    let name_attr = if users { "userName" } else { "displayName" };
    let start = if b.ignore_start_index {
        1
    } else {
        params
            .get("startIndex")
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(1)
            .max(1) as usize
    };
    let count = params
        .get("count")
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(100)
        .clamp(0, 1000) as usize;
    // RFC 7644 §3.4.2.5: top-level attributes, case-insensitive; `id` and
    // `schemas` are always returned.
    let excluded: Vec<String> = params
        .get("excludedAttributes")
        .map(|e| {
            e.split(',')
                .map(|a| a.trim().to_ascii_lowercase())
                .filter(|a| !a.is_empty() && a != "id" && a != "schemas")
                .collect()
        })
        .unwrap_or_default();
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Some(o) = v.as_object_mut() {
            o.retain(|k, _| !excluded.contains(&k.to_ascii_lowercase()));
        }
        v
    };
    if let Some(filter) = params.get("filter") {
        let Some((attr, value)) = parse_eq(filter) else {
            return scim_error(
                StatusCode::BAD_REQUEST,
                Some("invalidFilter"),
                &format!("Unsupported filter: {filter}"),
            );
        };
        if users && b.duplicate_conflict && attr.eq_ignore_ascii_case("userName") {
            return scim_json(StatusCode::OK, list(vec![], 0, 1));
        }
        let found: Vec<Value> = if attr.eq_ignore_ascii_case(name_attr) {
            coll.by_name
                .get(&value.to_lowercase())
                .and_then(|&i| coll.items.get(i))
                .map(strip)
                .into_iter()
                .collect()
        } else if attr == "id" {
            coll.by_id
                .get(&value)
                .and_then(|&i| coll.items.get(i))
                .map(strip)
                .into_iter()
                .collect()
        } else {
            coll.items
                .iter()
                .filter(|v| {
                    get_path(v, &attr)
                        .and_then(Value::as_str)
                        .is_some_and(|s| s.eq_ignore_ascii_case(&value))
                })
                .map(strip)
                .collect()
        };
        let total = found.len();
        return scim_json(StatusCode::OK, list(found, total, 1));
    }
    let total = coll.items.len();
    let page = coll.items.iter().skip(start - 1).take(count);
    if !excluded.is_empty() {
        let page: Vec<Value> = page.map(strip).collect();
        return scim_json(StatusCode::OK, list(page, total, start));
    }
    // Serialize straight from the store (no copy of each resource): the
    // target serves 100k-user inventories to benchmarks.
    let resources: Vec<&Value> = page.collect();
    let body = ListBody {
        schemas: [LIST_SCHEMA],
        total_results: total,
        items_per_page: resources.len(),
        start_index: start,
        resources,
    };
    match serde_json::to_string(&body) {
        Ok(text) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/scim+json")],
            text,
        )
            .into_response(),
        Err(e) => scim_error(StatusCode::INTERNAL_SERVER_ERROR, None, &e.to_string()),
    }
}

/// A ListResponse borrowing its resources (same shape as [`list`]).
#[derive(serde::Serialize)]
struct ListBody<'a> {
    schemas: [&'static str; 1],
    #[serde(rename = "totalResults")]
    total_results: usize,
    #[serde(rename = "itemsPerPage")]
    items_per_page: usize,
    #[serde(rename = "startIndex")]
    start_index: usize,
    #[serde(rename = "Resources")]
    resources: Vec<&'a Value>,
}

fn create(
    store: &mut ScimStore,
    users: bool,
    body: &[u8],
    now: DateTime<Utc>,
    base: &str,
    b: &TargetBehaviour,
) -> Response {
    let Ok(mut v) = serde_json::from_slice::<Value>(body) else {
        return scim_error(
            StatusCode::BAD_REQUEST,
            Some("invalidSyntax"),
            "Request body is not valid JSON",
        );
    };
    if !v.is_object() {
        return scim_error(
            StatusCode::BAD_REQUEST,
            Some("invalidSyntax"),
            "Request body must be a JSON object",
        );
    }
    let (name_attr, rt) = if users {
        ("userName", "User")
    } else {
        ("displayName", "Group")
    };
    let name = Collection::name_of(&v, name_attr);
    if name.is_empty() {
        return scim_error(
            StatusCode::BAD_REQUEST,
            Some("invalidValue"),
            &format!("{name_attr} is required"),
        );
    }
    if users && (b.duplicate_conflict || store.users.by_name.contains_key(&name)) {
        return scim_error(
            StatusCode::CONFLICT,
            Some("uniqueness"),
            &format!("A user with userName '{name}' already exists"),
        );
    }
    let id = store.new_id();
    stamp(&mut v, &id, rt, now, base);
    let coll = if users {
        &mut store.users
    } else {
        &mut store.groups
    };
    coll.by_id.insert(id, coll.items.len());
    coll.by_name.insert(name, coll.items.len());
    coll.items.push(v.clone());
    scim_json(StatusCode::CREATED, v)
}

#[cfg(test)]
mod tests;
