//! The slow faults: the built-in SCIM target and Graph answer late by the
//! injected latency, and on time again once cleared.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::time::{Duration, Instant};

use entra_sim::{Fault, GraphFamily};

async fn timed_get(url: &str, token: Option<&str>) -> (u16, Duration) {
    let http = reqwest::Client::new();
    let mut req = http.get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let t = Instant::now();
    let status = req.send().await.unwrap().status().as_u16();
    (status, t.elapsed())
}

#[tokio::test]
async fn scim_slow_and_graph_slow_add_their_latency() {
    let sim = common::sim().await;
    let info = sim.info();
    let users = format!("{}/Users?count=1", info.scim_url);
    let jobs = format!(
        "{}/v1.0/servicePrincipals/{}/synchronization/jobs",
        info.graph_url, info.service_principal_id
    );

    let (s, fast) = timed_get(&users, Some(&info.scim_token)).await;
    assert_eq!(s, 200);
    sim.inject(Fault::ScimSlow { latency_ms: 400 }).unwrap();
    let (s, slow) = timed_get(&users, Some(&info.scim_token)).await;
    assert_eq!(s, 200);
    assert!(slow >= Duration::from_millis(400), "{slow:?}");
    assert!(fast < slow, "{fast:?} vs {slow:?}");

    sim.clear_faults();
    sim.inject(Fault::GraphSlow {
        family: GraphFamily::Synchronization,
        latency_ms: 400,
    })
    .unwrap();
    let (s, slow) = timed_get(&jobs, None).await;
    assert_eq!(s, 200);
    assert!(slow >= Duration::from_millis(400), "{slow:?}");
    // Other families are not slowed.
    let (_, other) = timed_get(&format!("{}/v1.0/servicePrincipals", info.graph_url), None).await;
    assert!(other < Duration::from_millis(400), "{other:?}");

    sim.clear_faults();
    let (_, again) = timed_get(&jobs, None).await;
    assert!(again < Duration::from_millis(400), "{again:?}");
    sim.shutdown().await;
}
