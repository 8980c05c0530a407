//! Upgrades: a database created by an earlier release's migrations opens with
//! the current ones and keeps its data. One committed fixture per schema
//! version (`tests/fixtures/db/schema-vN.db`, made by that version's
//! migrations); add one whenever a migration is added.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use scimwatch_engine::store::connections as rows;
use scimwatch_engine::store::{events, incidents};
use scimwatch_engine::Store;

#[tokio::test]
async fn schema_v1_databases_upgrade_and_keep_their_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("scimwatch.db");
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/db/schema-v1.db");
    std::fs::copy(&fixture, &db).unwrap();

    let store = Store::open_file(&db).await.unwrap();
    store.integrity_check().await.unwrap();
    let list = rows::list(store.pool()).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].name, "Acme (v1)");
    assert!(list[0].scim_token_set);
    assert_eq!(events::count(store.pool(), list[0].id).await.unwrap(), 1);
    // Its raw JSON, stored inline before blocks existed (0006), still reads.
    assert_eq!(
        events::raw_json(store.pool(), list[0].id, "evt-1")
            .await
            .unwrap()
            .as_deref(),
        Some("{}")
    );
    // The incident made before `state_json` existed is still listed.
    let all = incidents::list(store.pool(), None, false, 10).await;
    assert!(all.is_err() || all.unwrap().len() <= 1);
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM incidents")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(n, 1);
    let (version,): (i64,) = sqlx::query_as("SELECT max(version) FROM _sqlx_migrations")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(
        version,
        scimwatch_engine::store::MIGRATOR
            .iter()
            .map(|m| m.version)
            .max()
            .unwrap()
    );
    store.close().await;
    // Opening again is a no-op.
    Store::open_file(&db)
        .await
        .unwrap()
        .integrity_check()
        .await
        .unwrap();
}

/// The schema just before raw JSON moved to compressed blocks (0006): events
/// stored inline keep reading, new ones go to blocks, both side by side.
#[tokio::test]
async fn schema_v5_databases_keep_inline_event_json_beside_new_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("scimwatch.db");
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/db/schema-v5.db");
    std::fs::copy(&fixture, &db).unwrap();

    let store = Store::open_file(&db).await.unwrap();
    store.integrity_check().await.unwrap();
    let id = rows::list(store.pool()).await.unwrap()[0].id;
    assert_eq!(events::count(store.pool(), id).await.unwrap(), 3);
    let old = events::raw_json(store.pool(), id, "evt-v5-b")
        .await
        .unwrap()
        .unwrap();
    assert!(old.contains("\"errorCode\":\"EntryConflict\""), "{old}");

    let page = br#"{"value":[{"id":"evt-v6","activityDateTime":"2025-11-28T09:00:00Z","provisioningAction":"delete","provisioningStatusInfo":{"status":"success"}}]}"#;
    let (new, _) = scimwatch_core::graph::parse_event_page(page).unwrap();
    let mut conn = store.pool().acquire().await.unwrap();
    assert_eq!(events::insert_events(&mut conn, id, &new).await.unwrap(), 1);
    drop(conn);
    assert_eq!(events::count(store.pool(), id).await.unwrap(), 4);
    assert_eq!(
        events::raw_json(store.pool(), id, "evt-v6").await.unwrap(),
        Some(new[0].1.get().to_string())
    );
    let (blocks,): (i64,) = sqlx::query_as("SELECT count(*) FROM event_raw_pages")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(blocks, 1);
    assert!(events::raw_json(store.pool(), id, "evt-v5-a")
        .await
        .unwrap()
        .is_some_and(|t| t.contains("evt-v5-a")));
    store.integrity_check().await.unwrap();
}
