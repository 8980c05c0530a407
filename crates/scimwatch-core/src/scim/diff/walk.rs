//! The walk over two versions of a resource that [`super::changed_paths`]
//! and [`super::attribute_changes`] share, so that both see the same
//! differences at the same paths: volatile `meta` keys ignored, `null` equal
//! to absent, arrays unordered, multi-valued attributes with a distinct
//! `type` per entry compared entry by entry (`emails[type eq "work"].value`),
//! schema extension children joined with `:`. What is kept of each
//! difference is the [`Sink`]'s business.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value};

use super::super::hash::{canonical_json, is_volatile_meta_key};
use super::super::resource::get_ci;

/// What a walk reports each difference to.
pub(super) trait Sink {
    /// Whether the values under `key` are secret (`secret` is then true for
    /// every difference below it).
    fn is_secret(&self, key: &str) -> bool;
    /// A value that differs: a scalar (at the top, `path` is `$`), a
    /// changed JSON type, or an attribute or typed entry present on one
    /// side only (`None`: absent).
    fn value(&mut self, path: &str, old: Option<&Value>, new: Option<&Value>, secret: bool);
    /// An array compared as a whole whose entries differ (as a multiset).
    fn array(&mut self, path: &str, old: &[Value], new: &[Value], secret: bool);
}

/// Report every difference between `old` and `new` to `sink`.
pub(super) fn walk(old: &Value, new: &Value, sink: &mut impl Sink) {
    walk_values(old, new, "", Level::Top, false, sink);
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Top,
    Meta,
    /// A schema extension object (`urn:…:User`): children join with `:`.
    Extension,
    Inner,
}

fn join(parent: &str, key: &str, parent_is_extension: bool) -> String {
    if parent.is_empty() {
        key.to_string()
    } else if parent_is_extension {
        format!("{parent}:{key}")
    } else {
        format!("{parent}.{key}")
    }
}

fn walk_values(
    old: &Value,
    new: &Value,
    path: &str,
    level: Level,
    secret: bool,
    sink: &mut impl Sink,
) {
    // Cheap structural equality first: most subtrees of a changed resource are unchanged.
    if old == new {
        return;
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => walk_objects(a, b, path, level, secret, sink),
        (Value::Array(a), Value::Array(b)) => walk_arrays(a, b, path, secret, sink),
        (a, b) => {
            let path = if path.is_empty() { "$" } else { path };
            sink.value(path, Some(a), Some(b), secret);
        }
    }
}

fn walk_objects(
    a: &Map<String, Value>,
    b: &Map<String, Value>,
    path: &str,
    level: Level,
    secret: bool,
    sink: &mut impl Sink,
) {
    let extension = level == Level::Extension;
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for k in keys {
        if level == Level::Meta && is_volatile_meta_key(k) {
            continue;
        }
        let child_level = match level {
            Level::Top if k.eq_ignore_ascii_case("meta") => Level::Meta,
            Level::Top if k.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:")) => {
                Level::Extension
            }
            _ => Level::Inner,
        };
        let child = join(path, k, extension);
        let child_secret = secret || sink.is_secret(k);
        match (a.get(k), b.get(k)) {
            (Some(x), Some(y)) => walk_values(x, y, &child, child_level, child_secret, sink),
            (Some(Value::Null), None) | (None, Some(Value::Null)) | (None, None) => {}
            (x, y) => sink.value(&child, x, y, child_secret),
        }
    }
}

fn canonical_set(items: &[Value]) -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = items.iter().map(canonical_json).collect();
    v.sort_unstable();
    v
}

/// Each entry by its `type`, when every entry is an object with a distinct
/// string `type`.
fn typed_entries(items: &[Value]) -> Option<HashMap<String, &Value>> {
    let mut map = HashMap::with_capacity(items.len());
    for i in items {
        let t = get_ci(i.as_object()?, "type")?.as_str()?.to_string();
        if map.insert(t, i).is_some() {
            return None;
        }
    }
    Some(map)
}

fn walk_arrays(a: &[Value], b: &[Value], path: &str, secret: bool, sink: &mut impl Sink) {
    if canonical_set(a) == canonical_set(b) {
        return;
    }
    if let (Some(ta), Some(tb)) = (typed_entries(a), typed_entries(b)) {
        if !ta.is_empty() || !tb.is_empty() {
            let types: BTreeSet<&String> = ta.keys().chain(tb.keys()).collect();
            for t in types {
                let entry = format!("{path}[type eq \"{t}\"]");
                match (ta.get(t).copied(), tb.get(t).copied()) {
                    (Some(Value::Object(x)), Some(Value::Object(y))) => {
                        walk_objects(x, y, &entry, Level::Inner, secret, sink)
                    }
                    (x, y) => sink.value(&entry, x, y, secret),
                }
            }
            return;
        }
    }
    sink.array(path, a, b, secret);
}
