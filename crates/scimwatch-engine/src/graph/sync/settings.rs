//! The settings readable from the job's secrets (Tenant URL, scope, whether
//! a secret token is set), stored as a configuration version with a human
//! summary of what changed.

use scimwatch_core::graph::job::ConfigKind;
use scimwatch_core::graph::SynchronizationSecrets;
use serde::{Deserialize, Serialize};

use super::{store_config, WatchIds};

use crate::graph::client::{Family, GraphClient};
use crate::graph::error::GraphError;
use crate::store::Store;

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
