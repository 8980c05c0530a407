//! The desktop shell: the only code that knows Tauri. It opens the engine,
//! registers the commands and starts the window. Keep it wiring.

mod commands;
mod error;
mod events;
mod state;
mod tray;

use std::path::PathBuf;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use scimwatch_engine::monitor::Watch;
use scimwatch_engine::notify::{ClickableNotifier, Notifiers};
use scimwatch_engine::Engine;
use state::AppState;
use tauri::{Emitter, Manager};

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

    // Set once the app runs, so a clicked notification can reach the window.
    let app_handle: Arc<Mutex<Option<tauri::AppHandle>>> = Arc::new(Mutex::new(None));
    let click_target = app_handle.clone();
    let notifier: Notifiers = Arc::new(ClickableNotifier::new(Arc::new(move |n| {
        if let Some(app) = click_target
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
        {
            tray::show_main(&app);
            let _ = app.emit(events::OPEN_INCIDENT, n.clone());
        }
    })));
    let result = tauri::Builder::default()
        .manage(AppState {
            engine: engine.clone(),
            notifier: notifier.clone(),
            crawls: Arc::new(Mutex::new(HashMap::new())),
            watch: Arc::new(Mutex::new(None)),
            demo: Arc::new(Mutex::new(None)),
        })
        .setup(move |app| {
            let handle = app.handle().clone();
            *app_handle.lock().unwrap_or_else(|p| p.into_inner()) = Some(handle.clone());
            if let Err(e) = tray::build(&handle) {
                tracing::warn!(error = %e, "no tray icon in this session");
            }
            if std::env::var_os("SCIMWATCH_NO_MONITOR").is_none() {
                // The monitor's tasks run on Tauri's tokio runtime.
                let runtime = tauri::async_runtime::handle();
                let _entered = runtime.inner().enter();
                let settings =
                    tauri::async_runtime::block_on(scimwatch_engine::settings::load(&engine.store))
                        .unwrap_or_default();
                let watch = Arc::new(Watch::start(engine.clone(), settings, notifier.clone()));
                events::forward(handle.clone(), &watch, engine.clone());
                if let Some(state) = handle.try_state::<AppState>() {
                    *state.watch.lock().unwrap_or_else(|p| p.into_inner()) = Some(watch);
                }
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::connections::list_connections,
            commands::connections::add_connection,
            commands::connections::update_connection,
            commands::connections::remove_connection,
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
            commands::overview::job_status,
            commands::overview::poll_now,
            commands::troubleshooting::run_checklist,
            commands::troubleshooting::confirm_step,
            commands::logs::query_logs,
            commands::logs::event_detail,
            commands::logs::list_cycles,
            commands::logs::export_logs,
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

#[cfg(test)]
mod security_tests {
    //! The web view's security baseline, checked from the files Tauri reads.

    fn read(path: &str) -> String {
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
            .unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn csp_allows_no_remote_host_and_globals_are_off() {
        let conf: serde_json::Value = serde_json::from_str(&read("tauri.conf.json")).unwrap();
        assert_eq!(conf["app"]["withGlobalTauri"], false);
        let csp = conf["app"]["security"]["csp"]
            .as_object()
            .expect("CSP as a directive map");
        assert_eq!(csp["default-src"], "'self'");
        for (directive, value) in csp {
            let v = value.as_str().unwrap();
            for token in v.split_whitespace() {
                let remote = token.starts_with("http") && token != "http://ipc.localhost";
                assert!(!remote, "{directive} allows a remote host: {token}");
                assert!(
                    !token.contains('*'),
                    "{directive} allows a wildcard: {token}"
                );
                assert_ne!(token, "'unsafe-eval'", "{directive}");
            }
        }
        assert_eq!(csp["connect-src"], "ipc: http://ipc.localhost");
    }

    #[test]
    fn capability_allows_exactly_the_registered_commands() {
        let cap: serde_json::Value =
            serde_json::from_str(&read("src-tauri/capabilities/main.json")).unwrap();
        let perms: Vec<String> = cap["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_string())
            .collect();
        let build = read("src-tauri/build.rs");
        let lib = read("src-tauri/src/lib.rs");
        let mut commands = Vec::new();
        for line in build.lines().map(str::trim) {
            if let Some(name) = line.strip_prefix('"').and_then(|l| l.strip_suffix("\",")) {
                commands.push(name.to_string());
            }
        }
        assert!(commands.len() > 10, "{commands:?}");
        for c in &commands {
            assert!(
                perms.contains(&format!("allow-{}", c.replace('_', "-"))),
                "{c} not allowed"
            );
            assert!(lib.contains(&format!("::{c},")), "{c} not registered");
        }
        for p in &perms {
            let ok = p.starts_with("core:event:allow-")
                || commands
                    .iter()
                    .any(|c| p == &format!("allow-{}", c.replace('_', "-")));
            assert!(ok, "unexpected permission {p}");
            assert!(
                !p.contains("fs") && !p.contains("shell") && !p.contains("http:"),
                "{p}"
            );
        }
    }
}
