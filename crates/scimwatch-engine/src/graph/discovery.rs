//! App discovery: find the enterprise app (service principal) by display name
//! or appId, choose its provisioning job, store the ids with the connection.

use std::collections::HashSet;
use std::time::Duration;

use scimwatch_core::fleet::{FoundApp, JobSeen};
use scimwatch_core::graph::{ServicePrincipal, SynchronizationJob};
use serde::Serialize;
use ts_rs::TS;

use super::client::{Family, GraphClient};
use super::error::GraphError;
use crate::store::connections::{self as rows, ConnectionRow};
use crate::store::Store;

/// What discovery found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Discovery {
    pub service_principal_id: String,
    pub app_id: Option<String>,
    pub app_display_name: Option<String>,
    pub job_id: String,
    /// Other provisioning jobs of the app, not watched.
    pub other_jobs: Vec<String>,
}

fn is_guid(s: &str) -> bool {
    uuid::Uuid::parse_str(s.trim()).is_ok() && s.trim().len() == 36
}

/// The `$filter` for what the admin typed: `appId eq` for a GUID, else
/// `displayName eq` with single quotes doubled.
pub fn app_filter(query: &str) -> String {
    let q = query.trim();
    if is_guid(q) {
        format!("appId eq '{}'", q.to_ascii_lowercase())
    } else {
        format!("displayName eq '{}'", q.replace('\'', "''"))
    }
}

/// Choose the job to watch: the first whose id starts `scim.`, else the
/// first. Returns `(chosen, others)`.
pub fn choose_job(jobs: &[SynchronizationJob]) -> Option<(String, Vec<String>)> {
    let chosen = jobs
        .iter()
        .find(|j| j.id.to_ascii_lowercase().starts_with("scim."))
        .or_else(|| jobs.first())?;
    let others = jobs
        .iter()
        .filter(|j| j.id != chosen.id)
        .map(|j| j.id.clone())
        .collect();
    Some((chosen.id.clone(), others))
}

/// Find the app and its job.
pub async fn discover_app(client: &GraphClient, query: &str) -> Result<Discovery, GraphError> {
    let filter = app_filter(query);
    let mut u = url::Url::parse(&client.url("/servicePrincipals"))
        .map_err(|e| GraphError::Config(format!("bad Graph URL: {e}")))?;
    u.query_pairs_mut()
        .append_pair("$filter", &filter)
        .append_pair("$select", "id,appId,displayName,tags")
        .append_pair("$top", "999");
    let path = &u.as_str()[client.url("").len()..];
    let sps: Vec<ServicePrincipal> = client
        .get_all(path, Family::Directory, "servicePrincipals")
        .await?;
    let sps: Vec<&ServicePrincipal> = sps.iter().filter(|s| s.id.is_some()).collect();
    let sp = match sps.as_slice() {
        [] => return Err(GraphError::AppNotFound(query.trim().to_string())),
        [one] => *one,
        many => {
            let list = many
                .iter()
                .map(|s| {
                    format!(
                        "{} (appId {})",
                        s.display_name.as_deref().unwrap_or("?"),
                        s.app_id.as_deref().unwrap_or("?")
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            return Err(GraphError::AppAmbiguous {
                name: query.trim().to_string(),
                list,
            });
        }
    };
    let sp_id = sp.id.clone().unwrap_or_default();
    let jobs: Vec<SynchronizationJob> = client
        .get_all(
            &format!("/servicePrincipals/{sp_id}/synchronization/jobs"),
            Family::Synchronization,
            "the app's provisioning jobs",
        )
        .await?;
    let name = sp
        .display_name
        .clone()
        .unwrap_or_else(|| query.trim().to_string());
    let (job_id, other_jobs) = choose_job(&jobs).ok_or(GraphError::NoProvisioningJob(name))?;
    Ok(Discovery {
        service_principal_id: sp_id,
        app_id: sp.app_id.clone(),
        app_display_name: sp.display_name.clone(),
        job_id,
        other_jobs,
    })
}

/// Discover the connection's app (its `app_query`) and store the ids.
pub async fn discover_and_store(
    store: &Store,
    client: &GraphClient,
    row: &ConnectionRow,
    now_ms: i64,
) -> Result<Discovery, GraphError> {
    let query = row.app_query.as_deref().filter(|q| !q.trim().is_empty()).ok_or_else(|| {
        GraphError::Config(format!(
            "connection \u{201c}{}\u{201d} does not say which enterprise app to watch; enter its display name or Application ID",
            row.name
        ))
    })?;
    let d = discover_app(client, query).await?;
    rows::set_discovery(
        store.pool(),
        &row.uuid,
        &d.service_principal_id,
        d.app_id.as_deref(),
        d.app_display_name.as_deref(),
        Some(&d.job_id),
        now_ms,
    )
    .await?;
    Ok(d)
}

/// Microsoft's own tenants: the first-party service principals they own
/// (hundreds in every tenant) never carry a customer's provisioning job,
/// so discovery does not ask for their jobs.
pub const MICROSOFT_TENANTS: [&str; 2] = [
    "f8cdef31-a31e-4b4a-93e4-5f571e91255a",
    "72f988bf-86f1-41af-91ab-2d7cd011db47",
];

/// What one all-apps discovery read.
#[derive(Debug, Clone, Default)]
pub struct FleetListing {
    /// Service principals found with a job (or whose jobs were refused),
    /// among those not already watched.
    pub found: Vec<FoundApp>,
    /// Every service principal id listed.
    pub listed: Vec<String>,
    /// Candidates whose jobs were read and that have none (not asked
    /// again for a while: see the poller's `NO_JOB_RECHECK`).
    pub no_job: Vec<String>,
    /// The listing and every job read finished.
    pub complete: bool,
    /// Graph requests made.
    pub requests: u32,
    /// Why it stopped early, when it did.
    pub interrupted: Option<String>,
}

/// Whether `sp` may carry a customer's provisioning job.
pub fn is_candidate(sp: &ServicePrincipal) -> bool {
    let first_party = sp.app_owner_organization_id.as_deref().is_some_and(|o| {
        MICROSOFT_TENANTS
            .iter()
            .any(|m| m.eq_ignore_ascii_case(o.trim()))
    });
    let kind_ok = sp
        .service_principal_type
        .as_deref()
        .is_none_or(|t| t.eq_ignore_ascii_case("Application"));
    sp.id.is_some() && !first_party && kind_ok
}

/// List the tenant's service principals (`$select` of the few fields
/// needed, 999 a page) and read the provisioning jobs of the candidates not
/// in `skip` (apps already watched: their jobs are read by their own
/// stream), `pace` apart. A job read refused for a permission is
/// [`JobSeen::Denied`]; any other failure of a job read ends the discovery
/// early (`complete = false`, what was found is kept); a failed listing is
/// the error.
pub async fn discover_fleet(
    client: &GraphClient,
    skip: &HashSet<String>,
    pace: Duration,
) -> Result<FleetListing, GraphError> {
    let mut u = url::Url::parse(&client.url("/servicePrincipals"))
        .map_err(|e| GraphError::Config(format!("bad Graph URL: {e}")))?;
    u.query_pairs_mut()
        .append_pair(
            "$select",
            "id,appId,displayName,appOwnerOrganizationId,servicePrincipalType",
        )
        .append_pair("$top", "999");
    let path = &u.as_str()[client.url("").len()..];
    let sps: Vec<ServicePrincipal> = client
        .get_all(path, Family::Directory, "the tenant's enterprise apps")
        .await?;
    let mut out = FleetListing {
        listed: sps.iter().filter_map(|s| s.id.clone()).collect(),
        requests: 1,
        ..FleetListing::default()
    };
    let mut first = true;
    for sp in sps.iter().filter(|s| is_candidate(s)) {
        let sp_id = sp.id.clone().unwrap_or_default();
        if skip.contains(&sp_id.to_ascii_lowercase()) {
            continue;
        }
        if !first && !pace.is_zero() {
            tokio::time::sleep(pace).await;
        }
        first = false;
        out.requests += 1;
        let jobs: Result<Vec<SynchronizationJob>, GraphError> = client
            .get_all(
                &format!("/servicePrincipals/{sp_id}/synchronization/jobs"),
                Family::Synchronization,
                "the app's provisioning jobs",
            )
            .await;
        let job = match jobs {
            Ok(jobs) => match choose_job(&jobs) {
                Some((id, _)) => JobSeen::Job(id),
                None => {
                    out.no_job.push(sp_id);
                    continue;
                }
            },
            Err(e) if e.is_permission() => JobSeen::Denied,
            // Deleted between the listing and now.
            Err(GraphError::NotFound(_)) => continue,
            Err(e) => {
                out.interrupted = Some(e.to_string());
                return Ok(out);
            }
        };
        out.found.push(FoundApp {
            service_principal_id: sp_id,
            app_id: sp.app_id.clone(),
            display_name: sp.display_name.clone(),
            job,
        });
    }
    out.complete = true;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters() {
        assert_eq!(app_filter("Acme's SCIM"), "displayName eq 'Acme''s SCIM'");
        assert_eq!(
            app_filter(" 0A1B2C3D-0000-4000-8000-000000000001 "),
            "appId eq '0a1b2c3d-0000-4000-8000-000000000001'"
        );
    }

    #[test]
    fn prefers_scim_jobs() {
        let job = |id: &str| SynchronizationJob {
            id: id.into(),
            template_id: None,
            schedule: None,
            status: None,
            synchronization_job_settings: vec![],
        };
        let (c, o) = choose_job(&[job("gallery.1"), job("scim.a"), job("scim.b")]).unwrap();
        assert_eq!(c, "scim.a");
        assert_eq!(o, vec!["gallery.1".to_string(), "scim.b".to_string()]);
        assert_eq!(choose_job(&[job("x.1")]).unwrap().0, "x.1");
        assert!(choose_job(&[]).is_none());
    }
}
