//! The connection form's "Test": Test Connection and the Graph sign-in with
//! what is typed, before saving, against the simulated tenant. Nothing is
//! stored and no secret comes back.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::graph_support;

use chrono::Utc;
use graph_support::{fixture, sim_certificate, sim_config, sim_input};
use scimwatch_core::{AuthMode, ConnectionInput, Sensitive};
use scimwatch_engine::connections::{self, test_unsaved, SecretsInput, TestDepth, TestResult};
use scimwatch_engine::scim::Verdict;
use scimwatch_engine::secrets::MemoryStore;
use scimwatch_engine::{EngineError, Store};

fn s(v: &str) -> Option<Sensitive<String>> {
    Some(Sensitive::new(v.to_string()))
}

fn scim_only(url: &str) -> ConnectionInput {
    ConnectionInput {
        name: String::new(),
        scim_url: Some(url.into()),
        ..Default::default()
    }
}

async fn run(
    store: &Store,
    input: &ConnectionInput,
    secrets: &SecretsInput,
    depth: TestDepth,
) -> Result<TestResult, EngineError> {
    test_unsaved(
        store,
        &MemoryStore::new(),
        None,
        input,
        secrets,
        depth,
        Utc::now(),
    )
    .await
}

/// No typed secret anywhere in what goes back to the web view.
fn assert_no_secret(r: &TestResult, secrets: &[&str]) {
    let json = serde_json::to_string(r).unwrap();
    for secret in secrets {
        assert!(!json.contains(secret), "a secret came back: {json}");
    }
}

#[tokio::test]
async fn scim_good_token_wrong_token_and_an_unresolvable_host() {
    let sim = entra_sim::Sim::start(sim_config()).await.unwrap();
    let info = sim.info();
    let store = Store::open_memory().await.unwrap();

    let good = SecretsInput {
        scim_token: s(&info.scim_token),
        ..Default::default()
    };
    let r = run(&store, &scim_only(&info.scim_url), &good, TestDepth::Full)
        .await
        .unwrap();
    let scim = r.scim.as_ref().expect("the SCIM side was tested");
    assert_eq!(scim.verdict, Verdict::Ok, "{}", scim.message);
    assert!(r.graph.is_none() && r.unresolved.is_empty(), "{r:?}");
    assert_no_secret(&r, &[&info.scim_token]);

    let wrong = SecretsInput {
        scim_token: s("wrong-token-5f1e2d3c4b"),
        ..Default::default()
    };
    let r = run(&store, &scim_only(&info.scim_url), &wrong, TestDepth::Full)
        .await
        .unwrap();
    let scim = r.scim.as_ref().unwrap();
    assert_eq!(scim.verdict, Verdict::Unauthorized, "{}", scim.message);
    assert!(!scim.ok);
    assert_no_secret(&r, &["wrong-token-5f1e2d3c4b"]);

    let nowhere = scim_only("https://nonexistent.invalid/scim");
    let r = run(&store, &nowhere, &wrong, TestDepth::Full)
        .await
        .unwrap();
    let scim = r.scim.as_ref().unwrap();
    assert_eq!(scim.verdict, Verdict::Unreachable);
    assert!(
        scim.message
            .contains("host name nonexistent.invalid cannot be resolved"),
        "{}",
        scim.message
    );
    assert_eq!(r.unresolved.len(), 1);
    assert_eq!(r.unresolved[0].field, "scim_url");
    assert_no_secret(&r, &["wrong-token-5f1e2d3c4b"]);

    // Before saving: what a save checks and the host names, nothing sent.
    let mut named = nowhere.clone();
    named.name = "Nowhere".into();
    let r = run(&store, &named, &wrong, TestDepth::BeforeSave)
        .await
        .unwrap();
    assert!(r.scim.is_none());
    assert_eq!(r.unresolved[0].host, "nonexistent.invalid");
    let mut named = scim_only(&info.scim_url);
    named.name = "Sim".into();
    let r = run(&store, &named, &good, TestDepth::BeforeSave)
        .await
        .unwrap();
    assert!(r.unresolved.is_empty() && r.scim.is_none());
    // Every problem a save would report, at once: name, URL and token.
    let e = run(
        &store,
        &scim_only("http://api.example.com/scim"),
        &SecretsInput::default(),
        TestDepth::BeforeSave,
    )
    .await
    .unwrap_err();
    let EngineError::Validation(v) = e else {
        panic!("{e:?}")
    };
    let fields: Vec<&str> = v.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["name", "scim_url", "scim_token"], "{v:?}");

    // Bad input is refused field by field, every problem at once.
    let e = run(
        &store,
        &scim_only("javascript:alert(1)"),
        &SecretsInput::default(),
        TestDepth::Full,
    )
    .await
    .unwrap_err();
    let EngineError::Validation(v) = e else {
        panic!("{e:?}")
    };
    let url = v.fields.iter().find(|f| f.field == "scim_url").unwrap();
    assert!(
        url.message.contains("only https:// URLs"),
        "{}",
        url.message
    );
    assert!(v.fields.iter().any(|f| f.field == "scim_token"), "{v:?}");
    assert!(v.fields.iter().all(|f| f.field != "name"), "{v:?}");

    // Nothing was stored.
    assert!(connections::list(&store).await.unwrap().is_empty());
}

#[tokio::test]
async fn graph_sign_in_with_a_good_and_a_bad_secret_and_a_certificate() {
    // The identity platform checks the assertion's times against its clock.
    let config = entra_sim::SimConfig {
        client_certificate: Some(sim_certificate()),
        clock: entra_sim::ClockKind::Manual(Some(Utc::now())),
        ..sim_config()
    };
    let sim = entra_sim::Sim::start(config).await.unwrap();
    let info = sim.info();
    let store = Store::open_memory().await.unwrap();

    let input = sim_input(&info, AuthMode::ClientSecret, false);
    let good = SecretsInput {
        client_secret: s(&info.client_secret),
        ..Default::default()
    };
    let r = run(&store, &input, &good, TestDepth::Full).await.unwrap();
    let g = r.graph.as_ref().expect("the sign-in was tested");
    assert!(g.ok, "{}", g.message);
    assert_eq!(g.verdict, Verdict::Ok);
    assert!(r.scim.is_none());
    assert_no_secret(&r, &[&info.client_secret]);

    let bad = SecretsInput {
        client_secret: s("not-the-secret-0a9b8c7d"),
        ..Default::default()
    };
    let r = run(&store, &input, &bad, TestDepth::Full).await.unwrap();
    let g = r.graph.as_ref().unwrap();
    assert!(!g.ok);
    assert_eq!(g.verdict, Verdict::Unauthorized, "{}", g.message);
    assert!(g.message.contains("refused"), "{}", g.message);
    assert_no_secret(&r, &["not-the-secret-0a9b8c7d", &info.client_secret]);

    let input = sim_input(&info, AuthMode::Certificate, false);
    let pem = format!("{}{}", fixture("cert.pem"), fixture("key.pem"));
    let cert = SecretsInput {
        client_certificate: s(&pem),
        ..Default::default()
    };
    let r = run(&store, &input, &cert, TestDepth::Full).await.unwrap();
    let g = r.graph.as_ref().unwrap();
    assert!(g.ok, "{}", g.message);
    let json = serde_json::to_string(&r).unwrap();
    assert!(!json.contains("PRIVATE KEY"), "{json}");

    // Delegated: no unattended sign-in to test; said so.
    let input = sim_input(&info, AuthMode::Delegated, false);
    let r = run(&store, &input, &SecretsInput::default(), TestDepth::Full)
        .await
        .unwrap();
    assert!(r.graph.is_none());
    assert!(r.skipped[0].contains("delegated"), "{:?}", r.skipped);
}

#[tokio::test]
async fn editing_tests_the_stored_token_only_while_the_tenant_url_is_unchanged() {
    let sim = entra_sim::Sim::start(sim_config()).await.unwrap();
    let info = sim.info();
    let store = Store::open_memory().await.unwrap();
    let secrets = MemoryStore::new();
    let mut input = scim_only(&info.scim_url);
    input.name = "Sim".into();
    let saved = connections::add(
        &store,
        &secrets,
        &input,
        &SecretsInput {
            scim_token: s(&info.scim_token),
            ..Default::default()
        },
        Utc::now(),
    )
    .await
    .unwrap();
    let id = saved.connection.id.as_str();
    let none = SecretsInput::default();
    let r = test_unsaved(
        &store,
        &secrets,
        Some(id),
        &input,
        &none,
        TestDepth::Full,
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(r.scim.as_ref().unwrap().verdict, Verdict::Ok);
    assert_no_secret(&r, &[&info.scim_token]);

    // Moved elsewhere: the stored token is not sent there.
    let moved = scim_only(&format!("{}/other", info.scim_url));
    let r = test_unsaved(
        &store,
        &secrets,
        Some(id),
        &moved,
        &none,
        TestDepth::Full,
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(r.scim.is_none());
    assert!(r.skipped[0].contains("old Tenant URL"), "{:?}", r.skipped);
}
