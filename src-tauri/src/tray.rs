//! The tray icon: the worst open severity at a glance, the open incidents
//! worst first (each opens its incident in the window), a tooltip of counts
//! and an accessible name, then "Open", "Poll now", "Quit". What it shows
//! is core's pure `incident::tray::tray_model`; this is wiring.
//!
//! On Linux (libappindicator) the tray has no tooltip and a fixed icon
//! description, so the counts are also the menu's first (disabled) line,
//! which screen readers announce.

use scimwatch_core::health::Severity;
use scimwatch_core::incident::tray::{incident_id, tray_model, TrayIncident, TrayModel};
use scimwatch_engine::notify::Notification;
use scimwatch_engine::store::incidents::{self, IncidentView};
use tauri::image::Image;
use tauri::menu::{IsMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Emitter, Manager, Wry};

use crate::events;
use crate::state::AppState;

const OK: &[u8] = include_bytes!("../../icons/tray-ok.png");
const WARNING: &[u8] = include_bytes!("../../icons/tray-warning.png");
const CRITICAL: &[u8] = include_bytes!("../../icons/tray-critical.png");

pub const TRAY_ID: &str = "scimwatch-tray";

fn icon_for(worst: Option<Severity>) -> Option<Image<'static>> {
    let bytes = match worst {
        Some(Severity::Critical) => CRITICAL,
        Some(Severity::Warning) => WARNING,
        _ => OK,
    };
    Image::from_bytes(bytes).ok()
}

/// Show the main window and bring it to the front.
pub fn show_main(app: &AppHandle) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

fn model_of(open: &[IncidentView]) -> TrayModel {
    let rows: Vec<TrayIncident<'_>> = open
        .iter()
        .map(|v| TrayIncident {
            id: v.id,
            connection_name: &v.connection_name,
            state: &v.incident,
        })
        .collect();
    tray_model(&rows)
}

fn menu_for(app: &AppHandle, model: &TrayModel) -> tauri::Result<Menu<Wry>> {
    let mut items: Vec<Box<dyn IsMenuItem<Wry>>> = Vec::new();
    let header = MenuItem::with_id(app, "summary", &model.accessible_name, false, None::<&str>)?;
    items.push(Box::new(header));
    for i in &model.items {
        items.push(Box::new(MenuItem::with_id(
            app,
            &i.menu_id,
            &i.label,
            true,
            None::<&str>,
        )?));
    }
    if model.more > 0 {
        let more = format!("{} more open… (Incidents)", model.more);
        items.push(Box::new(MenuItem::with_id(
            app,
            "incidents",
            more,
            true,
            None::<&str>,
        )?));
    }
    items.push(Box::new(PredefinedMenuItem::separator(app)?));
    items.push(Box::new(MenuItem::with_id(
        app,
        "open",
        "Open scimwatch",
        true,
        None::<&str>,
    )?));
    items.push(Box::new(MenuItem::with_id(
        app,
        "poll",
        "Poll now",
        true,
        None::<&str>,
    )?));
    items.push(Box::new(MenuItem::with_id(
        app,
        "quit",
        "Quit",
        true,
        None::<&str>,
    )?));
    let refs: Vec<&dyn IsMenuItem<Wry>> = items.iter().map(|b| b.as_ref()).collect();
    Menu::with_items(app, &refs)
}

/// Open the window at one incident (its connection's incidents).
fn open_incident(app: &AppHandle, id: i64) {
    show_main(app);
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let Some(state) = app.try_state::<AppState>() else {
            return;
        };
        let open = incidents::list(state.engine.store.pool(), None, true, 500).await;
        let found = open.ok().and_then(|l| l.into_iter().find(|v| v.id == id));
        let n = Notification {
            summary: found
                .as_ref()
                .map(|v| v.incident.title.clone())
                .unwrap_or_default(),
            body: String::new(),
            severity: found
                .as_ref()
                .map_or(Severity::Info, |v| v.incident.severity),
            connection_id: found.as_ref().map(|v| v.connection_id.clone()),
            incident_kind: found.map(|v| v.incident.kind.as_str().to_string()),
        };
        let _ = app.emit(events::OPEN_INCIDENT, n);
    });
}

pub fn build(app: &AppHandle) -> tauri::Result<TrayIcon> {
    let model = tray_model(&[]);
    let menu = menu_for(app, &model)?;
    let mut b = TrayIconBuilder::with_id(TRAY_ID)
        .menu(&menu)
        .tooltip(&model.tooltip)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "open" => show_main(app),
            "incidents" => {
                show_main(app);
                let _ = app.emit(
                    events::OPEN_INCIDENT,
                    Notification {
                        summary: String::new(),
                        body: String::new(),
                        severity: Severity::Info,
                        connection_id: None,
                        incident_kind: None,
                    },
                );
            }
            "poll" => {
                let app = app.clone();
                tauri::async_runtime::spawn(async move {
                    if let Some(state) = app.try_state::<AppState>() {
                        if let Some(w) = state.watch() {
                            w.poll_now(None).await;
                        }
                    }
                });
            }
            "quit" => app.exit(0),
            other => {
                if let Some(id) = incident_id(other) {
                    open_incident(app, id);
                }
            }
        });
    if let Some(icon) = icon_for(None) {
        b = b.icon(icon);
    }
    let tray = b.build(app)?;
    let handle = app.clone();
    tauri::async_runtime::spawn(async move { refresh(&handle).await });
    Ok(tray)
}

/// Reflect the open incidents: icon, tooltip, menu.
pub async fn refresh(app: &AppHandle) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    let open = match incidents::list(state.engine.store.pool(), None, true, 500).await {
        Ok(open) => open,
        Err(e) => {
            tracing::warn!(error = %e, "tray: open incidents not read");
            return;
        }
    };
    let model = model_of(&open);
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let _ = tray.set_icon(icon_for(model.worst));
        let _ = tray.set_tooltip(Some(&model.tooltip));
        match menu_for(app, &model) {
            Ok(menu) => {
                let _ = tray.set_menu(Some(menu));
            }
            Err(e) => tracing::warn!(error = %e, "tray menu not rebuilt"),
        }
    }
}
