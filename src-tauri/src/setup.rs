//! Start-up wiring: the clickable notifier and the monitor.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use scimwatch_engine::monitor::Watch;
use scimwatch_engine::notify::{ClickableNotifier, Notifiers};
use scimwatch_engine::Engine;
use tauri::{AppHandle, Emitter, Manager};

use crate::state::AppState;
use crate::{events, tray};

/// Where the running app's handle is kept once it exists.
pub type HandleSlot = Arc<Mutex<Option<AppHandle>>>;

/// Desktop notifications whose click brings the window up at the incident.
pub fn clickable_notifier(slot: HandleSlot) -> Notifiers {
    Arc::new(ClickableNotifier::new(Arc::new(move |n| {
        if let Some(app) = slot.lock().unwrap_or_else(|p| p.into_inner()).clone() {
            tray::show_main(&app);
            let _ = app.emit(events::OPEN_INCIDENT, n.clone());
        }
    })))
}

/// Start the monitor (poller + diagnosis) with the stored settings, on
/// Tauri's tokio runtime, and forward what it sees to the UI and the tray.
/// A demo tenant that was running is brought back first, so the monitor's
/// first poll finds it listening.
pub fn start_monitor(handle: &AppHandle, engine: &Engine, notifier: &Notifiers) {
    let runtime = tauri::async_runtime::handle();
    let _entered = runtime.inner().enter();
    if let Some(state) = handle.try_state::<AppState>() {
        let restore = scimwatch_engine::api::demo::restore(&state.engine, &state.demo);
        tauri::async_runtime::block_on(restore);
    }
    let settings = tauri::async_runtime::block_on(scimwatch_engine::settings::load(&engine.store))
        .unwrap_or_default();
    // One watch per data folder: a `scimwatch-cli watch` (or another copy
    // of the app) already watching it keeps doing so; this window still
    // shows what it stores.
    let watch = match Watch::start(engine.clone(), settings, notifier.clone()) {
        Ok(w) => Arc::new(w),
        Err(e) => {
            tracing::warn!(error = %e, "not watching from this window");
            eprintln!("scimwatch: not watching from this window: {e}");
            let warning = scimwatch_engine::notify::Notification {
                summary: "scimwatch is not monitoring from this window".into(),
                body: e.to_string(),
                severity: scimwatch_core::health::Severity::Warning,
                connection_id: None,
                incident_kind: None,
            };
            let _ = scimwatch_engine::notify::Notifier::send(notifier.as_ref(), &warning);
            return;
        }
    };
    events::forward(handle.clone(), &watch);
    events::forward_crawls(handle.clone(), engine);
    if let Some(state) = handle.try_state::<AppState>() {
        *state.watch.lock().unwrap_or_else(|p| p.into_inner()) = Some(watch);
    }
}

/// Quit: stop the watch and wait for it (the poller, the monitor loop and
/// the alert outbox finish what they are writing), then exit. Used by the
/// tray's Quit and when the last window closes.
pub fn quit(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        if let Some(state) = app.try_state::<AppState>() {
            if !state.stop_watch(Duration::from_secs(5)).await {
                tracing::warn!("the watch did not stop within 5 s; quitting anyway");
            }
        }
        app.exit(0);
    });
}
