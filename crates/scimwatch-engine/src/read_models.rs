//! Read models for the screens, by connection uuid or name: what the
//! screens' entry points in `api/` build on (the Mappings view, compliance,
//! the per-user trace, a tenant's apps, a snapshot's resources).

use crate::engine::Engine;
use crate::error::EngineError;
use crate::store::connections as rows;

pub(crate) mod compliance;
mod trace;
mod trace_match;
pub use trace::{trace_user, Trace, TraceCandidate};
pub mod fleet;
pub mod resources;
pub use compliance::{
    reexamine, stored_compliance, ComplianceSource, ComplianceVerdict, RecordedDeviation,
    StoredCompliance,
};

async fn row(engine: &Engine, connection: &str) -> Result<rows::ConnectionRow, EngineError> {
    rows::require(engine.store.pool(), connection).await
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
    use crate::store::jobs::{config_history, latest_config};
    use scimwatch_core::graph::job::ConfigKind;
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
