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
    // build.rs writes this file from src-tauri/commands.list (compiled in as
    // `commands::LIST`, the same list `generate_handler!` gets): the plugin
    // permissions first, then `allow-<command-with-dashes>` in list order.
    let cap: serde_json::Value =
        serde_json::from_str(&read("src-tauri/capabilities/main.json")).unwrap();
    assert_eq!(cap["identifier"], "main");
    assert_eq!(cap["windows"], serde_json::json!(["main"]));
    let perms: Vec<&str> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    let mut expected: Vec<String> = [
        "core:event:allow-listen",
        "core:event:allow-unlisten",
        // The native save dialog of the Logs export.
        "dialog:allow-save",
    ]
    .map(String::from)
    .to_vec();
    assert!(crate::commands::LIST.len() > 10);
    for (_, command) in crate::commands::LIST {
        expected.push(format!("allow-{}", command.replace('_', "-")));
    }
    assert_eq!(perms, expected);
    for p in &perms {
        assert!(
            !p.contains("fs") && !p.contains("shell") && !p.contains("http:"),
            "{p}"
        );
    }
}

#[test]
fn no_other_plugin_permission_and_the_dialog_plugin_only_saves() {
    let cap: serde_json::Value =
        serde_json::from_str(&read("src-tauri/capabilities/main.json")).unwrap();
    let plugin_perms: Vec<&str> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str())
        .filter(|p| p.contains(':') && !p.starts_with("core:event:"))
        .collect();
    assert_eq!(plugin_perms, ["dialog:allow-save"]);
    // Not the plugin's default set (open, message, ask, confirm as well).
    assert!(!plugin_perms.contains(&"dialog:default"));
}
