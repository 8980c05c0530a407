//! Provisioning logs screen: a page of events, one event's Graph object,
//! the cycles, the export and the folder it went to.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::Utc;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::engine::Engine;
use crate::error::EngineError;
use crate::event_filter_check;
use crate::export::{self, ExportFormat, ExportResult};
use crate::store::connections::ms_to_time;
use crate::store::events;
use crate::store::raw_pages;

/// Filters of the Logs screen and `scimwatch-cli logs`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct EventFilter {
    /// `success`, `failure`, `skipped`, `warning`.
    pub status: Option<String>,
    /// `create`, `update`, `delete`, `disable`, `stagedDelete`, `other`.
    pub action: Option<String>,
    /// Inclusive lower bound, ms since the epoch.
    #[ts(type = "number | null")]
    pub since_ms: Option<i64>,
    /// Exclusive upper bound, ms since the epoch.
    #[ts(type = "number | null")]
    pub until_ms: Option<i64>,
    pub cycle_id: Option<String>,
    pub error_code: Option<String>,
    /// Who: part of the source or target display name (any case), or an
    /// exact source or target id.
    pub identity: Option<String>,
}

impl From<&EventFilter> for events::EventFilter {
    fn from(f: &EventFilter) -> Self {
        Self {
            status: f.status.clone(),
            action: f.action.clone(),
            since_ms: f.since_ms,
            until_ms: f.until_ms,
            cycle_id: f.cycle_id.clone(),
            error_code: f.error_code.clone(),
            identity: f.identity.clone(),
        }
    }
}

/// One page of a keyset-paginated list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass back to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T, R: Into<T>> From<events::Page<R>> for Page<T> {
    fn from(p: events::Page<R>) -> Self {
        Self {
            items: p.items.into_iter().map(Into::into).collect(),
            next_cursor: p.next_cursor,
        }
    }
}

/// A provisioning event as listed (without the raw JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct EventRow {
    #[ts(type = "number")]
    pub id: i64,
    pub event_id: String,
    #[ts(type = "number")]
    pub activity_ms: i64,
    pub job_id: Option<String>,
    pub cycle_id: Option<String>,
    pub change_id: Option<String>,
    pub action: String,
    pub status: String,
    pub source_id: Option<String>,
    pub source_name: Option<String>,
    pub target_id: Option<String>,
    pub target_name: Option<String>,
    pub identity_type: Option<String>,
    pub error_code: Option<String>,
    pub error_reason: Option<String>,
    pub error_category: Option<String>,
    #[ts(type = "number | null")]
    pub duration_ms: Option<i64>,
}

impl From<events::EventRow> for EventRow {
    fn from(e: events::EventRow) -> Self {
        Self {
            id: e.id,
            event_id: e.event_id,
            activity_ms: e.activity_ms,
            job_id: e.job_id,
            cycle_id: e.cycle_id,
            change_id: e.change_id,
            action: e.action,
            status: e.status,
            source_id: e.source_id,
            source_name: e.source_name,
            target_id: e.target_id,
            target_name: e.target_name,
            identity_type: e.identity_type,
            error_code: e.error_code,
            error_reason: e.error_reason,
            error_category: e.error_category,
            duration_ms: e.duration_ms,
        }
    }
}

/// An error code and how often it occurred.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CodeCountRow {
    pub code: String,
    #[ts(type = "number")]
    pub count: i64,
}

impl From<events::CodeCountRow> for CodeCountRow {
    fn from(v: events::CodeCountRow) -> Self {
        Self {
            code: v.code,
            count: v.count,
        }
    }
}

/// One provisioning cycle, rolled up from its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CycleRow {
    pub cycle_id: String,
    #[ts(type = "number")]
    pub started_ms: i64,
    #[ts(type = "number")]
    pub ended_ms: i64,
    #[ts(type = "number")]
    pub total: i64,
    #[ts(type = "number")]
    pub failures: i64,
    /// `{action: {status: count}}`.
    #[ts(type = "Record<string, Record<string, number>>")]
    pub counts: BTreeMap<String, BTreeMap<String, i64>>,
    pub top_errors: Vec<CodeCountRow>,
}

impl From<events::CycleRow> for CycleRow {
    fn from(v: events::CycleRow) -> Self {
        Self {
            cycle_id: v.cycle_id,
            started_ms: v.started_ms,
            ended_ms: v.ended_ms,
            total: v.total,
            failures: v.failures,
            counts: v.counts,
            top_errors: v.top_errors.into_iter().map(Into::into).collect(),
        }
    }
}

/// Events per page when the caller does not say.
const DEFAULT_PAGE: u32 = 200;
/// The most events or cycles one page holds.
const MAX_PAGE: u32 = 1000;
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
    Ok(stored_page(engine, id, filter, cursor, limit).await?.into())
}

/// The same page as [`query_logs`] as CSV lines in the export's dialect
/// (formulas neutralised), without the header ([`export::CSV_HEADER`]).
pub async fn query_logs_csv(
    engine: &Engine,
    id: &str,
    filter: &EventFilter,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<String>, EngineError> {
    let page = stored_page(engine, id, filter, cursor, limit).await?;
    Ok(Page {
        items: page.items.iter().map(export::csv_row).collect(),
        next_cursor: page.next_cursor,
    })
}

async fn stored_page(
    engine: &Engine,
    id: &str,
    filter: &EventFilter,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<events::Page<events::EventRow>, EngineError> {
    let filter = event_filter_check::checked(&filter.into())?;
    let r = super::row(engine, id).await?;
    let limit = limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
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

/// Provisioning cycles, newest first: `limit` of them (by default 200).
pub async fn list_cycles(
    engine: &Engine,
    id: &str,
    limit: Option<u32>,
) -> Result<Vec<CycleRow>, EngineError> {
    let r = super::row(engine, id).await?;
    let limit = limit.unwrap_or(CYCLES_LISTED).clamp(1, MAX_PAGE);
    let cycles = events::cycles(engine.store.pool(), r.id, limit).await?;
    Ok(cycles.into_iter().map(CycleRow::from).collect())
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
    let filter = event_filter_check::checked(&filter.into())?;
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
