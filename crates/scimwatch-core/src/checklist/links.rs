//! Deep links into the Entra admin center for one enterprise app.
//!
//! Formats (fragment routes of the portal's `ManagedAppMenuBlade`; `{sp}` is
//! the service principal's object ID, `{app}` the application (client) ID):
//!
//! | page | URL |
//! |---|---|
//! | Overview | `{base}/#view/Microsoft_AAD_IAM/ManagedAppMenuBlade/~/Overview/objectId/{sp}/appId/{app}` |
//! | Provisioning | `{base}/#view/Microsoft_AAD_IAM/ManagedAppMenuBlade/~/Provisioning/objectId/{sp}/appId/{app}` |
//! | Users and groups | `{base}/#view/Microsoft_AAD_IAM/ManagedAppMenuBlade/~/Users/objectId/{sp}/appId/{app}` |
//! | Attribute mappings | the Provisioning page (Mappings is a section of it; the portal has no stable route to it) |
//! | Provisioning logs | `{base}/#view/Microsoft_AAD_IAM/ManagedAppMenuBlade/~/ProvisioningActivity/objectId/{sp}/appId/{app}` (unverified against a live tenant; the fix steps also give the click path) |
//!
//! `{base}` is [`super::Context::portal_base`]: `https://entra.microsoft.com`
//! for the global cloud; the national clouds use their Azure portal hosts,
//! which serve the same routes (see [`portal_base_for`]). The link does not
//! pin the tenant: an admin of several tenants must be signed in to the right one.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::connection::Cloud;

/// Global Entra admin center.
pub const ENTRA_ADMIN_CENTER: &str = "https://entra.microsoft.com";

/// A page of the enterprise app in the admin center.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PortalPage {
    Overview,
    Provisioning,
    UsersAndGroups,
    AttributeMappings,
    ProvisioningLogs,
}

impl PortalPage {
    fn route(self) -> &'static str {
        match self {
            PortalPage::Overview => "Overview",
            PortalPage::Provisioning | PortalPage::AttributeMappings => "Provisioning",
            PortalPage::UsersAndGroups => "Users",
            PortalPage::ProvisioningLogs => "ProvisioningActivity",
        }
    }

    /// What the link opens, for link text.
    pub fn label(self) -> &'static str {
        match self {
            PortalPage::Overview => "Open the app in the Entra admin center",
            PortalPage::Provisioning => "Open the app's Provisioning page",
            PortalPage::UsersAndGroups => "Open the app's Users and groups page",
            PortalPage::AttributeMappings => "Open the app's Provisioning page (Mappings)",
            PortalPage::ProvisioningLogs => "Open the app's provisioning logs",
        }
    }
}

/// The admin-center host of a cloud; `None` for a custom cloud.
pub fn portal_base_for(cloud: Cloud) -> Option<&'static str> {
    match cloud {
        Cloud::Global => Some(ENTRA_ADMIN_CENTER),
        Cloud::Usgov => Some("https://portal.azure.us"),
        Cloud::China => Some("https://portal.azure.cn"),
        Cloud::Custom => None,
    }
}

fn safe_id(s: Option<&str>) -> Option<&str> {
    s.map(str::trim)
        .filter(|s| !s.is_empty() && s.len() <= 64)
        .filter(|s| s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

/// A deep link to `page` of the app, or `None` when the app's IDs are not
/// known (or not plain IDs) or the portal base is not an https URL.
pub fn deep_link(
    portal_base: &str,
    service_principal_id: Option<&str>,
    app_id: Option<&str>,
    page: PortalPage,
) -> Option<String> {
    let base = portal_base.trim().trim_end_matches('/');
    let parsed = url::Url::parse(base).ok()?;
    if parsed.scheme() != "https" || parsed.host_str().is_none() || base.contains('#') {
        return None;
    }
    let sp = safe_id(service_principal_id)?;
    let app = safe_id(app_id)?;
    Some(format!(
        "{base}/#view/Microsoft_AAD_IAM/ManagedAppMenuBlade/~/{}/objectId/{sp}/appId/{app}",
        page.route()
    ))
}
