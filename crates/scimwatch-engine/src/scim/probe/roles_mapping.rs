//! Whether Entra sends app roles to a connection's SaaS: read from the
//! stored synchronization schema (the Graph side's `config_versions`). The
//! probe's app-role create ([`super::roles`]) runs only when the Users
//! mapping maps app roles, is *not applicable* when it maps none, and *not
//! checked* when scimwatch has no mapping to read — never a pass.

use scimwatch_core::graph::job::ConfigKind;
use sqlx::SqlitePool;

use crate::graph::sync::MappingsBody;
use crate::store::jobs::latest_config;

/// Whether Entra sends app roles to this connection's SaaS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RolesMapping {
    /// The Users mapping maps app roles: the mapping line(s) that do.
    Mapped(String),
    /// The stored mappings map no app role: Entra sends `roles: []`.
    NotMapped,
    /// No mapping to read, and why.
    Unknown(String),
}

impl RolesMapping {
    pub fn is_mapped(&self) -> bool {
        matches!(self, RolesMapping::Mapped(_))
    }
}

/// Whether a stored mapping line (`[*]target <- source`) maps app roles:
/// its target is `roles…`, or its source is one of Entra's app-role
/// expressions (the target may be a custom roles attribute).
fn maps_roles(line: &str) -> bool {
    let (target, source) = line.split_once(" <- ").unwrap_or((line, ""));
    let target = target.trim_start_matches('*').trim().to_ascii_lowercase();
    target.starts_with("roles") || source.to_ascii_lowercase().contains("approleassignment")
}

/// Roles in the enabled Users mapping(s) of a stored schema.
pub fn roles_mapping(body: &MappingsBody) -> RolesMapping {
    let lines: Vec<&str> = body
        .mappings
        .iter()
        .filter(|m| m.enabled)
        .filter(|m| {
            m.source
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("user"))
        })
        .flat_map(|m| m.attributes.iter().map(String::as_str))
        .filter(|l| maps_roles(l))
        .collect();
    if lines.is_empty() {
        RolesMapping::NotMapped
    } else {
        RolesMapping::Mapped(lines.join("; "))
    }
}

/// Roles in the connection's stored synchronization schema.
pub async fn stored_roles_mapping(pool: &SqlitePool, connection_id: i64) -> RolesMapping {
    match latest_config(pool, connection_id, ConfigKind::Schema).await {
        Ok(Some(row)) => match serde_json::from_str::<MappingsBody>(&row.body_json) {
            Ok(body) => roles_mapping(&body),
            Err(e) => {
                RolesMapping::Unknown(format!("the stored attribute mappings do not read ({e})"))
            }
        },
        Ok(None) => RolesMapping::Unknown(
            "scimwatch has no attribute mappings for this connection (a SCIM-only connection, or \
             its Graph side not read yet)"
                .into(),
        ),
        Err(e) => RolesMapping::Unknown(format!(
            "the stored attribute mappings cannot be read ({e})"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::sync::MappingSummary;

    fn users(attributes: &[&str], enabled: bool) -> MappingsBody {
        MappingsBody {
            mappings: vec![MappingSummary {
                name: Some("Provision Microsoft Entra ID Users".into()),
                source: Some("User".into()),
                target: Some("urn:ietf:params:scim:schemas:core:2.0:User".into()),
                enabled,
                attributes: attributes.iter().map(|a| (*a).to_string()).collect(),
            }],
        }
    }

    #[test]
    fn roles_are_read_from_the_users_mapping() {
        let plain = users(
            &["*userName <- userPrincipalName", "active <- Switch(…)"],
            true,
        );
        assert_eq!(roles_mapping(&plain), RolesMapping::NotMapped);
        let single = users(
            &[
                "*userName <- userPrincipalName",
                "roles[primary eq \"True\"].value <- SingleAppRoleAssignment([appRoleAssignments])",
            ],
            true,
        );
        assert!(roles_mapping(&single).is_mapped());
        let custom = users(
            &["urn:ietf:params:scim:schemas:extension:acme:2.0:User:appRoles <- AppRoleAssignmentsComplex([appRoleAssignments])"],
            true,
        );
        assert!(roles_mapping(&custom).is_mapped());
        // A disabled Users mapping sends nothing.
        let off = users(
            &["roles <- AppRoleAssignmentsComplex([appRoleAssignments])"],
            false,
        );
        assert_eq!(roles_mapping(&off), RolesMapping::NotMapped);
        assert_eq!(
            roles_mapping(&MappingsBody::default()),
            RolesMapping::NotMapped
        );
    }
}
