//! Upgrades of the SCIM side: inventory versions moved (v7), compliance
//! verdicts (v10), the write probe's clean-up list (v11) and its reports
//! (v15).

use scimwatch_engine::store::connections as rows;
use scimwatch_engine::Store;

use super::fixture_copy;

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
