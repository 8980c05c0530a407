//! A cycle against a real `scim2-server` (PyPI) creates exactly the expected users and groups.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use entra_sim::testing::Scim2Server;
use entra_sim::{ScimTarget, Sim, SimConfig};

#[tokio::test]
async fn cycle_against_scim2_server() {
    let server = Scim2Server::start().await.expect("scim2-server");
    let sim = Sim::start(SimConfig {
        scim_target: ScimTarget::External {
            base_address: server.base_url.clone(),
            token: server.token.clone(),
        },
        ..SimConfig::for_tests()
    })
    .await
    .unwrap();
    let r = sim.run_cycle().await;
    assert_eq!(r.state.as_deref(), Some("Succeeded"), "{r:?}");
    let (want_users, want_groups, group_sizes) = sim.with_tenant(|t| {
        let su = t.users_in_scope();
        let users: std::collections::BTreeSet<String> = t
            .users
            .iter()
            .enumerate()
            .filter(|(i, _)| su[*i])
            .map(|(_, u)| u.user_principal_name.to_lowercase())
            .collect();
        let sg = t.groups_in_scope();
        let groups: std::collections::BTreeSet<String> = t
            .groups
            .iter()
            .enumerate()
            .filter(|(i, _)| sg[*i])
            .map(|(_, g)| g.display_name.clone())
            .collect();
        let sizes: std::collections::BTreeMap<String, usize> = t
            .groups
            .iter()
            .enumerate()
            .filter(|(i, _)| sg[*i])
            .map(|(_, g)| {
                (
                    g.display_name.clone(),
                    g.members.iter().filter(|m| su[**m as usize]).count(),
                )
            })
            .collect();
        (users, groups, sizes)
    });
    let c = reqwest::Client::new();
    let users: serde_json::Value = c
        .get(format!("{}/Users?count=1000", server.base_url))
        .bearer_auth(&server.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let got: std::collections::BTreeSet<String> = users["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userName"].as_str().unwrap().to_lowercase())
        .collect();
    assert_eq!(got, want_users);
    let groups: serde_json::Value = c
        .get(format!("{}/Groups?count=1000", server.base_url))
        .bearer_auth(&server.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let got: std::collections::BTreeMap<String, usize> = groups["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["displayName"].as_str().unwrap().to_string(),
                g["members"].as_array().map_or(0, Vec::len),
            )
        })
        .collect();
    assert_eq!(
        got.keys()
            .cloned()
            .collect::<std::collections::BTreeSet<_>>(),
        want_groups
    );
    assert_eq!(got, group_sizes);
    // a second cycle is quiet; unassignment disables the user there too
    let r = sim.run_cycle().await;
    assert_eq!(r.created + r.updated, 0, "{r:?}");
    sim.inject(entra_sim::Fault::UserUnassigned { user_id: None })
        .unwrap();
    let r = sim.run_cycle().await;
    assert!(r.disabled >= 1 && r.failed == 0, "{r:?}");
    // validateCredentials against the real server
    let url = format!(
        "{}/v1.0/servicePrincipals/{}/synchronization/jobs/{}/validateCredentials",
        sim.base_url(),
        sim.info().service_principal_id,
        sim.info().job_id
    );
    let r = c
        .post(&url)
        .json(&serde_json::json!({"useSavedCredentials": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    let r = c.post(&url).json(&serde_json::json!({"useSavedCredentials": false, "credentials": [{"key": "BaseAddress", "value": server.base_url}, {"key": "SecretToken", "value": "wrong"}]})).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    sim.shutdown().await;
}
