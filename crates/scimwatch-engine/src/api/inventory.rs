//! Inventory screen: crawl (with progress and cancel), snapshots, diff,
//! drift, SCIM compliance; a snapshot's users and groups browsed, a group's
//! members, a resource's versions.

use chrono::{DateTime, Utc};
use scimwatch_core::scim::diff::ResourceRef;
use scimwatch_core::scim::SnapshotDiff;
use serde::Serialize;
use ts_rs::TS;

use crate::engine::Engine;
use crate::error::EngineError;
use crate::read_models::resources::{self, ResourceVersion};
use crate::read_models::{self, StoredCompliance};
use crate::scim::crawl::{self, CrawlOutcome, CrawlProgress};
use crate::scim::drift::{drift, stored_assignments, DriftResult};
use crate::scim::ScimError;
use crate::store::inventory;

/// `User` or `Group`, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, TS)]
pub enum ResourceType {
    User,
    Group,
}

/// A snapshot as listed to the admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SnapshotSummary {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number | null")]
    pub base_id: Option<i64>,
    /// Whether it lists every resource (else it is a delta against `base_id`).
    pub full: bool,
    /// `running`, `complete`, `incomplete` (stored, but not the server's
    /// whole inventory: `error` says why; never a base or a diff),
    /// `failed` or `cancelled`.
    pub state: String,
    pub started_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub user_count: Option<u32>,
    pub group_count: Option<u32>,
    /// Rows stored in `inventory_changes` for it.
    pub changes: u32,
    pub error: Option<String>,
}

/// A page of a snapshot's users or groups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SnapshotPage {
    /// The snapshot browsed (`state` says `incomplete` when it is not the
    /// SaaS's whole inventory).
    pub snapshot: SnapshotSummary,
    pub resource_type: ResourceType,
    /// The search as applied (trimmed), if any.
    pub search: Option<String>,
    pub offset: u32,
    /// Resources matching the search in the snapshot.
    pub total: u32,
    /// Sorted by `userName` (groups: `displayName`), then id.
    pub items: Vec<ResourceRef>,
}

/// A member of a group, as the group lists it and as the same snapshot holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct MemberView {
    /// The member's id (`value`).
    pub id: String,
    /// `display`, as the group lists it.
    pub display: Option<String>,
    /// `type`, as the group lists it (`User`, `Group`).
    pub member_type: Option<String>,
    /// The member in the same snapshot (`userName` of a user,
    /// `displayName` of a group); `None`: not in this snapshot.
    pub resolved: Option<ResourceRef>,
    pub resolved_type: Option<ResourceType>,
}

/// A page of a group's members in one snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct GroupMembers {
    pub snapshot: SnapshotSummary,
    pub group: ResourceRef,
    pub offset: u32,
    /// Members the group lists.
    pub total: u32,
    /// In the group's order.
    pub members: Vec<MemberView>,
}

/// Every stored version of a resource across the complete snapshots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ResourceHistory {
    pub resource_type: ResourceType,
    pub id: String,
    /// The newest known `userName` (groups: `displayName`).
    pub label: Option<String>,
    /// Oldest first.
    pub versions: Vec<ResourceVersion>,
    /// Complete snapshots looked at (incomplete ones are not part of a history).
    pub snapshots: u32,
}

impl From<inventory::ResourceType> for ResourceType {
    fn from(t: inventory::ResourceType) -> Self {
        match t {
            inventory::ResourceType::User => Self::User,
            inventory::ResourceType::Group => Self::Group,
        }
    }
}

impl From<inventory::SnapshotSummary> for SnapshotSummary {
    fn from(s: inventory::SnapshotSummary) -> Self {
        Self {
            id: s.id,
            base_id: s.base_id,
            full: s.full,
            state: s.state,
            started_at: s.started_at,
            completed_at: s.completed_at,
            user_count: s.user_count,
            group_count: s.group_count,
            changes: s.changes,
            error: s.error,
        }
    }
}

impl From<resources::SnapshotPage> for SnapshotPage {
    fn from(p: resources::SnapshotPage) -> Self {
        Self {
            snapshot: p.snapshot.into(),
            resource_type: p.resource_type.into(),
            search: p.search,
            offset: p.offset,
            total: p.total,
            items: p.items,
        }
    }
}

impl From<resources::MemberView> for MemberView {
    fn from(m: resources::MemberView) -> Self {
        Self {
            id: m.id,
            display: m.display,
            member_type: m.member_type,
            resolved: m.resolved,
            resolved_type: m.resolved_type.map(Into::into),
        }
    }
}

impl From<resources::GroupMembers> for GroupMembers {
    fn from(g: resources::GroupMembers) -> Self {
        Self {
            snapshot: g.snapshot.into(),
            group: g.group,
            offset: g.offset,
            total: g.total,
            members: g.members.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<resources::ResourceHistory> for ResourceHistory {
    fn from(h: resources::ResourceHistory) -> Self {
        Self {
            resource_type: h.resource_type.into(),
            id: h.id,
            label: h.label,
            versions: h.versions,
            snapshots: h.snapshots,
        }
    }
}

/// The snapshots listed at most.
const SNAPSHOTS_LISTED: u32 = 200;

/// Crawl the SaaS now, `report`ing progress as it goes.
pub async fn start_crawl<F>(engine: &Engine, id: &str, report: F) -> Result<CrawlOutcome, ScimError>
where
    F: Fn(&str, CrawlProgress) + Send + 'static,
{
    crawl::run_inventory_reporting(engine, id, report).await
}

/// Cancel the crawl of a connection, whoever started it (a scheduled one
/// too).
pub async fn cancel_crawl(engine: &Engine, id: &str) -> Result<bool, EngineError> {
    crawl::cancel(engine, id).await
}

/// Inventory snapshots of a connection, newest first.
pub async fn list_snapshots(
    engine: &Engine,
    id: &str,
) -> Result<Vec<SnapshotSummary>, EngineError> {
    let r = super::row(engine, id).await?;
    let list = inventory::list(engine.store.pool(), r.id, SNAPSHOTS_LISTED).await?;
    Ok(list.into_iter().map(SnapshotSummary::from).collect())
}

/// What changed between two complete snapshots of a connection.
pub async fn diff_snapshots(
    engine: &Engine,
    id: &str,
    a: i64,
    b: i64,
) -> Result<SnapshotDiff, EngineError> {
    let r = super::row(engine, id).await?;
    let mut conn = engine.store.pool().acquire().await?;
    inventory::diff(&mut conn, r.id, a, b).await
}

/// Entra's assigned users against the latest complete inventory.
pub async fn drift_report(engine: &Engine, id: &str) -> Result<DriftResult, ScimError> {
    let r = super::row(engine, id).await?;
    let side = stored_assignments(engine, r.id).await?.ok_or_else(|| {
        ScimError::Engine(EngineError::NotFound(
            "no Entra assignments are stored for this connection yet: drift needs the Entra side \
             polled at least once"
                .into(),
        ))
    })?;
    drift(engine, id, &side.assigned, &side.config).await
}

/// The stored compliance (latest discovery and crawl); with `reexamine`, a
/// discovery runs and is recorded first.
pub async fn scim_compliance(
    engine: &Engine,
    id: &str,
    reexamine: Option<bool>,
) -> Result<StoredCompliance, ScimError> {
    Ok(if reexamine.unwrap_or(false) {
        read_models::reexamine(engine, id, Utc::now()).await?
    } else {
        read_models::stored_compliance(engine, id).await?
    })
}

/// A page of a snapshot's users (`kind` `User`) or groups (`Group`),
/// optionally searched by userName, displayName, externalId or id.
pub async fn browse_snapshot(
    engine: &Engine,
    id: &str,
    snapshot: i64,
    kind: &str,
    search: Option<&str>,
    offset: u32,
    limit: u32,
) -> Result<SnapshotPage, EngineError> {
    let rt = resources::resource_type(kind)?;
    let page = resources::browse_snapshot(engine, id, snapshot, rt, search, offset, limit);
    Ok(page.await?.into())
}

/// A page of a group's members, resolved against the same snapshot.
pub async fn group_members(
    engine: &Engine,
    id: &str,
    snapshot: i64,
    group: &str,
    offset: u32,
    limit: u32,
) -> Result<GroupMembers, EngineError> {
    let page = resources::group_members(engine, id, snapshot, group, offset, limit);
    Ok(page.await?.into())
}

/// Every stored version of a user or group, with what changed.
pub async fn resource_history(
    engine: &Engine,
    id: &str,
    kind: &str,
    resource: &str,
) -> Result<ResourceHistory, EngineError> {
    let rt = resources::resource_type(kind)?;
    Ok(resources::resource_history(engine, id, rt, resource)
        .await?
        .into())
}
