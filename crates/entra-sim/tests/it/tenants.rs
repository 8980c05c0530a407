//! Many tenants in one process (`SimConfig::tenants`, issue 21 item 4): the
//! token endpoint's path picks the tenant, its token carries it, and Graph
//! answers each token from its own tenant only (apps, jobs, the tenant-wide
//! log); an unknown tenant is refused as Entra refuses it (AADSTS90002);
//! faults and cycles address one tenant; one tenant is what it was.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use entra_sim::{DemoInfo, Fault, Sim, SimConfig};
use serde_json::Value;

async fn token(c: &reqwest::Client, i: &DemoInfo, tenant_in_path: &str) -> (u16, Value) {
    let r = c
        .post(format!(
            "{}/{tenant_in_path}/oauth2/v2.0/token",
            i.login_url
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", i.client_id.as_str()),
            ("client_secret", i.client_secret.as_str()),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn bearer(c: &reqwest::Client, i: &DemoInfo) -> String {
    let (s, t) = token(c, i, &i.tenant_id).await;
    assert_eq!(s, 200, "{t}");
    t["access_token"].as_str().unwrap().to_string()
}

async fn get(c: &reqwest::Client, url: &str, bearer: &str) -> (u16, Value) {
    let r = c.get(url).bearer_auth(bearer).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn ids(list: &Value, field: &str) -> BTreeSet<String> {
    list["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v[field].as_str().map(String::from))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_token_sees_its_own_tenant_only() {
    let sim = Sim::start(SimConfig {
        tenants: 2,
        extra_apps: 2,
        users: 3,
        groups: 1,
        require_auth: true,
        ..SimConfig::for_tests()
    })
    .await
    .unwrap();
    assert_eq!(sim.tenant_count(), 2);
    let (a, b) = (sim.tenant(0).unwrap(), sim.tenant(1).unwrap());
    assert!(sim.tenant(2).is_none());
    let (ia, ib) = (a.info(), b.info());
    assert_eq!(ia, sim.info(), "tenant 0 is the handle's tenant");
    assert_ne!(ia.tenant_id, ib.tenant_id);
    assert_ne!(ia.client_id, ib.client_id);
    assert_eq!(ia.graph_url, ib.graph_url, "one Graph for every tenant");
    a.run_cycle().await;
    b.run_cycle().await;

    let c = reqwest::Client::new();
    let (ta, tb) = (bearer(&c, &ia).await, bearer(&c, &ib).await);
    // The domain names the tenant too.
    let domain = b.with_tenant(|t| t.domain.clone());
    let (s, t) = token(&c, &ib, &domain).await;
    assert_eq!(s, 200, "{t}");

    // Each token lists its own tenant's service principals.
    let list = |t: &str| {
        let c = c.clone();
        let url = format!("{}/v1.0/servicePrincipals", ia.graph_url);
        let t = t.to_string();
        async move { get(&c, &url, &t).await }
    };
    let (s, la) = list(&ta).await;
    assert_eq!(s, 200);
    let (_, lb) = list(&tb).await;
    let (sa, sb) = (ids(&la, "id"), ids(&lb, "id"));
    assert!(sa.contains(&ia.service_principal_id));
    assert!(sb.contains(&ib.service_principal_id));
    assert!(sa.is_disjoint(&sb), "{sa:?} / {sb:?}");
    assert_eq!(
        la["value"].as_array().unwrap().len(),
        lb["value"].as_array().unwrap().len()
    );

    // A job is read with its tenant's token only.
    let job_b = format!(
        "{}/v1.0/servicePrincipals/{}/synchronization/jobs/{}",
        ib.graph_url, ib.service_principal_id, ib.job_id
    );
    let (s, job) = get(&c, &job_b, &tb).await;
    assert_eq!(s, 200, "{job}");
    assert_eq!(job["id"], ib.job_id.as_str());
    let (s, _) = get(&c, &job_b, &ta).await;
    assert_eq!(s, 404, "tenant A has no such app");

    // The tenant-wide log: each tenant's events name its own apps.
    for (t, mine) in [(&ta, &sa), (&tb, &sb)] {
        let (s, logs) = get(
            &c,
            &format!("{}/v1.0/auditLogs/provisioning?$top=1000", ia.graph_url),
            t,
        )
        .await;
        assert_eq!(s, 200, "{logs}");
        let events = logs["value"].as_array().unwrap();
        assert!(!events.is_empty());
        let named: BTreeSet<String> = events
            .iter()
            .map(|e| e["servicePrincipal"]["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(named.len(), 3, "the main app and two extra apps");
        assert!(named.is_subset(mine), "{named:?} not in {mine:?}");
    }

    // A token signed by one tenant is no token in another: forge B's `tid`
    // on A's token (same signature) and Graph refuses it.
    let parts: Vec<&str> = ta.split('.').collect();
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut claims: Value = serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
    claims["tid"] = Value::String(ib.tenant_id.clone());
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        b64.encode(claims.to_string()),
        parts[2]
    );
    let (s, e) = get(&c, &job_b, &forged).await;
    assert_eq!(s, 401, "{e}");
    assert_eq!(e["error"]["code"], "InvalidAuthenticationToken");

    // Per-tenant faults: B's job quarantined, A's untouched.
    b.inject(Fault::ScimTokenRevoked).unwrap();
    b.run_cycle().await;
    let job_a = format!(
        "{}/v1.0/servicePrincipals/{}/synchronization/jobs/{}",
        ia.graph_url, ia.service_principal_id, ia.job_id
    );
    let (_, ja) = get(&c, &job_a, &ta).await;
    assert_eq!(ja["status"]["code"], "Active", "{ja:#}");
    assert!(sim.faults().is_empty());
    // Control endpoints address one tenant: `/tenants/{id}/_sim/…`.
    let r = c
        .get(format!("{}/faults", ib.control_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let faults: Value = r.json().await.unwrap();
    assert_eq!(
        faults["active"][0]["kind"], "scim_token_revoked",
        "{faults}"
    );
    let first: Value = c
        .get(format!("{}/faults", ia.control_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first["active"], serde_json::json!([]), "{first}");
    assert!(ib.control_url.contains(&ib.tenant_id), "{}", ib.control_url);
    let all: Vec<DemoInfo> = c
        .get(format!("{}/_sim/tenants", ia.login_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all, vec![ia.clone(), ib.clone()]);

    // Requests are counted per tenant and endpoint.
    let counts = sim.graph_requests_by_endpoint();
    let n = |tenant: usize, ep: &str| {
        counts
            .iter()
            .find(|c| c.tenant == tenant && c.endpoint == ep)
            .map_or(0, |c| c.requests)
    };
    assert_eq!(n(0, "/v1.0/servicePrincipals"), 1);
    assert_eq!(n(1, "/v1.0/servicePrincipals"), 1);
    assert_eq!(n(0, "/v1.0/auditLogs/provisioning"), 1);
    assert_eq!(
        n(
            1,
            "/v1.0/servicePrincipals/{id}/synchronization/jobs/{jobId}"
        ),
        2,
        "B's token and the forged one naming B (A's token went to A)"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn an_unknown_tenant_is_refused() {
    let sim = Sim::start(SimConfig {
        tenants: 3,
        users: 2,
        groups: 1,
        require_auth: true,
        ..SimConfig::for_tests()
    })
    .await
    .unwrap();
    let c = reqwest::Client::new();
    let i = sim.tenant(2).unwrap().info();
    let unknown = "0b0e6a83-9b52-4a61-8c2f-000000000000";
    let (s, e) = token(&c, &i, unknown).await;
    assert_eq!(
        (s, e["error"].as_str()),
        (400, Some("invalid_request")),
        "{e}"
    );
    assert_eq!(e["error_codes"][0], 90002);
    let d = e["error_description"].as_str().unwrap();
    assert!(
        d.starts_with(&format!("AADSTS90002: Tenant '{unknown}' not found.")),
        "{d}"
    );
    // Another tenant's path with this tenant's client: that tenant has no such app.
    let other = sim.tenant(1).unwrap().info();
    let (s, e) = token(&c, &i, &other.tenant_id).await;
    assert_eq!(
        (s, e["error"].as_str()),
        (400, Some("unauthorized_client")),
        "{e}"
    );
    assert_eq!(e["error_codes"][0], 700016, "{e}");
    // The control pages of an unknown tenant are not there.
    let r = c
        .get(format!("{}/tenants/{unknown}/_sim/faults", i.login_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    sim.shutdown().await;
}

#[tokio::test]
async fn one_tenant_by_default() {
    let config = SimConfig::default();
    assert_eq!(config.tenants, 1);
    assert!(config.graph_latency.is_zero());
    let sim = Sim::start(SimConfig::for_tests()).await.unwrap();
    assert_eq!(sim.tenant_count(), 1);
    let i = sim.info();
    // The same ids as before tenants existed (seed 1).
    let again = Sim::start(SimConfig::for_tests()).await.unwrap();
    assert_eq!(again.info().tenant_id, i.tenant_id);
    assert_eq!(again.info().job_id, i.job_id);
    assert_eq!(i.scim_url, format!("{}/scim/v2", sim.base_url()));
    assert_eq!(i.control_url, format!("{}/_sim", sim.base_url()));
    let generated = entra_sim::generate_tenant(1, 20, 4);
    assert_eq!(i.tenant_id, generated.tenant_id.to_string());
    assert_eq!(i.job_id, generated.job_id());
    sim.shutdown().await;
    again.shutdown().await;
}

/// A device code of tenant `i`: (user code, device code, verification URI).
async fn device_code(c: &reqwest::Client, i: &DemoInfo) -> (String, String, String) {
    let r = c
        .post(format!(
            "{}/{}/oauth2/v2.0/devicecode",
            i.login_url, i.tenant_id
        ))
        .form(&[
            ("client_id", i.client_id.as_str()),
            (
                "scope",
                "https://graph.microsoft.com/.default offline_access",
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let d: Value = r.json().await.unwrap();
    let s = |k: &str| d[k].as_str().unwrap().to_string();
    (s("user_code"), s("device_code"), s("verification_uri"))
}

/// Redeem a device code at tenant `i`'s token endpoint.
async fn redeem(c: &reqwest::Client, i: &DemoInfo, device: &str) -> (u16, Value) {
    let r = c
        .post(format!("{}/{}/oauth2/v2.0/token", i.login_url, i.tenant_id))
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", i.client_id.as_str()),
            ("device_code", device),
        ])
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

/// Issue 21: the device-code page is shared (as Microsoft's
/// `microsoft.com/devicelogin` is) and the code names the tenant. A code of
/// the second tenant is approved on `/devicelogin` and on the control
/// endpoint, and its token reads that tenant's Graph; an unknown code is
/// still refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_device_code_page_serves_the_tenant_that_issued_the_code() {
    let sim = Sim::start(SimConfig {
        tenants: 2,
        users: 3,
        groups: 1,
        require_auth: true,
        ..SimConfig::for_tests()
    })
    .await
    .unwrap();
    let (ia, ib) = (sim.info(), sim.tenant(1).unwrap().info());
    let c = reqwest::Client::new();

    // The page, as a browser uses it.
    let (user, device, page) = device_code(&c, &ib).await;
    assert_eq!(page, format!("{}/devicelogin", ia.login_url), "one page");
    let r = c
        .get(format!("{page}?user_code={user}&decision=approve"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().await.unwrap().contains("You have signed in"));
    let (s, t) = redeem(&c, &ib, &device).await;
    assert_eq!(s, 200, "{t}");
    let at = t["access_token"].as_str().unwrap();
    let logs = format!("{}/v1.0/auditLogs/provisioning", ib.graph_url);
    assert_eq!(get(&c, &logs, at).await.0, 200);
    // Not a code of the first tenant: it cannot redeem it.
    let (s, e) = redeem(&c, &ia, &device).await;
    assert_eq!(
        (s, e["error"].as_str()),
        (400, Some("bad_verification_code"))
    );

    // The approve step of the control endpoints (what the e2e test uses).
    let (user, device, _) = device_code(&c, &ib).await;
    let r = c
        .post(format!("{}/devicecode/{user}/approve", ia.control_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(redeem(&c, &ib, &device).await.0, 200);

    // And the handle's.
    let (user, device, _) = device_code(&c, &ib).await;
    assert!(sim.approve_device_code(&user));
    assert_eq!(redeem(&c, &ib, &device).await.0, 200);

    // A code no tenant issued: the page refuses it, as before.
    let r = c
        .get(format!("{page}?user_code=NOTACODE0&decision=approve"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    sim.shutdown().await;
}
