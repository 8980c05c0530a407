//! Provisioning logs screen: a page of events, one event's Graph object,
//! the cycles, the export and the folder it went to.

use std::path::PathBuf;

use chrono::Utc;

use crate::engine::Engine;
use crate::error::EngineError;
use crate::event_filter_check;
use crate::export::{self, ExportFormat, ExportResult};
use crate::store::connections::ms_to_time;
use crate::store::events::{self, CycleRow, EventFilter, EventRow, Page};
use crate::store::raw_pages;

/// Events per page when the caller does not say.
const DEFAULT_PAGE: u32 = 200;
/// The cycles listed.
const CYCLES_LISTED: u32 = 200;

/// A page of provisioning events for the logs table (keyset pagination),
/// `filter` checked first.
pub async fn query_logs(
    engine: &Engine,
    id: &str,
    filter: &EventFilter,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<EventRow>, EngineError> {
    let filter = event_filter_check::checked(filter)?;
    let r = super::row(engine, id).await?;
    let limit = limit.unwrap_or(DEFAULT_PAGE).clamp(1, 1000);
    events::query(engine.store.pool(), r.id, &filter, limit, cursor).await
}

/// One event's full Graph object (steps, modified properties) for the
/// drawer: the event with Graph id `event_id` at `activity_ms` (as listed).
pub async fn event_detail(
    engine: &Engine,
    id: &str,
    event_id: &str,
    activity_ms: i64,
) -> Result<serde_json::Value, EngineError> {
    let r = super::row(engine, id).await?;
    let raw = raw_pages::raw_json(engine.store.pool(), r.id, activity_ms, event_id)
        .await?
        .ok_or_else(|| {
            EngineError::NotFound(format!(
                "no event {event_id} at {}",
                ms_to_time(activity_ms).to_rfc3339()
            ))
        })?;
    serde_json::from_str(&raw).map_err(|e| EngineError::Io(format!("stored event unreadable: {e}")))
}

/// Provisioning cycles, newest first.
pub async fn list_cycles(engine: &Engine, id: &str) -> Result<Vec<CycleRow>, EngineError> {
    let r = super::row(engine, id).await?;
    events::cycles(engine.store.pool(), r.id, CYCLES_LISTED).await
}

/// Export the events matching `filter` (checked first) to `path`, the file
/// the admin chose in the save dialog, or else to the Downloads folder
/// under a name stamped with the time.
pub async fn export_logs(
    engine: &Engine,
    id: &str,
    filter: &EventFilter,
    format: ExportFormat,
    path: Option<&str>,
) -> Result<ExportResult, EngineError> {
    let filter = event_filter_check::checked(filter)?;
    if let Some(path) = path {
        return export::export_to(engine, id, &filter, format, path).await;
    }
    let r = super::row(engine, id).await?;
    let stamp = Utc::now().format("%Y%m%d-%H%M%S").to_string();
    let path = export::export_path(engine.data_dir(), &r.name, format, &stamp);
    export::export_events(&engine.store, r.id, &filter, format, &path).await
}

/// "Show in folder" after an export: the folder holding `path`, checked to
/// be an exported file's (the shell opens it).
pub fn reveal_export(path: &str) -> Result<PathBuf, EngineError> {
    export::export_folder(path)
}
