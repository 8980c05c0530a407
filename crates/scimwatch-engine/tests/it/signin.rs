//! In-app sign-in of a delegated connection (issue 18) against the
//! simulated tenant: the device code approved and declined through the
//! simulator's control endpoint, the browser flow completed by a test
//! "browser" that follows the URL, Cancel, and what the session (what
//! crosses IPC) may hold.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::graph_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use graph_support::{sim_config, Env};
use scimwatch_core::AuthMode;
use scimwatch_engine::graph::sync::poll_job;
use scimwatch_engine::graph::GraphError;
use scimwatch_engine::poller::stream_health::record_failed;
use scimwatch_engine::poller::Stream;
use scimwatch_engine::secrets::{SecretKey, SecretKind};
use scimwatch_engine::signin::{
    self, Opener, SignInFailureKind, SignInMethod, SignInOptions, SignInPhase, SignInSession,
};

fn options(env: &Env) -> SignInOptions {
    SignInOptions {
        browser_wait: Duration::from_secs(20),
        device_code_wait: Duration::from_secs(20),
        // The simulator answers `slow_down` to polls under a second apart.
        device_poll: Some(Duration::from_millis(1100)),
        extra: Vec::new(),
        client: env.options(Duration::from_millis(20)),
    }
}

fn no_browser() -> Opener {
    Arc::new(|_: &str| Err("no browser on this machine".to_string()))
}

fn refresh_key(env: &Env) -> SecretKey {
    SecretKey::new(&env.row.uuid, SecretKind::RefreshToken)
}

/// `POST /_sim/devicecode/{code}/{decision}`, as the e2e test does it.
async fn decide(env: &Env, code: &str, decision: &str) {
    let url = format!("{}/_sim/devicecode/{code}/{decision}", env.sim.base_url());
    let r = reqwest::Client::new().post(&url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 204, "{url}");
}

/// The session as the UI receives it, with the keys it may have.
fn ipc_json(s: &SignInSession) -> String {
    let text = serde_json::to_string(s).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "browser_error",
            "browser_opened",
            "connection_id",
            "deadline",
            "device_code",
            "extra_permissions",
            "failure",
            "finished_at",
            "method",
            "phase",
            "sign_in_url",
            "started_at"
        ],
        "a new field in the session: make sure it can never hold a secret"
    );
    if let Some(dc) = v["device_code"].as_object() {
        let mut k: Vec<&str> = dc.keys().map(String::as_str).collect();
        k.sort_unstable();
        assert_eq!(k, ["message", "user_code", "verification_uri"]);
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_code_approved_stores_the_sign_in_and_graph_works() {
    let env = Env::start(sim_config(), AuthMode::Delegated).await;
    let id = env.row.uuid.clone();
    let client = env.client();

    // Never signed in: that is `signed_in: false`, not a refusal.
    let pool = env.store().pool();
    let e = poll_job(&client, env.store(), &env.ids(), 1)
        .await
        .unwrap_err();
    assert!(matches!(e, GraphError::NotSignedIn(_)), "{e}");
    record_failed(
        pool,
        env.row.id,
        Stream::GraphJob,
        &e,
        Duration::from_secs(60),
        Utc::now(),
    )
    .await;
    let never = signin::status(&env.engine, &id).await.unwrap();
    assert!(never.delegated && !never.signed_in, "{never:?}");
    assert!(never.problem.is_none(), "{never:?}");

    // A stored sign-in Microsoft refuses (expired, revoked): the poller's
    // refusal, recorded before the new sign-in, is the card's problem.
    env.engine
        .secrets
        .set(
            &refresh_key(&env),
            &scimwatch_core::Sensitive::new("1.sim.revoked".to_string()),
        )
        .unwrap();
    let e = poll_job(&client, env.store(), &env.ids(), 1)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("no longer valid"), "{e}");
    record_failed(
        pool,
        env.row.id,
        Stream::GraphJob,
        &e,
        Duration::from_secs(60),
        Utc::now(),
    )
    .await;
    let before = signin::status(&env.engine, &id).await.unwrap();
    assert!(before.signed_in, "{before:?}");
    let problem = before.problem.clone().unwrap_or_default();
    assert!(problem.contains("AADSTS"), "{before:?}");
    assert!(
        !problem.contains('\r') && !problem.contains("Trace ID"),
        "{problem}"
    );
    assert!(before.session.is_none());

    let started = signin::start(
        &env.engine,
        &id,
        SignInMethod::DeviceCode,
        no_browser(),
        options(&env),
    )
    .await
    .unwrap();
    assert_eq!(started.phase, SignInPhase::Waiting);
    let shown = started.device_code.clone().expect("the code to type");
    assert!(shown.message.contains(&shown.user_code), "{shown:?}");
    assert!(
        shown.verification_uri.ends_with("/devicelogin"),
        "{shown:?}"
    );
    assert!(started.browser_opened.is_none() && started.sign_in_url.is_none());
    assert!(
        started.extra_permissions.is_empty(),
        "a plain sign-in asks for nothing more"
    );

    decide(&env, &shown.user_code, "approve").await;
    let done = signin::wait(&env.engine, &id, Duration::from_secs(15))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.phase, SignInPhase::Succeeded, "{done:?}");
    assert!(done.failure.is_none() && done.finished_at.is_some());

    // Stored where the CLI stores it, and Graph answers with it.
    let rt = env.engine.secrets.get(&refresh_key(&env)).unwrap().unwrap();
    let json = ipc_json(&done);
    assert!(!json.contains(rt.expose().as_str()), "{json}");
    poll_job(&env.client(), env.store(), &env.ids(), 1)
        .await
        .unwrap();

    // The refusal recorded before this sign-in is no longer current.
    let after = signin::status(&env.engine, &id).await.unwrap();
    assert!(after.signed_in, "{after:?}");
    assert!(after.problem.is_none(), "{after:?}");
    assert!(after.last_sign_in.is_some_and(|t| t >= started.started_at));
    assert_eq!(after.session.map(|s| s.phase), Some(SignInPhase::Succeeded));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_code_declined_fails_with_microsofts_message() {
    let env = Env::start(sim_config(), AuthMode::Delegated).await;
    let id = env.row.uuid.clone();
    let started = signin::start(
        &env.engine,
        &id,
        SignInMethod::DeviceCode,
        no_browser(),
        options(&env),
    )
    .await
    .unwrap();
    let code = started.device_code.unwrap().user_code;
    decide(&env, &code, "decline").await;
    let done = signin::wait(&env.engine, &id, Duration::from_secs(15))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.phase, SignInPhase::Failed, "{done:?}");
    let f = done.failure.clone().unwrap();
    assert_eq!(f.kind, SignInFailureKind::Declined, "{f:?}");
    assert_eq!(f.aadsts, Some(70000), "{f:?}");
    assert_eq!(f.error.as_deref(), Some("authorization_declined"));
    // Microsoft's text, on one line, without its trace lines.
    assert_eq!(f.message, "The user declined the authorization request.");
    assert!(env
        .engine
        .secrets
        .get(&refresh_key(&env))
        .unwrap()
        .is_none());
    let json = ipc_json(&done);
    assert!(
        !json.contains("\\r") && !json.contains("\\n") && !json.contains("Trace ID"),
        "{json}"
    );
    let status = signin::status(&env.engine, &id).await.unwrap();
    assert!(
        !status.signed_in && status.last_sign_in.is_none(),
        "{status:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_ends_the_sign_in_and_stores_nothing() {
    let env = Env::start(sim_config(), AuthMode::Delegated).await;
    let id = env.row.uuid.clone();
    let started = signin::start(
        &env.engine,
        &id,
        SignInMethod::DeviceCode,
        no_browser(),
        options(&env),
    )
    .await
    .unwrap();
    let code = started.device_code.unwrap().user_code;
    let cancelled = signin::cancel(&env.engine, &id).await.unwrap().unwrap();
    assert_eq!(cancelled.phase, SignInPhase::Cancelled);
    assert!(cancelled.finished_at.is_some());

    // Approving the code now changes nothing: nobody polls it any more.
    decide(&env, &code, "approve").await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(env
        .engine
        .secrets
        .get(&refresh_key(&env))
        .unwrap()
        .is_none());
    let s = signin::status(&env.engine, &id).await.unwrap();
    assert_eq!(s.session.map(|s| s.phase), Some(SignInPhase::Cancelled));
    assert!(!s.signed_in && s.last_sign_in.is_none());
}

/// Plays the system browser: loads the sign-in page, accepts, and follows
/// the redirect back to the loopback listener; keeps the authorization code
/// it saw so the test can look for it.
fn test_browser(seen_code: Arc<Mutex<Option<String>>>, decision: &'static str) -> Opener {
    Arc::new(move |url: &str| {
        let url = url.to_string();
        let seen = seen_code.clone();
        tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            let page = http.get(&url).send().await.unwrap().text().await.unwrap();
            let marker = format!("id=\"{decision}\" href=\"");
            let start = page.find(&marker).expect("consent link") + marker.len();
            let end = start + page[start..].find('"').unwrap();
            let link = page[start..end].replace("&amp;", "&");
            let resp = http.get(&link).send().await.unwrap();
            let location = resp.headers()["location"].to_str().unwrap().to_string();
            let back = url::Url::parse(&location).unwrap();
            if let Some((_, code)) = back.query_pairs().find(|(k, _)| k == "code") {
                *seen.lock().unwrap() = Some(code.to_string());
            }
            let answer = http.get(back.as_str()).send().await.unwrap();
            assert!(answer.status().is_success(), "{}", answer.status());
        });
        Ok(())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_sign_in_completed_by_a_test_browser() {
    let env = Env::start(sim_config(), AuthMode::Delegated).await;
    let id = env.row.uuid.clone();
    let seen = Arc::new(Mutex::new(None));
    let started = signin::start(
        &env.engine,
        &id,
        SignInMethod::Browser,
        test_browser(seen.clone(), "accept"),
        options(&env),
    )
    .await
    .unwrap();
    assert_eq!(started.browser_opened, Some(true));
    let url = url::Url::parse(started.sign_in_url.as_deref().unwrap()).unwrap();
    let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(
        q.get("code_challenge_method").map(String::as_str),
        Some("S256")
    );
    assert!(!q.contains_key("code_verifier"), "{url}");

    let done = signin::wait(&env.engine, &id, Duration::from_secs(15))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.phase, SignInPhase::Succeeded, "{done:?}");
    let rt = env.engine.secrets.get(&refresh_key(&env)).unwrap().unwrap();
    let code = seen
        .lock()
        .unwrap()
        .clone()
        .expect("the browser saw the code");
    let json = ipc_json(&done);
    assert!(!json.contains(rt.expose().as_str()), "{json}");
    assert!(!json.contains(&code), "{json}");
    poll_job(&env.client(), env.store(), &env.ids(), 1)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_consent_declined_is_said_with_its_aadsts_code() {
    let env = Env::start(sim_config(), AuthMode::Delegated).await;
    let id = env.row.uuid.clone();
    let seen = Arc::new(Mutex::new(None));
    signin::start(
        &env.engine,
        &id,
        SignInMethod::Browser,
        test_browser(seen, "cancel"),
        options(&env),
    )
    .await
    .unwrap();
    let done = signin::wait(&env.engine, &id, Duration::from_secs(15))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.phase, SignInPhase::Failed, "{done:?}");
    let f = done.failure.unwrap();
    assert_eq!(f.kind, SignInFailureKind::ConsentDeclined, "{f:?}");
    assert_eq!(f.aadsts, Some(65004));
    assert_eq!(f.message, "User declined to consent to access the app.");
    assert!(env
        .engine
        .secrets
        .get(&refresh_key(&env))
        .unwrap()
        .is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_browser_keeps_the_url_to_copy_and_times_out() {
    let env = Env::start(sim_config(), AuthMode::Delegated).await;
    let id = env.row.uuid.clone();
    let opts = SignInOptions {
        browser_wait: Duration::from_secs(1),
        ..options(&env)
    };
    let started = signin::start(&env.engine, &id, SignInMethod::Browser, no_browser(), opts)
        .await
        .unwrap();
    assert_eq!(started.browser_opened, Some(false));
    assert_eq!(
        started.browser_error.as_deref(),
        Some("no browser on this machine")
    );
    assert!(started
        .sign_in_url
        .as_deref()
        .is_some_and(|u| u.contains("/oauth2/v2.0/authorize?")));
    let done = signin::wait(&env.engine, &id, Duration::from_secs(10))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.phase, SignInPhase::TimedOut, "{done:?}");
    assert_eq!(
        done.failure.map(|f| f.kind),
        Some(SignInFailureKind::TimedOut)
    );
}

#[tokio::test]
async fn an_unattended_connection_has_no_interactive_sign_in() {
    let env = Env::start(sim_config(), AuthMode::ClientSecret).await;
    let e = signin::start(
        &env.engine,
        &env.row.uuid,
        SignInMethod::DeviceCode,
        no_browser(),
        options(&env),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("client secret"), "{e}");
    let s = signin::status(&env.engine, &env.row.uuid).await.unwrap();
    assert!(!s.delegated && s.session.is_none());
}
