//! Real Microsoft Graph bodies (`tests/fixtures/graph-real/`, captured from
//! live tenants) through the engine's stored-data path: what the admin is
//! told must follow what real Graph sends, not what the API reference or
//! entra-sim assumes (issue 17).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use chrono::Utc;
use scimwatch_core::checklist::{evaluate_step, CheckStatus, Context};
use scimwatch_core::graph::parse_event_page;
use scimwatch_engine::graph::observe;
use scimwatch_engine::store::{connections, events};
use scimwatch_engine::Store;

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/../../tests/fixtures/graph-real/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

async fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in(dir.path()).await.unwrap();
    sqlx::query(
        "INSERT INTO connections (uuid, name, scim_url, created_ms, updated_ms) \
         VALUES ('u', 'n', 'https://x', 0, 0)",
    )
    .execute(store.pool())
    .await
    .unwrap();
    (dir, store)
}

/// Store a Graph log page as the ingest does and roll its cycles up.
async fn ingest(store: &Store, body: &str) {
    let (evs, _) = parse_event_page(body.as_bytes()).unwrap();
    let cycles: BTreeSet<String> = evs.iter().filter_map(|e| e.0.cycle_id.clone()).collect();
    let mut conn = store.pool().acquire().await.unwrap();
    events::insert_events(&mut conn, 1, &evs).await.unwrap();
    events::recompute_rollups(&mut conn, 1, &cycles)
        .await
        .unwrap();
}

async fn conflicts_step(store: &Store) -> scimwatch_core::checklist::StepResult {
    let row = connections::get_by_uuid(store.pool(), "u")
        .await
        .unwrap()
        .unwrap();
    let obs = observe::observations(store, &row).await.unwrap();
    evaluate_step(
        "conflicts_duplicates",
        &obs,
        &Context::default(),
        &[],
        Utc::now(),
    )
    .unwrap()
}

/// Defect 3: Box's app-prefixed `BoxEntryConflict` (a real 2019 beta page
/// with only `action`/`statusInfo`) is a conflict.
#[tokio::test]
async fn an_app_prefixed_entry_conflict_is_a_conflict() {
    let (_dir, store) = store().await;
    ingest(
        &store,
        &fixture("provisioning-page-beta-box-statusinfo-only-2019.json"),
    )
    .await;
    let step = conflicts_step(&store).await;
    assert_eq!(step.outcome.status, CheckStatus::Fail, "{step:#?}");
    assert!(
        step.outcome
            .evidence
            .iter()
            .any(|e| e.label.contains("BoxEntryConflict") && e.value == "1"),
        "{:#?}",
        step.outcome.evidence
    );
}

/// Defect 3: the SaaS's 409 `uniqueness`, reported by Entra under an
/// unrelated code with the SaaS's answer in the reason (the
/// `StatusCode/Message/Web Response` form real events carry), is a conflict.
#[tokio::test]
async fn a_saas_409_uniqueness_under_another_code_is_a_conflict() {
    let (_dir, store) = store().await;
    // The real Box event, its failure re-told the way Entra reports a SCIM
    // app's 409 today.
    let mut page: serde_json::Value = serde_json::from_str(&fixture(
        "provisioning-page-beta-box-statusinfo-only-2019.json",
    ))
    .unwrap();
    let ev = &mut page["value"][0];
    ev["statusInfo"]["errorCode"] =
        "SystemForCrossDomainIdentityManagementServiceIncompatibleFiltering".into();
    ev["statusInfo"]["reason"] = "StatusCode: 409\r\nMessage: Processing of the HTTP request \
resulted in an exception. Please see the HTTP response returned by the 'Response' property of \
this exception for details.\r\nWeb Response: {\"schemas\":[\"urn:ietf:params:scim:api:messages:\
2.0:Error\"],\"scimType\":\"uniqueness\",\"detail\":\"User already exists in the database.\",\
\"status\":\"409\"}. This operation was retried 0 times. It will be retried again after this \
date: 2021-09-02T17:25:30.0000000Z UTC"
        .into();
    ingest(&store, &page.to_string()).await;
    let step = conflicts_step(&store).await;
    assert_eq!(step.outcome.status, CheckStatus::Fail, "{step:#?}");
}

/// No verdict without evidence: failures that are not conflicts keep the
/// step passing, and a 400 from the SaaS is not a conflict.
#[tokio::test]
async fn other_failures_are_not_conflicts() {
    let (_dir, store) = store().await;
    let mut page: serde_json::Value = serde_json::from_str(&fixture(
        "provisioning-page-beta-box-statusinfo-only-2019.json",
    ))
    .unwrap();
    let ev = &mut page["value"][0];
    ev["statusInfo"]["errorCode"] = "SystemForCrossDomainIdentityManagementBadResponse".into();
    ev["statusInfo"]["reason"] = "StatusCode: 400\r\nMessage: Bad Request\r\nWeb Response: \
{\"scimType\":\"invalidValue\",\"status\":\"400\"}"
        .into();
    ingest(&store, &page.to_string()).await;
    let step = conflicts_step(&store).await;
    assert_eq!(step.outcome.status, CheckStatus::Pass, "{step:#?}");
}
