//! Sign-in endpoints shaped like the Microsoft identity platform v2.0:
//! `authorize` (auth code + PKCE, auto-consent page), `token`
//! (authorization_code, refresh_token with rotation, client_credentials,
//! device_code) and `devicecode`.

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

use crate::state::SimState;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;
const GRAPH_RESOURCE: &str = "https://graph.microsoft.com/";
const OIDC: &[&str] = &["openid", "profile", "email", "offline_access"];

#[derive(Debug, Clone)]
struct PendingAuth {
    redirect_uri: String,
    scopes: Vec<String>,
    state: Option<String>,
    challenge: Option<(String, String)>,
}

#[derive(Debug, Clone)]
struct AuthCode {
    redirect_uri: String,
    scopes: Vec<String>,
    challenge: Option<(String, String)>,
    expires: DateTime<Utc>,
    used: bool,
}

#[derive(Debug, Clone)]
struct Refresh {
    scopes: Vec<String>,
    expires: DateTime<Utc>,
    used: bool,
}

#[derive(Debug, Clone)]
struct DeviceCode {
    user_code: String,
    scopes: Vec<String>,
    expires: DateTime<Utc>,
    decision: Option<bool>,
    last_poll: Option<Instant>,
    redeemed: bool,
}

/// Pending and issued grants.
#[derive(Debug, Default)]
pub struct AuthStore {
    pending: HashMap<String, PendingAuth>,
    codes: HashMap<String, AuthCode>,
    refresh: HashMap<String, Refresh>,
    devices: HashMap<String, DeviceCode>,
    counter: u64,
    /// Application permissions an admin granted at run time (admin consent, `crate::consent`).
    pub(crate) app_granted: Vec<String>,
}

impl AuthStore {
    fn next(&mut self) -> String {
        self.counter += 1;
        let mut h = Sha256::new();
        h.update(self.counter.to_le_bytes());
        h.update(Uuid::new_v4().as_bytes());
        B64.encode(h.finalize())
    }

    /// Approve or decline a device code by its user code.
    pub fn decide_device_code(
        &mut self,
        user_code: &str,
        approve: bool,
        now: DateTime<Utc>,
    ) -> bool {
        for d in self.devices.values_mut() {
            if d.user_code.eq_ignore_ascii_case(user_code)
                && d.expires > now
                && d.decision.is_none()
            {
                d.decision = Some(approve);
                return true;
            }
        }
        false
    }
}

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
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
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
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
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
        return aad_error(
            st,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'grant_type'.",
        );
    };
    if !form.contains_key("client_id") {
        return aad_error(
            st,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    }
    if !client_ok(st, form.get("client_id")) {
        let id = form.get("client_id").cloned().unwrap_or_default();
        return aad_error(
            st,
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{id}' was not found in the directory '{tenant}'."
            ),
        );
    }
    match grant.as_str() {
        "client_credentials" => {
            if let Some(assertion) = form.get("client_assertion") {
                if form.get("client_assertion_type").map(String::as_str)
                    != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                {
                    return aad_error(st, StatusCode::BAD_REQUEST, "invalid_request", 90001, "The client_assertion_type parameter must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer.");
                }
                let client_id = form.get("client_id").map(String::as_str).unwrap_or("");
                if let Err((code, msg)) = crate::assertion::verify(
                    assertion,
                    st.config.client_certificate.as_ref(),
                    client_id,
                    &tenant,
                    now,
                ) {
                    return aad_error(st, StatusCode::UNAUTHORIZED, "invalid_client", code, &msg);
                }
            } else if form
                .get("client_secret")
                .is_none_or(|s| *s != st.lock().tenant.client.client_secret)
            {
                return aad_error(st, StatusCode::UNAUTHORIZED, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app.");
            }
            let scope = form.get("scope").cloned().unwrap_or_default();
            if !scope.trim().ends_with("/.default") || scope.split_whitespace().count() != 1 {
                return aad_error(st, StatusCode::BAD_REQUEST, "invalid_scope", 1002012, &format!("The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."));
            }
            let (at, life) = access_token(st, &crate::consent::app_permissions(st), true, now);
            let body = json!({"token_type": "Bearer", "expires_in": life, "ext_expires_in": life, "access_token": at});
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
                body.to_string(),
            )
                .into_response()
        }
        "authorization_code" => {
            let Some(code) = form.get("code") else {
                return aad_error(
                    st,
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    900144,
                    "The request body must contain the following parameter: 'code'.",
                );
            };
            let entry = {
                let mut store = st.auth.lock().unwrap_or_else(|e| e.into_inner());
                match store.codes.get_mut(code) {
                    None => None,
                    Some(c) => {
                        let was_used = c.used;
                        c.used = true;
                        Some((c.clone(), was_used))
                    }
                }
            };
            let Some((c, was_used)) = entry else {
                return aad_error(st, StatusCode::BAD_REQUEST, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid: the authorization code is not valid.");
            };
            if was_used {
                return aad_error(st, StatusCode::BAD_REQUEST, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.");
            }
            if now >= c.expires {
                return aad_error(st, StatusCode::BAD_REQUEST, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.");
            }
            if form.get("redirect_uri").map(String::as_str) != Some(c.redirect_uri.as_str()) {
                return aad_error(st, StatusCode::BAD_REQUEST, "invalid_grant", 50148, "The redirect_uri specified in the token request does not match the redirect_uri in the authorization request.");
            }
            if let Some((challenge, method)) = &c.challenge {
                let verifier = form.get("code_verifier").cloned().unwrap_or_default();
                let computed = if method == "S256" {
                    B64.encode(Sha256::digest(verifier.as_bytes()))
                } else {
                    verifier.clone()
                };
                if verifier.is_empty() || computed != *challenge {
                    return aad_error(st, StatusCode::BAD_REQUEST, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.");
                }
            }
            token_response(st, &c.scopes, now)
        }
        "refresh_token" => {
            let Some(rt) = form.get("refresh_token") else {
                return aad_error(
                    st,
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    900144,
                    "The request body must contain the following parameter: 'refresh_token'.",
                );
            };
            let entry = {
                let mut store = st.auth.lock().unwrap_or_else(|e| e.into_inner());
                store.refresh.get_mut(rt).map(|r| {
                    let was = r.used;
                    r.used = true;
                    (r.clone(), was)
                })
            };
            match entry {
                None => aad_error(st, StatusCode::BAD_REQUEST, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid: the refresh token is not valid."),
                Some((_, true)) => aad_error(st, StatusCode::BAD_REQUEST, "invalid_grant", 70000, "The provided value for the 'refresh_token' is not valid: it was already redeemed (refresh tokens rotate; use the newest one)."),
                Some((r, false)) if now >= r.expires => aad_error(st, StatusCode::BAD_REQUEST, "invalid_grant", 700082, "The refresh token has expired due to inactivity. The token was issued on an earlier date and was inactive for 90.00:00:00."),
                Some((r, false)) => {
                    let scopes = match form.get("scope") {
                        Some(s) => {
                            let asked = parse_scopes(st, s);
                            if asked.iter().any(|a| !r.scopes.contains(a) && !OIDC.contains(&a.as_str())) {
                                return aad_error(st, StatusCode::BAD_REQUEST, "invalid_grant", 65001, "The user or administrator has not consented to use the application with the requested scope.");
                            }
                            let mut sc = asked;
                            if !sc.iter().any(|x| x == "offline_access") {
                                sc.push("offline_access".into());
                            }
                            sc
                        }
                        None => r.scopes.clone(),
                    };
                    token_response_keeping(st, &scopes, &r.scopes, now)
                }
            }
        }
        "urn:ietf:params:oauth:grant-type:device_code" => {
            let Some(dc) = form.get("device_code") else {
                return aad_error(
                    st,
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    900144,
                    "The request body must contain the following parameter: 'device_code'.",
                );
            };
            let result = {
                let mut store = st.auth.lock().unwrap_or_else(|e| e.into_inner());
                match store.devices.get_mut(dc) {
                    None => Err((StatusCode::BAD_REQUEST, "bad_verification_code", 70000, "The provided value for the input parameter 'device_code' is not valid.")),
                    Some(d) if now >= d.expires => Err((StatusCode::BAD_REQUEST, "expired_token", 70020, "The provided value for the input parameter 'device_code' is not valid. This device code has expired.")),
                    Some(d) if d.redeemed => Err((StatusCode::BAD_REQUEST, "invalid_grant", 54005, "The device code was already redeemed.")),
                    Some(d) => match d.decision {
                        Some(true) => {
                            d.redeemed = true;
                            Ok(d.scopes.clone())
                        }
                        Some(false) => Err((StatusCode::BAD_REQUEST, "authorization_declined", 70000, "The user declined the authorization request.")),
                        None => {
                            let too_fast = d.last_poll.is_some_and(|t| t.elapsed() < std::time::Duration::from_secs(1));
                            d.last_poll = Some(Instant::now());
                            if too_fast {
                                Err((StatusCode::BAD_REQUEST, "slow_down", 70016, "The client is polling too fast: add 5 seconds to the polling interval."))
                            } else {
                                Err((StatusCode::BAD_REQUEST, "authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling."))
                            }
                        }
                    },
                }
            };
            match result {
                Ok(scopes) => token_response(st, &scopes, now),
                Err((status, err, code, msg)) => aad_error(st, status, err, code, msg),
            }
        }
        other => aad_error(
            st,
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            &format!("The app requested an unsupported grant type '{other}'."),
        ),
    }
}

/// `POST /{tenant}/oauth2/v2.0/devicecode`.
pub(crate) async fn devicecode(
    State(state): State<Arc<SimState>>,
    Path(tenant): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let st = &*state;
    if !tenant_ok(st, &tenant) {
        return aad_error(
            st,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            &format!("Tenant '{tenant}' not found."),
        );
    }
    if !client_ok(st, form.get("client_id")) {
        let id = form.get("client_id").cloned().unwrap_or_default();
        return aad_error(
            st,
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{id}' was not found in the directory '{tenant}'."
            ),
        );
    }
    let Some(scope) = form.get("scope") else {
        return aad_error(
            st,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'scope'.",
        );
    };
    let scopes = parse_scopes(st, scope);
    let now = st.clock.now();
    let mut store = st.auth.lock().unwrap_or_else(|e| e.into_inner());
    let device_code = store.next();
    let user_code: String = device_code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(9)
        .collect::<String>()
        .to_ascii_uppercase();
    store.devices.insert(
        device_code.clone(),
        DeviceCode {
            user_code: user_code.clone(),
            scopes,
            expires: now + Duration::seconds(900),
            decision: None,
            last_poll: None,
            redeemed: false,
        },
    );
    let uri = format!("{}/devicelogin", st.base_url);
    let body = json!({
        "user_code": user_code,
        "device_code": device_code,
        "verification_uri": uri,
        "expires_in": 900,
        "interval": 5,
        "message": format!("To sign in, use a web browser to open the page {uri} and enter the code {user_code} to authenticate."),
    });
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

/// `GET /devicelogin[?user_code=…&decision=approve|decline]`: the verification page.
pub(crate) async fn devicelogin(
    State(state): State<Arc<SimState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(code) = q.get("user_code") else {
        return Html("<!DOCTYPE html><html><body><h1>Enter code</h1><form method=\"get\"><input name=\"user_code\"><input type=\"hidden\" name=\"decision\" value=\"approve\"><button>Next</button></form></body></html>").into_response();
    };
    let approve = q.get("decision").map(String::as_str) != Some("decline");
    let now = state.clock.now();
    let ok = state
        .auth
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .decide_device_code(code, approve, now);
    if ok {
        Html(format!(
            "<!DOCTYPE html><html><body><h1>{}</h1><p>You can close this window.</p></body></html>",
            if approve {
                "You have signed in"
            } else {
                "Sign-in declined"
            }
        ))
        .into_response()
    } else {
        (
            StatusCode::BAD_REQUEST,
            Html("<!DOCTYPE html><html><body><h1>That code didn't work</h1></body></html>"),
        )
            .into_response()
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

fn issue_code(state: &SimState, p: &PendingAuth) -> String {
    let now = state.clock.now();
    let mut store = state.auth.lock().unwrap_or_else(|e| e.into_inner());
    let code = format!("1.sim.{}", store.next());
    store.codes.insert(
        code.clone(),
        AuthCode {
            redirect_uri: p.redirect_uri.clone(),
            scopes: p.scopes.clone(),
            challenge: p.challenge.clone(),
            expires: now + Duration::minutes(10),
            used: false,
        },
    );
    let mut params = vec![("code", code.as_str())];
    if let Some(s) = &p.state {
        params.push(("state", s.as_str()));
    }
    with_params(&p.redirect_uri, &params)
}

fn loopback_redirect(uri: &str) -> bool {
    let Ok(u) = url::Url::parse(uri) else {
        return false;
    };
    u.scheme() == "http"
        && matches!(
            u.host_str(),
            Some("localhost") | Some("127.0.0.1") | Some("[::1]")
        )
}

/// `GET /{tenant}/oauth2/v2.0/authorize`: validates, then shows an auto-consent
/// page (`prompt=none` redirects straight back with the code).
pub(crate) async fn authorize(
    State(state): State<Arc<SimState>>,
    Path(tenant): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let st = &*state;
    let page_error = |code: u32, msg: &str| {
        (StatusCode::BAD_REQUEST, Html(format!("<!DOCTYPE html><html><body><h1>Sign in</h1><p>AADSTS{code}: {msg}</p></body></html>"))).into_response()
    };
    if !tenant_ok(st, &tenant) {
        return page_error(90002, &format!("Tenant '{tenant}' not found."));
    }
    if !client_ok(st, q.get("client_id")) {
        return page_error(
            700016,
            "Application with the given identifier was not found in the directory.",
        );
    }
    let Some(redirect_uri) = q.get("redirect_uri").filter(|r| loopback_redirect(r)) else {
        return page_error(50011, "The redirect URI specified in the request does not match the redirect URIs configured for the application (http://localhost).");
    };
    let st_param = q.get("state").cloned();
    if q.get("response_type").map(String::as_str) != Some("code") {
        let mut p = vec![
            ("error", "unsupported_response_type"),
            (
                "error_description",
                "AADSTS700054: response_type must be 'code'.",
            ),
        ];
        if let Some(s) = &st_param {
            p.push(("state", s));
        }
        return redirect(&with_params(redirect_uri, &p));
    }
    let challenge = q.get("code_challenge").map(|c| {
        (
            c.clone(),
            q.get("code_challenge_method")
                .cloned()
                .unwrap_or_else(|| "plain".into()),
        )
    });
    let pending = PendingAuth {
        redirect_uri: redirect_uri.clone(),
        scopes: parse_scopes(st, q.get("scope").map(String::as_str).unwrap_or("openid")),
        state: st_param,
        challenge,
    };
    if q.get("prompt").map(String::as_str) == Some("none") {
        return redirect(&issue_code(st, &pending));
    }
    let id = {
        let mut store = st.auth.lock().unwrap_or_else(|e| e.into_inner());
        let id = store.next();
        store.pending.insert(id.clone(), pending.clone());
        id
    };
    let accept = format!(
        "{}/{tenant}/oauth2/v2.0/authorize/consent?request={id}&decision=accept",
        st.base_url
    );
    let cancel = format!(
        "{}/{tenant}/oauth2/v2.0/authorize/consent?request={id}&decision=cancel",
        st.base_url
    );
    let perms = pending.scopes.join(", ");
    Html(format!(
        "<!DOCTYPE html><html><head><meta http-equiv=\"refresh\" content=\"1;url={accept}\"><title>Permissions requested</title></head><body><h1>Permissions requested</h1><p>scimwatch wants: {perms}</p><p>Consenting automatically…</p><a id=\"accept\" href=\"{accept}\">Accept</a> <a id=\"cancel\" href=\"{cancel}\">Cancel</a></body></html>"
    ))
    .into_response()
}

/// `GET /{tenant}/oauth2/v2.0/authorize/consent?request=…&decision=accept|cancel`.
pub(crate) async fn consent(
    State(state): State<Arc<SimState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let pending = q.get("request").and_then(|r| {
        state
            .auth
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pending
            .remove(r)
    });
    let Some(p) = pending else {
        return (StatusCode::BAD_REQUEST, Html("<!DOCTYPE html><html><body><p>AADSTS90014: the sign-in request is unknown or was already used.</p></body></html>")).into_response();
    };
    if q.get("decision").map(String::as_str) == Some("cancel") {
        let mut params = vec![
            ("error", "access_denied"),
            (
                "error_description",
                "AADSTS65004: User declined to consent to access the app.",
            ),
        ];
        if let Some(s) = &p.state {
            params.push(("state", s.as_str()));
        }
        return redirect(&with_params(&p.redirect_uri, &params));
    }
    redirect(&issue_code(&state, &p))
}
