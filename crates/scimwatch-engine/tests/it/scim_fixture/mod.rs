//! A small SCIM server on 127.0.0.1 that misbehaves on request, and helpers
//! shared by the `scim_*` integration tests.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use chrono::Utc;
use scimwatch_core::{ConnectionInput, Sensitive};
use scimwatch_engine::connections::{self, SecretsInput};
use scimwatch_engine::secrets::MemoryStore;
use scimwatch_engine::{Engine, Store};
use serde_json::{json, Value};

pub const TOKEN: &str = "fixture-token-123";
const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

#[derive(Debug, Clone)]
pub struct Behaviour {
    pub users: Vec<Value>,
    pub groups: Vec<Value>,
    /// Largest page the server returns whatever `count` says.
    pub max_page: usize,
    pub latency: Duration,
    /// One request at a time.
    pub serial: bool,
    pub zero_based: bool,
    pub ignore_start_index: bool,
    pub items_per_page_wrong: bool,
    pub duplicate_ids: bool,
    pub not_found_for_empty_filter: bool,
    pub json_content_type: bool,
    pub non_scim_errors: bool,
    pub ignore_filter: bool,
    pub no_total_results: bool,
    pub active_as_string: bool,
    pub status: Option<u16>,
    pub html: bool,
    /// Every n-th request answers 429 with `Retry-After: 0.05`.
    pub throttle_every: Option<usize>,
    /// Added to `totalResults` (a count that includes resources the list
    /// never returns).
    pub total_results_offset: usize,
    /// Every page holds `max_page` resources, whatever `count` asks.
    pub ignore_count: bool,
    /// Every request answers 404 with the web framework's HTML page.
    pub html_not_found: bool,
    /// A filtered list answers 400 `invalidFilter`.
    pub filter_invalid: bool,
    /// `userName eq` compares values case-sensitively.
    pub user_name_case_sensitive: bool,
    /// Filter attribute names must be spelled exactly (`USERNAME eq` finds nobody).
    pub attribute_names_case_sensitive: bool,
    /// /ServiceProviderConfig says `filter.supported: false` (filters work).
    pub filter_supported_false: bool,
    /// /ResourceTypes and /Schemas without totalResults/itemsPerPage/startIndex.
    pub discovery_without_totals: bool,
    /// Schema resources without `schemas`.
    pub schema_without_schemas: bool,
    /// ResourceType endpoints as absolute paths (`/scim/v2/Users`).
    pub absolute_endpoints: bool,
    /// A wrong token gets 401 with an empty `text/html` body.
    pub unauthorized_empty_html: bool,
    /// `startIndex=0` answers 400.
    pub start_index_zero_refused: bool,
    /// `excludedAttributes` is ignored.
    pub ignore_excluded_attributes: bool,
    /// `displayName eq` on groups finds nothing.
    pub display_name_filter_broken: bool,
    /// `externalId eq` finds nothing (an unknown filter attribute answered
    /// with 0 results).
    pub ignore_external_id_filter: bool,
    /// Any bearer token is accepted (the token is never checked).
    pub accept_any_token: bool,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            users: Vec::new(),
            groups: Vec::new(),
            max_page: 1000,
            latency: Duration::ZERO,
            serial: false,
            zero_based: false,
            ignore_start_index: false,
            items_per_page_wrong: false,
            duplicate_ids: false,
            not_found_for_empty_filter: false,
            json_content_type: false,
            non_scim_errors: false,
            ignore_filter: false,
            no_total_results: false,
            active_as_string: false,
            status: None,
            html: false,
            throttle_every: None,
            total_results_offset: 0,
            ignore_count: false,
            html_not_found: false,
            filter_invalid: false,
            user_name_case_sensitive: false,
            attribute_names_case_sensitive: false,
            filter_supported_false: false,
            discovery_without_totals: false,
            schema_without_schemas: false,
            absolute_endpoints: false,
            unauthorized_empty_html: false,
            start_index_zero_refused: false,
            ignore_excluded_attributes: false,
            display_name_filter_broken: false,
            ignore_external_id_filter: false,
            accept_any_token: false,
        }
    }
}

pub fn user(i: usize) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": format!("u{i:05}"),
        "userName": format!("user{i}@example.com"),
        "externalId": format!("ext{i}"),
        "active": true,
        "displayName": format!("User {i}"),
        "name": {"givenName": "User", "familyName": format!("N{i}")},
        "emails": [{"value": format!("user{i}@example.com"), "type": "work", "primary": true}],
        "meta": {"resourceType": "User", "lastModified": "2024-01-01T00:00:00Z"}
    })
}

pub fn group(i: usize, members: &[usize]) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": format!("g{i:03}"),
        "externalId": format!("gext{i}"),
        "displayName": format!("Group {i}"),
        "members": members.iter().map(|m| json!({"value": format!("u{m:05}"), "display": format!("User {m}")})).collect::<Vec<_>>()
    })
}

pub fn with_users(n: usize) -> Behaviour {
    Behaviour {
        users: (0..n).map(user).collect(),
        groups: (0..3).map(|g| group(g, &[g, g + 1, g + 2])).collect(),
        ..Behaviour::default()
    }
}

#[derive(Clone)]
struct Shared {
    b: Arc<Mutex<Behaviour>>,
    requests: Arc<AtomicUsize>,
    serial: Arc<tokio::sync::Mutex<()>>,
}

pub struct Fixture {
    /// `http://127.0.0.1:PORT/scim/v2`
    pub url: String,
    pub root: String,
    pub behaviour: Arc<Mutex<Behaviour>>,
    pub requests: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Fixture {
    pub async fn start(b: Behaviour) -> Fixture {
        let shared = Shared {
            b: Arc::new(Mutex::new(b)),
            requests: Arc::new(AtomicUsize::new(0)),
            serial: Arc::new(tokio::sync::Mutex::new(())),
        };
        let app = Router::new()
            .route("/scim/v2/{*rest}", any(handle))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Fixture {
            url: format!("http://127.0.0.1:{port}/scim/v2"),
            root: format!("http://127.0.0.1:{port}"),
            behaviour: shared.b,
            requests: shared.requests,
            task,
        }
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    pub fn set(&self, f: impl FnOnce(&mut Behaviour)) {
        f(&mut self.behaviour.lock().unwrap());
    }
}

fn respond(b: &Behaviour, status: StatusCode, v: Value) -> Response {
    let ct = if b.json_content_type {
        "application/json"
    } else {
        "application/scim+json"
    };
    (status, [("content-type", ct)], v.to_string()).into_response()
}

fn error(b: &Behaviour, status: StatusCode, detail: &str) -> Response {
    if b.non_scim_errors {
        return (
            status,
            [("content-type", "text/html")],
            format!("<html><body><h1>{}</h1></body></html>", status.as_u16()),
        )
            .into_response();
    }
    respond(
        b,
        status,
        json!({"schemas": [ERROR], "status": status.as_u16().to_string(), "detail": detail}),
    )
}

fn discovery_list(b: &Behaviour, resources: Vec<Value>) -> Response {
    let n = resources.len();
    let body = if b.discovery_without_totals {
        json!({"schemas": [LIST], "Resources": resources})
    } else {
        json!({"schemas": [LIST], "totalResults": n, "startIndex": 1, "itemsPerPage": n,
               "Resources": resources})
    };
    respond(b, StatusCode::OK, body)
}

fn parse_eq(filter: &str) -> Option<(String, String)> {
    let mut it = filter.trim().splitn(3, ' ');
    let attr = it.next()?.to_string();
    let _op = it.next()?;
    let v = it.next()?.trim().trim_matches('"').to_string();
    Some((attr, v))
}

async fn handle(
    State(s): State<Shared>,
    Path(rest): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    let n = s.requests.fetch_add(1, Ordering::SeqCst) + 1;
    let b = s.b.lock().unwrap().clone();
    let _serial = if b.serial {
        Some(s.serial.lock().await)
    } else {
        None
    };
    if !b.latency.is_zero() {
        tokio::time::sleep(b.latency).await;
    }
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if auth != format!("Bearer {TOKEN}") && !(b.accept_any_token && auth.starts_with("Bearer ")) {
        if b.unauthorized_empty_html {
            return (
                StatusCode::UNAUTHORIZED,
                [("content-type", "text/html")],
                "",
            )
                .into_response();
        }
        return error(&b, StatusCode::UNAUTHORIZED, "invalid token");
    }
    if b.html {
        return (
            StatusCode::OK,
            [("content-type", "text/html")],
            "<!DOCTYPE html><html><head><title>Corporate login</title></head><body>Sign in</body></html>",
        )
            .into_response();
    }
    if b.html_not_found {
        return (
            StatusCode::NOT_FOUND,
            [("content-type", "text/html; charset=utf-8")],
            "<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1>\
             <p>The requested URL was not found on the server.</p></body></html>",
        )
            .into_response();
    }
    if b.filter_invalid && q.as_deref().is_some_and(|q| q.contains("filter=")) {
        return (
            StatusCode::BAD_REQUEST,
            [("content-type", "application/scim+json")],
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                   "status": "400", "scimType": "invalidFilter",
                   "detail": "Filtering is not supported"})
            .to_string(),
        )
            .into_response();
    }
    if let Some(st) = b.status {
        return error(&b, StatusCode::from_u16(st).unwrap(), "failure injected");
    }
    if b.throttle_every.is_some_and(|k| n % k == 0) {
        return (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "0.05")], "").into_response();
    }
    let params: HashMap<String, String> =
        url::form_urlencoded::parse(q.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let segs: Vec<&str> = rest.split('/').filter(|x| !x.is_empty()).collect();
    match segs.as_slice() {
        ["ServiceProviderConfig"] => respond(
            &b,
            StatusCode::OK,
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
                   "patch": {"supported": true}, "filter": {"supported": !b.filter_supported_false, "maxResults": 200},
                   "bulk": {"supported": false}, "sort": {"supported": false}, "etag": {"supported": false},
                   "changePassword": {"supported": false}}),
        ),
        ["ResourceTypes"] => {
            let ep = |n: &str| {
                if b.absolute_endpoints {
                    format!("/scim/v2/{n}")
                } else {
                    format!("/{n}")
                }
            };
            let rt = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
            discovery_list(
                &b,
                vec![
                    json!({"schemas": [rt], "id": "User", "name": "User", "endpoint": ep("Users")}),
                    json!({"schemas": [rt], "id": "Group", "name": "Group", "endpoint": ep("Groups")}),
                ],
            )
        }
        ["Schemas"] => {
            let mut schema =
                json!({"id": "urn:ietf:params:scim:schemas:core:2.0:User", "name": "User"});
            if !b.schema_without_schemas {
                schema["schemas"] = json!(["urn:ietf:params:scim:schemas:core:2.0:Schema"]);
            }
            discovery_list(&b, vec![schema])
        }
        [kind @ ("Users" | "Groups")] => {
            let items = if *kind == "Users" {
                &b.users
            } else {
                &b.groups
            };
            let name_attr = if *kind == "Users" {
                "userName"
            } else {
                "displayName"
            };
            let mut page: Vec<Value>;
            let total;
            let start_echo;
            if let Some((attr, v)) = params.get("filter").and_then(|f| parse_eq(f)) {
                // Attribute names are case-insensitive; userName and
                // displayName values too, externalId is case-exact.
                let value_of = |u: &Value| -> Option<(String, String)> {
                    let o = u.as_object()?;
                    let (k, x) = if b.attribute_names_case_sensitive {
                        o.get_key_value(&attr)?
                    } else {
                        o.iter().find(|(k, _)| k.eq_ignore_ascii_case(&attr))?
                    };
                    Some((k.clone(), x.as_str()?.to_string()))
                };
                let matches = |u: &Value| {
                    value_of(u).is_some_and(|(k, x)| {
                        let exact = k == "externalId"
                            || (k == name_attr && *kind == "Users" && b.user_name_case_sensitive);
                        if (k == "displayName" && b.display_name_filter_broken)
                            || (k == "externalId" && b.ignore_external_id_filter)
                        {
                            false
                        } else if exact {
                            x == v
                        } else {
                            x.eq_ignore_ascii_case(&v)
                        }
                    })
                };
                page = if b.ignore_filter {
                    items.iter().take(2).cloned().collect()
                } else {
                    items.iter().filter(|u| matches(u)).cloned().collect()
                };
                if page.is_empty() && b.not_found_for_empty_filter {
                    return error(&b, StatusCode::NOT_FOUND, "no such user");
                }
                total = page.len();
                start_echo = 1;
            } else {
                if b.start_index_zero_refused && params.get("startIndex").is_some_and(|s| s == "0")
                {
                    return error(&b, StatusCode::BAD_REQUEST, "startIndex must be at least 1");
                }
                let default_start = if b.zero_based { 0 } else { 1 };
                let start: usize = params
                    .get("startIndex")
                    .and_then(|x| x.parse().ok())
                    .unwrap_or(default_start);
                let offset = if b.ignore_start_index {
                    0
                } else if b.zero_based {
                    start
                } else {
                    start.saturating_sub(1)
                };
                let count: usize = if b.ignore_count {
                    b.max_page
                } else {
                    params
                        .get("count")
                        .and_then(|x| x.parse().ok())
                        .unwrap_or(100)
                        .min(b.max_page)
                };
                page = items.iter().skip(offset).take(count).cloned().collect();
                if b.duplicate_ids && !page.is_empty() {
                    let first = page[0].clone();
                    page.push(first);
                }
                total = items.len();
                start_echo = if b.zero_based { start } else { start.max(1) };
            }
            if !b.ignore_excluded_attributes {
                if let Some(ex) = params.get("excludedAttributes") {
                    for r in &mut page {
                        if let Some(o) = r.as_object_mut() {
                            for a in ex.split(',').map(str::trim) {
                                o.retain(|k, _| !k.eq_ignore_ascii_case(a));
                            }
                        }
                    }
                }
            }
            if b.active_as_string {
                for u in &mut page {
                    if let Some(a) = u.get("active").and_then(Value::as_bool) {
                        u["active"] = json!(if a { "True" } else { "False" });
                    }
                }
            }
            let mut body = json!({"schemas": [LIST], "startIndex": start_echo,
                "itemsPerPage": if b.items_per_page_wrong { page.len() + 7 } else { page.len() },
                "Resources": page});
            if !b.no_total_results {
                body["totalResults"] = json!(total + b.total_results_offset);
            }
            respond(&b, StatusCode::OK, body)
        }
        [kind @ ("Users" | "Groups"), id] => {
            let items = if *kind == "Users" {
                &b.users
            } else {
                &b.groups
            };
            match items
                .iter()
                .find(|u| u.get("id").and_then(Value::as_str) == Some(id))
            {
                Some(u) => respond(&b, StatusCode::OK, u.clone()),
                None => error(&b, StatusCode::NOT_FOUND, "Resource not found"),
            }
        }
        _ => error(&b, StatusCode::NOT_FOUND, "no such endpoint"),
    }
}

/// An engine over an in-memory database and secret store.
pub async fn engine() -> Engine {
    let store = Store::open_memory().await.unwrap();
    Engine::from_parts(
        store,
        Arc::new(MemoryStore::new()),
        std::env::temp_dir().join("scimwatch-test"),
    )
}

/// Add a SCIM-only connection; returns its uuid.
pub async fn add_connection(engine: &Engine, name: &str, url: &str, token: &str) -> String {
    let input = ConnectionInput {
        name: name.into(),
        scim_url: Some(url.into()),
        ..ConnectionInput::default()
    };
    let secrets = SecretsInput {
        scim_token: Some(Sensitive::new(token.into())),
        client_secret: None,
        client_certificate: None,
    };
    connections::add(
        &engine.store,
        engine.secrets.as_ref(),
        &input,
        &secrets,
        Utc::now(),
    )
    .await
    .unwrap()
    .connection
    .id
}

/// A Users mapping that maps app roles (Microsoft's SingleAppRoleAssignment
/// line): Entra then sends a role on Create User.
pub const USERS_MAPPING_WITH_ROLES: &[&str] = &[
    "*userName <- userPrincipalName",
    "roles[primary eq \"True\"].value <- SingleAppRoleAssignment([appRoleAssignments])",
];

/// Store Entra's Users mapping (as the Graph poller does) with `attributes`.
pub async fn store_users_mapping(eng: &Engine, conn: &str, attributes: &[&str]) {
    use scimwatch_core::graph::job::ConfigKind;
    use scimwatch_engine::graph::sync::{MappingSummary, MappingsBody};
    use scimwatch_engine::store::jobs::record_config;
    let body = MappingsBody {
        mappings: vec![MappingSummary {
            name: Some("Provision Microsoft Entra ID Users".into()),
            source: Some("User".into()),
            target: Some("urn:ietf:params:scim:schemas:core:2.0:User".into()),
            enabled: true,
            attributes: attributes.iter().map(|a| (*a).to_string()).collect(),
        }],
    };
    let row = scimwatch_engine::store::connections::find(eng.store.pool(), conn)
        .await
        .unwrap()
        .unwrap();
    let json = serde_json::to_string(&body).unwrap();
    record_config(
        eng.store.pool(),
        row.id,
        ConfigKind::Schema,
        &json,
        &format!("hash-{}", json.len()),
        |_| "read".into(),
        Utc::now().timestamp_millis(),
    )
    .await
    .unwrap();
}
