//! The Inventory's browse and history: a snapshot's users and groups a page
//! at a time (searched in SQL, never loaded whole), a group's members
//! resolved against the same snapshot, and every stored version of one
//! resource with what changed from the one before (values shown, secrets
//! redacted).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use scimwatch_core::scim::diff::{attribute_changes, redact, AttributeChange, ResourceRef};
use scimwatch_core::ValidationError;
use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

use super::row;
use crate::engine::Engine;
use crate::error::EngineError;
use crate::store::connections::ms_to_time;
use crate::store::inventory::browse::{self, BrowseRow};
use crate::store::inventory::{self, ResourceType, SnapshotSummary};

/// Most rows one page holds.
pub const MAX_PAGE: u32 = 500;
/// Longest search text accepted.
pub const MAX_SEARCH: usize = 200;
/// Most entries of a multi-valued attribute (a group's `members`) shown in
/// a version's body; the rest are counted.
pub const BODY_ITEMS: usize = 50;

/// A page of a snapshot's users or groups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotPage {
    /// The snapshot browsed (`state` says `incomplete` when it is not the
    /// SaaS's whole inventory).
    pub snapshot: SnapshotSummary,
    pub resource_type: ResourceType,
    /// The search as applied (trimmed), if any.
    pub search: Option<String>,
    pub offset: u32,
    /// Resources matching the search in the snapshot.
    pub total: u32,
    /// Sorted by `userName` (groups: `displayName`), then id.
    pub items: Vec<ResourceRef>,
}

/// A member of a group, as the group lists it and as the same snapshot holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberView {
    /// The member's id (`value`).
    pub id: String,
    /// `display`, as the group lists it.
    pub display: Option<String>,
    /// `type`, as the group lists it (`User`, `Group`).
    pub member_type: Option<String>,
    /// The member in the same snapshot (`userName` of a user,
    /// `displayName` of a group); `None`: not in this snapshot.
    pub resolved: Option<ResourceRef>,
    pub resolved_type: Option<ResourceType>,
}

/// A page of a group's members in one snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupMembers {
    pub snapshot: SnapshotSummary,
    pub group: ResourceRef,
    pub offset: u32,
    /// Members the group lists.
    pub total: u32,
    /// In the group's order.
    pub members: Vec<MemberView>,
}

/// How a version entered a resource's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum VersionKind {
    /// In the first snapshot taken: it existed before scimwatch looked.
    FirstSeen,
    /// Appeared in a later snapshot.
    Added,
    /// Its content changed.
    Changed,
    /// No longer returned by the SaaS.
    Removed,
}

/// One stored state of a resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ResourceVersion {
    pub kind: VersionKind,
    /// The first snapshot holding this state, and when it completed.
    #[ts(type = "number")]
    pub snapshot_id: i64,
    pub at: DateTime<Utc>,
    /// The last snapshot still holding it.
    #[ts(type = "number")]
    pub last_snapshot_id: i64,
    /// What changed from the previous version (for `changed`; for `added`
    /// after a removal, from the version before the removal).
    pub changes: Vec<AttributeChange>,
    /// The resource as stored (pretty JSON, secrets redacted, long lists
    /// cut); `None` when removed.
    pub body: Option<String>,
}

/// Every stored version of a resource across the complete snapshots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceHistory {
    pub resource_type: ResourceType,
    pub id: String,
    /// The newest known `userName` (groups: `displayName`).
    pub label: Option<String>,
    /// Oldest first.
    pub versions: Vec<ResourceVersion>,
    /// Complete snapshots looked at (incomplete ones are not part of a history).
    pub snapshots: u32,
}

/// `User` or `Group` from a command's argument.
pub fn resource_type(text: &str) -> Result<ResourceType, EngineError> {
    ResourceType::parse(text).ok_or_else(|| {
        EngineError::Validation(ValidationError::single(
            "kind",
            format!("\u{201c}{text}\u{201d} is not a resource type: use User or Group"),
        ))
    })
}

/// The snapshot, if it belongs to the connection and holds resources
/// (complete or incomplete).
async fn browsable(
    conn: &mut sqlx::SqliteConnection,
    connection_id: i64,
    snapshot_id: i64,
) -> Result<SnapshotSummary, EngineError> {
    match inventory::get(&mut *conn, connection_id, snapshot_id).await? {
        Some(s) if s.state == "complete" || s.state == "incomplete" => Ok(s),
        Some(s) => Err(EngineError::Conflict(format!(
            "snapshot #{snapshot_id} is {}: it holds no users or groups to browse",
            s.state
        ))),
        None => Err(EngineError::NotFound(format!(
            "no snapshot #{snapshot_id} for this connection"
        ))),
    }
}

fn to_ref(r: BrowseRow, rt: ResourceType) -> ResourceRef {
    let group = rt == ResourceType::Group;
    ResourceRef {
        id: r.scim_id,
        label: if group {
            r.display_name.clone()
        } else {
            r.user_name.or_else(|| r.display_name.clone())
        },
        display_name: if group { None } else { r.display_name },
        external_id: r.external_id,
        active: if group { None } else { r.active },
        members: r.members,
    }
}

fn page_args(search: Option<&str>, limit: u32) -> Result<(Option<String>, u32), EngineError> {
    let search = search.map(str::trim).filter(|s| !s.is_empty());
    if search.is_some_and(|s| s.chars().count() > MAX_SEARCH) {
        return Err(EngineError::Validation(ValidationError::single(
            "search",
            format!("search for at most {MAX_SEARCH} characters"),
        )));
    }
    Ok((search.map(str::to_string), limit.clamp(1, MAX_PAGE)))
}

/// A page of a snapshot's users or groups, optionally searched by
/// `userName`, `displayName`, `externalId` or id (substring, any case).
pub async fn browse_snapshot(
    engine: &Engine,
    connection: &str,
    snapshot_id: i64,
    rt: ResourceType,
    search: Option<&str>,
    offset: u32,
    limit: u32,
) -> Result<SnapshotPage, EngineError> {
    let (search, limit) = page_args(search, limit)?;
    let r = row(engine, connection).await?;
    let mut conn = engine.store.pool().acquire().await?;
    let snapshot = browsable(&mut conn, r.id, snapshot_id).await?;
    let page = browse::page(&mut conn, snapshot_id, rt, search.as_deref(), offset, limit).await?;
    Ok(SnapshotPage {
        snapshot,
        resource_type: rt,
        search,
        offset,
        total: page.total,
        items: page.rows.into_iter().map(|x| to_ref(x, rt)).collect(),
    })
}

fn text(o: &serde_json::Map<String, Value>, k: &str) -> Option<String> {
    o.get(k).and_then(|v| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// A page of a group's members in a snapshot, each resolved to the user
/// (or group) the same snapshot holds, or marked as not in it.
pub async fn group_members(
    engine: &Engine,
    connection: &str,
    snapshot_id: i64,
    group_id: &str,
    offset: u32,
    limit: u32,
) -> Result<GroupMembers, EngineError> {
    let (_, limit) = page_args(None, limit)?;
    let r = row(engine, connection).await?;
    let mut conn = engine.store.pool().acquire().await?;
    let snapshot = browsable(&mut conn, r.id, snapshot_id).await?;
    let found = browse::held(&mut conn, snapshot_id, &[group_id.to_string()]).await?;
    let held = found
        .get(&(ResourceType::Group, group_id.to_string()))
        .ok_or_else(|| {
            EngineError::NotFound(format!(
                "snapshot #{snapshot_id} holds no group with id \u{201c}{group_id}\u{201d}"
            ))
        })?;
    let body: Value = serde_json::from_str(&held.body_json).unwrap_or(Value::Null);
    let all: Vec<&serde_json::Map<String, Value>> = body
        .get("members")
        .and_then(Value::as_array)
        .map(|m| m.iter().filter_map(Value::as_object).collect())
        .unwrap_or_default();
    let start = usize::try_from(offset).unwrap_or(usize::MAX).min(all.len());
    let end = start
        .saturating_add(usize::try_from(limit).unwrap_or(usize::MAX))
        .min(all.len());
    let page = &all[start..end];
    let ids: Vec<String> = page.iter().filter_map(|m| text(m, "value")).collect();
    let resolved = browse::held(&mut conn, snapshot_id, &ids).await?;
    let members = page
        .iter()
        .map(|m| {
            let id = text(m, "value").unwrap_or_default();
            let member_type = text(m, "type");
            // The listed type first; a member without one may be either.
            let order = match member_type.as_deref() {
                Some(t) if t.eq_ignore_ascii_case("group") => {
                    [ResourceType::Group, ResourceType::User]
                }
                _ => [ResourceType::User, ResourceType::Group],
            };
            let hit = order.iter().find_map(|t| resolved.get(&(*t, id.clone())));
            MemberView {
                display: text(m, "display"),
                member_type,
                resolved: hit.map(|h| {
                    let v: Value = serde_json::from_str(&h.body_json).unwrap_or(Value::Null);
                    ResourceRef::of(&h.scim_id, &v, h.resource_type == ResourceType::Group)
                }),
                resolved_type: hit.map(|h| h.resource_type),
                id,
            }
        })
        .collect();
    Ok(GroupMembers {
        snapshot,
        group: ResourceRef::of(group_id, &body, true),
        offset,
        total: u32::try_from(all.len()).unwrap_or(u32::MAX),
        members,
    })
}

/// `v` for reading: secrets redacted, arrays longer than [`BODY_ITEMS`]
/// cut with a last entry saying how many more there are.
fn readable(v: &Value) -> String {
    fn cut(v: Value) -> Value {
        match v {
            Value::Object(o) => Value::Object(o.into_iter().map(|(k, x)| (k, cut(x))).collect()),
            Value::Array(items) if items.len() > BODY_ITEMS => {
                let more = items.len() - BODY_ITEMS;
                let mut kept: Vec<Value> = items.into_iter().take(BODY_ITEMS).map(cut).collect();
                kept.push(Value::String(format!("… {more} more")));
                Value::Array(kept)
            }
            Value::Array(items) => Value::Array(items.into_iter().map(cut).collect()),
            other => other,
        }
    }
    serde_json::to_string_pretty(&cut(redact(v))).unwrap_or_default()
}

/// A stored version of the resource: its id and content hash.
type Stored = (i64, String);

/// Every version of a resource across the connection's complete snapshots,
/// oldest first: when it was first seen, each change with old → new
/// values, removals and returns.
pub async fn resource_history(
    engine: &Engine,
    connection: &str,
    rt: ResourceType,
    scim_id: &str,
) -> Result<ResourceHistory, EngineError> {
    let r = row(engine, connection).await?;
    let mut conn = engine.store.pool().acquire().await?;
    let (snaps, rows) = browse::history_rows(&mut conn, r.id, rt, scim_id).await?;
    // Fold each snapshot's state of the resource from its base.
    let mut state: HashMap<i64, Option<Stored>> = HashMap::new();
    let mut timeline: Vec<(i64, i64, Option<Stored>)> = Vec::new();
    let mut whole = 0u32;
    for s in &snaps {
        let v = match rows.get(&s.snapshot_id) {
            Some(row) => row.clone(),
            None => s.base_id.and_then(|b| state.get(&b).cloned()).flatten(),
        };
        state.insert(s.snapshot_id, v.clone());
        if !s.incomplete {
            whole += 1;
            timeline.push((s.snapshot_id, s.completed_ms, v));
        }
    }
    // One entry per change of content (a version re-stored with the same
    // hash is the same version).
    struct Entry {
        first: i64,
        at: i64,
        last: i64,
        version: Option<i64>,
    }
    let mut entries: Vec<Entry> = Vec::new();
    let mut prev: Option<Option<String>> = None;
    for (sid, at, v) in timeline {
        let hash = v.as_ref().map(|x| x.1.clone());
        if prev.as_ref() == Some(&hash) {
            if let Some(e) = entries.last_mut() {
                e.last = sid;
            }
            continue;
        }
        prev = Some(hash);
        if v.is_none() && entries.is_empty() {
            continue; // not there yet
        }
        entries.push(Entry {
            first: sid,
            at,
            last: sid,
            version: v.map(|x| x.0),
        });
    }
    let ids: Vec<i64> = entries.iter().filter_map(|e| e.version).collect();
    let bodies = browse::version_bodies(&mut conn, &ids).await?;
    let first_snapshot = snaps.iter().find(|s| !s.incomplete).map(|s| s.snapshot_id);
    let mut versions = Vec::with_capacity(entries.len());
    let mut last_body: Option<Value> = None;
    let mut label = None;
    for e in entries {
        let body: Option<Value> = e
            .version
            .and_then(|id| bodies.get(&id))
            .map(|b| serde_json::from_str(b).unwrap_or(Value::Null));
        let after_removal = matches!(
            versions.last(),
            Some(ResourceVersion {
                kind: VersionKind::Removed,
                ..
            })
        );
        let kind = if body.is_none() {
            VersionKind::Removed
        } else if versions.is_empty() && Some(e.first) == first_snapshot {
            VersionKind::FirstSeen
        } else if versions.is_empty() || after_removal {
            VersionKind::Added
        } else {
            VersionKind::Changed
        };
        let changes = match (&last_body, &body, kind) {
            (Some(old), Some(new), VersionKind::Changed | VersionKind::Added) => {
                attribute_changes(old, new)
            }
            _ => Vec::new(),
        };
        if let Some(b) = &body {
            let keys: &[&str] = if rt == ResourceType::Group {
                &["displayName"]
            } else {
                &["userName", "displayName"]
            };
            if let Some(l) = keys.iter().find_map(|k| b.get(*k).and_then(Value::as_str)) {
                label = Some(l.to_string());
            }
        }
        versions.push(ResourceVersion {
            kind,
            snapshot_id: e.first,
            at: ms_to_time(e.at),
            last_snapshot_id: e.last,
            changes,
            body: body.as_ref().map(readable),
        });
        if body.is_some() {
            last_body = body;
        }
    }
    Ok(ResourceHistory {
        resource_type: rt,
        id: scim_id.to_string(),
        label,
        versions,
        snapshots: whole,
    })
}
