//! The desktop shell: the only code that knows Tauri. It opens the engine,
//! registers the commands and starts the window. Keep it wiring.

mod commands;
mod error;
mod events;
mod state;

use std::path::PathBuf;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use scimwatch_engine::notify::DesktopNotifier;
use scimwatch_engine::Engine;
use state::AppState;

/// `--data-dir DIR` on the command line (same as `SCIMWATCH_DATA_DIR`).
fn data_dir_arg(args: impl Iterator<Item = String>) -> Option<PathBuf> {
    let mut args = args.skip(1);
    while let Some(a) = args.next() {
        if a == "--data-dir" {
            return args.next().map(PathBuf::from);
        }
        if let Some(v) = a.strip_prefix("--data-dir=") {
            return Some(PathBuf::from(v));
        }
    }
    None
}

pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SCIMWATCH_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();

    let data_dir = data_dir_arg(std::env::args());
    let engine = match tauri::async_runtime::block_on(Engine::open(data_dir)) {
        Ok(engine) => engine,
        Err(e) => {
            eprintln!("scimwatch: cannot start: {e}");
            std::process::exit(2);
        }
    };
    tracing::info!(data_dir = %engine.data_dir().display(), secrets = engine.secrets.name(), "engine opened");

    let result = tauri::Builder::default()
        .manage(AppState {
            engine,
            notifier: Arc::new(DesktopNotifier),
            crawls: Arc::new(Mutex::new(HashMap::new())),
        })
        .invoke_handler(tauri::generate_handler![
            commands::connections::list_connections,
            commands::connections::add_connection,
            commands::connections::update_connection,
            commands::connections::remove_connection,
            commands::settings::app_info,
            commands::settings::send_test_notification,
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
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("scimwatch: the window could not run: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_dir_flag_forms() {
        let args = |v: &[&str]| {
            v.iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .into_iter()
        };
        assert_eq!(data_dir_arg(args(&["app"])), None);
        assert_eq!(
            data_dir_arg(args(&["app", "--data-dir", "/tmp/x"])),
            Some(PathBuf::from("/tmp/x"))
        );
        assert_eq!(
            data_dir_arg(args(&["app", "--data-dir=/tmp/y"])),
            Some(PathBuf::from("/tmp/y"))
        );
    }
}
