//! The per-user trace end to end against entra-sim: a user assigned and
//! provisioned, one not assigned, one failing with Entra's real 409 shape,
//! and searches that match several people or nobody.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use crate::graph_support;

use chrono::Utc;
use entra_sim::tenant::Principal;
use graph_support::Env;
use scimwatch_core::trace::TraceTone;
use scimwatch_engine::read_models::{trace_user, Trace as UserTrace};

async fn env() -> Env {
    Env::both_sides_at(Utc::now()).await
}

/// Poll Entra (job, assignments, settings, logs) and crawl the SaaS.
async fn refresh(env: &Env) {
    env.poll_and_crawl().await;
}

async fn trace(env: &Env, q: &str) -> UserTrace {
    trace_user(&env.engine, &env.row.uuid, q, Utc::now())
        .await
        .unwrap()
}

/// (display name, UPN, object id) of the first directly assigned user and
/// of the first user in scope only through a group.
fn assigned_users(env: &Env) -> ((String, String, String), (String, String, String)) {
    env.sim.with_tenant(|t| {
        let direct: Vec<u32> = t
            .assignments
            .iter()
            .filter_map(|a| match a.principal {
                Principal::User(u) => Some(u),
                Principal::Group(_) => None,
            })
            .collect();
        let scope = t.users_in_scope();
        let by_group = (0..t.users.len() as u32)
            .find(|i| scope[*i as usize] && !direct.contains(i))
            .expect("a user in scope through a group");
        let who = |i: u32| {
            let u = &t.users[i as usize];
            (
                u.display_name.clone(),
                u.user_principal_name.clone(),
                u.id.to_string(),
            )
        };
        (who(direct[0]), who(by_group))
    })
}

#[tokio::test]
async fn assigned_and_provisioned_user_is_traced_to_the_saas() {
    let env = env().await;
    env.sim.run_cycle().await;
    refresh(&env).await;
    let ((_, upn, id), (_, group_upn, group_id)) = assigned_users(&env);

    // By UPN, in another case: exact, one person.
    let t = trace(&env, &upn.to_uppercase()).await;
    let who = t.traced.clone().expect("traced");
    assert_eq!(who.object_id.as_deref(), Some(id.as_str()));
    assert_eq!(who.scim_user_name.as_deref(), Some(upn.as_str()));
    for place in ["assignments", "logs", "saas"] {
        assert!(who.found_in.iter().any(|p| p == place), "{place}: {who:?}");
    }
    let j = t.judgement.clone().unwrap();
    assert_eq!(j.verdict.tone, TraceTone::Ok, "{j:#?}");
    assert!(j.verdict.text.starts_with("Provisioned at "), "{j:#?}");
    assert!(j.verdict.text.ends_with("— present in the SaaS"), "{j:#?}");
    assert!(
        j.assignment
            .text
            .starts_with("Assigned to the app directly"),
        "{j:#?}"
    );
    assert!(
        j.scope
            .text
            .starts_with("Sync only assigned users and groups"),
        "{j:#?}"
    );
    assert!(
        j.saas.text.contains(", active, in the snapshot of"),
        "{j:#?}"
    );
    assert!(
        j.next_cycle.text.starts_with("The next cycle at ~"),
        "{j:#?}"
    );
    assert!(!t.events.is_empty());
    assert_eq!(t.events[0].source_id.as_deref(), Some(id.as_str()));
    assert_eq!(t.logs_filter.as_deref(), Some(id.as_str()));
    assert!(t
        .provisioning_link
        .as_deref()
        .is_some_and(|l| l.contains("/~/Provisioning/objectId/")));

    // By object id: the same person. The group member: through a group.
    let t = trace(&env, &id).await;
    assert_eq!(
        t.traced.unwrap().user_principal_name.as_deref(),
        Some(upn.as_str())
    );
    let t = trace(&env, &group_upn).await;
    assert_eq!(
        t.traced.unwrap().object_id.as_deref(),
        Some(group_id.as_str())
    );
    assert!(t
        .judgement
        .unwrap()
        .assignment
        .text
        .starts_with("Assigned through"),);
    env.sim.shutdown().await;
}

#[tokio::test]
async fn a_user_nobody_assigned_is_not_assigned_with_the_evidence() {
    let env = env().await;
    let upn = env.sim.modify_tenant(|t, now| {
        let i = t.add_user("Una", "Signed", false, now);
        t.users[i as usize].user_principal_name.clone()
    });
    env.sim.run_cycle().await;
    refresh(&env).await;
    // Scimwatch reads the assigned users only: an unassigned user is found
    // nowhere, and the search says so with the assignment list's evidence.
    let t = trace(&env, &upn).await;
    assert!(t.candidates.is_empty(), "{:?}", t.candidates);
    assert!(t.traced.is_none());
    // In the SaaS by hand (created there, never by Entra): traced from the
    // snapshot, not assigned.
    env.sim.modify_scim(|s, now, base| {
        s.insert_user(
            serde_json::json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                   "userName": upn, "active": true}),
            now,
            base,
        );
    });
    refresh(&env).await;
    let t = trace(&env, &upn).await;
    let who = t.traced.expect("found in the SaaS");
    assert_eq!(who.found_in, vec!["saas".to_string()]);
    assert!(who.key.starts_with("scim:"));
    let j = t.judgement.unwrap();
    assert_eq!(j.verdict.tone, TraceTone::Problem, "{j:#?}");
    assert_eq!(
        j.verdict.text,
        "Not assigned — Entra will never provision this user; assign them or a group they're in"
    );
    assert!(
        j.assignment
            .text
            .starts_with("Not assigned: not among the "),
        "{j:#?}"
    );
    assert!(j.saas.text.starts_with("In the SaaS as"), "{j:#?}");
    env.sim.shutdown().await;
}

#[tokio::test]
async fn a_failing_user_shows_entras_reason() {
    let env = env().await;
    env.sim.run_cycle().await;
    env.sim
        .inject(entra_sim::Fault::DuplicateUserConflict)
        .unwrap();
    env.sim.run_cycle().await;
    refresh(&env).await;
    let t = trace(&env, "Jordan Reyes").await;
    let who = t.traced.clone().expect("traced");
    assert!(who.exact);
    let j = t.judgement.unwrap();
    assert_eq!(j.verdict.tone, TraceTone::Problem, "{j:#?}");
    assert!(j.verdict.text.starts_with("Failed at "), "{j:#?}");
    assert!(j.verdict.text.contains("EntryConflict"), "{j:#?}");
    assert!(
        j.verdict.text.contains("Next: the next cycle at ~"),
        "{j:#?}"
    );
    assert_eq!(t.events[0].status, "failure");
    // Assigned directly (the fault assigns them); their hand-made account is in the SaaS.
    assert!(
        j.assignment
            .text
            .starts_with("Assigned to the app directly"),
        "{j:#?}"
    );
    assert!(j.saas.text.starts_with("In the SaaS as"), "{j:#?}");
    env.sim.shutdown().await;
}

#[tokio::test]
async fn several_matches_are_listed_and_bad_searches_refused() {
    let env = env().await;
    env.sim.run_cycle().await;
    refresh(&env).await;
    // A domain part matches every user: a list, no trace.
    let domain = env.sim.with_tenant(|t| t.domain.clone());
    let t = trace(&env, &domain).await;
    assert!(t.traced.is_none());
    assert!(t.candidates.len() > 1);
    assert!(t.candidates.len() <= 20);
    // Each candidate's key traces exactly that person.
    let first = t.candidates[0].clone();
    let t = trace(&env, &first.key).await;
    assert_eq!(t.traced.unwrap().key, first.key);
    // Nobody: an empty list, no trace, no judgement.
    let t = trace(&env, "no-such-person-anywhere").await;
    assert!(t.candidates.is_empty() && t.judgement.is_none());
    for bad in ["", "   ", &"x".repeat(201), "a\u{7}b"] {
        let e = trace_user(&env.engine, &env.row.uuid, bad, Utc::now())
            .await
            .unwrap_err();
        assert_eq!(e.kind(), scimwatch_core::ErrorKind::Validation, "{bad:?}");
    }
    let e = trace_user(&env.engine, "no-such-connection", "x", Utc::now())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), scimwatch_core::ErrorKind::NotFound);
    env.sim.shutdown().await;
}
