//! The raw Graph JSON of provisioning events, stored a page at a time as a
//! compressed block (migration 0006), in a real SQLite file: every event's
//! JSON comes back byte for byte, re-reads store nothing twice, rows from
//! before the migration still read, retention drops a block only with its
//! last event, and damage is a clear error that costs nothing else.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{TimeZone, Utc};
use scimwatch_core::graph::{parse_event_page, EventWithRaw};
use scimwatch_core::settings::Settings;
use scimwatch_engine::export::{export_events, ExportFormat};
use scimwatch_engine::store::events::{self, EventFilter, Prepared};
use scimwatch_engine::store::raw_pages::{raw_json, RawReader};
use scimwatch_engine::Store;

const DAY: i64 = 86_400_000;

/// Events `from..to`, one minute apart from `start_ms`, each with its own
/// modified properties so no two raw texts are alike.
fn page(from: usize, to: usize, start_ms: i64) -> Vec<EventWithRaw> {
    let v: Vec<String> = (from..to)
        .map(|i| {
            let at = Utc
                .timestamp_millis_opt(start_ms + i as i64 * 60_000)
                .unwrap()
                .to_rfc3339();
            format!(
                r#"{{"id":"ev-{i}","activityDateTime":"{at}","cycleId":"c{}","provisioningAction":"create","provisioningStatusInfo":{{"status":"success"}},"modifiedProperties":[{{"displayName":"mail","oldValue":null,"newValue":"user{i}@contoso.com"}}],"note":"é ✓ \"quoted\" \\n"}}"#,
                i / 50
            )
        })
        .collect();
    let body = format!("{{\"value\":[{}]}}", v.join(","));
    parse_event_page(body.as_bytes()).unwrap().0
}

async fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in(dir.path()).await.unwrap();
    sqlx::query(
        "INSERT INTO connections (uuid, name, scim_url, created_ms, updated_ms) \
         VALUES ('u', 'n', 'https://x', 0, 0)",
    )
    .execute(store.pool())
    .await
    .unwrap();
    (dir, store)
}

async fn blocks(store: &Store) -> Vec<(i64, i64)> {
    sqlx::query_as("SELECT id, length(body) FROM event_raw_pages ORDER BY id")
        .fetch_all(store.pool())
        .await
        .unwrap()
}

async fn assert_raw_back(store: &Store, events: &[EventWithRaw]) {
    let mut reader = RawReader::default();
    for (r, raw) in events {
        let got = reader
            .get(store.pool(), 1, r.activity_ms, &r.event_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got, raw.get(), "{}", r.event_id);
    }
}

#[tokio::test]
async fn a_page_is_one_compressed_block_and_every_event_reads_back() {
    let (_dir, store) = store().await;
    let evs = page(0, 400, 1_700_000_000_000);
    let raw_bytes: usize = evs.iter().map(|e| e.1.get().len()).sum();
    let prepared = Prepared::new(evs.clone()).unwrap();
    let mut conn = store.pool().acquire().await.unwrap();
    assert_eq!(
        events::insert_prepared(&mut conn, 1, &prepared)
            .await
            .unwrap(),
        400
    );
    drop(conn);
    let b = blocks(&store).await;
    assert_eq!(b.len(), 1);
    assert!(
        (b[0].1 as usize) * 3 < raw_bytes,
        "block {} B for {raw_bytes} B of JSON",
        b[0].1
    );
    // Nothing of the text is kept in the row itself.
    let (inline,): (i64,) =
        sqlx::query_as("SELECT coalesce(sum(length(raw_json)), 0) FROM provisioning_events")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(inline, 0);
    assert_raw_back(&store, &evs).await;
    assert_eq!(
        raw_json(store.pool(), 1, evs[7].0.activity_ms, "ev-7")
            .await
            .unwrap(),
        Some(evs[7].1.get().to_string())
    );
    assert_eq!(
        raw_json(store.pool(), 1, evs[7].0.activity_ms, "no-such")
            .await
            .unwrap(),
        None
    );
    // An event is its id at its time: the id at another time is not it.
    assert_eq!(
        raw_json(store.pool(), 1, evs[7].0.activity_ms + 1, "ev-7")
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn re_reading_an_overlap_stores_only_the_new_events_json() {
    let (_dir, store) = store().await;
    let first = page(0, 300, 1_700_000_000_000);
    let overlap = page(250, 320, 1_700_000_000_000);
    let mut conn = store.pool().acquire().await.unwrap();
    let p = Prepared::new(first.clone()).unwrap();
    assert_eq!(
        events::insert_prepared(&mut conn, 1, &p).await.unwrap(),
        300
    );
    let p = Prepared::new(overlap.clone()).unwrap();
    assert_eq!(events::insert_prepared(&mut conn, 1, &p).await.unwrap(), 20);
    // All already stored: no block at all.
    let p = Prepared::new(page(0, 100, 1_700_000_000_000)).unwrap();
    assert_eq!(events::insert_prepared(&mut conn, 1, &p).await.unwrap(), 0);
    // A page repeating an event keeps its first copy.
    let mut twice = page(320, 330, 1_700_000_000_000);
    twice.push(twice[0].clone());
    assert_eq!(
        events::insert_events(&mut conn, 1, &twice).await.unwrap(),
        10
    );
    drop(conn);
    assert_eq!(events::count(store.pool(), 1).await.unwrap(), 330);
    let b = blocks(&store).await;
    assert_eq!(b.len(), 3, "{b:?}");
    // The second block holds the 20 new events' JSON only.
    let (spans,): (i64,) =
        sqlx::query_as("SELECT sum(raw_len) FROM provisioning_events WHERE raw_page = ?")
            .bind(b[1].0)
            .fetch_one(store.pool())
            .await
            .unwrap();
    let new_bytes: usize = overlap[50..].iter().map(|e| e.1.get().len()).sum();
    assert_eq!(spans as usize, new_bytes);
    let (max_end,): (i64,) = sqlx::query_as(
        "SELECT max(raw_offset + raw_len) FROM provisioning_events WHERE raw_page = ?",
    )
    .bind(b[1].0)
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(max_end as usize, new_bytes);
    assert_raw_back(&store, &first).await;
    assert_raw_back(&store, &overlap).await;
    assert_raw_back(&store, &twice[..10]).await;
}

#[tokio::test]
async fn rows_from_before_the_migration_keep_their_inline_json() {
    let (_dir, store) = store().await;
    sqlx::query(
        "INSERT INTO provisioning_events (connection_id, event_id, activity_ms, action, status, raw_json) \
         VALUES (1, 'legacy', 5, 'create', 'success', '{\"id\":\"legacy\"}')",
    )
    .execute(store.pool())
    .await
    .unwrap();
    let mut conn = store.pool().acquire().await.unwrap();
    let evs = page(0, 3, 1_700_000_000_000);
    events::insert_events(&mut conn, 1, &evs).await.unwrap();
    drop(conn);
    let mut reader = RawReader::default();
    assert_eq!(
        reader.get(store.pool(), 1, 5, "legacy").await.unwrap(),
        Some("{\"id\":\"legacy\"}".into())
    );
    assert_raw_back(&store, &evs).await;
}

#[tokio::test]
async fn retention_drops_a_block_only_with_its_last_event() {
    let (_dir, store) = store().await;
    let now = Utc.timestamp_millis_opt(1_800_000_000_000).unwrap();
    let now_ms = now.timestamp_millis();
    let settings = Settings::default();
    let keep = i64::from(settings.retention_days) * DAY;
    // Block 1: all older than the retention. Block 2: straddles the cut-off.
    let old = page(0, 10, now_ms - keep - DAY);
    let straddling = page(0, 10, now_ms - keep - 5 * 60_000)
        .into_iter()
        .map(|(mut r, raw)| {
            r.event_id = format!("s-{}", r.event_id);
            (r, raw)
        })
        .collect::<Vec<_>>();
    let mut conn = store.pool().acquire().await.unwrap();
    events::insert_events(&mut conn, 1, &old).await.unwrap();
    events::insert_events(&mut conn, 1, &straddling)
        .await
        .unwrap();
    drop(conn);
    assert_eq!(blocks(&store).await.len(), 2);
    let pruned = scimwatch_engine::settings::prune(&store, &settings, now)
        .await
        .unwrap();
    assert_eq!(
        pruned, 15,
        "10 old + the 5 straddling events before the cut-off"
    );
    let left = blocks(&store).await;
    assert_eq!(left.len(), 1);
    // The retained events of the straddling block still read back.
    assert_raw_back(&store, &straddling[5..]).await;
}

#[tokio::test]
async fn damaged_or_missing_blocks_are_clear_errors_and_the_rows_stay() {
    let (_dir, store) = store().await;
    let evs = page(0, 5, 1_700_000_000_000);
    let mut conn = store.pool().acquire().await.unwrap();
    events::insert_events(&mut conn, 1, &evs).await.unwrap();
    drop(conn);
    // Spoil the block, lose it, then lose the row's span too: each read
    // says what is wrong.
    for (spoil, says) in [
        (
            "UPDATE event_raw_pages SET body = x'0500000001'",
            ["damaged", "columns are intact"],
        ),
        ("DELETE FROM event_raw_pages", ["missing", "ev-1"]),
        (
            "UPDATE provisioning_events SET raw_offset = NULL WHERE event_id = 'ev-1'",
            ["span is missing", "columns are intact"],
        ),
    ] {
        sqlx::query(spoil).execute(store.pool()).await.unwrap();
        let e = raw_json(store.pool(), 1, evs[1].0.activity_ms, "ev-1")
            .await
            .unwrap_err()
            .to_string();
        assert!(says.iter().all(|w| e.contains(w)), "{spoil}: {e}");
    }
    // The Logs table does not need the JSON.
    let page = events::query(store.pool(), 1, &EventFilter::default(), 10, None)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 5);
}

#[tokio::test]
async fn a_json_export_reads_every_events_json_across_blocks() {
    let (dir, store) = store().await;
    let a = page(0, 150, 1_700_000_000_000);
    let b = page(150, 260, 1_700_000_000_000);
    let mut conn = store.pool().acquire().await.unwrap();
    events::insert_events(&mut conn, 1, &a).await.unwrap();
    events::insert_events(&mut conn, 1, &b).await.unwrap();
    drop(conn);
    let path = dir.path().join("out.jsonl");
    let r = export_events(
        &store,
        1,
        &EventFilter::default(),
        ExportFormat::Json,
        &path,
    )
    .await
    .unwrap();
    assert_eq!(r.rows, 260);
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // Newest first.
    let mut want: Vec<&str> = a.iter().chain(&b).map(|e| e.1.get()).collect();
    want.reverse();
    assert_eq!(lines, want);
}
