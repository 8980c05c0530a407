//! `entra-sim --demo` as an admin runs it: the first stdout line is the JSON
//! a client needs, and the tenant it describes answers on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[tokio::test]
async fn demo_prints_its_connection_info_first_and_serves_it() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_entra-sim"))
        .args([
            "--demo",
            "--port",
            "0",
            "--users",
            "12",
            "--interval",
            "PT1M",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let info: serde_json::Value = serde_json::from_str(&first).expect("first line is JSON");
    for key in [
        "login_url",
        "graph_url",
        "tenant_id",
        "client_id",
        "client_secret",
        "app_display_name",
        "service_principal_id",
        "job_id",
        "scim_url",
        "scim_token",
        "control_url",
    ] {
        assert!(
            info[key].as_str().is_some_and(|s| !s.is_empty()),
            "{key} missing: {info}"
        );
    }
    assert!(info["job_id"].as_str().unwrap().starts_with("scim."));
    assert!(info["graph_url"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:"));

    // The SCIM target answers Entra's Test Connection with the printed token.
    let http = reqwest::Client::new();
    let r = http
        .get(format!(
            "{}/Users?filter=userName eq \"0f5a4c54-3b2c-4f7e-9d1e-000000000000\"",
            info["scim_url"].as_str().unwrap()
        ))
        .bearer_auth(info["scim_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["totalResults"], 0);

    // The control API lists the fault kinds.
    let faults: serde_json::Value = http
        .get(format!("{}/faults", info["control_url"].as_str().unwrap()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        faults.to_string().contains("groups_mapping_disabled"),
        "{faults}"
    );
    child.kill().unwrap();
    let _ = child.wait();
}
