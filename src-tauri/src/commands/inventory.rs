//! Inventory screen: crawl (with progress events and cancel), snapshots,
//! diff, drift, SCIM compliance; a snapshot's users and groups browsed, a
//! group's members, a resource's versions.

use scimwatch_core::scim::SnapshotDiff;
use scimwatch_engine::api::inventory::{
    self as api, GroupMembers, ResourceHistory, SnapshotPage, SnapshotSummary,
};
use scimwatch_engine::read_models::StoredCompliance;
use scimwatch_engine::scim::crawl::CrawlOutcome;
use scimwatch_engine::scim::drift::DriftResult;
use tauri::{AppHandle, State};

use crate::error::CommandResult;
use crate::events;
use crate::state::AppState;

/// Crawl now; progress goes out as `crawl-progress` events.
#[tauri::command]
pub async fn start_crawl(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<CrawlOutcome> {
    let report = move |id: &str, p| events::crawl_progress(&app, id, p);
    Ok(api::start_crawl(&state.engine, &id, report).await?)
}

#[tauri::command]
pub async fn cancel_crawl(state: State<'_, AppState>, id: String) -> CommandResult<bool> {
    Ok(api::cancel_crawl(&state.engine, &id).await?)
}

#[tauri::command]
pub async fn list_snapshots(
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<Vec<SnapshotSummary>> {
    Ok(api::list_snapshots(&state.engine, &id).await?)
}

#[tauri::command]
pub async fn diff_snapshots(
    state: State<'_, AppState>,
    id: String,
    a: i64,
    b: i64,
) -> CommandResult<SnapshotDiff> {
    Ok(api::diff_snapshots(&state.engine, &id, a, b).await?)
}

#[tauri::command]
pub async fn drift_report(state: State<'_, AppState>, id: String) -> CommandResult<DriftResult> {
    Ok(api::drift_report(&state.engine, &id).await?)
}

#[tauri::command]
pub async fn scim_compliance(
    state: State<'_, AppState>,
    id: String,
    reexamine: Option<bool>,
) -> CommandResult<StoredCompliance> {
    Ok(api::scim_compliance(&state.engine, &id, reexamine).await?)
}

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
    let (e, s) = (&state.engine, search.as_deref());
    Ok(api::browse_snapshot(e, &id, snapshot, &kind, s, offset, limit).await?)
}

#[tauri::command]
pub async fn group_members(
    state: State<'_, AppState>,
    id: String,
    snapshot: i64,
    group: String,
    offset: u32,
    limit: u32,
) -> CommandResult<GroupMembers> {
    Ok(api::group_members(&state.engine, &id, snapshot, &group, offset, limit).await?)
}

#[tauri::command]
pub async fn resource_history(
    state: State<'_, AppState>,
    id: String,
    kind: String,
    resource: String,
) -> CommandResult<ResourceHistory> {
    Ok(api::resource_history(&state.engine, &id, &kind, &resource).await?)
}
