//! The Entra commands as an admin runs them — `connections add` with a
//! certificate, `sign-in`, `poll --once`, `status`, `logs`, `cycles` — against
//! a simulated tenant. The real binary, a real database, the file secret store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Output;

use entra_sim::{ClockKind, Fault, Sim, SimCertificate, SimConfig};
use serde_json::Value;

async fn cli(data: &Path, args: &[&str]) -> Output {
    let data = data.to_path_buf();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
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

fn json(o: &Output) -> Value {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&o.stdout));
    })
}

fn cert_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scimwatch-engine/tests/fixtures/cert")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entra_commands_against_a_simulated_tenant() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let certs = cert_dir();
    let cert_pem = std::fs::read_to_string(certs.join("cert.pem")).unwrap();
    let sim = Sim::start(SimConfig {
        clock: ClockKind::Manual(Some(chrono::Utc::now())),
        require_auth: true,
        client_certificate: SimCertificate::from_pem(
            &cert_pem,
            std::fs::read(certs.join("public.der")).unwrap(),
        ),
        ..SimConfig::for_tests()
    })
    .await
    .unwrap();
    sim.run_cycle().await;
    let info = sim.info();
    let pem_file = dir.path().join("app.pem");
    let key = std::fs::read_to_string(certs.join("key.pem")).unwrap();
    std::fs::write(&pem_file, format!("{cert_pem}{key}")).unwrap();

    let mut args = entra_sim::testing::cli_connection_args(
        &info,
        "Sim",
        Some(entra_sim::testing::CliSignIn {
            mode: "certificate",
            flag: "--client-certificate-file",
            file: pem_file.to_str().unwrap(),
        }),
        false,
    );
    args.push("--json".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = cli(&data, &args).await;
    let saved = json(&o);
    assert_eq!(saved["connection"]["entra"]["auth_mode"], "certificate");
    assert!(saved["notes"][0]
        .as_str()
        .unwrap()
        .contains("certificate thumbprint"));
    // The key is in the 0600 secret file, never in the database.
    let db = std::fs::read(data.join("scimwatch.db")).unwrap();
    assert!(!String::from_utf8_lossy(&db).contains("PRIVATE KEY"));

    let o = cli(&data, &["sign-in", "Sim", "--json"]).await;
    assert_eq!(json(&o)["method"], "certificate");

    let events = json(&cli(&data, &["poll", "--once", "--json"]).await);
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"discovered"), "{kinds:?}");
    assert!(kinds.contains(&"logs_ingested"), "{kinds:?}");

    let status = json(&cli(&data, &["status", "--json"]).await);
    let s = &status[0];
    assert_eq!(s["status_code"], "Active");
    assert_eq!(s["graph"], "ok");
    assert_eq!(s["users_mapping_enabled"], true);
    assert_eq!(s["groups_mapping_enabled"], true);
    assert_eq!(s["scope"], "assigned users and groups only");
    assert_eq!(s["interval_minutes"], 40);
    assert_eq!(s["stalled"], false);
    assert!(s["next_expected"].is_string() && s["quarantine"].is_null());
    let first_events = s["events_stored"].as_u64().unwrap();
    assert!(first_events > 0);

    // Two new hires the SaaS refuses (the fault's own, whose account already
    // exists there, and one more): two failed entries in a second cycle.
    sim.advance(std::time::Duration::from_secs(5 * 60))
        .await
        .unwrap();
    sim.inject(Fault::DuplicateUserConflict).unwrap();
    sim.modify_tenant(|t, now| {
        t.add_user("New", "Hire", true, now);
    });
    sim.run_cycle().await;
    let o = cli(&data, &["poll", "--once"]).await;
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("2 new log entries"));
    // Polling again stores nothing twice.
    json(&cli(&data, &["poll", "--once", "--json"]).await);
    let s = &json(&cli(&data, &["status", "--json"]).await)[0];
    assert_eq!(s["events_stored"].as_u64().unwrap(), first_events + 2);

    let page = json(&cli(&data, &["logs", "--status", "FAILURE", "--json"]).await);
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{page:#}");
    assert!(
        items.iter().all(|i| i["error_code"] == "EntryConflict"),
        "{page:#}"
    );
    let new_hire = items
        .iter()
        .position(|i| i["source_name"] == "New Hire")
        .expect("the new hire's failure");
    let items = &items[new_hire..=new_hire];
    let cycle_of_failure = items[0]["cycle_id"].as_str().unwrap().to_string();
    let page = json(
        &cli(
            &data,
            &[
                "logs", "--action", "create", "--since", "1h", "--limit", "5", "--json",
            ],
        )
        .await,
    );
    assert_eq!(page["items"].as_array().unwrap().len(), 5);
    assert!(page["next_cursor"].is_string(), "more than one page");

    let page = json(&cli(&data, &["logs", "--identity", "new hire", "--json"]).await);
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page:#}");
    let page = json(
        &cli(
            &data,
            &[
                "logs",
                "--error-code",
                "EntryConflict",
                "--cycle",
                cycle_of_failure.as_str(),
                "--json",
            ],
        )
        .await,
    );
    assert_eq!(page["items"].as_array().unwrap().len(), 2, "{page:#}");

    let o = cli(&data, &["logs", "--csv"]).await;
    let csv = String::from_utf8_lossy(&o.stdout).to_string();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("time_utc,event_id,cycle_id,action,status"));
    // Records, not lines: real failure reasons carry `\r\n` inside quoted cells.
    let mut records = 0u64;
    let mut quoted = false;
    for c in csv.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' if !quoted => records += 1,
            _ => {}
        }
    }
    assert_eq!(records, first_events + 3, "header + every entry");
    assert!(csv.contains("EntryConflict"));

    // Bad filters are refused with the accepted values named; a time that
    // cannot be read is a usage error (exit 2), like clap's own.
    for (args, needle, exit) in [
        (
            vec!["logs", "--status", "bogus", "--json"],
            "success, failure, skipped, warning",
            1,
        ),
        (
            vec!["logs", "--action", "frob", "--json"],
            "stagedDelete",
            1,
        ),
        (
            vec!["logs", "--since", "last tuesday", "--json"],
            "is not a time",
            2,
        ),
        (
            vec!["logs", "--since", "1h", "--until", "2h", "--json"],
            "after its start",
            1,
        ),
    ] {
        let o = cli(&data, &args).await;
        assert_eq!(o.status.code(), Some(exit), "{args:?}");
        let err: Value = serde_json::from_slice(&o.stdout).unwrap();
        let text = err.to_string();
        assert_eq!(err["error"]["kind"], "validation", "{args:?}: {text}");
        assert!(text.contains(needle), "{args:?}: {text}");
    }

    let cycles = json(&cli(&data, &["cycles", "--json"]).await);
    let cycles = cycles.as_array().unwrap();
    assert_eq!(cycles.len(), 2);
    assert_eq!(cycles[0]["failures"], 2, "newest first");
    assert_eq!(cycles[0]["top_errors"][0]["code"], "EntryConflict");
    assert_eq!(cycles[1]["failures"], 0);

    let text = String::from_utf8_lossy(&cli(&data, &["status"]).await.stdout).to_string();
    assert!(
        text.contains("EntryLevelErrors") && text.contains("users enabled"),
        "{text}"
    );
    sim.shutdown().await;
}
