//! The simulator answers as real tenants do, by default: each shape checked
//! against the bodies real tenants produced (tests/fixtures/graph-real/,
//! README there) rather than against the API reference (issue 17).

#![allow(clippy::unwrap_used)]

use crate::common;

use common::{get, get_json, sim};
use entra_sim::Fault;
use serde_json::Value;

fn real(name: &str) -> Value {
    let path = format!(
        "{}/../../tests/fixtures/graph-real/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    k.sort();
    k
}

/// Whole seconds, UTC: `2019-06-24T20:53:08Z`.
fn whole_seconds(t: &str) -> bool {
    t.len() == 20 && t.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(t).is_ok()
}

#[tokio::test]
async fn job_status_has_the_real_sentinels_and_first_retry() {
    let sim = sim().await;
    // Before any cycle: the sentinels, troubleshootingUrl "" and no successful run.
    let fixture = real("synchronizationjob-quarantine-scim-invalidcredentials-2021.json");
    let job = sim.job_json();
    let status = &job["status"];
    assert_eq!(
        status["troubleshootingUrl"],
        fixture["status"]["troubleshootingUrl"]
    );
    assert_eq!(status["troubleshootingUrl"], "");
    for k in [
        "steadyStateFirstAchievedTime",
        "steadyStateLastAchievedTime",
    ] {
        assert_eq!(status[k], fixture["status"][k], "{k}");
        assert_eq!(status[k], "0001-01-01T00:00:00Z", "{k}");
    }
    assert_eq!(status["lastSuccessfulExecution"], Value::Null);
    // Every status field the real body has, we have (progress etc. included).
    for k in keys(&fixture["status"]) {
        assert!(status.get(&k).is_some(), "status.{k}: {:?}", keys(status));
    }

    // A credential quarantine retries first after minutes, not hours.
    sim.inject(Fault::ScimTokenExpired).unwrap();
    sim.run_cycle().await;
    let job = sim.job_json();
    let q = &job["status"]["quarantine"];
    let at = |k: &str| chrono::DateTime::parse_from_rfc3339(q[k].as_str().unwrap()).unwrap();
    let real_q = &fixture["status"]["quarantine"];
    let real_at =
        |k: &str| chrono::DateTime::parse_from_rfc3339(real_q[k].as_str().unwrap()).unwrap();
    assert_eq!(
        at("nextAttempt") - at("currentBegan"),
        real_at("nextAttempt") - real_at("currentBegan")
    );
    assert_eq!(
        at("nextAttempt") - at("currentBegan"),
        chrono::Duration::minutes(5)
    );
    assert_eq!(job["status"]["troubleshootingUrl"], "");
    for k in keys(real_q) {
        assert!(q.get(&k).is_some(), "quarantine.{k}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn throttling_answers_microsofts_body_and_a_fractional_retry_after() {
    let sim = sim().await;
    let info = sim.info();
    sim.inject(Fault::GraphThrottling {
        family: entra_sim::GraphFamily::All,
        retry_after_secs: 2.128,
        count: Some(1),
    })
    .unwrap();
    let url = format!(
        "{}/v1.0/servicePrincipals/{}",
        info.graph_url, info.service_principal_id
    );
    let (status, headers, body) = get(&url).await;
    assert_eq!(status, 429);
    assert_eq!(headers["retry-after"], "2.128");
    let ours: Value = serde_json::from_str(&body).unwrap();
    let fixture = real("graph-error-429-toomanyrequests.json");
    assert_eq!(keys(&ours["error"]), keys(&fixture["error"]));
    for k in keys(&fixture["error"]["innerError"]) {
        assert!(
            ours["error"]["innerError"].get(&k).is_some(),
            "innerError.{k}"
        );
    }
    for k in ["code", "message"] {
        assert_eq!(ours["error"][k], fixture["error"][k], "{k}");
    }
    for k in ["code", "status", "message"] {
        assert_eq!(
            ours["error"]["innerError"][k], fixture["error"]["innerError"][k],
            "innerError.{k}"
        );
    }
    // `innerError.date` without a zone, as real Graph writes it.
    let date = ours["error"]["innerError"]["date"].as_str().unwrap();
    assert!(
        chrono::NaiveDateTime::parse_from_str(date, "%Y-%m-%dT%H:%M:%S").is_ok(),
        "{date}"
    );
    // Only `count` requests are throttled.
    assert_eq!(get(&url).await.0, 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn provisioning_events_look_like_real_ones() {
    let sim = sim().await;
    let base = format!("{}/v1.0/auditLogs/provisioning", sim.base_url());
    sim.run_cycle().await;
    // A new hire whose create fails twice: the second attempt is a retry.
    sim.inject(Fault::ScimServerError).unwrap();
    sim.modify_tenant(|t, now| {
        t.add_user("Craig", "Ranger", true, now);
    });
    sim.run_cycle().await;
    sim.run_cycle().await;
    sim.clear_faults();
    sim.seed_events(300);

    let all = get_json(&format!("{base}?$top=1000")).await;
    let events = all["value"].as_array().unwrap();
    assert!(events.len() > 300);
    for e in events {
        let t = e["activityDateTime"].as_str().unwrap();
        assert!(whole_seconds(t), "{t}");
        assert_eq!(e["sourceSystem"]["displayName"], "Microsoft Entra ID");
    }

    let fails = get_json(&format!(
        "{base}?$filter=provisioningStatusInfo/status%20eq%20'failure'%20and%20provisioningAction%20eq%20'create'&$orderby=activityDateTime%20desc&$top=1000"
    ))
    .await;
    let craig: Vec<&Value> = fails["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["sourceIdentity"]["displayName"] == "Craig Ranger")
        .collect();
    assert_eq!(craig.len(), 2, "{craig:?}");
    let (retry, first) = (craig[0], craig[1]);
    for (e, n) in [(first, 0), (retry, 1)] {
        // A failed create: no target id; the SaaS's answer inside the reason.
        assert_eq!(e["targetIdentity"]["id"], "");
        let info = &e["provisioningStatusInfo"]["errorInformation"];
        assert_eq!(info["additionalDetails"], Value::Null);
        let reason = info["reason"].as_str().unwrap();
        assert!(
            reason.starts_with("StatusCode: 500\r\nMessage: ")
                && reason.contains("\r\nWeb Response: {")
                && reason.contains(&format!("This operation was retried {n} times")),
            "{reason}"
        );
    }
    let names = |e: &Value| -> Vec<String> {
        e["provisioningSteps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(!names(first).contains(&"EntryEscrowRetry".to_string()));
    // The retry: an EntryEscrowRetry step (import) then the failed export, as
    // a real 2026 event of a retried create has them.
    assert_eq!(names(retry), ["EntryEscrowRetry", "EntryExportAdd"]);
    let step = &retry["provisioningSteps"][0];
    assert_eq!(step["provisioningStepType"], "import");
    assert_eq!(step["status"], "success");
    let d = step["description"].as_str().unwrap();
    assert!(
        d.starts_with("We are retrying an operation that previously failed.\r\nIdentifier: ")
            && d.ends_with("\r\nObject type: User\r\nDirectory: Microsoft Entra ID"),
        "{d}"
    );
    assert_eq!(
        keys(&step["details"]),
        [
            "CountProcessed",
            "CreationTime",
            "Identifier",
            "ModificationType",
            "NextAttempt",
            "Origin",
            "TypeName"
        ]
    );
    assert_eq!(step["details"]["Identifier"], retry["sourceIdentity"]["id"]);
    assert_eq!(step["details"]["ModificationType"], "Add");
    assert_eq!(step["details"]["TypeName"], "EscrowedEntryDefault");

    // A skipped event says the same thing in its step as in its reason.
    let skips = get_json(&format!(
        "{base}?$filter=provisioningStatusInfo/status%20eq%20'skipped'&$top=5"
    ))
    .await;
    let skip = &skips["value"][0];
    let reason = skip["provisioningStatusInfo"]["errorInformation"]["reason"]
        .as_str()
        .unwrap();
    let step = skip["provisioningSteps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == "skipped")
        .unwrap();
    assert!(
        step["description"].as_str().unwrap().ends_with(reason),
        "{} / {reason}",
        step["description"]
    );
    sim.shutdown().await;
}

/// The built-in target's misbehaviours answer as the open-source servers in
/// the README do (the engine's diagnosis of each is in
/// scimwatch-engine/tests/it/sim_misbehaviours.rs).
#[tokio::test]
async fn scim_misbehaviours_answer_as_real_servers() {
    let sim = sim().await;
    sim.run_cycle().await;
    let info = sim.info();
    let http = reqwest::Client::new();
    let scim = |path: &str, token: &str| {
        http.get(format!("{}{path}", info.scim_url))
            .bearer_auth(token)
            .send()
    };
    sim.inject(Fault::ScimUnauthorizedEmptyHtml).unwrap();
    let r = scim("/Users", "wrong").await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(r.text().await.unwrap(), "");
    sim.inject(Fault::ScimDiscoveryWithoutTotals).unwrap();
    sim.inject(Fault::ScimSchemasWithoutSchemas).unwrap();
    sim.inject(Fault::ScimAbsoluteResourceTypeEndpoints)
        .unwrap();
    sim.inject(Fault::ScimFilterDeclaredUnsupported).unwrap();
    let t = info.scim_token.as_str();
    let schemas: Value = scim("/Schemas", t).await.unwrap().json().await.unwrap();
    assert!(schemas.get("totalResults").is_none(), "{schemas}");
    assert!(schemas["Resources"][0].get("schemas").is_none());
    let types: Value = scim("/ResourceTypes", t)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(types["Resources"][0]["endpoint"], "/scim/v2/Users");
    let spc: Value = scim("/ServiceProviderConfig", t)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(spc["filter"]["supported"], false);
    // ... while filtering works.
    let (users, _) = sim.scim_contents();
    let name = users[0]["userName"].as_str().unwrap();
    let q = format!(
        "/Users?filter=userName%20eq%20%22{}%22",
        name.replace('@', "%40")
    );
    let found: Value = scim(&q, t).await.unwrap().json().await.unwrap();
    assert_eq!(found["totalResults"], 1, "{found}");

    sim.clear_faults();
    sim.inject(Fault::ScimIgnoresPaging { page_size: 5 })
        .unwrap();
    let p1: Value = scim("/Users?startIndex=1&count=3", t)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let p2: Value = scim("/Users?startIndex=6&count=3", t)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(p1["Resources"], p2["Resources"]);
    assert_eq!(p1["Resources"].as_array().unwrap().len(), 5);
    assert_eq!(p1["totalResults"], users.len());
    // A wrong token is still refused before any early answer.
    sim.clear_faults();
    sim.inject(Fault::ScimFilterRefused).unwrap();
    assert_eq!(scim(&q, "wrong").await.unwrap().status().as_u16(), 401);
    let r = scim(&q, t).await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["scimType"], "invalidFilter");
    sim.shutdown().await;
}
