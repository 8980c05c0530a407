//! Content hashing of SCIM resources: canonical JSON → SHA-256.
//!
//! Canonical form, chosen so that a hash changes exactly when the content does:
//! - object keys sorted (byte order), compact output, standard JSON escaping;
//! - at the top level, `meta.lastModified` and `meta.version` are left out:
//!   servers bump them without any content change (a sync touch, a read
//!   counter, a re-index), and they would make every snapshot look changed;
//! - arrays are treated as unordered (their elements' canonical forms are
//!   sorted): SCIM multi-valued attributes carry no order, and servers return
//!   group `members` in whatever order their database yields;
//! - numbers are written as `serde_json` prints them (`1` and `1.0` differ).
//!
//! Key case is kept: a server that changes the case of its attribute names
//! between two reads changes the hash.

use std::fmt;
use std::io::Write as _;

use serde_json::Value;
use sha2::{Digest, Sha256};

/// SHA-256 of a resource's canonical JSON.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContentHash(pub [u8; 32]);

impl ContentHash {
    /// Lower-case hex (64 characters).
    pub fn to_hex(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(64);
        for b in self.0 {
            s.push(HEX[usize::from(b >> 4)] as char);
            s.push(HEX[usize::from(b & 0xf)] as char);
        }
        s
    }

    /// Parse 64 hex characters (either case). `None` otherwise.
    pub fn from_hex(s: &str) -> Option<Self> {
        let bytes = s.as_bytes();
        if bytes.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, pair) in bytes.chunks_exact(2).enumerate() {
            let hi = (pair[0] as char).to_digit(16)?;
            let lo = (pair[1] as char).to_digit(16)?;
            out[i] = u8::try_from(hi * 16 + lo).ok()?;
        }
        Some(Self(out))
    }
}

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContentHash({})", self.to_hex())
    }
}

/// Whether `meta.<key>` is left out of the canonical form.
pub fn is_volatile_meta_key(key: &str) -> bool {
    key.eq_ignore_ascii_case("lastModified") || key.eq_ignore_ascii_case("version")
}

/// The canonical JSON of a resource (see the module docs).
pub fn canonical_json(v: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    write_value(v, &mut out, Level::Top);
    out
}

/// SHA-256 of [`canonical_json`].
pub fn content_hash(v: &Value) -> ContentHash {
    let bytes = canonical_json(v);
    ContentHash(Sha256::digest(&bytes).into())
}

/// [`content_hash`] as lower-case hex.
pub fn content_hash_hex(v: &Value) -> String {
    content_hash(v).to_hex()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Top,
    Meta,
    Inner,
}

fn write_value(v: &Value, out: &mut Vec<u8>, level: Level) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            // Writing to a Vec cannot fail.
            let _ = write!(out, "{n}");
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            if items.len() == 1 {
                write_value(&items[0], out, Level::Inner);
            } else if !items.is_empty() {
                let mut parts: Vec<Vec<u8>> = items
                    .iter()
                    .map(|i| {
                        let mut b = Vec::new();
                        write_value(i, &mut b, Level::Inner);
                        b
                    })
                    .collect();
                parts.sort_unstable();
                for (i, p) in parts.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(p);
                }
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let keep = |k: &String| !(level == Level::Meta && is_volatile_meta_key(k));
            out.push(b'{');
            let mut first = true;
            let mut entry = |k: &String, v: &Value, out: &mut Vec<u8>| {
                if !first {
                    out.push(b',');
                }
                first = false;
                write_string(k, out);
                out.push(b':');
                let child = if level == Level::Top && k.eq_ignore_ascii_case("meta") {
                    Level::Meta
                } else {
                    Level::Inner
                };
                write_value(v, out, child);
            };
            // serde_json's map iterates in key order unless a crate in the
            // build turns on its `preserve_order` feature: sort only then.
            if map.keys().is_sorted() {
                for (k, v) in map.iter().filter(|(k, _)| keep(k)) {
                    entry(k, v, out);
                }
            } else {
                let mut keys: Vec<(&String, &Value)> =
                    map.iter().filter(|(k, _)| keep(k)).collect();
                keys.sort_unstable_by(|a, b| a.0.cmp(b.0));
                for (k, v) in keys {
                    entry(k, v, out);
                }
            }
            out.push(b'}');
        }
    }
}

fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: Option<&[u8]> = match b {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            0x00..=0x1f => None,
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        match esc {
            Some(e) => out.extend_from_slice(e),
            None => out.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_form() {
        let v = json!({"b": 1, "a": ["y", "x"], "meta": {"lastModified": "t", "version": "v", "location": "l"},
                       "s": "q\"\n\u{1}é", "n": null, "o": {"meta": {"version": 1}}});
        assert_eq!(
            String::from_utf8(canonical_json(&v)).unwrap(),
            r#"{"a":["x","y"],"b":1,"meta":{"location":"l"},"n":null,"o":{"meta":{"version":1}},"s":"q\"\n\u0001é"}"#
        );
    }

    #[test]
    fn hash_ignores_order_and_volatile_meta() {
        let a = json!({"id": "1", "userName": "ada", "emails": [{"value": "a", "type": "work"}, {"value": "b"}],
                       "meta": {"lastModified": "2024-01-01", "version": "W/\"1\""}});
        let b = json!({"meta": {"version": "W/\"2\"", "lastModified": "2024-02-02"}, "emails": [{"type": "work", "value": "a"}, {"value": "b"}],
                       "userName": "ada", "id": "1"});
        assert_eq!(content_hash(&a), content_hash(&b));
        let c = json!({"id": "1", "userName": "ada2", "emails": [], "meta": {}});
        assert_ne!(content_hash(&a), content_hash(&c));
        // meta.location is content.
        let d = json!({"id": "1", "meta": {"location": "x"}});
        let e = json!({"id": "1", "meta": {"location": "y"}});
        assert_ne!(content_hash(&d), content_hash(&e));
    }

    #[test]
    fn hex_round_trip() {
        let h = content_hash(&json!({"id": "x"}));
        let hex = h.to_hex();
        assert_eq!(hex.len(), 64);
        assert_eq!(ContentHash::from_hex(&hex), Some(h));
        assert_eq!(ContentHash::from_hex(&hex.to_uppercase()), Some(h));
        assert_eq!(content_hash_hex(&json!({"id": "x"})), hex);
        assert_eq!(ContentHash::from_hex("zz"), None);
        assert_eq!(ContentHash::from_hex(&"g".repeat(64)), None);
        assert_eq!(ContentHash::from_hex(&"é".repeat(32)), None);
        // Known value: sha256 of `{}`.
        assert_eq!(
            content_hash_hex(&json!({})),
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
    }
}
