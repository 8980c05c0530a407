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

use serde_json::{Number, Value};
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
    let mut c = Canonicalizer::default();
    c.out.reserve(512);
    c.write(v);
    c.out
}

/// SHA-256 of [`canonical_json`].
pub fn content_hash(v: &Value) -> ContentHash {
    Canonicalizer::default().hash(v)
}

/// [`content_hash`] as lower-case hex.
pub fn content_hash_hex(v: &Value) -> String {
    content_hash(v).to_hex()
}

/// A JSON tree the canonical form is written from: a `serde_json::Value`,
/// or the borrowed tree of [`super::page`].
pub(crate) trait JsonTree: Sized {
    /// An object's entries, keys in byte order, each key once.
    type Entries<'a>: Iterator<Item = (Text<'a>, &'a Self)>
    where
        Self: 'a;
    /// This node, one level deep.
    fn view(&self) -> View<'_, Self>;
}

/// One level of a [`JsonTree`].
pub(crate) enum View<'a, T: JsonTree + 'a> {
    Null,
    Bool(bool),
    Number(&'a Number),
    Str(Text<'a>),
    Array(&'a [T]),
    Object(T::Entries<'a>),
}

/// A string of a [`JsonTree`]. `plain`: known to need no escaping (read
/// from JSON that had no escape sequence in it, so no `"`, `\\` or control
/// character).
#[derive(Clone, Copy)]
pub(crate) struct Text<'a> {
    pub(crate) text: &'a str,
    pub(crate) plain: bool,
}

impl<'a> Text<'a> {
    /// A string that may need escaping.
    pub(crate) fn new(text: &'a str) -> Self {
        Text { text, plain: false }
    }
}

impl std::ops::Deref for Text<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        self.text
    }
}

/// A resource id as text (servers sometimes send numbers). It lives here,
/// beside [`JsonTree`], so `list` and `resource` read ids without importing
/// each other.
pub(crate) fn id_text<T: JsonTree>(v: &T) -> Option<String> {
    match v.view() {
        View::Str(s) if !s.trim().is_empty() => Some(s.to_string()),
        View::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl JsonTree for Value {
    type Entries<'a> = ValueEntries<'a>;

    fn view(&self) -> View<'_, Self> {
        match self {
            Value::Null => View::Null,
            Value::Bool(b) => View::Bool(*b),
            Value::Number(n) => View::Number(n),
            Value::String(s) => View::Str(Text::new(s)),
            Value::Array(a) => View::Array(a),
            // serde_json's map iterates in key order unless a crate in the
            // build turns on its `preserve_order` feature: sort only then.
            Value::Object(map) if map.keys().is_sorted() => {
                View::Object(ValueEntries::InOrder(map.iter()))
            }
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
                View::Object(ValueEntries::Sorted(entries.into_iter()))
            }
        }
    }
}

/// The entries of a `Value` object in key order.
pub(crate) enum ValueEntries<'a> {
    InOrder(serde_json::map::Iter<'a>),
    Sorted(std::vec::IntoIter<(&'a String, &'a Value)>),
}

impl<'a> Iterator for ValueEntries<'a> {
    type Item = (Text<'a>, &'a Value);

    fn next(&mut self) -> Option<Self::Item> {
        let (k, v) = match self {
            ValueEntries::InOrder(it) => it.next()?,
            ValueEntries::Sorted(it) => it.next()?,
        };
        Some((Text::new(k), v))
    }
}

/// Writes canonical forms; its buffers are kept from one tree to the next.
#[derive(Default)]
pub(crate) struct Canonicalizer {
    out: Vec<u8>,
    /// Elements of the array being sorted, copied out of `out`.
    scratch: Vec<u8>,
    /// Byte ranges of array elements, a stack shared by nested arrays.
    spans: Vec<(usize, usize)>,
}

impl Canonicalizer {
    /// The canonical JSON of `v` (valid until the next call).
    pub(crate) fn write<T: JsonTree>(&mut self, v: &T) -> &[u8] {
        self.out.clear();
        self.spans.clear();
        write_tree(
            v,
            Level::Top,
            &mut self.out,
            &mut self.scratch,
            &mut self.spans,
        );
        &self.out
    }

    /// SHA-256 of the canonical JSON of `v`.
    pub(crate) fn hash<T: JsonTree>(&mut self, v: &T) -> ContentHash {
        ContentHash(Sha256::digest(self.write(v)).into())
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Top,
    Meta,
    Inner,
}

fn write_tree<T: JsonTree>(
    v: &T,
    level: Level,
    out: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
    spans: &mut Vec<(usize, usize)>,
) {
    match v.view() {
        View::Null => out.extend_from_slice(b"null"),
        View::Bool(true) => out.extend_from_slice(b"true"),
        View::Bool(false) => out.extend_from_slice(b"false"),
        View::Number(n) => {
            // Writing to a Vec cannot fail.
            let _ = write!(out, "{n}");
        }
        View::Str(s) => write_string(s, out),
        View::Array(items) => {
            out.push(b'[');
            if let [item] = items {
                write_tree(item, Level::Inner, out, scratch, spans);
            } else if !items.is_empty() {
                // Each element is written after the others, then the
                // elements are put in byte order. Nested arrays use the
                // buffers above this one's and are done before it sorts.
                let start = out.len();
                let base = spans.len();
                for item in items {
                    let from = out.len() - start;
                    write_tree(item, Level::Inner, out, scratch, spans);
                    spans.push((from, out.len() - start));
                }
                scratch.clear();
                scratch.extend_from_slice(&out[start..]);
                out.truncate(start);
                let parts = &mut spans[base..];
                parts.sort_unstable_by(|a, b| scratch[a.0..a.1].cmp(&scratch[b.0..b.1]));
                for (i, &(from, to)) in parts.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(&scratch[from..to]);
                }
                spans.truncate(base);
            }
            out.push(b']');
        }
        View::Object(entries) => {
            out.push(b'{');
            let mut first = true;
            for (k, child) in entries {
                if level == Level::Meta && is_volatile_meta_key(&k) {
                    continue;
                }
                if !first {
                    out.push(b',');
                }
                first = false;
                write_string(k, out);
                out.push(b':');
                let child_level = if level == Level::Top && k.eq_ignore_ascii_case("meta") {
                    Level::Meta
                } else {
                    Level::Inner
                };
                write_tree(child, child_level, out, scratch, spans);
            }
            out.push(b'}');
        }
    }
}

fn write_string(s: Text<'_>, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    debug_assert!(!(s.plain && any_to_escape(bytes)), "{:?}", s.text);
    if s.plain || !any_to_escape(bytes) {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x00..=0x1f => &[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ],
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(esc);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Whether a byte of `bytes` is `"`, `\\` or a control character.
fn any_to_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Non-zero exactly when some byte of `v` is below `n` (n <= 0x80).
    let below = |v: u64, n: u8| v.wrapping_sub(ONES * u64::from(n)) & !v & HIGH;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        if below(w, 0x20)
            | below(w ^ (ONES * u64::from(b'"')), 1)
            | below(w ^ (ONES * u64::from(b'\\')), 1)
            != 0
        {
            return true;
        }
    }
    chunks
        .remainder()
        .iter()
        .any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
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
    fn string_escaping() {
        let mut cases: Vec<String> = (0u8..0x80)
            .flat_map(|b| {
                (0..18).map(move |at| {
                    let mut s = "abcdefghijklmnopq".to_string();
                    s.insert(at, char::from(b));
                    s
                })
            })
            .collect();
        cases.extend(
            [
                "",
                "é\u{1}€\u{1f600}\"\\",
                "\u{7f}\u{80}\u{ff}ÿ",
                "a\nb\rc\td\u{1f}",
            ]
            .map(String::from),
        );
        for s in cases {
            let mut out = Vec::new();
            write_string(Text::new(&s), &mut out);
            assert_eq!(out, reference_string(&s), "{s:?}");
        }
    }

    /// JSON string escaping, one character at a time.
    fn reference_string(s: &str) -> Vec<u8> {
        let mut out = vec![b'"'];
        for c in s.chars() {
            match c {
                '"' => out.extend_from_slice(b"\\\""),
                '\\' => out.extend_from_slice(b"\\\\"),
                '\n' => out.extend_from_slice(b"\\n"),
                '\r' => out.extend_from_slice(b"\\r"),
                '\t' => out.extend_from_slice(b"\\t"),
                c if (c as u32) < 0x20 => {
                    out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes())
                }
                c => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
            }
        }
        out.push(b'"');
        out
    }

    /// The canonical form as first written (one buffer per array element),
    /// which stored hashes were made with.
    fn reference_canonical(v: &Value, out: &mut Vec<u8>, level: Level) {
        match v {
            Value::Array(items) => {
                let mut parts: Vec<Vec<u8>> = items
                    .iter()
                    .map(|i| {
                        let mut b = Vec::new();
                        reference_canonical(i, &mut b, Level::Inner);
                        b
                    })
                    .collect();
                parts.sort_unstable();
                out.push(b'[');
                out.extend_from_slice(&parts.join(&b','));
                out.push(b']');
            }
            Value::Object(map) => {
                let mut keys: Vec<&String> = map
                    .keys()
                    .filter(|k| !(level == Level::Meta && is_volatile_meta_key(k)))
                    .collect();
                keys.sort_unstable();
                out.push(b'{');
                for (i, k) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(&reference_string(k));
                    out.push(b':');
                    let child = if level == Level::Top && k.eq_ignore_ascii_case("meta") {
                        Level::Meta
                    } else {
                        Level::Inner
                    };
                    reference_canonical(&map[k], out, child);
                }
                out.push(b'}');
            }
            Value::String(s) => out.extend_from_slice(&reference_string(s)),
            other => out.extend_from_slice(other.to_string().as_bytes()),
        }
    }

    fn any_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            prop_oneof!["[a-c\"\\\\\n\u{1}é]{0,4}", any::<String>()].prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 6, |inner| {
            let key = prop_oneof![
                prop::sample::select(vec!["meta", "Meta", "lastModified", "VERSION", "a", "b"])
                    .prop_map(str::to_string),
                "[a-cA-C]{0,3}",
            ];
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(key, inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn canonical_form_is_unchanged(v in any_value()) {
            let mut expected = Vec::new();
            reference_canonical(&v, &mut expected, Level::Top);
            prop_assert_eq!(canonical_json(&v), expected);
        }
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
