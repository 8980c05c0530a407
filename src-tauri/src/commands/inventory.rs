//! Inventory screen: crawl (with progress events and cancel), snapshots,
//! diff, drift, SCIM compliance; a snapshot's users and groups browsed, a
//! group's members, a resource's versions.

use chrono::Utc;
use scimwatch_core::scim::SnapshotDiff;
use scimwatch_engine::read_models::resources::{self, GroupMembers, ResourceHistory, SnapshotPage};
use scimwatch_engine::read_models::{self, StoredCompliance};
use scimwatch_engine::scim::crawl::{self, CrawlOutcome};
use scimwatch_engine::scim::drift::DriftResult;
use scimwatch_engine::store::inventory::SnapshotSummary;
use tauri::{AppHandle, State};

use crate::error::CommandResult;
use crate::events;
use crate::state::AppState;

#[tauri::command]
pub async fn start_crawl(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<CrawlOutcome> {
    let report = move |id: &str, p| events::crawl_progress(&app, id, p);
    Ok(crawl::run_inventory_reporting(&state.engine, &id, report).await?)
}

/// Cancel the crawl of a connection, whoever started it (a scheduled one
/// too).
#[tauri::command]
pub async fn cancel_crawl(state: State<'_, AppState>, id: String) -> CommandResult<bool> {
    Ok(crawl::cancel(&state.engine, &id).await?)
}

#[tauri::command]
pub async fn list_snapshots(
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<Vec<SnapshotSummary>> {
    Ok(read_models::snapshots(&state.engine, &id).await?)
}

#[tauri::command]
pub async fn diff_snapshots(
    state: State<'_, AppState>,
    id: String,
    a: i64,
    b: i64,
) -> CommandResult<SnapshotDiff> {
    Ok(read_models::diff_snapshots(&state.engine, &id, a, b).await?)
}

#[tauri::command]
pub async fn drift_report(state: State<'_, AppState>, id: String) -> CommandResult<DriftResult> {
    Ok(read_models::drift_report(&state.engine, &id).await?)
}

/// The stored compliance (latest discovery and crawl); with `reexamine`, a
/// discovery runs and is recorded first.
#[tauri::command]
pub async fn scim_compliance(
    state: State<'_, AppState>,
    id: String,
    reexamine: Option<bool>,
) -> CommandResult<StoredCompliance> {
    Ok(if reexamine.unwrap_or(false) {
        read_models::reexamine(&state.engine, &id, Utc::now()).await?
    } else {
        read_models::stored_compliance(&state.engine, &id).await?
    })
}

/// A page of a snapshot's users (`kind` `User`) or groups (`Group`),
/// optionally searched by userName, displayName, externalId or id.
#[tauri::command]
pub async fn browse_snapshot(
    state: State<'_, AppState>,
    id: String,
    snapshot: i64,
    kind: String,
    search: Option<String>,
    offset: u32,
    limit: u32,
) -> CommandResult<SnapshotPage> {
    let rt = resources::resource_type(&kind)?;
    Ok(resources::browse_snapshot(
        &state.engine,
        &id,
        snapshot,
        rt,
        search.as_deref(),
        offset,
        limit,
    )
    .await?)
}

/// A page of a group's members, resolved against the same snapshot.
#[tauri::command]
pub async fn group_members(
    state: State<'_, AppState>,
    id: String,
    snapshot: i64,
    group: String,
    offset: u32,
    limit: u32,
) -> CommandResult<GroupMembers> {
    Ok(resources::group_members(&state.engine, &id, snapshot, &group, offset, limit).await?)
}

/// Every stored version of a user or group, with what changed.
#[tauri::command]
pub async fn resource_history(
    state: State<'_, AppState>,
    id: String,
    kind: String,
    resource: String,
) -> CommandResult<ResourceHistory> {
    let rt = resources::resource_type(&kind)?;
    Ok(resources::resource_history(&state.engine, &id, rt, &resource).await?)
}
