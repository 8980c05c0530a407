//! The borrowed JSON tree the page reader hashes each resource with: what
//! `serde_json::Value` would hold, strings borrowed from the body when they
//! have no escapes, objects in key order with each key once.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::Number;

use super::{MAX_DEPTH, RAW_VALUE_TOKEN};
use crate::scim::hash::{JsonTree, Text, View};

/// `text` as a whole document (whitespace only around).
pub(super) fn parse_document(text: &str) -> Result<Node<'_>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let node = NodeSeed { depth: 1 }.deserialize(&mut de)?;
    de.end()?;
    Ok(node)
}

/// A JSON string, borrowed when it has no escapes.
pub(super) struct Str<'a>(pub(super) Cow<'a, str>);

impl<'de> Deserialize<'de> for Str<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        StrSeed.deserialize(d).map(Str)
    }
}

/// A tree whose containers are at `DEPTH` where it is.
pub(super) struct Parsed<'a, const DEPTH: u32>(pub(super) Node<'a>);

impl<'de, const DEPTH: u32> Deserialize<'de> for Parsed<'de, DEPTH> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        NodeSeed { depth: DEPTH }.deserialize(d).map(Parsed)
    }
}

/// A JSON value as `serde_json::Value` would hold it, strings borrowed from
/// the body when they have no escapes. Objects: entries in key order, each
/// key once.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Node<'a> {
    Null,
    Bool(bool),
    Number(Number),
    Str(Cow<'a, str>),
    Array(Vec<Node<'a>>),
    Object(Vec<(Cow<'a, str>, Node<'a>)>),
}

impl<'a> Node<'a> {
    pub(super) fn get(&self, key: &str) -> Option<&Node<'a>> {
        let Node::Object(entries) = self else {
            return None;
        };
        get_exact(entries, key)
    }

    pub(super) fn get_ci(&self, key: &str) -> Option<&Node<'a>> {
        let Node::Object(entries) = self else {
            return None;
        };
        get_ci(entries, key)
    }

    pub(super) fn into_owned(self) -> Node<'static> {
        match self {
            Node::Null => Node::Null,
            Node::Bool(b) => Node::Bool(b),
            Node::Number(n) => Node::Number(n),
            Node::Str(s) => Node::Str(Cow::Owned(s.into_owned())),
            Node::Array(items) => Node::Array(items.into_iter().map(Node::into_owned).collect()),
            Node::Object(entries) => Node::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (Cow::Owned(k.into_owned()), v.into_owned()))
                    .collect(),
            ),
        }
    }
}

impl<'b> JsonTree for Node<'b> {
    type Entries<'a>
        = NodeEntries<'a, 'b>
    where
        Self: 'a;

    fn view(&self) -> View<'_, Self> {
        match self {
            Node::Null => View::Null,
            Node::Bool(b) => View::Bool(*b),
            Node::Number(n) => View::Number(n),
            Node::Str(s) => View::Str(text(s)),
            Node::Array(items) => View::Array(items),
            Node::Object(entries) => View::Object(NodeEntries(entries.iter())),
        }
    }
}

/// The entries of a [`Node`] object (already in key order).
pub(super) struct NodeEntries<'a, 'b>(std::slice::Iter<'a, (Cow<'b, str>, Node<'b>)>);

impl<'a, 'b> Iterator for NodeEntries<'a, 'b> {
    type Item = (Text<'a>, &'a Node<'b>);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (text(k), v))
    }
}

/// A string of the tree: borrowed ones were read without escape sequences.
#[allow(clippy::ptr_arg, reason = "the variant is what tells")]
pub(super) fn text<'a>(s: &'a Cow<'_, str>) -> Text<'a> {
    Text {
        text: s,
        plain: matches!(s, Cow::Borrowed(_)),
    }
}

/// Entries as a `BTreeMap` holds them: sorted by key (byte order), the last
/// of equal keys kept.
pub(super) fn into_map<K: AsRef<str>, V>(mut entries: Vec<(K, V)>) -> Vec<(K, V)> {
    if entries
        .windows(2)
        .all(|w| key_order(w[0].0.as_ref(), w[1].0.as_ref()).is_lt())
    {
        return entries;
    }
    entries.sort_by(|a, b| key_order(a.0.as_ref(), b.0.as_ref()));
    // `dedup_by` drops the later of two equal keys: give the earlier its value.
    entries.dedup_by(|later, earlier| {
        let same = later.0.as_ref() == earlier.0.as_ref();
        if same {
            std::mem::swap(&mut later.1, &mut earlier.1);
        }
        same
    });
    entries
}

/// `str`'s order (bytes), the first byte compared inline: keys mostly
/// differ there.
pub(super) fn key_order(a: &str, b: &str) -> std::cmp::Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.first().cmp(&b.first()).then_with(|| a.cmp(b))
}

/// In entries from [`into_map`]: the value under `key`.
pub(super) fn get_exact<'e, K: AsRef<str>, V>(entries: &'e [(K, V)], key: &str) -> Option<&'e V> {
    entries
        .binary_search_by(|(k, _)| key_order(k.as_ref(), key))
        .ok()
        .map(|i| &entries[i].1)
}

/// In entries from [`into_map`]: what `resource::get_ci` finds in a `Value`
/// map (the exact key, else the first key equal ignoring ASCII case).
pub(super) fn get_ci<'e, K: AsRef<str>, V>(entries: &'e [(K, V)], key: &str) -> Option<&'e V> {
    get_exact(entries, key).or_else(|| {
        entries
            .iter()
            .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// A string, borrowed when it has no escapes.
pub(super) struct StrSeed;

impl<'de> DeserializeSeed<'de> for StrSeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for StrSeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// A [`Node`]; `depth` is the nesting a container would have here.
#[derive(Clone, Copy)]
pub(super) struct NodeSeed {
    depth: u32,
}

impl NodeSeed {
    fn enter<E: de::Error>(self) -> Result<NodeSeed, E> {
        if self.depth > MAX_DEPTH {
            return Err(E::custom("recursion limit exceeded"));
        }
        Ok(NodeSeed {
            depth: self.depth + 1,
        })
    }
}

impl<'de> DeserializeSeed<'de> for NodeSeed {
    type Value = Node<'de>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

// As serde_json's own `Value` visitor, so that numbers print the same.
impl<'de> Visitor<'de> for NodeSeed {
    type Value = Node<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any valid JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Node::Number(Number::from(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Node::Number(Number::from(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Number::from_f64(v).map_or(Node::Null, Node::Number))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Node::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Node::Str(Cow::Owned(v.to_string())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Node::Str(Cow::Owned(v)))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Node::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let child = self.enter()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(child)? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let child = self.enter()?;
        let Some(first) = map.next_key_seed(StrSeed)? else {
            return Ok(Node::Object(Vec::new()));
        };
        if first == RAW_VALUE_TOKEN {
            // `Value` parses the string as a document of its own (and the
            // object must end there, which serde_json checks after us).
            let text = map.next_value_seed(StrSeed)?;
            return parse_document(&text)
                .map(Node::into_owned)
                .map_err(de::Error::custom);
        }
        // Most objects of a resource have up to 8 keys.
        let mut entries = Vec::with_capacity(8);
        entries.push((first, map.next_value_seed(child)?));
        while let Some(key) = map.next_key_seed(StrSeed)? {
            entries.push((key, map.next_value_seed(child)?));
        }
        Ok(Node::Object(into_map(entries)))
    }
}
