//! Old → new values of each changed attribute, for the admin to read.
//!
//! Walks two versions of a resource with the same rules (and the same
//! paths) as [`super::changed_paths`]: volatile `meta` keys ignored, `null`
//! equal to absent, arrays unordered, multi-valued attributes with a
//! distinct `type` per entry compared entry by entry. An array compared as
//! a whole lists the entries added and removed instead of two long values.
//!
//! Secrets never appear: SCIM resources should hold none, but a
//! password-like attribute (`password`, `…secret…`, `…token…`, …) is shown
//! as changed with both values replaced by [`REDACTED`], and such keys
//! inside shown entries are replaced too.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::super::hash::canonical_json;
// The same differences at the same paths as `changed_paths`.
use super::walk::{walk, Sink};

/// What replaces a secret's value.
pub const REDACTED: &str = "(hidden)";
/// Longest value shown, in characters; longer ones end with `…`.
pub const MAX_VALUE_CHARS: usize = 1000;
/// Most entries listed per side of an array change.
pub const MAX_ITEMS: usize = 200;

/// One changed attribute with its values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AttributeChange {
    /// As in `changed_paths`: `active`, `name.givenName`,
    /// `emails[type eq "work"].value`, `members`.
    pub path: String,
    /// The value before (`None`: absent or null). Strings as they are,
    /// anything else as compact JSON.
    pub old: Option<String>,
    /// The value after (`None`: absent or null).
    pub new: Option<String>,
    /// For a multi-valued attribute compared as a whole: entries only in
    /// the new version (then `old`/`new` are `None`).
    pub added: Vec<String>,
    /// Entries only in the old version.
    pub removed: Vec<String>,
    /// Entries not listed in `added`/`removed` (beyond [`MAX_ITEMS`]).
    pub omitted: u32,
    /// A password-like attribute: the values are [`REDACTED`].
    pub redacted: bool,
}

/// Whether an attribute name looks like it holds a secret.
pub fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "password",
        "passwd",
        "secret",
        "token",
        "credential",
        "apikey",
        "api_key",
        "privatekey",
    ]
    .iter()
    .any(|s| k.contains(s))
}

/// A copy of `v` with the value of every password-like key replaced by [`REDACTED`].
pub fn redact(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| {
                    let x = if is_secret_key(k) && !x.is_null() {
                        Value::String(REDACTED.into())
                    } else {
                        redact(x)
                    };
                    (k.clone(), x)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact).collect()),
        other => other.clone(),
    }
}

/// A value as shown: strings as they are, the rest as compact JSON (with
/// secrets redacted), cut at [`MAX_VALUE_CHARS`].
pub fn display_value(v: &Value) -> Option<String> {
    let s = match v {
        Value::Null => return None,
        Value::String(s) => s.clone(),
        other => serde_json::to_string(&redact(other)).unwrap_or_default(),
    };
    Some(cut(s))
}

fn cut(s: String) -> String {
    match s.char_indices().nth(MAX_VALUE_CHARS) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

/// The changed attributes of a resource between two versions, sorted by path.
pub fn attribute_changes(old: &Value, new: &Value) -> Vec<AttributeChange> {
    let mut out: Vec<AttributeChange> = Vec::new();
    walk(old, new, &mut out);
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out.dedup_by(|a, b| a.path == b.path);
    out
}

fn scalar(path: &str, old: Option<&Value>, new: Option<&Value>, secret: bool) -> AttributeChange {
    let shown = |v: Option<&Value>| -> Option<String> {
        let v = v?;
        if secret {
            (!v.is_null()).then(|| REDACTED.to_string())
        } else {
            display_value(v)
        }
    };
    AttributeChange {
        path: if path.is_empty() {
            "$".into()
        } else {
            path.into()
        },
        old: shown(old),
        new: shown(new),
        added: Vec::new(),
        removed: Vec::new(),
        omitted: 0,
        redacted: secret,
    }
}

/// Each difference with its values; a whole array as the entries added and
/// removed.
impl Sink for Vec<AttributeChange> {
    fn is_secret(&self, key: &str) -> bool {
        is_secret_key(key)
    }
    fn value(&mut self, path: &str, old: Option<&Value>, new: Option<&Value>, secret: bool) {
        self.push(scalar(path, old, new, secret));
    }
    fn array(&mut self, path: &str, a: &[Value], b: &[Value], secret: bool) {
        self.push(array_change(path, a, b, secret));
    }
}

/// The entries only in `b` (added) and only in `a` (removed), at most
/// [`MAX_ITEMS`] in all.
fn array_change(path: &str, a: &[Value], b: &[Value], secret: bool) -> AttributeChange {
    let ca: Vec<Vec<u8>> = a.iter().map(canonical_json).collect();
    let cb: Vec<Vec<u8>> = b.iter().map(canonical_json).collect();
    let sa: BTreeSet<&Vec<u8>> = ca.iter().collect();
    let sb: BTreeSet<&Vec<u8>> = cb.iter().collect();
    let mut change = scalar(path, None, None, secret);
    let mut listed = 0usize;
    let mut omitted = 0usize;
    let mut list =
        |items: &[Value], canon: &[Vec<u8>], other: &BTreeSet<&Vec<u8>>, into: &mut Vec<String>| {
            let mut seen = BTreeSet::new();
            for (v, c) in items.iter().zip(canon) {
                if other.contains(c) || !seen.insert(c) {
                    continue;
                }
                if listed >= MAX_ITEMS {
                    omitted += 1;
                    continue;
                }
                listed += 1;
                into.push(if secret {
                    REDACTED.to_string()
                } else {
                    display_value(v).unwrap_or_else(|| "null".into())
                });
            }
        };
    list(b, &cb, &sa, &mut change.added);
    list(a, &ca, &sb, &mut change.removed);
    change.omitted = u32::try_from(omitted).unwrap_or(u32::MAX);
    change
}

#[cfg(test)]
mod tests {
    use super::super::changed_paths;
    use super::*;
    use serde_json::json;

    fn one(old: Value, new: Value) -> AttributeChange {
        let mut c = attribute_changes(&old, &new);
        assert_eq!(c.len(), 1, "{c:?}");
        c.remove(0)
    }

    #[test]
    fn scalar_values_old_and_new() {
        let c = one(json!({"active": true}), json!({"active": false}));
        assert_eq!(
            (c.path.as_str(), c.old.as_deref(), c.new.as_deref()),
            ("active", Some("true"), Some("false"))
        );
        let c = one(
            json!({"name": {"givenName": "Ada"}}),
            json!({"name": {"givenName": "Ada L."}}),
        );
        assert_eq!(
            (c.path.as_str(), c.old.as_deref(), c.new.as_deref()),
            ("name.givenName", Some("Ada"), Some("Ada L."))
        );
        let c = one(json!({"title": "x"}), json!({}));
        assert_eq!((c.old.as_deref(), c.new.as_deref()), (Some("x"), None));
        let c = one(json!({}), json!({"title": "y"}));
        assert_eq!((c.old.as_deref(), c.new.as_deref()), (None, Some("y")));
    }

    #[test]
    fn typed_entries_and_whole_arrays() {
        let c = one(
            json!({"emails": [{"type": "work", "value": "a@x"}, {"type": "home", "value": "b"}]}),
            json!({"emails": [{"type": "home", "value": "b"}, {"type": "work", "value": "c@x"}]}),
        );
        assert_eq!(c.path, "emails[type eq \"work\"].value");
        assert_eq!(
            (c.old.as_deref(), c.new.as_deref()),
            (Some("a@x"), Some("c@x"))
        );
        let c = one(
            json!({"emails": [{"type": "work", "value": "a"}]}),
            json!({"emails": [{"type": "work", "value": "a"}, {"type": "home", "value": "b"}]}),
        );
        assert_eq!(c.new.as_deref(), Some(r#"{"type":"home","value":"b"}"#));
        let c = one(
            json!({"members": [{"value": "u1"}, {"value": "u2"}]}),
            json!({"members": [{"value": "u2"}, {"value": "u3"}]}),
        );
        assert_eq!(c.path, "members");
        assert_eq!(c.added, [r#"{"value":"u3"}"#]);
        assert_eq!(c.removed, [r#"{"value":"u1"}"#]);
        assert_eq!((c.old, c.new), (None, None));
        let c = one(
            json!({"roles": ["a", "b"]}),
            json!({"roles": ["b", "c", "c"]}),
        );
        assert_eq!(
            (c.added, c.removed),
            (vec!["c".to_string()], vec!["a".to_string()])
        );
    }

    #[test]
    fn same_paths_as_changed_paths() {
        let cases = [
            (
                json!({"a": 1, "meta": {"version": "1", "location": "x"}}),
                json!({"b": 1, "meta": {"version": "2", "location": "y"}}),
            ),
            (
                json!({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "A", "manager": {"value": "m1"}}}),
                json!({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "B", "manager": {"value": "m2"}}}),
            ),
            (
                json!({"emails": [{"value": "a"}]}),
                json!({"emails": [{"value": "b"}]}),
            ),
            (json!({"x": null}), json!({})),
            (json!(1), json!(2)),
        ];
        for (old, new) in cases {
            let paths: Vec<String> = attribute_changes(&old, &new)
                .into_iter()
                .map(|c| c.path)
                .collect();
            assert_eq!(paths, changed_paths(&old, &new), "{old} → {new}");
        }
    }

    #[test]
    fn secrets_never_appear() {
        let c = one(
            json!({"password": "hunter2"}),
            json!({"password": "hunter3"}),
        );
        assert!(c.redacted);
        assert_eq!(
            (c.old.as_deref(), c.new.as_deref()),
            (Some(REDACTED), Some(REDACTED))
        );
        let all = attribute_changes(
            &json!({"x": {"apiToken": "t1"}}),
            &json!({"x": {"apiToken": "t2", "n": 1}}),
        );
        let text = serde_json::to_string(&all).unwrap();
        assert!(!text.contains("t1") && !text.contains("t2"), "{text}");
        let c = one(
            json!({"creds": []}),
            json!({"creds": [{"secretValue": "s3cr3t", "id": "k"}]}),
        );
        assert_eq!(
            c.added,
            [format!(r#"{{"id":"k","secretValue":"{REDACTED}"}}"#)]
        );
    }

    #[test]
    fn long_values_and_long_lists_are_cut() {
        let long = "x".repeat(5000);
        let c = one(json!({"note": "a"}), json!({"note": long}));
        assert_eq!(c.new.as_ref().unwrap().chars().count(), MAX_VALUE_CHARS + 1);
        let many: Vec<Value> = (0..500).map(|i| json!(format!("r{i}"))).collect();
        let c = one(json!({"roles": []}), json!({"roles": many}));
        assert_eq!((c.added.len(), c.omitted), (MAX_ITEMS, 300));
    }
}
