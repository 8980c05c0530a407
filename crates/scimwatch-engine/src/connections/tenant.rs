//! Editing and removing the connections of an all-apps tenant: an app
//! connection keeps the tenant's Entra side (its sign-in is the tenant's),
//! and is removed with the tenant, or on its own once retired.

use scimwatch_core::{AuthMode, Cloud, ConnectionInput, FieldError, ValidationError};

use crate::error::EngineError;
use crate::store::connections::ConnectionRow;

/// For an app connection of a tenant, `input` with the Entra side put back
/// to the stored one (what the admin may change there is its name and its
/// SCIM side); `None` for any other connection. Switching a connection
/// between one app and every app is refused: add a new connection.
pub(super) fn pin_app_entra(
    existing: &ConnectionRow,
    input: &ConnectionInput,
) -> Result<Option<ConnectionInput>, EngineError> {
    if let Some(all) = input.all_apps {
        if all != existing.all_apps {
            return Err(ValidationError {
                fields: vec![FieldError::new(
                    "all_apps",
                    if all {
                        "a connection watching one app cannot become one watching every app; add a new connection with all apps"
                    } else {
                        "a connection watching every app of a tenant cannot become one watching one app; each of its apps already has its own connection"
                    },
                )],
            }
            .into());
        }
    }
    let names_app = input.app.as_deref().is_some_and(|a| !a.trim().is_empty());
    if existing.all_apps && names_app {
        return Err(ValidationError {
            fields: vec![FieldError::new(
                "app",
                "this connection watches every app of its tenant: it names no single app (each app has its own connection)",
            )],
        }
        .into());
    }
    let names_scim = input
        .scim_url
        .as_deref()
        .is_some_and(|u| !u.trim().is_empty());
    if existing.all_apps && names_scim {
        return Err(ValidationError {
            fields: vec![FieldError::new(
                "scim_url",
                "a SCIM Tenant URL belongs to one app: add it to that app's connection",
            )],
        }
        .into());
    }
    if existing.tenant_connection_id.is_none() {
        return Ok(None);
    }
    let cloud = existing
        .cloud
        .as_deref()
        .and_then(Cloud::parse)
        .unwrap_or_default();
    let custom = cloud == Cloud::Custom;
    Ok(Some(ConnectionInput {
        cloud,
        login_url: existing.login_url.clone().filter(|_| custom),
        graph_url: existing.graph_url.clone().filter(|_| custom),
        tenant_id: existing.tenant_id.clone(),
        client_id: existing.client_id.clone(),
        auth_mode: existing
            .auth_mode
            .as_deref()
            .and_then(AuthMode::parse)
            .unwrap_or_default(),
        app: existing.app_query.clone(),
        all_apps: None,
        ..input.clone()
    }))
}

/// An app connection still watched comes back at the next discovery if
/// removed: refuse, saying what to do instead.
pub(super) fn may_remove(row: &ConnectionRow) -> Result<(), EngineError> {
    match (&row.tenant_name, row.retired_ms) {
        (Some(tenant), None) => Err(EngineError::Conflict(format!(
            "\u{201c}{}\u{201d} is one of the apps of \u{201c}{tenant}\u{201d}, which watches every provisioning app of its tenant: \
             it is watched while the app has a provisioning job. Remove \u{201c}{tenant}\u{201d} to stop watching the tenant \
             (a retired app can be removed on its own)",
            row.name
        ))),
        _ => Ok(()),
    }
}
