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

/// The Mappings & assignments screen: the latest schema, assignments and
/// settings read from Entra, and the recent configuration changes.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct MappingsView {
    pub mappings: Option<crate::graph::sync::MappingsBody>,
    pub assignments: Option<crate::graph::sync::AssignmentsBody>,
    pub settings: Option<crate::graph::sync::SettingsBody>,
    /// When each was last read, ms since the epoch.
    #[ts(type = "number | null")]
    pub mappings_seen_ms: Option<i64>,
    #[ts(type = "number | null")]
    pub assignments_seen_ms: Option<i64>,
    /// Recent changes of any kind, newest first (without bodies).
    pub changes: Vec<ConfigChange>,
}

#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct ConfigChange {
    pub kind: String,
    #[ts(type = "number")]
    pub observed_ms: i64,
    pub summary: Option<String>,
}

fn parse_body<T: serde::de::DeserializeOwned>(
    v: &Option<crate::store::jobs::ConfigVersionRow>,
) -> Option<T> {
    v.as_ref()
        .and_then(|c| serde_json::from_str(&c.body_json).ok())
}

pub async fn mappings(engine: &Engine, connection: &str) -> Result<MappingsView, EngineError> {
    use crate::store::jobs::{config_history, latest_config, ConfigKind};
    let r = row(engine, connection).await?;
    let pool = engine.store.pool();
    let m = latest_config(pool, r.id, ConfigKind::Schema).await?;
    let a = latest_config(pool, r.id, ConfigKind::Assignments).await?;
    let s = latest_config(pool, r.id, ConfigKind::Settings).await?;
    let mut changes = Vec::new();
    for kind in [
        ConfigKind::Schema,
        ConfigKind::Assignments,
        ConfigKind::Settings,
    ] {
        for c in config_history(pool, r.id, kind, 20).await? {
            changes.push(ConfigChange {
                kind: c.kind.clone(),
                observed_ms: c.observed_ms,
                summary: c.change_summary.clone(),
            });
        }
    }
    changes.sort_by_key(|c| std::cmp::Reverse(c.observed_ms));
    Ok(MappingsView {
        mappings: parse_body(&m),
        assignments: parse_body(&a),
        settings: parse_body(&s),
        mappings_seen_ms: m.as_ref().map(|c| c.last_seen_ms),
        assignments_seen_ms: a.as_ref().map(|c| c.last_seen_ms),
        changes,
    })
}

/// A page of provisioning events for the logs table (keyset pagination).
pub async fn logs_page(
    engine: &Engine,
    connection: &str,
    filter: &crate::store::events::EventFilter,
    cursor: Option<&str>,
    limit: u32,
) -> Result<crate::store::events::Page<crate::store::events::EventRow>, EngineError> {
    let r = row(engine, connection).await?;
    crate::store::events::query(
        engine.store.pool(),
        r.id,
        filter,
        limit.clamp(1, 1000),
        cursor,
    )
    .await
}

/// One event's full Graph object (steps, modified properties) for the drawer.
pub async fn event_detail(
    engine: &Engine,
    connection: &str,
    event_id: &str,
) -> Result<serde_json::Value, EngineError> {
    let r = row(engine, connection).await?;
    let raw = crate::store::events::raw_json(engine.store.pool(), r.id, event_id)
        .await?
        .ok_or_else(|| EngineError::NotFound(format!("no event {event_id}")))?;
    serde_json::from_str(&raw).map_err(|e| EngineError::Io(format!("stored event unreadable: {e}")))
}

/// Provisioning cycles, newest first.
pub async fn cycles(
    engine: &Engine,
    connection: &str,
    limit: u32,
) -> Result<Vec<crate::store::events::CycleRow>, EngineError> {
    let r = row(engine, connection).await?;
    crate::store::events::cycles(engine.store.pool(), r.id, limit).await
}

/// Export the events matching `filter` to the Downloads folder.
pub async fn export_logs(
    engine: &Engine,
    connection: &str,
    filter: &crate::store::events::EventFilter,
    format: crate::export::ExportFormat,
    stamp: &str,
) -> Result<crate::export::ExportResult, EngineError> {
    let r = row(engine, connection).await?;
    let path = crate::export::export_path(engine.data_dir(), &r.name, format, stamp);
    crate::export::export_events(&engine.store, r.id, filter, format, &path).await
}

/// One switch of the built-in demo tenant.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct DemoFault {
    pub kind: String,
    pub description: String,
    pub active: bool,
}

/// The built-in demo tenant's state.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct DemoStatus {
    pub running: bool,
    pub connection_id: Option<String>,
    pub faults: Vec<DemoFault>,
}
