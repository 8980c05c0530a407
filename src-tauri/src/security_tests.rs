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
    // Portal links open in the default browser (the opener plugin), never
    // in the web view: no portal host may be loaded, framed or fetched.
    let all = serde_json::to_string(csp).unwrap();
    for host in portal_hosts() {
        assert!(!all.contains(&host), "the CSP names {host}");
    }
    assert_eq!(csp["frame-ancestors"], "'none'");
}

/// The hosts of `portal_base_for` for every cloud that has one.
fn portal_hosts() -> Vec<String> {
    use scimwatch_core::checklist::portal_base_for;
    use scimwatch_core::connection::Cloud;
    [Cloud::Global, Cloud::Usgov, Cloud::China, Cloud::Custom]
        .into_iter()
        .filter_map(portal_base_for)
        .map(|b| b.strip_prefix("https://").expect("https").to_string())
        .collect()
}

/// The capability's permissions that are plain strings (not scoped objects).
fn string_permissions(cap: &serde_json::Value) -> Vec<&str> {
    cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str())
        .collect()
}

/// The capability's scoped (object) permissions.
fn scoped_permissions(cap: &serde_json::Value) -> Vec<&serde_json::Value> {
    cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| !p.is_string())
        .collect()
}

#[test]
fn the_opener_opens_only_the_portal_hosts_of_the_clouds() {
    let cap: serde_json::Value =
        serde_json::from_str(&read("src-tauri/capabilities/main.json")).unwrap();
    let scoped = scoped_permissions(&cap);
    assert_eq!(scoped.len(), 1, "{scoped:?}");
    let opener = scoped[0];
    assert_eq!(opener["identifier"], "opener:allow-open-url");
    assert!(opener.get("deny").is_none());
    let urls: Vec<&str> = opener["allow"]
        .as_array()
        .expect("an allow list")
        .iter()
        .map(|e| {
            // Only `url`: no `app` (so only the default browser), no `path`.
            let keys: Vec<&String> = e.as_object().unwrap().keys().collect();
            assert_eq!(keys, ["url"], "{e}");
            e["url"].as_str().unwrap()
        })
        .collect();
    let expected: Vec<String> = portal_hosts()
        .iter()
        .map(|h| format!("https://{h}/*"))
        .collect();
    assert_eq!(
        urls, expected,
        "exactly portal_base_for's hosts (global, US Gov, China)"
    );
    assert_eq!(
        expected,
        [
            "https://entra.microsoft.com/*",
            "https://portal.azure.us/*",
            "https://portal.azure.cn/*"
        ]
    );
    for u in &urls {
        // The host is spelled out: the only wildcard is the path after its `/`.
        let host = u
            .strip_prefix("https://")
            .unwrap()
            .strip_suffix("/*")
            .unwrap();
        assert!(
            !host.contains(['*', '?', '[', '/', '@', ':']),
            "{u} does not pin one host"
        );
    }
    // No other opener permission (open_path, reveal, the default URL set).
    for p in string_permissions(&cap) {
        assert!(!p.starts_with("opener:"), "{p}");
    }
}

#[test]
fn the_ui_knows_the_same_portal_host_per_cloud() {
    // ui/src/lib/portal.ts decides which links render as links; it must
    // name the host core's portal_base_for gives each cloud.
    use scimwatch_core::checklist::portal_base_for;
    use scimwatch_core::connection::Cloud;
    let ts = read("ui/src/lib/portal.ts");
    for (cloud, key) in [
        (Cloud::Global, "global"),
        (Cloud::Usgov, "usgov"),
        (Cloud::China, "china"),
    ] {
        let host = portal_base_for(cloud)
            .unwrap()
            .strip_prefix("https://")
            .unwrap();
        let line = format!("  {key}: \"{host}\",");
        assert!(ts.contains(&line), "ui/src/lib/portal.ts lacks `{line}`");
    }
    // A custom cloud gets the global admin center's links (the monitor's
    // fallback for `portal_base_for(Custom) == None`).
    assert_eq!(portal_base_for(Cloud::Custom), None);
    let host = scimwatch_core::checklist::ENTRA_ADMIN_CENTER
        .strip_prefix("https://")
        .unwrap();
    assert!(ts.contains(&format!("  custom: \"{host}\",")));
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
    let perms = string_permissions(&cap);
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
    // Besides these strings, only the scoped opener permission (tested above).
    let plugin_perms: Vec<&str> = string_permissions(&cap)
        .into_iter()
        .filter(|p| p.contains(':') && !p.starts_with("core:event:"))
        .collect();
    assert_eq!(plugin_perms, ["dialog:allow-save"]);
    // Not the plugin's default set (open, message, ask, confirm as well).
    assert!(!plugin_perms.contains(&"dialog:default"));
}
