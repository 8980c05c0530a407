//! TLS as Entra requires it (issue 20, item 3): handshakes with the SCIM
//! endpoint, each restricted to one protocol version or to a set of TLS 1.2
//! cipher suites, with certificate verification on and the same trust as
//! every other request ([`crate::http`]: the bundled webpki roots and the
//! operating system's store, `SSL_CERT_FILE`/`SSL_CERT_DIR` honoured). The
//! verdicts are core's (`scimwatch_core::scim::tls`); a failure also becomes
//! a compliance finding ("Entra will refuse this endpoint") with the evidence.
//!
//! What rustls cannot show is asked with a bare ClientHello (core's
//! `tls_hello`): whether the server accepts TLS 1.0/1.1 (a warning:
//! Microsoft permits only 1.2 and 1.3, though Entra itself connects), and,
//! when none of the four ECDHE AES-GCM suites of Microsoft's TLS 1.2 list is
//! accepted, whether it would choose one of the list's four CBC suites.
//! Plain http (loopback) is *not applicable*; a check without an answer is
//! *not performed*.
//! The handshakes go directly to the host (not through a proxy): when that
//! is impossible the checks are *not performed*.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ClientConnection, WebPkiServerVerifier};
use rustls::crypto::{ring, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme, SupportedProtocolVersion,
};
use scimwatch_core::scim::tls::{
    self as core_tls, Handshake, TlsCheck, TlsStatus, CHECK_CERTIFICATE, CHECK_KEY,
    CHECK_OLD_VERSIONS, CHECK_SUITES, CHECK_VERSION, REQUIRED_TLS12_SUITES,
};
use scimwatch_core::scim::tls_hello::{self as hello, HelloOutcome};
use scimwatch_core::scim::Severity;
use url::Url;

use super::{ComplianceFinding, ComplianceReport, Evidence};

/// Time allowed for each connection and handshake.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The checks of `url`, with the trust of [`crate::http`].
pub async fn examine(url: &Url) -> Vec<TlsCheck> {
    if url.scheme() != "https" {
        return core_tls::not_applicable_http();
    }
    if let Some((var, _)) = crate::http::ProxyEnv::from_env().proxy_for(url) {
        return everything_not_performed(&format!(
            "requests to this endpoint go through the proxy in {var}; the TLS handshakes \
             are made directly, so what Entra would see is not examined here"
        ));
    }
    let url = url.clone();
    tokio::task::spawn_blocking(move || examine_with(&url, Arc::new(roots())))
        .await
        .unwrap_or_else(|e| everything_not_performed(&format!("the TLS check stopped: {e}")))
}

/// The bundled webpki roots plus the operating system's store.
fn roots() -> RootCertStore {
    let mut store = RootCertStore::empty();
    store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let native = rustls_native_certs::load_native_certs();
    let _ = store.add_parsable_certificates(native.certs);
    store
}

fn everything_not_performed(why: &str) -> Vec<TlsCheck> {
    [
        CHECK_VERSION,
        CHECK_OLD_VERSIONS,
        CHECK_CERTIFICATE,
        CHECK_KEY,
        CHECK_SUITES,
    ]
    .iter()
    .map(|id| core_tls::not_performed(id, why))
    .collect()
}

/// Verifies as rustls's WebPKI verifier does (same roots, same verdict)
/// and keeps the server's end-entity certificate, so that its key can be
/// judged even when the handshake then fails.
#[derive(Debug)]
struct Recording {
    inner: Arc<WebPkiServerVerifier>,
    leaf: Mutex<Option<Vec<u8>>>,
}

impl Recording {
    fn leaf(&self) -> Option<Vec<u8>> {
        self.leaf.lock().ok().and_then(|l| l.clone())
    }
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut l) = self.leaf.lock() {
            *l = Some(end_entity.as_ref().to_vec());
        }
        self.inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// A client configuration and the verifier that records the certificate.
struct Cfg {
    config: Arc<ClientConfig>,
    recording: Arc<Recording>,
}

/// What one handshake showed.
enum Outcome {
    /// Completed, with the negotiated suite.
    Done(String),
    /// The certificate did not verify.
    Certificate(String),
    /// No TCP connection.
    Connect(String),
    /// Refused or failed otherwise (alert, no common suite, …).
    Refused(String),
}

impl Outcome {
    fn handshake(&self) -> Handshake {
        match self {
            Self::Done(suite) => Handshake::Ok {
                suite: suite.clone(),
            },
            Self::Certificate(e) | Self::Connect(e) | Self::Refused(e) => {
                Handshake::Refused(e.clone())
            }
        }
    }
    fn done(&self) -> bool {
        matches!(self, Self::Done(_))
    }
}

fn suite_name(s: rustls::SupportedCipherSuite) -> String {
    format!("{:?}", s.suite())
}

fn config(
    roots: &Arc<RootCertStore>,
    versions: &[&'static SupportedProtocolVersion],
    suites: Option<&[&str]>,
) -> Result<Cfg, String> {
    let mut provider: CryptoProvider = ring::default_provider();
    if let Some(keep) = suites {
        provider
            .cipher_suites
            .retain(|s| keep.contains(&suite_name(*s).as_str()));
    }
    let provider = Arc::new(provider);
    let inner =
        WebPkiServerVerifier::builder_with_provider(Arc::clone(roots), Arc::clone(&provider))
            .build()
            .map_err(|e| e.to_string())?;
    let recording = Arc::new(Recording {
        inner,
        leaf: Mutex::new(None),
    });
    let verifier: Arc<dyn ServerCertVerifier> = recording.clone();
    let c = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Cfg {
        config: Arc::new(c),
        recording,
    })
}

fn host_of(name: &ServerName<'_>) -> String {
    match name {
        ServerName::DnsName(d) => d.as_ref().to_string(),
        ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
        _ => "the server".to_string(),
    }
}

fn connect(addrs: &[SocketAddr]) -> Result<TcpStream, String> {
    let mut last = "no address".to_string();
    for a in addrs {
        match TcpStream::connect_timeout(a, TIMEOUT) {
            Ok(s) => {
                let _ = s.set_read_timeout(Some(TIMEOUT));
                let _ = s.set_write_timeout(Some(TIMEOUT));
                return Ok(s);
            }
            Err(e) => last = format!("{a}: {e}"),
        }
    }
    Err(last)
}

/// One handshake, and the end-entity certificate the server sent (if any).
fn handshake(
    addrs: &[SocketAddr],
    name: &ServerName<'static>,
    cfg: Cfg,
) -> (Outcome, Option<Vec<u8>>) {
    let o = handshake_once(addrs, name, cfg.config);
    (o, cfg.recording.leaf())
}

fn handshake_once(
    addrs: &[SocketAddr],
    name: &ServerName<'static>,
    cfg: Arc<ClientConfig>,
) -> Outcome {
    let mut sock = match connect(addrs) {
        Ok(s) => s,
        Err(e) => return Outcome::Connect(e),
    };
    let mut conn = match ClientConnection::new(cfg, name.clone()) {
        Ok(c) => c,
        Err(e) => return Outcome::Refused(e.to_string()),
    };
    while conn.is_handshaking() {
        if let Err(e) = conn.complete_io(&mut sock) {
            let tls = e.get_ref().and_then(|x| x.downcast_ref::<rustls::Error>());
            return match tls {
                Some(t @ rustls::Error::InvalidCertificate(_)) => {
                    // rustls's words, not the transport's hint about
                    // trusting a company CA: Entra's trust is not ours.
                    Outcome::Certificate(format!("{t}, host {}", host_of(name)))
                }
                _ => Outcome::Refused(e.to_string()),
            };
        }
    }
    let suite = conn
        .negotiated_cipher_suite()
        .map(suite_name)
        .unwrap_or_else(|| "unknown suite".into());
    conn.send_close_notify();
    let _ = conn.write_tls(&mut sock);
    let _ = sock.flush();
    Outcome::Done(suite)
}

/// A bare ClientHello for `version` offering `suites`, and the server's
/// first answer (see core's `tls_hello`).
fn bare_hello(
    addrs: &[SocketAddr],
    name: &ServerName<'static>,
    version: u16,
    suites: &[u16],
) -> HelloOutcome {
    use rand::RngCore;
    let mut sock = connect(addrs).map_err(|e| format!("no connection: {e}"))?;
    let mut random = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut random);
    let sni = match name {
        ServerName::DnsName(d) => Some(d.as_ref()),
        _ => None,
    };
    let io = |e: std::io::Error| match e.kind() {
        ErrorKind::UnexpectedEof => "connection closed".to_string(),
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted => "connection reset".to_string(),
        _ => e.to_string(),
    };
    sock.write_all(&hello::client_hello(version, suites, sni, random))
        .map_err(io)?;
    let mut header = [0u8; 5];
    sock.read_exact(&mut header).map_err(io)?;
    let mut record = vec![0u8; 5 + hello::record_len(&header).min(1 << 15)];
    record[..5].copy_from_slice(&header);
    sock.read_exact(&mut record[5..]).map_err(io)?;
    Ok(hello::read_answer(&record))
}

/// The checks of an https `url`, trusting `roots` (tests give their own CA).
pub fn examine_with(url: &Url, roots: Arc<RootCertStore>) -> Vec<TlsCheck> {
    let Some(host) = url.host_str() else {
        return everything_not_performed("the URL has no host");
    };
    let port = url.port_or_known_default().unwrap_or(443);
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let name = match ServerName::try_from(bare.to_string()) {
        Ok(n) => n,
        Err(e) => {
            return everything_not_performed(&format!("{host} is not a TLS server name: {e}"))
        }
    };
    let addrs: Vec<SocketAddr> = match (bare, port).to_socket_addrs() {
        Ok(a) => a.collect(),
        Err(e) => return everything_not_performed(&format!("{host} does not resolve: {e}")),
    };
    let built = config(&roots, &[&rustls::version::TLS12], None)
        .and_then(|a| Ok((a, config(&roots, &[&rustls::version::TLS13], None)?)));
    let (any12, only13) = match built {
        Ok(c) => c,
        Err(e) => return everything_not_performed(&format!("cannot set up TLS: {e}")),
    };
    let (hs12, leaf12) = handshake(&addrs, &name, any12);
    let (hs13, leaf13) = handshake(&addrs, &name, only13);
    if let (Outcome::Connect(e), Outcome::Connect(_)) = (&hs12, &hs13) {
        return everything_not_performed(&format!(
            "no direct connection to {host}:{port} ({e}); behind a proxy the handshake \
             cannot be examined"
        ));
    }
    // The key is judged on the certificate the server sent, verified or not.
    let key = match leaf12
        .or(leaf13)
        .map(|d| core_tls::certificate_public_key(&d))
    {
        Some(Ok(k)) => core_tls::judge_key(&k),
        Some(Err(e)) => core_tls::not_performed(CHECK_KEY, &format!("the certificate's key: {e}")),
        None => core_tls::not_performed(CHECK_KEY, "the server sent no certificate"),
    };
    let old = hello::judge_old_versions(
        &[hello::TLS10, hello::TLS11]
            .map(|v| (v, bare_hello(&addrs, &name, v, &hello::OLD_SUITES))),
    );
    let mut out = Vec::new();
    if let (Outcome::Certificate(e), _) | (_, Outcome::Certificate(e)) = (&hs12, &hs13) {
        out.push(core_tls::certificate_refused(e));
        out.push(key);
        out.push(old);
        for id in [CHECK_VERSION, CHECK_SUITES] {
            out.push(core_tls::not_performed(
                id,
                "the certificate did not verify",
            ));
        }
        return out;
    }
    out.push(core_tls::judge_versions(
        &hs12.handshake(),
        &hs13.handshake(),
    ));
    out.push(old);
    if hs12.done() || hs13.done() {
        out.push(core_tls::certificate_verified(host));
    } else {
        out.push(core_tls::not_performed(
            CHECK_CERTIFICATE,
            "no handshake completed",
        ));
    }
    out.push(key);
    out.push(suites(&roots, &addrs, &name, &hs12));
    out
}

/// Microsoft's TLS 1.2 suites that rustls speaks.
fn tried_suites() -> Vec<&'static str> {
    let ours: Vec<String> = ring::default_provider()
        .cipher_suites
        .iter()
        .map(|s| suite_name(*s))
        .collect();
    REQUIRED_TLS12_SUITES
        .iter()
        .copied()
        .filter(|s| ours.iter().any(|o| o == s))
        .collect()
}

fn suites(
    roots: &Arc<RootCertStore>,
    addrs: &[SocketAddr],
    name: &ServerName<'static>,
    any12: &Outcome,
) -> TlsCheck {
    let tried = tried_suites();
    if !any12.done() {
        let h = any12.handshake();
        return core_tls::judge_suites(&tried, &h, Some(&h));
    }
    let required = match config(roots, &[&rustls::version::TLS12], Some(&tried)) {
        Ok(c) => handshake(addrs, name, c).0.handshake(),
        Err(e) => return core_tls::not_performed(CHECK_SUITES, &format!("cannot set up TLS: {e}")),
    };
    let check = core_tls::judge_suites(&tried, &required, Some(&any12.handshake()));
    if check.status != TlsStatus::Fail {
        return check;
    }
    // The list's CBC suites, which rustls does not speak: a bare ClientHello.
    let cbc: Vec<u16> = hello::REQUIRED_CBC_SUITES.iter().map(|(c, _)| *c).collect();
    hello::with_cbc_answer(check, &bare_hello(addrs, name, hello::TLS12, &cbc))
}

/// Each failed check as a finding: Entra will refuse the endpoint (an
/// error), or it breaks Microsoft's version rule (a warning).
pub fn findings(url: &Url, checks: &[TlsCheck]) -> Vec<ComplianceFinding> {
    let target = format!(
        "TLS handshakes with {}:{}",
        url.host_str().unwrap_or_default(),
        url.port_or_known_default().unwrap_or(443)
    );
    checks
        .iter()
        .filter(|c| c.status == TlsStatus::Fail)
        .map(|c| {
            ComplianceFinding::engine(
                &c.id,
                // Accepting TLS 1.0/1.1 breaks Microsoft's rule, but Entra
                // itself still connects with 1.2 or 1.3.
                if c.id == CHECK_OLD_VERSIONS {
                    Severity::Warning
                } else {
                    Severity::Error
                },
                c.message.clone(),
                Some(Evidence {
                    request: target.clone(),
                    status: None,
                    response_excerpt: c.evidence.clone().unwrap_or_default(),
                }),
            )
        })
        .collect()
}

/// `report` with the TLS checks: each failure among its findings (most
/// severe first, as the rest).
pub(super) fn attach(url: &Url, report: &mut ComplianceReport, checks: Vec<TlsCheck>) {
    report.findings.extend(findings(url, &checks));
    report
        .findings
        .sort_by_key(|f| std::cmp::Reverse(f.severity));
    report.tls = Some(checks);
}

/// The report's TLS section.
pub fn markdown(checks: Option<&[TlsCheck]>) -> String {
    let Some(checks) = checks.filter(|c| !c.is_empty()) else {
        return String::new();
    };
    let mut md = String::from(
        "\n## TLS as Entra requires it\n\n| Check | Result | Detail |\n|---|---|---|\n",
    );
    for c in checks {
        let detail = match &c.evidence {
            Some(e) => format!("{} — {e}", c.message),
            None => c.message.clone(),
        };
        md.push_str(&format!(
            "| `{}` | {} | {} |\n",
            c.id,
            c.status.as_str(),
            detail.replace('|', "\\|")
        ));
    }
    md
}
