//! Every kind of Graph response the sim produces carries the field set of
//! Microsoft's published examples.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use crate::common;

use common::{assert_superset, example, get, get_json, sim};
use entra_sim::Fault;

#[tokio::test]
async fn responses_carry_microsofts_field_sets() {
    let sim = sim().await;
    let info = sim.info();
    let base = format!("{}/v1.0", info.graph_url);
    let sp = &info.service_principal_id;
    let r = sim.run_cycle().await;
    assert!(r.ran && r.created > 0, "{r:?}");
    sim.seed_events(500);

    // service principals
    let list = get_json(&format!("{base}/servicePrincipals")).await;
    for f in [
        "serviceprincipal-list-v1.0-ex1-list.json",
        "serviceprincipal-list-v1.0-old-fullobject.json",
        "serviceprincipal-list-v1.0-ex3-filter-startswith.json",
    ] {
        assert_superset(&example(f), &list, "", &["@odata.count"]);
    }
    let filtered = get_json(&format!(
        "{base}/servicePrincipals?$filter=displayName%20eq%20'{}'",
        info.app_display_name.replace(' ', "%20")
    ))
    .await;
    assert_eq!(filtered["value"].as_array().unwrap().len(), 1);
    assert_eq!(
        filtered["value"][0]["id"],
        info.service_principal_id.as_str()
    );
    let app_id = filtered["value"][0]["appId"].as_str().unwrap().to_string();
    let by_app = get_json(&format!(
        "{base}/servicePrincipals?$filter=appId%20eq%20'{app_id}'"
    ))
    .await;
    assert_eq!(by_app["value"][0]["id"], info.service_principal_id.as_str());
    let counted = get_json(&format!(
        "{base}/servicePrincipals?$filter=startswith(displayName,'North')&$count=true"
    ))
    .await;
    assert_eq!(counted["@odata.count"], 1);
    let one = get_json(&format!("{base}/servicePrincipals/{sp}")).await;
    assert_eq!(one["displayName"], info.app_display_name.as_str());

    // assignments
    let assigned = get_json(&format!("{base}/servicePrincipals/{sp}/appRoleAssignedTo")).await;
    assert_superset(
        &example("approleassignedto-list-v1.0.json"),
        &assigned,
        "",
        &[],
    );

    // jobs, job, schema, secrets
    let jobs = get_json(&format!(
        "{base}/servicePrincipals/{sp}/synchronization/jobs"
    ))
    .await;
    assert_superset(&example("synchronizationjob-list.json"), &jobs, "", &[]);
    assert!(jobs["value"][0]["id"]
        .as_str()
        .unwrap()
        .starts_with("scim."));
    let job = get_json(&format!(
        "{base}/servicePrincipals/{sp}/synchronization/jobs/{}",
        info.job_id
    ))
    .await;
    assert_superset(
        &example("synchronizationjob-create-notconfigured-entra-docs.json"),
        &job,
        "",
        &["quarantine"],
    );
    assert_eq!(job["schedule"]["interval"], "PT40M");
    assert_eq!(job["status"]["code"], "Active");
    let schema = get_json(&format!(
        "{base}/servicePrincipals/{sp}/synchronization/jobs/{}/schema",
        info.job_id
    ))
    .await;
    assert_superset(&example("synchronizationschema-get.json"), &schema, "", &[]);
    let mappings = schema["synchronizationRules"][0]["objectMappings"]
        .as_array()
        .unwrap();
    assert!(mappings
        .iter()
        .any(|m| m["sourceObjectName"] == "User" && m["enabled"] == true));
    assert!(mappings
        .iter()
        .any(|m| m["sourceObjectName"] == "Group" && m["enabled"] == true));
    assert!(mappings[0]["attributeMappings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["matchingPriority"].as_i64() > Some(0)));
    let secrets = get_json(&format!(
        "{base}/servicePrincipals/{sp}/synchronization/secrets"
    ))
    .await;
    let kv: Vec<(String, String)> = secrets["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["key"].as_str().unwrap().into(),
                v["value"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(kv.contains(&("SecretToken".into(), "*".into())));
    assert!(kv.contains(&("BaseAddress".into(), info.scim_url.clone())));
    assert!(kv.contains(&("SyncAll".into(), "false".into())));

    // members
    let group_id = assigned["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["principalType"] == "Group")
        .unwrap()["principalId"]
        .as_str()
        .unwrap()
        .to_string();
    let members = get_json(&format!("{base}/groups/{group_id}/members")).await;
    assert!(!members["value"].as_array().unwrap().is_empty());
    assert!(members["value"][0]["userPrincipalName"].is_string());

    // provisioning logs: success and failure shapes
    let logs = get_json(&format!("{base}/auditLogs/provisioning?$filter=provisioningStatusInfo/status%20eq%20'success'&$top=5")).await;
    assert_superset(
        &example("provisioning-list-v1.0-ex1-success.json"),
        &logs,
        "",
        &["initiatingType"],
    );
    assert!(logs["@odata.nextLink"]
        .as_str()
        .unwrap()
        .starts_with(&info.graph_url));
    let fails = get_json(&format!("{base}/auditLogs/provisioning?$filter=provisioningStatusInfo/status%20eq%20'failure'&$top=5")).await;
    assert_superset(
        &example("provisioning-list-v1.0-ex2-failure.json"),
        &fails,
        "",
        &[],
    );
    assert_eq!(
        fails["value"][0]["provisioningStatusInfo"]["status"],
        "failure"
    );
    for v in logs["value"]
        .as_array()
        .unwrap()
        .iter()
        .chain(fails["value"].as_array().unwrap())
    {
        let t = v["activityDateTime"].as_str().unwrap();
        assert!(t.ends_with('Z'), "{t}");
        for s in v["provisioningSteps"].as_array().unwrap() {
            let ty = s["provisioningStepType"].as_str().unwrap();
            assert!(
                [
                    "import",
                    "scoping",
                    "matching",
                    "processing",
                    "referenceResolution",
                    "export"
                ]
                .contains(&ty),
                "{ty}"
            );
        }
    }

    // quarantined job: the quarantine object carries the example's fields
    sim.inject(Fault::ScimTokenRevoked).unwrap();
    sim.modify_tenant(|t, _| t.update_user(0, |u| u.job_title = "Changed".into()));
    sim.run_cycle().await;
    let job = get_json(&format!(
        "{base}/servicePrincipals/{sp}/synchronization/jobs/{}",
        info.job_id
    ))
    .await;
    assert_superset(
        &example("synchronizationjob-get.json"),
        &job,
        "",
        &["templateId"],
    );
    assert_eq!(
        job["status"]["quarantine"]["reason"],
        "EncounteredQuarantineException"
    );

    // errors use Graph's envelope
    let (status, _, body) = get(&format!("{base}/servicePrincipals/not-a-guid")).await;
    assert_eq!(status, 400);
    let err: serde_json::Value = serde_json::from_str(&body).unwrap();
    for k in ["code", "message"] {
        assert!(err["error"][k].is_string());
    }
    for k in ["date", "request-id", "client-request-id"] {
        assert!(err["error"]["innerError"][k].is_string(), "{k}");
    }
    let (status, _, _) = get(&format!(
        "{base}/servicePrincipals/{sp}/synchronization/jobs/scim.nope"
    ))
    .await;
    assert_eq!(status, 404);
    let (status, _, _) = get(&format!(
        "{base}/auditLogs/provisioning?$filter=bogus%20eq%20'x'"
    ))
    .await;
    assert_eq!(status, 400);
    sim.shutdown().await;
}

#[tokio::test]
async fn provisioning_logs_page_in_order_without_loss() {
    let sim = sim().await;
    sim.seed_events(6_000);
    sim.run_cycle().await;
    let total = sim.event_count();
    let base = sim.info().graph_url;
    for order in ["activityDateTime", "activityDateTime%20desc"] {
        let mut url = format!("{base}/v1.0/auditLogs/provisioning?$top=500&$orderby={order}");
        let mut ids = std::collections::HashSet::new();
        let mut last: Option<String> = None;
        let mut pages = 0;
        loop {
            let page = get_json(&url).await;
            pages += 1;
            for v in page["value"].as_array().unwrap() {
                let t = v["activityDateTime"].as_str().unwrap().to_string();
                if let Some(l) = &last {
                    if order == "activityDateTime" {
                        assert!(*l <= t);
                    } else {
                        assert!(*l >= t);
                    }
                }
                last = Some(t);
                assert!(
                    ids.insert(v["id"].as_str().unwrap().to_string()),
                    "duplicate id"
                );
            }
            match page["@odata.nextLink"].as_str() {
                Some(n) => url = n.to_string(),
                None => break,
            }
        }
        assert_eq!(ids.len(), total);
        assert!(pages >= 12);
    }
    // time filters
    let now = sim.now();
    let since = (now - chrono::Duration::days(1)).format("%Y-%m-%dT%H:%M:%SZ");
    let page = get_json(&format!("{base}/v1.0/auditLogs/provisioning?$filter=activityDateTime%20gt%20{since}&$top=1000&$orderby=activityDateTime")).await;
    for v in page["value"].as_array().unwrap() {
        assert!(v["activityDateTime"].as_str().unwrap() > since.to_string().as_str());
    }
    sim.shutdown().await;
}
