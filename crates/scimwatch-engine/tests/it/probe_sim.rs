//! The Entra write probe against the simulator's built-in SCIM target:
//! healthy → every operation passes and the verdict is "ready for Entra"
//! (the app-role create is *not checked* without stored mappings, *not
//! applicable* when they map no role, and sent and read back when they do);
//! each misbehaviour → the operation it breaks fails with Entra's reaction
//! and the others still pass; without consent nothing is written and nothing
//! passes; a cancel mid-probe and a crash both end with no
//! `scimwatch-probe-*` object left (issue 20).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::scim_fixture;

use chrono::Utc;
use entra_sim::{Fault, SimHandle};
use scim_fixture::{add_connection, engine, store_users_mapping, USERS_MAPPING_WITH_ROLES};
use scimwatch_core::scim::write_probe::{EntraReaction, ProbeVerdict, StepOutcome, PROBE_PREFIX};
use scimwatch_core::scim::Severity;
use scimwatch_engine::scim::probe::{cleanup, probe, ProbeReport, ProbeStep, RunOptions};
use scimwatch_engine::Engine;

use EntraReaction::{Duplicate, Escrow, Retry, SilentDrift};

fn step<'a>(r: &'a ProbeReport, code: &str) -> &'a ProbeStep {
    r.steps.iter().find(|s| s.code == code).unwrap()
}

/// `scimwatch-probe-*` users and groups still in the target.
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

async fn setup() -> (SimHandle, Engine, String, String) {
    let sim = entra_sim::Sim::start(entra_sim::SimConfig::for_tests())
        .await
        .unwrap();
    sim.run_cycle().await;
    let info = sim.info();
    let eng = engine().await;
    let conn = add_connection(&eng, "Sim", &info.scim_url, &info.scim_token).await;
    (sim, eng, conn, info.scim_token)
}

async fn run(eng: &Engine, conn: &str, write: bool) -> ProbeReport {
    probe(eng, conn, write, &RunOptions::default(), Utc::now())
        .await
        .unwrap()
}

#[tokio::test]
async fn healthy_target_passes_every_operation_and_is_ready() {
    let (sim, eng, conn, token) = setup().await;
    let r = run(&eng, &conn, true).await;
    assert!(r.write_probe_run);
    for s in &r.steps {
        // No mappings stored (a SCIM-only connection): whether Entra sends
        // app roles is not known, so that create is not checked — no pass.
        let want = if s.code == "create_user_with_role" {
            StepOutcome::NotChecked
        } else {
            StepOutcome::Pass
        };
        assert_eq!(s.outcome, want, "{}: {}", s.code, s.message);
    }
    assert_eq!(r.steps.len(), 21);
    assert!(step(&r, "create_user_with_role").request.is_none());
    assert_eq!(
        r.verdict,
        ProbeVerdict::ReadyForEntra,
        "{}",
        r.to_markdown()
    );
    assert_eq!(r.exit_code(), 0);
    assert!(r.leftovers.is_empty() && r.cleaned_up.is_empty());
    assert!(probe_objects(&sim).is_empty(), "{:?}", probe_objects(&sim));
    // Evidence is kept, never the token.
    let json = serde_json::to_string(&r).unwrap();
    assert!(!json.contains(&token));
    assert!(json.contains("Bearer <redacted>"));
    assert!(step(&r, "disable_user_string_false")
        .request
        .as_ref()
        .unwrap()
        .body
        .as_deref()
        .unwrap()
        .contains("\"False\""));
    let md = r.to_markdown();
    assert!(md.contains("ready for Entra") && !md.contains(&token));
    assert!(md.contains("(not checked: `create_user_with_role`"), "{md}");
    let obs = scimwatch_engine::scim::probe::observation(&r);
    assert_eq!((obs.passed, obs.operations), (20, 20));
    assert_eq!(obs.not_checked.len(), 1);
    // A read side with a check it could not run (an empty SaaS has no user
    // to look up in another case) is never "no deviation" outright.
    let mut partial = r.clone();
    let read = partial.read_side.as_mut().expect("the read side ran");
    read.findings.retain(|f| f.severity == Severity::Info);
    read.not_examined = Some(vec!["userName in another case: no user to look up".into()]);
    let md = partial.to_markdown();
    assert!(
        md.contains(
            "no deviation in what could be examined; not examined: userName in another case"
        ),
        "{md}"
    );
    assert!(!md.contains("paging): no deviation\n"), "{md}");
    sim.shutdown().await;
}

#[tokio::test]
async fn each_misbehaviour_fails_the_operation_it_breaks() {
    let (sim, eng, conn, _) = setup().await;
    let patches = [
        "update_user_multi_valued",
        "update_user_name",
        "disable_user",
        "disable_user_lower_case_op",
        "disable_user_string_false",
        "rename_group",
    ];
    // (fault, failing operations with Entra's reaction, operations neither
    // passed nor failed)
    type Case<'a> = (
        Fault,
        Vec<(&'a str, EntraReaction)>,
        Vec<(&'a str, StepOutcome)>,
    );
    let cases: Vec<Case> = vec![
        (
            Fault::ScimGroupRenameUnsupported,
            vec![("rename_group", Retry)],
            vec![],
        ),
        (
            Fault::ScimMemberRemovalRefused,
            vec![("remove_member", Escrow)],
            vec![],
        ),
        (
            Fault::ScimActiveStringRefused,
            vec![("disable_user_string_false", Escrow)],
            vec![],
        ),
        (
            Fault::ScimGroupFilterFindsNothing,
            vec![("query_group_by_display_name", Duplicate)],
            vec![],
        ),
        (
            Fault::ScimExternalIdFilterIgnored,
            vec![("query_user_by_external_id", Duplicate)],
            vec![],
        ),
        (
            // Found on the probe's own user: no existing user needed.
            Fault::ScimUserNameCaseSensitive,
            vec![("query_user_by_user_name_other_case", Duplicate)],
            vec![],
        ),
        (
            Fault::ScimPatchIgnored,
            patches.iter().map(|p| (*p, SilentDrift)).collect(),
            // An empty group reads back without `members` (RFC 7643 §2.5),
            // so a member that was never added cannot be told from a server
            // that does not return members: not verified, and the removal
            // not judged.
            vec![
                ("add_member", StepOutcome::Unverified),
                ("remove_member", StepOutcome::NotRun),
            ],
        ),
    ];
    for (fault, failing, neither) in cases {
        sim.clear_faults();
        sim.inject(fault.clone()).unwrap();
        let r = run(&eng, &conn, true).await;
        for s in &r.steps {
            let want = if let Some((_, reaction)) = failing.iter().find(|(c, _)| *c == s.code) {
                assert_eq!(s.entra_reaction, Some(*reaction), "{fault:?} {}", s.code);
                assert!(s.entra_would.is_some() && s.response.is_some());
                StepOutcome::Fail
            } else if let Some((_, o)) = neither.iter().find(|(c, _)| *c == s.code) {
                *o
            } else if s.code == "create_user_with_role" {
                StepOutcome::NotChecked
            } else {
                StepOutcome::Pass
            };
            assert_eq!(s.outcome, want, "{fault:?} {}: {}", s.code, s.message);
        }
        assert_eq!(r.verdict, ProbeVerdict::Problems, "{fault:?}");
        assert_eq!(r.exit_code(), 1);
        assert!(r.leftovers.is_empty(), "{fault:?} {:?}", r.leftovers);
        assert!(
            probe_objects(&sim).is_empty(),
            "{fault:?} {:?}",
            probe_objects(&sim)
        );
        let md = r.to_markdown();
        assert!(md.contains("What Entra does"), "{fault:?}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn without_consent_nothing_is_written_and_nothing_passes() {
    let (sim, eng, conn, _) = setup().await;
    let before = sim.scim_contents();
    let r = run(&eng, &conn, false).await;
    assert!(!r.write_probe_run);
    assert!(r.steps.iter().all(|s| s.outcome == StepOutcome::NotRun));
    assert_eq!(r.verdict, ProbeVerdict::CouldNotProbe);
    assert_eq!(r.exit_code(), 2);
    assert!(r.read_side.as_ref().unwrap().compliant());
    assert!(r.to_markdown().contains("write probe was not run"));
    assert_eq!(sim.scim_contents(), before, "nothing written");
    sim.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_endpoint_could_not_be_probed() {
    let (sim, eng, conn, _) = setup().await;
    sim.inject(Fault::ScimEndpointDown).unwrap();
    let r = run(&eng, &conn, true).await;
    assert_eq!(r.verdict, ProbeVerdict::CouldNotProbe);
    assert!(r.could_not_probe.is_some());
    assert!(r.steps.iter().all(|s| s.outcome == StepOutcome::NotRun));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_cancel_after_the_first_create_still_cleans_up() {
    let (sim, eng, conn, _) = setup().await;
    let opts = RunOptions::default();
    let cancel = opts.cancel.clone();
    let trip = move |s: &ProbeStep| {
        if s.code == "create_user" {
            cancel.cancel();
        }
    };
    let opts = RunOptions {
        on_step: Some(&trip),
        ..opts
    };
    let r = probe(&eng, &conn, true, &opts, Utc::now()).await.unwrap();
    assert_eq!(r.could_not_probe.as_deref(), Some("cancelled"));
    assert_eq!(r.verdict, ProbeVerdict::CouldNotProbe);
    assert_eq!(step(&r, "create_user").outcome, StepOutcome::Pass);
    assert_eq!(step(&r, "get_user").outcome, StepOutcome::NotRun);
    assert_eq!(r.cleaned_up.len(), 1, "{:?}", r.cleaned_up);
    assert!(probe_objects(&sim).is_empty());
    let left: (i64,) = sqlx::query_as("SELECT count(*) FROM scim_probe_objects")
        .fetch_one(eng.store.pool())
        .await
        .unwrap();
    assert_eq!(left.0, 0);
    sim.shutdown().await;
}

/// A run killed between its create and its delete leaves a listed object;
/// the next probe (or `cleanup`) deletes it, by id or, when the answer with
/// the id never arrived, by name.
#[tokio::test]
async fn leftovers_of_a_crashed_run_are_deleted_next_time() {
    let (sim, eng, conn, token) = setup().await;
    let info = sim.info();
    let http = reqwest::Client::new();
    let create = |name: &str, res: &str| {
        let body = if res == "Users" {
            serde_json::json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name})
        } else {
            serde_json::json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name})
        };
        http.post(format!("{}/{res}", info.scim_url))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let u: serde_json::Value = create("scimwatch-probe-crash1", "Users")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    create("scimwatch-probe-crash1-group", "Groups")
        .await
        .unwrap();
    let (id,): (i64,) = sqlx::query_as("SELECT id FROM connections")
        .fetch_one(eng.store.pool())
        .await
        .unwrap();
    for (res, names, oid) in [
        ("Users", r#"["scimwatch-probe-crash1"]"#, u["id"].as_str()),
        ("Groups", r#"["scimwatch-probe-crash1-group"]"#, None),
    ] {
        sqlx::query(
            "INSERT INTO scim_probe_objects (connection_id, run_id, resource, names_json, \
             object_id, created_ms) VALUES (?, 'crashed-run', ?, ?, ?, 0)",
        )
        .bind(id)
        .bind(res)
        .bind(names)
        .bind(oid)
        .execute(eng.store.pool())
        .await
        .unwrap();
    }
    assert_eq!(probe_objects(&sim).len(), 2);
    // Without consent the leftovers are shown, not deleted.
    let r = run(&eng, &conn, false).await;
    assert_eq!(r.leftovers.len(), 2);
    assert_eq!(probe_objects(&sim).len(), 2);
    let c = cleanup::cleanup(&eng, &conn).await.unwrap();
    assert_eq!(c.removed.len(), 2, "{c:?}");
    assert!(c.leftovers.is_empty());
    assert!(probe_objects(&sim).is_empty());
    sim.shutdown().await;
}

/// With the Users mapping stored: no app role mapped → the role create is
/// not applicable; roles mapped → it is planned, sent with Entra's role
/// body, the role read back, and the second user deleted.
#[tokio::test]
async fn the_app_role_create_follows_the_stored_users_mapping() {
    let (sim, eng, conn, _) = setup().await;
    store_users_mapping(&eng, &conn, &["*userName <- userPrincipalName"]).await;
    let r = run(&eng, &conn, true).await;
    let s = step(&r, "create_user_with_role");
    assert_eq!(s.outcome, StepOutcome::NotApplicable, "{}", s.message);
    assert!(s.message.contains("no roles mapping"), "{}", s.message);
    assert_eq!(r.verdict, ProbeVerdict::ReadyForEntra);
    let plan = scimwatch_engine::scim::probe::probe_plan(&eng, &conn)
        .await
        .unwrap();
    assert!(!plan
        .requests
        .iter()
        .any(|p| p.note == "create_user_with_role"));

    store_users_mapping(&eng, &conn, USERS_MAPPING_WITH_ROLES).await;
    let plan = scimwatch_engine::scim::probe::probe_plan(&eng, &conn)
        .await
        .unwrap();
    let post = plan
        .requests
        .iter()
        .find(|p| p.note == "create_user_with_role")
        .unwrap();
    assert!(post
        .body
        .as_deref()
        .unwrap()
        .contains("WindowsAzureActiveDirectoryRole"));
    assert!(plan.creates.iter().any(|c| c.contains("app role")));
    let r = run(&eng, &conn, true).await;
    let s = step(&r, "create_user_with_role");
    assert_eq!(s.outcome, StepOutcome::Pass, "{}", s.message);
    assert!(s
        .request
        .as_ref()
        .unwrap()
        .body
        .as_deref()
        .unwrap()
        .contains("\"type\":\"WindowsAzureActiveDirectoryRole\""));
    assert!(s.read_back.is_some());
    for s in &r.steps {
        assert_eq!(s.outcome, StepOutcome::Pass, "{}: {}", s.code, s.message);
    }
    assert_eq!(r.verdict, ProbeVerdict::ReadyForEntra);
    assert!(!r.to_markdown().contains("not checked"));
    assert!(
        r.leftovers.is_empty() && r.cleaned_up.is_empty(),
        "{:?}",
        r.cleaned_up
    );
    assert!(probe_objects(&sim).is_empty(), "{:?}", probe_objects(&sim));
    let left: (i64,) = sqlx::query_as("SELECT count(*) FROM scim_probe_objects")
        .fetch_one(eng.store.pool())
        .await
        .unwrap();
    assert_eq!(left.0, 0);
    sim.shutdown().await;
}
