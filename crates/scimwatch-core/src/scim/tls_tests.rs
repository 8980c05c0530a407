//! The pure TLS verdicts. Real certificates (rcgen RSA 2048, ECDSA P-256 and
//! P-384, and a 1024-bit RSA fixture) go through
//! [`certificate_public_key`] in the engine's `tests/it/tls_checks.rs`; here
//! the DER walk is fed certificates assembled by hand.

#![allow(clippy::unwrap_used)]

use super::*;

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    let n = content.len();
    if n < 0x80 {
        v.push(n as u8);
    } else if n < 0x100 {
        v.extend([0x81, n as u8]);
    } else {
        v.extend([0x82, (n >> 8) as u8, n as u8]);
    }
    v.extend_from_slice(content);
    v
}

/// A certificate shell around `spki` (fields before it are placeholders).
fn cert(spki: &[u8], with_version: bool) -> Vec<u8> {
    let mut tbs = Vec::new();
    if with_version {
        tbs.extend(der(0xa0, &der(0x02, &[2])));
    }
    tbs.extend(der(0x02, &[1])); // serial
    tbs.extend(der(0x30, &der(0x06, OID_RSA))); // signature
    tbs.extend(der(0x30, &[])); // issuer
    tbs.extend(der(0x30, &[])); // validity
    tbs.extend(der(0x30, &[])); // subject
    tbs.extend_from_slice(spki);
    let mut body = der(0x30, &tbs);
    body.extend(der(0x30, &der(0x06, OID_RSA)));
    body.extend(der(0x03, &[0, 1, 2]));
    der(0x30, &body)
}

fn rsa_spki(modulus_bytes: usize) -> Vec<u8> {
    let mut m = vec![0u8]; // the sign byte a DER INTEGER carries
    m.push(0x80);
    m.extend(std::iter::repeat_n(0x11, modulus_bytes - 1));
    let mut rsa = der(0x02, &m);
    rsa.extend(der(0x02, &[1, 0, 1]));
    let mut bits = vec![0];
    bits.extend(der(0x30, &rsa));
    let mut alg = der(0x06, OID_RSA);
    alg.extend(der(0x05, &[]));
    let mut spki = der(0x30, &alg);
    spki.extend(der(0x03, &bits));
    der(0x30, &spki)
}

fn ec_spki(curve: &[u8]) -> Vec<u8> {
    let mut alg = der(0x06, OID_EC);
    alg.extend(der(0x06, curve));
    let mut spki = der(0x30, &alg);
    spki.extend(der(0x03, &[0, 4, 1, 2]));
    der(0x30, &spki)
}

#[test]
fn rsa_modulus_bits_are_counted_without_the_sign_byte() {
    let k = certificate_public_key(&cert(&rsa_spki(256), true)).unwrap();
    assert_eq!(k, PublicKey::Rsa { bits: 2048 });
    assert_eq!(judge_key(&k).status, TlsStatus::Pass);
    let k = certificate_public_key(&cert(&rsa_spki(128), false)).unwrap();
    assert_eq!(k, PublicKey::Rsa { bits: 1024 });
    let c = judge_key(&k);
    assert_eq!(c.status, TlsStatus::Fail);
    assert!(
        c.message.starts_with("Entra will refuse this endpoint"),
        "{}",
        c.message
    );
    assert_eq!(
        c.evidence.as_deref(),
        Some("leaf certificate key: RSA 1024 bits")
    );
}

#[test]
fn ec_curves_are_named_and_judged() {
    let p256 = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    let k = certificate_public_key(&cert(&ec_spki(&p256), true)).unwrap();
    assert_eq!(
        k,
        PublicKey::Ec {
            curve: "P-256".into(),
            bits: Some(256)
        }
    );
    assert_eq!(judge_key(&k).status, TlsStatus::Pass);
    // secp256k1 (1.3.132.0.10): not an approved curve.
    let k = certificate_public_key(&cert(&ec_spki(&[0x2b, 0x81, 0x04, 0x00, 0x0a]), true)).unwrap();
    assert_eq!(
        k,
        PublicKey::Ec {
            curve: "1.3.132.0.10".into(),
            bits: None
        }
    );
    assert_eq!(judge_key(&k).status, TlsStatus::Fail);
    let small = PublicKey::Ec {
        curve: "P-224".into(),
        bits: Some(224),
    };
    assert_eq!(judge_key(&small).status, TlsStatus::Fail);
}

#[test]
fn another_algorithm_is_not_judged() {
    // Ed25519, 1.3.101.112.
    let mut spki = der(0x30, &der(0x06, &[0x2b, 0x65, 0x70]));
    spki.extend(der(0x03, &[0, 9, 9]));
    let k = certificate_public_key(&cert(&der(0x30, &spki), true)).unwrap();
    assert_eq!(
        k,
        PublicKey::Other {
            algorithm: "1.3.101.112".into()
        }
    );
    assert_eq!(judge_key(&k).status, TlsStatus::NotPerformed);
}

#[test]
fn truncated_der_is_an_error_not_a_key() {
    let c = cert(&rsa_spki(256), true);
    for n in [0, 1, 5, c.len() / 2, c.len() - 1] {
        assert!(certificate_public_key(&c[..n]).is_err(), "{n}");
    }
    assert!(certificate_public_key(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_err());
}

fn ok(s: &str) -> Handshake {
    Handshake::Ok { suite: s.into() }
}

#[test]
fn versions_pass_only_on_a_completed_handshake() {
    let no = Handshake::Refused("alert".into());
    let c = judge_versions(&ok("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), &no);
    assert_eq!(c.status, TlsStatus::Pass);
    assert!(c.evidence.unwrap().contains("TLS 1.3: refused (alert)"));
    assert_eq!(
        judge_versions(&no, &ok("TLS13_AES_128_GCM_SHA256")).status,
        TlsStatus::Pass
    );
    let c = judge_versions(&no, &no);
    assert_eq!(c.status, TlsStatus::Fail);
    assert!(c.message.contains("Entra will refuse"));
}

#[test]
fn suites_outside_the_list_fail_with_the_negotiated_suite() {
    let tried = [REQUIRED_TLS12_SUITES[0], REQUIRED_TLS12_SUITES[2]];
    let c = judge_suites(&tried, &ok(REQUIRED_TLS12_SUITES[2]), None);
    assert_eq!(c.status, TlsStatus::Pass);
    let refused = Handshake::Refused("HandshakeFailure".into());
    let chacha = "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256";
    assert!(!is_required_suite(chacha));
    let c = judge_suites(&tried, &refused, Some(&ok(chacha)));
    assert_eq!(c.status, TlsStatus::Fail);
    let ev = c.evidence.unwrap();
    assert!(
        ev.contains(chacha) && ev.contains("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"),
        "{ev}"
    );
    // TLS 1.3 only: the TLS 1.2 list does not apply.
    let c = judge_suites(&tried, &refused, Some(&refused));
    assert_eq!(c.status, TlsStatus::NotApplicable);
    assert_eq!(
        judge_suites(&tried, &refused, None).status,
        TlsStatus::NotPerformed
    );
}

#[test]
fn plain_http_is_never_a_pass() {
    let v = not_applicable_http();
    assert_eq!(v.len(), 4);
    assert!(v.iter().all(|c| c.status == TlsStatus::NotApplicable));
}
