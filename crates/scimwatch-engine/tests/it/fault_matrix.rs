//! Faults from the outside, against a misbehaving server on loopback: for
//! Microsoft Graph and for the SaaS's SCIM endpoint, each fault ends in a
//! specific message (what the CLI prints and the app shows), never a panic,
//! with a bounded number of requests (no hot loop), and the same call works
//! again once the fault clears.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use scimwatch_core::{AuthMode, Sensitive};
use scimwatch_engine::graph::http::HttpConfig;
use scimwatch_engine::graph::{ClientOptions, Family, GraphClient, GraphTarget};
use scimwatch_engine::scim::client::{ClientConfig, ScimClient};
use scimwatch_engine::scim::test_connection::{run_check, Verdict};
use scimwatch_engine::secrets::{MemoryStore, SecretKey, SecretKind, SecretStore};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone)]
enum Mode {
    /// The right answer for the path.
    Healthy,
    /// TCP reset after the request.
    Reset,
    /// Reads the request, never answers.
    Hang,
    /// 200 with a 21 MB JSON body.
    Huge,
    /// 200 with JSON cut in half.
    Truncated,
    /// A gateway's HTML error page.
    Html(u16),
    /// An HTTP status with a JSON error body.
    Status(u16),
    /// 429 with this `Retry-After` value.
    Throttle(&'static str),
    /// A collection whose next page is itself.
    NextLinkLoop,
}

struct Server {
    url: String,
    mode: Arc<Mutex<Mode>>,
    /// Requests other than sign-in.
    hits: Arc<AtomicUsize>,
}

impl Server {
    async fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let mode = Arc::new(Mutex::new(Mode::Healthy));
        let hits = Arc::new(AtomicUsize::new(0));
        let (m, h, base) = (mode.clone(), hits.clone(), url.clone());
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let (m, h, base) = (m.clone(), h.clone(), base.clone());
                tokio::spawn(async move { serve(sock, m, h, base).await });
            }
        });
        Server { url, mode, hits }
    }

    fn set(&self, m: Mode) {
        *self.mode.lock().unwrap() = m;
        self.hits.store(0, Ordering::SeqCst);
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

async fn read_head(sock: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(String::from_utf8_lossy(&buf).to_string())
}

fn response(status: u16, ctype: &str, extra: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

async fn serve(mut sock: TcpStream, mode: Arc<Mutex<Mode>>, hits: Arc<AtomicUsize>, base: String) {
    let Some(head) = read_head(&mut sock).await else {
        return;
    };
    let target = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    if target.contains("/oauth2/v2.0/token") {
        let body = r#"{"token_type":"Bearer","expires_in":3600,"access_token":"at-matrix"}"#;
        let _ = sock
            .write_all(&response(200, "application/json", "", body))
            .await;
        return;
    }
    hits.fetch_add(1, Ordering::SeqCst);
    let m = mode.lock().unwrap().clone();
    let json = "application/json";
    let bytes = match m {
        Mode::Healthy if target.contains("/scim/") => response(
            200,
            "application/scim+json",
            "",
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[],"startIndex":1,"itemsPerPage":0}"#,
        ),
        Mode::Healthy => response(200, json, "", r#"{"value":[{"id":"a"}]}"#),
        Mode::Reset => {
            let _ = sock.set_zero_linger();
            return;
        }
        Mode::Hang => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            return;
        }
        Mode::Huge => {
            let size = 21 * 1024 * 1024;
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n"
            );
            if sock.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let mut body = vec![b' '; size];
            body[0] = b'[';
            body[size - 1] = b']';
            let _ = sock.write_all(&body).await;
            return;
        }
        Mode::Truncated => response(200, json, "", r#"{"value":[{"id":"a","displayName":"Al"#),
        Mode::Html(status) => response(
            status,
            "text/html",
            "",
            "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>",
        ),
        Mode::Status(status) => response(
            status,
            json,
            "",
            r#"{"error":{"code":"InternalServerError","message":"Something went wrong."},"detail":"boom","status":"500"}"#,
        ),
        Mode::Throttle(after) => response(
            429,
            json,
            &format!("Retry-After: {after}\r\n"),
            r#"{"error":{"code":"TooManyRequests","message":"Too many requests"}}"#,
        ),
        Mode::NextLinkLoop => {
            let body = format!(r#"{{"value":[{{"id":"a"}}],"@odata.nextLink":"{base}{target}"}}"#);
            response(200, json, "", &body)
        }
    };
    let _ = sock.write_all(&bytes).await;
}

fn graph_client(server: &Server) -> GraphClient {
    let secrets = Arc::new(MemoryStore::new());
    secrets
        .set(
            &SecretKey::new("conn", SecretKind::ClientSecret),
            &Sensitive::new("secret".into()),
        )
        .unwrap();
    let target = GraphTarget {
        connection: "conn".into(),
        login_url: server.url.clone(),
        graph_url: server.url.clone(),
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
                max_retries: 2,
                max_retry_wait: Duration::from_secs(2),
                ..HttpConfig::default()
            },
            log_gate: Duration::from_millis(1),
            observer: None,
        },
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graph_faults_have_specific_messages_and_recover() {
    let server = Server::start().await;
    let client = graph_client(&server);
    let path = "/servicePrincipals/sp/synchronization/jobs";
    // (fault, words the message must hold, most requests allowed)
    let table: Vec<(Mode, &[&str], usize)> = vec![
        (Mode::Reset, &["cannot reach"], 3),
        (Mode::Hang, &["did not answer within"], 3),
        (Mode::Huge, &["more than 20 MB", "refusing"], 3),
        (Mode::Truncated, &["not the JSON expected"], 1),
        (Mode::Html(502), &["HTML page", "proxy"], 3),
        (Mode::Status(500), &["HTTP 500"], 3),
        (Mode::Status(503), &["HTTP 503"], 3),
        (Mode::Throttle("0.25"), &["throttling", "HTTP 429"], 3),
        // Longer than this client waits inside one call: handed to the poller's backoff.
        (
            Mode::Throttle("3600"),
            &["throttling", "try again later"],
            1,
        ),
    ];
    for (mode, words, max_hits) in table {
        server.set(mode.clone());
        let e = client
            .get_json::<serde_json::Value>(path, Family::Synchronization, "the provisioning job")
            .await
            .unwrap_err()
            .to_string();
        eprintln!("graph {mode:?} ({} requests): {e}", server.hits());
        for w in words {
            assert!(e.contains(w), "{mode:?}: {e}");
        }
        assert!(!e.contains("at-matrix") && !e.contains("secret"), "{e}");
        assert!(
            server.hits() <= max_hits,
            "{mode:?}: {} requests (no more than {max_hits})",
            server.hits()
        );
        // The fault clears: the same call works.
        server.set(Mode::Healthy);
        let ok: serde_json::Value = client
            .get_json(path, Family::Synchronization, "the provisioning job")
            .await
            .unwrap_or_else(|e| panic!("{mode:?} did not recover: {e}"));
        assert_eq!(ok["value"][0]["id"], "a");
    }

    server.set(Mode::NextLinkLoop);
    let e = client
        .get_all::<serde_json::Value>(path, Family::Synchronization, "jobs")
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("same next-page link"), "{e}");
    assert!(server.hits() <= 2, "{} requests", server.hits());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scim_faults_have_specific_verdicts_and_recover() {
    let server = Server::start().await;
    let client = ScimClient::new(
        &format!("{}/scim/v2/", server.url),
        &Sensitive::new("tok-matrix-123\n".into()),
        ClientConfig {
            timeout: Duration::from_millis(1500),
            connect_timeout: Duration::from_secs(1),
            max_retry_after: Duration::from_secs(1),
            ..ClientConfig::default()
        },
    )
    .unwrap();
    let table: Vec<(Mode, Verdict, &[&str])> = vec![
        (Mode::Reset, Verdict::Unreachable, &[]),
        (Mode::Hang, Verdict::Timeout, &[]),
        (Mode::Huge, Verdict::NotScim, &[]),
        (Mode::Truncated, Verdict::NotScim, &[]),
        (Mode::Html(200), Verdict::Html, &["web page", "proxy"]),
        (Mode::Status(401), Verdict::Unauthorized, &["token"]),
        (Mode::Status(403), Verdict::Forbidden, &[]),
        (Mode::Status(404), Verdict::NotFound, &["Tenant URL"]),
        (Mode::Status(500), Verdict::ServerError, &[]),
        (Mode::Status(503), Verdict::ServerError, &[]),
        (Mode::Throttle("0.2"), Verdict::OtherStatus, &["429"]),
    ];
    for (mode, verdict, words) in table {
        server.set(mode.clone());
        let r = run_check(&client, chrono::Utc::now()).await;
        assert!(!r.ok, "{mode:?}");
        assert_eq!(r.verdict, verdict, "{mode:?}: {}", r.message);
        eprintln!(
            "scim {mode:?} ({} requests): {:?}: {}",
            server.hits(),
            r.verdict,
            r.message
        );
        assert!(!r.message.is_empty());
        for w in words {
            assert!(r.message.contains(w), "{mode:?}: {}", r.message);
        }
        let shown = serde_json::to_string(&r).unwrap();
        assert!(!shown.contains("tok-matrix-123"), "{mode:?}: token leaked");
        // Test Connection probes a few URLs at most; 429s are retried a bounded number of times.
        assert!(server.hits() <= 12, "{mode:?}: {} requests", server.hits());
        server.set(Mode::Healthy);
        let r = run_check(&client, chrono::Utc::now()).await;
        assert!(r.ok, "{mode:?} did not recover: {}", r.message);
    }
}

/// No verdict without evidence (issue 17): against an endpoint that resets,
/// hangs past the timeout, refuses the token (401, 403) or is down (5xx),
/// `discover` could not examine (exit 2, never "compliant") and the crawl
/// fails with a network or auth error (the CLI's "could not check", exit 2)
/// — never an empty inventory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discover_and_crawl_could_not_check_what_does_not_answer() {
    use scimwatch_engine::scim::crawl::{crawl_to_memory, CancelFlag, CrawlConfig};
    use scimwatch_engine::scim::discover::discover_client;
    let server = Server::start().await;
    let config = ClientConfig {
        timeout: Duration::from_millis(1500),
        connect_timeout: Duration::from_secs(1),
        max_retry_after: Duration::from_secs(1),
        ..ClientConfig::default()
    };
    let client = ScimClient::new(
        &format!("{}/scim/v2/", server.url),
        &Sensitive::new("tok-matrix-123\n".into()),
        config.clone(),
    )
    .unwrap();
    for mode in [
        Mode::Reset,
        Mode::Hang,
        Mode::Status(401),
        Mode::Status(403),
        Mode::Status(503),
    ] {
        server.set(mode.clone());
        let r = discover_client(&client, chrono::Utc::now()).await;
        assert_eq!(r.exit_code(), 2, "{mode:?}: {:?}", r.could_not_examine);
        assert!(!r.compliant(), "{mode:?}: compliant without looking");
        let md = r.to_markdown();
        assert!(!md.contains("None found"), "{mode:?}: {md}");
        assert!(!md.contains("tok-matrix-123"), "{mode:?}: token leaked");

        let cfg = CrawlConfig {
            page_retries: 0,
            client: config.clone(),
            ..CrawlConfig::default()
        };
        let e = crawl_to_memory(&client, &cfg, None, &CancelFlag::new())
            .await
            .err()
            .unwrap_or_else(|| panic!("{mode:?}: a crawl of nothing succeeded"));
        let cmd: scimwatch_core::CommandError = e.into();
        assert!(
            matches!(
                cmd.kind,
                scimwatch_core::ErrorKind::Network | scimwatch_core::ErrorKind::Auth
            ),
            "{mode:?}: {cmd:?} is not a could-not-check error"
        );
        assert!(!cmd.message.contains("tok-matrix-123"), "{mode:?}");
    }
}
