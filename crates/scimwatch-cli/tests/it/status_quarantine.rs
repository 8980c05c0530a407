//! `scimwatch-cli status` shows a quarantine's cause: the error message, from
//! `lastExecution.error` when the quarantine itself carries none (as a real
//! tenant sent it), never only the code (issue 17, defect 6). The real
//! binary, a real database, the file secret store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use entra_sim::{ClockKind, Fault, Sim, SimConfig};

use crate::common;
use common::{add_sim_connection, cli, Sides};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_shows_the_quarantine_error_message() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
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

    sim.inject(Fault::ScimInvalidCredentials).unwrap();
    sim.modify_tenant(|t, now| {
        t.add_user("New", "Hire", true, now);
    });
    sim.run_cycle().await;
    let o = cli(&data, &["poll", "--once"], None).await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let o = cli(&data, &["status"], None).await;
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(o.status.success(), "{text}");
    assert!(text.contains("QUARANTINE"), "{text}");
    assert!(
        text.contains("SystemForCrossDomainIdentityManagementInvalidCredentials"),
        "{text}"
    );
    assert!(
        text.contains("Please provide a valid tenant URL for your application."),
        "the cause, not only the code: {text}"
    );
    assert!(text.contains("last execution"), "{text}");

    let o = cli(&data, &["status", "--json"], None).await;
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let q = &v[0]["quarantine"];
    assert_eq!(
        q["error_message"],
        "Please provide a valid tenant URL for your application."
    );
    assert_eq!(q["error_source"], "last_execution");
    sim.shutdown().await;
}
