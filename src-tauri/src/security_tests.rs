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
    // The one plugin permission: the native save dialog of the Logs export.
    assert!(perms.contains(&"dialog:allow-save".to_string()));
    for p in &perms {
        let ok = p.starts_with("core:event:allow-")
            || p == "dialog:allow-save"
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
