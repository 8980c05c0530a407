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

mod tree;

use std::borrow::Cow;

use serde::de::{self, Deserialize};

use super::deviation::Deviation;
use super::hash::{id_text, Canonicalizer, ContentHash};
use super::list::{check_list, read_body, ListFields, ListRequest, ResourcesShape, DOC};
use crate::graph::ParseError;
use tree::{get_ci, into_map, Node, Parsed, Str};

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
pub(super) const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// The error for resources that are only inside a string of the body.
const NO_TEXT: &str = "the resources have no text of their own in the body";

/// Containers may nest this deep in a document (serde_json's recursion limit).
pub(super) const MAX_DEPTH: u32 = 127;

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

#[cfg(test)]
mod tests;
