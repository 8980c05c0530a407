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
            ])),
    )
    .expect("failed to run tauri-build");
}
