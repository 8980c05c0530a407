fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("./src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(&[
                "list_connections",
                "add_connection",
                "update_connection",
                "remove_connection",
                "app_info",
                "send_test_notification",
                "token_status",
                "test_connection",
                "test_new_token",
                "check_history",
                "latest_check",
                "start_crawl",
                "cancel_crawl",
                "list_snapshots",
                "diff_snapshots",
                "drift_report",
                "scim_compliance",
                "list_incidents",
                "snooze_incident",
            ])),
    )
    .expect("failed to run tauri-build");
}
