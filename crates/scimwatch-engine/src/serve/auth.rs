//! Who may read the service: loopback by default; any other address only
//! with a bearer token (read from a file by the caller), compared in
//! constant time. The token is `Sensitive`: it is never printed, logged or
//! sent back.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use scimwatch_core::Sensitive;
use sha2::{Digest, Sha256};

/// The default `--listen`.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9464";

/// Parse a `--listen` value: `IP:PORT` (`127.0.0.1:9464`, `[::1]:9464`,
/// `0.0.0.0:9464`) or `localhost:PORT`. Port 0 picks a free port.
pub fn parse_listen(s: &str) -> Result<SocketAddr, String> {
    let s = s.trim();
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(a);
    }
    if let Some(port) = s.strip_prefix("localhost:") {
        if let Ok(p) = port.parse::<u16>() {
            return Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), p));
        }
    }
    Err(format!(
        "\u{201c}{s}\u{201d} is not an address to listen on; expected IP:PORT, e.g. \
         127.0.0.1:9464, [::1]:9464 or 0.0.0.0:9464 (the port is 0–65535; 0 picks a free one)"
    ))
}

/// Whether `addr` is reachable from this machine only.
pub fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

/// The bearer token a non-loopback service requires.
#[derive(Debug, Clone)]
pub struct BearerToken {
    digest: [u8; 32],
}

impl BearerToken {
    /// The token from a file's text (surrounding whitespace and a trailing
    /// newline removed). `None` when nothing is left.
    pub fn new(secret: &Sensitive<String>) -> Option<Self> {
        let t = secret.expose().trim();
        if t.is_empty() {
            return None;
        }
        Some(Self {
            digest: Sha256::digest(t.as_bytes()).into(),
        })
    }

    /// Whether an `Authorization` header value carries this token
    /// (`Bearer <token>`, the scheme in any case). Both sides are hashed
    /// first and compared without an early exit, so the time taken says
    /// nothing about how much of the token was right.
    pub fn accepts(&self, authorization: Option<&[u8]>) -> bool {
        let Some(h) = authorization else {
            return false;
        };
        let Some((scheme, rest)) = split_scheme(h) else {
            return false;
        };
        if !scheme.eq_ignore_ascii_case(b"bearer") {
            return false;
        }
        let presented: [u8; 32] = Sha256::digest(trim(rest)).into();
        let mut diff = 0u8;
        for (a, b) in presented.iter().zip(self.digest.iter()) {
            diff |= a ^ b;
        }
        std::hint::black_box(diff) == 0
    }
}

fn split_scheme(h: &[u8]) -> Option<(&[u8], &[u8])> {
    let i = h.iter().position(|b| *b == b' ')?;
    Some((&h[..i], &h[i + 1..]))
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end.max(start)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_values() {
        assert_eq!(
            parse_listen("127.0.0.1:9464").unwrap(),
            "127.0.0.1:9464".parse().unwrap()
        );
        assert_eq!(parse_listen("[::1]:0").unwrap(), "[::1]:0".parse().unwrap());
        assert_eq!(
            parse_listen("localhost:80").unwrap(),
            "127.0.0.1:80".parse().unwrap()
        );
        for bad in [
            "",
            "9464",
            "127.0.0.1",
            "127.0.0.1:99999",
            "example.com:80",
            "::1:80",
        ] {
            let e = parse_listen(bad).unwrap_err();
            assert!(e.contains("expected IP:PORT"), "{bad}: {e}");
        }
        assert!(is_loopback(&parse_listen("127.0.0.2:1").unwrap()));
        assert!(is_loopback(&parse_listen("[::1]:1").unwrap()));
        assert!(!is_loopback(&parse_listen("0.0.0.0:1").unwrap()));
        assert!(!is_loopback(&parse_listen("[::]:1").unwrap()));
    }

    #[test]
    fn bearer_token() {
        assert!(BearerToken::new(&Sensitive::new(" \n".into())).is_none());
        let t = BearerToken::new(&Sensitive::new("s3cret-token\n".into())).unwrap();
        assert!(t.accepts(Some(b"Bearer s3cret-token")));
        assert!(t.accepts(Some(b"bearer s3cret-token ")));
        assert!(!t.accepts(None));
        assert!(!t.accepts(Some(b"Bearer s3cret-tokem")));
        assert!(!t.accepts(Some(b"Bearer s3cret")));
        assert!(!t.accepts(Some(b"Basic s3cret-token")));
        assert!(!t.accepts(Some(b"s3cret-token")));
        assert!(!t.accepts(Some(b"Bearer ")));
        // The token is nowhere in its Debug text.
        assert!(!format!("{t:?}").contains("s3cret"));
    }
}
