//! Directory objects: the enterprise app (`servicePrincipal`) and who is
//! assigned to it (`appRoleAssignment`).

use serde::{Deserialize, Serialize};

use super::lenient::{open, opt_bool, opt_string, opt_timestamp, vec_or_null, Timestamp};

/// The tag Entra puts on service principals that show up as enterprise apps.
pub const ENTERPRISE_APP_TAG: &str = "WindowsAzureActiveDirectoryIntegratedApp";

/// An enterprise application (`GET /servicePrincipals`).
///
/// `id` is optional: with `$select` Graph returns only what was asked for, and
/// Microsoft's own examples omit it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ServicePrincipal {
    /// The portal's "Object ID"; every synchronization call uses it.
    #[serde(default, deserialize_with = "opt_string")]
    pub id: Option<String>,
    /// The application (client) ID.
    #[serde(default, deserialize_with = "opt_string")]
    pub app_id: Option<String>,
    /// The enterprise app's name.
    #[serde(default, deserialize_with = "opt_string")]
    pub display_name: Option<String>,
    /// The app registration's name.
    #[serde(default, deserialize_with = "opt_string")]
    pub app_display_name: Option<String>,
    /// `Application`, `ManagedIdentity`, `Legacy`, `SocialIdp`, …
    #[serde(default, deserialize_with = "opt_string")]
    pub service_principal_type: Option<String>,
    /// "Enabled for users to sign in".
    #[serde(default, deserialize_with = "opt_bool")]
    pub account_enabled: Option<bool>,
    /// "Assignment required": only assigned users can sign in.
    #[serde(default, deserialize_with = "opt_bool")]
    pub app_role_assignment_required: Option<bool>,
    /// Tenant that owns the app registration.
    #[serde(default, deserialize_with = "opt_string")]
    pub app_owner_organization_id: Option<String>,
    /// `AzureADMyOrg`, `AzureADMultipleOrgs`, …
    #[serde(default, deserialize_with = "opt_string")]
    pub sign_in_audience: Option<String>,
    /// `saml`, `password`, `oidc`, …
    #[serde(default, deserialize_with = "opt_string")]
    pub preferred_single_sign_on_mode: Option<String>,
    /// Tags (`WindowsAzureActiveDirectoryIntegratedApp`, …).
    #[serde(default, deserialize_with = "vec_or_null")]
    pub tags: Vec<String>,
    /// Addresses Entra notifies (certificate expiry, provisioning quarantine).
    #[serde(default, deserialize_with = "vec_or_null")]
    pub notification_email_addresses: Vec<String>,
    /// Soft-deletion time.
    #[serde(
        default,
        deserialize_with = "opt_timestamp",
        skip_serializing_if = "Option::is_none"
    )]
    pub deleted_date_time: Option<Timestamp>,
}

impl ServicePrincipal {
    /// Whether Entra lists this principal under "Enterprise applications".
    pub fn is_enterprise_app(&self) -> bool {
        self.tags
            .iter()
            .any(|t| t.eq_ignore_ascii_case(ENTERPRISE_APP_TAG))
    }
}

crate::open_enum! {
    /// Kind of principal in an app role assignment.
    pub enum PrincipalType / Other {
        /// A user, assigned directly.
        User = "User",
        /// A group; its direct members are in scope.
        Group = "Group",
        /// Another application.
        ServicePrincipal = "ServicePrincipal",
    }
}

/// A user or group assigned to the app (`GET /servicePrincipals/{id}/appRoleAssignedTo`).
///
/// Beta's `creationTimestamp` is folded into `created_date_time` when the
/// v1.0 field is absent (both may be present without error).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", from = "AppRoleAssignmentWire")]
pub struct AppRoleAssignment {
    /// Assignment id.
    pub id: Option<String>,
    /// `User`, `Group` or `ServicePrincipal`.
    pub principal_type: Option<PrincipalType>,
    /// Object id of the user, group or service principal.
    pub principal_id: Option<String>,
    /// Its display name.
    pub principal_display_name: Option<String>,
    /// The app role; all zeros is the default "User" role.
    pub app_role_id: Option<String>,
    /// The service principal the assignment is to.
    pub resource_id: Option<String>,
    /// Its display name.
    pub resource_display_name: Option<String>,
    /// When the assignment was made (v1.0 `createdDateTime`, beta `creationTimestamp`).
    pub created_date_time: Option<Timestamp>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AppRoleAssignmentWire {
    #[serde(default, deserialize_with = "opt_string")]
    id: Option<String>,
    #[serde(default, deserialize_with = "open")]
    principal_type: Option<PrincipalType>,
    #[serde(default, deserialize_with = "opt_string")]
    principal_id: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    principal_display_name: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    app_role_id: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    resource_id: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    resource_display_name: Option<String>,
    #[serde(default, deserialize_with = "opt_timestamp")]
    created_date_time: Option<Timestamp>,
    #[serde(default, deserialize_with = "opt_timestamp")]
    creation_timestamp: Option<Timestamp>,
}

impl From<AppRoleAssignmentWire> for AppRoleAssignment {
    fn from(w: AppRoleAssignmentWire) -> Self {
        Self {
            id: w.id,
            principal_type: w.principal_type,
            principal_id: w.principal_id,
            principal_display_name: w.principal_display_name,
            app_role_id: w.app_role_id,
            resource_id: w.resource_id,
            resource_display_name: w.resource_display_name,
            created_date_time: w.created_date_time.or(w.creation_timestamp),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignment_dates_from_either_field() {
        let cases = [
            (r#"{"createdDateTime":"2021-02-02T04:22:45Z"}"#, true),
            (r#"{"creationTimestamp":"2021-02-02T04:22:45Z"}"#, true),
            (
                r#"{"createdDateTime":"2021-02-02T04:22:45Z","creationTimestamp":"2020-01-01T00:00:00Z"}"#,
                true,
            ),
            (r#"{"createdDateTime":""}"#, false),
            (r#"{}"#, false),
        ];
        for (json, has) in cases {
            let a: AppRoleAssignment = serde_json::from_str(json).unwrap();
            assert_eq!(a.created_date_time.is_some(), has, "{json}");
            if has {
                assert_eq!(
                    a.created_date_time.unwrap().to_string(),
                    "2021-02-02T04:22:45Z",
                    "{json}"
                );
            }
        }
    }

    #[test]
    fn principal_types() {
        let a: AppRoleAssignment = serde_json::from_str(r#"{"principalType":"group"}"#).unwrap();
        assert_eq!(a.principal_type, Some(PrincipalType::Group));
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["principalType"], "Group");
    }

    #[test]
    fn enterprise_app_tag() {
        let sp: ServicePrincipal =
            serde_json::from_str(r#"{"tags":["windowsazureactivedirectoryintegratedapp"]}"#)
                .unwrap();
        assert!(sp.is_enterprise_app());
        let sp: ServicePrincipal = serde_json::from_str(r#"{"tags":null}"#).unwrap();
        assert!(!sp.is_enterprise_app());
    }
}
