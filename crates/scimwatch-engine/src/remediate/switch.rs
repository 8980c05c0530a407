//! The per-connection switch: on only with evidence that the sign-in may act.

use std::time::Duration;

use chrono::{DateTime, Utc};
use scimwatch_core::AuthMode;
use serde_json::json;

use super::call::{self, Answer};
use super::{
    audit, client_for, job_of, job_url, new_request_id, pretty, row_of, status, RemediationError,
    RemediationStatus, WRITE_PERMISSION,
};
use crate::engine::Engine;
use crate::graph::auth;
use crate::graph::GraphError;

/// How a delegated sign-in gets consent for the write permission.
pub enum Consent<'a> {
    /// Sign in again in the browser asking for it (`opener` gets the URL).
    Browser {
        opener: &'a (dyn Fn(&str) + Send + Sync),
        wait: Duration,
    },
    /// Use the stored sign-in (its consent is checked when the token is asked for).
    Stored,
}

/// Switch the actions on for a connection: consent (delegated), then a
/// harmless call that needs the permission proves it. Refused (with what to
/// do) when Graph says the permission or role is missing; the switch is then
/// off. Every check is an audit row.
pub async fn enable(
    engine: &Engine,
    id: &str,
    consent: Consent<'_>,
    now: DateTime<Utc>,
) -> Result<RemediationStatus, RemediationError> {
    let row = row_of(engine, id).await?;
    let (sp, job) = job_of(&row).map_err(RemediationError::Input)?;
    let client = client_for(engine, &row)?;
    let mode = client.target().auth_mode;
    if let (AuthMode::Delegated, Consent::Browser { opener, wait }) = (mode, &consent) {
        auth::sign_in_browser_with(
            client.http(),
            &client.options().http,
            client.target(),
            client.secrets().as_ref(),
            |u| opener(u),
            *wait,
            &[WRITE_PERMISSION],
        )
        .await
        .map_err(|e| match e {
            GraphError::ConsentRequired { .. } => RemediationError::ConsentMissing(format!(
                "consent for {WRITE_PERMISSION} was not given: an administrator must grant it \
(the app registration must list it as a delegated permission)"
            )),
            other => other.into(),
        })?;
    }
    let token = call::action_token(&client).await?;
    let url = job_url(&client, &sp, &job, "validateCredentials");
    let body = json!({"useSavedCredentials": true});
    let request_id = new_request_id();
    let actor = super::actor(&row);
    let body_text = pretty(&body);
    let sent = call::post(&client, &token, &url, &body, &request_id).await;
    let pool = engine.store.pool();
    let write = |status: Option<u16>, outcome: &'static str, summary: String, on: Option<bool>| {
        let (request_id, actor, url, body_text) = (&request_id, &actor, &url, &body_text);
        async move {
            audit::record(
                pool,
                &audit::NewAudit {
                    connection_id: row.id,
                    request_id,
                    at: now,
                    actor,
                    action: "enable",
                    method: "POST",
                    url,
                    request_body: Some(body_text),
                    http_status: status,
                    outcome,
                    summary: &summary,
                    result_json: None,
                },
                on,
            )
            .await
        }
    };
    let a: Answer = match sent {
        Ok(a) => a,
        Err(e) => {
            write(
                None,
                "error",
                format!("could not check the permission: {e}"),
                None,
            )
            .await?;
            return Err(e.into());
        }
    };
    let client_id = client.target().client_id.clone();
    if let Some(refused) = call::refusal(mode, &client_id, &a) {
        write(Some(a.status), "refused", refused.to_string(), Some(false)).await?;
        return Err(refused);
    }
    // Past the permission check: 204 (the saved credentials work) or 400
    // (they do not — Entra's Test Connection fails, the permission holds).
    if a.status == 204 || (200..300).contains(&a.status) || a.status == 400 {
        let how = match mode {
            AuthMode::Delegated => "the signed-in account consented to",
            _ => "the app registration holds",
        };
        let tail = if a.status == 400 {
            format!(
                " (Entra's Test Connection with the saved credentials failed: {})",
                call::graph_said(&a)
            )
        } else {
            String::new()
        };
        let summary = format!(
            "Remediation actions on: {how} {WRITE_PERMISSION} — Microsoft Graph accepted \
validateCredentials with HTTP {}{tail}",
            a.status
        );
        write(Some(a.status), "success", summary, Some(true)).await?;
        return status(engine, id).await;
    }
    let e = GraphError::Http {
        status: a.status,
        path: crate::graph::http::path_of(&url),
        code: None,
        message: call::graph_said(&a),
    };
    write(
        Some(a.status),
        "error",
        format!("could not check the permission: {e}"),
        None,
    )
    .await?;
    Err(e.into())
}

/// Switch the actions off: read-only again (an audit row says who and when).
pub async fn disable(
    engine: &Engine,
    id: &str,
    now: DateTime<Utc>,
) -> Result<RemediationStatus, RemediationError> {
    let row = row_of(engine, id).await?;
    let actor = super::actor(&row);
    audit::record(
        engine.store.pool(),
        &audit::NewAudit {
            connection_id: row.id,
            request_id: &new_request_id(),
            at: now,
            actor: &actor,
            action: "disable",
            method: "",
            url: "",
            request_body: None,
            http_status: None,
            outcome: "success",
            summary: "Remediation actions off: scimwatch is read-only for this connection",
            result_json: None,
        },
        Some(false),
    )
    .await?;
    status(engine, id).await
}
