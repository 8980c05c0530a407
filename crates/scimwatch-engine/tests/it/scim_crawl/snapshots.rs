//! Snapshots: deltas, diff and cancel, a full snapshot after a long chain,
//! drift against the latest inventory, and batched version inserts.

use std::time::Duration;

use chrono::Utc;
use scimwatch_core::scim::{AssignedUser, DriftConfig};
use scimwatch_engine::scim::drift::drift;
use scimwatch_engine::scim::{run_inventory, CancelFlag, CrawlConfig, CrawlMode, ScimError};
use scimwatch_engine::store::inventory;
use serde_json::json;

use crate::scim_fixture::{add_connection, engine, group, user, with_users, Fixture, TOKEN};

use super::cfg;

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
