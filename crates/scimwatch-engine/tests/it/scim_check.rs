//! Test Connection verdicts, check storage and token status, against the
//! simulator's built-in SCIM target, a real `scim2-server` and the fixture.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::scim_fixture;

use std::time::Duration;

use base64::Engine as _;
use chrono::Utc;
use entra_sim::{Fault, Sim, SimConfig};
use scim_fixture::{add_connection, engine, with_users, Behaviour, Fixture, TOKEN};
use scimwatch_core::Sensitive;
use scimwatch_engine::scim::test_connection::run_check;
use scimwatch_engine::scim::{
    check_connection, test_token, token_status, ClientConfig, ScimClient, TokenSource, Verdict,
};
use scimwatch_engine::store::scim_checks;

fn tok(s: &str) -> Sensitive<String> {
    Sensitive::new(s.to_string())
}

#[tokio::test]
async fn sim_target_verdicts() {
    let sim = Sim::start(SimConfig::for_tests()).await.unwrap();
    let info = sim.info();

    // A pasted newline and `Bearer ` prefix are cleaned and noted.
    let r = test_token(
        &format!("{}/", info.scim_url),
        &tok(&format!("Bearer {}\n", info.scim_token)),
    )
    .await
    .unwrap();
    assert_eq!(r.verdict, Verdict::Ok, "{}", r.message);
    assert!(r.ok);
    assert_eq!(r.exchanges.len(), 2, "Users and Groups queries");
    assert!(r.exchanges[0]
        .url
        .contains("/Users?filter=userName%20eq%20%22"));
    assert!(r.exchanges[1].url.contains("excludedAttributes=members"));
    assert!(
        r.notes.iter().any(|n| n.contains("Bearer")),
        "{:?}",
        r.notes
    );
    assert!(
        r.notes.iter().any(|n| n.contains("trailing slash")),
        "{:?}",
        r.notes
    );
    let auth = r.exchanges[0]
        .request_headers
        .iter()
        .find(|h| h.name == "Authorization")
        .unwrap();
    assert_eq!(auth.value, "Bearer <redacted>");
    let json = serde_json::to_string(&r).unwrap();
    assert!(
        !json.contains(&info.scim_token),
        "token leaked into the result"
    );

    // Wrong token: 401.
    let r = test_token(&info.scim_url, &tok("not-the-token"))
        .await
        .unwrap();
    assert_eq!(r.verdict, Verdict::Unauthorized);
    assert_eq!(r.http_status, Some(401));
    assert!(
        r.message.contains("expired or was revoked"),
        "{}",
        r.message
    );
    assert!(
        r.message.contains("invalid bearer token"),
        "SCIM detail: {}",
        r.message
    );

    // Wrong path: 404, and the probe finds /scim/v2.
    let r = test_token(sim.base_url(), &tok(&info.scim_token))
        .await
        .unwrap();
    assert_eq!(r.verdict, Verdict::NotFound, "{}", r.message);
    assert_eq!(r.suggested_url.as_deref(), Some(info.scim_url.as_str()));
    assert!(
        r.message.contains("probably needs /scim/v2"),
        "{}",
        r.message
    );

    // Expired token: 401.
    sim.inject(Fault::ScimTokenExpired).unwrap();
    let r = test_token(&info.scim_url, &tok(&info.scim_token))
        .await
        .unwrap();
    assert_eq!(r.verdict, Verdict::Unauthorized);
    sim.clear_faults();

    // A login page.
    sim.inject(Fault::ScimHtmlPage).unwrap();
    let r = test_token(&info.scim_url, &tok(&info.scim_token))
        .await
        .unwrap();
    assert_eq!(r.verdict, Verdict::Html);
    assert!(r.message.contains("login page"), "{}", r.message);
    assert!(r.message.contains("Sign in"), "{}", r.message);
    sim.clear_faults();

    // Plain http to a remote host is refused before any request.
    let e = test_token("http://scim.example.com/scim/v2", &tok("x"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("plain http"), "{e}");
    sim.shutdown().await;
}

#[tokio::test]
async fn fixture_verdicts_500_timeout_unreachable_nonempty() {
    let fx = Fixture::start(with_users(3)).await;
    fx.set(|b| b.status = Some(503));
    let r = test_token(&fx.url, &tok(TOKEN)).await.unwrap();
    assert_eq!(r.verdict, Verdict::ServerError);
    assert!(r.message.contains("failure injected"), "{}", r.message);

    fx.set(|b| {
        b.status = None;
        b.ignore_filter = true;
    });
    let r = test_token(&fx.url, &tok(TOKEN)).await.unwrap();
    assert_eq!(r.verdict, Verdict::NonEmptyResult);

    fx.set(|b| {
        b.ignore_filter = false;
        b.latency = Duration::from_millis(800);
    });
    let client = ScimClient::new(
        &fx.url,
        &tok(TOKEN),
        ClientConfig {
            timeout: Duration::from_millis(200),
            ..ClientConfig::default()
        },
    )
    .unwrap();
    let r = run_check(&client, Utc::now()).await;
    assert_eq!(r.verdict, Verdict::Timeout, "{}", r.message);
    assert_eq!(r.http_status, None);
    assert!(r.exchanges[0].error.is_some());

    // Nothing listening.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let r = test_token(&format!("http://127.0.0.1:{port}/scim"), &tok(TOKEN))
        .await
        .unwrap();
    assert_eq!(r.verdict, Verdict::Unreachable, "{}", r.message);

    // Throttled once: the Retry-After is honoured and the check passes.
    let fx2 = Fixture::start(Behaviour {
        throttle_every: Some(1_000_000),
        ..with_users(2)
    })
    .await;
    fx2.set(|b| b.throttle_every = Some(2));
    let r = test_token(&fx2.url, &tok(TOKEN)).await.unwrap();
    assert!(r.ok, "{}", r.message);
}

#[tokio::test]
async fn stored_checks_and_token_status() {
    let fx = Fixture::start(with_users(2)).await;
    let engine = engine().await;
    // A JWT token: its `exp` is the expiry.
    let exp = Utc::now().timestamp() + 10 * 86_400 + 3600;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let jwt = format!(
        "{}.{}.{}",
        b64.encode(br#"{"alg":"HS256","typ":"JWT"}"#),
        b64.encode(format!(r#"{{"exp":{exp}}}"#)),
        b64.encode(b"sig")
    );
    let conn = add_connection(&engine, "Acme", &fx.url, &jwt).await;
    let now = Utc::now();
    let st = token_status(&engine, &conn, now).await.unwrap();
    assert_eq!(st.source, TokenSource::Jwt);
    assert_eq!(st.days_left, Some(10));
    assert_eq!(st.last_verified_at, None);
    assert_eq!(st.summary, "expires in 10 days");

    // The fixture wants another token: 401, stored.
    let r = check_connection(&engine, &conn, now).await.unwrap();
    assert_eq!(r.verdict, Verdict::Unauthorized);
    let st = token_status(&engine, "acme", now).await.unwrap();
    assert_eq!(st.last_check_verdict, Some(Verdict::Unauthorized));
    assert!(
        st.summary.contains("token expired or revoked"),
        "{}",
        st.summary
    );

    // A connection with the right token: ok, stored with its exchanges.
    let conn2 = add_connection(&engine, "Beta", &fx.url, TOKEN).await;
    let later = now + chrono::Duration::minutes(5);
    let r = check_connection(&engine, &conn2, later).await.unwrap();
    assert!(r.ok, "{}", r.message);
    let st = token_status(&engine, &conn2, later).await.unwrap();
    assert_eq!(st.source, TokenSource::Unknown);
    assert_eq!(
        st.last_verified_at.map(|t| t.timestamp_millis()),
        Some(later.timestamp_millis())
    );
    let row = scimwatch_engine::store::connections::get_by_uuid(engine.store.pool(), &conn2)
        .await
        .unwrap()
        .unwrap();
    let latest = scim_checks::latest(engine.store.pool(), row.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(latest.exchanges.len(), 2);
    let hist = scim_checks::history(engine.store.pool(), row.id, 10)
        .await
        .unwrap();
    assert_eq!(hist.len(), 1);
    assert!(hist[0].ok);
    let (json,): (String,) = sqlx::query_as("SELECT group_concat(exchange_json) FROM scim_checks")
        .fetch_one(engine.store.pool())
        .await
        .unwrap();
    assert!(
        !json.contains(TOKEN) && !json.contains(&jwt),
        "token stored"
    );
    let obs = r.to_observation();
    assert!(obs.ok);
}

#[tokio::test]
async fn scim2_server_passes_test_connection() {
    let server = entra_sim::testing::Scim2Server::start().await.unwrap();
    let r = test_token(&server.base_url, &tok(&server.token))
        .await
        .unwrap();
    assert_eq!(r.verdict, Verdict::Ok, "{} {:?}", r.message, r.exchanges);
    let r = test_token(&server.base_url, &tok("wrong")).await.unwrap();
    assert!(r.verdict.blames_token(), "{:?} {}", r.verdict, r.message);
}

/// A framework's HTML 404 page is not a login page; a 404 for the filter
/// alone is told from a wrong Tenant URL; 400 invalidFilter says what Entra
/// needs (issue 17, defect 13).
#[tokio::test]
async fn not_found_pages_filters_and_login_pages_are_told_apart() {
    async fn check(b: Behaviour) -> scimwatch_engine::scim::CheckResult {
        let fx = Fixture::start(b).await;
        let c = ScimClient::new(&fx.url, &tok(TOKEN), ClientConfig::default()).unwrap();
        run_check(&c, Utc::now()).await
    }
    let r = check(Behaviour {
        html_not_found: true,
        ..with_users(3)
    })
    .await;
    assert_eq!(r.verdict, Verdict::NotFound, "{}", r.message);
    assert!(!r.message.contains("login page"), "{}", r.message);
    assert!(r.message.contains("404 Not Found"), "{}", r.message);

    let r = check(Behaviour {
        html: true,
        ..with_users(3)
    })
    .await;
    assert_eq!(r.verdict, Verdict::Html);
    assert!(
        r.message.starts_with("A login page came back"),
        "{}",
        r.message
    );

    let r = check(Behaviour {
        not_found_for_empty_filter: true,
        ..with_users(3)
    })
    .await;
    // Its own verdict: the URL is right, the server must change.
    assert_eq!(r.verdict, Verdict::FilterNotFound);
    assert!(!r.verdict.blames_url());
    assert!(
        r.message.contains("The Tenant URL is right") && r.message.contains("404 when a filter"),
        "{}",
        r.message
    );
    assert_eq!(r.suggested_url, None);

    let r = check(Behaviour {
        filter_invalid: true,
        ..with_users(3)
    })
    .await;
    assert!(!r.ok);
    assert!(r.message.contains("invalidFilter"), "{}", r.message);
    assert!(!r.message.contains("unexpected answer"), "{}", r.message);
}
