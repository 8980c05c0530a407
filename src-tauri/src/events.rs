//! The one place where engine happenings become UI events (and, later,
//! notifications). Event names are constants the UI's `ipc.ts` listens to.

use scimwatch_engine::scim::crawl::{CrawlProgress, CrawlProgressEvent};
use serde::Serialize;
use tauri::{AppHandle, Emitter};

/// Emitted after each diagnosis round with the connections whose incidents
/// changed (the Incidents and Overview screens refresh).
pub const INCIDENTS_CHANGED: &str = "incidents-changed";
/// Emitted for each poller event (job status changed, blind, recovered, …).
pub const POLL_EVENT: &str = "poll-event";
/// Emitted when a notification is clicked: open the app at that incident.
pub const OPEN_INCIDENT: &str = "open-incident";
/// Emitted when the tray menu's item for an open incident is chosen: the
/// Incidents screen with that incident focused ([`ShowIncident`]).
pub const SHOW_INCIDENT: &str = "show-incident";

/// Which incident to show, and its connection (for the screen's filter);
/// `connection_id` is `None` when the incident is no longer in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShowIncident {
    pub id: i64,
    pub connection_id: Option<String>,
}

/// Emitted while an inventory crawl runs.
pub const CRAWL_PROGRESS: &str = "crawl-progress";

pub fn crawl_progress(app: &AppHandle, connection_id: &str, progress: CrawlProgress) {
    let payload = CrawlProgressEvent {
        connection_id: connection_id.to_string(),
        progress,
    };
    if let Err(e) = app.emit(CRAWL_PROGRESS, payload) {
        tracing::warn!(error = %e, "could not emit crawl progress");
    }
}

/// Forward the progress of the crawls nobody started from a window (the
/// monitor's schedule), so Inventory shows them with their Cancel button.
pub fn forward_crawls(app: AppHandle, engine: &scimwatch_engine::Engine) {
    let mut crawls = engine.crawls().subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            match crawls.recv().await {
                Ok(e) => {
                    if let Err(err) = app.emit(CRAWL_PROGRESS, e) {
                        tracing::warn!(error = %err, "could not emit crawl progress");
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}

/// Forward the watch's one event stream to the UI and the tray, in one
/// place.
pub fn forward(app: AppHandle, watch: &scimwatch_engine::monitor::Watch) {
    use scimwatch_engine::monitor::WatchEvent;
    let mut bus = watch.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            match bus.recv().await {
                Ok(WatchEvent::Poll(e)) => {
                    let _ = app.emit(POLL_EVENT, e);
                }
                Ok(WatchEvent::Diagnosed(all)) => {
                    let changed: Vec<String> = all
                        .into_iter()
                        .filter(|(_, o)| !o.actions.is_empty())
                        .map(|(c, _)| c)
                        .collect();
                    if !changed.is_empty() {
                        let _ = app.emit(INCIDENTS_CHANGED, changed);
                        // The open incidents changed: icon, tooltip and menu.
                        crate::tray::refresh(&app).await;
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}
