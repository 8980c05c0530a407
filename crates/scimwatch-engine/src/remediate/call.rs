//! Sending one remediation request through the Graph transport, with a
//! token that may act, and reading Graph's refusals as what to do.

use std::time::Duration;

use chrono::Utc;
use scimwatch_core::graph::parse_graph_error;
use scimwatch_core::{AuthMode, Sensitive};
use serde_json::Value;

use super::{RemediationError, WRITE_PERMISSION};
use crate::graph::auth;
use crate::graph::http;
use crate::graph::{GraphClient, GraphError};

/// What came back: the status and the body (never the request's token).
pub(crate) struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    pub retry_after: Option<Duration>,
}

/// A token that carries the write permission when it can: a delegated
/// sign-in asks for it on refresh (its consent is checked there); an
/// application token carries whatever the app was granted.
pub(crate) async fn action_token(
    client: &GraphClient,
) -> Result<Sensitive<String>, RemediationError> {
    match client.target().auth_mode {
        AuthMode::Delegated => auth::acquire_token_with(
            client.http(),
            &client.options().http,
            client.target(),
            client.secrets().as_ref(),
            &[WRITE_PERMISSION],
        )
        .await
        .map(|t| t.token)
        .map_err(|e| match e {
            GraphError::ConsentRequired { .. } => RemediationError::ConsentMissing(format!(
                "the signed-in account has not consented to {WRITE_PERMISSION}: sign in again and consent \
in the app (the remediation switch's \u{201c}Sign in and consent\u{2026}\u{201d}), or in a terminal with \
`scimwatch-cli remediation <connection> --enable` (it opens the browser); the app registration must \
list the delegated permission"
            )),
            other => other.into(),
        }),
        _ => Ok(client.access_token().await?),
    }
}

/// POST `body` to `url` (on the connection's Graph) with `client-request-id`.
pub(crate) async fn post(
    client: &GraphClient,
    token: &Sensitive<String>,
    url: &str,
    body: &Value,
    request_id: &str,
) -> Result<Answer, GraphError> {
    http::check_url(url)?;
    let cfg = &client.options().http;
    let resp = client
        .http()
        .post(url)
        .bearer_auth(token.expose())
        .header(reqwest::header::ACCEPT, "application/json")
        .header("client-request-id", request_id)
        .json(body)
        .send()
        .await
        .map_err(|e| http::map_send_error(&e, url, cfg.timeout))?;
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| scimwatch_core::transport::retry_after(v, Utc::now()));
    let body = http::read_body(resp, cfg.max_body_bytes, "Microsoft Graph", cfg.timeout).await?;
    Ok(Answer {
        status,
        body,
        retry_after,
    })
}

/// Graph's error `code: message` of a non-2xx answer.
pub(crate) fn graph_said(a: &Answer) -> String {
    match parse_graph_error(&a.body) {
        Some(e) => {
            let code = e.code.unwrap_or_else(|| format!("HTTP {}", a.status));
            match e.message.filter(|m| !m.trim().is_empty()) {
                Some(m) => format!(
                    "{code}: {}",
                    scimwatch_core::graph::parse_aad_description(&m).message
                ),
                None => code,
            }
        }
        None => format!("HTTP {}", a.status),
    }
}

/// What a refusal means and what to do, for this connection's sign-in.
pub(crate) fn refusal(mode: AuthMode, client_id: &str, a: &Answer) -> Option<RemediationError> {
    let said = graph_said(a);
    let invalid_token = said.starts_with("InvalidAuthenticationToken");
    match a.status {
        401 if invalid_token => None,
        401 | 403 => Some(RemediationError::PermissionMissing(match mode {
            AuthMode::Delegated => format!(
                "Microsoft Graph refused the action ({said}): the signed-in account lacks \
{WRITE_PERMISSION} or a directory role that may change provisioning (Application Administrator \
or Cloud Application Administrator). Grant the role in the Entra admin center → Roles and \
administrators, then switch the remediation actions on again."
            ),
            _ => format!(
                "Microsoft Graph refused the action ({said}): the app registration ({client_id}) \
lacks the application permission {WRITE_PERMISSION}. Grant it in the Entra admin center → App \
registrations → {client_id} → API permissions → Add a permission → Microsoft Graph → Application \
permissions → {WRITE_PERMISSION}, then \u{201c}Grant admin consent\u{201d}; then switch the \
remediation actions on again."
            ),
        })),
        429 => {
            Some(RemediationError::Throttled(format!(
            "Microsoft Graph is throttling this action (HTTP 429{}): provision on demand allows 5 \
requests per 10 seconds; try again {}",
            if said.starts_with("HTTP") { String::new() } else { format!(", {said}") },
            a.retry_after
                .map(|d| format!("in {} s", d.as_secs().max(1)))
                .unwrap_or_else(|| "in a few seconds".into())
        )))
        }
        _ => None,
    }
}
