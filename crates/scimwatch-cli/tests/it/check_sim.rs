//! `scimwatch-cli check` against a simulated tenant: 0 when healthy, 1 with
//! the failing step named when a fault is injected, 2 when nothing can be
//! checked. The real binary, a real database, the file secret store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use entra_sim::{ClockKind, Fault, Sim, SimConfig};

use crate::common;
use common::{add_sim_connection, cli, Sides};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_exit_codes_follow_the_tenant() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");

    let o = cli(&data, &["check"], None).await;
    assert_eq!(o.status.code(), Some(2), "no connections: could not check");

    let sim = Sim::start(SimConfig {
        clock: ClockKind::Manual(Some(chrono::Utc::now())),
        require_auth: true,
        ..SimConfig::for_tests()
    })
    .await
    .unwrap();
    sim.run_cycle().await;
    let info = sim.info();
    add_sim_connection(&info, &data, dir.path(), Sides::Both).await;

    // Never probed, "The SaaS handles Entra's updates" is an opt-in step
    // that has not run: named as not run, never passed, and not "could not
    // check" (the write probe is the admin's choice).
    let o = cli(&data, &["check", "--json"], None).await;
    let out: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(o.status.code(), Some(0), "{out:#}");
    let not_run = out["not_run"].to_string();
    assert!(not_run.contains("never probed"), "{out:#}");
    assert!(
        !out["could_not_check"].to_string().contains("never probed"),
        "{out:#}"
    );
    let step = out["connections"][0]["run"]["steps"]
        .as_array()
        .and_then(|steps| steps.iter().find(|s| s["id"] == "entra_updates"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(step["status"], "unknown", "{out:#}");
    let o = cli(
        &data,
        &["probe", "Sim", "--write", "--i-understand-this-writes"],
        None,
    )
    .await;
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let o = cli(&data, &["check", "--json"], None).await;
    let out: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(o.status.code(), Some(0), "{out:#}");
    assert_eq!(out["healthy"], true);

    sim.inject(Fault::GroupsMappingDisabled).unwrap();
    sim.run_cycle().await;
    let o = cli(&data, &["check", "--json"], None).await;
    let out: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(o.status.code(), Some(1), "{out:#}");
    assert_eq!(
        out["connections"][0]["run"]["first_failing"],
        "groups_mapping"
    );

    // `check` reports; it does not open incidents (that is `watch`'s job).
    let o = cli(&data, &["incidents", "--json"], None).await;
    assert!(o.status.success());
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap(),
        serde_json::json!([])
    );

    let o = cli(&data, &["check"], None).await;
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("Groups"), "{text}");
    sim.shutdown().await;
}

/// `discover` exits 0 compliant, 1 deviations found, 2 could not examine;
/// `crawl` exits 1 when what it read is not the whole inventory (issue 17,
/// defects 10 and 12).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discover_and_crawl_exit_codes_follow_the_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let sim = Sim::start(SimConfig::for_tests()).await.unwrap();
    sim.run_cycle().await;
    let info = sim.info();
    add_sim_connection(&info, &data, dir.path(), Sides::ScimOnly).await;

    let o = cli(&data, &["discover"], None).await;
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(o.status.code(), Some(0), "compliant: {text}");
    assert!(!text.contains("Could not examine"), "{text}");
    let o = cli(&data, &["crawl"], None).await;
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );

    sim.inject(Fault::ScimIgnoresStartIndex).unwrap();
    let o = cli(&data, &["discover", "--json"], None).await;
    assert_eq!(o.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(report["could_not_examine"].is_null());
    // Pages of 5 of the sim's 11 users: every page is the first one.
    let o = cli(&data, &["crawl", "--page-size", "5"], None).await;
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(text.contains("INCOMPLETE"), "{text}");
    let o = cli(&data, &["snapshots"], None).await;
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(text.contains("incomplete"), "{text}");

    // `check` judges SCIM compliance on the recorded discovery and crawl
    // (issue 17, defect 9): the deviation fails the step, exit 1.
    let o = cli(&data, &["check", "--json"], None).await;
    let out: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(o.status.code(), Some(1), "{out:#}");
    let steps = out["connections"][0]["run"]["steps"].as_array().unwrap();
    let step = steps
        .iter()
        .find(|s| s["id"] == "scim_compliance")
        .unwrap_or_else(|| panic!("{out:#}"));
    assert_eq!(step["status"], "fail", "{step:#}");

    sim.shutdown().await;
    let o = cli(&data, &["discover"], None).await;
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(o.status.code(), Some(2), "{text}");
    assert!(
        text.contains("Could not examine") && !text.contains("None found"),
        "{text}"
    );
}
