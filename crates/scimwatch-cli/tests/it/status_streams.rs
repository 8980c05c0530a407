//! `scimwatch-cli status` and `check` give each Graph stream its own health
//! (issue 17, defects 4 and 5): a failure of the job endpoint alone is named
//! with Graph's answer and what to do — never "ok" for the job — and
//! throttled logs are "logs: delayed until HH:MM (throttled)" while the
//! connection, whose job is read, is not blind. The real binary, a real
//! database, the file secret store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use entra_sim::{ClockKind, Fault, GraphFamily, Sim, SimConfig, SimHandle};

use crate::common;
use common::{add_sim_connection, cli, Sides};

async fn setup(data: &std::path::Path, dir: &std::path::Path) -> SimHandle {
    let sim = Sim::start(SimConfig {
        clock: ClockKind::Manual(Some(chrono::Utc::now())),
        require_auth: true,
        ..SimConfig::for_tests()
    })
    .await
    .unwrap();
    sim.run_cycle().await;
    let info = sim.info();
    add_sim_connection(&info, data, dir, Sides::Both).await;
    let o = cli(data, &["poll", "--once"], None).await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    sim
}

async fn status_text(data: &std::path::Path) -> String {
    let o = cli(data, &["status"], None).await;
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        o.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    text
}

/// The text after `label` on its line, e.g. `graph        BLIND …`.
fn line<'a>(text: &'a str, label: &str) -> &'a str {
    text.lines()
        .map(str::trim)
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no {label} line in:\n{text}"))
}

/// Whether `text` has `prefix` followed by `HH:MM` and `suffix`.
fn has_time_after(text: &str, prefix: &str, suffix: &str) -> bool {
    text.match_indices(prefix).any(|(i, _)| {
        let rest = &text[i + prefix.len()..];
        let b = rest.as_bytes();
        rest.len() >= 5
            && b[0].is_ascii_digit()
            && b[1].is_ascii_digit()
            && b[2] == b':'
            && b[3].is_ascii_digit()
            && b[4].is_ascii_digit()
            && rest[5..].starts_with(suffix)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_names_a_failure_of_the_job_alone_and_never_says_ok() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let sim = setup(&data, dir.path()).await;
    let text = status_text(&data).await;
    assert!(line(&text, "graph").contains("ok"), "{text}");
    assert!(text.contains("job: read "), "{text}");

    // The job was deleted: Graph answers 404 on the job, the rest works.
    sim.inject(Fault::JobNotFound).unwrap();
    let o = cli(&data, &["poll", "--once"], None).await;
    assert!(!o.status.success(), "a failed read is not a clean poll");
    let text = status_text(&data).await;
    let graph = line(&text, "graph");
    assert!(!graph.contains("ok"), "{text}");
    assert!(graph.contains("BLIND"), "{text}");
    assert!(
        text.contains("job: could not read — Graph answered 404: "),
        "{text}"
    );
    assert!(
        text.contains("scimwatch-cli discover-app \"Sim\""),
        "{text}"
    );
    assert!(!text.contains("job: read"), "{text}");
    // The other streams were read, and say so.
    assert!(text.contains("configuration: read "), "{text}");
    assert!(text.contains("logs: read "), "{text}");

    let o = cli(&data, &["status", "--json"], None).await;
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let job = &v[0]["streams"][0];
    assert_eq!(job["stream"], "job");
    assert_eq!(job["state"], "failing");
    assert_eq!(job["http_status"], 404);
    assert_eq!(job["problem"], "not_found");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_logs_are_delayed_in_status_and_check_not_blind() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let sim = setup(&data, dir.path()).await;
    sim.inject(Fault::GraphThrottling {
        family: GraphFamily::ProvisioningLogs,
        retry_after_secs: 600.0,
        count: None,
    })
    .unwrap();
    sim.run_cycle().await;
    cli(&data, &["poll", "--once"], None).await;
    let text = status_text(&data).await;
    assert_eq!(
        line(&text, "graph"),
        "graph        ok (the job is read)",
        "{text}"
    );
    assert!(text.contains("job: read "), "{text}");
    assert!(
        has_time_after(&text, "logs: delayed until ", " (throttled)"),
        "{text}"
    );

    let o = cli(&data, &["check"], None).await;
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        has_time_after(&out, "Sim: logs: delayed until ", " (throttled)"),
        "{out}"
    );
    sim.shutdown().await;
}
