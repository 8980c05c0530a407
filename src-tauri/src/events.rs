//! The one place where engine happenings become UI events (and, later,
//! notifications). Event names are constants the UI's `ipc.ts` listens to.

use scimwatch_engine::scim::crawl::CrawlProgress;
use serde::Serialize;
use tauri::{AppHandle, Emitter};

/// Emitted while an inventory crawl runs.
pub const CRAWL_PROGRESS: &str = "crawl-progress";

#[derive(Debug, Clone, Serialize)]
pub struct CrawlProgressEvent {
    pub connection_id: String,
    pub progress: CrawlProgress,
}

pub fn crawl_progress(app: &AppHandle, connection_id: &str, progress: CrawlProgress) {
    let payload = CrawlProgressEvent {
        connection_id: connection_id.to_string(),
        progress,
    };
    if let Err(e) = app.emit(CRAWL_PROGRESS, payload) {
        tracing::warn!(error = %e, "could not emit crawl progress");
    }
}
