//! Provisioning logs in the shapes real tenants wrote them (issue 17):
//! app-prefixed failure codes and the 2019 beta event with only `action`
//! and `statusInfo`, each against
//! tests/fixtures/graph-real/provisioning-page-beta-box-statusinfo-only-2019.json.

#![allow(clippy::unwrap_used)]

use crate::common;

use common::{get, get_json, sim};
use entra_sim::Fault;
use serde_json::Value;

fn fixture_event() -> Value {
    let path = format!(
        "{}/../../tests/fixtures/graph-real/provisioning-page-beta-box-statusinfo-only-2019.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let page: Value = serde_json::from_str(&text).unwrap();
    page["value"][0].clone()
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    k.sort();
    k
}

async fn logs(sim: &entra_sim::SimHandle, query: &str) -> Value {
    get_json(&format!(
        "{}/v1.0/auditLogs/provisioning?$top=1000{query}",
        sim.base_url()
    ))
    .await
}

fn failures(page: &Value) -> Vec<Value> {
    page["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["provisioningStatusInfo"]["status"] == "failure"
                || e["statusInfo"]["status"] == "failure"
        })
        .cloned()
        .collect()
}

#[tokio::test]
async fn an_apps_connector_prefixes_its_failure_codes() {
    let sim = sim().await;
    sim.run_cycle().await;
    sim.inject(Fault::DuplicateUserConflict).unwrap();
    sim.inject(serde_json::from_str(r#"{"kind":"app_prefixed_error_codes"}"#).unwrap())
        .unwrap();
    sim.run_cycle().await;
    let page = logs(&sim, "").await;
    let fails = failures(&page);
    assert_eq!(fails.len(), 1, "{fails:?}");
    let info = &fails[0]["provisioningStatusInfo"]["errorInformation"];
    assert_eq!(
        info["errorCode"],
        fixture_event()["statusInfo"]["errorCode"]
    );
    assert_eq!(info["errorCode"], "BoxEntryConflict");
    // The SaaS's 409 is still in the reason, as real events carry it.
    assert!(
        info["reason"].as_str().unwrap().contains("StatusCode: 409"),
        "{info}"
    );

    // Recorded with the prefix: clearing the fault changes the app's new
    // failures, not its history.
    sim.clear_faults();
    let page = logs(&sim, "").await;
    assert_eq!(
        failures(&page)[0]["provisioningStatusInfo"]["errorInformation"]["errorCode"],
        "BoxEntryConflict"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn prefixes_are_checked_and_scim_connector_codes_stay() {
    let sim = sim().await;
    for bad in ["", "Bo x", "9Box", "Box\u{202e}"] {
        let f = Fault::AppPrefixedErrorCodes { prefix: bad.into() };
        assert!(sim.inject(f).is_err(), "{bad:?}");
    }
    assert!(sim.faults().is_empty());
    // The HTTP control endpoint refuses it too, without taking the sim down.
    let r = reqwest::Client::new()
        .post(format!("{}/_sim/faults", sim.base_url()))
        .json(&serde_json::json!({"kind": "app_prefixed_error_codes", "prefix": "a b"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    let (status, _, _) = get(&format!("{}/_sim/faults", sim.base_url())).await;
    assert_eq!(status, 200);

    sim.inject(Fault::AppPrefixedErrorCodes {
        prefix: "Slack".into(),
    })
    .unwrap();
    sim.inject(Fault::ScimServerError).unwrap();
    sim.modify_tenant(|t, now| {
        t.add_user("New", "Hire", true, now);
    });
    sim.run_cycle().await;
    let page = logs(&sim, "").await;
    let fails = failures(&page);
    assert!(!fails.is_empty());
    for f in &fails {
        let info = &f["provisioningStatusInfo"]["errorInformation"];
        let code = info["errorCode"].as_str().unwrap();
        assert!(
            code.starts_with("Slack") || code.starts_with("SystemForCrossDomainIdentityManagement"),
            "{code}"
        );
        assert!(!code.starts_with("SlackSlack"), "{code}");
        assert!(
            !info["reason"].as_str().unwrap().contains("customappsso"),
            "{info}"
        );
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn the_beta_shape_has_only_action_and_status_info() {
    let sim = sim().await;
    sim.run_cycle().await;
    sim.inject(Fault::DuplicateUserConflict).unwrap();
    sim.inject(Fault::AppPrefixedErrorCodes {
        prefix: "Box".into(),
    })
    .unwrap();
    sim.run_cycle().await;
    sim.inject(Fault::BetaLogShape).unwrap();
    let page = logs(&sim, "&$orderby=activityDateTime").await;
    assert!(page["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/beta/$metadata#auditLogs/provisioning"));
    let fixture = fixture_event();
    let events = page["value"].as_array().unwrap();
    assert!(events.len() > 1);
    for e in events {
        // The fixture's field set, exactly.
        assert_eq!(keys(e), keys(&fixture), "{e}");
        assert!(e["action"]
            .as_str()
            .unwrap()
            .starts_with(char::is_uppercase));
        assert_eq!(e["sourceSystem"]["displayName"], "Azure Active Directory");
        assert!(e["statusInfo"]["status"].is_string());
    }
    let fails = failures(&page);
    assert_eq!(fails.len(), 1);
    let (ours, real) = (&fails[0]["statusInfo"], &fixture["statusInfo"]);
    assert_eq!(keys(ours), keys(real));
    for k in [
        "@odata.type",
        "status",
        "errorCode",
        "errorCategory",
        "additionalDetails",
    ] {
        assert_eq!(ours[k], real[k], "statusInfo.{k}");
    }
    assert_eq!(fails[0]["action"], fixture["action"]);
    let success = events
        .iter()
        .find(|e| e["statusInfo"]["status"] == "success")
        .unwrap();
    assert_eq!(
        success["statusInfo"],
        serde_json::json!({"@odata.type": "#microsoft.graph.statusBase", "status": "success"})
    );

    // Kept JSON (the backfill benchmark's) is not served in the beta shape's stead.
    sim.store_events_json().unwrap();
    let again = logs(&sim, "&$orderby=activityDateTime").await;
    assert_eq!(again["value"], page["value"]);
    // Cleared: v1.0 again.
    sim.clear_faults();
    let v1 = logs(&sim, "").await;
    assert!(v1["value"][0]["provisioningAction"].is_string());
    assert!(v1["value"][0].get("statusInfo").is_none());
    sim.shutdown().await;
}
