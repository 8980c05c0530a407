//! Expiry of a SCIM bearer token that happens to be a JWT.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::graph::lenient::parse_i64_text;
use crate::validate::MAX_TOKEN_LEN;

/// `exp` of a JWT (JWS compact form: `header.payload.signature`), read from
/// the base64url payload without checking the signature. `None` for tokens
/// that are not JWTs (opaque tokens, encrypted JWEs), a payload without a
/// numeric `exp`, or anything malformed. Never panics.
///
/// A pasted `Bearer ` prefix and surrounding whitespace are tolerated.
pub fn jwt_expiry(token: &str) -> Option<DateTime<Utc>> {
    let claims = jwt_claims(token)?;
    let seconds = match claims.get("exp")? {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && f.abs() < 1e15)
                .map(|f| f as i64)
        })?,
        Value::String(s) => parse_i64_text(s)?,
        _ => return None,
    };
    DateTime::from_timestamp(seconds, 0)
}

/// The payload claims of a JWT, unverified. `None` when not a JWS.
pub fn jwt_claims(token: &str) -> Option<serde_json::Map<String, Value>> {
    let mut t = token.trim();
    if t.len() > MAX_TOKEN_LEN {
        return None;
    }
    if t.get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case("bearer "))
    {
        t = t[7..].trim_start();
    }
    let mut parts = t.split('.');
    let (Some(header), Some(payload), Some(_sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let header: Value = serde_json::from_slice(&decode(header)?).ok()?;
    header.as_object()?;
    let payload: Value = serde_json::from_slice(&decode(payload)?).ok()?;
    match payload {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

fn decode(part: &str) -> Option<Vec<u8>> {
    let trimmed = part.trim_end_matches('=');
    if trimmed.is_empty() {
        return None;
    }
    URL_SAFE_NO_PAD.decode(trimmed).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    fn jwt(payload: &str) -> String {
        format!(
            "{}.{}.sig",
            b64(r#"{"alg":"HS256","typ":"JWT"}"#),
            b64(payload)
        )
    }

    #[test]
    fn reads_exp() {
        let exp = DateTime::from_timestamp(1_900_000_000, 0);
        let cases = [
            (jwt(r#"{"sub":"x","exp":1900000000}"#), exp),
            (jwt(r#"{"exp":1900000000.0}"#), exp),
            (jwt(r#"{"exp":"1900000000"}"#), exp),
            (format!("Bearer {}\n", jwt(r#"{"exp":1900000000}"#)), exp),
            (format!("{}=", jwt(r#"{"exp":1900000000}"#)), exp),
            (jwt(r#"{"sub":"x"}"#), None),
            (jwt(r#"{"exp":null}"#), None),
            (jwt(r#"{"exp":1e300}"#), None),
            (jwt(r#"{"exp":9223372036854775807}"#), None),
            (jwt(r#"[1]"#), None),
            (jwt("not json"), None),
            ("opaque-token-123".to_string(), None),
            ("a.b.c".to_string(), None),
            ("a.b.c.d.e".to_string(), None),
            ("..".to_string(), None),
            ("".to_string(), None),
            ("Bearer".to_string(), None),
            ("é.é.é".to_string(), None),
        ];
        for (token, expected) in cases {
            assert_eq!(jwt_expiry(&token), expected, "{token:?}");
        }
    }

    #[test]
    fn padded_segments_are_accepted() {
        // Some issuers pad; the payload `{"exp":1}` encodes with padding.
        let payload = base64::engine::general_purpose::URL_SAFE.encode(r#"{"exp":1}"#);
        let token = format!("{}.{payload}.s", b64(r#"{"alg":"none"}"#));
        assert_eq!(jwt_expiry(&token), DateTime::from_timestamp(1, 0));
    }
}
