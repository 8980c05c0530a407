//! Certificate client credentials against the simulated identity platform:
//! the signed assertion is accepted, Graph answers, and every way it can go
//! wrong reads as a specific, secret-free error.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use crate::graph_support;

use chrono::Utc;
use graph_support::{fixture, sim_certificate, sim_config, Env};
use scimwatch_core::{AuthMode, Sensitive};
use scimwatch_engine::connections::{self, SecretsInput};
use scimwatch_engine::secrets::{SecretKey, SecretKind};

fn cert_config() -> entra_sim::SimConfig {
    // The identity platform checks the assertion's times against its clock.
    entra_sim::SimConfig {
        client_certificate: Some(sim_certificate()),
        clock: entra_sim::ClockKind::Manual(Some(Utc::now())),
        ..sim_config()
    }
}

#[tokio::test]
async fn certificate_sign_in_reads_graph() {
    let env = Env::start(cert_config(), AuthMode::Certificate).await;
    let client = env.client();
    let token = client.access_token().await.unwrap();
    assert!(!token.expose().is_empty());
    // A real Graph read with that token.
    let found =
        scimwatch_engine::graph::discovery::discover_app(&client, &env.info.app_display_name)
            .await
            .unwrap();
    assert!(format!("{found:?}").contains(&env.info.app_display_name));
    // The PEM is in the secret store, not the secret kind of another mode.
    let s = env.engine.secrets.as_ref();
    assert!(s
        .get(&SecretKey::new(
            &env.row.uuid,
            SecretKind::ClientCertificate
        ))
        .unwrap()
        .is_some());
    assert!(s
        .get(&SecretKey::new(&env.row.uuid, SecretKind::ClientSecret))
        .unwrap()
        .is_none());
    env.sim.shutdown().await;
}

#[tokio::test]
async fn clock_skew_is_named() {
    // This machine's clock is two hours ahead of the identity platform's.
    let cfg = entra_sim::SimConfig {
        clock: entra_sim::ClockKind::Manual(Some(Utc::now() - chrono::Duration::hours(2))),
        ..cert_config()
    };
    let env = Env::start(cfg, AuthMode::Certificate).await;
    let e = env.client().access_token().await.unwrap_err().to_string();
    assert!(
        e.contains("700024") && e.contains("computer's clock"),
        "{e}"
    );
    env.sim.shutdown().await;
}

#[tokio::test]
async fn unregistered_certificate_is_a_specific_error() {
    // The tenant knows no certificate for the app.
    let env = Env::start(sim_config(), AuthMode::Certificate).await;
    let e = env.client().access_token().await.unwrap_err().to_string();
    assert!(
        e.contains("700027") && e.contains("Certificates & secrets"),
        "{e}"
    );
    assert!(!e.contains("BEGIN") && !e.contains("MII"), "{e}");
    env.sim.shutdown().await;
}

#[tokio::test]
async fn switching_sign_in_mode_replaces_the_stored_credential() {
    let env = Env::start(cert_config(), AuthMode::ClientSecret).await;
    let info = env.info.clone();
    let s = env.engine.secrets.clone();
    let key = |k| SecretKey::new(&env.row.uuid, k);
    assert!(s.get(&key(SecretKind::ClientSecret)).unwrap().is_some());
    let mut input = graph_support::sim_input(&info, AuthMode::Certificate, false);
    // Certificate mode without a certificate: the stored secret does not count.
    let e = connections::update(
        &env.engine.store,
        s.as_ref(),
        &env.row.uuid,
        &input,
        &SecretsInput::default(),
        Utc::now(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(e.contains("certificate"), "{e}");

    // A key that does not belong to the certificate: refused, nothing stored.
    let e = connections::update(
        &env.engine.store,
        s.as_ref(),
        &env.row.uuid,
        &input,
        &SecretsInput {
            client_certificate: Some(Sensitive::new(format!(
                "{}{}",
                fixture("cert.pem"),
                fixture("other-key.pem")
            ))),
            ..Default::default()
        },
        Utc::now(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(e.contains("does not belong"), "{e}");
    assert!(s
        .get(&key(SecretKind::ClientCertificate))
        .unwrap()
        .is_none());

    let saved = connections::update(
        &env.engine.store,
        s.as_ref(),
        &env.row.uuid,
        &input,
        &SecretsInput {
            client_certificate: Some(Sensitive::new(format!(
                "{}{}",
                fixture("cert.pem"),
                fixture("key-pkcs1.pem")
            ))),
            ..Default::default()
        },
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(
        saved.notes.iter().any(|n| n.contains("thumbprint")),
        "{:?}",
        saved.notes
    );
    assert!(s
        .get(&key(SecretKind::ClientCertificate))
        .unwrap()
        .is_some());
    assert!(s.get(&key(SecretKind::ClientSecret)).unwrap().is_none());

    // Back to a secret: the certificate goes.
    input.auth_mode = AuthMode::ClientSecret;
    connections::update(
        &env.engine.store,
        s.as_ref(),
        &env.row.uuid,
        &input,
        &SecretsInput {
            client_secret: Some(Sensitive::new(info.client_secret.clone())),
            ..Default::default()
        },
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(s
        .get(&key(SecretKind::ClientCertificate))
        .unwrap()
        .is_none());
    assert!(s.get(&key(SecretKind::ClientSecret)).unwrap().is_some());
    env.sim.shutdown().await;
}
