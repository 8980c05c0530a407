//! Sign-in endpoints shaped like the Microsoft identity platform v2.0:
//! `authorize` (auth code + PKCE, auto-consent page), `token`
//! (authorization_code, refresh_token with rotation, client_credentials,
//! device_code) and `devicecode`.
//!
//! One file per grant (`client_credentials`, `code`, `refresh`, `device`);
//! the token endpoint's shared checks, token minting and errors here. The
//! grants' store is `crate::state::AuthStore`.

pub(crate) mod admin_consent;
mod client_credentials;
mod code;
mod device;
mod refresh;

use client_credentials::client_credentials;
use code::authorization_code;
pub(crate) use code::{authorize, consent};
use device::device_code;
pub(crate) use device::{devicecode, devicelogin};
use refresh::refresh_token;
// The path it had before the store moved to `state`.
pub use crate::state::AuthStore;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::state::{AuthCode, DeviceCode, PendingAuth, Refresh, SimState};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;
const GRAPH_RESOURCE: &str = "https://graph.microsoft.com/";
const OIDC: &[&str] = &["openid", "profile", "email", "offline_access"];

/// Why a bearer token was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenProblem {
    /// No `Authorization: Bearer`.
    Missing,
    /// Not a token this tenant issued.
    Invalid,
    /// Expired.
    Expired,
}

fn sign(state: &SimState, data: &str) -> String {
    let mut h = Sha256::new();
    h.update(state.scim_token.as_bytes());
    h.update(b"|entra-sim-signing-key|");
    h.update(data.as_bytes());
    B64.encode(h.finalize())
}

/// Issue a JWT-shaped access token carrying `scp` (delegated) or `roles` (app).
fn access_token(
    state: &SimState,
    scopes: &[String],
    app_only: bool,
    now: DateTime<Utc>,
) -> (String, i64) {
    let inner = state.lock();
    let t = &inner.tenant;
    let life = Duration::from_std(state.config.access_token_lifetime)
        .unwrap_or_else(|_| Duration::hours(1));
    let exp = now + life;
    let header = json!({"typ": "JWT", "alg": "RS256", "kid": "entra-sim"});
    let mut claims = json!({
        "aud": "https://graph.microsoft.com",
        "iss": format!("https://sts.windows.net/{}/", t.tenant_id),
        "iat": now.timestamp(),
        "nbf": now.timestamp(),
        "exp": exp.timestamp(),
        "tid": t.tenant_id.to_string(),
        "appid": t.client.client_id.to_string(),
        "app_displayname": "scimwatch",
        "idtyp": if app_only { "app" } else { "user" },
        "uti": Uuid::new_v4().simple().to_string(),
        "ver": "1.0",
    });
    let perms: Vec<&String> = scopes
        .iter()
        .filter(|s| !OIDC.contains(&s.as_str()))
        .collect();
    if app_only {
        claims["roles"] = json!(perms);
        claims["oid"] = json!(t
            .service_principals
            .iter()
            .find(|s| s.app_id == t.client.client_id)
            .map(|s| s.id.to_string()));
    } else {
        claims["scp"] = json!(perms
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" "));
        let admin = t.users.first();
        claims["oid"] = json!(admin.map(|u| u.id.to_string()));
        claims["upn"] = json!(admin.map(|u| u.user_principal_name.clone()));
        claims["name"] = json!(admin.map(|u| u.display_name.clone()));
    }
    drop(inner);
    let data = format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(claims.to_string())
    );
    let sig = sign(state, &data);
    (format!("{data}.{sig}"), life.num_seconds())
}

/// Check a bearer token; returns its permissions (`scp` or `roles`).
pub(crate) fn validate(
    state: &SimState,
    authorization: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Vec<String>, TokenProblem> {
    let raw = authorization.unwrap_or_default();
    let token = raw
        .strip_prefix("Bearer ")
        .or_else(|| raw.strip_prefix("bearer "))
        .unwrap_or_default()
        .trim();
    if token.is_empty() {
        return Err(TokenProblem::Missing);
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenProblem::Invalid);
    };
    if sign(state, &format!("{h}.{p}")) != s {
        return Err(TokenProblem::Invalid);
    }
    let claims: Value = B64
        .decode(p)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(TokenProblem::Invalid)?;
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or(TokenProblem::Invalid)?;
    if now.timestamp() >= exp {
        return Err(TokenProblem::Expired);
    }
    let mut perms: Vec<String> = claims
        .get("roles")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    if let Some(scp) = claims.get("scp").and_then(Value::as_str) {
        perms.extend(scp.split(' ').filter(|s| !s.is_empty()).map(String::from));
    }
    Ok(perms)
}

/// A JSON answer as the identity platform sends it.
fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

fn aad_error(
    state: &SimState,
    status: StatusCode,
    error: &str,
    code: u32,
    description: &str,
) -> Response {
    let now = state.clock.now();
    let trace = Uuid::new_v4();
    let corr = Uuid::new_v4();
    let ts = now.format("%Y-%m-%d %H:%M:%SZ").to_string();
    let body = json!({
        "error": error,
        // As real Entra writes it: `\r\n` before each trace line.
        "error_description": format!("AADSTS{code}: {description}\r\nTrace ID: {trace}\r\nCorrelation ID: {corr}\r\nTimestamp: {ts}"),
        "error_codes": [code],
        "timestamp": ts,
        "trace_id": trace.to_string(),
        "correlation_id": corr.to_string(),
        "error_uri": format!("{}/error?code={code}", state.base_url),
    });
    json_response(status, &body)
}

/// AADSTS900144: a required form parameter is missing.
fn missing_parameter(state: &SimState, name: &str) -> Response {
    aad_error(
        state,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        900144,
        &format!("The request body must contain the following parameter: '{name}'."),
    )
}

fn tenant_ok(state: &SimState, tenant: &str) -> bool {
    let inner = state.lock();
    ["common", "organizations"].contains(&tenant)
        || tenant == inner.tenant.tenant_id.to_string()
        || tenant.eq_ignore_ascii_case(&inner.tenant.domain)
}

fn client_ok(state: &SimState, client_id: Option<&String>) -> bool {
    client_id.is_some_and(|c| *c == state.lock().tenant.client.client_id.to_string())
}

/// AADSTS700016: the form's `client_id` is not the app registration.
fn unknown_client(state: &SimState, form: &HashMap<String, String>, tenant: &str) -> Response {
    let id = form.get("client_id").cloned().unwrap_or_default();
    aad_error(
        state,
        StatusCode::BAD_REQUEST,
        "unauthorized_client",
        700016,
        &format!("Application with identifier '{id}' was not found in the directory '{tenant}'."),
    )
}

/// Normalise requested scopes: strip the Graph resource prefix, expand `.default`.
fn parse_scopes(state: &SimState, scope: &str) -> Vec<String> {
    let graph_prefix = format!("{}/", state.base_url);
    let mut out = Vec::new();
    for s in scope.split_whitespace() {
        let s = s
            .strip_prefix(GRAPH_RESOURCE)
            .or_else(|| s.strip_prefix(graph_prefix.as_str()))
            .unwrap_or(s);
        if s == ".default" {
            out.extend(state.config.delegated_permissions.iter().cloned());
        } else if !s.is_empty() && !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    }
    out
}

fn token_response(state: &SimState, scopes: &[String], now: DateTime<Utc>) -> Response {
    token_response_keeping(state, scopes, scopes, now)
}

/// A token response for `scopes`, whose new refresh token keeps what was
/// `consented`: consent belongs to the grant, so a refresh that asked for
/// fewer scopes does not narrow what the next refresh may ask for (as the
/// identity platform does).
fn token_response_keeping(
    state: &SimState,
    scopes: &[String],
    consented: &[String],
    now: DateTime<Utc>,
) -> Response {
    let (at, life) = access_token(state, scopes, false, now);
    let mut body = json!({
        "token_type": "Bearer",
        "scope": scopes.iter().filter(|s| !OIDC.contains(&s.as_str()) || *s == "offline_access").map(|s| if OIDC.contains(&s.as_str()) { s.clone() } else { format!("{GRAPH_RESOURCE}{s}") }).collect::<Vec<_>>().join(" "),
        "expires_in": life,
        "ext_expires_in": life,
        "access_token": at,
    });
    if scopes.iter().any(|s| s == "offline_access") {
        let mut store = state.auth.lock().unwrap_or_else(|e| e.into_inner());
        let rt = format!("0.sim.{}", store.next());
        store.refresh.insert(
            rt.clone(),
            Refresh {
                scopes: consented.to_vec(),
                expires: now + Duration::days(90),
                used: false,
            },
        );
        body["refresh_token"] = json!(rt);
    }
    if scopes.iter().any(|s| s == "openid") {
        let inner = state.lock();
        let claims = json!({"tid": inner.tenant.tenant_id.to_string(), "aud": inner.tenant.client.client_id.to_string(), "iat": now.timestamp(), "exp": now.timestamp() + life, "ver": "2.0"});
        drop(inner);
        body["id_token"] = json!(format!(
            "{}.{}.",
            B64.encode(r#"{"typ":"JWT","alg":"none"}"#),
            B64.encode(claims.to_string())
        ));
    }
    json_response(StatusCode::OK, &body)
}

/// `POST /{tenant}/oauth2/v2.0/token`.
pub(crate) async fn token(
    State(state): State<Arc<SimState>>,
    Path(tenant): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let st = &*state;
    let now = st.clock.now();
    if !tenant_ok(st, &tenant) {
        return aad_error(st, StatusCode::BAD_REQUEST, "invalid_request", 90002, &format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."));
    }
    let Some(grant) = form.get("grant_type") else {
        return missing_parameter(st, "grant_type");
    };
    if !form.contains_key("client_id") {
        return missing_parameter(st, "client_id");
    }
    if !client_ok(st, form.get("client_id")) {
        return unknown_client(st, &form, &tenant);
    }
    match grant.as_str() {
        "client_credentials" => client_credentials(st, &form, &tenant, now),
        "authorization_code" => authorization_code(st, &form, now),
        "refresh_token" => refresh_token(st, &form, now),
        "urn:ietf:params:oauth:grant-type:device_code" => device_code(st, &form, now),
        other => aad_error(
            st,
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            &format!("The app requested an unsupported grant type '{other}'."),
        ),
    }
}

fn redirect(to: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, to.to_string())]).into_response()
}

fn with_params(uri: &str, params: &[(&str, &str)]) -> String {
    let q: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter())
        .finish();
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{sep}{q}")
}
