//! Behind a company proxy with a private CA (issue 16): a CA generated here,
//! a SCIM server on loopback with a certificate for `scim.corp.example`
//! signed by it, reached only through a local CONNECT proxy (which resolves
//! the name itself: no DNS). The real `scimwatch-cli` binary, each run with
//! its own environment:
//! - `HTTPS_PROXY` + `SSL_CERT_FILE=<the CA>`: Test Connection passes and
//!   the proxy saw the CONNECT;
//! - an unrelated CA: the error names the certificate problem and the host;
//! - a name the certificate is not for: said so, with the host;
//! - loopback targets never go through the proxy.
//!
//! Also: a SCIM server echoing the token in response headers never gets it
//! into `--json` output or the database files (WAL included).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls;

const LIST: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[],"startIndex":1,"itemsPerPage":0}"#;
const TOKEN: &str = "tok-CORP-3b9f0e6a1c";

/// Proxy and TLS variables every run starts without (the machine's own
/// settings must not decide the outcome).
const CLEARED: [&str; 10] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
];

async fn cli(data: &Path, args: &[&str], env: &[(&str, String)], stdin: Option<&str>) -> Output {
    let data = data.to_path_buf();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let stdin = stdin.map(str::to_string);
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        use std::process::{Command, Stdio};
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_scimwatch-cli"));
        cmd.args(&args)
            .env("SCIMWATCH_DATA_DIR", &data)
            .env("SCIMWATCH_SECRET_STORE", "file")
            .env_remove("DBUS_SESSION_BUS_ADDRESS");
        for k in CLEARED {
            cmd.env_remove(k);
        }
        for (k, v) in &env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        if let Some(s) = stdin {
            child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
        }
        drop(child.stdin.take());
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

struct Ca {
    cert: rcgen::Certificate,
    key: rcgen::KeyPair,
}

fn ca(name: &str) -> Ca {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    p.distinguished_name.push(rcgen::DnType::CommonName, name);
    p.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    Ca {
        cert: p.self_signed(&key).unwrap(),
        key,
    }
}

async fn read_head<S: AsyncRead + Unpin>(sock: &mut S) -> Option<String> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    // Byte by byte: nothing after the head may be consumed (the tunnel).
    while !buf.ends_with(b"\r\n\r\n") {
        let n = sock.read(&mut byte).await.ok()?;
        if n == 0 || buf.len() > 16 * 1024 {
            return None;
        }
        buf.push(byte[0]);
    }
    Some(String::from_utf8_lossy(&buf).to_string())
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// Entra's Test Connection answered as Entra wants: 200 + empty ListResponse
/// (the token echoed in headers, as a careless server might).
fn scim_answer(head: &str) -> Vec<u8> {
    let auth = header(head, "authorization").unwrap_or_default();
    let token = auth.trim_start_matches("Bearer ");
    let (status, body) =
        if head.starts_with("GET /scim/v2/Users?") || head.starts_with("GET /scim/v2/Groups?") {
            if token == TOKEN {
                ("200 OK", LIST)
            } else {
                ("401 Unauthorized", r#"{"detail":"bad token"}"#)
            }
        } else {
            ("404 Not Found", r#"{"detail":"no such path"}"#)
        };
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/scim+json\r\nContent-Length: {}\r\n\
         WWW-Authenticate: Bearer realm=\"{token}\"\r\nX-Echo: {auth}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

async fn answer<S: AsyncRead + AsyncWrite + Unpin>(mut s: S) {
    let Some(head) = read_head(&mut s).await else {
        return;
    };
    let _ = s.write_all(&scim_answer(&head)).await;
    let _ = s.shutdown().await;
}

/// HTTPS SCIM server on 127.0.0.1 with a certificate for `names` signed by `ca`.
async fn tls_scim_server(ca: &Ca, names: &[&str]) -> u16 {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut p =
        rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
            .unwrap();
    p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let leaf = p.signed_by(&key, &ca.cert, &ca.key).unwrap();
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
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(sock).await {
                    answer(tls).await;
                }
            });
        }
    });
    port
}

/// Plain-http SCIM server on 127.0.0.1 (loopback may use http).
async fn plain_scim_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            tokio::spawn(answer(sock));
        }
    });
    port
}

/// A CONNECT proxy on 127.0.0.1: `*.corp.example` resolves to 127.0.0.1.
/// Records each request line; anything but CONNECT is refused.
async fn connect_proxy() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let s = s.clone();
            tokio::spawn(async move {
                let Some(head) = read_head(&mut client).await else {
                    return;
                };
                let line = head.lines().next().unwrap_or_default().to_string();
                s.lock().unwrap().push(line.clone());
                let mut parts = line.split_whitespace();
                let (Some("CONNECT"), Some(authority)) = (parts.next(), parts.next()) else {
                    let _ = client
                        .write_all(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                        .await;
                    return;
                };
                let Some((host, port)) = authority.rsplit_once(':') else {
                    return;
                };
                if !host.ends_with(".corp.example") {
                    let _ = client
                        .write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                        .await;
                    return;
                }
                let Ok(mut upstream) = TcpStream::connect(format!("127.0.0.1:{port}")).await else {
                    let _ = client
                        .write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                        .await;
                    return;
                };
                if client
                    .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                    .await
                    .is_err()
                {
                    return;
                }
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    (port, seen)
}

fn write_pem(dir: &Path, name: &str, ca: &Ca) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, ca.cert.pem()).unwrap();
    p
}

async fn add(data: &Path, name: &str, url: &str) {
    let o = cli(
        data,
        &[
            "connections",
            "add",
            "--name",
            name,
            "--scim-url",
            url,
            "--scim-token-file",
            "-",
            "--json",
        ],
        &[],
        Some(&format!("{TOKEN}\n")),
    )
    .await;
    assert!(o.status.success(), "{}", text(&o));
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_connection_through_a_proxy_with_a_company_ca() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let company = ca("Contoso Corp Root CA (test)");
    let unrelated = ca("Unrelated Root CA (test)");
    let company_pem = write_pem(dir.path(), "company-ca.pem", &company);
    let unrelated_pem = write_pem(dir.path(), "unrelated-ca.pem", &unrelated);
    let scim_port = tls_scim_server(&company, &["scim.corp.example"]).await;
    let (proxy_port, proxy_seen) = connect_proxy().await;
    let proxy = format!("http://127.0.0.1:{proxy_port}");

    add(
        &data,
        "Corp",
        &format!("https://scim.corp.example:{scim_port}/scim/v2"),
    )
    .await;
    add(
        &data,
        "Wrong",
        &format!("https://wrong.corp.example:{scim_port}/scim/v2"),
    )
    .await;

    // The company CA trusted: Test Connection passes through the proxy.
    let o = cli(
        &data,
        &["test-connection", "Corp", "--json"],
        &[
            ("HTTPS_PROXY", proxy.clone()),
            ("SSL_CERT_FILE", company_pem.display().to_string()),
        ],
        None,
    )
    .await;
    assert!(o.status.success(), "{}", text(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["ok"], true, "{r:#}");
    assert_eq!(r["verdict"], "ok", "{r:#}");
    let connects = proxy_seen.lock().unwrap().clone();
    assert!(
        connects
            .iter()
            .any(|l| l == &format!("CONNECT scim.corp.example:{scim_port} HTTP/1.1")),
        "the proxy saw: {connects:?}"
    );
    // The token echoed in response headers is in neither the output nor the files.
    assert!(!text(&o).contains(TOKEN), "{}", text(&o));

    // An unrelated CA: the certificate problem and the host are named.
    proxy_seen.lock().unwrap().clear();
    let o = cli(
        &data,
        &["test-connection", "Corp", "--json"],
        &[
            ("https_proxy", proxy.clone()),
            ("SSL_CERT_FILE", unrelated_pem.display().to_string()),
        ],
        None,
    )
    .await;
    assert!(!o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("the TLS certificate of scim.corp.example is not trusted (issuer unknown)"),
        "{out}"
    );
    assert!(out.contains("SSL_CERT_FILE"), "{out}");
    assert!(out.contains("Proxies and company CAs"), "{out}");
    // The check's JSON comes first (then the error's).
    let r: serde_json::Value = serde_json::Deserializer::from_slice(&o.stdout)
        .into_iter()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(r["verdict"], "unreachable", "{r:#}");
    assert!(
        !proxy_seen.lock().unwrap().is_empty(),
        "the request went through the proxy"
    );

    // The CA trusted, but the name is not the certificate's.
    let o = cli(
        &data,
        &["test-connection", "Wrong", "--json"],
        &[
            ("HTTPS_PROXY", proxy.clone()),
            ("SSL_CERT_FILE", company_pem.display().to_string()),
        ],
        None,
    )
    .await;
    assert!(!o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("the TLS certificate of wrong.corp.example was issued for another host name"),
        "{out}"
    );

    // The proxy refuses the tunnel: said so, naming the proxy and the host.
    add(
        &data,
        "Elsewhere",
        &format!("https://scim.other.example:{scim_port}/scim/v2"),
    )
    .await;
    let o = cli(
        &data,
        &["test-connection", "Elsewhere", "--json"],
        &[("HTTPS_PROXY", proxy.clone())],
        None,
    )
    .await;
    assert!(!o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains(&format!(
            "the proxy {proxy} (from HTTPS_PROXY) refused to open a tunnel to scim.other.example"
        )),
        "{out}"
    );

    // Loopback never goes through the proxy (a proxy elsewhere cannot reach it).
    let plain = plain_scim_server().await;
    add(&data, "Local", &format!("http://127.0.0.1:{plain}/scim/v2")).await;
    proxy_seen.lock().unwrap().clear();
    let o = cli(
        &data,
        &["test-connection", "Local", "--json"],
        &[
            ("HTTPS_PROXY", proxy.clone()),
            ("HTTP_PROXY", proxy.clone()),
        ],
        None,
    )
    .await;
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        proxy_seen.lock().unwrap().is_empty(),
        "loopback went to the proxy: {:?}",
        proxy_seen.lock().unwrap()
    );

    // Nothing of the echoed token in the data folder (database, WAL, exports).
    for entry in std::fs::read_dir(&data).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() && !p.file_name().unwrap().to_string_lossy().contains("secrets") {
            let bytes = std::fs::read(&p).unwrap();
            assert!(!contains(&bytes, TOKEN), "token in {}", p.display());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_proxy_url_is_named_without_its_password() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let plain = plain_scim_server().await;
    add(&data, "Local", &format!("http://127.0.0.1:{plain}/scim/v2")).await;
    let o = cli(
        &data,
        &["test-connection", "Local", "--json"],
        &[("HTTPS_PROXY", "http://alice:pa55word@[::1".to_string())],
        None,
    )
    .await;
    assert!(!o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("HTTPS_PROXY is not a valid proxy URL"),
        "{out}"
    );
    assert!(!out.contains("pa55word"), "{out}");
}
