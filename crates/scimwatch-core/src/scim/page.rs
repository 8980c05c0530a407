//! Fast `ListResponse` page reading for the inventory crawl.
//!
//! [`parse_list_page`] gives what [`parse_list_response_for`], the `RawValue`
//! texts of `Resources`, `Value::get("id")` and [`content_hash`] give together,
//! without a `serde_json::Value` per resource. The body is read once: the
//! punctuation of the top-level object and of the `Resources` array here,
//! each key and value by serde_json, which also tells where a value ends, so
//! each resource's text is cut out of the body. A resource is read into a
//! small tree that borrows its strings from the body, hashed with the same
//! code as a `Value` ([`super::hash`]), and dropped.
//!
//! The tree reproduces what `Value` does with odd input: duplicate keys keep
//! the last value, keys are in byte order, numbers are the same
//! [`Number`]s, nesting deeper than serde_json's limit (127 containers from
//! the body's top) fails, and an object whose first key is serde_json's
//! private raw-value token reads as the JSON text of its string value.
//!
//! [`parse_list_response_for`]: super::list::parse_list_response_for
//! [`content_hash`]: super::hash::content_hash

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::Number;

use super::deviation::Deviation;
use super::hash::{Canonicalizer, ContentHash, JsonTree, Text, View};
use super::list::{check_list, id_text, read_body, ListFields, ListRequest, ResourcesShape, DOC};
use crate::graph::ParseError;

/// One resource of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageResource<'a> {
    /// The element's JSON text exactly as sent (for a `Resources` that is a
    /// single object, that object's text).
    pub text: &'a str,
    /// `id` (exact key) as text: a non-blank string (as is) or a number
    /// (its serde_json Display); else `None`.
    pub id: Option<String>,
    /// [`content_hash`](super::hash::content_hash) of the element.
    pub hash: ContentHash,
}

/// A ListResponse page as the crawl stores it, plus what was off about it.
/// Same numbers and deviations as [`parse_list_response_for`](super::list::parse_list_response_for).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPage<'a> {
    /// `totalResults`, when present and a number.
    pub total_results: Option<u64>,
    /// `startIndex`, when present and a number.
    pub start_index: Option<u64>,
    /// `itemsPerPage`, when present and a number.
    pub items_per_page: Option<u64>,
    /// The resources, in order (absent or `null` → empty).
    pub resources: Vec<PageResource<'a>>,
    /// Deviations noticed, in a stable order.
    pub deviations: Vec<Deviation>,
}

/// Read a ListResponse page and check it against the request: the same
/// outcome as [`parse_list_response_for`](super::list::parse_list_response_for),
/// each resource as its text, `id` and content hash. Errors are that
/// function's, and one more: a page whose resources have no text of their own
/// in the body (they are the string value of serde_json's raw-value token).
pub fn parse_list_page(body: &[u8], request: ListRequest) -> Result<ListPage<'_>, ParseError> {
    let page = std::str::from_utf8(body)
        .map_err(de::Error::custom)
        .and_then(|text| read_page(text, request));
    // On failure, the error of the `Value` path (this body fails there too).
    page.map_err(|e| match read_body(body) {
        Err(err) => err,
        Ok(_) => ParseError::new(DOC, e.to_string()),
    })
}

/// The top-level key serde_json's `Value` reads specially (`raw_value` feature).
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// The error for resources that are only inside a string of the body.
const NO_TEXT: &str = "the resources have no text of their own in the body";

/// Containers may nest this deep in a document (serde_json's recursion limit).
const MAX_DEPTH: u32 = 127;

fn read_page(text: &str, request: ListRequest) -> Result<ListPage<'_>, serde_json::Error> {
    let mut canon = Canonicalizer::default();
    let entries = match read_top(text, &mut canon)? {
        Top::Entries(entries) => entries,
        Top::Text(inner) => {
            // `Value` reads the string as the whole document.
            let page = read_page(&inner, request)?;
            if !page.resources.is_empty() {
                return Err(de::Error::custom(NO_TEXT));
            }
            return Ok(ListPage {
                total_results: page.total_results,
                start_index: page.start_index,
                items_per_page: page.items_per_page,
                resources: Vec::new(),
                deviations: page.deviations,
            });
        }
    };
    let (keys, mut values): (Vec<_>, Vec<_>) =
        entries.into_iter().map(|(k, v)| (k, Some(v))).unzip();
    // The object as a `Value` map sees it: by key, the last duplicate winning.
    let live = into_map(
        keys.iter()
            .enumerate()
            .map(|(i, k)| (k.as_ref(), i))
            .collect(),
    );
    let find = |name: &str| get_ci(&live, name).copied();
    let resources_at = find("Resources");
    let mut node_at = |at: Option<usize>| match at.and_then(|i| values[i].take()) {
        Some(TopValue::Node(node)) => Some(node),
        _ => None,
    };
    let head = [
        node_at(find("schemas")),
        node_at(find("totalResults")),
        node_at(find("startIndex")),
        node_at(find("itemsPerPage")),
    ];
    let resources = match resources_at.and_then(|i| values[i].take()) {
        Some(TopValue::Resources(r)) => Some(r),
        _ => None,
    };
    let (shape, mut items) = match resources {
        Some(Resources::List(items)) => (Some(ResourcesShape::List), items),
        Some(Resources::Null) => (Some(ResourcesShape::Null), Vec::new()),
        Some(Resources::NotAList(kept)) => (Some(ResourcesShape::NotAList), kept),
        Some(Resources::Hidden) => return Err(de::Error::custom(NO_TEXT)),
        None => (None, Vec::new()),
    };
    let ids: Vec<Option<String>> = items.iter_mut().map(|i| i.id_ci.take()).collect();
    let [schemas, total_results, start_index, items_per_page] = &head;
    let checked = check_list(
        &ListFields {
            schemas: schemas.as_ref(),
            total_results: total_results.as_ref(),
            start_index: start_index.as_ref(),
            items_per_page: items_per_page.as_ref(),
            resources: resources_at
                .zip(shape)
                .map(|(i, shape)| (keys[i].as_ref(), shape)),
        },
        &ids,
        request,
    );
    let resources = items
        .into_iter()
        .zip(ids)
        .map(|(item, id)| PageResource {
            text: item.text,
            // `get_ci` finds the exact key when there is one: the same id.
            id: if item.has_id { id } else { None },
            hash: item.hash,
        })
        .collect();
    Ok(ListPage {
        total_results: checked.total_results,
        start_index: checked.start_index,
        items_per_page: checked.items_per_page,
        resources,
        deviations: checked.deviations,
    })
}

// ---------------------------------------------------------------------------
// The top level, read here between serde_json's reading of each key and
// value: a value's parse then also tells where it ends, so each element of
// `Resources` is read once, its text cut out of the body.

enum Top<'a> {
    /// Each key and its value, in order.
    Entries(Vec<(Cow<'a, str>, TopValue<'a>)>),
    /// The string value of the raw-value token.
    Text(Cow<'a, str>),
}

enum TopValue<'a> {
    /// The value of a key other than `Resources` in any casing.
    Node(Node<'a>),
    Resources(Resources<'a>),
}

/// The body's object: `{`, keys and values separated as JSON wants, `}`,
/// whitespace only around (as `serde_json::from_slice` takes it).
fn read_top<'a>(text: &'a str, canon: &mut Canonicalizer) -> Result<Top<'a>, serde_json::Error> {
    let bytes = text.as_bytes();
    let mut at = expect(bytes, skip_ws(bytes, 0), b'{')?;
    let mut entries = Vec::new();
    if bytes.get(at) != Some(&b'}') {
        loop {
            if bytes.get(at) != Some(&b'"') {
                return Err(de::Error::custom("expected a key"));
            }
            let (Str(key), end) = read_one(text, at)?;
            at = expect(bytes, end, b':')?;
            if entries.is_empty() && key == RAW_VALUE_TOKEN {
                // As `Value`: a string, then the end of the object.
                let (Str(inner), end) = read_one(text, at)?;
                if expect(bytes, end, b'}')? != bytes.len() {
                    return Err(de::Error::custom("trailing characters"));
                }
                return Ok(Top::Text(inner));
            }
            let (value, end) = if key.eq_ignore_ascii_case("Resources") {
                let (r, end) = read_resources(text, at, canon)?;
                (TopValue::Resources(r), end)
            } else {
                let (Parsed::<2>(node), end) = read_one(text, at)?;
                (TopValue::Node(node), end)
            };
            entries.push((key, value));
            at = skip_ws(bytes, end);
            match bytes.get(at) {
                Some(b',') => at = skip_ws(bytes, at + 1),
                Some(b'}') => break,
                _ => return Err(de::Error::custom("expected `,` or `}`")),
            }
        }
    }
    if skip_ws(bytes, at + 1) != bytes.len() {
        return Err(de::Error::custom("trailing characters"));
    }
    Ok(Top::Entries(entries))
}

/// The JSON value at `at` (no whitespace before it) and the index just past it.
fn read_one<'a, T: Deserialize<'a>>(
    text: &'a str,
    at: usize,
) -> Result<(T, usize), serde_json::Error> {
    let mut stream = serde_json::Deserializer::from_str(&text[at..]).into_iter::<T>();
    match stream.next() {
        Some(value) => Ok((value?, at + stream.byte_offset())),
        None => Err(de::Error::custom("expected a value")),
    }
}

/// The index just past `byte` (after whitespace), and past the whitespace after it.
fn expect(bytes: &[u8], at: usize, byte: u8) -> Result<usize, serde_json::Error> {
    let at = skip_ws(bytes, at);
    match bytes.get(at) {
        Some(&b) if b == byte => Ok(skip_ws(bytes, at + 1)),
        _ => Err(de::Error::custom(format_args!(
            "expected `{}`",
            char::from(byte)
        ))),
    }
}

/// The index of the first byte from `at` on that is not JSON whitespace.
fn skip_ws(bytes: &[u8], mut at: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\r' | b'\t') = bytes.get(at) {
        at += 1;
    }
    at
}

/// `text` as a whole document (whitespace only around).
fn parse_document(text: &str) -> Result<Node<'_>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let node = NodeSeed { depth: 1 }.deserialize(&mut de)?;
    de.end()?;
    Ok(node)
}

/// A JSON string, borrowed when it has no escapes.
struct Str<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Str<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        StrSeed.deserialize(d).map(Str)
    }
}

/// A tree whose containers are at `DEPTH` where it is.
struct Parsed<'a, const DEPTH: u32>(Node<'a>);

impl<'de, const DEPTH: u32> Deserialize<'de> for Parsed<'de, DEPTH> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        NodeSeed { depth: DEPTH }.deserialize(d).map(Parsed)
    }
}

enum Resources<'a> {
    /// An array: its elements.
    List(Vec<Item<'a>>),
    Null,
    /// Anything else: the value when it is an object.
    NotAList(Vec<Item<'a>>),
    /// Resources only inside a string (the raw-value token around an array).
    Hidden,
}

/// A resource read: what the page gives and the checks need.
struct Item<'a> {
    text: &'a str,
    /// `id` in any casing, as `get_ci` finds it.
    id_ci: Option<String>,
    /// Whether the exact key `id` is there.
    has_id: bool,
    hash: ContentHash,
}

impl<'a> Item<'a> {
    fn new(text: &'a str, node: &Node<'_>, canon: &mut Canonicalizer) -> Self {
        Item {
            text,
            id_ci: node.get_ci("id").and_then(id_text),
            has_id: node.get("id").is_some(),
            hash: canon.hash(node),
        }
    }
}

/// The value of a `Resources` key at `at` (a container there is at depth
/// 2), and the index just past it. Each tree is dropped once hashed.
fn read_resources<'a>(
    text: &'a str,
    at: usize,
    canon: &mut Canonicalizer,
) -> Result<(Resources<'a>, usize), serde_json::Error> {
    let bytes = text.as_bytes();
    if bytes.get(at) != Some(&b'[') {
        let (Parsed::<2>(node), end) = read_one(text, at)?;
        let resources = match node {
            Node::Null => Resources::Null,
            Node::Object(_) => Resources::NotAList(vec![Item::new(&text[at..end], &node, canon)]),
            // Only through the raw-value token.
            Node::Array(items) if items.is_empty() => Resources::List(Vec::new()),
            Node::Array(_) => Resources::Hidden,
            _ => Resources::NotAList(Vec::new()),
        };
        return Ok((resources, end));
    }
    let mut items = Vec::new();
    let mut at = skip_ws(bytes, at + 1);
    if bytes.get(at) != Some(&b']') {
        loop {
            let (Parsed::<3>(node), end) = read_one(text, at)?;
            items.push(Item::new(&text[at..end], &node, canon));
            at = skip_ws(bytes, end);
            match bytes.get(at) {
                Some(b',') => at = skip_ws(bytes, at + 1),
                Some(b']') => break,
                _ => return Err(de::Error::custom("expected `,` or `]`")),
            }
        }
    }
    Ok((Resources::List(items), at + 1))
}

// ---------------------------------------------------------------------------
// The tree.

/// A JSON value as `serde_json::Value` would hold it, strings borrowed from
/// the body when they have no escapes. Objects: entries in key order, each
/// key once.
#[derive(Debug, Clone, PartialEq)]
enum Node<'a> {
    Null,
    Bool(bool),
    Number(Number),
    Str(Cow<'a, str>),
    Array(Vec<Node<'a>>),
    Object(Vec<(Cow<'a, str>, Node<'a>)>),
}

impl<'a> Node<'a> {
    fn get(&self, key: &str) -> Option<&Node<'a>> {
        let Node::Object(entries) = self else {
            return None;
        };
        get_exact(entries, key)
    }

    fn get_ci(&self, key: &str) -> Option<&Node<'a>> {
        let Node::Object(entries) = self else {
            return None;
        };
        get_ci(entries, key)
    }

    fn into_owned(self) -> Node<'static> {
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
struct NodeEntries<'a, 'b>(std::slice::Iter<'a, (Cow<'b, str>, Node<'b>)>);

impl<'a, 'b> Iterator for NodeEntries<'a, 'b> {
    type Item = (Text<'a>, &'a Node<'b>);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (text(k), v))
    }
}

/// A string of the tree: borrowed ones were read without escape sequences.
#[allow(clippy::ptr_arg, reason = "the variant is what tells")]
fn text<'a>(s: &'a Cow<'_, str>) -> Text<'a> {
    Text {
        text: s,
        plain: matches!(s, Cow::Borrowed(_)),
    }
}

/// Entries as a `BTreeMap` holds them: sorted by key (byte order), the last
/// of equal keys kept.
fn into_map<K: AsRef<str>, V>(mut entries: Vec<(K, V)>) -> Vec<(K, V)> {
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
fn key_order(a: &str, b: &str) -> std::cmp::Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.first().cmp(&b.first()).then_with(|| a.cmp(b))
}

/// In entries from [`into_map`]: the value under `key`.
fn get_exact<'e, K: AsRef<str>, V>(entries: &'e [(K, V)], key: &str) -> Option<&'e V> {
    entries
        .binary_search_by(|(k, _)| key_order(k.as_ref(), key))
        .ok()
        .map(|i| &entries[i].1)
}

/// In entries from [`into_map`]: what `resource::get_ci` finds in a `Value`
/// map (the exact key, else the first key equal ignoring ASCII case).
fn get_ci<'e, K: AsRef<str>, V>(entries: &'e [(K, V)], key: &str) -> Option<&'e V> {
    get_exact(entries, key).or_else(|| {
        entries
            .iter()
            .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// A string, borrowed when it has no escapes.
struct StrSeed;

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
struct NodeSeed {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::hash::content_hash;
    use crate::scim::list::{
        parse_list_response, parse_list_response_for, resource_texts, LIST_RESPONSE_SCHEMA,
    };
    use proptest::collection::vec;
    use proptest::prelude::*;
    use proptest::test_runner::TestCaseError;
    use serde_json::Value;

    /// The crawl's sequence of old (parse, texts, `id`, hash) against the page.
    fn check(body: &[u8], request: ListRequest) -> Result<(), TestCaseError> {
        let old = parse_list_response_for(body, request);
        let new = parse_list_page(body, request);
        let (old, new) = match (old, new) {
            (Ok(old), Ok(new)) => (old, new),
            (Err(a), Err(b)) => {
                prop_assert_eq!(a, b);
                return Ok(());
            }
            // The one difference: resources that exist only inside the
            // string value of serde_json's raw-value token.
            (Ok(old), Err(e)) if e.message == NO_TEXT => {
                prop_assert!(!old.resources.is_empty());
                prop_assert!(String::from_utf8_lossy(body).contains("RawValue"));
                return Ok(());
            }
            (old, new) => {
                return Err(TestCaseError::fail(format!(
                    "outcomes differ: old {old:?}, new {new:?}"
                )))
            }
        };
        prop_assert_eq!(new.total_results, old.total_results);
        prop_assert_eq!(new.start_index, old.start_index);
        prop_assert_eq!(new.items_per_page, old.items_per_page);
        prop_assert_eq!(&new.deviations, &old.deviations);
        prop_assert_eq!(new.resources.len(), old.resources.len());
        let texts = resource_texts(body).filter(|t| t.len() == old.resources.len());
        let within = body.as_ptr_range();
        for (i, (v, r)) in old.resources.iter().zip(&new.resources).enumerate() {
            prop_assert_eq!(&r.id, &v.get("id").and_then(id_text), "resource {}", i);
            prop_assert_eq!(r.hash, content_hash(v), "resource {}", i);
            prop_assert!(within.contains(&r.text.as_ptr()), "resource {}", i);
            let reparsed: Value = serde_json::from_str(r.text)
                .map_err(|e| TestCaseError::fail(format!("resource {i}: {e}")))?;
            prop_assert_eq!(&reparsed, v, "resource {}", i);
            if let Some(t) = &texts {
                prop_assert_eq!(r.text, t[i], "resource {}", i);
            }
        }
        Ok(())
    }

    fn same(body: &str) {
        check(body.as_bytes(), ListRequest::default()).unwrap();
    }

    fn page(body: &str) -> ListPage<'_> {
        parse_list_page(body.as_bytes(), ListRequest::default()).unwrap()
    }

    #[test]
    fn reads_texts_ids_and_hashes() {
        let body = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":3,"startIndex":1,"itemsPerPage":2,
            "Resources": [ {"id": "a", "meta": {"version": "1"}} , {"id": 7, "x": [2, 1]} ]}"#;
        same(body);
        let p = page(body);
        assert!(p.deviations.is_empty(), "{:?}", p.deviations);
        assert_eq!(p.resources.len(), 2);
        assert_eq!(
            p.resources[0].text,
            r#"{"id": "a", "meta": {"version": "1"}}"#
        );
        assert_eq!(p.resources[0].id.as_deref(), Some("a"));
        assert_eq!(
            p.resources[0].hash,
            content_hash(&serde_json::json!({"id": "a", "meta": {}}))
        );
        assert_eq!(p.resources[1].id.as_deref(), Some("7"));
        assert_eq!(
            p.resources[1].hash,
            content_hash(&serde_json::json!({"id": 7, "x": [1, 2]}))
        );
    }

    #[test]
    fn malformed_or_not_an_object() {
        for body in [
            "",
            " ",
            "[]",
            "[{\"id\":\"1\"}]",
            "<html>",
            "42",
            "null",
            "\"x\"",
            "{",
            r#"{"Resources":[{"id":"1"}"#,
            r#"{"Resources":[{"id":"1"},]}"#,
            r#"{"Resources":[{"id":"1"}]} x"#,
            r#"{"Resources":[{"id":"1",}]}"#,
            r#"{"Resources":[{"id":"\x"}]}"#,
            r#"{"Resources":[{"id":01}]}"#,
            "{\"Resources\":[{\"id\":\"a\u{1}\"}]}",
            "{\"a\":1}\u{0}",
            "\u{feff}{}",
            "{\u{c}}",
            r#"{"a":1,}"#,
            r#"{,"a":1}"#,
            r#"{"a" 1}"#,
            r#"{"a":1 "b":2}"#,
            r#"{"a":1:2}"#,
            r#"{"a"}"#,
            r#"{1:2}"#,
            r#"{"totalResults":1x}"#,
            r#"{"Resources":[1x]}"#,
            r#"{"Resources":[1 2]}"#,
            r#"{"Resources":[,]}"#,
            r#"{"Resources":]}"#,
            r#"{"Resources":[}"#,
            r#"{"Resources":[{"id":"1"}}"#,
            r#"{"Resources":[{"id":"1"}]]}"#,
            r#"{"Resources":[{"id":"1"}],"Resources":[}"#,
            r#"{"$serde_json::private::RawValue":"{}","#,
            r#"{"$serde_json::private::RawValue":"{}"} x"#,
            r#"{"$serde_json::private::RawValue":{}}"#,
        ] {
            assert!(
                parse_list_page(body.as_bytes(), ListRequest::default()).is_err(),
                "{body}"
            );
            same(body);
        }
        // Invalid UTF-8 in a string.
        let body = b"{\"Resources\":[{\"id\":\"\xff\"}]}";
        assert!(parse_list_page(body, ListRequest::default()).is_err());
        check(body, ListRequest::default()).unwrap();
    }

    #[test]
    fn what_value_rejects_but_a_raw_value_skips() {
        // Lone surrogates and numbers out of range, in a resource or in a
        // top-level value the page does not otherwise read.
        for body in [
            r#"{"Resources":[{"id":"\ud800"}]}"#,
            r#"{"Resources":[{"id":"1"}],"x":"\udc00x"}"#,
            r#"{"Resources":[{"id":"1","n":1e400}]}"#,
            r#"{"x":[-1e999],"Resources":[]}"#,
            r#"{"Resources":[{"id":"1"}],"Resources":[{"n":1e400}]}"#,
            r#"{"Resources":[{"n":1e400}],"Resources":[{"id":"1"}]}"#,
        ] {
            assert!(
                parse_list_page(body.as_bytes(), ListRequest::default()).is_err(),
                "{body}"
            );
            same(body);
        }
        same(r#"{"Resources":[{"id":"\ud83d\ude00"}], "x": "\ud83d\ude00"}"#);
    }

    #[test]
    fn nesting_limit_as_value() {
        fn nest(depth: usize) -> String {
            format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
        }
        let mut outcomes = Vec::new();
        for d in 120..=130 {
            for body in [
                format!(r#"{{"Resources":[{{"id":"1","a":{}}}]}}"#, nest(d)),
                format!(r#"{{"Resources":{{"id":"1","a":{}}}}}"#, nest(d)),
                format!(r#"{{"Resources":[],"x":{}}}"#, nest(d)),
                format!(r#"{{"Resources":{},"Resources":[]}}"#, nest(d)),
                format!(r#"{{"Resources":[{}]}}"#, nest(d)),
            ] {
                same(&body);
                outcomes.push(parse_list_page(body.as_bytes(), ListRequest::default()).is_ok());
            }
        }
        assert!(outcomes.contains(&true) && outcomes.contains(&false));
    }

    #[test]
    fn whitespace_anywhere() {
        let body = " \n\t{ \"Resources\" :\r [ {\"id\" : \"1\"} ,\n {\"id\":2 } ] , \"totalResults\" : 2 , \"x\" : [ ] } \n";
        same(body);
        let p = page(body);
        assert_eq!(p.resources[0].text, r#"{"id" : "1"}"#);
        assert_eq!(p.resources[1].text, r#"{"id":2 }"#);
        same(r#"{ }"#);
        same(r#"{"Resources":[ ]}"#);
    }

    #[test]
    fn duplicate_keys_keep_the_last() {
        let body = r#"{"Resources":[{"id":"1"}],"totalResults":1,"Resources":[{"id":"2","id":"3","b":1,"a":{"k":1,"k":2}}]}"#;
        same(body);
        let p = page(body);
        assert_eq!(
            p.resources[0].text,
            r#"{"id":"2","id":"3","b":1,"a":{"k":1,"k":2}}"#
        );
        assert_eq!(p.resources[0].id.as_deref(), Some("3"));
        assert_eq!(
            p.resources[0].hash,
            content_hash(&serde_json::json!({"id": "3", "a": {"k": 2}, "b": 1}))
        );
        same(r#"{"totalResults":1,"totalResults":"2","Resources":[{}, {}]}"#);
    }

    #[test]
    fn resources_key_spelling_and_shape() {
        for body in [
            r#"{"resources":[{"id":"1"}]}"#,
            r#"{"resources":[{"id":"1"}],"RESOURCES":[{"id":"2"}]}"#,
            r#"{"resources":[{"id":"1"}],"Resources":null}"#,
            r#"{"Resources":null,"totalResults":2}"#,
            r#"{"totalResults":2}"#,
            r#"{"totalResults":0}"#,
            r#"{"Resources":{"id":"1"},"totalResults":1}"#,
            r#"{"Resources":"x"}"#,
            r#"{"Resources":3}"#,
            r#"{"Resources":[1, "a", null, [{"id":"1"}], {"ID":"2"}, {"Id":" "}, {"id":""}]}"#,
        ] {
            same(body);
        }
        let p = page(r#"{"resources":[{"id":"1"}],"RESOURCES":[{"id":"2"}]}"#);
        assert_eq!(p.resources[0].id.as_deref(), Some("2"));
        assert!(p.deviations.contains(&Deviation::ResourcesKeyLowercase {
            key: "RESOURCES".into()
        }));
        let p = page(r#"{"Resources": {"id": "1"} }"#);
        assert_eq!(p.resources[0].text, r#"{"id": "1"}"#);
        assert!(p.deviations.contains(&Deviation::ResourcesNotAList));
    }

    #[test]
    fn ids_exact_for_the_crawl_any_case_for_the_checks() {
        let body = r#"{"Resources":[{"ID":"a"},{"Id":"a"},{"id":" "},{"id":12.50},{"id":18446744073709551615},{"id":-3},{"id":true}]}"#;
        same(body);
        let p = page(body);
        let ids: Vec<Option<&str>> = p.resources.iter().map(|r| r.id.as_deref()).collect();
        assert_eq!(
            ids,
            [
                None,
                None,
                None,
                Some("12.5"),
                Some("18446744073709551615"),
                Some("-3"),
                None
            ]
        );
        assert!(p.deviations.contains(&Deviation::DuplicateIds {
            ids: vec!["a".into()]
        }));
        assert!(p
            .deviations
            .contains(&Deviation::ResourcesWithoutId { count: 2 }));
    }

    #[test]
    fn escapes_and_numbers_hash_as_value() {
        for body in [
            r#"{"Resources":[{"id":"a\"b\\c\/d\u00e9\n\u0001\ud83d\ude00","k\u0065y":[1.0,1,-0,-0.0,1e2,1E-2,18446744073709551616,-9223372036854775809]}]}"#,
            r#"{"Resources":[{"META":{"LastModified":"x","VERSION":"y","location":"l"},"meta":{"version":1},"x":{"meta":{"version":1}}}]}"#,
            r#"{"Resources":[{"meta":[{"version":1}],"a":[[2,1],[1,2],[]],"b":[{"b":1,"a":2},{"a":2,"b":1}]}]}"#,
        ] {
            same(body);
        }
    }

    #[test]
    fn serde_json_raw_value_token() {
        // `Value` reads such an object as the JSON text of its string.
        for body in [
            r#"{"Resources":[{"$serde_json::private::RawValue":"{\"id\":\"7\",\"a\":[2,1]}"}]}"#,
            r#"{"Resources":[{"$serde_json::private::RawValue":"5"},{"a":{"$serde_json::private::RawValue":"[1]"}}]}"#,
            r#"{"Resources":[{"$serde_json::private::RawValue":5}]}"#,
            r#"{"Resources":[{"$serde_json::private::RawValue":"{}","b":1}]}"#,
            r#"{"Resources":[{"$serde_json::private::RawValue":"{"}]}"#,
            r#"{"Resources":[{"a":1,"$serde_json::private::RawValue":"{}"}]}"#,
            r#"{"Resources":{"$serde_json::private::RawValue":"{\"id\":\"1\"}"}}"#,
            r#"{"Resources":{"$serde_json::private::RawValue":"null"}}"#,
            r#"{"Resources":{"$serde_json::private::RawValue":"[]"}}"#,
            r#"{"schemas":{"$serde_json::private::RawValue":"[\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"]"},"Resources":[]}"#,
            r#"{"$serde_json::private::RawValue":"{\"totalResults\":0,\"Resources\":[]}"}"#,
            r#"{"$serde_json::private::RawValue":"[]"}"#,
            r#"{"$serde_json::private::RawValue":"{\"a\":1}","b":2}"#,
        ] {
            same(body);
        }
        let p = page(r#"{"Resources":[{"$serde_json::private::RawValue":"{\"id\":\"7\"}"}]}"#);
        assert_eq!(
            p.resources[0].text,
            r#"{"$serde_json::private::RawValue":"{\"id\":\"7\"}"}"#
        );
        assert_eq!(p.resources[0].id.as_deref(), Some("7"));
        // Resources that exist only inside a string have no text to give.
        for body in [
            r#"{"$serde_json::private::RawValue":"{\"Resources\":[{\"id\":\"1\"}]}"}"#,
            r#"{"Resources":{"$serde_json::private::RawValue":"[{\"id\":\"1\"}]"}}"#,
        ] {
            assert!(parse_list_response(body.as_bytes()).is_ok());
            assert!(parse_list_page(body.as_bytes(), ListRequest::default()).is_err());
        }
    }

    // -----------------------------------------------------------------------
    // Generated pages: JSON text, so that duplicate keys, escapes and number
    // spellings reach the parser as a server would send them.

    /// `s` as a JSON string, each character raw or escaped at random.
    fn json_str(s: impl Strategy<Value = String> + 'static) -> BoxedStrategy<String> {
        s.prop_flat_map(|s| {
            let n = s.chars().count();
            (Just(s), vec(0u8..16, n))
        })
        .prop_map(|(s, modes)| {
            let mut out = String::from("\"");
            for (c, m) in s.chars().zip(modes) {
                push_char(&mut out, c, m);
            }
            out.push('"');
            out
        })
        .boxed()
    }

    fn push_char(out: &mut String, c: char, mode: u8) {
        let hex = |out: &mut String, u: u16| {
            if mode.is_multiple_of(2) {
                out.push_str(&format!("\\u{u:04x}"));
            } else {
                out.push_str(&format!("\\u{u:04X}"));
            }
        };
        let short = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            '\u{8}' => Some("\\b"),
            '\u{c}' => Some("\\f"),
            '/' if mode < 4 => Some("\\/"),
            _ => None,
        };
        let must = c == '"' || c == '\\' || (c as u32) < 0x20;
        match short {
            Some(s) if mode < 8 => out.push_str(s),
            _ if must || mode < 2 => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    hex(out, *u);
                }
            }
            _ => out.push(c),
        }
    }

    fn content() -> BoxedStrategy<String> {
        prop_oneof![
            3 => "[a-zA-Z0-9 ]{0,8}",
            2 => any::<String>(),
            1 => prop::sample::select(vec![
                "", " ", "\t", "id", "ID", "meta", "lastModified", "VERSION", "é", "\u{1}",
                "\"", "\\", "a\"b", "\u{1F600}", "\u{7f}", "\u{2028}",
            ])
            .prop_map(str::to_string),
        ]
        .boxed()
    }

    fn number() -> BoxedStrategy<String> {
        prop_oneof![
            any::<i64>().prop_map(|n| n.to_string()),
            any::<u64>().prop_map(|n| n.to_string()),
            ((i64::MAX as u64) + 1..=u64::MAX).prop_map(|n| n.to_string()),
            (0u64..20).prop_map(|n| n.to_string()),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| format!("{f:?}")),
            any::<f32>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| format!("{f:e}")),
            prop::sample::select(vec![
                "-0",
                "-0.0",
                "0.0",
                "1.0",
                "2.50",
                "1e3",
                "1E+2",
                "1e-2",
                "0.1e-2",
                "18446744073709551616",
                "-9223372036854775808",
                "-9223372036854775809",
                "123456789012345678901234567890",
                "1e400",
                "-1e400",
                "1e-400",
                "4.9e-324",
            ])
            .prop_map(str::to_string),
        ]
        .boxed()
    }

    fn ws() -> BoxedStrategy<&'static str> {
        prop::sample::select(vec!["", "", "", " ", "\n  ", "\t"]).boxed()
    }

    fn key() -> BoxedStrategy<String> {
        prop_oneof![
            3 => json_str(
                prop::sample::select(vec![
                    "id", "ID", "Id", "meta", "Meta", "META", "lastModified", "LastModified",
                    "lastmodified", "version", "Version", "location", "value", "a", "b", "B", "",
                    "é", "a\"", "schemas", "Resources",
                ])
                .prop_map(str::to_string),
            ),
            1 => json_str(content()),
        ]
        .boxed()
    }

    fn object(entries: Vec<(String, String)>, pad: Vec<&'static str>) -> String {
        let mut out = String::from("{");
        let mut pad = pad.into_iter().cycle();
        for (i, (k, v)) in entries.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(pad.next().unwrap_or(""));
            out.push_str(k);
            out.push_str(pad.next().unwrap_or(""));
            out.push(':');
            out.push_str(pad.next().unwrap_or(""));
            out.push_str(v);
        }
        out.push_str(pad.next().unwrap_or(""));
        out.push('}');
        out
    }

    fn array(items: Vec<String>, pad: Vec<&'static str>) -> String {
        let mut out = String::from("[");
        let mut pad = pad.into_iter().cycle();
        for (i, v) in items.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(pad.next().unwrap_or(""));
            out.push_str(v);
        }
        out.push_str(pad.next().unwrap_or(""));
        out.push(']');
        out
    }

    /// serde_json's raw-value token object around `text`.
    fn token(text: String) -> BoxedStrategy<String> {
        json_str(Just(text))
            .prop_map(|s| format!("{{\"{RAW_VALUE_TOKEN}\":{s}}}"))
            .boxed()
    }

    fn value() -> BoxedStrategy<String> {
        let leaf = prop_oneof![
            Just("null".to_string()),
            Just("true".to_string()),
            Just("false".to_string()),
            number(),
            json_str(content()),
        ];
        leaf.prop_recursive(4, 40, 6, |inner| {
            prop_oneof![
                4 => (vec(inner.clone(), 0..6), vec(ws(), 1..4))
                    .prop_map(|(items, pad)| array(items, pad)),
                4 => (vec((key(), inner.clone()), 0..6), vec(ws(), 1..4))
                    .prop_map(|(entries, pad)| object(entries, pad)),
                1 => inner.prop_flat_map(token),
            ]
        })
        .boxed()
    }

    fn id_key() -> BoxedStrategy<String> {
        json_str(prop::sample::select(vec!["id", "id", "id", "ID", "Id"]).prop_map(str::to_string))
    }

    fn id_value() -> BoxedStrategy<String> {
        prop_oneof![
            4 => json_str("[a-f0-9]{1,3}"),
            1 => json_str(prop::sample::select(vec!["", " ", "\t\n", "\u{a0}"]).prop_map(str::to_string)),
            2 => number(),
            1 => value(),
        ]
        .boxed()
    }

    fn meta() -> BoxedStrategy<String> {
        let k = json_str(
            prop::sample::select(vec![
                "lastModified",
                "LastModified",
                "LASTMODIFIED",
                "version",
                "Version",
                "VERSION",
                "location",
                "created",
                "resourceType",
                "versions",
            ])
            .prop_map(str::to_string),
        );
        (vec((k, value()), 0..6), vec(ws(), 1..3))
            .prop_map(|(entries, pad)| object(entries, pad))
            .boxed()
    }

    fn resource() -> BoxedStrategy<String> {
        let meta_key = json_str(
            prop::sample::select(vec!["meta", "meta", "Meta", "META", "mEtA"])
                .prop_map(str::to_string),
        );
        let entry = prop_oneof![
            3 => (id_key(), id_value()),
            2 => (meta_key, prop_oneof![4 => meta(), 1 => value()]),
            4 => (key(), value()),
        ];
        let plain = (vec(entry, 0..7), vec(ws(), 1..4))
            .prop_map(|(entries, pad)| object(entries, pad))
            .boxed();
        prop_oneof![
            12 => plain.clone(),
            1 => plain.prop_flat_map(token),
            1 => value(),
        ]
        .boxed()
    }

    fn count_value() -> BoxedStrategy<String> {
        prop_oneof![
            4 => (0u64..12).prop_map(|n| n.to_string()),
            1 => (0u64..12).prop_map(|n| format!("\"{n}\"")),
            1 => (0u64..12).prop_map(|n| format!("\" {n} \"")),
            1 => prop::sample::select(vec![
                "-1", "1.5", "2.0", "1e1", "9e15", "true", "null", "\"x\"", "[]", "{}", "\"\"",
                "18446744073709551615",
            ])
            .prop_map(str::to_string),
            1 => value(),
        ]
        .boxed()
    }

    fn spelled(names: &'static [&'static str]) -> BoxedStrategy<String> {
        json_str(prop::sample::select(names).prop_map(str::to_string))
    }

    fn resources_value() -> BoxedStrategy<String> {
        prop_oneof![
            8 => (vec(resource(), 0..6), vec(ws(), 1..4)).prop_map(|(items, pad)| array(items, pad)),
            1 => Just("null".to_string()),
            1 => Just("[]".to_string()),
            1 => resource(),
            1 => value(),
            1 => vec(resource(), 0..2)
                .prop_map(|items| array(items, vec![""]))
                .prop_flat_map(token),
        ]
        .boxed()
    }

    fn schemas_value() -> BoxedStrategy<String> {
        let urn = json_str(
            prop::sample::select(vec![
                LIST_RESPONSE_SCHEMA,
                "URN:IETF:PARAMS:SCIM:API:MESSAGES:2.0:LISTRESPONSE",
                "urn:ietf:params:scim:schemas:core:2.0:User",
            ])
            .prop_map(str::to_string),
        );
        prop_oneof![
            4 => vec(urn, 0..3).prop_map(|items| array(items, vec![""])),
            1 => value(),
        ]
        .boxed()
    }

    fn top_entry() -> BoxedStrategy<(String, String)> {
        prop_oneof![
            6 => (
                spelled(&["Resources", "Resources", "Resources", "resources", "RESOURCES", "ReSources"]),
                resources_value(),
            ),
            2 => (spelled(&["schemas", "Schemas"]), schemas_value()),
            3 => (spelled(&["totalResults", "totalResults", "TotalResults", "totalresults"]), count_value()),
            2 => (spelled(&["startIndex", "startIndex", "StartIndex"]), count_value()),
            2 => (spelled(&["itemsPerPage", "itemsPerPage", "ITEMSPERPAGE"]), count_value()),
            1 => (key(), value()),
        ]
        .boxed()
    }

    /// What the body is made of: a page, sometimes damaged.
    #[derive(Debug, Clone)]
    enum Damage {
        None,
        Truncate(usize),
        Byte(usize, u8),
        Wrap,
    }

    fn body() -> BoxedStrategy<String> {
        let resources = (
            spelled(&["Resources", "Resources", "resources"]),
            (vec(resource(), 0..8), vec(ws(), 1..4)).prop_map(|(items, pad)| array(items, pad)),
        );
        let entries = (
            prop::option::weighted(0.8, resources),
            vec(top_entry(), 0..6),
        )
            .prop_flat_map(|(first, mut entries)| {
                entries.extend(first);
                Just(entries).prop_shuffle()
            });
        let page = (entries, vec(ws(), 1..4)).prop_map(|(entries, pad)| object(entries, pad));
        let damage = prop_oneof![
            12 => Just(Damage::None),
            1 => any::<usize>().prop_map(Damage::Truncate),
            1 => (any::<usize>(), prop::sample::select(b"{}[],:\"\\ 0-e".to_vec()))
                .prop_map(|(at, b)| Damage::Byte(at, b)),
            1 => Just(Damage::Wrap),
        ];
        (page, damage)
            .prop_map(|(text, damage)| match damage {
                Damage::None => text,
                Damage::Truncate(at) => {
                    let mut at = at % (text.len() + 1);
                    while !text.is_char_boundary(at) {
                        at -= 1;
                    }
                    text[..at].to_string()
                }
                Damage::Byte(at, b) => {
                    let mut at = at % text.len().max(1);
                    while !text.is_char_boundary(at) {
                        at -= 1;
                    }
                    let mut t = text;
                    if !t.is_empty() {
                        t.insert(at, char::from(b));
                    }
                    t
                }
                Damage::Wrap => format!("[{text}]"),
            })
            .boxed()
    }

    fn request() -> BoxedStrategy<ListRequest> {
        (prop::option::of(0u64..4), prop::option::of(0u64..6))
            .prop_map(|(start_index, count)| ListRequest { start_index, count })
            .boxed()
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: std::env::var("PROPTEST_CASES")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(512),
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn same_as_the_value_path(body in body(), request in request()) {
            check(body.as_bytes(), request)?;

        }

        #[test]
        fn same_as_the_value_path_on_any_bytes(body in vec(any::<u8>(), 0..64), request in request()) {
            check(&body, request)?;
        }
    }

    // -----------------------------------------------------------------------
    // Speed: `cargo test --release -p scimwatch-core -- --ignored --nocapture page_speed`

    /// A page of `n` users of about 900 bytes, as a SCIM server sends them.
    fn user_page(n: usize) -> String {
        let users: Vec<String> = (0..n)
            .map(|i| {
                format!(
                    r#"{{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"id":"2819c223-7f76-453a-919d-{i:012}","externalId":"ext-{i:06}","userName":"user{i}@example.com","active":true,"displayName":"User Number {i}","title":"Tour Guide","name":{{"givenName":"User","familyName":"Number {i}","formatted":"Ms. User Number {i}"}},"emails":[{{"value":"user{i}@example.com","type":"work","primary":true}}],"addresses":[{{"type":"work","streetAddress":"{i} Hollywood Blvd","locality":"Hollywood","region":"CA","postalCode":"91608","country":"USA","primary":true}}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{{"department":"Tour Operations","employeeNumber":"{i:06}"}},"meta":{{"resourceType":"User","created":"2024-01-23T04:56:22Z","lastModified":"2024-05-13T04:42:34Z","location":"https://example.com/v2/Users/2819c223-7f76-453a-919d-{i:012}","version":"W/\"a330bc54f0671c9\""}}}}"#
                )
            })
            .collect();
        format!(
            r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":{},"startIndex":1,"itemsPerPage":{n},"Resources":[{}]}}"#,
            n * 10,
            users.join(",")
        )
    }

    #[test]
    #[ignore = "timing; run in release"]
    fn page_speed() {
        use std::hint::black_box;
        use std::time::Instant;
        let body = user_page(100);
        let request = ListRequest {
            start_index: Some(1),
            count: Some(100),
        };
        println!("page: {} bytes", body.len());
        let old = |body: &[u8]| {
            let list = parse_list_response_for(body, request).unwrap();
            let texts = resource_texts(body).filter(|t| t.len() == list.resources.len());
            for (i, v) in list.resources.iter().enumerate() {
                let id = v.get("id").and_then(id_text);
                let text = match texts.as_ref().and_then(|t| t.get(i)) {
                    Some(t) => (*t).to_string(),
                    None => v.to_string(),
                };
                black_box((id, text, content_hash(v)));
            }
        };
        let new = |body: &[u8]| {
            let page = parse_list_page(body, request).unwrap();
            for r in &page.resources {
                black_box((&r.id, r.text.to_string(), r.hash));
            }
        };
        check(body.as_bytes(), request).unwrap();
        let runs = 100;
        let mut best = (f64::MAX, f64::MAX);
        for _ in 0..100 {
            let t = Instant::now();
            for _ in 0..runs {
                old(black_box(body.as_bytes()));
            }
            best.0 = best.0.min(t.elapsed().as_secs_f64() / f64::from(runs));
            let t = Instant::now();
            for _ in 0..runs {
                new(black_box(body.as_bytes()));
            }
            best.1 = best.1.min(t.elapsed().as_secs_f64() / f64::from(runs));
        }
        println!(
            "old {:.1} µs/page, new {:.1} µs/page: {:.2}x",
            best.0 * 1e6,
            best.1 * 1e6,
            best.0 / best.1
        );
    }
}
