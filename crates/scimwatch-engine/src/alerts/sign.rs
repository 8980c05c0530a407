//! The generic webhook's signature, as receivers verify it.
//!
//! Every request carries:
//!
//! - `X-Scimwatch-Timestamp`: Unix seconds when the request was sent (each
//!   retry is signed anew);
//! - `X-Scimwatch-Signature: v1=<hex>`, where `<hex>` is
//!   HMAC-SHA256(secret, `<timestamp>` + `"."` + `<raw body>`), lower-case;
//! - `Idempotency-Key`: the same on every retry of one alert (a receiver
//!   that has seen it answers 2xx and does nothing).
//!
//! A receiver recomputes the HMAC over the raw body, compares in constant
//! time, and rejects a timestamp more than [`TOLERANCE_SECS`] from its
//! clock (a replayed request is refused; a key seen before is a duplicate).

use ring::hmac;

/// Header names.
pub const TIMESTAMP_HEADER: &str = "X-Scimwatch-Timestamp";
pub const SIGNATURE_HEADER: &str = "X-Scimwatch-Signature";
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";
pub const EVENT_HEADER: &str = "X-Scimwatch-Event";

/// How far a timestamp may be from the receiver's clock (5 minutes).
pub const TOLERANCE_SECS: i64 = 300;

/// Shortest signing secret accepted.
pub const MIN_SECRET_LEN: usize = 16;

/// `v1=<hex>` for `body` sent at `timestamp`.
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(timestamp.to_string().as_bytes());
    ctx.update(b".");
    ctx.update(body);
    let tag = ctx.sign();
    let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("v1={hex}")
}

/// Why a signed request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the timestamp is not a number of seconds")]
    BadTimestamp,
    #[error("the timestamp is {0} s from now (more than 5 minutes): a replay or a wrong clock")]
    Stale(i64),
    #[error("the signature is not v1=<64 hex digits>")]
    BadFormat,
    #[error("the signature does not match the body")]
    Mismatch,
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// What a receiver does (and what the tests' receiver does): check the
/// timestamp is within [`TOLERANCE_SECS`] of `now_secs` and the signature
/// matches, in constant time.
pub fn verify(
    secret: &[u8],
    timestamp: &str,
    signature_header: &str,
    body: &[u8],
    now_secs: i64,
) -> Result<(), VerifyError> {
    let ts: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| VerifyError::BadTimestamp)?;
    let skew = now_secs - ts;
    if skew.abs() > TOLERANCE_SECS {
        return Err(VerifyError::Stale(skew));
    }
    let tag = signature_header
        .trim()
        .strip_prefix("v1=")
        .and_then(unhex)
        .filter(|t| t.len() == 32)
        .ok_or(VerifyError::BadFormat)?;
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let mut msg = Vec::with_capacity(body.len() + 12);
    msg.extend_from_slice(ts.to_string().as_bytes());
    msg.push(b'.');
    msg.extend_from_slice(body);
    hmac::verify(&key, &msg, &tag).map_err(|_| VerifyError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A known answer, computed independently (Python's `hmac`):
    /// HMAC-SHA256("Jefe", "1700000000.what do ya want for nothing?").
    #[test]
    fn known_answer() {
        assert_eq!(
            signature(b"Jefe", 1_700_000_000, b"what do ya want for nothing?"),
            "v1=1cdd0650c8be1cb0974b1788d458b1e781206cfef59b85faafc582d2e182c57e"
        );
    }

    #[test]
    fn a_receiver_accepts_a_fresh_signature_and_refuses_the_rest() {
        let secret = b"0123456789abcdef-secret";
        let body = br#"{"type":"incident.opened"}"#;
        let sig = signature(secret, 1_800_000_000, body);
        assert_eq!(
            verify(secret, "1800000000", &sig, body, 1_800_000_100),
            Ok(())
        );
        assert_eq!(
            verify(secret, "1800000000", &sig, body, 1_800_000_301),
            Err(VerifyError::Stale(301))
        );
        assert_eq!(
            verify(secret, "1800000000", &sig, b"{}", 1_800_000_000),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            verify(
                b"another-secret-xx",
                "1800000000",
                &sig,
                body,
                1_800_000_000
            ),
            Err(VerifyError::Mismatch)
        );
        // The timestamp is signed: moving it breaks the signature.
        assert_eq!(
            verify(secret, "1800000001", &sig, body, 1_800_000_000),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            verify(secret, "x", &sig, body, 0),
            Err(VerifyError::BadTimestamp)
        );
        assert_eq!(
            verify(secret, "1800000000", "sha256=00", body, 1_800_000_000),
            Err(VerifyError::BadFormat)
        );
    }
}
