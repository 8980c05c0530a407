//! Certificate client credentials: the app registration's registered
//! certificate, and the checks the identity platform makes on a signed client
//! assertion (RFC 7523, RS256 with `x5t` or `x5t#S256`).

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use ring::signature::{UnparsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// A certificate registered on the client app (Certificates & secrets).
#[derive(Debug, Clone)]
pub struct SimCertificate {
    /// The certificate (DER): its thumbprints identify it in assertions.
    pub cert_der: Vec<u8>,
    /// Its RSA public key (PKCS#1 `RSAPublicKey`, DER): verifies signatures.
    pub public_key_der: Vec<u8>,
}

impl SimCertificate {
    /// From a PEM certificate and the DER public key (`openssl rsa -RSAPublicKey_out -outform DER`).
    pub fn from_pem(cert_pem: &str, public_key_der: Vec<u8>) -> Option<Self> {
        let b64: String = cert_pem
            .lines()
            .map(str::trim)
            .skip_while(|l| *l != "-----BEGIN CERTIFICATE-----")
            .skip(1)
            .take_while(|l| *l != "-----END CERTIFICATE-----")
            .collect();
        let cert_der = STANDARD.decode(b64).ok()?;
        Some(Self {
            cert_der,
            public_key_der,
        })
    }
}

/// Why an assertion is refused: `(AADSTS code, description)`.
pub type Refusal = (u32, String);

fn part(p: &str) -> Option<Value> {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).ok()?).ok()
}

/// Check `assertion` as Entra does for `client_id` at the token endpoint of `tenant`.
pub fn verify(
    assertion: &str,
    cert: Option<&SimCertificate>,
    client_id: &str,
    tenant: &str,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    let malformed = || (50027u32, "JWT token is invalid or malformed.".to_string());
    let parts: Vec<&str> = assertion.split('.').collect();
    let [h, c, s] = parts[..] else {
        return Err(malformed());
    };
    let (header, claims) = (
        part(h).ok_or_else(malformed)?,
        part(c).ok_or_else(malformed)?,
    );
    if header["alg"] != "RS256" {
        return Err((
            5002738,
            format!(
                "Invalid JWT token. '{}' is not a supported signature algorithm.",
                header["alg"]
            ),
        ));
    }
    let Some(cert) = cert else {
        return Err((
            700027,
            "Client assertion failed signature validation. [Reason - The key was not found.]"
                .into(),
        ));
    };
    let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &cert.cert_der);
    let known = header["x5t"].as_str() == Some(&URL_SAFE_NO_PAD.encode(sha1.as_ref()))
        || header["x5t#S256"].as_str()
            == Some(&URL_SAFE_NO_PAD.encode(Sha256::digest(&cert.cert_der)));
    if !known {
        return Err((700027, format!("Client assertion failed signature validation. [Reason - The key was not found., Thumbprint of key used by client: '{}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{client_id}'.]", header["x5t"].as_str().unwrap_or(""))));
    }
    let sig = URL_SAFE_NO_PAD.decode(s).map_err(|_| malformed())?;
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &cert.public_key_der)
        .verify(format!("{h}.{c}").as_bytes(), &sig)
        .map_err(|_| {
            (
                700027,
                "Client assertion failed signature validation. [Reason - The provided signature value did not match the expected signature value.]".to_string(),
            )
        })?;
    if claims["iss"] != client_id || claims["sub"] != client_id {
        return Err((
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter.".into(),
        ));
    }
    let aud_ok = claims["aud"]
        .as_str()
        .is_some_and(|a| a.ends_with(&format!("/{tenant}/oauth2/v2.0/token")));
    if !aud_ok {
        return Err((
            700212,
            "No matching federated identity record found for presented assertion audience.".into(),
        ));
    }
    let t = now.timestamp();
    let (nbf, exp) = (
        claims["nbf"].as_i64().unwrap_or(0),
        claims["exp"].as_i64().unwrap_or(0),
    );
    // Five minutes of clock skew allowed, as the service does.
    if exp + 300 < t || nbf - 300 > t {
        return Err((
            700024,
            "Client assertion is not within its valid time range.".into(),
        ));
    }
    Ok(())
}
