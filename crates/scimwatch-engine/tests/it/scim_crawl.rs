//! Inventory crawl: paging correctness with concurrency, misbehaving paging,
//! cancellation, delta snapshots, diff, drift; interop with scim2-server and
//! the simulator's built-in target.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::scim_fixture;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::Utc;
use scim_fixture::{add_connection, engine, group, user, with_users, Behaviour, Fixture, TOKEN};
use scimwatch_core::scim::{AssignedUser, DriftConfig};
use scimwatch_core::Sensitive;
use scimwatch_engine::scim::crawl::{crawl_to_memory, MemoryInventory};
use scimwatch_engine::scim::drift::drift;
use scimwatch_engine::scim::{
    run_inventory, CancelFlag, CrawlConfig, CrawlMode, ScimClient, ScimError,
};
use scimwatch_engine::store::inventory;
use serde_json::json;

fn client(url: &str, token: &str) -> ScimClient {
    ScimClient::new(url, &Sensitive::new(token.into()), Default::default()).unwrap()
}

fn cfg(page: u32, mode: CrawlMode, max_in_flight: usize) -> CrawlConfig {
    CrawlConfig {
        page_size: page,
        group_page_size: page,
        mode,
        max_in_flight,
        ..CrawlConfig::default()
    }
}

fn unique(inv: &MemoryInventory) -> usize {
    inv.users
        .iter()
        .map(|u| &u.id)
        .collect::<HashSet<_>>()
        .len()
}

#[tokio::test]
async fn adaptive_crawl_is_complete_with_short_pages_and_throttling() {
    let fx = Fixture::start(Behaviour {
        max_page: 20, // the server returns fewer than `count`
        ..with_users(357)
    })
    .await;
    fx.set(|b| b.throttle_every = Some(9));
    let (tx, rx) = tokio::sync::watch::channel(Default::default());
    let (inv, run) = crawl_to_memory(
        &client(&fx.url, TOKEN),
        &cfg(50, CrawlMode::Adaptive, 6),
        Some(&tx),
        &CancelFlag::new(),
    )
    .await
    .unwrap();
    assert_eq!(inv.users.len(), 357);
    assert_eq!(unique(&inv), 357);
    assert_eq!(inv.groups.len(), 3);
    let users = &run.stats[0];
    assert_eq!(users.total_results, Some(357));
    assert_eq!(users.duplicates, 0);
    assert!(users.max_in_flight > 1, "{users:?}");
    assert!(users.throttled > 0, "{users:?}");
    let p = rx.borrow().clone();
    assert_eq!(p.phase, "groups");

    // Sequential gives the same.
    let (inv2, _) = crawl_to_memory(
        &client(&fx.url, TOKEN),
        &cfg(50, CrawlMode::Sequential, 1),
        None,
        &CancelFlag::new(),
    )
    .await
    .unwrap();
    assert_eq!(unique(&inv2), 357);
}

#[tokio::test]
async fn paging_deviations_terminate_and_are_reported() {
    // Ignores startIndex: the same page forever must terminate.
    for mode in [CrawlMode::Sequential, CrawlMode::Adaptive] {
        let fx = Fixture::start(Behaviour {
            ignore_start_index: true,
            ..with_users(100)
        })
        .await;
        let (inv, run) = crawl_to_memory(
            &client(&fx.url, TOKEN),
            &cfg(10, mode, 4),
            None,
            &CancelFlag::new(),
        )
        .await
        .unwrap();
        assert_eq!(inv.users.len(), 10, "{mode:?}");
        assert!(
            run.findings.iter().any(|f| f.code == "ignores_start_index"),
            "{mode:?}: {:?}",
            run.findings
        );
        assert!(fx.requests() < 40, "{mode:?}: {} requests", fx.requests());
    }
    // Without totalResults, sequential paging until an empty page.
    let fx = Fixture::start(Behaviour {
        no_total_results: true,
        ignore_start_index: true,
        ..with_users(30)
    })
    .await;
    let (inv, run) = crawl_to_memory(
        &client(&fx.url, TOKEN),
        &cfg(10, CrawlMode::Adaptive, 4),
        None,
        &CancelFlag::new(),
    )
    .await
    .unwrap();
    assert_eq!(inv.users.len(), 10);
    assert!(run
        .findings
        .iter()
        .any(|f| f.code == "total_results_missing"));
    assert!(run.findings.iter().any(|f| f.code == "ignores_start_index"));

    // 0-based: the skipped first user is recovered and reported.
    let fx = Fixture::start(Behaviour {
        zero_based: true,
        ..with_users(45)
    })
    .await;
    let (inv, run) = crawl_to_memory(
        &client(&fx.url, TOKEN),
        &cfg(10, CrawlMode::Adaptive, 4),
        None,
        &CancelFlag::new(),
    )
    .await
    .unwrap();
    assert_eq!(unique(&inv), 45);
    assert!(
        run.findings.iter().any(|f| f.code == "zero_based_paging"),
        "{:?}",
        run.findings
    );

    // Duplicate ids on pages are dropped and reported.
    let fx = Fixture::start(Behaviour {
        duplicate_ids: true,
        ..with_users(30)
    })
    .await;
    let (inv, run) = crawl_to_memory(
        &client(&fx.url, TOKEN),
        &cfg(10, CrawlMode::Sequential, 1),
        None,
        &CancelFlag::new(),
    )
    .await
    .unwrap();
    assert_eq!(inv.users.len(), 30);
    assert!(
        run.findings.iter().any(|f| f.code == "duplicate_ids"),
        "{:?}",
        run.findings
    );

    // The page cap stops a crawl.
    let fx = Fixture::start(with_users(100)).await;
    let (inv, run) = crawl_to_memory(
        &client(&fx.url, TOKEN),
        &CrawlConfig {
            max_pages: 3,
            ..cfg(10, CrawlMode::Adaptive, 4)
        },
        None,
        &CancelFlag::new(),
    )
    .await
    .unwrap();
    assert!(inv.users.len() <= 40, "{}", inv.users.len());
    assert!(run.findings.iter().any(|f| f.code == "page_cap_reached"));
}

#[tokio::test]
async fn adaptive_concurrency_beats_sequential_on_a_slow_server() {
    let fx = Fixture::start(Behaviour {
        // 100 ms a page: the crate's whole test binary runs beside this
        // test, and at 50 ms scheduling noise once kept the probe judging
        // the server serial for most of the crawl.
        latency: Duration::from_millis(100),
        // 100 pages: on a busy host (CI runs tests side by side) the probe
        // may first judge this server serial; its hold (64 answers) then
        // ends and the probe runs again with pages left to ramp up on.
        ..with_users(1000)
    })
    .await;
    let c = client(&fx.url, TOKEN);
    let no_groups = |mode, n| CrawlConfig {
        include_groups: false,
        ..cfg(10, mode, n)
    };
    let t = Instant::now();
    crawl_to_memory(
        &c,
        &no_groups(CrawlMode::Sequential, 1),
        None,
        &CancelFlag::new(),
    )
    .await
    .unwrap();
    let seq = t.elapsed();
    let t = Instant::now();
    let (inv, run) = crawl_to_memory(
        &c,
        &no_groups(CrawlMode::Adaptive, 8),
        None,
        &CancelFlag::new(),
    )
    .await
    .unwrap();
    let par = t.elapsed();
    assert_eq!(unique(&inv), 1000);
    // Behaviour, not a benchmark (the ratio is measured by `make bench`):
    // against a server that answers in parallel, the crawl ramps up and
    // finishes sooner than one page at a time.
    assert!(run.stats[0].max_in_flight >= 4, "{:?}", run.stats[0]);
    assert!(par < seq, "adaptive {par:?} vs sequential {seq:?}");

    // A server that answers one request at a time: concurrency must not hurt.
    fx.set(|b| {
        b.serial = true;
        b.latency = Duration::from_millis(10);
    });
    let t = Instant::now();
    crawl_to_memory(
        &c,
        &no_groups(CrawlMode::Sequential, 1),
        None,
        &CancelFlag::new(),
    )
    .await
    .unwrap();
    let seq = t.elapsed();
    let t = Instant::now();
    crawl_to_memory(
        &c,
        &no_groups(CrawlMode::Adaptive, 8),
        None,
        &CancelFlag::new(),
    )
    .await
    .unwrap();
    let par = t.elapsed();
    assert!(
        par.as_secs_f64() < seq.as_secs_f64() * 2.0,
        "adaptive {par:?} vs sequential {seq:?} on a serial server"
    );
}

#[tokio::test]
async fn a_serial_server_is_remembered_between_crawls() {
    // Issue 22: every crawl of a serial server used to start with a probe
    // pair (two requests at once, a few per cent of a short crawl). What a
    // crawl learns now carries over to the next crawl of the same server,
    // so most crawls after the first send one request at a time only.
    // 20 ms a request: on a loaded machine (the whole test binary runs
    // beside it) a 5 ms server's pair was once judged a gain by scheduling
    // noise alone and the limit grew to 3.
    let fx = Fixture::start(Behaviour {
        serial: true,
        latency: Duration::from_millis(20),
        ..with_users(200)
    })
    .await;
    let c = client(&fx.url, TOKEN);
    let adaptive = CrawlConfig {
        include_groups: false,
        ..cfg(10, CrawlMode::Adaptive, 8)
    };
    let mut in_flight = Vec::new();
    for _ in 0..10 {
        let (inv, run) = crawl_to_memory(&c, &adaptive, None, &CancelFlag::new())
            .await
            .unwrap();
        assert_eq!(unique(&inv), 200);
        in_flight.push(run.stats[0].max_in_flight);
    }
    assert!(in_flight.iter().all(|&n| n <= 2), "{in_flight:?}");
    assert_eq!(in_flight[0], 2, "the first crawl probes: {in_flight:?}");
    let probing = in_flight.iter().filter(|&&n| n > 1).count();
    assert!(
        probing <= 6,
        "{probing} of 10 crawls sent two at once: {in_flight:?}"
    );
}

#[tokio::test]
async fn snapshots_are_deltas_and_diff_and_cancel() {
    let fx = Fixture::start(with_users(500)).await;
    let engine = engine().await;
    let conn = add_connection(&engine, "Acme", &fx.url, TOKEN).await;
    let c = cfg(50, CrawlMode::Adaptive, 4);
    let first = run_inventory(&engine, &conn, &c, None, &CancelFlag::new(), Utc::now())
        .await
        .unwrap();
    assert!(first.full);
    assert_eq!((first.users, first.groups), (500, 3));
    assert_eq!(first.versions_written, 503);

    // 1 % changed.
    fx.set(|b| {
        for i in 0..5 {
            b.users[i * 100]["displayName"] = json!(format!("Renamed {i}"));
        }
    });
    let second = run_inventory(&engine, &conn, &c, None, &CancelFlag::new(), Utc::now())
        .await
        .unwrap();
    assert!(!second.full);
    assert_eq!(second.changes, 5);
    assert_eq!(second.versions_written, 5);
    let b1 = inventory::stored_bytes(engine.store.pool(), first.snapshot_id)
        .await
        .unwrap();
    let b2 = inventory::stored_bytes(engine.store.pool(), second.snapshot_id)
        .await
        .unwrap();
    assert!(b2 * 10 < b1, "delta {b2} bytes vs full {b1} bytes");

    // Add, remove, change membership.
    fx.set(|b| {
        b.users.remove(7);
        b.users.push(user(900));
        b.groups[0] = group(0, &[0, 1, 900]);
    });
    let third = run_inventory(&engine, &conn, &c, None, &CancelFlag::new(), Utc::now())
        .await
        .unwrap();
    let row = scimwatch_engine::store::connections::get_by_uuid(engine.store.pool(), &conn)
        .await
        .unwrap()
        .unwrap();
    let mut db = engine.store.pool().acquire().await.unwrap();
    let d = inventory::diff(&mut db, row.id, first.snapshot_id, second.snapshot_id)
        .await
        .unwrap();
    assert_eq!(d.counts.users_changed, 5);
    assert_eq!(
        d.users.changed[0].changed_paths,
        vec!["displayName".to_string()]
    );
    let d = inventory::diff(&mut db, row.id, second.snapshot_id, third.snapshot_id)
        .await
        .unwrap();
    assert_eq!(d.counts.users_added, 1);
    assert_eq!(d.counts.users_removed, 1);
    assert_eq!(d.users.removed[0].id, "u00007");
    assert_eq!(
        d.groups.changed[0].members_added,
        vec!["u00900".to_string()]
    );
    assert_eq!(
        d.groups.changed[0].members_removed,
        vec!["u00002".to_string()]
    );
    // Reconstruction equals what the server holds.
    let snap = inventory::load(&mut db, row.id, third.snapshot_id)
        .await
        .unwrap();
    assert_eq!(snap.users.len(), 500);
    assert!(snap.users.contains_key("u00900") && !snap.users.contains_key("u00007"));
    assert_eq!(snap.users["u00100"].value["displayName"], "Renamed 1");
    drop(db);

    // Cancel mid-crawl: no complete snapshot.
    fx.set(|b| b.latency = Duration::from_millis(40));
    let cancel = CancelFlag::new();
    let c2 = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        c2.cancel();
    });
    let r = run_inventory(
        &engine,
        &conn,
        &cfg(10, CrawlMode::Adaptive, 2),
        None,
        &cancel,
        Utc::now(),
    )
    .await;
    assert!(matches!(r, Err(ScimError::Cancelled)), "{r:?}");
    let list = inventory::list(engine.store.pool(), row.id, 10)
        .await
        .unwrap();
    assert_eq!(list[0].state, "cancelled");
    assert_eq!(list[0].changes, 0);
    assert_eq!(
        inventory::latest_complete(engine.store.pool(), row.id)
            .await
            .unwrap(),
        Some(third.snapshot_id)
    );

    // A failing server leaves a failed snapshot.
    fx.set(|b| {
        b.latency = Duration::ZERO;
        b.status = Some(403);
    });
    let r = run_inventory(&engine, &conn, &c, None, &CancelFlag::new(), Utc::now()).await;
    assert!(matches!(r, Err(ScimError::Auth(_))), "{r:?}");
    let list = inventory::list(engine.store.pool(), row.id, 10)
        .await
        .unwrap();
    assert_eq!(list[0].state, "failed");

    // A crash leaves `running` (with the change rows written so far);
    // startup marks it failed and its rows go.
    let id = inventory::begin(engine.store.pool(), row.id, 1)
        .await
        .unwrap();
    let mut db = engine.store.pool().acquire().await.unwrap();
    inventory::insert_changes(
        &mut db,
        id,
        &[(inventory::ResourceType::User, "u00001", None)],
    )
    .await
    .unwrap();
    drop(db);
    let pool = engine.store.pool().clone();
    let rows_of = |sid: i64| {
        let pool = pool.clone();
        async move {
            let (n,): (i64,) =
                sqlx::query_as("SELECT count(*) FROM inventory_changes WHERE snapshot_id = ?")
                    .bind(sid)
                    .fetch_one(&pool)
                    .await
                    .unwrap();
            n
        }
    };
    assert_eq!(rows_of(id).await, 1);
    assert_eq!(
        inventory::fail_stale_running(engine.store.pool(), None, 2)
            .await
            .unwrap(),
        1
    );
    let s = inventory::get(engine.store.pool(), row.id, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.state, "failed");
    assert_eq!(rows_of(id).await, 0);
}

#[tokio::test]
async fn long_chains_get_a_full_snapshot() {
    let fx = Fixture::start(with_users(20)).await;
    let engine = engine().await;
    let conn = add_connection(&engine, "Acme", &fx.url, TOKEN).await;
    let c = cfg(50, CrawlMode::Sequential, 1);
    let mut fulls = 0;
    for i in 0..(inventory::MAX_CHAIN + 3) {
        fx.set(|b| b.users[0]["displayName"] = json!(format!("v{i}")));
        let o = run_inventory(&engine, &conn, &c, None, &CancelFlag::new(), Utc::now())
            .await
            .unwrap();
        fulls += usize::from(o.full);
    }
    assert_eq!(fulls, 2);
    let row = scimwatch_engine::store::connections::get_by_uuid(engine.store.pool(), &conn)
        .await
        .unwrap()
        .unwrap();
    let latest = inventory::latest_complete(engine.store.pool(), row.id)
        .await
        .unwrap()
        .unwrap();
    let mut db = engine.store.pool().acquire().await.unwrap();
    let snap = inventory::load(&mut db, row.id, latest).await.unwrap();
    assert_eq!(snap.users.len(), 20);
    assert_eq!(
        snap.users["u00000"].value["displayName"],
        format!("v{}", inventory::MAX_CHAIN + 2)
    );
}

#[tokio::test]
async fn drift_against_the_latest_inventory() {
    let mut b = with_users(6);
    b.users[5]["userName"] = json!("USER1@example.com"); // duplicate of user1
    b.users[2]["active"] = json!(false);
    let fx = Fixture::start(b).await;
    let engine = engine().await;
    let conn = add_connection(&engine, "Acme", &fx.url, TOKEN).await;
    let assigned = |upn: &str, active: bool| AssignedUser {
        principal_id: upn.into(),
        display_name: None,
        matching_value: Some(upn.into()),
        expected_active: active,
    };
    let list = vec![
        assigned("user0@example.com", true),
        assigned("user1@example.com", true),
        assigned("user2@example.com", true),
        assigned("nobody@example.com", true),
    ];
    let e = drift(&engine, &conn, &list, &DriftConfig::default())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("run a crawl first"), "{e}");
    run_inventory(
        &engine,
        &conn,
        &CrawlConfig::default(),
        None,
        &CancelFlag::new(),
        Utc::now(),
    )
    .await
    .unwrap();
    let r = drift(&engine, &conn, &list, &DriftConfig::default())
        .await
        .unwrap();
    let c = r.report.counts;
    assert_eq!(c.missing, 1);
    assert_eq!(c.orphans, 2, "{:?}", r.report.orphans); // user3, user4
    assert_eq!(c.duplicates, 1);
    assert_eq!(c.active_mismatches, 1);
    let obs = scimwatch_engine::scim::drift::to_observation(&r.report, Utc::now());
    assert_eq!(obs.missing, 1);
}

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

#[tokio::test]
async fn batched_version_inserts_store_each_change_once_and_a_revert_diffs_as_unchanged() {
    // 950 users: more than one multi-row INSERT chunk.
    let fx = Fixture::start(with_users(950)).await;
    let engine = engine().await;
    let conn = add_connection(&engine, "Acme", &fx.url, TOKEN).await;
    let c = cfg(100, CrawlMode::Adaptive, 4);
    let cancel = CancelFlag::new();
    let run = || run_inventory(&engine, &conn, &c, None, &cancel, Utc::now());
    let first = run().await.unwrap();
    assert_eq!(first.versions_written, 953);
    let mut original = serde_json::Value::Null;
    fx.set(|b| {
        original = b.users[3]["displayName"].clone();
        b.users[3]["displayName"] = json!("Changed");
    });
    let second = run().await.unwrap();
    assert_eq!((second.changes, second.versions_written), (1, 1));
    // Back to the original content: stored again (versions are appended,
    // read by id), and equal to the first snapshot's by content.
    fx.set(|b| b.users[3]["displayName"] = original.clone());
    let third = run().await.unwrap();
    assert_eq!((third.changes, third.versions_written), (1, 1));
    // Unchanged resources are never stored again.
    let fourth = run().await.unwrap();
    assert_eq!((fourth.changes, fourth.versions_written), (0, 0));
    let (rows,): (i64,) = sqlx::query_as("SELECT count(*) FROM scim_versions")
        .fetch_one(engine.store.pool())
        .await
        .unwrap();
    assert_eq!(rows, 955);
    let row = scimwatch_engine::store::connections::get_by_uuid(engine.store.pool(), &conn)
        .await
        .unwrap()
        .unwrap();
    let mut db = engine.store.pool().acquire().await.unwrap();
    let d = inventory::diff(&mut db, row.id, first.snapshot_id, third.snapshot_id)
        .await
        .unwrap();
    assert_eq!(d.counts.users_changed, 0, "{:?}", d.counts);
    let snap = inventory::load(&mut db, row.id, third.snapshot_id)
        .await
        .unwrap();
    assert_eq!(snap.users.len(), 950);
    assert_eq!(snap.users["u00003"].value["displayName"], original);
}

#[tokio::test]
async fn adaptive_backs_off_to_one_on_a_serial_server() {
    // Each request holds the server alone for 15 ms: parallel requests only
    // queue, so the crawl must settle at one in flight.
    let fx = Fixture::start(Behaviour {
        serial: true,
        latency: Duration::from_millis(15),
        ..with_users(600)
    })
    .await;
    let c = client(&fx.url, TOKEN);
    let (tx, mut rx) =
        tokio::sync::watch::channel(scimwatch_engine::scim::CrawlProgress::default());
    let watcher = tokio::spawn(async move {
        let mut seen = Vec::new();
        while rx.changed().await.is_ok() {
            let p = rx.borrow().clone();
            if p.phase == "users" {
                seen.push(p.in_flight);
            }
        }
        seen
    });
    let (inv, run) = crawl_to_memory(
        &c,
        &CrawlConfig {
            include_groups: false,
            ..cfg(10, CrawlMode::Adaptive, 8)
        },
        Some(&tx),
        &CancelFlag::new(),
    )
    .await
    .unwrap();
    drop(tx);
    let seen = watcher.await.unwrap();
    assert_eq!(unique(&inv), 600);
    assert_eq!(run.stats[0].duplicates, 0);
    // The last half of the crawl ran (almost) one request at a time.
    let tail = &seen[seen.len() / 2..];
    let parallel = tail.iter().filter(|n| **n > 1).count();
    assert!(
        parallel * 5 < tail.len(),
        "{parallel} of {} progress reports in the second half had more than one request in flight: {seen:?}",
        tail.len()
    );
}

/// A server that ignores both `startIndex` and `count` (every page is its
/// first 20 users) while `totalResults` says 150: the crawl read 20 users,
/// and that snapshot must never pass for the inventory (issue 17, defect 10).
#[tokio::test]
async fn a_crawl_that_reads_less_than_total_results_is_stored_incomplete() {
    let fx = Fixture::start(Behaviour {
        ignore_start_index: true,
        max_page: 20,
        ..with_users(150)
    })
    .await;
    let engine = engine().await;
    let conn = add_connection(&engine, "Acme", &fx.url, TOKEN).await;
    for mode in [CrawlMode::Adaptive, CrawlMode::Sequential] {
        let out = run_inventory(
            &engine,
            &conn,
            &cfg(100, mode, 4),
            None,
            &CancelFlag::new(),
            Utc::now(),
        )
        .await
        .unwrap();
        assert_eq!(out.users, 20, "{mode:?}");
        let why = out.incomplete.as_deref().expect("incomplete");
        assert!(
            why.contains("read 20 of the 150") && why.contains("ignores startIndex"),
            "{mode:?}: {why}"
        );
        assert!(out.stats[0].incomplete.is_some());
    }
    let pool = engine.store.pool();
    let cid = inventory::connection_of(pool, 1).await.unwrap().unwrap();
    let list = inventory::list(pool, cid, 10).await.unwrap();
    assert_eq!(list.len(), 2);
    for s in &list {
        assert_eq!(s.state, "incomplete", "{s:?}");
        assert!(
            s.error.as_deref().is_some_and(|e| e.contains("150")),
            "{s:?}"
        );
    }
    // Never a base, never compared.
    assert_eq!(inventory::latest_complete(pool, cid).await.unwrap(), None);
    let mut db = pool.acquire().await.unwrap();
    let e = inventory::diff(&mut db, cid, list[1].id, list[0].id)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("incomplete"), "{e}");
    drop(db);

    // Fewer distinct resources than announced, without a paging finding:
    // totalResults counts one more user than the server ever lists.
    let fx = Fixture::start(with_users(59)).await;
    let conn = add_connection(&engine, "Beta", &fx.url, TOKEN).await;
    let ok = run_inventory(
        &engine,
        &conn,
        &cfg(25, CrawlMode::Adaptive, 4),
        None,
        &CancelFlag::new(),
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(ok.incomplete, None, "a consistent server is complete");
    fx.set(|b| b.total_results_offset = 1);
    let off = run_inventory(
        &engine,
        &conn,
        &cfg(25, CrawlMode::Adaptive, 4),
        None,
        &CancelFlag::new(),
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(
        off.incomplete.as_deref().is_some_and(
            |w| w.contains("read 59 distinct resources") && w.contains("totalResults says 60")
        ),
        "{:?}",
        off.incomplete
    );
}
