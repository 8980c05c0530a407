//! The built-in SCIM target's data ([`ScimStore`]) and the conditions it
//! answers under ([`TargetBehaviour`]); served by `crate::scim`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::clock::graph_time;
use crate::tenant::{mix64, uuid_from_bits};

/// Conditions of the built-in target (from configuration and faults).
#[derive(Debug, Clone, Default)]
pub struct TargetBehaviour {
    /// The bearer token the target accepts.
    pub token: String,
    /// When the token stops working (simulated time).
    pub token_expires_at: Option<DateTime<Utc>>,
    /// Latency added to every request.
    pub latency: std::time::Duration,
    /// Writes answer 500.
    pub server_error: bool,
    /// Everything answers an HTML page.
    pub html: bool,
    /// `startIndex` is ignored.
    pub ignore_start_index: bool,
    /// User lookups find nothing and `POST /Users` answers 409.
    pub duplicate_conflict: bool,
    /// The endpoint is down: every connection is dropped without an answer,
    /// for Entra and for anyone else alike.
    pub endpoint_down: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Collection {
    pub(crate) items: Vec<Value>,
    pub(crate) by_id: HashMap<String, usize>,
    pub(crate) by_name: HashMap<String, usize>,
}

impl Collection {
    pub(crate) fn name_of(v: &Value, name_attr: &str) -> String {
        v.get(name_attr)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_lowercase()
    }
    pub(crate) fn reindex(&mut self, name_attr: &str) {
        self.by_id.clear();
        self.by_name.clear();
        for (i, v) in self.items.iter().enumerate() {
            if let Some(id) = v.get("id").and_then(Value::as_str) {
                self.by_id.insert(id.to_string(), i);
            }
            self.by_name.insert(Self::name_of(v, name_attr), i);
        }
    }
}

/// The target's data.
#[derive(Debug, Default)]
pub struct ScimStore {
    pub(crate) users: Collection,
    pub(crate) groups: Collection,
    pub(crate) counter: u64,
}

impl ScimStore {
    /// Number of users.
    pub fn user_count(&self) -> usize {
        self.users.items.len()
    }
    /// Number of groups.
    pub fn group_count(&self) -> usize {
        self.groups.items.len()
    }
    /// All users (as SCIM JSON).
    pub fn users(&self) -> &[Value] {
        &self.users.items
    }
    /// All groups (as SCIM JSON).
    pub fn groups(&self) -> &[Value] {
        &self.groups.items
    }
    /// Insert a user directly (for seeding conflicts); returns its id.
    pub fn insert_user(&mut self, mut v: Value, now: DateTime<Utc>, base: &str) -> String {
        let id = self.new_id();
        stamp(&mut v, &id, "User", now, base);
        let name = Collection::name_of(&v, "userName");
        self.users.by_id.insert(id.clone(), self.users.items.len());
        self.users.by_name.insert(name, self.users.items.len());
        self.users.items.push(v);
        id
    }
    /// Insert many users directly (seeding benchmarks); returns how many.
    pub fn insert_users(
        &mut self,
        users: impl IntoIterator<Item = Value>,
        now: DateTime<Utc>,
        base: &str,
    ) -> usize {
        let users = users.into_iter();
        let (lower, _) = users.size_hint();
        self.users.items.reserve(lower);
        self.users.by_id.reserve(lower);
        self.users.by_name.reserve(lower);
        let mut n = 0;
        for v in users {
            self.insert_user(v, now, base);
            n += 1;
        }
        n
    }
    /// Change users in place: `f(index, user)` returns whether it changed the
    /// user; changed users get a new `meta.lastModified` and `meta.version`.
    /// Returns how many changed.
    pub fn modify_users(
        &mut self,
        mut f: impl FnMut(usize, &mut Value) -> bool,
        now: DateTime<Utc>,
        base: &str,
    ) -> usize {
        let mut changed = 0;
        for (i, v) in self.users.items.iter_mut().enumerate() {
            if f(i, v) {
                let id = v
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                stamp(v, &id, "User", now, base);
                changed += 1;
            }
        }
        if changed > 0 {
            self.users.reindex("userName");
        }
        changed
    }
    pub(crate) fn new_id(&mut self) -> String {
        self.counter += 1;
        uuid_from_bits(mix64(self.counter ^ 0x5C1A), mix64(self.counter)).to_string()
    }
}

pub(crate) fn stamp(v: &mut Value, id: &str, rt: &str, now: DateTime<Utc>, base: &str) {
    if let Some(o) = v.as_object_mut() {
        o.insert("id".into(), json!(id));
        let created = o
            .get("meta")
            .and_then(|m| m.get("created"))
            .cloned()
            .unwrap_or_else(|| json!(graph_time(now)));
        o.insert(
            "meta".into(),
            json!({
                "resourceType": rt,
                "created": created,
                "lastModified": graph_time(now),
                "location": format!("{base}/{rt}s/{id}"),
                "version": format!("W/\"{}\"", now.timestamp_millis()),
            }),
        );
    }
}

impl Collection {
    pub(crate) fn reindex_one(&mut self, idx: usize, name_attr: &str) {
        self.by_name.retain(|_, v| *v != idx);
        if let Some(v) = self.items.get(idx) {
            self.by_name.insert(Self::name_of(v, name_attr), idx);
        }
    }
}
