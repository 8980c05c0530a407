//! The shared HTTP transport's hardening, against servers on loopback:
//! response headers that echo the token never reach the result, the database
//! or its WAL; a Graph `@odata.nextLink` to another port never receives the
//! access token; SCIM redirects are reported (where to), not followed and
//! never a pass; a TLS certificate failure names the problem and the host.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::scim_fixture;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use scimwatch_core::{AuthMode, Sensitive};
use scimwatch_engine::graph::http::HttpConfig;
use scimwatch_engine::graph::{ClientOptions, Family, GraphClient, GraphTarget};
use scimwatch_engine::scim::client::{ClientConfig, ScimClient};
use scimwatch_engine::scim::test_connection::{check_connection, run_check, Verdict};
use scimwatch_engine::secrets::{MemoryStore, SecretKey, SecretKind, SecretStore};
use scimwatch_engine::{Engine, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const LIST: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[],"startIndex":1,"itemsPerPage":0}"#;

/// What a loopback server saw.
#[derive(Default)]
struct Seen {
    hits: AtomicUsize,
    /// Requests that carried an `Authorization` header.
    with_auth: AtomicUsize,
    /// Every request head, for assertions.
    heads: Mutex<Vec<String>>,
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

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn response(status: u16, ctype: &str, extra: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A loopback server answering every request with `answer(head)`.
async fn serve(answer: impl Fn(&str) -> Vec<u8> + Send + Sync + 'static) -> (String, Arc<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Seen::default());
    let answer = Arc::new(answer);
    let s = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let (s, answer) = (s.clone(), answer.clone());
            tokio::spawn(async move {
                let Some(head) = read_head(&mut sock).await else {
                    return;
                };
                s.hits.fetch_add(1, Ordering::SeqCst);
                if header(&head, "authorization").is_some() {
                    s.with_auth.fetch_add(1, Ordering::SeqCst);
                }
                s.heads.lock().unwrap().push(head.clone());
                let _ = sock.write_all(&answer(&head)).await;
            });
        }
    });
    (url, seen)
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn response_headers_echoing_the_token_are_never_stored_or_shown() {
    const TOKEN: &str = "tok-ECHO-8f3a9c2b71d4";
    let (url, seen) = serve(|head| {
        let auth = header(head, "authorization").unwrap_or("").to_string();
        let token = auth.trim_start_matches("Bearer ").to_string();
        let extra = format!(
            "WWW-Authenticate: Bearer realm=\"{token}\", error=\"invalid_token\"\r\n\
             X-Echo: {auth}\r\nX-Token: {token}\r\nSet-Cookie: session={token}\r\n\
             X-Request-Id: 0f8fad5b-d9cb-469f-a165-70867728950e\r\n"
        );
        response(200, "application/scim+json", &extra, LIST)
    })
    .await;

    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in(dir.path()).await.unwrap();
    let engine = Engine::from_parts(store, Arc::new(MemoryStore::new()), dir.path().into());
    let id = scim_fixture::add_connection(&engine, "Echo", &format!("{url}/scim/v2"), TOKEN).await;
    let r = check_connection(&engine, &id, chrono::Utc::now())
        .await
        .unwrap();
    assert!(r.ok, "{}", r.message);
    // The server did echo the token (so the test can fail).
    let heads = seen.heads.lock().unwrap().join("\n");
    assert!(heads.contains(TOKEN), "the token was sent");

    let shown = serde_json::to_string(&r).unwrap();
    assert!(!shown.contains(TOKEN), "token in the result: {shown}");
    let h = &r.exchanges[0].response_headers;
    let value = |n: &str| {
        h.iter()
            .find(|x| x.name.eq_ignore_ascii_case(n))
            .map(|x| x.value.clone())
            .unwrap_or_else(|| panic!("{n} missing: {h:?}"))
    };
    assert_eq!(value("x-echo"), "Bearer <redacted>");
    assert_eq!(value("x-token"), "<redacted>");
    assert_eq!(value("set-cookie"), "<redacted>");
    assert_eq!(
        value("www-authenticate"),
        "Bearer error=\"invalid_token\" <parameters redacted>"
    );
    assert_eq!(
        value("x-request-id"),
        "0f8fad5b-d9cb-469f-a165-70867728950e"
    );

    // Nowhere in the database files, WAL included, before and after close.
    let scan = |when: &str| {
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let p = entry.unwrap().path();
            if p.is_file() {
                let bytes = std::fs::read(&p).unwrap();
                assert!(!contains(&bytes, TOKEN), "{when}: token in {}", p.display());
            }
        }
    };
    scan("open");
    engine.store.close().await;
    scan("closed");
}

fn graph_client(url: &str) -> GraphClient {
    let secrets = Arc::new(MemoryStore::new());
    secrets
        .set(
            &SecretKey::new("conn", SecretKind::ClientSecret),
            &Sensitive::new("secret".into()),
        )
        .unwrap();
    let target = GraphTarget {
        connection: "conn".into(),
        login_url: url.to_string(),
        graph_url: url.to_string(),
        tenant_id: "contoso.onmicrosoft.com".into(),
        client_id: "11111111-2222-3333-4444-555555555555".into(),
        auth_mode: AuthMode::ClientSecret,
    };
    GraphClient::new(
        target,
        secrets,
        ClientOptions {
            http: HttpConfig {
                timeout: Duration::from_secs(5),
                connect_timeout: Duration::from_secs(2),
                max_retries: 0,
                ..HttpConfig::default()
            },
            log_gate: Duration::from_millis(1),
            observer: None,
        },
    )
    .unwrap()
}

/// A Graph whose first page links to `next`.
async fn graph_linking_to(next: String) -> (String, Arc<Seen>) {
    serve(move |head| {
        let target = head.split_whitespace().nth(1).unwrap_or("/");
        if target.contains("/oauth2/v2.0/token") {
            let body =
                r#"{"token_type":"Bearer","expires_in":3600,"access_token":"at-ORIGIN-5c1e"}"#;
            return response(200, "application/json", "", body);
        }
        let body = format!(r#"{{"value":[{{"id":"a"}}],"@odata.nextLink":"{next}"}}"#);
        response(200, "application/json", "", &body)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn next_link_to_another_port_or_scheme_never_gets_the_token() {
    // The other origin: same host (127.0.0.1), another port.
    let (other, other_seen) =
        serve(|_| response(200, "application/json", "", r#"{"value":[]}"#)).await;
    let (graph, graph_seen) =
        graph_linking_to(format!("{other}/v1.0/servicePrincipals?page=2")).await;
    let client = graph_client(&graph);
    let e = client
        .get_all::<serde_json::Value>("/servicePrincipals", Family::Directory, "apps")
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("another host, port or scheme"), "{e}");
    assert!(e.contains(&other), "names where the link pointed: {e}");
    assert!(!e.contains("page=2"), "no query in messages: {e}");
    assert!(!e.contains("at-ORIGIN-5c1e"), "{e}");
    assert_eq!(
        graph_seen.with_auth.load(Ordering::SeqCst),
        1,
        "first page read"
    );
    assert_eq!(
        other_seen.hits.load(Ordering::SeqCst),
        0,
        "the other port was never contacted"
    );
    assert_eq!(other_seen.with_auth.load(Ordering::SeqCst), 0);

    // Same host and port, another scheme: refused too.
    let port = graph.rsplit(':').next().unwrap().to_string();
    let (graph2, _) = graph_linking_to(format!("https://127.0.0.1:{port}/v1.0/x")).await;
    let e = graph_client(&graph2)
        .get_all::<serde_json::Value>("/servicePrincipals", Family::Directory, "apps")
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("another host, port or scheme"), "{e}");

    // Same origin is followed (with the token).
    let (graph3, seen3) = serve(|head| {
        let target = head.split_whitespace().nth(1).unwrap_or("/");
        if target.contains("/oauth2/v2.0/token") {
            let body = r#"{"token_type":"Bearer","expires_in":3600,"access_token":"at-x"}"#;
            return response(200, "application/json", "", body);
        }
        if target.contains("page=2") {
            return response(200, "application/json", "", r#"{"value":[{"id":"b"}]}"#);
        }
        let host = header(head, "host").unwrap_or_default();
        let body = format!(
            r#"{{"value":[{{"id":"a"}}],"@odata.nextLink":"http://{host}/v1.0/servicePrincipals?page=2"}}"#
        );
        response(200, "application/json", "", &body)
    })
    .await;
    let all = graph_client(&graph3)
        .get_all::<serde_json::Value>("/servicePrincipals", Family::Directory, "apps")
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(seen3.with_auth.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scim_redirects_are_reported_not_followed() {
    let (elsewhere, elsewhere_seen) =
        serve(|_| response(200, "application/scim+json", "", LIST)).await;
    for status in [301u16, 302, 307, 308] {
        let to = format!("{elsewhere}/scim/v2/Users?filter=x");
        let (url, seen) = serve(move |_| {
            response(
                status,
                "text/plain",
                &format!("Location: {to}\r\n"),
                "moved",
            )
        })
        .await;
        let client = ScimClient::new(
            &format!("{url}/scim/v2"),
            &Sensitive::new("tok-REDIRECT-77aa".into()),
            ClientConfig::default(),
        )
        .unwrap();
        let r = run_check(&client, chrono::Utc::now()).await;
        assert!(!r.ok, "HTTP {status}: {}", r.message);
        assert_ne!(r.verdict, Verdict::Ok);
        assert_eq!(r.http_status, Some(status));
        assert!(
            r.message
                .contains(&format!("redirects to {elsewhere}/scim/v2/Users")),
            "HTTP {status}: {}",
            r.message
        );
        assert!(!r.message.contains("would pass"), "{}", r.message);
        assert!(seen.hits.load(Ordering::SeqCst) >= 1);
    }
    assert_eq!(
        elsewhere_seen.hits.load(Ordering::SeqCst),
        0,
        "a redirect target was contacted"
    );
    assert_eq!(elsewhere_seen.with_auth.load(Ordering::SeqCst), 0);
}

/// A TLS server on 127.0.0.1 whose certificate is signed by a CA nobody trusts.
async fn untrusted_tls_server() -> String {
    use tokio_rustls::rustls;
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "scimwatch test CA (untrusted)");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &ca_cert, &ca_key)
        .unwrap();
    let cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![leaf.der().clone()],
        rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
    )
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // The client aborts the handshake; nothing else to do.
                let _ = acceptor.accept(sock).await;
            });
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graph_and_scim_name_the_certificate_problem_and_the_host() {
    let url = untrusted_tls_server().await;
    // Graph (the sign-in request is the first to fail).
    let e = graph_client(&url)
        .get_json::<serde_json::Value>("/servicePrincipals", Family::Directory, "apps")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("the TLS certificate of 127.0.0.1 is not trusted (issuer unknown)"),
        "{e}"
    );
    assert!(e.contains("Proxies and company CAs"), "{e}");
    assert!(!e.contains("secret"), "{e}");
    // SCIM: the same words.
    let client = ScimClient::new(
        &format!("{url}/scim/v2"),
        &Sensitive::new("tok-TLS-1234".into()),
        ClientConfig::default(),
    )
    .unwrap();
    let r = run_check(&client, chrono::Utc::now()).await;
    assert_eq!(r.verdict, Verdict::Unreachable, "{}", r.message);
    assert!(
        r.message
            .contains("the TLS certificate of 127.0.0.1 is not trusted (issuer unknown)"),
        "{}",
        r.message
    );
    assert!(r.message.contains("SSL_CERT_FILE"), "{}", r.message);
}
