//! `connections list` for all-apps tenants: each tenant with its apps under
//! it, worst first (the engine's `read_models::fleet::tenant_apps`); `status` of
//! a tenant: its apps, what needs attention, its Graph budget.

use std::collections::HashMap;

use scimwatch_core::connection::GroupRole;
use scimwatch_core::Connection;
use scimwatch_engine::api::overview::StatusReport;
use scimwatch_engine::read_models::fleet::{tenant_apps, TenantApp, TenantSummary};
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

/// `status` of one connection: the Entra status report, and for an
/// all-apps tenant its summary (`--json`: a `tenant` field beside the
/// report's own; absent for any other connection).
#[derive(Debug, serde::Serialize)]
pub struct StatusOut {
    #[serde(flatten)]
    pub report: StatusReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant: Option<TenantSummary>,
}

/// `status` of an all-apps tenant: it has no job of its own, so instead of
/// one job's lines, its streams (`streams`: the tenant-wide log stream and
/// the discovery) and its apps worst first, with its Graph budget.
pub fn print_tenant_status(r: &StatusReport, streams: &[String], s: &TenantSummary) {
    println!("{}  ({})", r.connection, r.connection_id);
    println!("  tenant       every app with a provisioning job (one provisioning-log stream)");
    for (i, line) in streams.iter().enumerate() {
        println!("  {:<12} {line}", if i == 0 { "streams" } else { "" });
    }
    println!(
        "  apps         {} watched · {} need attention{}",
        s.watched,
        s.in_trouble,
        if s.retired > 0 {
            format!(" · {} retired", s.retired)
        } else {
            String::new()
        }
    );
    println!(
        "  graph budget {} requests an hour planned of {} (jobs in trouble every {} min, steady jobs every {} min, configuration every {} min)",
        s.planned_per_hour,
        s.budget_per_hour,
        s.trouble_every_minutes,
        s.steady_every_minutes,
        s.config_every_minutes
    );
    if s.apps.is_empty() {
        println!("  apps         none found yet (discovery runs with `poll` and `watch`)");
    }
    for a in &s.apps {
        println!("    {}  ({})", a.connection.name, a.connection.id);
        println!("      {}", a.state);
    }
    println!("  events       {} stored (under each app)", r.events_stored);
}
