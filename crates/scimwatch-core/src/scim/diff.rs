//! Pure diff of two SCIM inventory snapshots.
//!
//! Built for 100k-user snapshots: each resource carries its [`ContentHash`]
//! (computed once when fetched and stored beside it), so the diff is two
//! hash-map passes comparing 32-byte hashes; only resources whose hashes
//! differ are walked to list the changed attribute paths.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::hash::{content_hash, id_text, ContentHash};
use super::resource::get_ci;

mod values;
mod walk;
pub use values::{
    attribute_changes, display_value, is_secret_key, redact, AttributeChange, MAX_ITEMS,
    MAX_VALUE_CHARS, REDACTED,
};

/// A resource with its content hash.
#[derive(Debug, Clone, PartialEq)]
pub struct HashedResource {
    /// [`content_hash`] of `value`.
    pub hash: ContentHash,
    /// The resource as the server sent it.
    pub value: Value,
}

impl HashedResource {
    /// Hash a resource.
    pub fn new(value: Value) -> Self {
        Self {
            hash: content_hash(&value),
            value,
        }
    }

    /// Pair a resource with a hash computed earlier (read back from the store).
    pub fn with_hash(value: Value, hash: ContentHash) -> Self {
        Self { hash, value }
    }
}

/// `id → resource`.
pub type ResourceMap = HashMap<String, HashedResource>;

/// Users and groups of one SCIM inventory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// Users by id.
    pub users: ResourceMap,
    /// Groups by id.
    pub groups: ResourceMap,
}

impl Snapshot {
    /// Build a snapshot from resources as listed. Resources without an `id`
    /// are skipped; for a repeated id the last one wins. Returns the number
    /// of resources skipped.
    pub fn from_resources(
        users: impl IntoIterator<Item = Value>,
        groups: impl IntoIterator<Item = Value>,
    ) -> (Snapshot, usize) {
        let mut skipped = 0;
        let mut index = |items: &mut dyn Iterator<Item = Value>| {
            let mut map = ResourceMap::new();
            for v in items {
                match v
                    .as_object()
                    .and_then(|o| get_ci(o, "id"))
                    .and_then(id_text)
                {
                    Some(id) => {
                        map.insert(id, HashedResource::new(v));
                    }
                    None => skipped += 1,
                }
            }
            map
        };
        let users = index(&mut users.into_iter());
        let groups = index(&mut groups.into_iter());
        (Snapshot { users, groups }, skipped)
    }
}

/// A resource named for display, with its key attributes.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
pub struct ResourceRef {
    /// The SaaS's id.
    pub id: String,
    /// `userName` for users, `displayName` for groups.
    pub label: Option<String>,
    /// A user's `displayName` (groups: `None`, it is the label).
    #[serde(default)]
    pub display_name: Option<String>,
    /// `externalId`.
    #[serde(default)]
    pub external_id: Option<String>,
    /// A user's `active`.
    #[serde(default)]
    pub active: Option<bool>,
    /// A group's number of members.
    #[serde(default)]
    pub members: Option<u32>,
}

impl ResourceRef {
    /// The reference of a user (`group = false`) or group as stored.
    pub fn of(id: &str, v: &Value, group: bool) -> ResourceRef {
        let o = v.as_object();
        let text = |k: &str| {
            o.and_then(|o| get_ci(o, k))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        ResourceRef {
            id: id.to_string(),
            label: label(v, if group { GROUP_LABEL } else { USER_LABEL }),
            display_name: if group { None } else { text("displayName") },
            external_id: text("externalId"),
            active: if group {
                None
            } else {
                o.and_then(|o| get_ci(o, "active")).and_then(Value::as_bool)
            },
            members: if group {
                o.and_then(|o| get_ci(o, "members"))
                    .and_then(Value::as_array)
                    .map(|m| count(m.len()))
            } else {
                None
            },
        }
    }
}

/// A resource whose content changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ResourceChange {
    /// The SaaS's id.
    pub id: String,
    /// `userName`/`displayName` in the new snapshot.
    pub label: Option<String>,
    /// Changed attribute paths, sorted: `active`, `name.givenName`,
    /// `emails[type eq "work"].value`, `emails`,
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`.
    pub changed_paths: Vec<String>,
    /// The same attributes with their old and new values (secrets redacted).
    #[serde(default)]
    pub changes: Vec<AttributeChange>,
}

/// Users added, removed and changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ResourceDiff {
    /// In the new snapshot only (sorted by id).
    pub added: Vec<ResourceRef>,
    /// In the old snapshot only (sorted by id).
    pub removed: Vec<ResourceRef>,
    /// In both with different content (sorted by id).
    pub changed: Vec<ResourceChange>,
}

/// A group whose content or membership changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct GroupChange {
    /// The SaaS's id.
    pub id: String,
    /// `displayName` in the new snapshot.
    pub label: Option<String>,
    /// Changed attribute paths other than membership (`members` appears only
    /// when member entries changed without the set of member ids changing).
    pub changed_paths: Vec<String>,
    /// The same attributes with their old and new values (secrets redacted).
    #[serde(default)]
    pub changes: Vec<AttributeChange>,
    /// Member ids added (sorted).
    pub members_added: Vec<String>,
    /// Member ids removed (sorted).
    pub members_removed: Vec<String>,
}

/// Groups added, removed and changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct GroupDiff {
    /// In the new snapshot only.
    pub added: Vec<ResourceRef>,
    /// In the old snapshot only.
    pub removed: Vec<ResourceRef>,
    /// In both with different content.
    pub changed: Vec<GroupChange>,
}

/// Totals for a summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DiffCounts {
    /// Users added.
    pub users_added: u32,
    /// Users removed.
    pub users_removed: u32,
    /// Users changed.
    pub users_changed: u32,
    /// Groups added.
    pub groups_added: u32,
    /// Groups removed.
    pub groups_removed: u32,
    /// Groups changed (content or membership).
    pub groups_changed: u32,
    /// Memberships added in groups present in both snapshots.
    pub memberships_added: u32,
    /// Memberships removed in groups present in both snapshots.
    pub memberships_removed: u32,
}

/// The difference between two snapshots.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SnapshotDiff {
    /// Users.
    pub users: ResourceDiff,
    /// Groups.
    pub groups: GroupDiff,
    /// Totals.
    pub counts: DiffCounts,
    /// `userName` (or a group's `displayName`) of member ids in
    /// `members_added`/`members_removed`, where the member's body was at hand.
    #[serde(default)]
    #[ts(type = "Record<string, string>")]
    pub member_labels: BTreeMap<String, String>,
}

impl SnapshotDiff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.counts == DiffCounts::default()
    }
}

fn label(v: &Value, keys: &[&str]) -> Option<String> {
    let o = v.as_object()?;
    keys.iter()
        .find_map(|k| get_ci(o, k).and_then(Value::as_str))
        .map(str::to_string)
}

const USER_LABEL: &[&str] = &["userName", "displayName"];
const GROUP_LABEL: &[&str] = &["displayName"];

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Added, removed and changed-by-hash ids, each sorted.
fn partition<'a>(
    old: &'a ResourceMap,
    new: &'a ResourceMap,
) -> (Vec<&'a String>, Vec<&'a String>, Vec<&'a String>) {
    let mut added = Vec::new();
    let mut changed = Vec::new();
    for (id, n) in new {
        match old.get(id) {
            None => added.push(id),
            Some(o) if o.hash != n.hash => changed.push(id),
            Some(_) => {}
        }
    }
    // Every old id was seen in `new` when the counts say so: skip the second pass.
    let mut removed: Vec<&String> = if new.len() - added.len() == old.len() {
        Vec::new()
    } else {
        old.keys().filter(|id| !new.contains_key(*id)).collect()
    };
    added.sort_unstable();
    removed.sort_unstable();
    changed.sort_unstable();
    (added, removed, changed)
}

fn refs(ids: &[&String], map: &ResourceMap, group: bool) -> Vec<ResourceRef> {
    ids.iter()
        .map(|id| match map.get(*id) {
            Some(r) => ResourceRef::of(id, &r.value, group),
            None => ResourceRef {
                id: (*id).clone(),
                ..ResourceRef::default()
            },
        })
        .collect()
}

/// Diff two user maps.
pub fn diff_users(old: &ResourceMap, new: &ResourceMap) -> ResourceDiff {
    let (added, removed, changed) = partition(old, new);
    let mut out = ResourceDiff {
        added: refs(&added, new, false),
        removed: refs(&removed, old, false),
        changed: Vec::with_capacity(changed.len()),
    };
    for id in changed {
        let (Some(o), Some(n)) = (old.get(id), new.get(id)) else {
            continue;
        };
        let changes = attribute_changes(&o.value, &n.value);
        out.changed.push(ResourceChange {
            id: id.clone(),
            label: label(&n.value, USER_LABEL),
            changed_paths: changes.iter().map(|c| c.path.clone()).collect(),
            changes,
        });
    }
    out
}

fn member_ids(v: &Value) -> BTreeSet<String> {
    let Some(Value::Array(items)) = v.as_object().and_then(|o| get_ci(o, "members")) else {
        return BTreeSet::new();
    };
    items
        .iter()
        .filter_map(|m| {
            m.as_object()
                .and_then(|o| get_ci(o, "value"))
                .and_then(id_text)
        })
        .collect()
}

/// Diff two group maps, with membership changes per group.
pub fn diff_groups(old: &ResourceMap, new: &ResourceMap) -> GroupDiff {
    let (added, removed, changed) = partition(old, new);
    let mut out = GroupDiff {
        added: refs(&added, new, true),
        removed: refs(&removed, old, true),
        changed: Vec::with_capacity(changed.len()),
    };
    for id in changed {
        let (Some(o), Some(n)) = (old.get(id), new.get(id)) else {
            continue;
        };
        let before = member_ids(&o.value);
        let after = member_ids(&n.value);
        let members_added: Vec<String> = after.difference(&before).cloned().collect();
        let members_removed: Vec<String> = before.difference(&after).cloned().collect();
        let membership_changed = !members_added.is_empty() || !members_removed.is_empty();
        let changes: Vec<AttributeChange> = attribute_changes(&o.value, &n.value)
            .into_iter()
            .filter(|c| !(membership_changed && is_members_path(&c.path)))
            .collect();
        out.changed.push(GroupChange {
            id: id.clone(),
            label: label(&n.value, GROUP_LABEL),
            changed_paths: changes.iter().map(|c| c.path.clone()).collect(),
            changes,
            members_added,
            members_removed,
        });
    }
    out
}

fn is_members_path(p: &str) -> bool {
    let head = p.split(['.', '[']).next().unwrap_or(p);
    head.eq_ignore_ascii_case("members")
}

/// Diff two snapshots.
pub fn diff_snapshots(old: &Snapshot, new: &Snapshot) -> SnapshotDiff {
    let users = diff_users(&old.users, &new.users);
    let groups = diff_groups(&old.groups, &new.groups);
    let counts = DiffCounts {
        users_added: count(users.added.len()),
        users_removed: count(users.removed.len()),
        users_changed: count(users.changed.len()),
        groups_added: count(groups.added.len()),
        groups_removed: count(groups.removed.len()),
        groups_changed: count(groups.changed.len()),
        memberships_added: count(groups.changed.iter().map(|g| g.members_added.len()).sum()),
        memberships_removed: count(groups.changed.iter().map(|g| g.members_removed.len()).sum()),
    };
    let member_labels = member_labels(&groups, old, new);
    SnapshotDiff {
        users,
        groups,
        counts,
        member_labels,
    }
}

/// Labels of the members added and removed, from whichever snapshot holds
/// the member's body (the new one first; a member may be a group).
fn member_labels(groups: &GroupDiff, old: &Snapshot, new: &Snapshot) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for g in &groups.changed {
        for id in g.members_added.iter().chain(&g.members_removed) {
            if out.contains_key(id) {
                continue;
            }
            let found = [
                (&new.users, USER_LABEL),
                (&old.users, USER_LABEL),
                (&new.groups, GROUP_LABEL),
                (&old.groups, GROUP_LABEL),
            ]
            .into_iter()
            .find_map(|(map, keys)| map.get(id).and_then(|r| label(&r.value, keys)));
            if let Some(l) = found {
                out.insert(id.clone(), l);
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Attribute paths

/// The attribute paths whose values differ between two versions of a
/// resource, sorted. `meta.lastModified`/`meta.version` are ignored; `null`
/// and absent are the same; arrays compare as unordered. Multi-valued
/// complex attributes whose entries each have a distinct `type` are compared
/// entry by entry (`emails[type eq "work"].value`); other arrays are
/// reported as a whole (`emails`).
pub fn changed_paths(old: &Value, new: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    walk::walk(old, new, &mut out);
    out.sort();
    out.dedup();
    out
}

/// The changed paths only: no values, no secrets to hide.
impl walk::Sink for Vec<String> {
    fn is_secret(&self, _: &str) -> bool {
        false
    }
    fn value(&mut self, path: &str, _: Option<&Value>, _: Option<&Value>, _: bool) {
        self.push(path.to_string());
    }
    fn array(&mut self, path: &str, _: &[Value], _: &[Value], _: bool) {
        self.push(path.to_string());
    }
}

#[cfg(test)]
mod tests;
