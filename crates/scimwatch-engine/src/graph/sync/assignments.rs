//! The app's assignments (users, groups and their members, the users in
//! scope), stored as a configuration version with a human summary of what
//! changed.

use std::collections::BTreeSet;

use scimwatch_core::graph::job::ConfigKind;
use scimwatch_core::graph::{AppRoleAssignment, PrincipalType};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{store_config, WatchIds};

use crate::graph::client::{Family, GraphClient};
use crate::graph::error::GraphError;
use crate::store::Store;

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
