//! Sign-in endpoints and Graph's 401/403 answers.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::time::Duration;

use base64::Engine as _;
use entra_sim::{Sim, SimConfig};
use serde_json::Value;
use sha2::Digest as _;

async fn post_form(url: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(url)
        .form(form)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn sign_in_flows_and_scope_checks() {
    let sim = Sim::start(SimConfig {
        require_auth: true,
        ..SimConfig::for_tests()
    })
    .await
    .unwrap();
    let i = sim.info();
    let token_url = format!("{}/{}/oauth2/v2.0/token", i.login_url, i.tenant_id);
    let jobs = format!(
        "{}/v1.0/servicePrincipals/{}/synchronization/jobs",
        i.graph_url, i.service_principal_id
    );
    let c = reqwest::Client::new();

    // no token: 401 InvalidAuthenticationToken
    let r = c.get(&jobs).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert!(r.headers().get("www-authenticate").is_some());

    // client credentials
    let (s, e) = post_form(
        &token_url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &i.client_id),
            ("client_secret", "wrong"),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await;
    assert_eq!((s, e["error"].as_str()), (401, Some("invalid_client")));
    assert_eq!(e["error_codes"][0], 7000215);
    // As real Entra: `\r\n` before the trace lines (issue 17, defect 1).
    let d = e["error_description"].as_str().unwrap();
    assert!(d.starts_with("AADSTS7000215: "), "{d}");
    for tail in ["\r\nTrace ID: ", "\r\nCorrelation ID: ", "\r\nTimestamp: "] {
        assert!(d.contains(tail), "{tail:?} in {d:?}");
    }
    let (s, e) = post_form(
        &token_url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &i.client_id),
            ("client_secret", &i.client_secret),
            ("scope", "User.Read"),
        ],
    )
    .await;
    assert_eq!((s, e["error"].as_str()), (400, Some("invalid_scope")));
    let (s, t) = post_form(
        &token_url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &i.client_id),
            ("client_secret", &i.client_secret),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await;
    assert_eq!(s, 200, "{t}");
    let at = t["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        c.get(&jobs)
            .bearer_auth(&at)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    // a write action needs Synchronization.ReadWrite.All: 403
    let start = format!(
        "{}/v1.0/servicePrincipals/{}/synchronization/jobs/{}/start",
        i.graph_url, i.service_principal_id, i.job_id
    );
    let r = c.post(&start).bearer_auth(&at).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    // expiry on the simulated clock
    sim.advance(Duration::from_secs(3700)).await.unwrap();
    let r = c.get(&jobs).bearer_auth(&at).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert!(r.text().await.unwrap().contains("expired"));

    // auth code + PKCE (prompt=none redirects straight back; the consent page otherwise)
    let verifier = "a-very-long-verifier-string-for-pkce-0123456789abcdef";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let auth_url = format!(
        "{}/{}/oauth2/v2.0/authorize?client_id={}&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A5555%2Fcb&scope=https%3A%2F%2Fgraph.microsoft.com%2FSynchronization.Read.All%20offline_access&state=xyz&code_challenge={challenge}&code_challenge_method=S256",
        i.login_url, i.tenant_id, i.client_id
    );
    let page = no_redirect
        .get(&auth_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let accept = page
        .split("id=\"accept\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let r = no_redirect.get(&accept).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 302);
    let loc = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let code: String = loc
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    assert_eq!(
        loc.query_pairs().find(|(k, _)| k == "state").unwrap().1,
        "xyz"
    );
    let (s, e) = post_form(
        &token_url,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &i.client_id),
            ("code", &code),
            ("redirect_uri", "http://localhost:5555/cb"),
            ("code_verifier", "wrong"),
        ],
    )
    .await;
    assert_eq!((s, e["error_codes"][0].as_i64()), (400, Some(501481)));
    let r = no_redirect
        .get(format!("{auth_url}&prompt=none"))
        .send()
        .await
        .unwrap();
    let loc = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let code: String = loc
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let (s, t) = post_form(
        &token_url,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &i.client_id),
            ("code", &code),
            ("redirect_uri", "http://localhost:5555/cb"),
            ("code_verifier", verifier),
        ],
    )
    .await;
    assert_eq!(s, 200, "{t}");
    let at = t["access_token"].as_str().unwrap();
    assert_eq!(
        c.get(&jobs)
            .bearer_auth(at)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    // delegated token without AuditLog.Read.All: 403 on the logs
    let r = c
        .get(format!("{}/v1.0/auditLogs/provisioning", i.graph_url))
        .bearer_auth(at)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    // code reuse
    let (s, e) = post_form(
        &token_url,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &i.client_id),
            ("code", &code),
            ("redirect_uri", "http://localhost:5555/cb"),
            ("code_verifier", verifier),
        ],
    )
    .await;
    assert_eq!((s, e["error_codes"][0].as_i64()), (400, Some(54005)));

    // refresh with rotation
    let rt1 = t["refresh_token"].as_str().unwrap().to_string();
    let (s, t2) = post_form(
        &token_url,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &i.client_id),
            ("refresh_token", &rt1),
        ],
    )
    .await;
    assert_eq!(s, 200);
    let rt2 = t2["refresh_token"].as_str().unwrap();
    assert_ne!(rt1, rt2);
    let (s, e) = post_form(
        &token_url,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &i.client_id),
            ("refresh_token", &rt1),
        ],
    )
    .await;
    assert_eq!((s, e["error"].as_str()), (400, Some("invalid_grant")));

    // device code
    let (s, d) = post_form(
        &format!("{}/{}/oauth2/v2.0/devicecode", i.login_url, i.tenant_id),
        &[
            ("client_id", &i.client_id),
            (
                "scope",
                "https://graph.microsoft.com/.default offline_access",
            ),
        ],
    )
    .await;
    assert_eq!(s, 200);
    for k in [
        "device_code",
        "user_code",
        "verification_uri",
        "expires_in",
        "interval",
        "message",
    ] {
        assert!(!d[k].is_null(), "{k}");
    }
    let dc = d["device_code"].as_str().unwrap();
    let grant = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("client_id", i.client_id.as_str()),
        ("device_code", dc),
    ];
    let (s, e) = post_form(&token_url, &grant).await;
    assert_eq!(
        (s, e["error"].as_str()),
        (400, Some("authorization_pending"))
    );
    let (_, e) = post_form(&token_url, &grant).await;
    assert_eq!(e["error"], "slow_down");
    assert!(sim.approve_device_code(d["user_code"].as_str().unwrap()));
    let (s, t) = post_form(&token_url, &grant).await;
    assert_eq!(s, 200, "{t}");
    let r = c
        .get(format!("{}/v1.0/auditLogs/provisioning", i.graph_url))
        .bearer_auth(t["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let (s, e) = post_form(
        &token_url,
        &[("grant_type", "password"), ("client_id", &i.client_id)],
    )
    .await;
    assert_eq!(
        (s, e["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    sim.shutdown().await;
}
