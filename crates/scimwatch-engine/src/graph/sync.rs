//! Read the provisioning job, its schema (object mappings), the app's
//! assignments and the job's secrets-derived settings, and store them:
//! job status as snapshots (content hash + heartbeat), the rest as
//! `config_versions` with a human change summary.

use std::collections::{BTreeMap, BTreeSet};

use scimwatch_core::graph::{
    parse_document, AppRoleAssignment, Interval, PrincipalType, SynchronizationJob,
    SynchronizationSchema, SynchronizationSecrets,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::client::{Family, GraphClient};
use super::error::GraphError;
use crate::store::jobs::{self, ConfigKind, JobSnapshot};
use crate::store::Store;

/// The ids one connection is watched by, after discovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchIds {
    pub connection_id: i64,
    pub uuid: String,
    pub name: String,
    pub service_principal_id: String,
    pub job_id: String,
}

/// JSON with object keys sorted at every level (stable hashing).
pub fn canonical_json(v: &Value) -> String {
    fn sort(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let sorted: BTreeMap<&String, Value> =
                    m.iter().map(|(k, v)| (k, sort(v))).collect();
                let mut out = serde_json::Map::new();
                for (k, v) in sorted {
                    out.insert(k.clone(), v);
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(a.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    sort(v).to_string()
}

/// SHA-256 hex of a string.
pub fn content_hash(s: &str) -> String {
    let d = Sha256::digest(s.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

fn interval_text(i: &Interval) -> String {
    match i {
        Interval::Every(d) => scimwatch_core::graph::lenient::format_iso_duration(*d),
        Interval::NoSchedule => "NoSchedule".into(),
        Interval::Unparsed(s) => s.clone(),
    }
}

/// Parse a job document and build its snapshot.
pub fn job_snapshot(body: &[u8]) -> Result<(SynchronizationJob, JobSnapshot), GraphError> {
    let job: SynchronizationJob = parse_document("synchronizationJob", body)?;
    let value: Value = parse_document("synchronizationJob", body)?;
    let raw = canonical_json(&value);
    let status = job.status.as_ref();
    let last = status.and_then(|s| s.last_execution.as_ref());
    let snap = JobSnapshot {
        job_id: job.id.clone(),
        content_hash: content_hash(&raw),
        status_code: job.status_code().map(|c| c.as_str().to_string()),
        schedule_state: job.schedule_state().map(|c| c.as_str().to_string()),
        schedule_interval: job
            .schedule
            .as_ref()
            .and_then(|s| s.interval.as_ref())
            .map(interval_text),
        last_execution_state: last
            .and_then(|e| e.state.as_ref())
            .map(|s| s.as_str().to_string()),
        last_execution_began_ms: last
            .and_then(|e| e.time_began.as_ref())
            .and_then(|t| t.millis()),
        last_execution_ended_ms: last
            .and_then(|e| e.time_ended.as_ref())
            .and_then(|t| t.millis()),
        last_successful_ended_ms: status
            .and_then(|s| s.last_successful_execution.as_ref())
            .and_then(|e| e.time_ended.as_ref())
            .and_then(|t| t.millis()),
        quarantine_reason: job
            .quarantine()
            .and_then(|q| q.reason.as_ref())
            .map(|r| r.as_str().to_string()),
        raw_json: raw,
    };
    Ok((job, snap))
}

/// What one job poll saw.
#[derive(Debug, Clone)]
pub struct JobPoll {
    pub changed: bool,
    pub status_code: Option<String>,
    pub previous_status_code: Option<String>,
    /// A cycle ended since the previous reading (`lastExecution.timeEnded` moved).
    pub cycle_completed: Option<i64>,
    pub quarantine_reason: Option<String>,
    /// `lastExecution.state` (`Succeeded`, `Failed`, `EntryLevelErrors`).
    pub last_execution_state: Option<String>,
}

/// GET the job and store its status.
pub async fn poll_job(
    client: &GraphClient,
    store: &Store,
    ids: &WatchIds,
    now_ms: i64,
) -> Result<JobPoll, GraphError> {
    let url = client.url(&format!(
        "/servicePrincipals/{}/synchronization/jobs/{}",
        ids.service_principal_id, ids.job_id
    ));
    let body = client
        .get_bytes(&url, Family::Synchronization, "the provisioning job")
        .await?;
    let (_, snap) = job_snapshot(&body)?;
    let rec = jobs::record_job_status(store.pool(), ids.connection_id, &snap, now_ms).await?;
    let prev = rec.previous.as_ref();
    let cycle_completed = snap
        .last_execution_ended_ms
        .filter(|end| prev.is_some_and(|p| p.last_execution_ended_ms != Some(*end)));
    Ok(JobPoll {
        changed: rec.changed,
        status_code: snap.status_code.clone(),
        previous_status_code: prev.and_then(|p| p.status_code.clone()),
        cycle_completed,
        last_execution_state: snap.last_execution_state.clone(),
        quarantine_reason: snap.quarantine_reason,
    })
}

// ---------------------------------------------------------------------------
// Schema

/// The stored form of the schema: the object mappings, compact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, ts_rs::TS)]
pub struct MappingsBody {
    pub mappings: Vec<MappingSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, ts_rs::TS)]
pub struct MappingSummary {
    pub name: Option<String>,
    pub source: Option<String>,
    pub target: Option<String>,
    pub enabled: bool,
    /// `target ← source` per attribute mapping, `*` marking matching attributes.
    pub attributes: Vec<String>,
}

pub fn mappings_body(schema: &SynchronizationSchema) -> MappingsBody {
    MappingsBody {
        mappings: schema
            .object_mappings()
            .map(|m| {
                let mut attributes: Vec<String> = m
                    .attribute_mappings
                    .iter()
                    .map(|a| {
                        let src = a
                            .source
                            .as_ref()
                            .and_then(|s| s.expression.clone().or_else(|| s.name.clone()))
                            .unwrap_or_default();
                        format!(
                            "{}{} <- {}",
                            if a.matching_priority.is_some_and(|p| p > 0) {
                                "*"
                            } else {
                                ""
                            },
                            a.target_attribute_name.as_deref().unwrap_or("?"),
                            src
                        )
                    })
                    .collect();
                attributes.sort();
                MappingSummary {
                    name: m.name.clone(),
                    source: m.source_object_name.clone(),
                    target: m.target_object_name.clone(),
                    enabled: m.is_enabled(),
                    attributes,
                }
            })
            .collect(),
    }
}

fn mapping_label(m: &MappingSummary) -> String {
    match m.source.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("user") => "Users mapping".into(),
        Some("group") => "Groups mapping".into(),
        _ => format!(
            "mapping \u{201c}{}\u{201d}",
            m.name.as_deref().unwrap_or("?")
        ),
    }
}

fn mapping_key(m: &MappingSummary) -> String {
    format!(
        "{}>{}",
        m.source.as_deref().unwrap_or("").to_ascii_lowercase(),
        m.target.as_deref().unwrap_or("").to_ascii_lowercase()
    )
}

/// Describe a schema change.
pub fn summarize_mappings(prev: Option<&MappingsBody>, now: &MappingsBody) -> String {
    let state = |m: &MappingSummary| {
        format!(
            "{} {}",
            mapping_label(m),
            if m.enabled { "enabled" } else { "disabled" }
        )
    };
    let Some(prev) = prev else {
        let parts: Vec<String> = now.mappings.iter().map(state).collect();
        return if parts.is_empty() {
            "first reading: no object mappings".into()
        } else {
            format!("first reading: {}", parts.join(", "))
        };
    };
    let before: BTreeMap<String, &MappingSummary> =
        prev.mappings.iter().map(|m| (mapping_key(m), m)).collect();
    let after: BTreeMap<String, &MappingSummary> =
        now.mappings.iter().map(|m| (mapping_key(m), m)).collect();
    let mut out = Vec::new();
    for (k, a) in &after {
        match before.get(k) {
            None => out.push(format!("{} added", mapping_label(a))),
            Some(b) => {
                if b.enabled != a.enabled {
                    out.push(state(a));
                }
                if b.attributes != a.attributes {
                    let bs: BTreeSet<&String> = b.attributes.iter().collect();
                    let as_: BTreeSet<&String> = a.attributes.iter().collect();
                    let n = bs.symmetric_difference(&as_).count();
                    out.push(format!(
                        "{}: attribute mappings changed ({n})",
                        mapping_label(a)
                    ));
                }
            }
        }
    }
    for (k, b) in &before {
        if !after.contains_key(k) {
            out.push(format!("{} removed", mapping_label(b)));
        }
    }
    if out.is_empty() {
        "mappings changed".into()
    } else {
        out.join("; ")
    }
}

/// GET the schema and store a version when it changed. Returns the summary.
pub async fn poll_schema(
    client: &GraphClient,
    store: &Store,
    ids: &WatchIds,
    now_ms: i64,
) -> Result<Option<String>, GraphError> {
    let schema: SynchronizationSchema = client
        .get_json(
            &format!(
                "/servicePrincipals/{}/synchronization/jobs/{}/schema",
                ids.service_principal_id, ids.job_id
            ),
            Family::Synchronization,
            "the provisioning schema (mappings)",
        )
        .await?;
    let body = mappings_body(&schema);
    store_config(
        store,
        ids,
        ConfigKind::Schema,
        &body,
        now_ms,
        |prev: Option<MappingsBody>| summarize_mappings(prev.as_ref(), &body),
    )
    .await
}

async fn store_config<T: Serialize + for<'de> Deserialize<'de>>(
    store: &Store,
    ids: &WatchIds,
    kind: ConfigKind,
    body: &T,
    now_ms: i64,
    summarize: impl FnOnce(Option<T>) -> String,
) -> Result<Option<String>, GraphError> {
    let value = serde_json::to_value(body).map_err(|e| GraphError::Config(e.to_string()))?;
    let text = canonical_json(&value);
    let hash = content_hash(&text);
    Ok(jobs::record_config(
        store.pool(),
        ids.connection_id,
        kind,
        &text,
        &hash,
        |prev| summarize(prev.and_then(|p| serde_json::from_str(p).ok())),
        now_ms,
    )
    .await?)
}

// ---------------------------------------------------------------------------
// Assignments

/// The stored form of the assignments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, ts_rs::TS)]
pub struct AssignmentsBody {
    pub users: Vec<Principal>,
    pub groups: Vec<AssignedGroup>,
    #[ts(type = "number")]
    pub user_count: u64,
    #[ts(type = "number")]
    pub group_count: u64,
    /// Direct members of assigned groups (users only; no nesting).
    #[ts(type = "number")]
    pub group_member_count: u64,
    /// Distinct users in scope: direct assignments ∪ direct members of assigned groups.
    #[ts(type = "number")]
    pub in_scope_users: u64,
    /// Every in-scope user with the attributes matching and drift need
    /// (stored for drift; not sent to the web view).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(skip)]
    pub entra_users: Vec<EntraUser>,
}

/// An in-scope Entra user, with the source attributes Entra commonly matches on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct EntraUser {
    pub id: String,
    pub display_name: Option<String>,
    pub user_principal_name: Option<String>,
    pub mail: Option<String>,
    pub mail_nickname: Option<String>,
    pub account_enabled: Option<bool>,
}

/// What is `$select`ed for each in-scope user.
const USER_SELECT: &str = "id,displayName,userPrincipalName,mail,mailNickname,accountEnabled";

impl EntraUser {
    fn from_graph(v: &Value) -> Option<Self> {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        Some(Self {
            id: s("id")?,
            display_name: s("displayName"),
            user_principal_name: s("userPrincipalName"),
            mail: s("mail"),
            mail_nickname: s("mailNickname"),
            account_enabled: v.get("accountEnabled").and_then(Value::as_bool),
        })
    }

    /// The value of an Entra source attribute (`userPrincipalName`, `mail`,
    /// `mailNickname`, `objectId`), case-insensitively; `None` for others.
    pub fn attribute(&self, name: &str) -> Option<Option<&str>> {
        let n = name.trim().trim_start_matches('[').trim_end_matches(']');
        let v = if n.eq_ignore_ascii_case("userPrincipalName") {
            self.user_principal_name.as_deref()
        } else if n.eq_ignore_ascii_case("mail") {
            self.mail.as_deref()
        } else if n.eq_ignore_ascii_case("mailNickname") {
            self.mail_nickname.as_deref()
        } else if n.eq_ignore_ascii_case("objectId") || n.eq_ignore_ascii_case("id") {
            Some(self.id.as_str())
        } else {
            return None;
        };
        Some(v)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, ts_rs::TS)]
pub struct Principal {
    pub id: String,
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, ts_rs::TS)]
pub struct AssignedGroup {
    pub id: String,
    pub name: Option<String>,
    #[ts(type = "number")]
    pub members: u64,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

pub fn summarize_assignments(prev: Option<&AssignmentsBody>, now: &AssignmentsBody) -> String {
    let Some(prev) = prev else {
        return format!(
            "first reading: {}, {} ({} in scope)",
            plural(now.users.len(), "user", "users"),
            plural(now.groups.len(), "group", "groups"),
            now.in_scope_users
        );
    };
    let ids = |v: &[Principal]| v.iter().map(|p| p.id.clone()).collect::<BTreeSet<_>>();
    let gids = |v: &[AssignedGroup]| v.iter().map(|p| p.id.clone()).collect::<BTreeSet<_>>();
    let (ub, ua) = (ids(&prev.users), ids(&now.users));
    let (gb, ga) = (gids(&prev.groups), gids(&now.groups));
    let mut out = Vec::new();
    let add = ga.difference(&gb).count();
    let rem = gb.difference(&ga).count();
    if add > 0 {
        out.push(format!("+{} assigned", plural(add, "group", "groups")));
    }
    if rem > 0 {
        out.push(format!(
            "\u{2212}{} unassigned",
            plural(rem, "group", "groups")
        ));
    }
    let add = ua.difference(&ub).count();
    let rem = ub.difference(&ua).count();
    if add > 0 {
        out.push(format!("+{} assigned", plural(add, "user", "users")));
    }
    if rem > 0 {
        out.push(format!(
            "\u{2212}{} unassigned",
            plural(rem, "user", "users")
        ));
    }
    if prev.group_member_count != now.group_member_count {
        out.push(format!(
            "group members {} \u{2192} {}",
            prev.group_member_count, now.group_member_count
        ));
    }
    if out.is_empty() {
        "assignments changed".into()
    } else {
        out.join("; ")
    }
}

/// GET appRoleAssignedTo and the direct members of each assigned group.
pub async fn read_assignments(
    client: &GraphClient,
    service_principal_id: &str,
) -> Result<AssignmentsBody, GraphError> {
    let list: Vec<AppRoleAssignment> = client
        .get_all(
            &format!("/servicePrincipals/{service_principal_id}/appRoleAssignedTo?$top=999"),
            Family::Directory,
            "the app's assignments",
        )
        .await?;
    let mut users = Vec::new();
    let mut groups = Vec::new();
    let mut in_scope: BTreeSet<String> = BTreeSet::new();
    let mut seen_groups = BTreeSet::new();
    for a in &list {
        let Some(id) = a.principal_id.clone() else {
            continue;
        };
        match a.principal_type.as_ref() {
            Some(PrincipalType::User) if in_scope.insert(id.clone()) => {
                users.push(Principal {
                    id,
                    name: a.principal_display_name.clone(),
                });
            }
            Some(PrincipalType::Group) if seen_groups.insert(id.clone()) => {
                groups.push(AssignedGroup {
                    id,
                    name: a.principal_display_name.clone(),
                    members: 0,
                });
            }
            _ => {}
        }
    }
    let mut member_total = 0u64;
    let mut entra_users: std::collections::BTreeMap<String, EntraUser> = Default::default();
    // Directly assigned users: 15 ids per request, as Graph's `in` filter allows.
    for chunk in users.chunks(15) {
        let ids: Vec<String> = chunk.iter().map(|p| format!("'{}'", p.id)).collect();
        let found: Vec<Value> = client
            .get_all(
                &format!(
                    "/users?$filter=id in ({})&$select={USER_SELECT}",
                    ids.join(",")
                ),
                Family::Directory,
                "the assigned users",
            )
            .await?;
        for u in found.iter().filter_map(EntraUser::from_graph) {
            entra_users.insert(u.id.clone(), u);
        }
    }
    for g in &mut groups {
        let members: Vec<Value> = client
            .get_all(
                &format!("/groups/{}/members?$select={USER_SELECT}&$top=999", g.id),
                Family::Directory,
                "an assigned group's members",
            )
            .await?;
        let mut n = 0u64;
        for m in &members {
            let is_user = m
                .get("@odata.type")
                .and_then(Value::as_str)
                .is_none_or(|t| t.eq_ignore_ascii_case("#microsoft.graph.user"));
            if !is_user {
                continue;
            }
            n += 1;
            if let Some(id) = m.get("id").and_then(Value::as_str) {
                in_scope.insert(id.to_string());
            }
            if let Some(u) = EntraUser::from_graph(m) {
                entra_users.entry(u.id.clone()).or_insert(u);
            }
        }
        g.members = n;
        member_total += n;
    }
    users.sort_by(|a, b| a.id.cmp(&b.id));
    groups.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(AssignmentsBody {
        user_count: users.len() as u64,
        group_count: groups.len() as u64,
        group_member_count: member_total,
        in_scope_users: in_scope.len() as u64,
        users,
        groups,
        entra_users: entra_users.into_values().collect(),
    })
}

pub async fn poll_assignments(
    client: &GraphClient,
    store: &Store,
    ids: &WatchIds,
    now_ms: i64,
) -> Result<Option<String>, GraphError> {
    let body = read_assignments(client, &ids.service_principal_id).await?;
    store_config(
        store,
        ids,
        ConfigKind::Assignments,
        &body,
        now_ms,
        |prev: Option<AssignmentsBody>| summarize_assignments(prev.as_ref(), &body),
    )
    .await
}

// ---------------------------------------------------------------------------
// Settings (from the secrets)

/// The stored form of the settings read from the job's secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, ts_rs::TS)]
pub struct SettingsBody {
    /// The Tenant URL.
    pub base_address: Option<String>,
    /// `false` = only assigned users and groups are in scope.
    pub sync_all: Option<bool>,
    pub secret_token_set: bool,
}

pub fn settings_body(s: &SynchronizationSecrets) -> SettingsBody {
    SettingsBody {
        base_address: s.base_address().map(str::to_string),
        sync_all: s.sync_all(),
        secret_token_set: s.secret_token_present(),
    }
}

fn scope_text(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "sync all users and groups",
        Some(false) => "sync only assigned users and groups",
        None => "unknown",
    }
}

pub fn summarize_settings(prev: Option<&SettingsBody>, now: &SettingsBody) -> String {
    let Some(prev) = prev else {
        return format!(
            "first reading: Tenant URL {}, scope: {}",
            now.base_address.as_deref().unwrap_or("(not set)"),
            scope_text(now.sync_all)
        );
    };
    let mut out = Vec::new();
    if prev.base_address != now.base_address {
        out.push(format!(
            "Tenant URL changed from {} to {}",
            prev.base_address.as_deref().unwrap_or("(not set)"),
            now.base_address.as_deref().unwrap_or("(not set)")
        ));
    }
    if prev.sync_all != now.sync_all {
        out.push(format!("scope changed to {}", scope_text(now.sync_all)));
    }
    if prev.secret_token_set != now.secret_token_set {
        out.push(if now.secret_token_set {
            "Secret Token set".into()
        } else {
            "Secret Token removed".into()
        });
    }
    if out.is_empty() {
        "settings changed".into()
    } else {
        out.join("; ")
    }
}

/// GET the job's secrets and store the readable settings. A 403 is not a
/// failure (Microsoft does not document the permission): `Ok(None)`.
pub async fn poll_settings(
    client: &GraphClient,
    store: &Store,
    ids: &WatchIds,
    now_ms: i64,
) -> Result<Option<String>, GraphError> {
    let r: Result<SynchronizationSecrets, GraphError> = client
        .get_json(
            &format!(
                "/servicePrincipals/{}/synchronization/secrets",
                ids.service_principal_id
            ),
            Family::Synchronization,
            "the provisioning settings (secrets)",
        )
        .await;
    let secrets = match r {
        Ok(s) => s,
        Err(GraphError::MissingRole { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    let body = settings_body(&secrets);
    store_config(
        store,
        ids,
        ConfigKind::Settings,
        &body,
        now_ms,
        |prev: Option<SettingsBody>| summarize_settings(prev.as_ref(), &body),
    )
    .await
}

/// Schema, assignments and settings; returns `(kind, summary)` for each change.
pub async fn poll_config(
    client: &GraphClient,
    store: &Store,
    ids: &WatchIds,
    now_ms: i64,
) -> Result<Vec<(ConfigKind, String)>, GraphError> {
    let (out, denied) = poll_config_each(client, store, ids, now_ms).await?;
    match denied {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Schema, assignments and settings, each on its own: a read Graph refuses
/// for lack of a permission (the schema and settings need the
/// synchronization API, the assignments the directory) does not stop the
/// others. Returns the changes and the first refusal; any other error stops.
pub async fn poll_config_each(
    client: &GraphClient,
    store: &Store,
    ids: &WatchIds,
    now_ms: i64,
) -> Result<(Vec<(ConfigKind, String)>, Option<GraphError>), GraphError> {
    let mut out = Vec::new();
    let mut denied: Option<GraphError> = None;
    let mut take = |r: Result<Option<String>, GraphError>,
                    kind: ConfigKind,
                    out: &mut Vec<(ConfigKind, String)>|
     -> Result<(), GraphError> {
        match r {
            Ok(Some(s)) => out.push((kind, s)),
            Ok(None) => {}
            Err(e) if e.is_permission() => {
                denied.get_or_insert(e);
            }
            Err(e) => return Err(e),
        }
        Ok(())
    };
    take(
        poll_schema(client, store, ids, now_ms).await,
        ConfigKind::Schema,
        &mut out,
    )?;
    take(
        poll_assignments(client, store, ids, now_ms).await,
        ConfigKind::Assignments,
        &mut out,
    )?;
    take(
        poll_settings(client, store, ids, now_ms).await,
        ConfigKind::Settings,
        &mut out,
    )?;
    Ok((out, denied))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys() {
        let a: Value = serde_json::from_str(r#"{"b":1,"a":{"d":2,"c":[{"z":1,"y":2}]}}"#).unwrap();
        assert_eq!(
            canonical_json(&a),
            r#"{"a":{"c":[{"y":2,"z":1}],"d":2},"b":1}"#
        );
        assert_eq!(content_hash("x").len(), 64);
    }

    #[test]
    fn mapping_summaries() {
        let m = |src: &str, enabled: bool| MappingSummary {
            name: Some(format!("Provision {src}s")),
            source: Some(src.into()),
            target: Some(src.into()),
            enabled,
            attributes: vec!["*userName <- userPrincipalName".into()],
        };
        let a = MappingsBody {
            mappings: vec![m("User", true), m("Group", true)],
        };
        let b = MappingsBody {
            mappings: vec![m("User", true), m("Group", false)],
        };
        assert_eq!(summarize_mappings(Some(&a), &b), "Groups mapping disabled");
        assert!(summarize_mappings(None, &a).starts_with("first reading: Users mapping enabled"));
    }

    #[test]
    fn assignment_summaries() {
        let g = |id: &str, n| AssignedGroup {
            id: id.into(),
            name: None,
            members: n,
        };
        let a = AssignmentsBody {
            groups: vec![g("1", 3)],
            group_member_count: 3,
            ..Default::default()
        };
        let b = AssignmentsBody {
            groups: vec![g("1", 3), g("2", 2), g("3", 0)],
            group_member_count: 5,
            ..Default::default()
        };
        assert_eq!(
            summarize_assignments(Some(&a), &b),
            "+2 groups assigned; group members 3 \u{2192} 5"
        );
        assert_eq!(
            summarize_assignments(Some(&b), &a),
            "\u{2212}2 groups unassigned; group members 5 \u{2192} 3"
        );
    }

    #[test]
    fn settings_summaries() {
        let a = SettingsBody {
            base_address: Some("https://a/scim".into()),
            sync_all: Some(false),
            secret_token_set: true,
        };
        let b = SettingsBody {
            base_address: Some("https://b/scim".into()),
            ..a.clone()
        };
        assert_eq!(
            summarize_settings(Some(&a), &b),
            "Tenant URL changed from https://a/scim to https://b/scim"
        );
    }
}
