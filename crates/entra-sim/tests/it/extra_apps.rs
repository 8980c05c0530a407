//! More provisioning apps in the one tenant (`SimConfig::extra_apps`): each
//! a listed service principal with its own job in Graph's shape, events in
//! the tenant-wide provisioning log naming its service principal and job,
//! the per-app filters, and the two things a watched fleet meets (an app
//! whose jobs answer 401 `UnknownError`, an app deleted).

#![allow(clippy::unwrap_used)]

use crate::common;

use common::{assert_superset, example, get, get_json};
use entra_sim::{Sim, SimConfig};

#[tokio::test]
async fn extra_apps_have_jobs_and_events_in_the_tenant_wide_log() {
    let sim = Sim::start(SimConfig {
        extra_apps: 2,
        ..SimConfig::for_tests()
    })
    .await
    .unwrap();
    let info = sim.info();
    let base = format!("{}/v1.0", info.graph_url);
    let apps = sim.extra_apps();
    assert_eq!(apps.len(), 2);
    assert_eq!(apps[0].display_name, "Contoso HR");
    assert!(apps[0].job_id.starts_with("scim."));

    // Listed with the others, `$select`ed as a fleet discovery asks.
    let list = get_json(&format!(
        "{base}/servicePrincipals?$select=id,appId,displayName,appOwnerOrganizationId,servicePrincipalType&$top=999"
    ))
    .await;
    let ids: Vec<&str> = list["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    for a in &apps {
        assert!(ids.contains(&a.service_principal_id.as_str()), "{ids:?}");
    }
    assert!(
        list["value"][0].get("tags").is_none(),
        "$select keeps five fields"
    );

    // Each has its job, in Graph's shape.
    sim.run_cycle().await;
    let sp = &apps[1].service_principal_id;
    let jobs = get_json(&format!(
        "{base}/servicePrincipals/{sp}/synchronization/jobs"
    ))
    .await;
    assert_eq!(jobs["value"][0]["id"], apps[1].job_id.as_str());
    assert_superset(&example("synchronizationjob-list.json"), &jobs, "", &[]);
    let job = get_json(&format!(
        "{base}/servicePrincipals/{sp}/synchronization/jobs/{}",
        apps[1].job_id
    ))
    .await;
    assert_eq!(job["status"]["code"], "Active");
    assert_eq!(job["status"]["lastExecution"]["state"], "Succeeded");
    let (status, _, _) = get(&format!(
        "{base}/servicePrincipals/{sp}/synchronization/jobs/{}",
        info.job_id
    ))
    .await;
    assert_eq!(status, 404, "another app's job is not this app's");

    // One log for the tenant: every app's events, each naming its app.
    let all = get_json(&format!("{base}/auditLogs/provisioning?$top=1000")).await;
    let events = all["value"].as_array().unwrap();
    for a in &apps {
        let mine: Vec<_> = events
            .iter()
            .filter(|e| e["servicePrincipal"]["id"] == a.service_principal_id.as_str())
            .collect();
        assert_eq!(mine.len(), 1, "{}", a.display_name);
        assert_eq!(mine[0]["jobId"], a.job_id.as_str());
        assert_eq!(
            mine[0]["servicePrincipal"]["displayName"],
            a.display_name.as_str()
        );
        assert_eq!(mine[0]["provisioningStatusInfo"]["status"], "success");
    }
    let main = events
        .iter()
        .filter(|e| e["servicePrincipal"]["id"] == info.service_principal_id.as_str())
        .count();
    assert_eq!(main + 2, events.len());
    // Filtered by one app: its events only.
    let one = get_json(&format!(
        "{base}/auditLogs/provisioning?$filter=servicePrincipal/id%20eq%20'{sp}'"
    ))
    .await;
    assert_eq!(one["value"].as_array().unwrap().len(), 1);
    let by_job = get_json(&format!(
        "{base}/auditLogs/provisioning?$filter=jobId%20eq%20'{}'",
        info.job_id
    ))
    .await;
    assert_eq!(by_job["value"].as_array().unwrap().len(), main);
    let neither = get_json(&format!(
        "{base}/auditLogs/provisioning?$filter=jobId%20eq%20'{}'%20and%20servicePrincipal/id%20eq%20'{sp}'",
        info.job_id
    ))
    .await;
    assert!(neither["value"].as_array().unwrap().is_empty());

    // The admin may not read one app's provisioning: 401 UnknownError, empty
    // message (the others still answer).
    sim.deny_app_jobs(1, true).unwrap();
    let denied_sp = &apps[0].service_principal_id;
    let (status, _, body) = get(&format!(
        "{base}/servicePrincipals/{denied_sp}/synchronization/jobs"
    ))
    .await;
    assert_eq!(status, 401, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"]["code"], "UnknownError");
    assert_eq!(v["error"]["message"], "");
    get_json(&format!(
        "{base}/servicePrincipals/{sp}/synchronization/jobs"
    ))
    .await;

    // Deleted while watched: gone from the list, 404, its past events stay.
    sim.delete_app(2).unwrap();
    let (status, _, _) = get(&format!(
        "{base}/servicePrincipals/{sp}/synchronization/jobs"
    ))
    .await;
    assert_eq!(status, 404);
    let list = get_json(&format!("{base}/servicePrincipals")).await;
    assert!(!list["value"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["id"] == sp.as_str()));
    sim.run_cycle().await;
    let one = get_json(&format!(
        "{base}/auditLogs/provisioning?$filter=servicePrincipal/id%20eq%20'{sp}'"
    ))
    .await;
    assert_eq!(
        one["value"].as_array().unwrap().len(),
        1,
        "no new cycle, history kept"
    );
    assert!(sim.delete_app(3).is_err(), "numbered from 1, two apps");
    sim.shutdown().await;
}
