//! Connections screen: the list, an all-apps tenant's apps, add, update,
//! remove, and "Test" on the form.

use chrono::Utc;
use scimwatch_core::{Connection, ConnectionInput};

use crate::connections::{self, SaveOutcome, SecretsInput, TestDepth, TestResult};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::read_models::fleet::{self, TenantApp, TenantSummary};

pub async fn list_connections(engine: &Engine) -> Result<Vec<Connection>, EngineError> {
    connections::list(&engine.store).await
}

/// The apps of an all-apps tenant, worst first (none for another connection).
pub async fn tenant_apps(engine: &Engine, tenant: &str) -> Result<Vec<TenantApp>, EngineError> {
    fleet::tenant_apps(&engine.store, tenant).await
}

/// An all-apps tenant at a glance: its apps worst first, how many need
/// attention, its Graph budget (`None` for another connection).
pub async fn tenant_summary(
    engine: &Engine,
    tenant: &str,
) -> Result<Option<TenantSummary>, EngineError> {
    fleet::tenant_summary(&engine.store, tenant).await
}

pub async fn add_connection(
    engine: &Engine,
    input: &ConnectionInput,
    secrets: &SecretsInput,
) -> Result<SaveOutcome, EngineError> {
    let e = engine;
    connections::add(&e.store, e.secrets.as_ref(), input, secrets, Utc::now()).await
}

pub async fn update_connection(
    engine: &Engine,
    id: &str,
    input: &ConnectionInput,
    secrets: &SecretsInput,
) -> Result<SaveOutcome, EngineError> {
    let e = engine;
    connections::update(&e.store, e.secrets.as_ref(), id, input, secrets, Utc::now()).await
}

/// Remove a connection (by uuid or name) with its stored data and secrets.
pub async fn remove_connection(engine: &Engine, id: &str) -> Result<Connection, EngineError> {
    connections::remove(&engine.store, engine.secrets.as_ref(), id).await
}

/// "Test" on the form: what is typed, unsaved. The typed secrets are used
/// for this test only: never stored, logged or sent back. `resolve_only`
/// stops before the calls a save does not need.
pub async fn test_connection_input(
    engine: &Engine,
    id: Option<&str>,
    input: &ConnectionInput,
    secrets: &SecretsInput,
    resolve_only: Option<bool>,
) -> Result<TestResult, EngineError> {
    let depth = match resolve_only {
        Some(true) => TestDepth::BeforeSave,
        _ => TestDepth::Full,
    };
    let e = engine;
    connections::test_unsaved(
        &e.store,
        e.secrets.as_ref(),
        id,
        input,
        secrets,
        depth,
        Utc::now(),
    )
    .await
}
