//! The opt-in remediation actions against the simulated tenant: refused
//! without the switch (and without a request), the switch refused while the
//! app lacks Synchronization.ReadWrite.All (with what to do), on after admin
//! consent, then provision on demand and restart — each an audit row with
//! the exact request and no secret.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::graph_support;

use chrono::Utc;
use std::sync::Arc;
use std::time::Duration;

use graph_support::{browser_opener, sim_config, Env};
use scimwatch_core::AuthMode;
use scimwatch_engine::graph::sync::poll_assignments;
use scimwatch_engine::graph::{auth, discover_and_store};
use scimwatch_engine::remediate::{self, Consent, RemediationError};
use scimwatch_engine::signin::{self, Opener, SignInMethod, SignInOptions, SignInPhase};

async fn discovered(mode: AuthMode) -> Env {
    let mut env = Env::start(sim_config(), mode).await;
    let client = env.client();
    if mode == AuthMode::Delegated {
        // The read-only sign-in a delegated connection starts with.
        auth::sign_in_browser(
            client.http(),
            &client.options().http,
            client.target(),
            env.engine.secrets.as_ref(),
            browser_opener(),
            std::time::Duration::from_secs(20),
        )
        .await
        .unwrap();
    }
    discover_and_store(env.store(), &client, &env.row, 1_000)
        .await
        .unwrap();
    env.reload().await;
    poll_assignments(&client, env.store(), &env.ids(), 2_000)
        .await
        .unwrap();
    env
}

fn in_scope_upn(env: &Env) -> (String, String) {
    env.sim.with_tenant(|t| {
        let scope = t.users_in_scope();
        let u = t.users.iter().zip(scope).find(|(_, s)| *s).unwrap().0;
        (u.user_principal_name.clone(), u.id.to_string())
    })
}

/// No secret the connection holds may appear in what is stored.
async fn assert_no_secret(env: &Env) {
    let rows: Vec<(String, Option<String>, String, Option<String>)> =
        sqlx::query_as("SELECT url, request_body, summary, result_json FROM remediation_audit")
            .fetch_all(env.store().pool())
            .await
            .unwrap();
    assert!(!rows.is_empty());
    for (a, b, c, d) in rows {
        let all = format!("{a}{}{c}{}", b.unwrap_or_default(), d.unwrap_or_default());
        assert!(
            !all.contains(&env.info.client_secret),
            "client secret in {all}"
        );
        assert!(!all.contains(&env.info.scim_token), "SCIM token in {all}");
        assert!(!all.contains("eyJ"), "a token in {all}");
    }
}

fn accept_admin_consent(env: &Env) -> impl std::future::Future<Output = ()> {
    let url = format!(
        "{}/{}/adminconsent/decide?decision=accept&client_id={}",
        env.info.login_url, env.info.tenant_id, env.info.client_id
    );
    async move {
        let r = reqwest::get(url).await.unwrap();
        assert!(r.status().is_success());
    }
}

#[tokio::test]
async fn switch_off_refuses_without_a_request() {
    let env = discovered(AuthMode::ClientSecret).await;
    let (upn, _) = in_scope_upn(&env);
    let before = env.sim.graph_requests().len();
    let e = remediate::provision_on_demand(&env.engine, &env.row.uuid, &upn, None, Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(e, RemediationError::SwitchOff(_)), "{e}");
    assert!(e.to_string().contains("--enable"), "{e}");
    let e = remediate::restart(
        &env.engine,
        &env.row.uuid,
        &["QuarantineState".into()],
        None,
        Utc::now(),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, RemediationError::SwitchOff(_)), "{e}");
    assert_eq!(env.sim.graph_requests().len(), before, "nothing was sent");
    let st = remediate::status(&env.engine, &env.row.uuid).await.unwrap();
    assert!(!st.enabled && st.available && st.actions.is_empty());
    assert!(st
        .portal
        .admin_consent
        .as_deref()
        .unwrap()
        .contains("/adminconsent?client_id="));
}

#[tokio::test]
async fn app_without_the_permission_is_refused_then_consented_acts_and_audits() {
    let env = discovered(AuthMode::ClientSecret).await;
    let id = env.row.uuid.clone();
    // The app holds only the read permissions: refused, with what to do.
    let e = remediate::enable(&env.engine, &id, Consent::Stored, Utc::now())
        .await
        .unwrap_err();
    let RemediationError::PermissionMissing(msg) = &e else {
        panic!("{e}")
    };
    assert!(
        msg.contains("lacks the application permission Synchronization.ReadWrite.All"),
        "{msg}"
    );
    assert!(msg.contains("Grant admin consent"), "{msg}");
    assert!(
        msg.contains("Authorization_RequestDenied"),
        "Graph's words: {msg}"
    );
    let st = remediate::status(&env.engine, &id).await.unwrap();
    assert!(!st.enabled);
    assert_eq!(st.actions[0].outcome, "refused");
    assert_eq!(st.actions[0].http_status, Some(403));

    // An administrator grants it (admin consent); the check now passes.
    accept_admin_consent(&env).await;
    let st = remediate::enable(&env.engine, &id, Consent::Stored, Utc::now())
        .await
        .unwrap();
    assert!(st.enabled, "{st:?}");
    assert!(
        st.evidence.as_deref().unwrap().contains("HTTP 204"),
        "{st:?}"
    );

    // Provision on demand: preview, then send exactly that.
    let (upn, user_id) = in_scope_upn(&env);
    let call = remediate::preview_on_demand(&env.engine, &id, &upn)
        .await
        .unwrap();
    assert_eq!(call.method, "POST");
    assert!(call.url.ends_with(&format!(
        "/v1.0/servicePrincipals/{}/synchronization/jobs/{}/provisionOnDemand",
        env.info.service_principal_id, env.info.job_id
    )));
    let body: serde_json::Value = serde_json::from_str(&call.body).unwrap();
    assert_eq!(
        body["parameters"][0]["subjects"][0]["objectId"],
        user_id.as_str()
    );
    assert_eq!(
        body["parameters"][0]["subjects"][0]["objectTypeName"],
        "User"
    );
    let out = remediate::provision_on_demand(&env.engine, &id, &upn, Some(&call), Utc::now())
        .await
        .unwrap();
    assert_eq!(out.result.result, "Success");
    assert_eq!(out.result.action.as_deref(), Some("Create"));
    let titles: Vec<&str> = out.result.steps.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Import user",
            "Match user between source and target system",
            "Determine if user is in scope",
            "Perform action"
        ]
    );
    assert!(env
        .sim
        .scim_contents()
        .0
        .iter()
        .any(|u| u["userName"] == upn.as_str()));

    // A call that changed since it was confirmed is not sent.
    let mut stale = call.clone();
    stale.body = stale
        .body
        .replace(&user_id, "00000000-0000-0000-0000-000000000000");
    let e = remediate::provision_on_demand(&env.engine, &id, &upn, Some(&stale), Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(e, RemediationError::Input(_)), "{e}");

    // Restart with the chosen scope.
    let scope = vec![
        "QuarantineState".to_string(),
        "watermark".into(),
        "Escrows".into(),
    ];
    let call = remediate::preview_restart(&env.engine, &id, &scope)
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_str(&call.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"criteria": {"resetScope": "Watermark, Escrows, QuarantineState"}})
    );
    let r = remediate::restart(&env.engine, &id, &scope, Some(&call), Utc::now())
        .await
        .unwrap();
    assert_eq!(r.http_status, 204);

    let actions = remediate::actions(&env.engine, &id, 50).await.unwrap();
    let kinds: Vec<(&str, &str)> = actions
        .iter()
        .map(|a| (a.action.as_str(), a.outcome.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("restart", "success"),
            ("provision_on_demand", "success"),
            ("enable", "success"),
            ("enable", "refused"),
        ]
    );
    let pod = &actions[1];
    assert_eq!(pod.method, "POST");
    assert!(pod.request_body.as_deref().unwrap().contains(&user_id));
    assert!(pod.actor.contains("application"), "{}", pod.actor);
    assert_no_secret(&env).await;

    // Off again: read-only, refused without a request.
    let st = remediate::disable(&env.engine, &id, Utc::now())
        .await
        .unwrap();
    assert!(!st.enabled);
    let e = remediate::preview_restart(&env.engine, &id, &scope)
        .await
        .unwrap_err();
    assert!(matches!(e, RemediationError::SwitchOff(_)));
}

#[tokio::test]
async fn a_delegated_sign_in_consents_to_the_write_permission() {
    let env = discovered(AuthMode::Delegated).await;
    let id = env.row.uuid.clone();
    let opener = browser_opener();
    let open = move |u: &str| opener(u);
    let st = remediate::enable(
        &env.engine,
        &id,
        Consent::Browser {
            opener: &open,
            wait: std::time::Duration::from_secs(20),
        },
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(st.enabled);
    assert!(
        st.evidence
            .as_deref()
            .unwrap()
            .contains("signed-in account consented"),
        "{st:?}"
    );
    let (upn, _) = in_scope_upn(&env);
    let out = remediate::provision_on_demand(&env.engine, &id, &upn, None, Utc::now())
        .await
        .unwrap();
    assert_eq!(out.result.result, "Success");
    assert!(out.result.steps.iter().all(|s| !s.status.is_empty()));
    assert_no_secret(&env).await;
}

/// The app's way (issue 18): the switch refused for the missing consent,
/// then an in-app sign-in (device code) asking for the write permission,
/// approved, and the switch goes on with the stored sign-in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_in_app_sign_in_asking_for_the_write_permission_lets_the_switch_on() {
    let env = discovered(AuthMode::Delegated).await;
    let id = env.row.uuid.clone();

    // Signed in read-only: the stored sign-in has no write consent.
    let e = remediate::enable(&env.engine, &id, Consent::Stored, Utc::now())
        .await
        .unwrap_err();
    let RemediationError::ConsentMissing(msg) = &e else {
        panic!("{e}")
    };
    assert!(
        msg.contains("has not consented to Synchronization.ReadWrite.All"),
        "{msg}"
    );
    // The app's way first, the CLI second.
    let app = msg.find("Sign in and consent").expect(msg);
    let cli = msg.find("scimwatch-cli remediation").expect(msg);
    assert!(app < cli, "{msg}");
    // The UI offers "Sign in and consent…" on this kind only.
    assert_eq!(
        scimwatch_core::CommandError::from(e).kind,
        scimwatch_core::ErrorKind::Consent
    );
    let st = remediate::status(&env.engine, &id).await.unwrap();
    assert!(!st.enabled, "{st:?}");

    let opts = SignInOptions {
        browser_wait: Duration::from_secs(20),
        device_code_wait: Duration::from_secs(20),
        // The simulator answers `slow_down` to polls under a second apart.
        device_poll: Some(Duration::from_millis(1100)),
        extra: vec![remediate::WRITE_PERMISSION.to_string()],
        client: env.options(Duration::from_millis(20)),
    };
    let no_browser: Opener = Arc::new(|_: &str| Err("no browser".to_string()));
    let started = signin::start(&env.engine, &id, SignInMethod::DeviceCode, no_browser, opts)
        .await
        .unwrap();
    assert_eq!(
        started.extra_permissions,
        ["Synchronization.ReadWrite.All"],
        "the session says what it asks for"
    );
    let code = started.device_code.expect("the code to type").user_code;
    let url = format!("{}/_sim/devicecode/{code}/approve", env.sim.base_url());
    let r = reqwest::Client::new().post(&url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 204, "{url}");
    let done = signin::wait(&env.engine, &id, Duration::from_secs(15))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.phase, SignInPhase::Succeeded, "{done:?}");

    let st = remediate::enable(&env.engine, &id, Consent::Stored, Utc::now())
        .await
        .unwrap();
    assert!(st.enabled, "{st:?}");
    assert!(
        st.evidence
            .as_deref()
            .unwrap()
            .contains("signed-in account consented"),
        "{st:?}"
    );
    let row = &st.actions[0];
    assert_eq!(
        (row.action.as_str(), row.outcome.as_str()),
        ("enable", "success"),
        "{row:?}"
    );
    assert_eq!(row.http_status, Some(204), "{row:?}");
    assert_no_secret(&env).await;
}

#[tokio::test]
async fn throttling_is_reported_with_when_to_retry_and_audited() {
    let env = discovered(AuthMode::ClientSecret).await;
    let id = env.row.uuid.clone();
    accept_admin_consent(&env).await;
    remediate::enable(&env.engine, &id, Consent::Stored, Utc::now())
        .await
        .unwrap();
    let (upn, _) = in_scope_upn(&env);
    let mut last = None;
    for _ in 0..6 {
        last = Some(remediate::provision_on_demand(&env.engine, &id, &upn, None, Utc::now()).await);
    }
    let e = last.unwrap().unwrap_err();
    assert!(matches!(e, RemediationError::Throttled(_)), "{e}");
    assert!(e.to_string().contains("5 requests per 10 seconds"), "{e}");
    let actions = remediate::actions(&env.engine, &id, 1).await.unwrap();
    assert_eq!(actions[0].http_status, Some(429));
}
