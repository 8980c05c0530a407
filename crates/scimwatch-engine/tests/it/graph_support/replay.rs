//! Real Graph bodies served verbatim on loopback (`tests/fixtures/graph-real/`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

/// The text of a real body.
pub fn real_fixture(name: &str) -> String {
    let path = format!(
        "{}/../../tests/fixtures/graph-real/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The real quarantined job (2021); `without_error` drops
/// `status.quarantine.error` (real quarantines come without it, the cause
/// then sits in `status.lastExecution.error`).
pub fn real_quarantine(without_error: bool) -> String {
    let raw = real_fixture("synchronizationjob-quarantine-scim-invalidcredentials-2021.json");
    if !without_error {
        return raw;
    }
    let mut v: serde_json::Value = serde_json::from_str(&raw).unwrap();
    v["status"]["quarantine"]
        .as_object_mut()
        .unwrap()
        .remove("error");
    v.to_string()
}

/// A loopback server answering each request with the first route whose
/// path fragment the request target contains (`status`, JSON body); the
/// token endpoint hands out a token unless a route says otherwise; anything
/// else is 404.
pub struct Replay {
    pub url: String,
}

pub type Routes = Vec<(&'static str, u16, String)>;

impl Replay {
    pub async fn start(routes: Routes) -> Replay {
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

    pub fn client(&self) -> scimwatch_engine::graph::GraphClient {
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
