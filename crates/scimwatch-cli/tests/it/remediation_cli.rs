//! `remediation`, `provision-on-demand` and `restart` as an admin runs them
//! against a simulated tenant: refused without the switch (how to switch it
//! on said), the switch refused while the app lacks the permission, then on
//! after admin consent; the exact request printed, Entra's steps printed,
//! the actions listed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Output;

use entra_sim::{Sim, SimConfig};
use serde_json::Value;

async fn cli(data: &Path, args: &[&str]) -> Output {
    let data = data.to_path_buf();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_scimwatch-cli"))
            .args(&args)
            .env("SCIMWATCH_DATA_DIR", &data)
            .env("SCIMWATCH_SECRET_STORE", "file")
            .env("USER", "alex")
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

/// A plain HTTP GET on loopback (what an administrator's browser does on
/// the consent page); returns the status line.
async fn http_get(url: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut s = tokio::net::TcpStream::connect(host).await.unwrap();
    s.write_all(
        format!("GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out.lines().next().unwrap_or_default().to_string()
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn refused(o: &Output) -> String {
    assert!(
        !o.status.success(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remediation_commands_against_a_simulated_tenant() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let sim = Sim::start(SimConfig {
        require_auth: true,
        ..SimConfig::for_tests()
    })
    .await
    .unwrap();
    let info = sim.info();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, &info.client_secret).unwrap();
    let args = entra_sim::testing::cli_connection_args(
        &info,
        "Sim",
        Some(entra_sim::testing::CliSignIn {
            mode: "client-secret",
            flag: "--client-secret-file",
            file: secret.to_str().unwrap(),
        }),
        false,
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&cli(&data, &args).await);
    ok(&cli(&data, &["discover-app", "Sim"]).await);
    ok(&cli(&data, &["poll", "--once", "Sim"]).await);
    let upn = sim.with_tenant(|t| {
        let scope = t.users_in_scope();
        t.users
            .iter()
            .zip(scope)
            .find(|(_, s)| *s)
            .unwrap()
            .0
            .user_principal_name
            .clone()
    });

    // Off: refused before any request, saying how to switch it on.
    let before = sim.graph_requests().len();
    let e = refused(&cli(&data, &["provision-on-demand", "Sim", &upn, "--yes"]).await);
    assert!(e.contains("remediation actions are off"), "{e}");
    assert!(e.contains("scimwatch-cli remediation"), "{e}");
    assert!(e.contains("--enable"), "{e}");
    let e = refused(
        &cli(
            &data,
            &["restart", "Sim", "--scope", "QuarantineState", "--yes"],
        )
        .await,
    );
    assert!(e.contains("remediation actions are off"), "{e}");
    assert_eq!(sim.graph_requests().len(), before, "nothing sent");

    // The app lacks Synchronization.ReadWrite.All: the switch stays off.
    let e = refused(&cli(&data, &["remediation", "Sim", "--enable"]).await);
    assert!(
        e.contains("lacks the application permission Synchronization.ReadWrite.All"),
        "{e}"
    );
    // Admin consent, then on.
    let status = http_get(&format!(
        "{}/{}/adminconsent/decide?decision=accept&client_id={}",
        info.login_url, info.tenant_id, info.client_id
    ))
    .await;
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    let o = ok(&cli(&data, &["--json", "remediation", "Sim", "--enable"]).await);
    let st: Value = serde_json::from_str(&o).unwrap();
    assert_eq!(st["enabled"], true, "{st}");

    // Without --yes and without a terminal: shown, not sent.
    let o = cli(&data, &["provision-on-demand", "Sim", &upn]).await;
    let e = refused(&o);
    assert!(e.contains("confirm with --yes"), "{e}");
    let shown = String::from_utf8_lossy(&o.stdout);
    assert!(shown.contains("POST http://"), "{shown}");
    assert!(shown.contains("/provisionOnDemand"), "{shown}");
    assert!(shown.contains("\"objectTypeName\": \"User\""), "{shown}");
    assert!(sim.scim_contents().0.is_empty(), "not provisioned");

    let out = ok(&cli(&data, &["provision-on-demand", "Sim", &upn, "--yes"]).await);
    assert!(out.contains("Result: Success (Create)"), "{out}");
    assert!(
        out.contains("1. Import user — Success (EntryImport)"),
        "{out}"
    );
    assert!(
        out.contains("4. Perform action — Success (EntryExportAdd)"),
        "{out}"
    );
    assert!(!sim.scim_contents().0.is_empty(), "provisioned");

    let e = refused(&cli(&data, &["restart", "Sim", "--scope", "Everything", "--yes"]).await);
    assert!(e.contains("unknown reset scope"), "{e}");
    let out = ok(&cli(
        &data,
        &[
            "restart",
            "Sim",
            "--scope",
            "Watermark,Escrows,QuarantineState",
            "--yes",
        ],
    )
    .await);
    assert!(
        out.contains("\"resetScope\": \"Watermark, Escrows, QuarantineState\""),
        "{out}"
    );
    assert!(out.contains("HTTP 204"), "{out}");

    let out = ok(&cli(&data, &["remediation", "Sim"]).await);
    assert!(out.contains("Remediation actions for Sim: ON"), "{out}");
    for action in [
        "restart  success",
        "provision_on_demand  success",
        "enable  refused",
    ] {
        assert!(out.contains(action), "{action} in {out}");
    }
    assert!(out.contains("alex (application"), "{out}");
    assert!(!out.contains(&info.client_secret));

    let out = ok(&cli(&data, &["remediation", "Sim", "--disable"]).await);
    assert!(out.contains("off (read-only)"), "{out}");
    sim.shutdown().await;
}
