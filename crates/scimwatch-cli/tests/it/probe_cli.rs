//! `scimwatch-cli probe` against the simulator's SCIM target: consent flags,
//! the printed plan before any write, exit codes 0/1/2, no token in the
//! output, and a probe killed with SIGKILL mid-run whose leftovers
//! `probe-cleanup` deletes (issue 20). The real binary, a real database.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use entra_sim::{Fault, Sim, SimConfig, SimHandle};

use crate::common;
use common::{add_sim_connection, cli, Sides};

fn probe_objects(sim: &SimHandle) -> usize {
    let (users, groups) = sim.scim_contents();
    users
        .iter()
        .chain(groups.iter())
        .filter(|v| {
            let n = v["userName"].as_str().or(v["displayName"].as_str());
            n.unwrap_or_default().starts_with("scimwatch-probe-")
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_consent_exit_codes_and_crash_clean_up() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let sim = Sim::start(SimConfig::for_tests()).await.unwrap();
    sim.run_cycle().await;
    let info = sim.info();
    add_sim_connection(&info, &data, dir.path(), Sides::ScimOnly).await;
    let text = |o: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };

    // --write alone is refused, nothing written.
    let o = cli(&data, &["probe", "Sim", "--write"], None).await;
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--i-understand-this-writes"));
    assert_eq!(probe_objects(&sim), 0);

    // Without --write: the read side only, the write probe "not run", exit 2.
    let o = cli(&data, &["probe", "Sim", "--json"], None).await;
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["write_probe_run"], false);
    assert_eq!(r["verdict"], "could_not_probe");
    assert!(r["steps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["outcome"] == "not_run"));

    // Healthy: the plan first, then every operation passes: exit 0.
    let o = cli(
        &data,
        &["probe", "Sim", "--write", "--i-understand-this-writes"],
        None,
    )
    .await;
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    let plan_at = t.find("The write probe sends these requests").unwrap();
    let first_result = t.find("pass  query_user_before_create").unwrap();
    assert!(
        plan_at < first_result,
        "the plan is printed before any write"
    );
    assert!(t.contains("PATCH  Users/{user id}") && t.contains("\"False\""));
    // No stored mapping maps app roles: the user with a role is neither
    // planned nor sent (its step is not checked / not applicable).
    assert!(!t.contains("[create_user_with_role]"), "{t}");
    assert!(!t.contains("pass  create_user_with_role"), "{t}");
    assert!(t.contains("**ready for Entra**"));
    assert!(!t.contains(&info.scim_token));
    assert_eq!(probe_objects(&sim), 0);

    // A misbehaviour: exit 1, the failing operation named with Entra's reaction.
    sim.inject(Fault::ScimMemberRemovalRefused).unwrap();
    let o = cli(
        &data,
        &[
            "probe",
            "Sim",
            "--write",
            "--i-understand-this-writes",
            "--json",
        ],
        None,
    )
    .await;
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rm = r["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "remove_member")
        .unwrap();
    assert_eq!(rm["outcome"], "fail");
    assert_eq!(rm["entra_reaction"], "escrow");
    assert!(!text(&o).contains(&info.scim_token));
    sim.clear_faults();

    // Killed with SIGKILL once its user exists (each request slowed down so
    // the kill lands mid-run): the next `probe-cleanup` deletes it.
    sim.inject(Fault::ScimSlow { latency_ms: 300 }).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_scimwatch-cli"))
        .args(["probe", "Sim", "--write", "--i-understand-this-writes"])
        .env("SCIMWATCH_DATA_DIR", &data)
        .env("SCIMWATCH_SECRET_STORE", "file")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while probe_objects(&sim) == 0 {
        assert!(started.elapsed() < Duration::from_secs(60), "no probe user");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(probe_objects(&sim), 1, "the killed run left its user");
    sim.clear_faults();

    // Without consent the leftover is shown (problems: exit 1), not deleted.
    let o = cli(&data, &["probe", "Sim"], None).await;
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("Left in the SaaS"), "{}", text(&o));
    assert_eq!(probe_objects(&sim), 1);
    let o = cli(&data, &["probe-cleanup", "Sim"], None).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("deleted Users/"), "{}", text(&o));
    assert_eq!(probe_objects(&sim), 0);
    let o = cli(&data, &["probe-cleanup", "Sim"], None).await;
    assert!(text(&o).contains("Nothing to clean up"));
    sim.shutdown().await;
}
