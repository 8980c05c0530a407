//! `connections list` for all-apps tenants: each tenant with its apps under
//! it, worst first (the engine's `read_models::fleet::tenant_apps`).

use std::collections::HashMap;

use scimwatch_core::connection::GroupRole;
use scimwatch_core::Connection;
use scimwatch_engine::read_models::fleet::{tenant_apps, TenantApp};
use scimwatch_engine::{EngineError, Store};

/// The apps of each all-apps tenant in a list, by the tenant's id.
pub type TenantsApps = HashMap<String, Vec<TenantApp>>;

/// Whether `c` is one app of an all-apps tenant (listed under its tenant).
pub fn is_app(c: &Connection) -> bool {
    c.group.as_ref().is_some_and(|g| g.role == GroupRole::App)
}

/// The apps of every all-apps tenant in `list`.
pub async fn tenants_apps(store: &Store, list: &[Connection]) -> Result<TenantsApps, EngineError> {
    let mut out = HashMap::new();
    for c in list.iter().filter(|c| {
        c.group
            .as_ref()
            .is_some_and(|g| g.role == GroupRole::Tenant)
    }) {
        out.insert(c.id.clone(), tenant_apps(store, &c.id).await?);
    }
    Ok(out)
}

/// A tenant's lines after its name: where it signs in, then its apps.
pub fn print_tenant(c: &Connection, apps: &[TenantApp]) {
    match &c.entra {
        Some(e) => println!(
            "  Entra:  tenant {} · {} cloud · every app with a provisioning job (one log stream)",
            e.tenant_id,
            e.cloud.as_str()
        ),
        None => println!("  Entra:  not watched"),
    }
    if apps.is_empty() {
        println!("  Apps:   none found yet (discovery runs with `poll` and `watch`)");
        return;
    }
    let watched = apps
        .iter()
        .filter(|a| {
            a.connection
                .group
                .as_ref()
                .is_none_or(|g| g.retired.is_none())
        })
        .count();
    println!("  Apps:   {watched} watched, worst first");
    for a in apps {
        let job = a
            .connection
            .entra
            .as_ref()
            .and_then(|e| e.job_id.as_deref())
            .map(|j| format!(" · job {j}"))
            .unwrap_or_default();
        println!("    {}  ({}){job}", a.connection.name, a.connection.id);
        println!("      {}", a.state);
    }
}
