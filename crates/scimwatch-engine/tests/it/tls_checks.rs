//! TLS as Entra requires it (issue 20, item 3): the TLS checks of
//! `discover` against loopback TLS servers with certificates from a test CA
//! (rcgen): RSA 2048 and ECDSA P-256 pass; a 1024-bit RSA key
//! (`tests/fixtures/tls/rsa1024-public.der`) fails; a server offering only
//! CHACHA20 over TLS 1.2 (not on Microsoft's list) fails with the suite as
//! evidence; a TLS 1.3-only server passes the version check and the TLS 1.2
//! list is not applicable; a certificate from another CA is its own finding;
//! plain http is not applicable, and discovery over http says so.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::scim_fixture;

use std::path::PathBuf;
use std::sync::Arc;

use chrono::Utc;
use rcgen::{
    BasicConstraints, Certificate, CertificateParams, IsCa, KeyPair, PublicKeyData,
    SignatureAlgorithm,
};
use scim_fixture::{Behaviour, Fixture, TOKEN};
use scimwatch_core::scim::tls::{TlsCheck, TlsStatus};
use scimwatch_core::Sensitive;
use scimwatch_engine::scim::discover::discover_client;
use scimwatch_engine::scim::discover::tls::{examine, examine_with, findings, markdown};
use scimwatch_engine::scim::ScimClient;
use tokio::net::TcpListener;
use tokio_rustls::rustls::{
    self,
    crypto::ring,
    pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer},
    server::{ClientHello, ResolvesServerCert},
    sign::CertifiedKey,
    RootCertStore, ServerConfig, SupportedProtocolVersion,
};
use url::Url;

fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

struct Ca {
    cert: Certificate,
    key: KeyPair,
}

impl Ca {
    fn new(name: &str) -> Self {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name
            .push(rcgen::DnType::CommonName, name.to_string());
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let cert = p.self_signed(&key).unwrap();
        Self { cert, key }
    }
    fn roots(&self) -> Arc<RootCertStore> {
        let mut r = RootCertStore::empty();
        r.add(self.cert.der().clone()).unwrap();
        Arc::new(r)
    }
    fn leaf(&self, key: &impl PublicKeyData) -> CertificateDer<'static> {
        let p = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        p.signed_by(key, &self.cert, &self.key)
            .unwrap()
            .der()
            .clone()
    }
}

/// A public key only (ring cannot hold a 1024-bit RSA private key).
struct PublicOnly(Vec<u8>);

impl PublicKeyData for PublicOnly {
    fn der_bytes(&self) -> &[u8] {
        &self.0
    }
    fn algorithm(&self) -> &SignatureAlgorithm {
        &rcgen::PKCS_RSA_SHA256
    }
}

#[derive(Debug)]
struct Fixed(Arc<CertifiedKey>);

impl ResolvesServerCert for Fixed {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(&self.0))
    }
}

/// A loopback TLS server that completes handshakes and hangs up; the URL.
async fn serve(
    leaf: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
    versions: &[&'static SupportedProtocolVersion],
    suites: Option<&[&str]>,
) -> Url {
    let mut provider = ring::default_provider();
    if let Some(keep) = suites {
        provider
            .cipher_suites
            .retain(|s| keep.contains(&format!("{:?}", s.suite()).as_str()));
    }
    let signing = provider.key_provider.load_private_key(key).unwrap();
    let cfg = ServerConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(versions)
        .unwrap()
        .with_no_client_auth()
        // No key/certificate match check: the 1024-bit case signs with
        // another key.
        .with_cert_resolver(Arc::new(Fixed(Arc::new(CertifiedKey::new(
            vec![leaf],
            signing,
        )))));
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            let a = acceptor.clone();
            tokio::spawn(async move {
                let _ = a.accept(s).await;
            });
        }
    });
    Url::parse(&format!("https://localhost:{port}/scim")).unwrap()
}

const ALL: &[&SupportedProtocolVersion] = &[&rustls::version::TLS12, &rustls::version::TLS13];

fn rsa2048() -> KeyPair {
    let pem = std::fs::read_to_string(fixture("tests/fixtures/cert/key.pem")).unwrap();
    KeyPair::from_pem(&pem).unwrap()
}

fn private(k: &KeyPair) -> PrivateKeyDer<'static> {
    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(k.serialize_der()))
}

async fn run(url: &Url, roots: Arc<RootCertStore>) -> Vec<TlsCheck> {
    let u = url.clone();
    tokio::task::spawn_blocking(move || examine_with(&u, roots))
        .await
        .unwrap()
}

fn get<'a>(checks: &'a [TlsCheck], id: &str) -> &'a TlsCheck {
    checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("{id} missing: {checks:#?}"))
}

fn status(checks: &[TlsCheck], id: &str) -> TlsStatus {
    get(checks, id).status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rsa_2048_and_p256_pass_every_check_that_can_be_made() {
    let ca = Ca::new("scimwatch test CA");
    let rsa = rsa2048();
    let url = serve(ca.leaf(&rsa), private(&rsa), ALL, None).await;
    let c = run(&url, ca.roots()).await;
    for id in [
        "tls_version",
        "tls_certificate",
        "tls_key_size",
        "tls12_cipher_suites",
    ] {
        assert_eq!(status(&c, id), TlsStatus::Pass, "{c:#?}");
    }
    assert_eq!(
        get(&c, "tls_key_size").evidence.as_deref(),
        Some("leaf certificate key: RSA 2048 bits")
    );
    assert!(get(&c, "tls12_cipher_suites")
        .message
        .contains("TLS_ECDHE_RSA_WITH_AES_"));
    // TLS 1.0/1.1 asked with a bare ClientHello: a rustls server refuses.
    let old = get(&c, "tls_old_versions_refused");
    assert_eq!(old.status, TlsStatus::Pass, "{c:#?}");
    let ev = old.evidence.as_deref().unwrap();
    assert!(
        ev.contains("TLS 1.0: refused") && ev.contains("TLS 1.1: refused"),
        "{ev}"
    );
    assert!(findings(&url, &c).is_empty());

    let ec = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let url = serve(ca.leaf(&ec), private(&ec), ALL, None).await;
    let c = run(&url, ca.roots()).await;
    assert_eq!(status(&c, "tls_key_size"), TlsStatus::Pass, "{c:#?}");
    assert!(get(&c, "tls_key_size").message.contains("P-256"));
    assert!(get(&c, "tls12_cipher_suites")
        .message
        .contains("TLS_ECDHE_ECDSA_WITH_AES_"));
    assert!(findings(&url, &c).is_empty(), "{c:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_1024_bit_rsa_key_fails_with_its_size() {
    let ca = Ca::new("scimwatch test CA");
    let der = std::fs::read(fixture("../../tests/fixtures/tls/rsa1024-public.der")).unwrap();
    let leaf = ca.leaf(&PublicOnly(der));
    let other = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let url = serve(leaf, private(&other), ALL, None).await;
    let c = run(&url, ca.roots()).await;
    let key = get(&c, "tls_key_size");
    assert_eq!(key.status, TlsStatus::Fail, "{c:#?}");
    assert!(key.message.starts_with("Entra will refuse this endpoint"));
    assert_eq!(
        key.evidence.as_deref(),
        Some("leaf certificate key: RSA 1024 bits")
    );
    let f = findings(&url, &c);
    let k = f.iter().find(|f| f.code == "tls_key_size").unwrap();
    let ev = k.evidence.as_ref().unwrap();
    assert!(
        ev.request.starts_with("TLS handshakes with localhost:"),
        "{ev:?}"
    );
    assert!(ev.response_excerpt.contains("RSA 1024 bits"));
    assert!(c
        .iter()
        .all(|x| x.status != TlsStatus::Pass || x.id != "tls_certificate"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_suite_outside_microsofts_list_fails_with_the_suite() {
    let chacha = "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256";
    assert!(!scimwatch_core::scim::tls::is_required_suite(chacha));
    let ca = Ca::new("scimwatch test CA");
    let rsa = rsa2048();
    let url = serve(
        ca.leaf(&rsa),
        private(&rsa),
        &[&rustls::version::TLS12],
        Some(&[chacha]),
    )
    .await;
    let c = run(&url, ca.roots()).await;
    assert_eq!(status(&c, "tls_version"), TlsStatus::Pass, "{c:#?}");
    assert!(get(&c, "tls_version")
        .message
        .contains("TLS 1.2 (not TLS 1.3)"));
    let s = get(&c, "tls12_cipher_suites");
    assert_eq!(s.status, TlsStatus::Fail, "{c:#?}");
    assert!(s.message.contains(chacha), "{}", s.message);
    let ev = s.evidence.as_deref().unwrap();
    assert!(
        ev.contains("not offered in a full handshake") && ev.contains("CBC"),
        "{ev}"
    );
    // The four CBC suites, offered in a bare ClientHello: refused too.
    assert!(
        ev.contains("offered in a bare ClientHello instead: refused"),
        "{ev}"
    );
    let f = findings(&url, &c);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].code, "tls12_cipher_suites");
    assert!(f[0].message.starts_with("Entra will refuse this endpoint"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tls13_only_server_passes_and_the_tls12_list_does_not_apply() {
    let ca = Ca::new("scimwatch test CA");
    let ec = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let url = serve(ca.leaf(&ec), private(&ec), &[&rustls::version::TLS13], None).await;
    let c = run(&url, ca.roots()).await;
    assert_eq!(status(&c, "tls_version"), TlsStatus::Pass, "{c:#?}");
    assert!(get(&c, "tls_version").message.contains("TLS 1.3 only"));
    assert_eq!(status(&c, "tls_certificate"), TlsStatus::Pass);
    assert_eq!(status(&c, "tls_key_size"), TlsStatus::Pass);
    assert_eq!(status(&c, "tls12_cipher_suites"), TlsStatus::NotApplicable);
    assert!(findings(&url, &c).is_empty(), "{c:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_from_an_unknown_ca_is_its_own_finding() {
    let ca = Ca::new("scimwatch test CA");
    let stranger = Ca::new("another CA");
    let rsa = rsa2048();
    let url = serve(ca.leaf(&rsa), private(&rsa), ALL, None).await;
    let c = run(&url, stranger.roots()).await;
    let cert = get(&c, "tls_certificate");
    assert_eq!(cert.status, TlsStatus::Fail, "{c:#?}");
    assert!(
        cert.message.contains("UnknownIssuer") && cert.message.contains("host localhost"),
        "{}",
        cert.message
    );
    // The key is still judged on what the server sent; nothing else passes.
    assert_eq!(status(&c, "tls_key_size"), TlsStatus::Pass);
    assert_eq!(status(&c, "tls_version"), TlsStatus::NotPerformed);
    assert_eq!(status(&c, "tls12_cipher_suites"), TlsStatus::NotPerformed);
    let codes: Vec<String> = findings(&url, &c).into_iter().map(|f| f.code).collect();
    assert_eq!(codes, ["tls_certificate"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_listening_is_not_performed_never_a_verdict() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    let url = Url::parse(&format!("https://127.0.0.1:{port}/scim")).unwrap();
    let c = run(&url, Ca::new("ca").roots()).await;
    assert!(
        c.iter().all(|x| x.status == TlsStatus::NotPerformed),
        "{c:#?}"
    );
    assert!(findings(&url, &c).is_empty());
}

#[tokio::test]
async fn plain_http_is_not_applicable_and_discovery_says_so() {
    let c = examine(&Url::parse("http://127.0.0.1:9/scim").unwrap()).await;
    assert!(!c.is_empty());
    assert!(
        c.iter().all(|x| x.status == TlsStatus::NotApplicable),
        "{c:#?}"
    );

    let fx = Fixture::start(Behaviour::default()).await;
    let client =
        ScimClient::new(&fx.url, &Sensitive::new(TOKEN.into()), Default::default()).unwrap();
    let r = discover_client(&client, Utc::now()).await;
    let tls = r.tls.as_deref().unwrap();
    assert!(
        tls.iter().all(|x| x.status == TlsStatus::NotApplicable),
        "{tls:#?}"
    );
    assert!(r.findings.iter().all(|f| !f.code.starts_with("tls")));
    let md = r.to_markdown();
    assert!(md.contains("## TLS as Entra requires it"), "{md}");
    assert!(md.contains("| not applicable |"), "{md}");
    assert!(!md.contains("| pass |"), "{md}");
    assert_eq!(markdown(Some(&[])), "");
}
