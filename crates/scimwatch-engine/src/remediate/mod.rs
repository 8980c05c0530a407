//! Opt-in remediation actions (issue 18): *Provision on demand* for one
//! user and *Restart provisioning* with a chosen reset scope.
//!
//! scimwatch is read-only by default. A per-connection switch
//! ([`enable`] / [`disable`], stored with the connection, migration 0015)
//! turns the actions on only after evidence that the sign-in may act:
//! a delegated sign-in signs in again asking consent for
//! `Synchronization.ReadWrite.All`; an application sign-in is checked with a
//! harmless call that needs that permission (`validateCredentials` with the
//! saved credentials — Entra's Test Connection, which changes nothing) and a
//! 403 is reported as "the app registration lacks …", never as granted.
//! Without the switch every action is refused before any request.
//!
//! Each action is previewed first ([`preview_on_demand`], [`preview_restart`]:
//! the exact method, URL and body), then sent as previewed, and written to
//! the audit (`remediation_audit`: who, when, the request without a token,
//! Graph's status, the result) whatever its outcome.

pub mod audit;
mod call;
pub mod steps;

use std::time::Duration;

use chrono::{DateTime, Utc};
use scimwatch_core::checklist::{deep_link, portal_base_for, PortalPage};
use scimwatch_core::{AuthMode, Cloud, CommandError, ErrorKind};
use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;
use uuid::Uuid;

pub use audit::AuditEntry;
pub use steps::{OnDemandResult, OnDemandStep, RESET_SCOPES};

use crate::engine::Engine;
use crate::error::EngineError;
use crate::graph::{ClientOptions, GraphClient, GraphError, GraphTarget};
use crate::store::connections::{self as rows, ConnectionRow};

/// The permission the actions need (delegated or application).
pub const WRITE_PERMISSION: &str = "Synchronization.ReadWrite.All";

/// Why an action was not taken.
#[derive(Debug, thiserror::Error)]
pub enum RemediationError {
    /// The switch is off: nothing was sent.
    #[error("{0}")]
    SwitchOff(String),
    /// Graph (or the sign-in) says the permission or role is missing.
    #[error("{0}")]
    PermissionMissing(String),
    /// The delegated sign-in has not consented to the write permission:
    /// signing in again asking for it is the fix.
    #[error("{0}")]
    ConsentMissing(String),
    #[error("{0}")]
    Throttled(String),
    /// Bad input (an unknown user, an empty reset scope, …).
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Graph(#[from] GraphError),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl From<RemediationError> for CommandError {
    fn from(e: RemediationError) -> Self {
        match e {
            RemediationError::Graph(g) => g.into(),
            RemediationError::Engine(inner) => inner.into(),
            other => CommandError {
                kind: match &other {
                    RemediationError::PermissionMissing(_) => ErrorKind::Auth,
                    RemediationError::ConsentMissing(_) => ErrorKind::Consent,
                    RemediationError::Throttled(_) => ErrorKind::Network,
                    _ => ErrorKind::Validation,
                },
                message: other.to_string(),
                fields: Vec::new(),
            },
        }
    }
}

/// The exact Graph request an action sends (shown before it is confirmed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
pub struct GraphCall {
    /// `provision_on_demand` or `restart`.
    pub action: String,
    pub method: String,
    pub url: String,
    /// The JSON body, pretty-printed, exactly as sent.
    pub body: String,
    /// What it does, in a sentence.
    pub summary: String,
}

/// Portal pages for the same actions (shown without the switch).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PortalLinks {
    /// The app's Provisioning page ("Provision on demand" and the job's
    /// Overview with "Restart provisioning" are there); `None` for a custom cloud.
    pub provisioning: Option<String>,
    /// The app registration's API permissions page (unverified route).
    pub api_permissions: Option<String>,
    /// The identity platform's admin-consent URL for the app registration
    /// (grants the application permissions configured on it).
    pub admin_consent: Option<String>,
    /// The click path, for when no link can be given.
    pub click_path: String,
}

/// The switch and what goes with it, for the connection's settings.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RemediationStatus {
    pub connection_id: String,
    pub enabled: bool,
    /// `delegated`, `client_secret`, `certificate`; `None` without an Entra side.
    pub auth_mode: Option<AuthMode>,
    /// Whether the connection could act at all (an Entra side with a discovered job).
    pub available: bool,
    /// Why not, when not available.
    pub unavailable_reason: Option<String>,
    pub changed_at: Option<DateTime<Utc>>,
    pub changed_by: Option<String>,
    /// How the permission was verified, or why the switch is off.
    pub evidence: Option<String>,
    pub portal: PortalLinks,
    /// The newest actions taken (enable/disable included).
    pub actions: Vec<AuditEntry>,
}

/// A provision-on-demand run: the request, Graph's steps, the audit row.
#[derive(Debug, Clone, Serialize, TS)]
pub struct OnDemandOutcome {
    pub call: GraphCall,
    pub result: OnDemandResult,
    #[ts(type = "number")]
    pub audit_id: i64,
}

/// A restart: the request, Graph's status, the audit row.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RestartOutcome {
    pub call: GraphCall,
    pub http_status: u16,
    pub summary: String,
    #[ts(type = "number")]
    pub audit_id: i64,
}

/// Who is acting: the local account, and how scimwatch signs in.
pub fn actor(row: &ConnectionRow) -> String {
    let who = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .or_else(|_| std::env::var("USERNAME"))
        .ok()
        .filter(|s| !s.trim().is_empty())
        .map(|s| scimwatch_core::text::terminal_safe(&s).into_owned())
        .unwrap_or_else(|| "unknown local user".into());
    match row.auth_mode.as_deref().and_then(AuthMode::parse) {
        Some(AuthMode::Delegated) => format!("{who} (delegated sign-in)"),
        Some(_) => format!(
            "{who} (application {})",
            row.client_id.as_deref().unwrap_or("?")
        ),
        None => who,
    }
}

async fn row_of(engine: &Engine, id: &str) -> Result<ConnectionRow, RemediationError> {
    Ok(rows::require(engine.store.pool(), id).await?)
}

/// `(service principal, job)` of a connection, or why it cannot act.
fn job_of(row: &ConnectionRow) -> Result<(String, String), String> {
    if row.tenant_id.is_none() {
        return Err(format!(
            "\u{201c}{}\u{201d} watches only a SCIM endpoint: the actions need its Entra side",
            row.name
        ));
    }
    match (&row.service_principal_id, &row.job_id) {
        (Some(sp), Some(job)) => Ok((sp.clone(), job.clone())),
        _ => Err(format!(
            "the enterprise app and provisioning job of \u{201c}{}\u{201d} are not discovered yet: \
run app discovery first (scimwatch-cli discover-app)",
            row.name
        )),
    }
}

fn client_for(engine: &Engine, row: &ConnectionRow) -> Result<GraphClient, RemediationError> {
    let target = GraphTarget::from_row(row)?;
    Ok(GraphClient::new(
        target,
        engine.secrets.clone(),
        ClientOptions {
            log_gate: Duration::ZERO,
            ..ClientOptions::default()
        },
    )?)
}

fn job_url(client: &GraphClient, sp: &str, job: &str, tail: &str) -> String {
    client.url(&format!(
        "/servicePrincipals/{sp}/synchronization/jobs/{job}/{tail}"
    ))
}

fn portal(row: &ConnectionRow) -> PortalLinks {
    let cloud = row
        .cloud
        .as_deref()
        .and_then(Cloud::parse)
        .unwrap_or_default();
    let base = portal_base_for(cloud);
    let provisioning = base.and_then(|b| {
        deep_link(
            b,
            row.service_principal_id.as_deref(),
            row.app_id.as_deref(),
            PortalPage::Provisioning,
        )
    });
    let client = row
        .client_id
        .as_deref()
        .filter(|c| c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-'));
    let api_permissions = base.zip(client).map(|(b, c)| {
        format!("{b}/#view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~/CallAnAPI/appId/{c}")
    });
    let admin_consent = match (&row.login_url, &row.tenant_id, client) {
        (Some(login), Some(tenant), Some(c)) if row.auth_mode.as_deref() != Some("delegated") => {
            Some(format!(
                "{}/{}/adminconsent?client_id={c}",
                login.trim_end_matches('/'),
                url::form_urlencoded::byte_serialize(tenant.as_bytes()).collect::<String>()
            ))
        }
        _ => None,
    };
    PortalLinks {
        provisioning,
        api_permissions,
        admin_consent,
        click_path: "Entra admin center → Enterprise applications → the app → Provisioning: \
\u{201c}Provision on demand\u{201d}, or Overview → \u{201c}Restart provisioning\u{201d}"
            .into(),
    }
}

/// The switch, the portal links and the newest actions of a connection.
pub async fn status(engine: &Engine, id: &str) -> Result<RemediationStatus, RemediationError> {
    let row = row_of(engine, id).await?;
    let pool = engine.store.pool();
    let sw = audit::get_switch(pool, row.id).await?;
    let available = job_of(&row);
    Ok(RemediationStatus {
        connection_id: row.uuid.clone(),
        enabled: sw.as_ref().is_some_and(|s| s.enabled) && available.is_ok(),
        auth_mode: row
            .tenant_id
            .as_ref()
            .and(row.auth_mode.as_deref())
            .and_then(AuthMode::parse),
        available: available.is_ok(),
        unavailable_reason: available.err(),
        changed_at: sw.as_ref().map(|s| rows::ms_to_time(s.changed_ms)),
        changed_by: sw.as_ref().map(|s| s.changed_by.clone()),
        evidence: sw.map(|s| s.evidence),
        portal: portal(&row),
        actions: audit::list(pool, row.id, 20).await?,
    })
}

/// The connection's actions taken, newest first.
pub async fn actions(
    engine: &Engine,
    id: &str,
    limit: u32,
) -> Result<Vec<AuditEntry>, RemediationError> {
    let row = row_of(engine, id).await?;
    Ok(audit::list(engine.store.pool(), row.id, limit).await?)
}

mod switch;
pub use switch::{disable, enable, Consent};

mod actions;
pub use actions::{preview_on_demand, preview_restart, provision_on_demand, restart};

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

fn new_request_id() -> String {
    Uuid::new_v4().to_string()
}
