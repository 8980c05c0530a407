//! Upgrades: a database created by an earlier release's migrations opens with
//! the current ones and keeps its data. One committed fixture per schema
//! version (`tests/fixtures/db/schema-vN.db`, made by that version's
//! migrations); add one whenever a migration is added.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use scimwatch_core::graph::EventWithRaw;
use scimwatch_engine::store::connections as rows;
use scimwatch_engine::store::raw_pages::raw_json;
use scimwatch_engine::store::{events, incidents};
use scimwatch_engine::Store;

/// A copy of the committed fixture `schema-v{version}.db` in a temporary
/// folder (kept while the returned guard lives).
fn fixture_copy(version: u32) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("scimwatch.db");
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/fixtures/db/schema-v{version}.db"));
    std::fs::copy(&fixture, &db).unwrap();
    (dir, db)
}

/// Store a Graph page of events as an ingest does; returns its events and
/// how many were new.
async fn ingest(store: &Store, connection_id: i64, page: &[u8]) -> (Vec<EventWithRaw>, u64) {
    let (evs, _) = scimwatch_core::graph::parse_event_page(page).unwrap();
    let mut conn = store.pool().acquire().await.unwrap();
    let n = events::insert_events(&mut conn, connection_id, &evs)
        .await
        .unwrap();
    (evs, n)
}

/// The raw JSON of the stored event `event_id` (looked up at its stored
/// time, as the Logs drawer does from a listed row).
async fn raw_of(store: &Store, connection_id: i64, event_id: &str) -> Option<String> {
    let (at,): (i64,) = sqlx::query_as(
        "SELECT activity_ms FROM provisioning_events WHERE connection_id = ? AND event_id = ?",
    )
    .bind(connection_id)
    .bind(event_id)
    .fetch_one(store.pool())
    .await
    .unwrap();
    raw_json(store.pool(), connection_id, at, event_id)
        .await
        .unwrap()
}

#[tokio::test]
async fn schema_v1_databases_upgrade_and_keep_their_data() {
    let (_dir, db) = fixture_copy(1);

    let store = Store::open_file(&db).await.unwrap();
    store.integrity_check().await.unwrap();
    let list = rows::list(store.pool()).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].name, "Acme (v1)");
    assert!(list[0].scim_token_set);
    assert_eq!(events::count(store.pool(), list[0].id).await.unwrap(), 1);
    // Its raw JSON, stored inline before blocks existed (0006), still reads.
    assert_eq!(
        raw_of(&store, list[0].id, "evt-1").await.as_deref(),
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
    let (_dir, db) = fixture_copy(5);

    let store = Store::open_file(&db).await.unwrap();
    store.integrity_check().await.unwrap();
    let id = rows::list(store.pool()).await.unwrap()[0].id;
    assert_eq!(events::count(store.pool(), id).await.unwrap(), 3);
    let old = raw_of(&store, id, "evt-v5-b").await.unwrap();
    assert!(old.contains("\"errorCode\":\"EntryConflict\""), "{old}");

    let page = br#"{"value":[{"id":"evt-v6","activityDateTime":"2025-11-28T09:00:00Z","provisioningAction":"delete","provisioningStatusInfo":{"status":"success"}}]}"#;
    let (new, stored) = ingest(&store, id, page).await;
    assert_eq!(stored, 1);
    assert_eq!(events::count(store.pool(), id).await.unwrap(), 4);
    assert_eq!(
        raw_of(&store, id, "evt-v6").await,
        Some(new[0].1.get().to_string())
    );
    let (blocks,): (i64,) = sqlx::query_as("SELECT count(*) FROM event_raw_pages")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(blocks, 1);
    assert!(raw_of(&store, id, "evt-v5-a")
        .await
        .is_some_and(|t| t.contains("evt-v5-a")));
    store.integrity_check().await.unwrap();
}

/// The schema before events were keyed by time (0007 rebuilds the table):
/// every row keeps its rowid, columns, raw JSON (inline and in blocks) and
/// the stored-events count; indexes and count triggers are back; a re-read
/// of a stored event still conflicts.
#[tokio::test]
async fn schema_v6_databases_rebuild_the_events_table_and_keep_every_row() {
    let (_dir, db) = fixture_copy(6);
    type Row = (
        i64,
        String,
        i64,
        String,
        String,
        Option<String>,
        String,
        Option<i64>,
    );
    let rows_sql =
        "SELECT id, event_id, activity_ms, action, status, error_code, raw_json, raw_page \
                    FROM provisioning_events ORDER BY id";
    let before: Vec<Row> = {
        let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(&db);
        let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
        let r = sqlx::query_as(rows_sql).fetch_all(&pool).await.unwrap();
        pool.close().await;
        r
    };
    assert_eq!(before.len(), 6, "3 inline (v5) + 3 in a block (v6)");

    let store = Store::open_file(&db).await.unwrap();
    store.integrity_check().await.unwrap();
    let after: Vec<Row> = sqlx::query_as(rows_sql)
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(after, before);
    let id = rows::list(store.pool()).await.unwrap()[0].id;
    assert_eq!(events::count(store.pool(), id).await.unwrap(), 6);
    for (_, event_id, _, _, _, _, inline, page) in &before {
        let raw = raw_of(&store, id, event_id).await.unwrap();
        match page {
            None => assert_eq!(&raw, inline),
            Some(_) => assert!(raw.contains(event_id.as_str()), "{event_id}: {raw}"),
        }
    }
    let (indexes,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM sqlite_master WHERE tbl_name = 'provisioning_events' \
         AND type IN ('index', 'trigger')",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(indexes, 8, "unique key + 5 indexes + 2 count triggers");

    // The block events again (an incremental read's overlap) and one new.
    let page = br#"{"value":[
      {"id":"evt-v6-a","activityDateTime":"2025-11-28T09:00:00Z","provisioningAction":"create","provisioningStatusInfo":{"status":"success"}},
      {"id":"evt-v6-c","activityDateTime":"2025-11-28T09:00:02Z","provisioningAction":"disable","provisioningStatusInfo":{"status":"skipped"}},
      {"id":"evt-v7","activityDateTime":"2025-11-28T10:00:00Z","provisioningAction":"create","provisioningStatusInfo":{"status":"success"}}]}"#;
    let (evs, stored) = ingest(&store, id, page).await;
    assert_eq!(stored, 1);
    assert_eq!(events::count(store.pool(), id).await.unwrap(), 7);
    assert_eq!(
        raw_of(&store, id, "evt-v7").await,
        Some(evs[2].1.get().to_string())
    );
    store.integrity_check().await.unwrap();
}
