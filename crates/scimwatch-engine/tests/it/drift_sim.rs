//! Drift end to end: Entra's in-scope users (with their matching attribute,
//! read from Graph and stored with the assignments) against the SaaS's crawled
//! inventory, matched on the job's matching attribute.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use crate::graph_support;

use chrono::Utc;
use graph_support::Env;
use scimwatch_engine::read_models;
use serde_json::json;

async fn env() -> Env {
    Env::both_sides_at(Utc::now()).await
}

async fn refresh(env: &Env) -> scimwatch_core::scim::DriftReport {
    env.poll_and_crawl().await;
    scimwatch_engine::api::inventory::drift_report(&env.engine, &env.row.uuid)
        .await
        .unwrap()
        .report
}

#[tokio::test]
async fn drift_matches_entra_users_with_the_saas_on_the_matching_attribute() {
    let env = env().await;
    env.sim.run_cycle().await;
    let r = refresh(&env).await;
    let in_scope = read_models::mappings(&env.engine, &env.row.uuid)
        .await
        .unwrap()
        .assignments
        .unwrap()
        .in_scope_users;
    assert!(in_scope > 0);
    assert_eq!(u64::from(r.counts.assigned), in_scope);
    assert_eq!(r.counts.matched, r.counts.assigned, "{r:#?}");
    assert_eq!(
        (
            r.counts.missing,
            r.counts.active_orphans,
            r.counts.duplicates,
            r.counts.active_mismatches
        ),
        (0, 0, 0, 0),
        "{r:#?}"
    );

    // The SaaS drifts: one user renamed (missing + orphan), one deactivated,
    // and a stranger nobody assigned.
    env.sim.modify_scim(|s, now, base| {
        s.modify_users(
            |i, u| match i {
                0 => {
                    u["userName"] = json!("renamed@contoso.example");
                    true
                }
                1 => {
                    u["active"] = json!(false);
                    true
                }
                _ => false,
            },
            now,
            base,
        );
        s.insert_user(
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                   "userName": "stranger@contoso.example", "active": true}),
            now,
            base,
        );
    });
    let r = refresh(&env).await;
    assert_eq!(r.counts.missing, 1, "{r:#?}");
    assert_eq!(r.counts.active_orphans, 2, "renamed + stranger: {r:#?}");
    assert_eq!(r.counts.active_mismatches, 1, "{r:#?}");

    // The monitor sees the same drift (what the health rules judge).
    let row =
        scimwatch_engine::store::connections::get_by_uuid(env.engine.store.pool(), &env.row.uuid)
            .await
            .unwrap()
            .unwrap();
    let obs = scimwatch_engine::monitor::observe(&env.engine, &row, Utc::now())
        .await
        .unwrap();
    let d = obs.drift.clone().unwrap();
    assert_eq!((d.missing, d.orphans), (1, 2), "{d:?}");
    let findings = scimwatch_core::health::evaluate(
        &obs,
        &scimwatch_core::health::Thresholds::default(),
        Utc::now(),
    );
    assert!(
        findings
            .iter()
            .any(|f| f.kind == scimwatch_core::health::FindingKind::Drift),
        "{:?}",
        findings.iter().map(|f| f.kind).collect::<Vec<_>>()
    );
    env.sim.shutdown().await;
}
