//! Opt-in remediation actions: the per-connection switch, provision on
//! demand and restart (preview, then send as previewed), the actions taken.
//! The switch checks the stored sign-in: a delegated one's consent to the
//! write permission, an application's permission.

use std::time::Duration;

use chrono::Utc;

use crate::engine::Engine;
use crate::remediate::{
    self, AuditEntry, Consent, GraphCall, OnDemandOutcome, RemediationError, RemediationStatus,
    RestartOutcome,
};

/// The actions listed.
const ACTIONS_LISTED: u32 = 50;

pub async fn remediation_status(
    engine: &Engine,
    id: &str,
) -> Result<RemediationStatus, RemediationError> {
    remediate::status(engine, id).await
}

/// Switch on, with the consent the stored sign-in holds.
pub async fn enable_remediation(
    engine: &Engine,
    id: &str,
) -> Result<RemediationStatus, RemediationError> {
    remediate::enable(engine, id, Consent::Stored, Utc::now()).await
}

/// Switch on after a sign-in in the browser that asks for the write
/// permission (`scimwatch-cli remediation --enable`): `opener` gets the
/// sign-in URL; the sign-in is awaited for `wait`.
pub async fn enable_remediation_in_browser(
    engine: &Engine,
    id: &str,
    opener: &(dyn Fn(&str) + Send + Sync),
    wait: Duration,
) -> Result<RemediationStatus, RemediationError> {
    remediate::enable(engine, id, Consent::Browser { opener, wait }, Utc::now()).await
}

pub async fn disable_remediation(
    engine: &Engine,
    id: &str,
) -> Result<RemediationStatus, RemediationError> {
    remediate::disable(engine, id, Utc::now()).await
}

pub async fn remediation_actions(
    engine: &Engine,
    id: &str,
) -> Result<Vec<AuditEntry>, RemediationError> {
    remediate::actions(engine, id, ACTIONS_LISTED).await
}

pub async fn preview_provision_on_demand(
    engine: &Engine,
    id: &str,
    user: &str,
) -> Result<GraphCall, RemediationError> {
    remediate::preview_on_demand(engine, id, user).await
}

/// Send what was previewed (`confirmed`), nothing else.
pub async fn provision_on_demand(
    engine: &Engine,
    id: &str,
    user: &str,
    confirmed: &GraphCall,
) -> Result<OnDemandOutcome, RemediationError> {
    remediate::provision_on_demand(engine, id, user, Some(confirmed), Utc::now()).await
}

pub async fn preview_restart(
    engine: &Engine,
    id: &str,
    scope: &[String],
) -> Result<GraphCall, RemediationError> {
    remediate::preview_restart(engine, id, scope).await
}

/// Send what was previewed (`confirmed`), nothing else.
pub async fn restart_provisioning(
    engine: &Engine,
    id: &str,
    scope: &[String],
    confirmed: &GraphCall,
) -> Result<RestartOutcome, RemediationError> {
    remediate::restart(engine, id, scope, Some(confirmed), Utc::now()).await
}
