//! TLS as Entra requires it (issue 20, item 3): the verdicts on what a TLS
//! handshake with the SCIM endpoint showed — version, certificate key size,
//! TLS 1.2 cipher suites. Pure: the engine does the handshakes
//! (`scimwatch-engine`'s `scim/discover/tls.rs`) and hands the facts here.
//!
//! Microsoft's requirements, from the "Security requirements" section of the
//! tutorial "Develop and plan provisioning for a SCIM endpoint in Microsoft
//! Entra ID" (learn.microsoft.com/entra/identity/app-provisioning/
//! use-scim-to-provision-users-and-groups; added to MicrosoftDocs/azure-docs
//! by commit 835f63f, "Add TLS Requirements"):
//! - the only acceptable protocol versions are TLS 1.2 and TLS 1.3;
//! - RSA keys of at least 2,048 bits, ECC keys of at least 256 bits on an
//!   approved curve;
//! - "TLS 1.2 Cipher Suites minimum bar": [`REQUIRED_TLS12_SUITES`].
//!
//! Every check is *pass*, *fail* (Entra will refuse the endpoint, with the
//! evidence), *not applicable* (plain http on loopback) or *not performed*
//! (nothing to judge on) — never a pass without a handshake that showed it.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Microsoft's "TLS 1.2 Cipher Suites minimum bar" for a SCIM endpoint, in
/// the order the tutorial lists them (see the module docs for the source;
/// also `tests/fixtures/tls/README.md`). The endpoint must offer at least one.
pub const REQUIRED_TLS12_SUITES: [&str; 8] = [
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
];

/// Whether `suite` (IANA name) is on Microsoft's TLS 1.2 list.
pub fn is_required_suite(suite: &str) -> bool {
    REQUIRED_TLS12_SUITES.contains(&suite)
}

/// Check ids (also the finding codes of a failure).
pub const CHECK_VERSION: &str = "tls_version";
pub const CHECK_OLD_VERSIONS: &str = "tls_old_versions_refused";
pub const CHECK_CERTIFICATE: &str = "tls_certificate";
pub const CHECK_KEY: &str = "tls_key_size";
pub const CHECK_SUITES: &str = "tls12_cipher_suites";

/// How one TLS check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TlsStatus {
    Pass,
    /// Entra will refuse this endpoint.
    Fail,
    /// Plain http (loopback only): there is no TLS to judge.
    NotApplicable,
    /// Nothing to judge on (no handshake, a check scimwatch cannot make).
    NotPerformed,
}

impl TlsStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::NotApplicable => "not applicable",
            Self::NotPerformed => "not performed",
        }
    }
}

/// One TLS check with what it saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TlsCheck {
    /// `tls_version`, `tls_old_versions_refused`, `tls_certificate`,
    /// `tls_key_size`, `tls12_cipher_suites`.
    pub id: String,
    pub status: TlsStatus,
    pub message: String,
    /// What the handshakes showed (negotiated version, suite, key type and
    /// size, the handshake error).
    pub evidence: Option<String>,
}

fn check(id: &str, status: TlsStatus, message: String, evidence: Option<String>) -> TlsCheck {
    TlsCheck {
        id: id.to_string(),
        status,
        message,
        evidence,
    }
}

const REFUSE: &str = "Entra will refuse this endpoint";

/// The checks of a plain-http endpoint: all *not applicable*.
pub fn not_applicable_http() -> Vec<TlsCheck> {
    [CHECK_VERSION, CHECK_CERTIFICATE, CHECK_KEY, CHECK_SUITES]
        .iter()
        .map(|id| {
            check(
                id,
                TlsStatus::NotApplicable,
                "not applicable: the endpoint is plain http (allowed on loopback only), \
                 there is no TLS to check"
                    .into(),
                None,
            )
        })
        .collect()
}

/// Outcome of a handshake restricted to one protocol version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handshake {
    /// Completed; the negotiated cipher suite (IANA name).
    Ok { suite: String },
    /// Refused or failed; the error as rustls put it.
    Refused(String),
}

/// Whether the endpoint negotiates TLS 1.2 and/or 1.3.
pub fn judge_versions(tls12: &Handshake, tls13: &Handshake) -> TlsCheck {
    let ev = |v: &str, h: &Handshake| match h {
        Handshake::Ok { suite } => format!("TLS {v}: negotiated ({suite})"),
        Handshake::Refused(e) => format!("TLS {v}: refused ({e})"),
    };
    let evidence = Some(format!("{}; {}", ev("1.2", tls12), ev("1.3", tls13)));
    let ok = |h: &Handshake| matches!(h, Handshake::Ok { .. });
    match (ok(tls12), ok(tls13)) {
        (true, true) => check(
            CHECK_VERSION,
            TlsStatus::Pass,
            "the endpoint negotiates TLS 1.2 and TLS 1.3".into(),
            evidence,
        ),
        (true, false) => check(
            CHECK_VERSION,
            TlsStatus::Pass,
            "the endpoint negotiates TLS 1.2 (not TLS 1.3)".into(),
            evidence,
        ),
        (false, true) => check(
            CHECK_VERSION,
            TlsStatus::Pass,
            "the endpoint negotiates TLS 1.3 only (not TLS 1.2)".into(),
            evidence,
        ),
        (false, false) => check(
            CHECK_VERSION,
            TlsStatus::Fail,
            format!("{REFUSE}: it negotiates neither TLS 1.2 nor TLS 1.3"),
            evidence,
        ),
    }
}

/// The certificate did not verify (with the same trust as every other
/// request of scimwatch).
pub fn certificate_refused(error: &str) -> TlsCheck {
    check(
        CHECK_CERTIFICATE,
        TlsStatus::Fail,
        format!("{REFUSE}: its certificate does not verify ({error})"),
        Some(error.to_string()),
    )
}

/// The certificate verified.
pub fn certificate_verified(host: &str) -> TlsCheck {
    check(
        CHECK_CERTIFICATE,
        TlsStatus::Pass,
        format!("the certificate verifies for {host}"),
        None,
    )
}

/// A check that could not be made, and why.
pub fn not_performed(id: &str, why: &str) -> TlsCheck {
    check(
        id,
        TlsStatus::NotPerformed,
        format!("not performed: {why}"),
        None,
    )
}

/// The suite check from a TLS 1.2 handshake offering only the required
/// suites scimwatch can speak (`tried`), and, when that failed, one offering
/// every TLS 1.2 suite scimwatch has (`any12`).
pub fn judge_suites(tried: &[&str], required: &Handshake, any12: Option<&Handshake>) -> TlsCheck {
    let untried: Vec<&str> = REQUIRED_TLS12_SUITES
        .iter()
        .copied()
        .filter(|s| !tried.contains(s))
        .collect();
    let untried_note = if untried.is_empty() {
        String::new()
    } else {
        format!(
            "; not offered in a full handshake (scimwatch's TLS library does not speak them): {}",
            untried.join(", ")
        )
    };
    match (required, any12) {
        (Handshake::Ok { suite }, _) => check(
            CHECK_SUITES,
            TlsStatus::Pass,
            format!("the endpoint offers {suite}, on Microsoft's TLS 1.2 list"),
            Some(format!(
                "TLS 1.2 handshake offering {}: negotiated {suite}",
                tried.join(", ")
            )),
        ),
        (Handshake::Refused(e), Some(Handshake::Ok { suite })) => check(
            CHECK_SUITES,
            TlsStatus::Fail,
            format!(
                "{REFUSE}: over TLS 1.2 it accepts {suite}, which is not on Microsoft's list, \
                 and none of the list's suites scimwatch tried"
            ),
            Some(format!(
                "TLS 1.2 offering {}: refused ({e}); TLS 1.2 with any suite: negotiated \
                 {suite}{untried_note}",
                tried.join(", ")
            )),
        ),
        (Handshake::Refused(e), Some(Handshake::Refused(e2))) => check(
            CHECK_SUITES,
            TlsStatus::NotApplicable,
            "not applicable: the endpoint does not negotiate TLS 1.2 at all (Microsoft's list \
             is for TLS 1.2)"
                .into(),
            Some(format!(
                "TLS 1.2 offering {}: refused ({e}); TLS 1.2 with any suite: refused ({e2})",
                tried.join(", ")
            )),
        ),
        (Handshake::Refused(e), None) => check(
            CHECK_SUITES,
            TlsStatus::NotPerformed,
            "not performed: the TLS 1.2 handshake with Microsoft's suites failed and no other \
             was tried"
                .into(),
            Some(format!(
                "TLS 1.2 offering {}: refused ({e})",
                tried.join(", ")
            )),
        ),
    }
}

/// A certificate's public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    Rsa {
        bits: usize,
    },
    /// An elliptic-curve key on a named curve (`P-256`, … or the OID).
    Ec {
        curve: String,
        bits: Option<usize>,
    },
    /// Another algorithm (its OID, dotted).
    Other {
        algorithm: String,
    },
}

impl PublicKey {
    pub fn describe(&self) -> String {
        match self {
            Self::Rsa { bits } => format!("RSA {bits} bits"),
            Self::Ec {
                curve,
                bits: Some(b),
            } => format!("ECC {curve} ({b} bits)"),
            Self::Ec { curve, bits: None } => format!("ECC on curve {curve}"),
            Self::Other { algorithm } => format!("key algorithm {algorithm}"),
        }
    }
}

/// Whether the leaf certificate's key is long enough for Entra.
pub fn judge_key(key: &PublicKey) -> TlsCheck {
    let evidence = Some(format!("leaf certificate key: {}", key.describe()));
    let (status, message) = match key {
        PublicKey::Rsa { bits } if *bits >= 2048 => (
            TlsStatus::Pass,
            format!("the certificate's RSA key has {bits} bits (at least 2,048)"),
        ),
        PublicKey::Rsa { bits } => (
            TlsStatus::Fail,
            format!("{REFUSE}: the certificate's RSA key has {bits} bits, fewer than 2,048"),
        ),
        PublicKey::Ec {
            curve,
            bits: Some(b),
        } if *b >= 256 => (
            TlsStatus::Pass,
            format!("the certificate's ECC key is on {curve} ({b} bits, at least 256)"),
        ),
        PublicKey::Ec {
            curve,
            bits: Some(b),
        } => (
            TlsStatus::Fail,
            format!("{REFUSE}: the certificate's ECC key on {curve} has {b} bits, fewer than 256"),
        ),
        PublicKey::Ec { curve, bits: None } => (
            TlsStatus::Fail,
            format!(
                "{REFUSE}: the certificate's ECC key is on curve {curve}, not an approved \
                 curve (P-256, P-384, P-521)"
            ),
        ),
        PublicKey::Other { algorithm } => (
            TlsStatus::NotPerformed,
            format!(
                "not performed: the certificate's key algorithm {algorithm} is neither RSA \
                 nor ECC, so Microsoft's key-size rule says nothing about it"
            ),
        ),
    };
    check(CHECK_KEY, status, message, evidence)
}

const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const CURVES: [(&[u8], &str, usize); 3] = [
    (
        &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07],
        "P-256",
        256,
    ),
    (&[0x2b, 0x81, 0x04, 0x00, 0x22], "P-384", 384),
    (&[0x2b, 0x81, 0x04, 0x00, 0x23], "P-521", 521),
];

/// One DER TLV: (tag, content, rest).
fn tlv(b: &[u8]) -> Result<(u8, &[u8], &[u8]), String> {
    let bad = || "not DER".to_string();
    let (&tag, b) = b.split_first().ok_or_else(bad)?;
    let (&l0, mut b) = b.split_first().ok_or_else(bad)?;
    let len = if l0 < 0x80 {
        usize::from(l0)
    } else {
        let n = usize::from(l0 & 0x7f);
        if n == 0 || n > 4 || b.len() < n {
            return Err(bad());
        }
        let len = b[..n]
            .iter()
            .fold(0usize, |a, &x| (a << 8) | usize::from(x));
        b = &b[n..];
        len
    };
    if b.len() < len {
        return Err(bad());
    }
    Ok((tag, &b[..len], &b[len..]))
}

fn expect(b: &[u8], tag: u8) -> Result<(&[u8], &[u8]), String> {
    let (t, c, rest) = tlv(b)?;
    if t != tag {
        return Err(format!("unexpected DER tag {t:#04x} (wanted {tag:#04x})"));
    }
    Ok((c, rest))
}

fn dotted(oid: &[u8]) -> String {
    let mut parts: Vec<u64> = Vec::new();
    let mut acc: u64 = 0;
    for &b in oid {
        acc = (acc << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if parts.is_empty() {
                let first = (acc / 40).min(2);
                parts.push(first);
                parts.push(acc - first * 40);
            } else {
                parts.push(acc);
            }
            acc = 0;
        }
    }
    parts
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// The public key of an X.509 certificate (DER): a minimal walk to the
/// SubjectPublicKeyInfo (RFC 5280 §4.1), then the RSA modulus length
/// (RFC 8017 A.1.1) or the EC named curve (RFC 5480 §2.1.1).
pub fn certificate_public_key(der: &[u8]) -> Result<PublicKey, String> {
    let (cert, _) = expect(der, 0x30)?;
    let (tbs, _) = expect(cert, 0x30)?;
    let mut rest = tbs;
    // [0] version (optional), serial, signature, issuer, validity, subject.
    if rest.first() == Some(&0xa0) {
        rest = tlv(rest)?.2;
    }
    for _ in 0..5 {
        rest = tlv(rest)?.2;
    }
    let (spki, _) = expect(rest, 0x30)?;
    let (alg, key) = expect(spki, 0x30)?;
    let (oid, params) = expect(alg, 0x06)?;
    let (bits, _) = expect(key, 0x03)?;
    let key_bytes = bits.get(1..).ok_or("empty key")?;
    if oid == OID_RSA {
        let (rsa, _) = expect(key_bytes, 0x30)?;
        let (modulus, _) = expect(rsa, 0x02)?;
        let m: &[u8] = match modulus.iter().position(|&x| x != 0) {
            Some(i) => &modulus[i..],
            None => &[],
        };
        let bits = m
            .first()
            .map_or(0, |&f| m.len() * 8 - f.leading_zeros() as usize);
        return Ok(PublicKey::Rsa { bits });
    }
    if oid == OID_EC {
        let curve = match expect(params, 0x06) {
            Ok((c, _)) => c,
            Err(_) => {
                return Ok(PublicKey::Ec {
                    curve: "explicit parameters".into(),
                    bits: None,
                })
            }
        };
        return Ok(match CURVES.iter().find(|(o, _, _)| *o == curve) {
            Some((_, name, b)) => PublicKey::Ec {
                curve: (*name).to_string(),
                bits: Some(*b),
            },
            None => PublicKey::Ec {
                curve: dotted(curve),
                bits: None,
            },
        });
    }
    Ok(PublicKey::Other {
        algorithm: dotted(oid),
    })
}

#[cfg(test)]
#[path = "tls_tests.rs"]
mod tests;
