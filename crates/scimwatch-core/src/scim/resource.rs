//! Typed views of SCIM Users and Groups, read leniently from JSON.
//!
//! SCIM attribute names are case-insensitive (RFC 7643 §2.1): every lookup
//! tries the exact name first, then any casing.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use ts_rs::TS;

use super::deviation::Deviation;
use super::hash::id_text;
use crate::graph::lenient::parse_bool_text;

/// `obj[name]`, exact name first, then ignoring ASCII case.
pub fn get_ci<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn text(obj: &Map<String, Value>, name: &str) -> Option<String> {
    match get_ci(obj, name)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `meta` of a resource.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ScimMeta {
    /// `User`, `Group`.
    pub resource_type: Option<String>,
    /// Creation time, as sent.
    pub created: Option<String>,
    /// Last modification time, as sent.
    pub last_modified: Option<String>,
    /// ETag, as sent.
    pub version: Option<String>,
    /// The resource's URL.
    pub location: Option<String>,
}

impl ScimMeta {
    fn read(v: Option<&Value>) -> Option<Self> {
        let o = v?.as_object()?;
        Some(Self {
            resource_type: text(o, "resourceType"),
            created: text(o, "created"),
            last_modified: text(o, "lastModified"),
            version: text(o, "version"),
            location: text(o, "location"),
        })
    }
}

/// One value of a multi-valued attribute (`emails`, `phoneNumbers`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ScimMultiValue {
    /// The value.
    pub value: Option<String>,
    /// `work`, `home`, …
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Whether it is the primary one.
    pub primary: Option<bool>,
}

/// `name` of a user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ScimName {
    /// Full name.
    pub formatted: Option<String>,
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
}

/// A SCIM User, as far as the monitor cares.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ScimUser {
    /// The SaaS's id.
    pub id: Option<String>,
    /// Entra's anchor (often `mailNickname` or `objectId`).
    pub external_id: Option<String>,
    /// Usually Entra's `userPrincipalName`; the default matching attribute.
    pub user_name: Option<String>,
    /// `active`; `"true"`/`"false"` strings are read too (and flagged).
    pub active: Option<bool>,
    /// Display name.
    pub display_name: Option<String>,
    /// Name parts.
    pub name: Option<ScimName>,
    /// Email addresses.
    pub emails: Vec<ScimMultiValue>,
    /// Resource metadata.
    pub meta: Option<ScimMeta>,
}

fn read_multi(v: Option<&Value>) -> Vec<ScimMultiValue> {
    let Some(Value::Array(items)) = v else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(Value::as_object)
        .map(|o| ScimMultiValue {
            value: text(o, "value"),
            kind: text(o, "type"),
            primary: match get_ci(o, "primary") {
                Some(Value::Bool(b)) => Some(*b),
                Some(Value::String(s)) => parse_bool_text(s),
                _ => None,
            },
        })
        .collect()
}

impl ScimUser {
    /// Read a user from JSON, reporting what was off (`active` as a string).
    /// Never fails: a non-object yields an empty user.
    pub fn from_value(v: &Value) -> (ScimUser, Vec<Deviation>) {
        let mut devs = Vec::new();
        let Some(o) = v.as_object() else {
            return (ScimUser::default(), devs);
        };
        let id = get_ci(o, "id").and_then(id_text);
        let active = match get_ci(o, "active") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(Value::String(s)) => {
                let parsed = parse_bool_text(s);
                devs.push(if parsed.is_some() {
                    Deviation::ActiveAsString { id: id.clone() }
                } else {
                    Deviation::ActiveInvalid { id: id.clone() }
                });
                parsed
            }
            Some(_) => {
                devs.push(Deviation::ActiveInvalid { id: id.clone() });
                None
            }
        };
        let name = get_ci(o, "name")
            .and_then(Value::as_object)
            .map(|n| ScimName {
                formatted: text(n, "formatted"),
                given_name: text(n, "givenName"),
                family_name: text(n, "familyName"),
            });
        let user = ScimUser {
            id,
            external_id: text(o, "externalId"),
            user_name: text(o, "userName"),
            active,
            display_name: text(o, "displayName"),
            name,
            emails: read_multi(get_ci(o, "emails")),
            meta: ScimMeta::read(get_ci(o, "meta")),
        };
        (user, devs)
    }

    /// Read many users (an inventory). Each kind of deviation is reported
    /// once (with the first offending id), so 100k string `active`s make one
    /// line in the compliance report, not 100k.
    pub fn from_values<'a>(
        values: impl IntoIterator<Item = &'a Value>,
    ) -> (Vec<ScimUser>, Vec<Deviation>) {
        let mut users = Vec::new();
        let mut devs: Vec<Deviation> = Vec::new();
        for v in values {
            let (u, d) = ScimUser::from_value(v);
            for dev in d {
                let seen = devs
                    .iter()
                    .any(|x| std::mem::discriminant(x) == std::mem::discriminant(&dev));
                if !seen {
                    devs.push(dev);
                }
            }
            users.push(u);
        }
        (users, devs)
    }

    /// The primary email, else the `work` one, else the first.
    pub fn primary_email(&self) -> Option<&str> {
        self.emails
            .iter()
            .find(|e| e.primary == Some(true))
            .or_else(|| {
                self.emails.iter().find(|e| {
                    e.kind
                        .as_deref()
                        .is_some_and(|k| k.eq_ignore_ascii_case("work"))
                })
            })
            .or_else(|| self.emails.first())
            .and_then(|e| e.value.as_deref())
    }
}

/// A member of a group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct GroupMember {
    /// The member's id.
    pub value: Option<String>,
    /// The member's display name.
    pub display: Option<String>,
    /// `$ref`: the member's URL.
    #[serde(rename = "$ref")]
    pub reference: Option<String>,
    /// `User` or `Group`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// A SCIM Group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ScimGroup {
    /// The SaaS's id.
    pub id: Option<String>,
    /// Entra's anchor.
    pub external_id: Option<String>,
    /// Group name.
    pub display_name: Option<String>,
    /// Members (absent → empty; many servers omit members unless asked).
    pub members: Vec<GroupMember>,
    /// Resource metadata.
    pub meta: Option<ScimMeta>,
}

impl ScimGroup {
    /// Read a group from JSON. Never fails: a non-object yields an empty group.
    pub fn from_value(v: &Value) -> ScimGroup {
        let Some(o) = v.as_object() else {
            return ScimGroup::default();
        };
        let members = match get_ci(o, "members") {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_object)
                .map(|m| GroupMember {
                    value: get_ci(m, "value").and_then(id_text),
                    display: text(m, "display"),
                    reference: text(m, "$ref"),
                    kind: text(m, "type"),
                })
                .collect(),
            _ => Vec::new(),
        };
        ScimGroup {
            id: get_ci(o, "id").and_then(id_text),
            external_id: text(o, "externalId"),
            display_name: text(o, "displayName"),
            members,
            meta: ScimMeta::read(get_ci(o, "meta")),
        }
    }

    /// Member ids (`members[].value`).
    pub fn member_ids(&self) -> impl Iterator<Item = &str> {
        self.members.iter().filter_map(|m| m.value.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn users() {
        let (u, devs) = ScimUser::from_value(&json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": 17, "externalId": "ada", "UserName": "ada@example.com", "active": "False",
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "emails": [{"value": "a@home", "type": "home"}, {"value": "a@work", "type": "work"}],
            "meta": {"resourceType": "User", "lastModified": "2024-01-01T00:00:00Z", "version": "W/\"1\""}
        }));
        assert_eq!(u.id.as_deref(), Some("17"));
        assert_eq!(u.user_name.as_deref(), Some("ada@example.com"));
        assert_eq!(u.active, Some(false));
        assert_eq!(u.primary_email(), Some("a@work"));
        assert_eq!(u.name.unwrap().given_name.as_deref(), Some("Ada"));
        assert_eq!(u.meta.unwrap().version.as_deref(), Some("W/\"1\""));
        assert_eq!(
            devs,
            vec![Deviation::ActiveAsString {
                id: Some("17".into())
            }]
        );

        let (u, devs) = ScimUser::from_value(&json!({"id": "x", "active": 1}));
        assert_eq!(u.active, None);
        assert_eq!(
            devs,
            vec![Deviation::ActiveInvalid {
                id: Some("x".into())
            }]
        );

        let many = [
            json!({"id": "1", "active": "true"}),
            json!({"id": "2", "active": "false"}),
        ];
        let (users, devs) = ScimUser::from_values(&many);
        assert_eq!(users.len(), 2);
        assert_eq!(
            devs,
            vec![Deviation::ActiveAsString {
                id: Some("1".into())
            }]
        );

        let (u, devs) = ScimUser::from_value(&json!("not a user"));
        assert_eq!(u, ScimUser::default());
        assert!(devs.is_empty());
    }

    #[test]
    fn groups() {
        let g = ScimGroup::from_value(&json!({
            "id": "g1", "displayName": "Sales",
            "members": [{"value": "u1", "display": "Ada", "$ref": "https://x/Users/u1"}, {"display": "no id"}, 3]
        }));
        assert_eq!(g.members.len(), 2);
        assert_eq!(g.member_ids().collect::<Vec<_>>(), ["u1"]);
        assert_eq!(
            g.members[0].reference.as_deref(),
            Some("https://x/Users/u1")
        );
        assert!(ScimGroup::from_value(&json!({"members": null}))
            .members
            .is_empty());
    }
}
