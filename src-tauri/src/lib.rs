//! The desktop shell: the only code that knows Tauri. It opens the engine,
//! registers the commands and starts the window. Keep it wiring.

mod args;
mod commands;
mod error;
mod events;
#[cfg(test)]
mod security_tests;
mod setup;
mod state;
mod tray;

use std::sync::{Arc, Mutex};

use scimwatch_engine::Engine;
use state::AppState;

pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SCIMWATCH_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();

    let data_dir = args::data_dir_arg(std::env::args());
    let engine = match tauri::async_runtime::block_on(Engine::open(data_dir)) {
        Ok(engine) => engine,
        Err(e) => {
            eprintln!("scimwatch: cannot start: {e}");
            std::process::exit(2);
        }
    };
    tracing::info!(data_dir = %engine.data_dir().display(), secrets = engine.secrets.name(), "engine opened");

    // Filled in once the app runs, so a clicked notification can reach the window.
    let slot: setup::HandleSlot = Arc::new(Mutex::new(None));
    let notifier = setup::clickable_notifier(slot.clone());
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(AppState::new(engine.clone(), notifier.clone()))
        .setup(move |app| {
            let handle = app.handle().clone();
            *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(handle.clone());
            if let Err(e) = tray::build(&handle) {
                tracing::warn!(error = %e, "no tray icon in this session");
            }
            if std::env::var_os("SCIMWATCH_NO_MONITOR").is_none() {
                setup::start_monitor(&handle, &engine, &notifier);
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::connections::list_connections,
            commands::connections::add_connection,
            commands::connections::update_connection,
            commands::connections::remove_connection,
            commands::connections::test_connection_input,
            commands::settings::app_info,
            commands::settings::send_test_notification,
            commands::settings::get_settings,
            commands::settings::save_settings,
            commands::token::token_status,
            commands::token::test_connection,
            commands::token::test_new_token,
            commands::token::check_history,
            commands::token::latest_check,
            commands::inventory::start_crawl,
            commands::inventory::cancel_crawl,
            commands::inventory::list_snapshots,
            commands::inventory::diff_snapshots,
            commands::inventory::drift_report,
            commands::inventory::scim_compliance,
            commands::incidents::list_incidents,
            commands::incidents::snooze_incident,
            commands::incidents::acknowledge_incident,
            commands::incidents::resolve_incident,
            commands::incidents::incident_history,
            commands::overview::job_status,
            commands::overview::poll_now,
            commands::troubleshooting::run_checklist,
            commands::troubleshooting::confirm_step,
            commands::logs::query_logs,
            commands::logs::event_detail,
            commands::logs::list_cycles,
            commands::logs::export_logs,
            commands::logs::reveal_export,
            commands::mappings::mappings_view,
            commands::demo::demo_status,
            commands::demo::start_demo,
            commands::demo::set_demo_fault,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("scimwatch: the window could not run: {e}");
        std::process::exit(1);
    }
}
