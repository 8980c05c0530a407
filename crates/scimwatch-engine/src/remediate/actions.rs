//! The two actions: preview (the exact request), then send as previewed.

use chrono::{DateTime, Utc};
use scimwatch_core::graph::job::ConfigKind;
use scimwatch_core::graph::SynchronizationSchema;
use serde_json::Value;

use super::call::{self, Answer};
use super::steps::{self, on_demand_body, parse_on_demand, restart_body};
use super::{
    audit, client_for, job_of, job_url, new_request_id, portal, pretty, row_of, GraphCall,
    OnDemandOutcome, RemediationError, RestartOutcome,
};

use crate::engine::Engine;
use crate::graph::sync::AssignmentsBody;
use crate::graph::{Family, GraphClient, GraphError};
use crate::store::connections::ConnectionRow;
use crate::store::jobs;

/// Refuse (before any request) when the switch is off.
async fn require_switch(engine: &Engine, row: &ConnectionRow) -> Result<(), RemediationError> {
    let on = audit::get_switch(engine.store.pool(), row.id)
        .await?
        .is_some_and(|s| s.enabled);
    if on {
        return Ok(());
    }
    Err(RemediationError::SwitchOff(format!(
        "remediation actions are off for \u{201c}{}\u{201d}: scimwatch is read-only unless you \
switch them on (the connection's settings → Remediation actions, or `scimwatch-cli remediation \
\u{201c}{}\u{201d} --enable`), which asks for {}. Until then: {}",
        row.name,
        row.name,
        super::WRITE_PERMISSION,
        portal(row)
            .provisioning
            .unwrap_or_else(|| portal(row).click_path)
    )))
}

/// A user given as an object id or a userPrincipalName → `(object id, UPN)`.
/// A UPN is looked up among the in-scope users scimwatch last read.
async fn resolve_user(
    engine: &Engine,
    row: &ConnectionRow,
    user: &str,
) -> Result<(String, Option<String>), RemediationError> {
    let user = user.trim();
    if user.is_empty() {
        return Err(RemediationError::Input(
            "which user? give a userPrincipalName or an object id".into(),
        ));
    }
    let stored = jobs::latest_config(engine.store.pool(), row.id, ConfigKind::Assignments)
        .await?
        .and_then(|v| serde_json::from_str::<AssignmentsBody>(&v.body_json).ok())
        .map(|b| b.entra_users)
        .unwrap_or_default();
    if let Ok(id) = uuid::Uuid::parse_str(user) {
        let id = id.to_string();
        let upn = stored
            .iter()
            .find(|u| u.id.eq_ignore_ascii_case(&id))
            .and_then(|u| u.user_principal_name.clone());
        return Ok((id, upn));
    }
    stored
        .iter()
        .find(|u| {
            u.user_principal_name
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case(user))
        })
        .map(|u| (u.id.clone(), u.user_principal_name.clone()))
        .ok_or_else(|| {
            RemediationError::Input(format!(
                "no in-scope user \u{201c}{}\u{201d} is known from the last read of the app's \
assignments: give the user's object id (Entra admin center → Users → the user → Object ID)",
                scimwatch_core::text::terminal_safe(user)
            ))
        })
}

/// The synchronization rule that provisions users (`sourceObjectName: User`).
async fn user_rule(client: &GraphClient, sp: &str, job: &str) -> Result<String, RemediationError> {
    let schema: SynchronizationSchema = client
        .get_json(
            &format!("/servicePrincipals/{sp}/synchronization/jobs/{job}/schema"),
            Family::Synchronization,
            "the provisioning job's schema",
        )
        .await?;
    let by_users = schema.synchronization_rules.iter().find(|r| {
        r.object_mappings.iter().any(|m| {
            m.source_object_name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case("User"))
        })
    });
    by_users
        .or(schema.synchronization_rules.first())
        .and_then(|r| r.id.clone())
        .ok_or_else(|| {
            GraphError::Malformed {
                what: "the provisioning job's schema".into(),
                detail: "no synchronization rule with an id".into(),
            }
            .into()
        })
}

struct Prepared {
    row: ConnectionRow,
    client: GraphClient,
    call: GraphCall,
    body: Value,
}

async fn prepare_on_demand(
    engine: &Engine,
    id: &str,
    user: &str,
) -> Result<Prepared, RemediationError> {
    let row = row_of(engine, id).await?;
    let (sp, job) = job_of(&row).map_err(RemediationError::Input)?;
    require_switch(engine, &row).await?;
    let (user_id, upn) = resolve_user(engine, &row, user).await?;
    let client = client_for(engine, &row)?;
    let rule = user_rule(&client, &sp, &job).await?;
    let body = on_demand_body(&rule, &user_id);
    let who = upn.unwrap_or_else(|| user_id.clone());
    let call = GraphCall {
        action: "provision_on_demand".into(),
        method: "POST".into(),
        url: job_url(&client, &sp, &job, "provisionOnDemand"),
        body: pretty(&body),
        summary: format!(
            "Provision {who} now: Entra imports the user, checks the scope, matches them in the \
SaaS and creates or updates them there, outside the ~40-minute cycle"
        ),
    };
    Ok(Prepared {
        row,
        client,
        call,
        body,
    })
}

/// The exact request *Provision on demand* would send for `user`.
pub async fn preview_on_demand(
    engine: &Engine,
    id: &str,
    user: &str,
) -> Result<GraphCall, RemediationError> {
    Ok(prepare_on_demand(engine, id, user).await?.call)
}

fn changed_since(confirmed: Option<&GraphCall>, now: &GraphCall) -> Result<(), RemediationError> {
    match confirmed {
        Some(c) if c != now => Err(RemediationError::Input(
            "the request changed since it was confirmed (the job's schema or the user changed): \
review it and confirm again"
                .into(),
        )),
        _ => Ok(()),
    }
}

/// Who acts, when, what was sent: the common columns of an action's audit row.
struct Sent<'a> {
    row: &'a ConnectionRow,
    call: &'a GraphCall,
    request_id: &'a str,
    now: DateTime<Utc>,
}

async fn write(
    engine: &Engine,
    s: &Sent<'_>,
    status: Option<u16>,
    outcome: &str,
    summary: &str,
    result_json: Option<&str>,
) -> Result<i64, RemediationError> {
    let actor = super::actor(s.row);
    Ok(audit::record(
        engine.store.pool(),
        &audit::NewAudit {
            connection_id: s.row.id,
            request_id: s.request_id,
            at: s.now,
            actor: &actor,
            action: &s.call.action,
            method: &s.call.method,
            url: &s.call.url,
            request_body: Some(&s.call.body),
            http_status: status,
            outcome,
            summary,
            result_json,
        },
        None,
    )
    .await?)
}

/// Send the request (audited whatever happens); a refusal, a throttle or
/// another HTTP error comes back as the error, after its audit row.
async fn send(
    engine: &Engine,
    s: &Sent<'_>,
    client: &GraphClient,
    body: &Value,
) -> Result<Answer, RemediationError> {
    let token = call::action_token(client).await?;
    let a = match call::post(client, &token, &s.call.url, body, s.request_id).await {
        Ok(a) => a,
        Err(e) => {
            write(engine, s, None, "error", &format!("no answer: {e}"), None).await?;
            return Err(e.into());
        }
    };
    if let Some(refused) = call::refusal(client.target().auth_mode, &client.target().client_id, &a)
    {
        let outcome = if matches!(refused, RemediationError::Throttled(_)) {
            "error"
        } else {
            "refused"
        };
        write(
            engine,
            s,
            Some(a.status),
            outcome,
            &refused.to_string(),
            None,
        )
        .await?;
        return Err(refused);
    }
    if !(200..300).contains(&a.status) {
        let e = GraphError::Http {
            status: a.status,
            path: crate::graph::http::path_of(&s.call.url),
            code: None,
            message: call::graph_said(&a),
        };
        write(engine, s, Some(a.status), "error", &e.to_string(), None).await?;
        return Err(e.into());
    }
    Ok(a)
}

/// *Provision on demand*: send the previewed request (refused when
/// `confirmed` no longer matches it), record it, return Graph's steps.
pub async fn provision_on_demand(
    engine: &Engine,
    id: &str,
    user: &str,
    confirmed: Option<&GraphCall>,
    now: DateTime<Utc>,
) -> Result<OnDemandOutcome, RemediationError> {
    let p = prepare_on_demand(engine, id, user).await?;
    changed_since(confirmed, &p.call)?;
    let request_id = new_request_id();
    let s = Sent {
        row: &p.row,
        call: &p.call,
        request_id: &request_id,
        now,
    };
    let a = send(engine, &s, &p.client, &p.body).await?;
    let result = match parse_on_demand(&a.body) {
        Ok(r) => r,
        Err(e) => {
            let msg = format!(
                "Microsoft Graph answered HTTP {} with a body scimwatch cannot read: {e}",
                a.status
            );
            write(engine, &s, Some(a.status), "error", &msg, None).await?;
            return Err(GraphError::Malformed {
                what: "provisionOnDemand".into(),
                detail: e,
            }
            .into());
        }
    };
    let outcome = match result.result.to_ascii_lowercase().as_str() {
        "success" => "success",
        "skipped" => "skipped",
        _ => "failure",
    };
    let who = result
        .reportable_identifier
        .clone()
        .unwrap_or_else(|| user.to_string());
    let summary = match (&result.error_code, &result.error_message) {
        (Some(c), Some(m)) => format!("{who}: {} — {c}: {m}", result.result),
        _ => format!(
            "{who}: {}{}",
            result.result,
            result
                .action
                .as_deref()
                .map(|a| format!(" ({a})"))
                .unwrap_or_default()
        ),
    };
    let json = serde_json::to_string(&result).ok();
    let audit_id = write(
        engine,
        &s,
        Some(a.status),
        outcome,
        &summary,
        json.as_deref(),
    )
    .await?;
    Ok(OnDemandOutcome {
        call: p.call,
        result,
        audit_id,
    })
}

async fn prepare_restart(
    engine: &Engine,
    id: &str,
    scope: &[String],
) -> Result<(ConnectionRow, GraphClient, GraphCall, Value), RemediationError> {
    let row = row_of(engine, id).await?;
    let (sp, job) = job_of(&row).map_err(RemediationError::Input)?;
    require_switch(engine, &row).await?;
    let scope = steps::reset_scope(scope).map_err(RemediationError::Input)?;
    let client = client_for(engine, &row)?;
    let body = restart_body(&scope);
    let call = GraphCall {
        action: "restart".into(),
        method: "POST".into(),
        url: job_url(&client, &sp, &job, "restart"),
        body: pretty(&body),
        summary: format!(
            "Restart provisioning, resetting {scope}: the job runs again at once{}",
            if scope.contains("QuarantineState") {
                " and leaves quarantine"
            } else {
                ""
            }
        ),
    };
    Ok((row, client, call, body))
}

/// The exact request *Restart provisioning* would send.
pub async fn preview_restart(
    engine: &Engine,
    id: &str,
    scope: &[String],
) -> Result<GraphCall, RemediationError> {
    Ok(prepare_restart(engine, id, scope).await?.2)
}

/// *Restart provisioning* with the chosen reset scope (204 from Graph).
pub async fn restart(
    engine: &Engine,
    id: &str,
    scope: &[String],
    confirmed: Option<&GraphCall>,
    now: DateTime<Utc>,
) -> Result<RestartOutcome, RemediationError> {
    let (row, client, call, body) = prepare_restart(engine, id, scope).await?;
    changed_since(confirmed, &call)?;
    let request_id = new_request_id();
    let s = Sent {
        row: &row,
        call: &call,
        request_id: &request_id,
        now,
    };
    let a = send(engine, &s, &client, &body).await?;
    let summary = format!(
        "Microsoft Graph accepted the restart (HTTP {}): the job runs again with the next poll's \
status showing its new state",
        a.status
    );
    let audit_id = write(engine, &s, Some(a.status), "success", &summary, None).await?;
    Ok(RestartOutcome {
        call,
        http_status: a.status,
        summary,
        audit_id,
    })
}
