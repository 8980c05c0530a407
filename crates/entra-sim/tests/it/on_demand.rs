//! `provisionOnDemand` as Microsoft documents it (v1.0 Example 1 in
//! `tests/fixtures/graph/`), its permission (403 without
//! Synchronization.ReadWrite.All, granted by admin consent) and its
//! throttling (5 requests / 10 s).

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use crate::common;

use common::{assert_superset, example, get_json};
use entra_sim::{DemoInfo, Sim, SimConfig, SimHandle};
use serde_json::{json, Value};

fn url(i: &DemoInfo, tail: &str) -> String {
    format!(
        "{}/v1.0/servicePrincipals/{}/synchronization/jobs/{}{tail}",
        i.graph_url, i.service_principal_id, i.job_id
    )
}

async fn rule_id(i: &DemoInfo) -> String {
    let schema = get_json(&url(i, "/schema")).await;
    schema["synchronizationRules"][0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The request body of Microsoft's example, with this tenant's ids.
fn body(rule: &str, user: &str) -> Value {
    let mut b = example("requests/provisionondemand-v1.0-ex1.json");
    b["parameters"][0]["ruleId"] = json!(rule);
    b["parameters"][0]["subjects"][0]["objectId"] = json!(user);
    b
}

async fn post(
    url: &str,
    token: Option<&str>,
    body: &Value,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut r = reqwest::Client::new().post(url).json(body);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let r = r.send().await.unwrap();
    let s = r.status().as_u16();
    let h = r.headers().clone();
    (s, h, r.json().await.unwrap_or(Value::Null))
}

/// `(in-scope user ids, out-of-scope user ids)`.
fn users(sim: &SimHandle) -> (Vec<String>, Vec<String>) {
    sim.with_tenant(|t| {
        let scope = t.users_in_scope();
        let mut a = (Vec::new(), Vec::new());
        for (u, s) in t.users.iter().zip(scope) {
            if s { &mut a.0 } else { &mut a.1 }.push(u.id.to_string());
        }
        a
    })
}

fn decode(v: &Value) -> (Value, Value) {
    let key = serde_json::from_str(v["key"].as_str().unwrap()).unwrap();
    let value = serde_json::from_str(v["value"].as_str().unwrap()).unwrap();
    (key, value)
}

fn step_kinds(value: &Value) -> Vec<(String, String, String)> {
    value["provisioningSteps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["type"].as_str().unwrap().to_string(),
                s["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_up_to_date_user_is_skipped_exactly_as_microsofts_example() {
    let sim = Sim::start(SimConfig::for_tests()).await.unwrap();
    let i = sim.info();
    sim.run_cycle().await;
    let (in_scope, _) = users(&sim);
    let rule = rule_id(&i).await;
    let (s, _, v) = post(
        &url(&i, "/provisionOnDemand"),
        None,
        &body(&rule, &in_scope[0]),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let ex = example("provisionondemand-v1.0-ex1.json");
    assert!(v["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/v1.0/$metadata#microsoft.graph.stringKeyStringValuePair"));
    let (ex_key, ex_value) = decode(&ex);
    let (key, value) = decode(&v);
    // The key is the example's, word for word.
    assert_eq!(key, ex_key);
    // Every field of the example's record is there, steps included.
    assert_superset(&ex_value, &value, "value", &["details"]);
    // The same steps in the same order, names, types and statuses.
    assert_eq!(step_kinds(&value), step_kinds(&ex_value));
    assert_eq!(value["action"], "Other");
    assert_eq!(value["statusInfo"]["status"], "Skipped");
    assert_eq!(value["sourceIdentity"]["id"], json!(in_scope[0]));
    // The matching step carries the target's record, as the example's does.
    let matching = &value["provisioningSteps"][1]["details"];
    for k in ["active", "displayName", "externalId", "id", "userName"] {
        assert!(matching.get(k).is_some(), "{k} in {matching}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn a_new_user_is_created_in_the_scim_target_now_and_logged() {
    let sim = Sim::start(SimConfig::for_tests()).await.unwrap();
    let i = sim.info();
    let (in_scope, out) = users(&sim);
    let rule = rule_id(&i).await;
    let before = sim.event_count();
    let (s, _, v) = post(
        &url(&i, "/provisionOnDemand"),
        None,
        &body(&rule, &in_scope[0]),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (key, value) = decode(&v);
    assert_eq!(key, json!({"result": "Success", "details": {}}));
    assert_eq!(value["action"], "Create");
    let kinds = step_kinds(&value);
    let names: Vec<&str> = kinds.iter().map(|k| k.1.as_str()).collect();
    assert_eq!(names, ["Import", "Matching", "Scoping", "Export"]);
    assert_eq!(
        kinds[3],
        ("EntryExportAdd".into(), "Export".into(), "Success".into())
    );
    let upn = value["reportableIdentifier"].as_str().unwrap().to_string();
    let (scim_users, _) = sim.scim_contents();
    let created = scim_users
        .iter()
        .find(|u| u["userName"] == json!(upn))
        .expect("the user is in the SCIM target");
    assert_eq!(value["targetIdentity"]["id"], created["id"]);
    assert_eq!(sim.event_count(), before + 1, "one provisioning log entry");
    // Again: now it is already there.
    let (_, _, v) = post(
        &url(&i, "/provisionOnDemand"),
        None,
        &body(&rule, &in_scope[0]),
    )
    .await;
    assert_eq!(decode(&v).0["result"], "Skipped");

    // A user who is not assigned: skipped, nothing sent to the target.
    let (_, _, v) = post(&url(&i, "/provisionOnDemand"), None, &body(&rule, &out[0])).await;
    let (key, value) = decode(&v);
    assert_eq!(key["result"], "Skipped");
    assert_eq!(key["details"]["errorCode"], "NotEffectivelyEntitled");
    assert_eq!(value["provisioningSteps"][1]["type"], "Scoping");
    assert_eq!(
        value["provisioningSteps"][1]["details"]["Assigned"],
        "False"
    );
    assert_eq!(sim.scim_contents().0.len(), 1);

    sim.shutdown().await;
}

#[tokio::test]
async fn bad_requests_are_refused_in_graphs_envelope() {
    let sim = Sim::start(SimConfig::for_tests()).await.unwrap();
    let i = sim.info();
    let (in_scope, _) = users(&sim);
    let rule = rule_id(&i).await;
    // A rule the schema does not have, an unknown user, no body.
    let (s, _, e) = post(
        &url(&i, "/provisionOnDemand"),
        None,
        &body("nope", &in_scope[0]),
    )
    .await;
    assert_eq!((s, e["error"]["code"].as_str()), (400, Some("BadRequest")));
    let (s, _, _) = post(
        &url(&i, "/provisionOnDemand"),
        None,
        &body(&rule, "00000000-0000-0000-0000-000000000000"),
    )
    .await;
    assert_eq!(s, 404);
    let (s, _, _) = post(&url(&i, "/provisionOnDemand"), None, &json!({})).await;
    assert_eq!(s, 400);
    sim.shutdown().await;
}

#[tokio::test]
async fn needs_synchronization_readwrite_all_until_an_admin_consents() {
    let sim = Sim::start(SimConfig {
        require_auth: true,
        ..SimConfig::for_tests()
    })
    .await
    .unwrap();
    let i = sim.info();
    let token = || async {
        let r: Value = reqwest::Client::new()
            .post(format!("{}/{}/oauth2/v2.0/token", i.login_url, i.tenant_id))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", i.client_id.as_str()),
                ("client_secret", i.client_secret.as_str()),
                ("scope", "https://graph.microsoft.com/.default"),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        r["access_token"].as_str().unwrap().to_string()
    };
    let read_only = token().await;
    let schema: Value = reqwest::Client::new()
        .get(url(&i, "/schema"))
        .bearer_auth(&read_only)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rule = schema["synchronizationRules"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (in_scope, _) = users(&sim);
    let (s, _, e) = post(
        &url(&i, "/provisionOnDemand"),
        Some(&read_only),
        &body(&rule, &in_scope[0]),
    )
    .await;
    assert_eq!(s, 403, "{e}");
    assert_eq!(e["error"]["code"], "Authorization_RequestDenied");
    // restart needs it too
    let (s, _, _) = post(
        &url(&i, "/restart"),
        Some(&read_only),
        &json!({"criteria": {"resetScope": "Watermark, Escrows, QuarantineState"}}),
    )
    .await;
    assert_eq!(s, 403);

    // The admin-consent page lists the permission; accepting grants it.
    let page = reqwest::get(format!(
        "{}/{}/adminconsent?client_id={}",
        i.login_url, i.tenant_id, i.client_id
    ))
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert!(page.contains("Synchronization.ReadWrite.All"), "{page}");
    let (s, _, _) = common::get(&format!(
        "{}/{}/adminconsent/decide?decision=accept&client_id={}",
        i.login_url, i.tenant_id, i.client_id
    ))
    .await;
    assert_eq!(s, 200);
    let granted = token().await;
    let (s, _, v) = post(
        &url(&i, "/provisionOnDemand"),
        Some(&granted),
        &body(&rule, &in_scope[0]),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, _, _) = post(
        &url(&i, "/restart"),
        Some(&granted),
        &json!({"criteria": {"resetScope": "Watermark, Escrows, QuarantineState"}}),
    )
    .await;
    assert_eq!(s, 204);
    sim.shutdown().await;
}

#[tokio::test]
async fn five_requests_per_ten_seconds_then_429_with_retry_after() {
    let sim = Sim::start(SimConfig::for_tests()).await.unwrap();
    let i = sim.info();
    let (in_scope, _) = users(&sim);
    let rule = rule_id(&i).await;
    for n in 0..5 {
        let (s, _, v) = post(
            &url(&i, "/provisionOnDemand"),
            None,
            &body(&rule, &in_scope[n % in_scope.len()]),
        )
        .await;
        assert_eq!(s, 200, "request {n}: {v}");
    }
    let (s, h, e) = post(
        &url(&i, "/provisionOnDemand"),
        None,
        &body(&rule, &in_scope[0]),
    )
    .await;
    assert_eq!(s, 429, "{e}");
    let wait: f64 = h["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1.0..=10.0).contains(&wait), "{wait}");
    assert_eq!(e["error"]["code"], "TooManyRequests");
    // The job's other endpoints are not held back by it.
    get_json(&url(&i, "")).await;
    sim.shutdown().await;
}
