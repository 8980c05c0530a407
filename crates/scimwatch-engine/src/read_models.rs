//! Read models for the screens, by connection uuid or name: the bodies of
//! the Token, Inventory and Incidents commands and of the matching CLI
//! commands, so the shell stays a set of one-line adapters.

use scimwatch_core::scim::SnapshotDiff;
use scimwatch_core::Sensitive;

use crate::engine::Engine;
use crate::error::EngineError;
use crate::scim::drift::{drift, stored_assignments, DriftResult};
use crate::scim::{test_token, CheckResult, ScimError};
use crate::store::connections as rows;
use crate::store::inventory::{self, SnapshotSummary};
use crate::store::scim_checks::{self, CheckSummary};

mod compliance;
mod trace;
mod trace_match;
pub use trace::{trace_user, TraceCandidate, UserTrace};
pub mod fleet;
pub mod resources;
pub use compliance::{
    reexamine, stored_compliance, ComplianceSource, ComplianceVerdict, RecordedDeviation,
    StoredCompliance,
};

async fn row(engine: &Engine, connection: &str) -> Result<rows::ConnectionRow, EngineError> {
    rows::require(engine.store.pool(), connection).await
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
    let side = stored_assignments(engine, r.id).await?.ok_or_else(|| {
        ScimError::Engine(EngineError::NotFound(
            "no Entra assignments are stored for this connection yet: drift needs the Entra side \
             polled at least once"
                .into(),
        ))
    })?;
    drift(engine, connection, &side.assigned, &side.config).await
}

/// The Mappings & assignments screen: the latest schema, assignments and
/// settings read from Entra, and the recent configuration changes.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct MappingsView {
    pub mappings: Option<crate::graph::sync::MappingsBody>,
    pub assignments: Option<crate::graph::sync::AssignmentsBody>,
    pub settings: Option<crate::graph::sync::SettingsBody>,
    /// Whether Entra's Tenant URL (`settings.base_address`) names the endpoint
    /// this connection watches, compared in core's one form
    /// (`validate::same_tenant_url`); `None` when either is unknown.
    pub tenant_url_matches: Option<bool>,
    /// When each was last read, ms since the epoch.
    #[ts(type = "number | null")]
    pub mappings_seen_ms: Option<i64>,
    #[ts(type = "number | null")]
    pub assignments_seen_ms: Option<i64>,
    /// Recent changes of any kind, newest first (without bodies).
    pub changes: Vec<ConfigChange>,
    /// The attribute mappings of each object mapping, in the order of
    /// `mappings.mappings`, read out of their `target <- source` text.
    pub attributes: Vec<Vec<AttributeView>>,
    /// Whether, when and how the targets were compared with the SaaS's
    /// `/Schemas` as the latest recorded discovery read it.
    pub schemas: SchemasCheck,
    /// The stored compliance (the same the Inventory shows); `None` in the
    /// plain view read without it.
    pub compliance: Option<StoredCompliance>,
}

/// One attribute mapping of an object mapping.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct AttributeView {
    /// The SCIM attribute Entra writes (`userName`, `emails[type eq "work"].value`, …).
    pub target: String,
    /// The Entra attribute or expression it comes from.
    pub source: String,
    /// Entra finds existing SaaS users by this attribute.
    pub matching: bool,
    /// Whether the SaaS's `/Schemas` (as the latest recorded discovery read
    /// it) declares the target attribute: `None` when no discovery recorded
    /// `/Schemas`, or it lists no attributes for its schema.
    pub declared: Option<bool>,
}

/// The comparison of the mappings' targets with the SaaS's `/Schemas`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SchemasCheck {
    /// No discovery recorded yet (or recorded without its full report).
    NotChecked,
    /// The connection has no SCIM side to ask.
    NoScimSide,
    /// The recorded discovery read `/Schemas`.
    Read {
        #[ts(type = "number")]
        checked_ms: i64,
        /// The schema URNs it declares, as written by the SaaS.
        schema_ids: Vec<String>,
        /// Schemas declared without any attribute: their attributes stay unknown.
        without_attributes: Vec<String>,
        /// Target attributes of the mappings it does not declare.
        undeclared: u32,
    },
    /// The recorded discovery could not examine the server, or `/Schemas`
    /// could not be read or held no schema.
    Failed {
        #[ts(type = "number")]
        checked_ms: i64,
        message: String,
    },
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
    let mappings: Option<crate::graph::sync::MappingsBody> = parse_body(&m);
    let attributes = mappings
        .as_ref()
        .map(|b| {
            b.mappings
                .iter()
                .map(|o| o.attributes.iter().map(|t| attribute_view(t)).collect())
                .collect()
        })
        .unwrap_or_default();
    // Per-user details stay in the engine (drift); the screen shows counts and principals.
    let assignments = parse_body(&a).map(|mut b: crate::graph::sync::AssignmentsBody| {
        b.entra_users = Vec::new();
        b
    });
    let settings: Option<crate::graph::sync::SettingsBody> = parse_body(&s);
    let tenant_url_matches = match (
        settings.as_ref().and_then(|s| s.base_address.as_deref()),
        r.scim_url.as_deref(),
    ) {
        (Some(entra), Some(ours)) if !entra.trim().is_empty() && !ours.trim().is_empty() => {
            Some(scimwatch_core::validate::same_tenant_url(entra, ours))
        }
        _ => None,
    };
    Ok(MappingsView {
        mappings,
        assignments,
        settings,
        tenant_url_matches,
        mappings_seen_ms: m.as_ref().map(|c| c.last_seen_ms),
        assignments_seen_ms: a.as_ref().map(|c| c.last_seen_ms),
        changes,
        attributes,
        schemas: SchemasCheck::NotChecked,
        compliance: None,
    })
}

/// The Mappings screen's view: the targets compared with the `/Schemas`
/// the latest recorded discovery read, and the stored compliance (the same
/// the Inventory shows). Nothing is asked of the SaaS: "Re-examine"
/// (`reexamine`) runs a discovery and records it.
pub async fn mappings_screen(
    engine: &Engine,
    connection: &str,
) -> Result<MappingsView, EngineError> {
    let mut view = mappings(engine, connection).await?;
    view.compliance = Some(compliance::with_stored(engine, connection, &mut view).await?);
    Ok(view)
}

/// `*target <- source` (as `graph::sync::mappings_body` stores it) → its parts.
fn attribute_view(text: &str) -> AttributeView {
    let matching = text.contains('*');
    let clean = text.replace('*', "");
    let (target, source) = clean
        .split_once(" <- ")
        .or_else(|| clean.split_once('\u{2190}'))
        .unwrap_or((clean.as_str(), ""));
    AttributeView {
        target: target.trim().to_string(),
        source: source.trim().to_string(),
        matching,
        declared: None,
    }
}

/// Marks each target attribute declared or not, and records the check.
pub fn annotate(
    view: &mut MappingsView,
    declared: &scimwatch_core::scim::declared::DeclaredSchemas,
    now_ms: i64,
) {
    let objects: Vec<String> = view
        .mappings
        .as_ref()
        .map(|b| {
            b.mappings
                .iter()
                .map(|m| m.target.clone().unwrap_or_default())
                .collect()
        })
        .unwrap_or_default();
    let mut undeclared = 0;
    for (object, attrs) in objects.iter().zip(view.attributes.iter_mut()) {
        for a in attrs.iter_mut() {
            a.declared = declared.declares(&a.target, object).as_option();
            if a.declared == Some(false) {
                undeclared += 1;
            }
        }
    }
    let ids = |keep: fn(&scimwatch_core::scim::declared::DeclaredSchema) -> bool| {
        declared
            .schemas
            .iter()
            .filter(|s| keep(s))
            .map(|s| s.id.clone())
            .collect()
    };
    view.schemas = SchemasCheck::Read {
        checked_ms: now_ms,
        schema_ids: ids(|_| true),
        without_attributes: ids(|s| !s.lists_attributes()),
        undeclared,
    };
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

/// One event's full Graph object (steps, modified properties) for the
/// drawer: the event with Graph id `event_id` at `activity_ms` (as listed).
pub async fn event_detail(
    engine: &Engine,
    connection: &str,
    event_id: &str,
    activity_ms: i64,
) -> Result<serde_json::Value, EngineError> {
    let r = row(engine, connection).await?;
    let raw = crate::store::raw_pages::raw_json(engine.store.pool(), r.id, activity_ms, event_id)
        .await?
        .ok_or_else(|| {
            EngineError::NotFound(format!(
                "no event {event_id} at {}",
                crate::store::connections::ms_to_time(activity_ms).to_rfc3339()
            ))
        })?;
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
