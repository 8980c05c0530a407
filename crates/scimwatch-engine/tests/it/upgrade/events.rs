//! Upgrades of the provisioning events: v1, the raw JSON moving to blocks
//! (v5), the table keyed by time (v6), the time index dropped (v8), the
//! stored-events count kept by the ingest (v9).

use scimwatch_core::graph::EventWithRaw;
use scimwatch_engine::store::raw_pages::raw_json;
use scimwatch_engine::store::{connections as rows, events, incidents};
use scimwatch_engine::Store;

use super::fixture_copy;

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

/// Names of the `kind` ('index', 'trigger') objects on `provisioning_events`.
async fn event_schema_names(store: &Store, kind: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE tbl_name = 'provisioning_events' \
         AND type = ? ORDER BY name",
    )
    .bind(kind)
    .fetch_all(store.pool())
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
    assert_eq!(
        indexes, 6,
        "unique key + 4 indexes + the delete count trigger (0009 dropped an index, \
         0010 the insert trigger)"
    );

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

/// The schema before `events_by_time` was dropped (0009): the index is gone,
/// the events and their queries are not.
#[tokio::test]
async fn schema_v8_databases_drop_the_time_index_and_keep_listing_events() {
    let (_dir, db) = fixture_copy(8);
    let store = Store::open_file(&db).await.unwrap();
    store.integrity_check().await.unwrap();
    assert_eq!(
        event_schema_names(&store, "index").await,
        [
            "events_by_action_time",
            "events_by_cycle",
            "events_by_error",
            "events_by_status_time",
            "sqlite_autoindex_provisioning_events_1"
        ]
    );
    let id = rows::list(store.pool()).await.unwrap()[0].id;
    let page = events::query(store.pool(), id, &Default::default(), 4, None)
        .await
        .unwrap();
    let times: Vec<i64> = page.items.iter().map(|e| e.activity_ms).collect();
    assert_eq!(times.len(), 4);
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );
    let next = events::query(
        store.pool(),
        id,
        &Default::default(),
        4,
        page.next_cursor.as_deref(),
    )
    .await
    .unwrap();
    assert_eq!(next.items.len(), 2, "6 events in all");
    store.integrity_check().await.unwrap();
}

/// The schema before the ingest kept the stored-events counter (0010 drops
/// the per-row insert trigger): the count carries over, new events raise it
/// once, re-read ones do not, and deletes still lower it.
#[tokio::test]
async fn schema_v9_databases_count_events_in_the_ingest() {
    let (_dir, db) = fixture_copy(9);
    let store = Store::open_file(&db).await.unwrap();
    store.integrity_check().await.unwrap();
    assert_eq!(
        event_schema_names(&store, "trigger").await,
        ["event_counts_delete"]
    );
    let id = rows::list(store.pool()).await.unwrap()[0].id;
    let exact = || async {
        let (n,): (i64,) =
            sqlx::query_as("SELECT count(*) FROM provisioning_events WHERE connection_id = ?")
                .bind(id)
                .fetch_one(store.pool())
                .await
                .unwrap();
        assert_eq!(events::count(store.pool(), id).await.unwrap(), n);
        n
    };
    assert_eq!(exact().await, 6, "the v9 count carries over");
    let page = br#"{"value":[
      {"id":"evt-v10-a","activityDateTime":"2025-11-29T09:00:00Z","provisioningAction":"create","provisioningStatusInfo":{"status":"success"}},
      {"id":"evt-v10-b","activityDateTime":"2025-11-29T09:00:01Z","provisioningAction":"update","provisioningStatusInfo":{"status":"failure"}}]}"#;
    assert_eq!(ingest(&store, id, page).await.1, 2);
    assert_eq!(exact().await, 8);
    assert_eq!(
        ingest(&store, id, page).await.1,
        0,
        "a re-read stores nothing"
    );
    assert_eq!(exact().await, 8, "and counts nothing");
    sqlx::query("DELETE FROM provisioning_events WHERE event_id = 'evt-v10-b'")
        .execute(store.pool())
        .await
        .unwrap();
    assert_eq!(exact().await, 7);
    store.integrity_check().await.unwrap();
}
