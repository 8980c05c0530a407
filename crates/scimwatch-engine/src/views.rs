//! Read models for the screens, by connection uuid or name: the bodies of
//! the Token, Inventory and Incidents commands and of the matching CLI
//! commands, so the shell stays a set of one-line adapters.

use scimwatch_core::scim::{DriftConfig, SnapshotDiff};
use scimwatch_core::Sensitive;

use crate::app::Engine;
use crate::error::EngineError;
use crate::scim::drift::{drift, stored_assignments, DriftResult};
use crate::scim::{test_token, CheckResult, ScimError};
use crate::store::connections as rows;
use crate::store::inventory::{self, SnapshotSummary};
use crate::store::scim_checks::{self, CheckSummary};

async fn row(engine: &Engine, connection: &str) -> Result<rows::ConnectionRow, EngineError> {
    rows::find(engine.store.pool(), connection)
        .await?
        .ok_or_else(|| {
            EngineError::NotFound(format!(
                "no connection named or with id \u{201c}{connection}\u{201d}"
            ))
        })
}

/// Inventory snapshots of a connection, newest first.
pub async fn snapshots(
    engine: &Engine,
    connection: &str,
) -> Result<Vec<SnapshotSummary>, EngineError> {
    let r = row(engine, connection).await?;
    inventory::list(engine.store.pool(), r.id, 200).await
}

/// What changed between two complete snapshots of a connection.
pub async fn diff_snapshots(
    engine: &Engine,
    connection: &str,
    a: i64,
    b: i64,
) -> Result<SnapshotDiff, EngineError> {
    let r = row(engine, connection).await?;
    let mut conn = engine.store.pool().acquire().await?;
    inventory::diff(&mut conn, r.id, a, b).await
}

/// Recent Test Connection results, newest first.
pub async fn check_history(
    engine: &Engine,
    connection: &str,
) -> Result<Vec<CheckSummary>, EngineError> {
    let r = row(engine, connection).await?;
    scim_checks::history(engine.store.pool(), r.id, 100).await
}

/// The latest Test Connection with its full (redacted) exchange.
pub async fn latest_check(
    engine: &Engine,
    connection: &str,
) -> Result<Option<CheckResult>, EngineError> {
    let r = row(engine, connection).await?;
    scim_checks::latest(engine.store.pool(), r.id).await
}

/// Test a new token against the connection's Tenant URL before it goes into
/// Entra. Nothing is stored.
pub async fn test_new_token(
    engine: &Engine,
    connection: &str,
    token: &Sensitive<String>,
) -> Result<CheckResult, ScimError> {
    let r = row(engine, connection).await?;
    let url = r.scim_url.ok_or_else(|| {
        ScimError::Engine(EngineError::NotFound(
            "this connection has no SCIM Tenant URL; add one first".into(),
        ))
    })?;
    test_token(&url, token).await
}

/// Entra's assigned users against the latest complete inventory.
pub async fn drift_report(engine: &Engine, connection: &str) -> Result<DriftResult, ScimError> {
    let r = row(engine, connection).await?;
    let assigned = stored_assignments(engine, r.id).await?.ok_or_else(|| {
        ScimError::Engine(EngineError::NotFound(
            "no Entra assignments are stored for this connection yet: drift needs the Entra side \
             polled at least once"
                .into(),
        ))
    })?;
    drift(engine, connection, &assigned, &DriftConfig::default()).await
}
