//! Inventory screen: crawl (with progress and cancel), snapshots, diff,
//! drift, SCIM compliance; a snapshot's users and groups browsed, a group's
//! members, a resource's versions.

use chrono::Utc;
use scimwatch_core::scim::SnapshotDiff;

use crate::engine::Engine;
use crate::error::EngineError;
use crate::read_models::resources::{self, GroupMembers, ResourceHistory, SnapshotPage};
use crate::read_models::{self, StoredCompliance};
use crate::scim::crawl::{self, CrawlOutcome, CrawlProgress};
use crate::scim::drift::{drift, stored_assignments, DriftResult};
use crate::scim::ScimError;
use crate::store::inventory::{self, SnapshotSummary};

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
    inventory::list(engine.store.pool(), r.id, SNAPSHOTS_LISTED).await
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
    resources::browse_snapshot(engine, id, snapshot, rt, search, offset, limit).await
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
    resources::group_members(engine, id, snapshot, group, offset, limit).await
}

/// Every stored version of a user or group, with what changed.
pub async fn resource_history(
    engine: &Engine,
    id: &str,
    kind: &str,
    resource: &str,
) -> Result<ResourceHistory, EngineError> {
    let rt = resources::resource_type(kind)?;
    resources::resource_history(engine, id, rt, resource).await
}
