//! Connections: what scimwatch watches. An Entra side (tenant, enterprise app
//! and provisioning job, read through Graph) and a SCIM side (the SaaS's
//! Tenant URL). Either side may be absent, never both.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{FieldError, ValidationError};
use crate::validate;

/// Longest connection name accepted.
pub const MAX_NAME_LEN: usize = 80;

/// The public client used for delegated sign-in when the admin brings no app
/// registration of their own: Microsoft Graph Command Line Tools, which is
/// pre-registered in every tenant as a public client.
pub const DEFAULT_PUBLIC_CLIENT_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

/// Which Microsoft cloud a tenant lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
#[serde(rename_all = "snake_case")]
pub enum Cloud {
    #[default]
    Global,
    Usgov,
    China,
    /// Custom hosts, e.g. a simulator or a proxy; both URLs must be given.
    Custom,
}

impl Cloud {
    pub fn as_str(self) -> &'static str {
        match self {
            Cloud::Global => "global",
            Cloud::Usgov => "usgov",
            Cloud::China => "china",
            Cloud::Custom => "custom",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "global" | "public" | "azurecloud" => Some(Cloud::Global),
            "usgov" | "us-gov" | "gcchigh" | "azureusgovernment" => Some(Cloud::Usgov),
            "china" | "azurechinacloud" => Some(Cloud::China),
            "custom" => Some(Cloud::Custom),
            _ => None,
        }
    }

    /// Login and Graph hosts of the national clouds; `None` for custom.
    pub fn hosts(self) -> Option<(&'static str, &'static str)> {
        match self {
            Cloud::Global => Some((
                "https://login.microsoftonline.com",
                "https://graph.microsoft.com",
            )),
            Cloud::Usgov => Some((
                "https://login.microsoftonline.us",
                "https://graph.microsoft.us",
            )),
            Cloud::China => Some((
                "https://login.chinacloudapi.cn",
                "https://microsoftgraph.chinacloudapi.cn",
            )),
            Cloud::Custom => None,
        }
    }
}

/// How scimwatch signs in to Graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
#[serde(rename_all = "snake_case")]
pub enum AuthMode {
    /// An admin signs in interactively (auth code + PKCE, or device code).
    #[default]
    Delegated,
    /// Unattended: an app registration with a client secret.
    ClientSecret,
    /// Unattended: an app registration with a certificate.
    Certificate,
}

impl AuthMode {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMode::Delegated => "delegated",
            AuthMode::ClientSecret => "client_secret",
            AuthMode::Certificate => "certificate",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "delegated" => Some(AuthMode::Delegated),
            "client_secret" | "secret" => Some(AuthMode::ClientSecret),
            "certificate" | "cert" => Some(AuthMode::Certificate),
            _ => None,
        }
    }
}

/// What the admin typed into the connection form (or passed as CLI flags).
/// Secrets are not part of it: they travel separately and go to the keychain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ConnectionInput {
    pub name: String,
    pub cloud: Cloud,
    /// Only for `cloud = custom`.
    pub login_url: Option<String>,
    /// Only for `cloud = custom`.
    pub graph_url: Option<String>,
    /// Tenant ID or verified domain. Empty = no Entra side.
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    pub auth_mode: AuthMode,
    /// Enterprise app display name or appId.
    pub app: Option<String>,
    /// The SaaS's Tenant URL. Empty = no SCIM side.
    pub scim_url: Option<String>,
    /// When the SCIM token expires, if the SaaS told the admin (YYYY-MM-DD or RFC 3339).
    pub scim_token_expires: Option<String>,
    /// Editing only: the admin confirms that the stored secrets belong to the
    /// endpoints as edited. Without it, an edit that moves the Tenant URL, the
    /// login (host, tenant, client ID) or the Graph URL while keeping a stored
    /// token, client secret or certificate is refused: the secret would be
    /// sent to an endpoint it was never meant for.
    pub keep_secrets_for_new_endpoint: bool,
    /// Watch every enterprise app of the tenant that has a provisioning job
    /// (a *tenant* connection: one app connection per discovered job, one
    /// provisioning-log stream for all of them). Refused together with `app`.
    #[ts(optional)]
    pub all_apps: Option<bool>,
}

/// Validated Entra side of a connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EntraSide {
    pub cloud: Cloud,
    pub login_url: String,
    pub graph_url: String,
    pub tenant_id: String,
    pub client_id: String,
    pub auth_mode: AuthMode,
    /// What the admin typed to find the enterprise app (display name or appId).
    pub app: Option<String>,
    /// Filled in by app discovery.
    pub service_principal_id: Option<String>,
    pub app_id: Option<String>,
    pub app_display_name: Option<String>,
    pub job_id: Option<String>,
}

/// Validated SCIM side of a connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ScimSide {
    pub url: String,
    #[ts(type = "string | null")]
    pub token_expires_at: Option<DateTime<Utc>>,
}

/// A validated connection before it has an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidConnection {
    pub name: String,
    pub entra: Option<EntraSide>,
    pub scim: Option<ScimSide>,
    /// Every provisioning app of the tenant (`ConnectionInput::all_apps`).
    pub all_apps: bool,
    /// Harmless fixes applied to the input, for the admin to see.
    pub notes: Vec<String>,
}

/// A stored connection as the UI and the CLI see it. Secrets are represented
/// only by whether they are present in the keychain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Connection {
    pub id: String,
    pub name: String,
    pub entra: Option<EntraSide>,
    pub scim: Option<ScimSide>,
    pub has_scim_token: bool,
    pub has_client_secret: bool,
    #[ts(type = "string")]
    pub created_at: DateTime<Utc>,
    #[ts(type = "string")]
    pub updated_at: DateTime<Utc>,
    /// Set when the connection watches every app of a tenant (the tenant
    /// itself) or is one of those apps; null for a one-app connection.
    #[ts(optional = nullable)]
    #[serde(default)]
    pub group: Option<AppGroup>,
}

/// Where a connection stands in an all-apps tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AppGroup {
    /// `tenant`: the connection naming every app (it owns the one log
    /// stream); `app`: one discovered app of that tenant.
    pub role: GroupRole,
    /// The tenant connection's id and name (its own for the tenant).
    pub tenant_id: String,
    pub tenant_name: String,
    /// An app no longer found in the tenant (or no longer with a provisioning
    /// job): kept read-only with its history, and why.
    pub retired: Option<String>,
    #[ts(type = "string | null")]
    pub retired_at: Option<DateTime<Utc>>,
}

/// See [`AppGroup::role`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum GroupRole {
    Tenant,
    App,
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Validate and normalise connection input. Returns every problem found.
pub fn validate_input(input: &ConnectionInput) -> Result<ValidConnection, ValidationError> {
    let mut errors = Vec::new();
    let mut notes = Vec::new();

    let name = input.name.trim().to_string();
    if name.is_empty() {
        errors.push(FieldError::new("name", "give the connection a name"));
    } else if name.chars().count() > MAX_NAME_LEN {
        errors.push(FieldError::new(
            "name",
            format!("the name is longer than {MAX_NAME_LEN} characters"),
        ));
    } else if name.chars().any(char::is_control) {
        errors.push(FieldError::new(
            "name",
            "the name contains control characters",
        ));
    }

    let tenant = non_empty(&input.tenant_id);
    let scim_url = non_empty(&input.scim_url);
    if tenant.is_none() && scim_url.is_none() {
        errors.push(FieldError::new(
            "tenant_id",
            "enter an Entra tenant, a SCIM Tenant URL, or both",
        ));
        errors.push(FieldError::new(
            "scim_url",
            "enter a SCIM Tenant URL, an Entra tenant, or both",
        ));
    }

    let entra = tenant.and_then(|tenant| {
        let before = errors.len();
        let tenant_id = validate::validate_tenant(tenant)
            .map_err(|m| errors.push(FieldError::new("tenant_id", m)))
            .ok();
        let (login_url, graph_url) = match input.cloud.hosts() {
            Some((l, g)) => {
                for (field, v) in [
                    ("login_url", &input.login_url),
                    ("graph_url", &input.graph_url),
                ] {
                    if non_empty(v).is_some() {
                        errors.push(FieldError::new(
                            field,
                            "only used with the custom cloud; leave it empty or choose Custom",
                        ));
                    }
                }
                (Some(l.to_string()), Some(g.to_string()))
            }
            None => {
                let mut host = |field: &str, v: &Option<String>| match non_empty(v) {
                    None => {
                        errors.push(FieldError::new(field, "required for the custom cloud"));
                        None
                    }
                    Some(raw) => match validate::normalize_endpoint_url(raw) {
                        Ok(n) => Some(n.url),
                        Err(m) => {
                            errors.push(FieldError::new(field, m));
                            None
                        }
                    },
                };
                (
                    host("login_url", &input.login_url),
                    host("graph_url", &input.graph_url),
                )
            }
        };
        let client_id = match non_empty(&input.client_id) {
            Some(c) if validate::is_guid(c) => Some(c.to_ascii_lowercase()),
            Some(_) => {
                errors.push(FieldError::new(
                    "client_id",
                    "the client ID is the app registration's Application (client) ID, a GUID",
                ));
                None
            }
            None if input.auth_mode == AuthMode::Delegated => {
                Some(DEFAULT_PUBLIC_CLIENT_ID.to_string())
            }
            None => {
                errors.push(FieldError::new(
                    "client_id",
                    "unattended sign-in needs the app registration's client ID",
                ));
                None
            }
        };
        let app = non_empty(&input.app).map(str::to_string);
        if input.all_apps == Some(true) && app.is_some() {
            errors.push(FieldError::new(
                "app",
                "choose one enterprise app or all provisioning apps in this tenant, not both",
            ));
        }
        if let Some(a) = &app {
            if a.chars().count() > 256 || a.chars().any(char::is_control) {
                errors.push(FieldError::new(
                    "app",
                    "enter the enterprise app's display name or its application ID",
                ));
            }
        }
        if errors.len() != before {
            return None;
        }
        Some(EntraSide {
            cloud: input.cloud,
            login_url: login_url?,
            graph_url: graph_url?,
            tenant_id: tenant_id?,
            client_id: client_id?,
            auth_mode: input.auth_mode,
            app,
            service_principal_id: None,
            app_id: None,
            app_display_name: None,
            job_id: None,
        })
    });
    if tenant.is_none() && input.all_apps == Some(true) {
        errors.push(FieldError::new(
            "all_apps",
            "watching every app needs an Entra tenant; enter the tenant too",
        ));
    }
    if input.all_apps == Some(true) && scim_url.is_some() {
        errors.push(FieldError::new(
            "scim_url",
            "a SCIM Tenant URL belongs to one app: add it to that app's connection once the tenant's apps are discovered",
        ));
    }
    if tenant.is_none() {
        for (field, v) in [("client_id", &input.client_id), ("app", &input.app)] {
            if non_empty(v).is_some() {
                errors.push(FieldError::new(
                    field,
                    "needs an Entra tenant; enter the tenant too",
                ));
            }
        }
    }

    let scim = scim_url.and_then(|raw| {
        let url = match validate::normalize_endpoint_url(raw) {
            Ok(n) => {
                notes.extend(n.notes.into_iter().map(|n| format!("Tenant URL: {n}")));
                n.url
            }
            Err(m) => {
                errors.push(FieldError::new("scim_url", m));
                return None;
            }
        };
        if !validate::looks_like_scim_root(&url) {
            notes.push(
                "Tenant URL: the path has no `/scim` or `/v2` part; most SaaS need one (Test Connection will tell)"
                    .into(),
            );
        }
        let token_expires_at = match non_empty(&input.scim_token_expires) {
            None => None,
            Some(d) => match validate::parse_user_date(d) {
                Ok(dt) => Some(dt),
                Err(m) => {
                    errors.push(FieldError::new("scim_token_expires", m));
                    return None;
                }
            },
        };
        Some(ScimSide {
            url,
            token_expires_at,
        })
    });
    if scim_url.is_none() && non_empty(&input.scim_token_expires).is_some() {
        errors.push(FieldError::new(
            "scim_token_expires",
            "needs a SCIM Tenant URL; enter the URL too",
        ));
    }

    if errors.is_empty() {
        Ok(ValidConnection {
            name,
            entra,
            scim,
            all_apps: input.all_apps == Some(true),
            notes,
        })
    } else {
        Err(ValidationError { fields: errors })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(e: &ValidationError) -> Vec<&str> {
        e.fields.iter().map(|f| f.field.as_str()).collect()
    }

    #[test]
    fn scim_only_connection() {
        let v = validate_input(&ConnectionInput {
            name: " Acme SaaS ".into(),
            scim_url: Some("https://acme.example.com/scim/v2/".into()),
            scim_token_expires: Some("2027-01-31".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(v.name, "Acme SaaS");
        assert!(v.entra.is_none());
        let scim = v.scim.unwrap();
        assert_eq!(scim.url, "https://acme.example.com/scim/v2");
        assert_eq!(
            scim.token_expires_at.unwrap().to_rfc3339(),
            "2027-01-31T23:59:59+00:00"
        );
        assert!(v.notes.iter().any(|n| n.contains("trailing slash")));
    }

    #[test]
    fn entra_only_connection_gets_cloud_hosts_and_default_client() {
        let v = validate_input(&ConnectionInput {
            name: "Contoso".into(),
            cloud: Cloud::Usgov,
            tenant_id: Some("contoso.onmicrosoft.us".into()),
            app: Some("Acme".into()),
            ..Default::default()
        })
        .unwrap();
        let e = v.entra.unwrap();
        assert_eq!(e.graph_url, "https://graph.microsoft.us");
        assert_eq!(e.login_url, "https://login.microsoftonline.us");
        assert_eq!(e.client_id, DEFAULT_PUBLIC_CLIENT_ID);
        assert!(v.scim.is_none());
    }

    #[test]
    fn all_apps_is_refused_with_an_app_without_a_tenant_and_with_a_scim_url() {
        let ok = validate_input(&ConnectionInput {
            name: "Contoso".into(),
            tenant_id: Some("contoso.onmicrosoft.com".into()),
            all_apps: Some(true),
            ..Default::default()
        })
        .unwrap();
        assert!(ok.all_apps);
        assert_eq!(ok.entra.unwrap().app, None);
        let e = validate_input(&ConnectionInput {
            name: "Contoso".into(),
            tenant_id: Some("contoso.onmicrosoft.com".into()),
            app: Some("Acme".into()),
            all_apps: Some(true),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(fields(&e), vec!["app"]);
        assert!(e.fields[0].message.contains("not both"));
        let e = validate_input(&ConnectionInput {
            name: "x".into(),
            scim_url: Some("https://acme.example.com/scim/v2".into()),
            all_apps: Some(true),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(fields(&e), vec!["all_apps", "scim_url"]);
        // Not asked: a one-app connection as before.
        let one = validate_input(&ConnectionInput {
            name: "Contoso".into(),
            tenant_id: Some("contoso.onmicrosoft.com".into()),
            all_apps: Some(false),
            ..Default::default()
        })
        .unwrap();
        assert!(!one.all_apps);
    }

    #[test]
    fn neither_side_is_refused_on_both_fields() {
        let e = validate_input(&ConnectionInput {
            name: "x".into(),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(fields(&e), ["tenant_id", "scim_url"]);
    }

    #[test]
    fn every_problem_is_reported() {
        let e = validate_input(&ConnectionInput {
            name: "".into(),
            tenant_id: Some("nope".into()),
            client_id: Some("xyz".into()),
            scim_url: Some("http://example.com/scim".into()),
            scim_token_expires: Some("tomorrow".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(fields(&e), ["name", "tenant_id", "client_id", "scim_url"]);
    }

    #[test]
    fn custom_cloud_needs_both_urls() {
        let e = validate_input(&ConnectionInput {
            name: "sim".into(),
            cloud: Cloud::Custom,
            tenant_id: Some("72f988bf-86f1-41af-91ab-2d7cd011db47".into()),
            login_url: Some("http://127.0.0.1:9000".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(fields(&e), ["graph_url"]);
        let ok = validate_input(&ConnectionInput {
            name: "sim".into(),
            cloud: Cloud::Custom,
            tenant_id: Some("72f988bf-86f1-41af-91ab-2d7cd011db47".into()),
            login_url: Some("http://127.0.0.1:9000/".into()),
            graph_url: Some("http://127.0.0.1:9000".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(ok.entra.unwrap().login_url, "http://127.0.0.1:9000");
    }

    #[test]
    fn unattended_needs_client_id() {
        let e = validate_input(&ConnectionInput {
            name: "x".into(),
            tenant_id: Some("contoso.onmicrosoft.com".into()),
            auth_mode: AuthMode::ClientSecret,
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(fields(&e), ["client_id"]);
    }

    #[test]
    fn cloud_and_auth_mode_parse() {
        assert_eq!(Cloud::parse("USGov"), Some(Cloud::Usgov));
        assert_eq!(Cloud::parse("mars"), None);
        assert_eq!(
            AuthMode::parse("client-secret"),
            Some(AuthMode::ClientSecret)
        );
        for c in [Cloud::Global, Cloud::Usgov, Cloud::China, Cloud::Custom] {
            assert_eq!(Cloud::parse(c.as_str()), Some(c));
        }
    }
}
