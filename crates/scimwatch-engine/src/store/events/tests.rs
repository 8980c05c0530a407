use super::*;
use crate::store::{store_with_conn, Store};
use scimwatch_core::graph::parse_event_page;

fn page(n: usize, offset: usize) -> Vec<EventWithRaw> {
    let mut v = Vec::new();
    for i in offset..offset + n {
        let (status, code) = match i % 4 {
            0 => ("failure", "\"errorCode\":\"EntryConflict\""),
            1 => ("skipped", "\"errorCode\":\"NotEffectivelyEntitled\""),
            _ => ("success", "\"errorCode\":\"\""),
        };
        v.push(format!(
            r#"{{"id":"e{i}","activityDateTime":"2025-01-01T00:{:02}:{:02}Z","cycleId":"c{}","provisioningAction":"{}","provisioningStatusInfo":{{"status":"{status}","errorInformation":{{{code}}}}}}}"#,
            (i / 60) % 60,
            i % 60,
            i / 100,
            if i % 2 == 0 { "create" } else { "update" }
        ));
    }
    let body = format!("{{\"value\":[{}]}}", v.join(","));
    parse_event_page(body.as_bytes()).unwrap().0
}

#[tokio::test]
async fn bulk_insert_dedupes_and_rolls_up() {
    let store = store_with_conn().await;
    let events = page(300, 0);
    let mut conn = store.pool().acquire().await.unwrap();
    assert_eq!(insert_events(&mut conn, 1, &events).await.unwrap(), 300);
    assert_eq!(insert_events(&mut conn, 1, &events).await.unwrap(), 0);
    let more = page(10, 295);
    assert_eq!(insert_events(&mut conn, 1, &more).await.unwrap(), 5);
    let cycles_touched: BTreeSet<String> = ["c0", "c1", "c2", "c3"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    recompute_rollups(&mut conn, 1, &cycles_touched)
        .await
        .unwrap();
    drop(conn);
    assert_eq!(count(store.pool(), 1).await.unwrap(), 305);
    let cs = cycles(store.pool(), 1, 10).await.unwrap();
    assert_eq!(cs.len(), 4);
    let c0 = cs.iter().find(|c| c.cycle_id == "c0").unwrap();
    assert_eq!(c0.total, 100);
    assert_eq!(c0.failures, 25);
    assert_eq!(c0.counts["create"]["failure"], 25);
    assert_eq!(c0.counts["update"]["skipped"], 25);
    assert_eq!(
        c0.top_errors,
        vec![CodeCountRow {
            code: "EntryConflict".into(),
            count: 25
        }]
    );
    let c3 = cs.iter().find(|c| c.cycle_id == "c3").unwrap();
    assert_eq!(c3.total, 5);
    let skips = skip_reasons(store.pool(), 1, "c0").await.unwrap();
    assert_eq!(skips[0].code, "NotEffectivelyEntitled");
    let e7 = events.iter().find(|e| e.0.event_id == "e7").unwrap();
    assert!(
        super::raw_pages::raw_json(store.pool(), 1, e7.0.activity_ms, "e7")
            .await
            .unwrap()
            .unwrap()
            .contains("\"e7\"")
    );
}

#[tokio::test]
async fn keyset_pages_cover_everything_once() {
    let store = store_with_conn().await;
    let mut conn = store.pool().acquire().await.unwrap();
    insert_events(&mut conn, 1, &page(250, 0)).await.unwrap();
    drop(conn);
    let f = EventFilter {
        status: Some("failure".into()),
        ..Default::default()
    };
    let mut seen = BTreeSet::new();
    let mut cursor = None;
    let mut last = i64::MAX;
    loop {
        let p = query(store.pool(), 1, &f, 7, cursor.as_deref())
            .await
            .unwrap();
        for e in &p.items {
            assert_eq!(e.status, "failure");
            assert!(e.activity_ms <= last);
            last = e.activity_ms;
            assert!(seen.insert(e.event_id.clone()));
        }
        match p.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), 63);
    let f = EventFilter {
        action: Some("create".into()),
        since_ms: Some(1_735_689_660_000),
        until_ms: Some(1_735_689_720_000),
        ..Default::default()
    };
    let p = query(store.pool(), 1, &f, 100, None).await.unwrap();
    assert_eq!(p.items.len(), 30);
    assert!(p.next_cursor.is_none());
    assert!(query(store.pool(), 1, &f, 10, Some("garbage"))
        .await
        .is_err());
}

#[tokio::test]
async fn identity_filter_matches_names_in_any_case_and_exact_ids() {
    let store = store_with_conn().await;
    let ev = |id: &str, src: &str, src_id: &str, tgt: &str| {
        format!(
            r#"{{"id":"{id}","activityDateTime":"2025-01-01T00:00:0{}Z","cycleId":"c","provisioningAction":"create","provisioningStatusInfo":{{"status":"success"}},"sourceIdentity":{{"id":"{src_id}","displayName":"{src}"}},"targetIdentity":{{"id":"t-{id}","displayName":"{tgt}"}}}}"#,
            id.len()
        )
    };
    let body = format!(
        "{{\"value\":[{},{},{}]}}",
        ev("a", "Ada Lovelace", "11111111-aaaa", "ada@contoso.example"),
        ev(
            "bb",
            "Grace Hopper",
            "22222222-bbbb",
            "grace@contoso.example"
        ),
        ev("ccc", "100% Sales_Team", "33333333-cccc", "sales")
    );
    let events = parse_event_page(body.as_bytes()).unwrap().0;
    let mut conn = store.pool().acquire().await.unwrap();
    insert_events(&mut conn, 1, &events).await.unwrap();
    drop(conn);
    let who = |w: &str| EventFilter {
        identity: Some(w.into()),
        ..Default::default()
    };
    let ids = |p: Page<EventRow>| p.items.into_iter().map(|e| e.event_id).collect::<Vec<_>>();
    for (w, want) in [
        ("lovelace", vec!["a"]),
        ("CONTOSO", vec!["bb", "a"]),
        ("22222222-bbbb", vec!["bb"]),
        ("t-ccc", vec!["ccc"]),
        // LIKE wildcards in the search are literal characters.
        ("%", vec!["ccc"]),
        ("a_e", vec![]),
        ("Sales_", vec!["ccc"]),
        ("nobody", vec![]),
    ] {
        let got = ids(query(store.pool(), 1, &who(w), 50, None).await.unwrap());
        assert_eq!(got, want, "{w}");
    }
}

#[tokio::test]
async fn count_follows_inserts_duplicates_and_deletes() {
    let store = store_with_conn().await;
    let exact = |store: Store| async move {
        let n: i64 =
            sqlx::query_scalar("SELECT count(*) FROM provisioning_events WHERE connection_id = 1")
                .fetch_one(store.pool())
                .await
                .unwrap();
        assert_eq!(count(store.pool(), 1).await.unwrap(), n);
        n
    };
    assert_eq!(exact(store.clone()).await, 0);
    let mut conn = store.pool().acquire().await.unwrap();
    insert_events(&mut conn, 1, &page(300, 0)).await.unwrap();
    insert_events(&mut conn, 1, &page(300, 0)).await.unwrap();
    insert_events(&mut conn, 1, &page(10, 295)).await.unwrap();
    drop(conn);
    assert_eq!(exact(store.clone()).await, 305);
    sqlx::query("DELETE FROM provisioning_events WHERE connection_id = 1 AND status = 'failure'")
        .execute(store.pool())
        .await
        .unwrap();
    assert_eq!(exact(store.clone()).await, 305 - 77);
    sqlx::query("DELETE FROM connections WHERE id = 1")
        .execute(store.pool())
        .await
        .unwrap();
    assert_eq!(count(store.pool(), 1).await.unwrap(), 0);
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM event_counts")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(rows, 0);
}

async fn plan(store: &Store, f: &EventFilter, cursor: Option<(i64, i64)>) -> String {
    let qb = build_query(1, f, 101, cursor, "id");
    let sql = format!("EXPLAIN QUERY PLAN {}", qb.sql());
    // Plans do not depend on the bound values here; bind one per placeholder.
    let mut q = sqlx::query_as::<_, (i64, i64, i64, String)>(&sql);
    for _ in 0..sql.matches('?').count() {
        q = q.bind(1i64);
    }
    let rows = q.fetch_all(store.pool()).await.unwrap();
    rows.into_iter()
        .map(|r| r.3)
        .collect::<Vec<_>>()
        .join(" | ")
}

#[tokio::test]
async fn queries_use_the_indexes_without_sorting() {
    let store = store_with_conn().await;
    let f = EventFilter {
        status: Some("failure".into()),
        since_ms: Some(0),
        until_ms: Some(10),
        ..Default::default()
    };
    for cursor in [None, Some((5, 3))] {
        let p = plan(&store, &f, cursor).await;
        assert!(p.contains("events_by_status_time"), "{p}");
        assert!(!p.contains("TEMP B-TREE"), "{p}");
    }
    let f = EventFilter {
        action: Some("create".into()),
        ..Default::default()
    };
    let p = plan(&store, &f, Some((5, 3))).await;
    assert!(p.contains("events_by_action_time"), "{p}");
    assert!(!p.contains("TEMP B-TREE"), "{p}");
    // Unfiltered: the unique key (connection, time, event id), read
    // newest first; only the rows of one millisecond are sorted by rowid.
    for cursor in [None, Some((5, 3))] {
        let p = plan(&store, &EventFilter::default(), cursor).await;
        assert!(p.contains("sqlite_autoindex_provisioning_events_1"), "{p}");
        assert!(
            !p.contains("TEMP B-TREE")
                || p.contains("RIGHT PART OF ORDER BY")
                || p.contains("LAST TERM OF ORDER BY"),
            "{p}"
        );
    }
}
