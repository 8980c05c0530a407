//! The tray icon: the worst open severity at a glance, and "Open",
//! "Poll now", "Quit".

use scimwatch_core::health::Severity;
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager};

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

fn tooltip_for(worst: Option<Severity>) -> &'static str {
    match worst {
        Some(Severity::Critical) => "scimwatch — critical problem open",
        Some(Severity::Warning) => "scimwatch — warning open",
        _ => "scimwatch — all quiet",
    }
}

/// Show the main window and bring it to the front.
pub fn show_main(app: &AppHandle) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

pub fn build(app: &AppHandle) -> tauri::Result<TrayIcon> {
    let open = MenuItem::with_id(app, "open", "Open scimwatch", true, None::<&str>)?;
    let poll = MenuItem::with_id(app, "poll", "Poll now", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&open, &poll, &quit])?;
    let mut b = TrayIconBuilder::with_id(TRAY_ID)
        .menu(&menu)
        .tooltip(tooltip_for(None))
        .on_menu_event(|app, event| match event.id().as_ref() {
            "open" => show_main(app),
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
            _ => {}
        });
    if let Some(icon) = icon_for(None) {
        b = b.icon(icon);
    }
    b.build(app)
}

/// Reflect the worst open severity.
pub fn update(app: &AppHandle, worst: Option<Severity>) {
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let _ = tray.set_icon(icon_for(worst));
        let _ = tray.set_tooltip(Some(tooltip_for(worst)));
    }
}
