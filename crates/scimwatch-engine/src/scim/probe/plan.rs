//! What the write probe sends: Entra's operations in the order Entra sends
//! them, with Entra's bodies (Microsoft's documented requests, kept in
//! `tests/fixtures/entra-requests/` and held equal by `tests/it/probe_plan.rs`)
//! filled with throwaway values. Pure: no IO.

use scimwatch_core::scim::write_probe::PROBE_PREFIX;
use serde_json::{json, Value};

const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const AD_GROUP_SCHEMA: &str =
    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// One Entra operation the probe replays, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    QueryUserBeforeCreate,
    CreateUser,
    GetUser,
    QueryUserByUserName,
    QueryUserByUserNameOtherCase,
    QueryUserByExternalId,
    UpdateUserMultiValued,
    UpdateUserName,
    DisableUser,
    DisableUserLowerCaseOp,
    DisableUserString,
    CreateUserWithRole,
    QueryGroupBeforeCreate,
    CreateGroup,
    GetGroup,
    QueryGroupByDisplayName,
    RenameGroup,
    AddMember,
    RemoveMember,
    DeleteGroup,
    DeleteUser,
}

impl Op {
    /// Every operation, in the order they are sent.
    pub const ALL: [Op; 21] = [
        Op::QueryUserBeforeCreate,
        Op::CreateUser,
        Op::GetUser,
        Op::QueryUserByUserName,
        Op::QueryUserByUserNameOtherCase,
        Op::QueryUserByExternalId,
        Op::UpdateUserMultiValued,
        Op::UpdateUserName,
        Op::DisableUser,
        Op::DisableUserLowerCaseOp,
        Op::DisableUserString,
        Op::CreateUserWithRole,
        Op::QueryGroupBeforeCreate,
        Op::CreateGroup,
        Op::GetGroup,
        Op::QueryGroupByDisplayName,
        Op::RenameGroup,
        Op::AddMember,
        Op::RemoveMember,
        Op::DeleteGroup,
        Op::DeleteUser,
    ];

    /// Stable code in reports and JSON.
    pub fn code(self) -> &'static str {
        match self {
            Op::QueryUserBeforeCreate => "query_user_before_create",
            Op::CreateUser => "create_user",
            Op::GetUser => "get_user",
            Op::QueryUserByUserName => "query_user_by_user_name",
            Op::QueryUserByUserNameOtherCase => "query_user_by_user_name_other_case",
            Op::QueryUserByExternalId => "query_user_by_external_id",
            Op::UpdateUserMultiValued => "update_user_multi_valued",
            Op::UpdateUserName => "update_user_name",
            Op::DisableUser => "disable_user",
            Op::DisableUserLowerCaseOp => "disable_user_lower_case_op",
            Op::DisableUserString => "disable_user_string_false",
            Op::CreateUserWithRole => "create_user_with_role",
            Op::QueryGroupBeforeCreate => "query_group_before_create",
            Op::CreateGroup => "create_group",
            Op::GetGroup => "get_group",
            Op::QueryGroupByDisplayName => "query_group_by_display_name",
            Op::RenameGroup => "rename_group",
            Op::AddMember => "add_member",
            Op::RemoveMember => "remove_member",
            Op::DeleteGroup => "delete_group",
            Op::DeleteUser => "delete_user",
        }
    }

    /// What Entra does with it, for the admin.
    pub fn title(self) -> &'static str {
        match self {
            Op::QueryUserBeforeCreate => "Look the new user up before creating it (userName eq)",
            Op::CreateUser => "Create the user (POST with the enterprise extension, roles: [])",
            Op::GetUser => "Get the user by id",
            Op::QueryUserByUserName => "Find the user by userName (matching)",
            Op::QueryUserByUserNameOtherCase => {
                "Find the user by userName in another case (Entra matches case-insensitively)"
            }
            Op::QueryUserByExternalId => "Find the user by externalId (matching)",
            Op::UpdateUserMultiValued => {
                "Update mail and surname (Replace emails[type eq \"work\"].value, name.familyName)"
            }
            Op::UpdateUserName => "Update userName (Replace userName)",
            Op::DisableUser => "Disable the user (Replace active: false)",
            Op::DisableUserLowerCaseOp => {
                "Disable the user with a lower-case op (replace active: false, aadOptscim062020)"
            }
            Op::DisableUserString => {
                "Disable the user with the string \"False\" (Entra without aadOptscim062020)"
            }
            Op::CreateUserWithRole => {
                "Create a user with an app role (roles[].type WindowsAzureActiveDirectoryRole; \
                 sent when the Users mapping maps app roles)"
            }
            Op::QueryGroupBeforeCreate => {
                "Look the new group up before creating it (displayName eq, excludedAttributes=members)"
            }
            Op::CreateGroup => "Create the group (no members)",
            Op::GetGroup => "Get the group by id (excludedAttributes=members)",
            Op::QueryGroupByDisplayName => {
                "Find the group by displayName (excludedAttributes=members)"
            }
            Op::RenameGroup => "Rename the group (Replace displayName)",
            Op::AddMember => "Add a member (Add members)",
            Op::RemoveMember => "Remove a member (Remove members, value list)",
            Op::DeleteGroup => "Delete the group",
            Op::DeleteUser => "Delete the user",
        }
    }

    pub fn is_group(self) -> bool {
        matches!(
            self,
            Op::QueryGroupBeforeCreate
                | Op::CreateGroup
                | Op::GetGroup
                | Op::QueryGroupByDisplayName
                | Op::RenameGroup
                | Op::AddMember
                | Op::RemoveMember
                | Op::DeleteGroup
        )
    }
}

/// The throwaway values of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// `scimwatch-probe-<random>`: the user's first userName.
    pub user_name: String,
    /// The userName in another case: Entra's matching lookup must find it.
    pub user_name_other_case: String,
    /// The userName it is renamed to.
    pub user_name_renamed: String,
    pub external_id: String,
    pub email: String,
    pub email_updated: String,
    pub family_name_updated: String,
    pub group_name: String,
    pub group_name_renamed: String,
    pub group_external_id: String,
    /// The second user, created with an app role (when roles are mapped).
    pub role_user_name: String,
    pub role_external_id: String,
}

impl Names {
    /// Names from a random token (letters and digits).
    pub fn new(random: &str) -> Self {
        let base = format!("{PROBE_PREFIX}{random}");
        Self {
            user_name: base.clone(),
            user_name_other_case: base.to_ascii_uppercase(),
            user_name_renamed: format!("{base}-renamed"),
            external_id: format!("{base}-ext"),
            email: format!("{base}@example.com"),
            email_updated: format!("{base}-updated@example.com"),
            family_name_updated: "ProbeUpdated".into(),
            group_name: format!("{base}-group"),
            group_name_renamed: format!("{base}-group-renamed"),
            group_external_id: format!("{base}-group-ext"),
            role_user_name: format!("{base}-role"),
            role_external_id: format!("{base}-role-ext"),
        }
    }
}

/// Entra's Create User body (T, "Create User").
pub fn create_user(n: &Names) -> Value {
    json!({
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "externalId": n.external_id,
        "userName": n.user_name,
        "active": true,
        "emails": [{"primary": true, "type": "work", "value": n.email}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Probe Probe", "familyName": "Probe", "givenName": "Probe"},
        "roles": []
    })
}

/// The app role the probe's second user carries: Microsoft's example value.
pub const ROLE_VALUE: &str = "Admin";

/// Entra's Create User when the Users mapping maps app roles
/// (SingleAppRoleAssignment; R, "Provisioning a role to a SCIM app" ›
/// Example request (POST)): no enterprise extension, one primary role of
/// type `WindowsAzureActiveDirectoryRole`.
pub fn create_user_with_role(n: &Names) -> Value {
    json!({
        "schemas": [USER_SCHEMA],
        "externalId": n.role_external_id,
        "userName": n.role_user_name,
        "active": true,
        "displayName": "Probe Role",
        "meta": {"resourceType": "User"},
        "roles": [{"primary": true, "type": "WindowsAzureActiveDirectoryRole", "value": ROLE_VALUE}]
    })
}

fn patch(ops: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": ops})
}

/// T, "Update User [Multi-valued properties]".
pub fn update_user_multi_valued(n: &Names) -> Value {
    patch(json!([
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": n.email_updated},
        {"op": "Replace", "path": "name.familyName", "value": n.family_name_updated}
    ]))
}

/// T, "Update User [Single-valued properties]".
pub fn update_user_name(n: &Names) -> Value {
    patch(json!([{"op": "Replace", "path": "userName", "value": n.user_name_renamed}]))
}

/// T, "Disable User" (`value` false); with `true`, the re-enable between forms.
pub fn set_active(active: bool) -> Value {
    json!({"Operations": [{"op": "Replace", "path": "active", "value": active}], "schemas": [PATCH_OP]})
}

/// K, "Requests made to disable users", with the feature flag.
pub fn disable_lower_case() -> Value {
    patch(json!([{"op": "replace", "path": "active", "value": false}]))
}

/// K, "Requests made to disable users", without the feature flag.
pub fn disable_string() -> Value {
    patch(json!([{"op": "Replace", "path": "active", "value": "False"}]))
}

/// T, "Create Group".
pub fn create_group(n: &Names) -> Value {
    json!({
        "schemas": [GROUP_SCHEMA, AD_GROUP_SCHEMA],
        "externalId": n.group_external_id,
        "displayName": n.group_name,
        "meta": {"resourceType": "Group"}
    })
}

/// T, "Update Group [Non-member attributes]".
pub fn rename_group(n: &Names) -> Value {
    patch(json!([{"op": "Replace", "path": "displayName", "value": n.group_name_renamed}]))
}

/// T, "Update Group [Add Members]" / "[Remove Members]".
pub fn members(op: &str, user_id: &str) -> Value {
    patch(json!([{"op": op, "path": "members", "value": [{"$ref": null, "value": user_id}]}]))
}

/// `attr eq "value"` with the value quoted and escaped (RFC 7644 §3.4.2.2).
pub fn eq_filter(attr: &str, value: &str) -> String {
    format!(
        "{attr} eq \"{}\"",
        value.replace('\\', "\\\\").replace('"', "\\\"")
    )
}

/// One request as printed before the probe writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub method: &'static str,
    /// Path and query below the Tenant URL; `{user id}`/`{group id}` stand
    /// for ids the SaaS assigns.
    pub target: String,
    pub body: Option<Value>,
    /// Why: the Entra operation, or "read back" / "re-enable".
    pub note: String,
}

/// Every request the write probe may send, in order (read-backs included):
/// [`planned_for`] with the app-role create.
pub fn planned(n: &Names) -> Vec<Planned> {
    planned_for(n, true)
}

/// The exact list of requests the write probe sends, in order (read-backs
/// included), for the admin to read before consenting; `with_role`: the
/// Users mapping maps app roles, so the user with a role is created too.
pub fn planned_for(n: &Names, with_role: bool) -> Vec<Planned> {
    let q = |res: &str, f: String, groups: bool| {
        let mut t = format!("{res}?");
        if groups {
            t.push_str("excludedAttributes=members&");
        }
        t.push_str(&format!("filter={f}"));
        t
    };
    let p = |method, target: String, body: Option<Value>, note: &str| Planned {
        method,
        target,
        body,
        note: note.to_string(),
    };
    let u = "Users/{user id}".to_string();
    let g = "Groups/{group id}".to_string();
    let read_user = || p("GET", u.clone(), None, "read back");
    let read_group = || p("GET", g.clone(), None, "read back");
    let r = "Users/{role user id}".to_string();
    let mut plan = vec![
        p(
            "GET",
            q("Users", eq_filter("userName", &n.user_name), false),
            None,
            Op::QueryUserBeforeCreate.code(),
        ),
        p(
            "POST",
            "Users".into(),
            Some(create_user(n)),
            Op::CreateUser.code(),
        ),
        p("GET", u.clone(), None, Op::GetUser.code()),
        p(
            "GET",
            q("Users", eq_filter("userName", &n.user_name), false),
            None,
            Op::QueryUserByUserName.code(),
        ),
        p(
            "GET",
            q(
                "Users",
                eq_filter("userName", &n.user_name_other_case),
                false,
            ),
            None,
            Op::QueryUserByUserNameOtherCase.code(),
        ),
        p(
            "GET",
            q("Users", eq_filter("externalId", &n.external_id), false),
            None,
            Op::QueryUserByExternalId.code(),
        ),
        p(
            "PATCH",
            u.clone(),
            Some(update_user_multi_valued(n)),
            Op::UpdateUserMultiValued.code(),
        ),
        read_user(),
        p(
            "PATCH",
            u.clone(),
            Some(update_user_name(n)),
            Op::UpdateUserName.code(),
        ),
        read_user(),
        p(
            "PATCH",
            u.clone(),
            Some(set_active(false)),
            Op::DisableUser.code(),
        ),
        read_user(),
        p("PATCH", u.clone(), Some(set_active(true)), "re-enable"),
        p(
            "PATCH",
            u.clone(),
            Some(disable_lower_case()),
            Op::DisableUserLowerCaseOp.code(),
        ),
        read_user(),
        p("PATCH", u.clone(), Some(set_active(true)), "re-enable"),
        p(
            "PATCH",
            u.clone(),
            Some(disable_string()),
            Op::DisableUserString.code(),
        ),
        read_user(),
    ];
    if with_role {
        plan.extend([
            p(
                "POST",
                "Users".into(),
                Some(create_user_with_role(n)),
                Op::CreateUserWithRole.code(),
            ),
            p("GET", r.clone(), None, "read back"),
            p("DELETE", r.clone(), None, "delete the user with the role"),
            p("GET", r, None, "read back"),
        ]);
    }
    plan.extend([
        p(
            "GET",
            q("Groups", eq_filter("displayName", &n.group_name), true),
            None,
            Op::QueryGroupBeforeCreate.code(),
        ),
        p(
            "POST",
            "Groups".into(),
            Some(create_group(n)),
            Op::CreateGroup.code(),
        ),
        p(
            "GET",
            format!("{g}?excludedAttributes=members"),
            None,
            Op::GetGroup.code(),
        ),
        p(
            "GET",
            q("Groups", eq_filter("displayName", &n.group_name), true),
            None,
            Op::QueryGroupByDisplayName.code(),
        ),
        p(
            "PATCH",
            g.clone(),
            Some(rename_group(n)),
            Op::RenameGroup.code(),
        ),
        read_group(),
        p(
            "PATCH",
            g.clone(),
            Some(members("Add", "{user id}")),
            Op::AddMember.code(),
        ),
        read_group(),
        p(
            "PATCH",
            g.clone(),
            Some(members("Remove", "{user id}")),
            Op::RemoveMember.code(),
        ),
        read_group(),
        p("DELETE", g.clone(), None, Op::DeleteGroup.code()),
        read_group(),
        p("DELETE", u.clone(), None, Op::DeleteUser.code()),
        read_user(),
    ]);
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_recognisable_and_filters_quoted() {
        let n = Names::new("ab12");
        assert!(n.user_name.starts_with(PROBE_PREFIX));
        assert!(n.group_name_renamed.starts_with(PROBE_PREFIX));
        assert_eq!(eq_filter("userName", "a\"b"), "userName eq \"a\\\"b\"");
        let plan = planned(&n);
        for op in Op::ALL {
            assert!(plan.iter().any(|p| p.note == op.code()), "{op:?}");
        }
        let without = planned_for(&n, false);
        assert_eq!(without.len() + 4, plan.len());
        assert!(!without
            .iter()
            .any(|p| p.note == Op::CreateUserWithRole.code()));
        assert_eq!(n.user_name_other_case, n.user_name.to_ascii_uppercase());
    }
}
