//! "Test with Entra's requests" as the app drives it (issue 20): the plan
//! shown first, nothing sent without the plan's token and the host typed
//! back, the report stored per kind and read back with the clean-up list,
//! the checklist step judging on it, cancel still cleaning up, the export,
//! and the clean-up at start deleting what a crashed probe left.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::scim_fixture;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use entra_sim::{Fault, SimHandle};
use scim_fixture::{add_connection, engine};
use scimwatch_core::checklist::StepStatus;
use scimwatch_core::scim::write_probe::{ProbeVerdict, StepOutcome, PROBE_PREFIX};
use scimwatch_engine::monitor::{run_checklist, Watch};
use scimwatch_engine::scim::probe::{
    self, cleanup_at_start, Consent, ProbeExportFormat, ProbeStep,
};
use scimwatch_engine::secrets::MemoryStore;
use scimwatch_engine::{Engine, Store};

fn probe_objects(sim: &SimHandle) -> Vec<String> {
    let (users, groups) = sim.scim_contents();
    users
        .iter()
        .map(|u| u["userName"].as_str().unwrap_or_default().to_string())
        .chain(
            groups
                .iter()
                .map(|g| g["displayName"].as_str().unwrap_or_default().to_string()),
        )
        .filter(|n| n.starts_with(PROBE_PREFIX))
        .collect()
}

async fn sim() -> SimHandle {
    let sim = entra_sim::Sim::start(entra_sim::SimConfig::for_tests())
        .await
        .unwrap();
    sim.run_cycle().await;
    sim
}

async fn setup() -> (SimHandle, Engine, String) {
    let sim = sim().await;
    let info = sim.info();
    let eng = engine().await;
    let conn = add_connection(&eng, "Sim", &info.scim_url, &info.scim_token).await;
    (sim, eng, conn)
}

async fn rows_listed(eng: &Engine) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM scim_probe_objects")
        .fetch_one(eng.store.pool())
        .await
        .unwrap();
    n
}

async fn discoveries(eng: &Engine) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM scim_compliance")
        .fetch_one(eng.store.pool())
        .await
        .unwrap();
    n
}

#[tokio::test]
async fn the_plan_lists_every_request_with_the_names_that_are_sent() {
    let (sim, eng, conn) = setup().await;
    let plan = probe::probe_plan(&eng, &conn).await.unwrap();
    let info = sim.info();
    assert_eq!(plan.url, info.scim_url);
    assert_eq!(plan.host, "127.0.0.1");
    assert_eq!(
        plan.requests.len(),
        // No mappings stored: the user with an app role is not planned.
        probe::plan::planned_for(&probe::Names::new("x"), false).len()
    );
    assert!(plan
        .requests
        .iter()
        .all(|r| r.url.starts_with(&info.scim_url)));
    let create = plan
        .requests
        .iter()
        .find(|r| r.note == "create_user")
        .unwrap();
    assert_eq!(create.method, "POST");
    let name = format!("{PROBE_PREFIX}{}", plan.token);
    assert!(create.body.as_deref().unwrap().contains(&name));
    assert!(plan.creates[0].contains(&name) && plan.creates[1].contains("group"));
    // The plan reads nothing from the SaaS.
    assert_eq!(discoveries(&eng).await, 0);

    // The run sends exactly those names.
    let seen = std::sync::Mutex::new(Vec::<String>::new());
    let record = |s: &ProbeStep| {
        if let Some(r) = &s.request {
            seen.lock()
                .unwrap()
                .push(r.body.clone().unwrap_or_default());
        }
    };
    let consent = Consent {
        token: plan.token.clone(),
        host: "127.0.0.1".into(),
    };
    let stored = probe::run_probe(&eng, &conn, true, Some(consent), Some(&record), Utc::now())
        .await
        .unwrap();
    let w = stored.write.unwrap();
    assert_eq!(
        w.verdict,
        ProbeVerdict::ReadyForEntra,
        "{}",
        w.to_markdown()
    );
    assert!(seen.lock().unwrap().iter().any(|b| b.contains(&name)));
    assert!(probe_objects(&sim).is_empty());
    sim.shutdown().await;
}

#[tokio::test]
async fn nothing_is_sent_without_both_confirmations() {
    let (sim, eng, conn) = setup().await;
    let plan = probe::probe_plan(&eng, &conn).await.unwrap();
    let refused = [
        None,
        Some(Consent {
            token: plan.token.clone(),
            host: "example.com".into(),
        }),
        Some(Consent {
            token: "bad token!".into(),
            host: plan.host.clone(),
        }),
        Some(Consent {
            token: plan.token.clone(),
            host: String::new(),
        }),
    ];
    for consent in refused {
        let e = probe::run_probe(&eng, &conn, true, consent, None, Utc::now())
            .await
            .unwrap_err();
        let e = scimwatch_core::CommandError::from(e);
        assert_eq!(e.kind, scimwatch_core::ErrorKind::Validation, "{e:?}");
    }
    // The Users mapping changed after the plan was shown (it now maps app
    // roles, so the run would send a create the admin did not see).
    scim_fixture::store_users_mapping(
        &eng,
        &conn,
        &["roles <- AppRoleAssignmentsComplex([appRoleAssignments])"],
    )
    .await;
    let e = probe::run_probe(
        &eng,
        &conn,
        true,
        Some(Consent {
            token: plan.token.clone(),
            host: plan.host.clone(),
        }),
        None,
        Utc::now(),
    )
    .await
    .unwrap_err();
    let e = scimwatch_core::CommandError::from(e);
    assert_eq!(e.kind, scimwatch_core::ErrorKind::Validation, "{e:?}");
    assert!(
        format!("{e:?}").contains("show the requests again"),
        "{e:?}"
    );
    // Not even the read side went out, and nothing is stored or listed.
    assert_eq!(discoveries(&eng).await, 0);
    assert_eq!(rows_listed(&eng).await, 0);
    let s = probe::stored_probe(&eng, &conn).await.unwrap();
    assert!(s.write.is_none() && s.read_only.is_none() && !s.running);
    assert!(probe_objects(&sim).is_empty());
    sim.shutdown().await;
}

#[tokio::test]
async fn reports_are_stored_per_kind_and_the_checklist_judges_on_them() {
    let (sim, eng, conn) = setup().await;
    let step =
        |v: &scimwatch_engine::monitor::ChecklistView| v.run.step("entra_updates").unwrap().clone();
    let before = step(&run_checklist(&eng, &conn, Utc::now()).await.unwrap());
    assert_eq!(before.status, StepStatus::Unknown);
    assert!(before.outcome.summary.contains("never probed"));
    assert!(before.outcome.summary.contains("Inventory → Compliance"));

    // Read-only: stored as such, every write operation not run, no pass.
    let s = probe::run_probe(&eng, &conn, false, None, None, Utc::now())
        .await
        .unwrap();
    let ro = s.read_only.clone().unwrap();
    assert!(s.write.is_none());
    assert!(ro.steps.iter().all(|x| x.outcome == StepOutcome::NotRun));
    let after_ro = step(&run_checklist(&eng, &conn, Utc::now()).await.unwrap());
    assert_eq!(
        after_ro.status,
        StepStatus::Unknown,
        "{}",
        after_ro.outcome.summary
    );

    // A failing write probe: the step fails with the operation as evidence.
    sim.inject(Fault::ScimGroupRenameUnsupported).unwrap();
    let plan = probe::probe_plan(&eng, &conn).await.unwrap();
    let consent = Consent {
        token: plan.token,
        host: plan.host,
    };
    let s = probe::run_probe(&eng, &conn, true, Some(consent), None, Utc::now())
        .await
        .unwrap();
    let w = s.write.clone().unwrap();
    assert_eq!(w.verdict, ProbeVerdict::Problems);
    assert!(
        s.read_only.is_some(),
        "the read-only report is kept beside it"
    );
    let failing = step(&run_checklist(&eng, &conn, Utc::now()).await.unwrap());
    assert_eq!(failing.status, StepStatus::Fail);
    assert!(failing
        .outcome
        .evidence
        .iter()
        .any(|e| e.label.starts_with("Rename the group") && e.value.to_string().contains("Entra")));

    // Fixed: the next write probe passes, and so does the step.
    sim.clear_faults();
    let plan = probe::probe_plan(&eng, &conn).await.unwrap();
    let consent = Consent {
        token: plan.token,
        host: plan.host.to_uppercase(),
    };
    probe::run_probe(&eng, &conn, true, Some(consent), None, Utc::now())
        .await
        .unwrap();
    let passing = step(&run_checklist(&eng, &conn, Utc::now()).await.unwrap());
    assert_eq!(
        passing.status,
        StepStatus::Pass,
        "{}",
        passing.outcome.summary
    );
    // A later read-only probe does not hide the write probe's verdict.
    probe::run_probe(&eng, &conn, false, None, None, Utc::now())
        .await
        .unwrap();
    let still = step(&run_checklist(&eng, &conn, Utc::now()).await.unwrap());
    assert_eq!(still.status, StepStatus::Pass);
    assert!(probe_objects(&sim).is_empty());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_the_probe_and_still_cleans_up() {
    let (sim, eng, conn) = setup().await;
    let plan = probe::probe_plan(&eng, &conn).await.unwrap();
    let consent = Consent {
        token: plan.token,
        host: plan.host,
    };
    let e2 = eng.clone();
    let c2 = conn.clone();
    let rt = tokio::runtime::Handle::current();
    let cancelled = std::sync::atomic::AtomicBool::new(false);
    let trip = |s: &ProbeStep| {
        if s.code == "create_user" {
            // As the UI's Cancel does: by connection, while it runs.
            let ok = std::thread::scope(|t| {
                t.spawn(|| rt.block_on(probe::cancel_probe(&e2, &c2)).unwrap())
                    .join()
                    .unwrap()
            });
            cancelled.store(ok, std::sync::atomic::Ordering::SeqCst);
        }
    };
    let s = probe::run_probe(&eng, &conn, true, Some(consent), Some(&trip), Utc::now())
        .await
        .unwrap();
    assert!(cancelled.load(std::sync::atomic::Ordering::SeqCst));
    let w = s.write.unwrap();
    assert_eq!(w.could_not_probe.as_deref(), Some("cancelled"));
    assert_eq!(w.verdict, ProbeVerdict::CouldNotProbe);
    assert!(!s.running);
    assert!(s.pending.is_empty());
    assert!(probe_objects(&sim).is_empty());
    assert_eq!(rows_listed(&eng).await, 0);
    assert!(
        !probe::cancel_probe(&eng, &conn).await.unwrap(),
        "none runs"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn the_report_exports_as_markdown_and_json() {
    let (sim, eng, conn) = setup().await;
    let out = tempfile::tempdir().unwrap();
    let path = |n: &str| out.path().join(n).to_string_lossy().to_string();
    let e = probe::export_probe(&eng, &conn, ProbeExportFormat::Markdown, &path("r"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("not been probed"), "{e}");
    let plan = probe::probe_plan(&eng, &conn).await.unwrap();
    let consent = Consent {
        token: plan.token,
        host: plan.host,
    };
    probe::run_probe(&eng, &conn, true, Some(consent), None, Utc::now())
        .await
        .unwrap();
    let md = probe::export_probe(&eng, &conn, ProbeExportFormat::Markdown, &path("report"))
        .await
        .unwrap();
    assert!(md.path.ends_with("report.md"));
    let text = std::fs::read_to_string(&md.path).unwrap();
    assert!(text.contains("# Entra write probe") && text.contains("ready for Entra"));
    let js = probe::export_probe(&eng, &conn, ProbeExportFormat::Json, &path("report.json"))
        .await
        .unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&js.path).unwrap()).unwrap();
    assert_eq!(v["verdict"], "ready_for_entra");
    assert_eq!(v["steps"].as_array().unwrap().len(), 21);
    assert!(!std::fs::read_to_string(&js.path)
        .unwrap()
        .contains(&sim.info().scim_token));
    // A relative path is refused.
    assert!(
        probe::export_probe(&eng, &conn, ProbeExportFormat::Json, "report.json")
            .await
            .is_err()
    );
    sim.shutdown().await;
}

/// What a probe killed mid-run leaves: the user created in the SaaS and its
/// row on the clean-up list, listed an hour ago.
async fn crash_mid_probe(sim: &SimHandle, eng: &Engine, name: &str) -> String {
    let info = sim.info();
    let u: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/Users", info.scim_url))
        .bearer_auth(&info.scim_token)
        .json(&serde_json::json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = u["id"].as_str().unwrap().to_string();
    let (cid,): (i64,) = sqlx::query_as("SELECT id FROM connections")
        .fetch_one(eng.store.pool())
        .await
        .unwrap();
    let listed = (Utc::now() - chrono::Duration::hours(1)).timestamp_millis();
    sqlx::query(
        "INSERT INTO scim_probe_objects (connection_id, run_id, resource, names_json, \
         object_id, created_ms) VALUES (?, 'crashed', 'Users', ?, ?, ?)",
    )
    .bind(cid)
    .bind(serde_json::json!([name]).to_string())
    .bind(&id)
    .bind(listed)
    .execute(eng.store.pool())
    .await
    .unwrap();
    id
}

#[tokio::test]
async fn starting_the_monitor_deletes_what_a_crashed_probe_left() {
    let sim = sim().await;
    let info = sim.info();
    let data = tempfile::tempdir().unwrap();
    let store = Store::open_memory().await.unwrap();
    let eng = Engine::from_parts(store, Arc::new(MemoryStore::new()), data.path().into());
    let conn = add_connection(&eng, "Sim", &info.scim_url, &info.scim_token).await;
    let id = crash_mid_probe(&sim, &eng, "scimwatch-probe-crashed").await;
    assert_eq!(probe_objects(&sim), vec!["scimwatch-probe-crashed"]);
    let pending = probe::stored_probe(&eng, &conn).await.unwrap().pending;
    assert_eq!(pending[0].id.as_deref(), Some(id.as_str()));

    let notifier = Arc::new(scimwatch_engine::notify::RecordingNotifier::new());
    let started = std::time::Instant::now();
    let w = Watch::start(eng.clone(), Default::default(), notifier).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the clean-up never holds the start up"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while !probe_objects(&sim).is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(probe_objects(&sim).is_empty(), "{:?}", probe_objects(&sim));
    while rows_listed(&eng).await > 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(rows_listed(&eng).await, 0);
    assert!(probe::stored_probe(&eng, &conn)
        .await
        .unwrap()
        .pending
        .is_empty());
    w.shutdown(Duration::from_secs(5)).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn what_cannot_be_deleted_at_start_is_shown_with_its_id_and_why() {
    let (sim, eng, conn) = setup().await;
    let id = crash_mid_probe(&sim, &eng, "scimwatch-probe-stuck").await;
    // A probe listed a minute ago may still be running elsewhere: left alone.
    let (cid,): (i64,) = sqlx::query_as("SELECT id FROM connections")
        .fetch_one(eng.store.pool())
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO scim_probe_objects (connection_id, run_id, resource, names_json, \
         created_ms) VALUES (?, 'in-flight', 'Groups', '[\"scimwatch-probe-busy-group\"]', ?)",
    )
    .bind(cid)
    .bind(Utc::now().timestamp_millis())
    .execute(eng.store.pool())
    .await
    .unwrap();
    sim.inject(Fault::ScimEndpointDown).unwrap();
    let done = cleanup_at_start(&eng, Utc::now()).await;
    assert_eq!(done.len(), 1);
    let c = done[0].result.as_ref().unwrap();
    assert!(c.removed.is_empty());
    assert_eq!(c.leftovers.len(), 1, "only the crashed run's: {c:?}");
    let pending = probe::stored_probe(&eng, &conn).await.unwrap().pending;
    assert_eq!(pending.len(), 2);
    let stuck = pending
        .iter()
        .find(|l| l.id.as_deref() == Some(id.as_str()))
        .unwrap();
    assert!(
        stuck.reason.contains("last clean-up could not delete it"),
        "{}",
        stuck.reason
    );
    let busy = pending.iter().find(|l| l.resource == "Groups").unwrap();
    assert!(!busy.reason.contains("last clean-up"), "{}", busy.reason);
    // Reachable again: the next start deletes it.
    sim.clear_faults();
    let done = cleanup_at_start(&eng, Utc::now()).await;
    assert_eq!(done[0].result.as_ref().unwrap().removed.len(), 1);
    assert!(!probe_objects(&sim).contains(&"scimwatch-probe-stuck".to_string()));
    sim.shutdown().await;
}
