//! Cycles, job status, quarantine rules and every fault's documented symptom.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use crate::common;

use std::time::Duration;

use common::{get, get_json, sim};
use entra_sim::tenant::Principal;
use entra_sim::{Fault, GraphFamily, Sim, SimConfig};

const H: u64 = 3600;

#[tokio::test]
async fn initial_then_incremental_cycles_and_unassignment() {
    let sim = sim().await;
    let (in_users, in_groups) = sim.with_tenant(|t| {
        (
            t.users_in_scope().iter().filter(|s| **s).count(),
            t.groups_in_scope().iter().filter(|s| **s).count(),
        )
    });
    // the initial cycle falls due at start
    let reports = sim.advance(Duration::ZERO).await.unwrap();
    assert_eq!(reports.len(), 1);
    assert!(reports[0].initial);
    let (users, groups) = sim.scim_contents();
    assert_eq!(users.len(), in_users);
    assert_eq!(groups.len(), in_groups);
    let job = sim.job_json();
    assert_eq!(job["status"]["code"], "Active");
    assert_eq!(job["status"]["lastExecution"]["state"], "Succeeded");
    assert_ne!(
        job["status"]["steadyStateFirstAchievedTime"],
        "0001-01-01T00:00:00Z"
    );
    assert_eq!(
        job["status"]["synchronizedEntryCountByType"][0]["value"],
        in_users as i64
    );

    // nothing changed: the next cycle (40 min later) exports nothing
    let reports = sim.advance(Duration::from_secs(40 * 60)).await.unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].created + reports[0].updated, 0);

    // a change flows as an update with modified properties
    sim.modify_tenant(|t, _| t.update_user(0, |u| u.job_title = "Chief Tester".into()));
    let r = sim.run_cycle().await;
    assert_eq!(r.updated, 1, "{r:?}");
    let (users, _) = sim.scim_contents();
    assert!(users.iter().any(|u| u["title"] == "Chief Tester"));

    // unassigning a user disables them (active=false)
    sim.inject(Fault::UserUnassigned { user_id: None }).unwrap();
    let r = sim.run_cycle().await;
    assert!(r.disabled >= 1, "{r:?}");
    let (users, _) = sim.scim_contents();
    assert!(users.iter().any(|u| u["active"] == false));
    let logs = get_json(&format!(
        "{}/v1.0/auditLogs/provisioning?$filter=provisioningAction%20eq%20'disable'",
        sim.base_url()
    ))
    .await;
    assert!(!logs["value"].as_array().unwrap().is_empty());
    // a later change to the unassigned user is skipped as NotEffectivelyEntitled
    let idx = sim.with_tenant(|t| {
        (0..t.users.len() as u32)
            .find(|i| !t.users_in_scope()[*i as usize])
            .unwrap()
    });
    sim.modify_tenant(|t, _| t.update_user(idx, |u| u.department = "Elsewhere".into()));
    let r = sim.run_cycle().await;
    assert!(r.skipped >= 1, "{r:?}");
    let skips = get_json(&format!(
        "{}/v1.0/auditLogs/provisioning?$filter=provisioningStatusInfo/status%20eq%20'skipped'",
        sim.base_url()
    ))
    .await;
    assert_eq!(
        skips["value"][0]["provisioningStatusInfo"]["errorInformation"]["errorCode"],
        "NotEffectivelyEntitled"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn credential_failure_quarantine_retries_and_disable_after_28_days() {
    let sim = sim().await;
    sim.inject(Fault::ScimTokenExpired).unwrap();
    let r = sim.run_cycle().await;
    assert_eq!(
        r.quarantine.as_deref(),
        Some("EncounteredQuarantineException")
    );
    let job = sim.job_json();
    let q = &job["status"]["quarantine"];
    assert_eq!(job["status"]["code"], "Quarantine");
    assert_eq!(
        q["error"]["code"],
        "SystemForCrossDomainIdentityManagementCredentialValidationFailure"
    );
    assert_eq!(job["status"]["lastExecution"]["state"], "Failed");
    let began = chrono::DateTime::parse_from_rfc3339(q["currentBegan"].as_str().unwrap()).unwrap();
    let next = chrono::DateTime::parse_from_rfc3339(q["nextAttempt"].as_str().unwrap()).unwrap();
    // The first retry comes minutes later, as a real tenant's did
    // (tests/fixtures/graph-real/synchronizationjob-quarantine-scim-invalidcredentials-2021.json).
    assert_eq!(next - began, chrono::Duration::minutes(5));
    // then retries at +6 h, +12 h, +24 h, then daily
    let r = sim.advance(Duration::from_secs(5 * 60)).await.unwrap();
    assert_eq!(r.len(), 1);
    let job = sim.job_json();
    assert_eq!(job["status"]["quarantine"]["seriesCount"], 2);
    let r = sim.advance(Duration::from_secs(6 * H)).await.unwrap();
    assert_eq!(r.len(), 1);
    let r = sim.advance(Duration::from_secs(12 * H)).await.unwrap();
    assert_eq!(r.len(), 1);
    let r = sim.advance(Duration::from_secs(24 * H)).await.unwrap();
    assert_eq!(r.len(), 1);
    let r = sim.advance(Duration::from_secs(24 * H)).await.unwrap();
    assert_eq!(r.len(), 1);
    // after 28 days the job is disabled
    sim.advance(Duration::from_secs(30 * 24 * H)).await.unwrap();
    let job = sim.job_json();
    assert_eq!(job["schedule"]["state"], "Disabled");
    assert!(sim
        .advance(Duration::from_secs(7 * 24 * H))
        .await
        .unwrap()
        .is_empty());
    sim.shutdown().await;
}

/// A credential quarantine shaped as a real 2021 tenant sent it
/// (tests/fixtures/graph-real/synchronizationjob-quarantine-scim-invalidcredentials-2021.json),
/// minus `quarantine.error`, which real quarantines can lack (issue 17).
#[tokio::test]
async fn invalid_credentials_quarantine_has_the_real_shape() {
    let sim = sim().await;
    sim.run_cycle().await;
    sim.inject(Fault::ScimInvalidCredentials).unwrap();
    sim.modify_tenant(|t, now| {
        t.add_user("New", "Hire", true, now);
    });
    let r = sim.run_cycle().await;
    assert_eq!(
        r.quarantine.as_deref(),
        Some("EncounteredQuarantineException")
    );
    let job = sim.job_json();
    let st = &job["status"];
    assert_eq!(st["code"], "Quarantine");
    assert!(
        st["quarantine"].get("error").is_none(),
        "no quarantine.error: {}",
        st["quarantine"]
    );
    assert_eq!(
        st["lastExecution"]["error"]["code"],
        "SystemForCrossDomainIdentityManagementInvalidCredentials"
    );
    assert_eq!(
        st["lastExecution"]["error"]["message"],
        "Please provide a valid tenant URL for your application."
    );
    assert_eq!(st["troubleshootingUrl"], "");
    let q = &st["quarantine"];
    let began = chrono::DateTime::parse_from_rfc3339(q["currentBegan"].as_str().unwrap()).unwrap();
    let next = chrono::DateTime::parse_from_rfc3339(q["nextAttempt"].as_str().unwrap()).unwrap();
    assert_eq!(
        next - began,
        chrono::Duration::minutes(5),
        "first retry after minutes"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn quarantine_clears_when_the_fault_is_fixed() {
    let sim = sim().await;
    sim.inject(Fault::WrongTenantUrl).unwrap();
    sim.run_cycle().await;
    let secrets = get_json(&format!(
        "{}/v1.0/servicePrincipals/{}/synchronization/secrets",
        sim.base_url(),
        sim.info().service_principal_id
    ))
    .await;
    assert!(secrets["value"][0]["value"]
        .as_str()
        .unwrap()
        .ends_with("/notscim"));
    assert_eq!(sim.job_json()["status"]["code"], "Quarantine");
    sim.clear_faults();
    let r = sim.advance(Duration::from_secs(6 * H)).await.unwrap();
    assert_eq!(r[0].state.as_deref(), Some("Succeeded"));
    let job = sim.job_json();
    assert_eq!(job["status"]["code"], "Active");
    assert!(job["status"]["quarantine"].is_null());
    sim.shutdown().await;
}

#[tokio::test]
async fn scim_target_faults_show_entras_symptoms() {
    let sim = sim().await;
    // 500: entry-level errors, retried next cycle
    sim.inject(Fault::ScimServerError).unwrap();
    let r = sim.run_cycle().await;
    assert_eq!(r.state.as_deref(), Some("EntryLevelErrors"), "{r:?}");
    let fails = get_json(&format!(
        "{}/v1.0/auditLogs/provisioning?$filter=provisioningStatusInfo/status%20eq%20'failure'",
        sim.base_url()
    ))
    .await;
    assert_eq!(
        fails["value"][0]["provisioningStatusInfo"]["errorInformation"]["errorCode"],
        "InternalServerError"
    );
    sim.clear_faults();
    // HTML page: not SCIM
    sim.inject(Fault::ScimHtmlPage).unwrap();
    let r = sim.run_cycle().await;
    assert!(r.failed > 0);
    sim.clear_faults();
    let r = sim.run_cycle().await;
    assert_eq!(r.state.as_deref(), Some("Succeeded"), "{r:?}");
    assert!(r.created > 0);
    // duplicate conflict on a new user
    // The fault brings its own new hire whose account already exists in the SaaS.
    sim.inject(Fault::DuplicateUserConflict).unwrap();
    let r = sim.run_cycle().await;
    assert_eq!(r.failed, 1, "{r:?}");
    sim.modify_tenant(|t, now| t.add_user("Dana", "Dup", true, now));
    let r = sim.run_cycle().await;
    assert_eq!(r.failed, 2, "the new hire and the retried conflict: {r:?}");
    let fails = get_json(&format!("{}/v1.0/auditLogs/provisioning?$filter=provisioningStatusInfo/status%20eq%20'failure'&$orderby=activityDateTime%20desc", sim.base_url())).await;
    assert_eq!(
        fails["value"][0]["provisioningStatusInfo"]["errorInformation"]["errorCode"],
        "EntryConflict"
    );
    // As real events carry it: the SaaS's 409 body inside the reason,
    // `additionalDetails: null`, `targetIdentity.id: ""` on the failed create.
    let info = &fails["value"][0]["provisioningStatusInfo"]["errorInformation"];
    let reason = info["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("StatusCode: 409\r\nMessage: "),
        "{reason}"
    );
    assert!(reason.contains("\r\nWeb Response: {"), "{reason}");
    assert!(reason.contains("uniqueness"), "{reason}");
    assert!(info["additionalDetails"].is_null(), "{info}");
    assert_eq!(fails["value"][0]["targetIdentity"]["id"], "");
    sim.clear_faults();
    // endpoint down: quarantine
    sim.inject(Fault::ScimEndpointDown).unwrap();
    sim.modify_tenant(|t, now| t.add_user("Eve", "Down", true, now));
    let r = sim.run_cycle().await;
    assert_eq!(
        r.quarantine.as_deref(),
        Some("EncounteredQuarantineException")
    );
    // What real Entra says of an endpoint it cannot connect to, not a
    // credential failure.
    let job = sim.job_json();
    assert_eq!(
        job["status"]["quarantine"]["error"]["code"],
        "SystemForCrossDomainIdentityManagementCredentialValidationUnavailable",
        "{job:#}"
    );
    // Down for everyone: anyone else's request gets no answer either.
    let info = sim.info();
    let down = reqwest::Client::new()
        .get(format!("{}/Users?count=1", info.scim_url))
        .bearer_auth(&info.scim_token)
        .send()
        .await;
    assert!(down.is_err(), "the endpoint answered: {down:?}");
    sim.clear_faults();
    let up = reqwest::Client::new()
        .get(format!("{}/Users?count=1", info.scim_url))
        .bearer_auth(&info.scim_token)
        .send()
        .await
        .unwrap();
    assert_eq!(up.status(), 200);
    // ignores startIndex / slow: the built-in target's own behaviour
    sim.inject(Fault::ScimIgnoresStartIndex).unwrap();
    let info = sim.info();
    let c = reqwest::Client::new();
    let p2: serde_json::Value = c
        .get(format!("{}/Users?startIndex=3&count=2", info.scim_url))
        .bearer_auth(&info.scim_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(p2["startIndex"], 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn configuration_faults() {
    let sim = sim().await;
    // users mapping disabled: only groups flow
    sim.inject(Fault::UsersMappingDisabled).unwrap();
    sim.run_cycle().await;
    let (users, groups) = sim.scim_contents();
    assert!(users.is_empty());
    assert!(!groups.is_empty());
    let schema = get_json(&format!(
        "{}/v1.0/servicePrincipals/{}/synchronization/jobs/{}/schema",
        sim.base_url(),
        sim.info().service_principal_id,
        sim.info().job_id
    ))
    .await;
    assert_eq!(
        schema["synchronizationRules"][0]["objectMappings"][0]["enabled"],
        false
    );
    sim.shutdown().await;

    let sim = common::sim().await;
    sim.inject(Fault::GroupsMappingDisabled).unwrap();
    sim.run_cycle().await;
    let (users, groups) = sim.scim_contents();
    assert!(!users.is_empty());
    assert!(groups.is_empty());
    sim.shutdown().await;

    let sim = common::sim().await;
    sim.inject(Fault::GroupsNotAssigned).unwrap();
    sim.run_cycle().await;
    let (_, groups) = sim.scim_contents();
    assert!(groups.is_empty());
    sim.shutdown().await;

    let sim = common::sim().await;
    sim.inject(Fault::ProvisioningPaused).unwrap();
    let r = sim.run_cycle().await;
    assert!(!r.ran);
    let job = sim.job_json();
    assert_eq!(job["schedule"]["state"], "Disabled");
    assert_eq!(job["status"]["code"], "Paused");
    assert_eq!(job["schedule"]["interval"], "P10675199DT2H48M5.4775807S");
    sim.clear_faults();
    // stalled: status stays Active but cycles stop
    sim.run_cycle().await;
    sim.inject(Fault::StalledJob).unwrap();
    let before = sim.job_json()["status"]["lastExecution"]["timeBegan"].clone();
    assert!(sim
        .advance(Duration::from_secs(5 * H))
        .await
        .unwrap()
        .is_empty());
    let job = sim.job_json();
    assert_eq!(job["status"]["code"], "Active");
    assert_eq!(job["status"]["lastExecution"]["timeBegan"], before);
    sim.shutdown().await;
}

#[tokio::test]
async fn mass_deletes_quarantine_with_too_many_deletes() {
    let sim = Sim::start(SimConfig {
        users: 700,
        groups: 4,
        ..SimConfig::for_tests()
    })
    .await
    .unwrap();
    sim.run_cycle().await;
    sim.inject(Fault::MassDeletes { count: None }).unwrap();
    let r = sim.run_cycle().await;
    assert_eq!(r.quarantine.as_deref(), Some("TooManyDeletes"), "{r:?}");
    assert_eq!(
        sim.job_json()["status"]["quarantine"]["reason"],
        "TooManyDeletes"
    );
    assert_eq!(r.disabled, 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn graph_faults_and_throttling() {
    let sim = Sim::start(SimConfig {
        rate_limits: entra_sim::RateLimits::default(),
        ..SimConfig::for_tests()
    })
    .await
    .unwrap();
    let base = format!("{}/v1.0", sim.base_url());
    // default provisioning-log rate: 5 requests / 10 s
    for _ in 0..5 {
        assert_eq!(get(&format!("{base}/auditLogs/provisioning")).await.0, 200);
    }
    let (status, headers, body) = get(&format!("{base}/auditLogs/provisioning")).await;
    assert_eq!(status, 429, "{body}");
    assert!(headers.get("retry-after").is_some());
    // other families are unaffected
    assert_eq!(get(&format!("{base}/servicePrincipals")).await.0, 200);
    // injected throttling with a fractional Retry-After
    sim.inject(Fault::GraphThrottling {
        family: GraphFamily::Directory,
        retry_after_secs: 1.5,
        count: Some(1),
    })
    .unwrap();
    let (status, headers, _) = get(&format!("{base}/servicePrincipals")).await;
    assert_eq!(status, 429);
    assert_eq!(headers.get("retry-after").unwrap(), "1.5");
    assert_eq!(get(&format!("{base}/servicePrincipals")).await.0, 200);
    sim.inject(Fault::GraphServerError {
        family: GraphFamily::All,
        status: 503,
        count: Some(1),
    })
    .unwrap();
    assert_eq!(get(&format!("{base}/servicePrincipals")).await.0, 503);
    sim.inject(Fault::GraphHtmlPage {
        family: GraphFamily::Directory,
    })
    .unwrap();
    let (status, _, body) = get(&format!("{base}/servicePrincipals")).await;
    assert_eq!(status, 502);
    assert!(body.contains("<html>"));
    sim.clear_faults();
    sim.inject(Fault::GraphMalformedJson {
        family: GraphFamily::Directory,
    })
    .unwrap();
    let (status, _, body) = get(&format!("{base}/servicePrincipals")).await;
    assert_eq!(status, 200);
    assert!(serde_json::from_str::<serde_json::Value>(&body).is_err());
    sim.clear_faults();
    sim.inject(Fault::GraphTruncatedJson {
        family: GraphFamily::Directory,
    })
    .unwrap();
    let (_, _, body) = get(&format!("{base}/servicePrincipals")).await;
    assert!(serde_json::from_str::<serde_json::Value>(&body).is_err());
    sim.clear_faults();
    sim.inject(Fault::GraphNextLinkLoop).unwrap();
    let page = get_json(&format!(
        "{base}/servicePrincipals/{}/appRoleAssignedTo?$top=1",
        sim.info().service_principal_id
    ))
    .await;
    let next = page["@odata.nextLink"].as_str().unwrap().to_string();
    let page2 = get_json(&next).await;
    assert_eq!(page2["@odata.nextLink"].as_str().unwrap(), next);
    sim.clear_faults();
    sim.shutdown().await;
}

#[tokio::test]
async fn non_premium_tenant_and_control_endpoints() {
    let sim = sim().await;
    let c = reqwest::Client::new();
    let control = sim.info().control_url;
    let kinds: serde_json::Value = c
        .get(format!("{control}/faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(kinds["kinds"].as_array().unwrap().len() >= 20);
    let r = c
        .post(format!("{control}/faults"))
        .json(&serde_json::json!({"kind": "non_premium_tenant"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let (status, _, body) = get(&format!("{}/v1.0/auditLogs/provisioning", sim.base_url())).await;
    assert_eq!(status, 403);
    assert!(body.contains("Authentication_RequestFromNonPremiumTenantOrB2CTenant"));
    assert_eq!(
        get(&format!("{}/v1.0/servicePrincipals", sim.base_url()))
            .await
            .0,
        200
    );
    let r = c
        .post(format!("{control}/faults"))
        .json(&serde_json::json!({"kind": "no_such_fault"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(
        c.delete(format!("{control}/faults"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        204
    );
    assert_eq!(
        get(&format!("{}/v1.0/auditLogs/provisioning", sim.base_url()))
            .await
            .0,
        200
    );
    let report: serde_json::Value = c
        .post(format!("{control}/cycle"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(report["ran"], true);
    assert!(sim.with_tenant(|t| t
        .assignments
        .iter()
        .any(|a| matches!(a.principal, Principal::Group(_)))));
    sim.shutdown().await;
}
