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

// ---- Replaying real bodies over HTTP -------------------------------------

/// A loopback server answering each request with the first route whose
/// path fragment the request target contains (`status`, JSON body); the
/// token endpoint hands out a token unless a route says otherwise; anything
/// else is 404.
struct Replay {
    url: String,
}

type Routes = Vec<(&'static str, u16, String)>;

impl Replay {
    async fn start(routes: Routes) -> Replay {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let routes = std::sync::Arc::new(routes);
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let routes = routes.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&buf).to_string();
                    let target = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                    let (status, body) = routes
                        .iter()
                        .find(|(frag, _, _)| target.contains(frag))
                        .map(|(_, s, b)| (*s, b.clone()))
                        .unwrap_or_else(|| {
                            if target.contains("/oauth2/v2.0/token") {
                                (
                                    200,
                                    r#"{"token_type":"Bearer","expires_in":3600,"access_token":"at-replay"}"#
                                        .to_string(),
                                )
                            } else {
                                (
                                    404,
                                    r#"{"error":{"code":"Request_ResourceNotFound","message":"not here"}}"#
                                        .to_string(),
                                )
                            }
                        });
                    let resp = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = sock.write_all(resp.as_bytes()).await;
                });
            }
        });
        Replay { url }
    }

    fn client(&self) -> scimwatch_engine::graph::GraphClient {
        use scimwatch_core::{AuthMode, Sensitive};
        use scimwatch_engine::graph::http::HttpConfig;
        use scimwatch_engine::graph::{ClientOptions, GraphClient, GraphTarget};
        use scimwatch_engine::secrets::{MemoryStore, SecretKey, SecretKind, SecretStore};
        use std::time::Duration;
        let secrets = std::sync::Arc::new(MemoryStore::new());
        secrets
            .set(
                &SecretKey::new("conn", SecretKind::ClientSecret),
                &Sensitive::new("the-client-secret".into()),
            )
            .unwrap();
        let target = GraphTarget {
            connection: "conn".into(),
            login_url: self.url.clone(),
            graph_url: self.url.clone(),
            tenant_id: "contoso.onmicrosoft.com".into(),
            client_id: "11111111-2222-3333-4444-555555555555".into(),
            auth_mode: AuthMode::ClientSecret,
        };
        GraphClient::new(
            target,
            secrets,
            ClientOptions {
                http: HttpConfig {
                    timeout: Duration::from_millis(1500),
                    connect_timeout: Duration::from_secs(1),
                    retry_base: Duration::from_millis(20),
                    max_retries: 1,
                    max_retry_wait: Duration::from_secs(1),
                    ..HttpConfig::default()
                },
                log_gate: Duration::from_millis(1),
                observer: None,
            },
        )
        .unwrap()
    }
}

/// Defect 1: the real AADSTS7000215 body (`\r\n` before Trace ID,
/// Correlation ID, Timestamp) gives a one-line message with the first
/// sentence and the code, and none of the trace lines.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_aadsts_description_with_crlf_trace_lines_reads_as_one_sentence() {
    let body = fixture("token-error-401-aadsts7000215-invalid-client.json");
    assert!(
        body.contains("\\r\\nTrace ID:"),
        "the fixture is the real one"
    );
    let replay = Replay::start(vec![("/oauth2/v2.0/token", 401, body)]).await;
    let e = replay.client().access_token().await.unwrap_err();
    let msg = e.to_string();
    let cmd: scimwatch_core::CommandError = e.into();
    for m in [&msg, &cmd.message] {
        assert!(m.contains("AADSTS7000215"), "{m}");
        assert!(m.contains("Invalid client secret is provided."), "{m}");
        assert!(m.contains("Store a current client secret"), "{m}");
        for bad in [
            "Trace ID",
            "Correlation ID",
            "Timestamp",
            "b179b7db",
            "\r",
            "\n",
        ] {
            assert!(!m.contains(bad), "{bad:?} in {m:?}");
        }
        assert!(!m.contains("the-client-secret"), "{m}");
    }
}
