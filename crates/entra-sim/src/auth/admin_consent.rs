//! Admin consent for the client app's application permissions, as the
//! identity platform's admin-consent endpoint does it:
//! `GET {login}/{tenant}/adminconsent?client_id=…[&redirect_uri=…&state=…]`
//! shows the permissions configured on the app registration; accepting
//! grants them tenant-wide (client-credentials tokens carry them in `roles`
//! from then on) and returns to `redirect_uri` with `admin_consent=True`.
//!
//! The simulated app registration lists the read permissions a monitor
//! needs plus `Synchronization.ReadWrite.All` (scimwatch's opt-in
//! remediation actions); only the read ones are granted at start
//! ([`crate::SimConfig::app_permissions`]).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use crate::state::SimState;

/// The application permissions configured on the simulated app registration.
pub(crate) fn configured_app_permissions() -> Vec<String> {
    let mut p = crate::config::read_permissions();
    p.push("Synchronization.ReadWrite.All".into());
    p
}

/// The application permissions granted now: the configuration's plus any
/// granted by admin consent since.
pub(crate) fn app_permissions(st: &SimState) -> Vec<String> {
    let mut p = st.config.app_permissions.clone();
    let auth = st.auth.lock().unwrap_or_else(|e| e.into_inner());
    for g in &auth.app_granted {
        if !p.contains(g) {
            p.push(g.clone());
        }
    }
    p
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    (
        status,
        Html(format!(
            "<!DOCTYPE html><html><head><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"
        )),
    )
        .into_response()
}

fn tenant_ok(st: &SimState, tenant: &str) -> bool {
    let inner = st.lock();
    ["common", "organizations"].contains(&tenant)
        || tenant.eq_ignore_ascii_case(&inner.tenant.tenant_id.to_string())
        || tenant.eq_ignore_ascii_case(&inner.tenant.domain)
}

fn client_ok(st: &SimState, q: &HashMap<String, String>) -> bool {
    q.get("client_id")
        .is_some_and(|c| c.eq_ignore_ascii_case(&st.lock().tenant.client.client_id.to_string()))
}

fn loopback(uri: &str) -> bool {
    url::Url::parse(uri).is_ok_and(|u| {
        u.scheme() == "http" && matches!(u.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"))
    })
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `GET /{tenant}/adminconsent`: the consent prompt.
pub(crate) async fn admin_consent(
    State(st): State<Arc<SimState>>,
    Path(tenant): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if !tenant_ok(&st, &tenant) {
        return page(
            StatusCode::BAD_REQUEST,
            "Sign in",
            &format!("<p>AADSTS90002: Tenant '{tenant}' not found.</p>"),
        );
    }
    if !client_ok(&st, &q) {
        return page(
            StatusCode::BAD_REQUEST,
            "Sign in",
            "<p>AADSTS700016: Application with the given identifier was not found in the directory.</p>",
        );
    }
    let redirect = q.get("redirect_uri").cloned().unwrap_or_default();
    if !redirect.is_empty() && !loopback(&redirect) {
        return page(StatusCode::BAD_REQUEST, "Sign in", "<p>AADSTS50011: The redirect URI specified in the request does not match the redirect URIs configured for the application (http://localhost).</p>");
    }
    let tail = format!(
        "client_id={}&redirect_uri={}&state={}",
        enc(q.get("client_id").map(String::as_str).unwrap_or_default()),
        enc(&redirect),
        enc(q.get("state").map(String::as_str).unwrap_or_default())
    );
    let accept = format!(
        "{}/{tenant}/adminconsent/decide?decision=accept&{tail}",
        st.base_url
    );
    let cancel = format!(
        "{}/{tenant}/adminconsent/decide?decision=cancel&{tail}",
        st.base_url
    );
    let perms: String = configured_app_permissions()
        .iter()
        .map(|p| format!("<li>{p} (Application)</li>"))
        .collect();
    page(
        StatusCode::OK,
        "Permissions requested — accept for your organization",
        &format!(
            "<p>scimwatch needs these application permissions in {tenant}:</p><ul>{perms}</ul>\
<a id=\"accept\" href=\"{accept}\">Accept</a> <a id=\"cancel\" href=\"{cancel}\">Cancel</a>"
        ),
    )
}

/// `GET /{tenant}/adminconsent/decide?decision=accept|cancel&…`: grant (or
/// not), then back to `redirect_uri` when one was given.
pub(crate) async fn decide(
    State(st): State<Arc<SimState>>,
    Path(tenant): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if !tenant_ok(&st, &tenant) || !client_ok(&st, &q) {
        return page(
            StatusCode::BAD_REQUEST,
            "Sign in",
            "<p>AADSTS90014: the consent request is unknown.</p>",
        );
    }
    let accepted = q.get("decision").map(String::as_str) == Some("accept");
    if accepted {
        let mut auth = st.auth.lock().unwrap_or_else(|e| e.into_inner());
        for p in configured_app_permissions() {
            if !auth.app_granted.contains(&p) {
                auth.app_granted.push(p);
            }
        }
    }
    let redirect = q.get("redirect_uri").cloned().unwrap_or_default();
    let state = q.get("state").cloned().unwrap_or_default();
    if redirect.is_empty() || !loopback(&redirect) {
        return if accepted {
            page(StatusCode::OK, "Permissions granted", "<p>The permissions were granted for your organization. You can close this window.</p>")
        } else {
            page(
                StatusCode::OK,
                "Permissions not granted",
                "<p>AADSTS65004: User declined to consent to access the app.</p>",
            )
        };
    }
    let tid = st.lock().tenant.tenant_id.to_string();
    let to = if accepted {
        format!(
            "{redirect}?admin_consent=True&tenant={tid}&state={}",
            enc(&state)
        )
    } else {
        format!(
            "{redirect}?error=access_denied&error_description={}&state={}",
            enc("AADSTS65004: User declined to consent to access the app."),
            enc(&state)
        )
    };
    (StatusCode::FOUND, [(header::LOCATION, to)]).into_response()
}
