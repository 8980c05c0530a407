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

/// What a tray menu item does, by its id (pure, so it is tested).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TrayAction {
    /// Show the window.
    Open,
    /// The Incidents screen (the "N more open…" item).
    AllIncidents,
    /// The Incidents screen with this incident focused.
    Incident(i64),
    Poll,
    Quit,
    /// The disabled summary line, or an id scimwatch does not know.
    Nothing,
}

fn action_for(menu_id: &str) -> TrayAction {
    match menu_id {
        "open" => TrayAction::Open,
        "incidents" => TrayAction::AllIncidents,
        "poll" => TrayAction::Poll,
        "quit" => TrayAction::Quit,
        other => incident_id(other).map_or(TrayAction::Nothing, TrayAction::Incident),
    }
}

/// The event that shows incident `id`, given the open incidents as
/// (id, connection id): its connection when it is still open.
fn show_incident<'a>(
    id: i64,
    mut open: impl Iterator<Item = (i64, &'a str)>,
) -> events::ShowIncident {
    events::ShowIncident {
        id,
        connection_id: open.find(|(i, _)| *i == id).map(|(_, c)| c.to_string()),
    }
}

/// Open the window at one incident: the Incidents screen of its
/// connection, that incident focused.
fn open_incident(app: &AppHandle, id: i64) {
    show_main(app);
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let Some(state) = app.try_state::<AppState>() else {
            return;
        };
        let open = incidents::list(state.engine.store.pool(), None, true, 500)
            .await
            .unwrap_or_default();
        let event = show_incident(id, open.iter().map(|v| (v.id, v.connection_id.as_str())));
        let _ = app.emit(events::SHOW_INCIDENT, event);
    });
}

pub fn build(app: &AppHandle) -> tauri::Result<TrayIcon> {
    let model = tray_model(&[]);
    let menu = menu_for(app, &model)?;
    let mut b = TrayIconBuilder::with_id(TRAY_ID)
        .menu(&menu)
        .tooltip(&model.tooltip)
        .on_menu_event(|app, event| match action_for(event.id().as_ref()) {
            TrayAction::Open => show_main(app),
            TrayAction::AllIncidents => {
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
            TrayAction::Incident(id) => open_incident(app, id),
            TrayAction::Poll => {
                let app = app.clone();
                tauri::async_runtime::spawn(async move {
                    if let Some(state) = app.try_state::<AppState>() {
                        if let Some(w) = state.watch() {
                            w.poll_now(None).await;
                        }
                    }
                });
            }
            TrayAction::Quit => crate::setup::quit(app),
            TrayAction::Nothing => {}
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

#[cfg(test)]
mod tests {
    use super::*;
    use scimwatch_core::incident::tray::ITEM_PREFIX;

    #[test]
    fn each_menu_item_maps_to_its_action_and_an_incident_item_to_that_incident() {
        assert_eq!(action_for("open"), TrayAction::Open);
        assert_eq!(action_for("incidents"), TrayAction::AllIncidents);
        assert_eq!(action_for("poll"), TrayAction::Poll);
        assert_eq!(action_for("quit"), TrayAction::Quit);
        assert_eq!(action_for("summary"), TrayAction::Nothing);
        assert_eq!(action_for("nonsense"), TrayAction::Nothing);
        // The ids core's tray model gives incident items come back as the incident.
        for id in [1_i64, 42, 9_000_000_000] {
            let menu_id = format!("{ITEM_PREFIX}{id}");
            assert_eq!(action_for(&menu_id), TrayAction::Incident(id), "{menu_id}");
        }
        assert_eq!(action_for(&format!("{ITEM_PREFIX}x")), TrayAction::Nothing);
    }

    #[test]
    fn an_incident_item_shows_that_incident_of_its_connection() {
        let open = [(7_i64, "conn-a"), (9, "conn-b")];
        assert_eq!(
            show_incident(9, open.iter().copied()),
            events::ShowIncident {
                id: 9,
                connection_id: Some("conn-b".into())
            }
        );
        // Resolved since the menu was built: still that incident, no filter.
        assert_eq!(
            show_incident(8, open.iter().copied()),
            events::ShowIncident {
                id: 8,
                connection_id: None
            }
        );
        let json = serde_json::to_value(show_incident(7, open.iter().copied())).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"id": 7, "connection_id": "conn-a"})
        );
    }
}
