//! Upgrades: a database created by an earlier release's migrations opens with
//! the current ones and keeps its data. One committed fixture per schema
//! version (`tests/fixtures/db/schema-vN.db`, made by that version's
//! migrations); add one whenever a migration is added.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use scimwatch_core::graph::EventWithRaw;
use scimwatch_core::health::EvidenceValue;
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

/// The schema before resource versions lost their unique key (0008 moves
/// them to `scim_versions` and rebuilds `inventory_changes` around them):
/// every version keeps its id and body, every change row its reference, the
/// snapshots still load and diff, and a new snapshot stores beside them.
#[tokio::test]
async fn schema_v7_databases_move_inventory_versions_and_keep_every_snapshot() {
    use scimwatch_core::scim::content_hash;
    use scimwatch_engine::store::inventory::{self, Entry, NewVersion, ResourceType};

    let (_dir, db) = fixture_copy(7);
    type Version = (i64, String, String, String, String);
    type Change = (i64, String, String, Option<i64>);
    let versions_sql = |table: &str| {
        format!(
            "SELECT id, resource_type, scim_id, content_hash, body_json FROM {table} ORDER BY id"
        )
    };
    let changes_sql = "SELECT snapshot_id, resource_type, scim_id, version_id \
                       FROM inventory_changes ORDER BY snapshot_id, resource_type, scim_id";
    let (v_before, c_before): (Vec<Version>, Vec<Change>) = {
        let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(&db);
        let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
        let v = sqlx::query_as(&versions_sql("scim_resource_versions"))
            .fetch_all(&pool)
            .await
            .unwrap();
        let c = sqlx::query_as(changes_sql).fetch_all(&pool).await.unwrap();
        pool.close().await;
        (v, c)
    };
    assert_eq!((v_before.len(), c_before.len()), (4, 5), "2 snapshots");

    let store = Store::open_file(&db).await.unwrap();
    store.integrity_check().await.unwrap();
    let pool = store.pool();
    let v_after: Vec<Version> = sqlx::query_as(&versions_sql("scim_versions"))
        .fetch_all(pool)
        .await
        .unwrap();
    let c_after: Vec<Change> = sqlx::query_as(changes_sql).fetch_all(pool).await.unwrap();
    assert_eq!((v_after, c_after), (v_before, c_before));
    let (old,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM sqlite_master WHERE name = 'scim_resource_versions' \
         OR sql LIKE '%scim_resource_versions%'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(old, 0, "nothing refers to the old table");
    let broken: Vec<(String, i64, String, i64)> = sqlx::query_as("PRAGMA foreign_key_check")
        .fetch_all(pool)
        .await
        .unwrap();
    assert!(broken.is_empty(), "{broken:?}");

    let cid = rows::list(pool).await.unwrap()[0].id;
    let snaps = inventory::list(pool, cid, 10).await.unwrap();
    assert_eq!(snaps.len(), 2);
    let (s1, s2) = (snaps[1].id, snaps[0].id);
    let mut conn = pool.acquire().await.unwrap();
    let latest = inventory::load(&mut conn, cid, s2).await.unwrap();
    assert_eq!(latest.users.len(), 1);
    assert_eq!(latest.users["u2"].value["active"], false);
    assert_eq!(latest.groups.len(), 1);
    let d = inventory::diff(&mut conn, cid, s1, s2).await.unwrap();
    assert_eq!(
        (d.counts.users_removed, d.counts.users_changed),
        (1, 1),
        "{:?}",
        d.counts
    );

    // A new delta snapshot on top: u1 comes back with its old content.
    let base = inventory::state_of(&mut conn, s2).await.unwrap();
    drop(conn);
    let u1 = serde_json::json!({"id": "u1", "userName": "ada@v7.example", "active": true});
    let v = NewVersion {
        resource_type: ResourceType::User,
        scim_id: "u1".into(),
        hash: content_hash(&u1),
        body_json: u1.to_string(),
    };
    let s3 = inventory::begin(pool, cid, 1_764_340_000_000)
        .await
        .unwrap();
    let mut tx = pool.begin().await.unwrap();
    let ids = inventory::insert_versions(&mut tx, cid, std::slice::from_ref(&v))
        .await
        .unwrap();
    inventory::insert_changes(&mut tx, s3, &[(ResourceType::User, "u1", Some(ids[0]))])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(ids, vec![5], "appended after the moved versions");
    let mut now = base.clone();
    now.insert(
        (ResourceType::User, "u1".into()),
        Entry {
            version_id: ids[0],
            hash: v.hash,
        },
    );
    let mut conn = pool.acquire().await.unwrap();
    assert!(!inventory::full_due(&mut conn, Some(s2)).await.unwrap());
    let stats = inventory::complete(
        &mut conn,
        s3,
        Some((s2, &base)),
        false,
        &now,
        inventory::CrawlEnd {
            written: 1,
            incomplete: None,
            now_ms: 1_764_340_001_000,
        },
    )
    .await
    .unwrap();
    assert_eq!((stats.full, stats.changes, stats.users), (false, 1, 2));
    let d = inventory::diff(&mut conn, cid, s1, s3).await.unwrap();
    assert_eq!(
        (
            d.counts.users_added,
            d.counts.users_removed,
            d.counts.users_changed
        ),
        (0, 0, 1),
        "u1 as in s1, u2 changed: {:?}",
        d.counts
    );
    drop(conn);
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

/// Schema v10 → 0011 (`scim_compliance`): connections carry over, and the
/// compliance verdicts of discover and crawl are recorded and read back.
#[tokio::test]
async fn schema_v10_databases_record_scim_compliance() {
    use scimwatch_core::health::ComplianceDeviation;
    use scimwatch_engine::store::compliance::{self, Source};

    let (_dir, db) = fixture_copy(10);
    let store = Store::open_file(&db).await.unwrap();
    store.integrity_check().await.unwrap();
    let list = rows::list(store.pool()).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].name, "Acme v10");
    let id = list[0].id;
    assert_eq!(
        compliance::latest(store.pool(), id, Source::Discover)
            .await
            .unwrap(),
        None,
        "nothing examined yet"
    );
    let now = chrono::Utc::now();
    let dev = ComplianceDeviation {
        code: "ignores_start_index".into(),
        message: "the server ignores startIndex".into(),
    };
    compliance::record(
        store.pool(),
        id,
        Source::Crawl,
        now,
        None,
        std::slice::from_ref(&dev),
    )
    .await
    .unwrap();
    compliance::record(
        store.pool(),
        id,
        Source::Discover,
        now,
        Some("the SCIM token was refused (HTTP 401)"),
        &[],
    )
    .await
    .unwrap();
    let got = [
        compliance::latest(store.pool(), id, Source::Discover)
            .await
            .unwrap()
            .unwrap(),
        compliance::latest(store.pool(), id, Source::Crawl)
            .await
            .unwrap()
            .unwrap(),
    ];
    assert_eq!(compliance::observed(&got), Some(vec![dev]));
    assert_eq!(compliance::observed(&got[..1]), None, "could not examine");
    // A connection's verdicts go with it.
    sqlx::query("DELETE FROM connections WHERE id = ?")
        .bind(id)
        .execute(store.pool())
        .await
        .unwrap();
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM scim_compliance")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(n, 0);
}

/// Schema v11 → 0012 (`scim_probe_objects`): the write probe's clean-up list
/// is written and read back, and goes with its connection.
#[tokio::test]
async fn schema_v11_databases_keep_the_probe_clean_up_list() {
    let (_dir, db) = fixture_copy(11);
    let store = Store::open_file(&db).await.unwrap();
    store.integrity_check().await.unwrap();
    let list = rows::list(store.pool()).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].name, "Acme v11");
    let id = list[0].id;
    let left = scimwatch_engine::scim::probe::cleanup::pending(store.pool(), id)
        .await
        .unwrap();
    assert!(left.is_empty(), "nothing listed yet");
    sqlx::query(
        "INSERT INTO scim_probe_objects (connection_id, run_id, resource, names_json, \
         object_id, created_ms) VALUES (?, 'r1', 'Users', '[\"scimwatch-probe-x\"]', 'u1', 1)",
    )
    .bind(id)
    .execute(store.pool())
    .await
    .unwrap();
    let left = scimwatch_engine::scim::probe::cleanup::pending(store.pool(), id)
        .await
        .unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].id.as_deref(), Some("u1"));
    assert_eq!(left[0].names, vec!["scimwatch-probe-x".to_string()]);
    sqlx::query("DELETE FROM connections WHERE id = ?")
        .bind(id)
        .execute(store.pool())
        .await
        .unwrap();
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM scim_probe_objects")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(n, 0);
}

/// Schema v12 → 0013 (`incident_resolutions`): an incident resolved before
/// keeps its evidence as of resolution (backfilled, never live), an open one
/// can be acknowledged and resolved by hand with a note, and the history
/// lists both with their durations.
#[tokio::test]
async fn schema_v12_databases_keep_resolution_evidence() {
    let (_dir, db) = fixture_copy(12);
    let store = Store::open_file(&db).await.unwrap();
    store.integrity_check().await.unwrap();
    let list = rows::list(store.pool()).await.unwrap();
    assert_eq!(list[0].name, "Acme v12");
    let all = incidents::list(store.pool(), None, false, 10)
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    let old = all.iter().find(|v| !v.incident.is_active()).unwrap();
    let r = old.incident.resolution.as_ref().expect("backfilled");
    assert!(!r.by_hand);
    assert_eq!(r.evidence[0].label, "Next attempt");
    // Stored before values were typed: an RFC 3339 string loads as a time,
    // with the same text.
    assert_eq!(
        r.evidence[0].value,
        EvidenceValue::Time("2025-11-29T15:00:00Z".parse().unwrap())
    );
    assert_eq!(r.evidence[0].value.to_string(), "2025-11-29T15:00:00Z");
    assert_eq!(r.action, "Rotate the token.");

    let open = all.iter().find(|v| v.incident.is_active()).unwrap();
    let now = chrono::Utc::now();
    let acked = incidents::acknowledge(store.pool(), open.id, "alex", now)
        .await
        .unwrap();
    assert_eq!(acked.incident.acknowledged.unwrap().by, "alex");
    let done = incidents::resolve(store.pool(), open.id, "alex", "Restarted the gateway.", now)
        .await
        .unwrap();
    let r = done.incident.resolution.unwrap();
    assert_eq!(r.note.as_deref(), Some("Restarted the gateway."));
    assert_eq!(
        r.evidence[0].value,
        EvidenceValue::text("endpoint unreachable")
    );

    let page = incidents::history(store.pool(), Some(&list[0].uuid), None, 10, now)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(
        page.items[1].duration_ms, 3_600_000,
        "the old one lasted an hour"
    );
    assert!(page.items[0].resolved_by_hand);
    assert_eq!(page.next_cursor, None);
    store.integrity_check().await.unwrap();
}

/// Schema v14 → 0015 (`remediation_switch`, `remediation_audit`): a
/// connection from before is read-only (the switch is off, no actions), the
/// switch and an action can be recorded, and both go with the connection.
#[tokio::test]
async fn schema_v14_databases_start_read_only_and_record_remediation() {
    use scimwatch_engine::remediate::audit;
    let (_dir, db) = fixture_copy(14);
    let store = Store::open_file(&db).await.unwrap();
    store.integrity_check().await.unwrap();
    let list = rows::list(store.pool()).await.unwrap();
    assert_eq!(list[0].name, "Acme v14");
    let id = list[0].id;
    assert!(audit::get_switch(store.pool(), id).await.unwrap().is_none());
    assert!(audit::list(store.pool(), id, 10).await.unwrap().is_empty());
    let now = chrono::Utc::now();
    let a = audit::NewAudit {
        connection_id: id,
        request_id: "b6f0c2f4-0d7e-4a53-9a43-2f7b0f9d2a10",
        at: now,
        actor: "alex (application 11111111-2222-3333-4444-555555555555)",
        action: "enable",
        method: "POST",
        url: "https://graph.microsoft.com/v1.0/servicePrincipals/x/synchronization/jobs/y/validateCredentials",
        request_body: Some("{\"useSavedCredentials\": true}"),
        http_status: Some(204),
        outcome: "success",
        summary: "Remediation actions on",
        result_json: None,
    };
    audit::record(store.pool(), &a, Some(true)).await.unwrap();
    assert!(
        audit::get_switch(store.pool(), id)
            .await
            .unwrap()
            .unwrap()
            .enabled
    );
    let rows_ = audit::list(store.pool(), id, 10).await.unwrap();
    assert_eq!(rows_.len(), 1);
    assert_eq!(rows_[0].http_status, Some(204));
    // The same request id is one row (natural key).
    assert!(audit::record(store.pool(), &a, None).await.is_err());
    rows::delete(store.pool(), &list[0].uuid).await.unwrap();
    let (n,): (i64,) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM remediation_audit) + (SELECT COUNT(*) FROM remediation_switch)",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(n, 0, "removed with the connection");
    store.integrity_check().await.unwrap();
}

/// Schema v15 → 0016 (`scim_probe_reports`, `scim_probe_objects.cleanup_error`):
/// the clean-up list a v15 probe left is kept and shown with its id; a
/// clean-up failure is recorded with it; a probe report is stored per kind
/// and read back; both go with their connection.
#[tokio::test]
async fn schema_v15_databases_keep_the_clean_up_list_and_store_probe_reports() {
    use scimwatch_engine::scim::probe::cleanup::pending;
    use scimwatch_engine::store::probe_reports::{self, Kind};
    let (_dir, db) = fixture_copy(15);
    let store = Store::open_file(&db).await.unwrap();
    store.integrity_check().await.unwrap();
    let list = rows::list(store.pool()).await.unwrap();
    assert_eq!(list[0].name, "Acme v15");
    let id = list[0].id;
    let left = pending(store.pool(), id).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].id.as_deref(), Some("u-v15"));
    assert!(
        !left[0].reason.contains("last clean-up"),
        "{}",
        left[0].reason
    );
    sqlx::query("UPDATE scim_probe_objects SET cleanup_error = 'HTTP 503', cleanup_ms = 1")
        .execute(store.pool())
        .await
        .unwrap();
    let left = pending(store.pool(), id).await.unwrap();
    assert!(left[0].reason.contains("HTTP 503"), "{}", left[0].reason);

    let at = chrono::Utc::now();
    assert!(probe_reports::latest(store.pool(), id, Kind::Write)
        .await
        .unwrap()
        .is_none());
    probe_reports::record(store.pool(), id, Kind::Write, at, "ready_for_entra", "{}")
        .await
        .unwrap();
    probe_reports::record(
        store.pool(),
        id,
        Kind::ReadOnly,
        at,
        "could_not_probe",
        "{}",
    )
    .await
    .unwrap();
    let w = probe_reports::latest(store.pool(), id, Kind::Write)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(w.verdict, "ready_for_entra");
    assert_eq!(w.checked_at.timestamp_millis(), at.timestamp_millis());
    sqlx::query("DELETE FROM connections WHERE id = ?")
        .bind(id)
        .execute(store.pool())
        .await
        .unwrap();
    for table in ["scim_probe_reports", "scim_probe_objects"] {
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(n, 0, "{table}");
    }
    store.integrity_check().await.unwrap();
}

/// Schema v16 → 0017 (`alert_channels`, `alert_outbox`). The fixture is
/// schema-v15.db with 0016 applied as sqlx applies it (same SQL, same
/// checksum in `_sqlx_migrations`). A channel can be added, the fixture's
/// open incident put in the outbox once per idempotency key, and removing
/// the channel takes its queued alerts with it.
#[tokio::test]
async fn schema_v16_databases_take_alert_channels_and_the_outbox() {
    use scimwatch_core::Sensitive;
    use scimwatch_engine::alerts::{self, outbox, AlertChannelInput, AlertEvent, ChannelKind};
    let (dir, db) = fixture_copy(16);
    let store = Store::open_file(&db).await.unwrap();
    store.integrity_check().await.unwrap();
    let list = rows::list(store.pool()).await.unwrap();
    assert_eq!(list[0].name, "Acme v16");
    let engine = scimwatch_engine::Engine::from_parts(
        store.clone(),
        std::sync::Arc::new(scimwatch_engine::secrets::MemoryStore::new()),
        dir.path().into(),
    );
    let now = chrono::Utc::now();
    let input = AlertChannelInput {
        name: "ops".into(),
        kind: ChannelKind::Webhook,
        url: Some(Sensitive::new("https://alerts.example.com/hook".into())),
        signing_secret: Some(Sensitive::new("0123456789abcdef-v16".into())),
        email: None,
        smtp_password: None,
        min_severity: scimwatch_core::health::Severity::Warning,
        connections: vec![],
    };
    alerts::add(&engine, &input, now).await.unwrap();
    let open = incidents::list(store.pool(), None, true, 10).await.unwrap();
    assert_eq!(open.len(), 1);
    let i = &open[0];
    let event = AlertEvent {
        key: format!("incident-{}-opened", i.id),
        transition: alerts::Transition::Opened,
        incident_id: Some(i.id),
        connection_id: Some(i.connection_id.clone()),
        connection_name: Some(i.connection_name.clone()),
        kind: Some(i.incident.kind.as_str().to_string()),
        severity: scimwatch_core::health::Severity::Critical,
        title: i.incident.title.clone(),
        summary: i.incident.title.clone(),
        body: String::new(),
        action: i.incident.action.clone(),
        occurred_at: now,
    };
    let mut tx = scimwatch_engine::store::begin_write(store.pool())
        .await
        .unwrap();
    assert_eq!(outbox::enqueue_in(&mut tx, &event, now).await.unwrap(), 1);
    assert_eq!(
        outbox::enqueue_in(&mut tx, &event, now).await.unwrap(),
        0,
        "one row per key and channel"
    );
    tx.commit().await.unwrap();
    let heads = outbox::heads(store.pool()).await.unwrap();
    assert_eq!(heads.len(), 1);
    assert_eq!(heads[0].event, event);
    alerts::remove(&engine, "ops").await.unwrap();
    assert!(outbox::heads(store.pool()).await.unwrap().is_empty());
    store.integrity_check().await.unwrap();
}

/// Schema v17 → 0018 (`all_apps`, `tenant_connection_id`, `retired_ms`,
/// `retired_reason`). The fixture is schema-v16.db with 0017 applied as
/// sqlx applies it. The stored connection stays a one-app connection; a
/// tenant watching every app can be added beside it, with app connections
/// under it (one per service principal), retired and removed with it.
#[tokio::test]
async fn schema_v17_databases_take_all_apps_tenants() {
    use scimwatch_core::connection::GroupRole;
    use scimwatch_core::{AuthMode, Cloud, ConnectionInput};
    use scimwatch_engine::connections::{self, SecretsInput};
    let (dir, db) = fixture_copy(17);
    let store = Store::open_file(&db).await.unwrap();
    store.integrity_check().await.unwrap();
    let list = rows::list(store.pool()).await.unwrap();
    assert_eq!(list.len(), 1);
    let old = &list[0];
    assert!(!old.all_apps);
    assert_eq!(old.tenant_connection_id, None);
    assert_eq!(old.retired_ms, None);
    assert!(old.clone().into_connection().group.is_none());
    let secrets = scimwatch_engine::secrets::MemoryStore::new();
    let input = ConnectionInput {
        name: "Contoso v17".into(),
        cloud: Cloud::Global,
        tenant_id: Some("contoso.onmicrosoft.com".into()),
        auth_mode: AuthMode::Delegated,
        all_apps: Some(true),
        ..Default::default()
    };
    let saved = connections::add(
        &store,
        &secrets,
        &input,
        &SecretsInput::default(),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let tenant = rows::get_by_uuid(store.pool(), &saved.connection.id)
        .await
        .unwrap()
        .unwrap();
    assert!(tenant.all_apps);
    assert_eq!(
        saved.connection.group.as_ref().map(|g| g.role),
        Some(GroupRole::Tenant)
    );
    let app = rows::NewApp {
        uuid: "00000000-0000-4000-8000-000000000017",
        name: "Contoso v17 / Slack",
        service_principal_id: "sp-17",
        app_id: Some("app-17"),
        app_display_name: Some("Slack"),
        job_id: Some("scim.17"),
    };
    rows::insert_app(store.pool(), &tenant, &app, 1_000)
        .await
        .unwrap();
    // One app connection per service principal and tenant.
    let twin = rows::NewApp {
        uuid: "00000000-0000-4000-8000-000000000018",
        name: "Contoso v17 / Slack 2",
        ..app.clone()
    };
    assert!(rows::insert_app(store.pool(), &tenant, &twin, 1_000)
        .await
        .is_err());
    let apps = rows::apps_of(store.pool(), tenant.id).await.unwrap();
    assert_eq!(apps.len(), 1);
    let a = apps[0].clone();
    assert_eq!(a.tenant_uuid.as_deref(), Some(tenant.uuid.as_str()));
    assert_eq!(
        a.tenant_id, tenant.tenant_id,
        "the tenant's sign-in, not copied secrets"
    );
    let c = a.clone().into_connection();
    let g = c.group.unwrap();
    assert_eq!(
        (g.role, g.tenant_name.as_str()),
        (GroupRole::App, "Contoso v17")
    );
    rows::set_retired(store.pool(), &a.uuid, Some((2_000, "gone")), 2_000)
        .await
        .unwrap();
    let a = rows::get_by_uuid(store.pool(), &a.uuid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.retired_ms, Some(2_000));
    assert_eq!(a.retired_reason.as_deref(), Some("gone"));
    // Removing the tenant takes its apps along.
    connections::remove(&store, &secrets, "Contoso v17")
        .await
        .unwrap();
    assert!(rows::get_by_uuid(store.pool(), &a.uuid)
        .await
        .unwrap()
        .is_none());
    assert_eq!(rows::list(store.pool()).await.unwrap().len(), 1);
    store.integrity_check().await.unwrap();
    drop(dir);
}
