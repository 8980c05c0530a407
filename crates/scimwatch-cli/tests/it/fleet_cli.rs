//! Every app in a tenant from the command line (issue 21, item 1):
//! `connections add --all-apps` (refused with `--app`), `poll --once`,
//! `connections list` showing the tenant with its apps worst first, and the
//! per-connection commands taking an app connection's name. The real
//! binary, a real database, the file secret store, a simulated tenant with
//! extra provisioning apps.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Output;

use entra_sim::{Sim, SimConfig};
use serde_json::Value;

async fn cli(data: &Path, args: &[String]) -> Output {
    let data = data.to_path_buf();
    let args = args.to_vec();
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_scimwatch-cli"))
            .args(&args)
            .env("SCIMWATCH_DATA_DIR", &data)
            .env("SCIMWATCH_SECRET_STORE", "file")
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

fn json(o: &Output) -> Value {
    assert!(
        o.status.success(),
        "exit {:?}: {}{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr),
        String::from_utf8_lossy(&o.stdout)
    );
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&o.stdout));
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_with_all_its_apps_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let sim = Sim::start(SimConfig {
        extra_apps: 2,
        require_auth: true,
        ..SimConfig::for_tests()
    })
    .await
    .unwrap();
    sim.deny_app_jobs(1, true).unwrap();
    sim.run_cycle().await;
    let info = sim.info();
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, &info.client_secret).unwrap();
    let add = args(&[
        "connections",
        "add",
        "--name",
        "Contoso",
        "--cloud",
        "custom",
        "--login-url",
        &info.login_url,
        "--graph-url",
        &info.graph_url,
        "--tenant",
        &info.tenant_id,
        "--client-id",
        &info.client_id,
        "--auth-mode",
        "client-secret",
        "--client-secret-file",
        secret.to_str().unwrap(),
        "--all-apps",
    ]);

    // One app or every app, not both.
    let both = [add.clone(), args(&["--app", "Northwind SCIM Demo"])].concat();
    let o = cli(&data, &both).await;
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--all-apps") && err.contains("--app"), "{err}");

    let saved = json(&cli(&data, &[add, args(&["--json"])].concat()).await);
    assert_eq!(saved["connection"]["group"]["role"], "tenant");

    // The refused app's read is the one failure (exit 1 says a read failed).
    let o = cli(&data, &args(&["poll", "--once", "--json"])).await;
    assert_eq!(o.status.code(), Some(1));
    // The events, then the error (`{"error": …}`).
    let mut out = serde_json::Deserializer::from_slice(&o.stdout).into_iter::<Value>();
    let events = out.next().unwrap().unwrap();
    let failure = out.next().unwrap().unwrap();
    assert!(failure["error"]["message"].is_string(), "{failure:#}");
    let errors: Vec<&Value> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "poll_error")
        .collect();
    assert_eq!(errors.len(), 1, "{events:#}");
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("access denied reading"),
        "{events:#}"
    );

    let o = cli(&data, &args(&["connections", "list"])).await;
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(text.contains("Apps:   3 watched, worst first"), "{text}");
    assert!(
        text.contains("no permission to read this app's provisioning job"),
        "{text}"
    );
    let hr = text.find("    Contoso / Contoso HR  (").expect(&text);
    let wiki = text.find("    Contoso / Litware Wiki  (").expect(&text);
    let main = text
        .find("    Contoso / Northwind SCIM Demo  (")
        .expect(&text);
    assert!(hr < wiki && hr < main, "the refused app first: {text}");
    // Apps are listed under their tenant only.
    assert_eq!(
        text.matches("Contoso / Litware Wiki  (").count(),
        1,
        "{text}"
    );

    let list = json(&cli(&data, &args(&["connections", "list", "--json"])).await);
    let roles: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["group"]["role"].as_str().unwrap_or("none"))
        .collect();
    assert_eq!(roles.iter().filter(|r| **r == "app").count(), 3, "{list:#}");
    assert_eq!(roles.iter().filter(|r| **r == "tenant").count(), 1);

    // Every per-connection command takes an app connection's name.
    let status = json(
        &cli(
            &data,
            &args(&["status", "Contoso / Litware Wiki", "--json"]),
        )
        .await,
    );
    assert_eq!(status[0]["status_code"], "Active", "{status:#}");
    assert!(
        status[0].get("tenant").is_none(),
        "an app has no tenant summary: {status:#}"
    );
    // The tenant itself has no job: `status` shows its apps worst first,
    // how many need attention and its Graph budget.
    let o = cli(&data, &args(&["status", "Contoso"])).await;
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        text.contains("apps         3 watched · 1 need attention"),
        "{text}"
    );
    assert!(text.contains("requests an hour planned of 1200"), "{text}");
    assert!(
        !text.contains("  job  "),
        "no job lines for a tenant: {text}"
    );
    let hr = text.find("    Contoso / Contoso HR  (").expect(&text);
    let wiki = text.find("    Contoso / Litware Wiki  (").expect(&text);
    assert!(hr < wiki, "the refused app first: {text}");
    let status = json(&cli(&data, &args(&["status", "Contoso", "--json"])).await);
    let t = &status[0]["tenant"];
    assert_eq!(
        (t["watched"].as_u64(), t["in_trouble"].as_u64()),
        (Some(3), Some(1)),
        "{status:#}"
    );
    assert_eq!(
        t["apps"][0]["connection"]["name"], "Contoso / Contoso HR",
        "{status:#}"
    );
    let page = json(&cli(&data, &args(&["logs", "Contoso / Litware Wiki", "--json"])).await);
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page:#}");
    // A watched app is removed with its tenant only.
    let o = cli(
        &data,
        &args(&["connections", "remove", "Contoso / Litware Wiki"]),
    )
    .await;
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("Remove \u{201c}Contoso\u{201d}"), "{err}");
    sim.shutdown().await;
}
