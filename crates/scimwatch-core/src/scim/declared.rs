//! What the SaaS's `/Schemas` declares (RFC 7643 §7), and whether an Entra
//! attribute mapping's target attribute is among it.
//!
//! Entra writes target attributes as SCIM paths: `userName`,
//! `name.givenName`, `emails[type eq "work"].value`, and URN-qualified
//! extension attributes such as
//! `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager` or
//! the custom `urn:ietf:params:scim:schemas:extension:<name>:2.0:User:<attr>`.
//! Value filters are dropped (`emails[type eq "work"].value` → `emails.value`),
//! unqualified names belong to the mapping's base schema, and everything is
//! compared case-insensitively (RFC 7643 §2.1).

use std::collections::BTreeSet;

use serde_json::Value;

/// One schema of `/Schemas`: its id, its name and its attribute paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredSchema {
    /// The schema URN as the SaaS wrote it.
    pub id: String,
    /// Lower-cased URN, for comparing.
    key: String,
    /// Lower-cased `name` (`user`, `enterpriseuser`), if given.
    pub name: Option<String>,
    /// Lower-cased attribute paths: `emails`, `emails.value`, `name.givenname`.
    attributes: BTreeSet<String>,
    /// Complex attributes declared without their sub-attributes.
    open_complex: BTreeSet<String>,
}

impl DeclaredSchema {
    /// Whether the schema lists any attribute at all. Some servers answer
    /// `/Schemas` with the schema ids only; nothing can be said about their
    /// attributes then.
    pub fn lists_attributes(&self) -> bool {
        !self.attributes.is_empty()
    }

    pub fn attribute_count(&self) -> usize {
        self.attributes.len()
    }
}

/// Everything `/Schemas` declared.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeclaredSchemas {
    pub schemas: Vec<DeclaredSchema>,
}

/// The answer for one target attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Declared {
    /// The schema and the attribute (and sub-attribute) are declared.
    Yes,
    /// The schema is missing, or it lists attributes and this is not one of them.
    No,
    /// The schema is declared without its attributes, or the name is unreadable.
    Unknown,
}

impl Declared {
    pub fn as_option(self) -> Option<bool> {
        match self {
            Declared::Yes => Some(true),
            Declared::No => Some(false),
            Declared::Unknown => None,
        }
    }
}

const CORE_PREFIX: &str = "urn:ietf:params:scim:schemas:core:2.0:";

impl DeclaredSchemas {
    /// Reads a `/Schemas` body: a `ListResponse` (`Resources`), a bare array,
    /// or a single schema. `None` when it holds no schema with an `id`.
    pub fn from_json(body: &Value) -> Option<Self> {
        let items: Vec<&Value> = match body {
            Value::Array(a) => a.iter().collect(),
            Value::Object(o) => match o
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("Resources"))
                .map(|(_, v)| v)
            {
                Some(Value::Array(a)) => a.iter().collect(),
                Some(_) => Vec::new(),
                None => vec![body],
            },
            _ => Vec::new(),
        };
        let schemas: Vec<DeclaredSchema> = items.into_iter().filter_map(schema).collect();
        if schemas.is_empty() {
            None
        } else {
            Some(Self { schemas })
        }
    }

    /// The schema with this URN (case-insensitive).
    pub fn schema(&self, id: &str) -> Option<&DeclaredSchema> {
        let key = id.to_ascii_lowercase();
        self.schemas.iter().find(|s| s.key == key)
    }

    /// The base schema of a mapping's target object: the URN itself, else the
    /// schema named like it (`User`), else the core schema of that name.
    fn base_schema(&self, target_object: &str) -> Option<&DeclaredSchema> {
        let t = target_object.trim().to_ascii_lowercase();
        if t.starts_with("urn:") {
            return self.schema(&t);
        }
        self.schemas
            .iter()
            .find(|s| s.name.as_deref() == Some(t.as_str()))
            .or_else(|| self.schema(&format!("{CORE_PREFIX}{t}")))
    }

    /// Whether `target` (an Entra target attribute name) is declared for a
    /// mapping whose target object is `target_object` (`User`,
    /// `urn:ietf:params:scim:schemas:core:2.0:User`, …).
    pub fn declares(&self, target: &str, target_object: &str) -> Declared {
        let Some(target) = TargetPath::parse(target) else {
            return Declared::Unknown;
        };
        let schema = match &target.schema {
            Some(urn) => self.schema(urn),
            None => self.base_schema(target_object),
        };
        let Some(schema) = schema else {
            return Declared::No;
        };
        if !schema.lists_attributes() {
            return Declared::Unknown;
        }
        if schema.attributes.contains(&target.path) {
            return Declared::Yes;
        }
        // `emails.value` where `emails` is declared without sub-attributes.
        match target.path.split_once('.') {
            Some((parent, _)) if schema.open_complex.contains(parent) => Declared::Yes,
            _ => Declared::No,
        }
    }
}

fn schema(v: &Value) -> Option<DeclaredSchema> {
    let id = field(v, "id")?.as_str()?.trim().to_string();
    if id.is_empty() {
        return None;
    }
    let name = field(v, "name")
        .and_then(Value::as_str)
        .map(|n| n.trim().to_ascii_lowercase());
    let mut attributes = BTreeSet::new();
    let mut open_complex = BTreeSet::new();
    for a in list(v, "attributes") {
        let Some(n) = attr_name(a) else { continue };
        let subs = list(a, "subAttributes");
        let complex = field(a, "type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case("complex"));
        if subs.is_empty() && complex {
            open_complex.insert(n.clone());
        }
        for s in subs {
            if let Some(sn) = attr_name(s) {
                attributes.insert(format!("{n}.{sn}"));
            }
        }
        attributes.insert(n);
    }
    Some(DeclaredSchema {
        key: id.to_ascii_lowercase(),
        id,
        name,
        attributes,
        open_complex,
    })
}

fn field<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    field(v, key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn attr_name(a: &Value) -> Option<String> {
    let n = field(a, "name")?.as_str()?.trim();
    (!n.is_empty()).then(|| n.to_ascii_lowercase())
}

/// A target attribute as schema URN (when qualified) and lower-cased path
/// without value filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetPath {
    pub schema: Option<String>,
    pub path: String,
}

impl TargetPath {
    /// `None` for an empty name or unbalanced brackets.
    pub fn parse(target: &str) -> Option<Self> {
        let plain = strip_filters(target.trim())?.to_ascii_lowercase();
        if plain.is_empty() {
            return None;
        }
        let (schema, path) = if plain.starts_with("urn:") {
            // RFC 7644 §3.10: the attribute follows the schema URN's last colon.
            let (urn, attr) = plain.rsplit_once(':')?;
            (Some(urn.to_string()), attr.to_string())
        } else {
            (None, plain)
        };
        let path = path.trim_matches('.').to_string();
        if path.is_empty() || path.contains("..") {
            return None;
        }
        Some(Self { schema, path })
    }
}

/// Drops `[…]` value filters, honouring quoted strings inside them.
fn strip_filters(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut depth = 0usize;
    let mut quoted = false;
    let mut escaped = false;
    for c in s.chars() {
        if depth > 0 {
            if escaped {
                escaped = false;
            } else if quoted && c == '\\' {
                escaped = true;
            } else if c == '"' {
                quoted = !quoted;
            } else if !quoted && c == '[' {
                depth += 1;
            } else if !quoted && c == ']' {
                depth -= 1;
            }
            continue;
        }
        match c {
            '[' => depth = 1,
            ']' => return None,
            _ => out.push(c),
        }
    }
    (depth == 0 && !quoted).then_some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    fn schemas() -> DeclaredSchemas {
        DeclaredSchemas::from_json(&json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": 3,
            "Resources": [
                {
                    "id": USER, "name": "User",
                    "attributes": [
                        {"name": "userName", "type": "string"},
                        {"name": "active", "type": "boolean"},
                        {"name": "displayName", "type": "string"},
                        {"name": "name", "type": "complex", "subAttributes": [
                            {"name": "givenName", "type": "string"},
                            {"name": "familyName", "type": "string"}
                        ]},
                        {"name": "emails", "type": "complex", "multiValued": true, "subAttributes": [
                            {"name": "value", "type": "string"},
                            {"name": "type", "type": "string"}
                        ]},
                        {"name": "addresses", "type": "complex", "multiValued": true}
                    ]
                },
                {
                    "id": ENTERPRISE, "name": "EnterpriseUser",
                    "attributes": [
                        {"name": "employeeNumber", "type": "string"},
                        {"name": "manager", "type": "complex", "subAttributes": [{"name": "value"}]}
                    ]
                },
                {
                    "id": "urn:ietf:params:scim:schemas:extension:Acme:2.0:User", "name": "AcmeUser",
                    "attributes": [{"name": "costCenter", "type": "string"}]
                }
            ]
        }))
        .unwrap()
    }

    #[test]
    fn plain_and_sub_attributes_of_the_base_schema() {
        let s = schemas();
        for (target, want) in [
            ("userName", Declared::Yes),
            ("USERNAME", Declared::Yes),
            ("name.givenName", Declared::Yes),
            ("name.middleName", Declared::No),
            (r#"emails[type eq "work"].value"#, Declared::Yes),
            (r#"emails[type eq "work"].display"#, Declared::No),
            ("emails", Declared::Yes),
            (r#"phoneNumbers[type eq "mobile"].value"#, Declared::No),
            ("title", Declared::No),
            // `addresses` is complex without listed sub-attributes: any of them.
            (r#"addresses[type eq "work"].formatted"#, Declared::Yes),
        ] {
            assert_eq!(s.declares(target, USER), want, "{target}");
            assert_eq!(s.declares(target, "User"), want, "{target} on object User");
        }
    }

    #[test]
    fn extension_attributes_by_their_urn() {
        let s = schemas();
        for (target, want) in [
            (format!("{ENTERPRISE}:manager"), Declared::Yes),
            (format!("{ENTERPRISE}:manager.value"), Declared::Yes),
            (
                format!("{}:employeeNumber", ENTERPRISE.to_uppercase()),
                Declared::Yes,
            ),
            (format!("{ENTERPRISE}:department"), Declared::No),
            // Entra's custom extension form.
            (
                "urn:ietf:params:scim:schemas:extension:acme:2.0:User:costCenter".into(),
                Declared::Yes,
            ),
            (
                "urn:ietf:params:scim:schemas:extension:acme:2.0:User:badgeId".into(),
                Declared::No,
            ),
            // An extension schema the SaaS does not declare at all.
            (
                "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:tier".into(),
                Declared::No,
            ),
            // A core attribute written with its schema URN.
            (format!("{USER}:userName"), Declared::Yes),
        ] {
            assert_eq!(s.declares(&target, USER), want, "{target}");
        }
        // Unqualified names never fall through to an extension.
        assert_eq!(s.declares("costCenter", USER), Declared::No);
    }

    #[test]
    fn the_base_schema_follows_the_target_object() {
        let s = schemas();
        // No Group schema declared: every group attribute is undeclared.
        assert_eq!(s.declares("displayName", "Group"), Declared::No);
        assert_eq!(
            s.declares("displayName", "urn:ietf:params:scim:schemas:core:2.0:Group"),
            Declared::No
        );
        // A custom object resolved by the schema's name.
        assert_eq!(s.declares("costCenter", "acmeuser"), Declared::Yes);
    }

    #[test]
    fn schemas_without_attributes_say_nothing_about_them() {
        let s = DeclaredSchemas::from_json(&json!([
            {"id": USER, "name": "User", "attributes": []},
            {"id": ENTERPRISE, "name": "EnterpriseUser"}
        ]))
        .unwrap();
        assert!(!s.schema(USER).unwrap().lists_attributes());
        assert_eq!(s.declares("userName", USER), Declared::Unknown);
        assert_eq!(
            s.declares(&format!("{ENTERPRISE}:manager"), USER),
            Declared::Unknown
        );
        // …but a missing schema is still missing.
        assert_eq!(
            s.declares(
                "urn:ietf:params:scim:schemas:extension:acme:2.0:User:x",
                USER
            ),
            Declared::No
        );
    }

    #[test]
    fn unreadable_targets_and_bodies() {
        let s = schemas();
        for target in [
            "",
            "  ",
            "emails[type eq \"work\".value",
            "emails]x",
            "urn:x:",
        ] {
            assert_eq!(s.declares(target, USER), Declared::Unknown, "{target:?}");
        }
        assert!(DeclaredSchemas::from_json(&json!({"Resources": []})).is_none());
        assert!(DeclaredSchemas::from_json(&json!("Schemas")).is_none());
        assert!(
            DeclaredSchemas::from_json(&json!({"detail": "not found", "status": "404"})).is_none()
        );
        // A single schema object and lower-case keys are read too.
        let one =
            DeclaredSchemas::from_json(&json!({"ID": USER, "Attributes": [{"NAME": "userName"}]}))
                .unwrap();
        assert_eq!(one.declares("username", "user"), Declared::Yes);
    }

    #[test]
    fn target_paths() {
        assert_eq!(
            TargetPath::parse(r#"emails[type eq "w]o[rk"].value"#).unwrap(),
            TargetPath {
                schema: None,
                path: "emails.value".into()
            }
        );
        assert_eq!(
            TargetPath::parse(&format!("{ENTERPRISE}:manager")).unwrap(),
            TargetPath {
                schema: Some(ENTERPRISE.to_ascii_lowercase()),
                path: "manager".into()
            }
        );
        assert_eq!(Declared::Yes.as_option(), Some(true));
        assert_eq!(Declared::No.as_option(), Some(false));
        assert_eq!(Declared::Unknown.as_option(), None);
    }
}
