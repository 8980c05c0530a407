//! Certificate client credentials: the app registration's certificate and its
//! private key (one PEM file, as `az` and Microsoft's docs produce), turned
//! into the signed client assertion the identity platform accepts instead of a
//! client secret (RFC 7523, `private_key_jwt`, RS256 with `x5t`/`x5t#S256`).
//!
//! The PEM lives in the [`SecretStore`](crate::secrets::SecretStore) only; it
//! is parsed when a token is needed and never logged (its `Debug` is redacted).

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use ring::rand::SystemRandom;
use ring::signature::{KeyPair, RsaKeyPair, RSA_PKCS1_SHA256};
use serde_json::json;
use sha2::{Digest, Sha256};

/// Why a certificate PEM cannot be used, worded for the admin (never quoting it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    #[error("no certificate found: paste the PEM text that contains -----BEGIN CERTIFICATE-----")]
    NoCertificate,
    #[error(
        "no private key found: the PEM must also hold the certificate's private key (-----BEGIN PRIVATE KEY-----)"
    )]
    NoKey,
    #[error(
        "the private key is password-protected; export it without a password (for example `openssl pkcs8 -topk8 -nocrypt`)"
    )]
    EncryptedKey,
    #[error("the private key is not an RSA key Entra accepts (RSA, 2048 bits or more): {0}")]
    BadKey(String),
    #[error("the PEM block {0} is not valid base64")]
    BadPem(String),
    #[error("the private key does not belong to this certificate")]
    KeyMismatch,
    #[error("signing the client assertion failed")]
    Sign,
}

/// A parsed certificate with its private key.
pub struct ClientCertificate {
    cert_der: Vec<u8>,
    key: RsaKeyPair,
}

impl std::fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("thumbprint", &self.thumbprint_hex())
            .field("key", &"[redacted]")
            .finish()
    }
}

/// The PEM blocks of `text`: `(label, DER)`.
fn pem_blocks(text: &str) -> Result<Vec<(String, Vec<u8>)>, CertificateError> {
    let mut out = Vec::new();
    let mut lines = text.lines().map(str::trim);
    while let Some(line) = lines.next() {
        let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        else {
            continue;
        };
        let end = format!("-----END {label}-----");
        let mut b64 = String::new();
        for l in lines.by_ref() {
            if l == end {
                break;
            }
            // Headers of legacy encrypted PEM ("Proc-Type: 4,ENCRYPTED").
            if l.contains(':') {
                if l.contains("ENCRYPTED") {
                    return Err(CertificateError::EncryptedKey);
                }
                continue;
            }
            b64.push_str(l);
        }
        let der = STANDARD
            .decode(b64.as_bytes())
            .map_err(|_| CertificateError::BadPem(label.to_string()))?;
        out.push((label.to_string(), der));
    }
    Ok(out)
}

impl ClientCertificate {
    /// Parse the certificate and its RSA private key (PKCS#8 or PKCS#1) from PEM text.
    pub fn from_pem(text: &str) -> Result<Self, CertificateError> {
        let blocks = pem_blocks(text)?;
        let cert_der = blocks
            .iter()
            .find(|(l, _)| l == "CERTIFICATE")
            .map(|(_, d)| d.clone())
            .ok_or(CertificateError::NoCertificate)?;
        let key = if let Some((_, d)) = blocks.iter().find(|(l, _)| l == "PRIVATE KEY") {
            RsaKeyPair::from_pkcs8(d).map_err(|e| CertificateError::BadKey(e.to_string()))?
        } else if let Some((_, d)) = blocks.iter().find(|(l, _)| l == "RSA PRIVATE KEY") {
            RsaKeyPair::from_der(d).map_err(|e| CertificateError::BadKey(e.to_string()))?
        } else if blocks.iter().any(|(l, _)| l == "ENCRYPTED PRIVATE KEY") {
            return Err(CertificateError::EncryptedKey);
        } else if let Some((l, _)) = blocks.iter().find(|(l, _)| l.ends_with("PRIVATE KEY")) {
            return Err(CertificateError::BadKey(format!("{l} is not supported")));
        } else {
            return Err(CertificateError::NoKey);
        };
        // The certificate's SubjectPublicKeyInfo holds the RSA public key verbatim.
        let public = key.public_key().as_ref();
        if !cert_der.windows(public.len()).any(|w| w == public) {
            return Err(CertificateError::KeyMismatch);
        }
        Ok(Self { cert_der, key })
    }

    /// SHA-1 thumbprint, as the Entra admin center shows it (upper-case hex).
    pub fn thumbprint_hex(&self) -> String {
        ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &self.cert_der)
            .as_ref()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect()
    }

    /// The signed client assertion for `token_url` (its audience), valid ten minutes.
    pub fn assertion(
        &self,
        client_id: &str,
        token_url: &str,
        now: DateTime<Utc>,
    ) -> Result<String, CertificateError> {
        let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &self.cert_der);
        let header = json!({
            "alg": "RS256",
            "typ": "JWT",
            "x5t": URL_SAFE_NO_PAD.encode(sha1.as_ref()),
            "x5t#S256": URL_SAFE_NO_PAD.encode(Sha256::digest(&self.cert_der)),
        });
        let t = now.timestamp();
        let claims = json!({
            "aud": token_url,
            "iss": client_id,
            "sub": client_id,
            "jti": uuid::Uuid::new_v4().to_string(),
            "nbf": t,
            "iat": t,
            "exp": t + 600,
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut sig = vec![0u8; self.key.public().modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signing_input.as_bytes(),
                &mut sig,
            )
            .map_err(|_| CertificateError::Sign)?;
        Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const CERT: &str = include_str!("../../tests/fixtures/cert/cert.pem");
    const KEY: &str = include_str!("../../tests/fixtures/cert/key.pem");
    const KEY_PKCS1: &str = include_str!("../../tests/fixtures/cert/key-pkcs1.pem");
    const OTHER_KEY: &str = include_str!("../../tests/fixtures/cert/other-key.pem");
    const PUBLIC_DER: &[u8] = include_bytes!("../../tests/fixtures/cert/public.der");

    #[test]
    fn parses_cert_and_key_in_either_order_and_format() {
        for pem in [
            format!("{CERT}{KEY}"),
            format!("{KEY}\n{CERT}"),
            format!("{CERT}{KEY_PKCS1}"),
            format!("  {CERT}\r\n{KEY}  ").replace('\n', "\r\n"),
        ] {
            let c = ClientCertificate::from_pem(&pem).unwrap();
            assert_eq!(c.thumbprint_hex().len(), 40);
        }
    }

    #[test]
    fn specific_errors_never_quote_the_key() {
        let cases = [
            (KEY.to_string(), CertificateError::NoCertificate),
            (CERT.to_string(), CertificateError::NoKey),
            (format!("{CERT}{OTHER_KEY}"), CertificateError::KeyMismatch),
            (
                format!("{CERT}-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"),
                CertificateError::EncryptedKey,
            ),
            (
                format!("{CERT}-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nAAAA\n-----END RSA PRIVATE KEY-----\n"),
                CertificateError::EncryptedKey,
            ),
            (
                "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n".to_string(),
                CertificateError::BadPem("CERTIFICATE".into()),
            ),
            (String::new(), CertificateError::NoCertificate),
        ];
        for (pem, want) in cases {
            let got = ClientCertificate::from_pem(&pem).unwrap_err();
            assert_eq!(got, want);
            assert!(!got.to_string().contains("MII"), "{got}");
        }
        let debug = format!(
            "{:?}",
            ClientCertificate::from_pem(&format!("{CERT}{KEY}")).unwrap()
        );
        assert!(
            debug.contains("redacted") && !debug.contains("MII"),
            "{debug}"
        );
    }

    #[test]
    fn assertion_is_signed_by_the_certificate_key() {
        let c = ClientCertificate::from_pem(&format!("{CERT}{KEY}")).unwrap();
        let now = Utc::now();
        let jwt = c
            .assertion("client-1", "https://login.example/t/oauth2/v2.0/token", now)
            .unwrap();
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "RS256");
        let x5t = URL_SAFE_NO_PAD
            .decode(header["x5t"].as_str().unwrap())
            .unwrap();
        let hex: String = x5t.iter().map(|b| format!("{b:02X}")).collect();
        assert_eq!(hex, c.thumbprint_hex());
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["aud"], "https://login.example/t/oauth2/v2.0/token");
        assert_eq!(claims["iss"], "client-1");
        assert_eq!(claims["sub"], "client-1");
        assert_eq!(claims["exp"], now.timestamp() + 600);
        let key = ring::signature::UnparsedPublicKey::new(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            PUBLIC_DER,
        );
        let sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        key.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
            .unwrap();
    }
}
