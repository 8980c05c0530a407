//! Interop: the crawl against scim2-server and the simulator's built-in
//! target.

use scimwatch_engine::scim::crawl::crawl_to_memory;
use scimwatch_engine::scim::{CancelFlag, CrawlMode};
use serde_json::json;

use super::{cfg, client, unique};

#[tokio::test]
async fn interop_scim2_server_and_sim_target() {
    let server = entra_sim::testing::Scim2Server::start().await.unwrap();
    let http = reqwest::Client::new();
    let mut ids = Vec::new();
    for i in 0..23 {
        let r = http
            .post(format!("{}/Users", server.base_url))
            .bearer_auth(&server.token)
            .header("content-type", "application/scim+json")
            .body(
                json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                       "userName": format!("s2s{i}@example.com"), "active": true})
                .to_string(),
            )
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
        let v: serde_json::Value = r.json().await.unwrap();
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    let r = http
        .post(format!("{}/Groups", server.base_url))
        .bearer_auth(&server.token)
        .header("content-type", "application/scim+json")
        .body(
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                   "displayName": "Sales", "members": [{"value": ids[0]}, {"value": ids[1]}]})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let c = client(&server.base_url, &server.token);
    for mode in [CrawlMode::Sequential, CrawlMode::Adaptive] {
        let (inv, run) = crawl_to_memory(&c, &cfg(5, mode, 4), None, &CancelFlag::new())
            .await
            .unwrap();
        assert_eq!(unique(&inv), 23, "{mode:?} {:?}", run.findings);
        assert_eq!(inv.groups.len(), 1);
        assert!(inv.groups[0].body.contains(&ids[1]), "members crawled");
    }

    // The simulator's built-in target after a provisioning cycle.
    let sim = entra_sim::Sim::start(entra_sim::SimConfig {
        users: 120,
        groups: 5,
        ..entra_sim::SimConfig::for_tests()
    })
    .await
    .unwrap();
    sim.run_cycle().await;
    let (users, groups) = sim.scim_contents();
    let info = sim.info();
    let (inv, _) = crawl_to_memory(
        &client(&info.scim_url, &info.scim_token),
        &cfg(17, CrawlMode::Adaptive, 4),
        None,
        &CancelFlag::new(),
    )
    .await
    .unwrap();
    assert_eq!(unique(&inv), users.len());
    assert!(!users.is_empty());
    assert_eq!(inv.groups.len(), groups.len());
    sim.shutdown().await;
}
