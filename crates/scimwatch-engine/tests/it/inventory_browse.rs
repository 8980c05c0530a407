//! The Inventory's browse, search, members and history, over snapshots
//! stored the way a crawl stores them (a full snapshot, then deltas).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::scim_fixture;

use std::time::Instant;

use scim_fixture::{add_connection, engine, group, user};
use scimwatch_core::scim::content_hash;
use scimwatch_engine::read_models::resources::{
    browse_snapshot, group_members, resource_history, VersionKind,
};
use scimwatch_engine::read_models::{self};
use scimwatch_engine::store::inventory::{self, CrawlEnd, Entry, NewVersion, ResourceType, State};
use scimwatch_engine::Engine;
use serde_json::{json, Value};

const U: ResourceType = ResourceType::User;
const G: ResourceType = ResourceType::Group;

struct Tenant {
    engine: Engine,
    uuid: String,
    id: i64,
}

async fn tenant() -> Tenant {
    let engine = engine().await;
    let uuid = add_connection(&engine, "Acme", "https://scim.example.com/scim", "t").await;
    let id = scimwatch_engine::store::connections::get_by_uuid(engine.store.pool(), &uuid)
        .await
        .unwrap()
        .unwrap()
        .id;
    Tenant { engine, uuid, id }
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

/// Store a snapshot as a crawl would: `put` resources added or changed,
/// `remove` gone, on top of the last complete snapshot (`None` = a full one).
async fn store(
    t: &Tenant,
    base: Option<i64>,
    put: &[(ResourceType, Value)],
    remove: &[(ResourceType, &str)],
    incomplete: Option<&str>,
) -> i64 {
    let mut conn = t.engine.store.pool().acquire().await.unwrap();
    let base_state: State = match base {
        Some(b) => inventory::state_of(&mut conn, b).await.unwrap(),
        None => State::new(),
    };
    let sid = inventory::begin(&mut *conn, t.id, 1).await.unwrap();
    let versions: Vec<NewVersion> = put
        .iter()
        .map(|(rt, v)| NewVersion {
            resource_type: *rt,
            scim_id: id_of(v),
            hash: content_hash(v),
            body_json: v.to_string(),
        })
        .collect();
    let mut tx = scimwatch_engine::store::begin_write_on(&mut conn)
        .await
        .unwrap();
    let ids = inventory::insert_versions(&mut tx, t.id, &versions)
        .await
        .unwrap();
    let rows: Vec<inventory::ChangeRow<'_>> = versions
        .iter()
        .zip(&ids)
        .map(|(v, id)| (v.resource_type, v.scim_id.as_str(), Some(*id)))
        .collect();
    inventory::insert_changes(&mut tx, sid, &rows)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut current = base_state.clone();
    for (v, id) in versions.iter().zip(&ids) {
        current.insert(
            (v.resource_type, v.scim_id.clone()),
            Entry {
                version_id: *id,
                hash: v.hash,
            },
        );
    }
    for (rt, id) in remove {
        current.remove(&(*rt, (*id).to_string()));
    }
    inventory::complete(
        &mut conn,
        sid,
        base.map(|b| (b, &base_state)),
        base.is_none(),
        &current,
        CrawlEnd {
            written: u32::try_from(rows.len()).unwrap(),
            incomplete,
            now_ms: 1_700_000_000_000 + sid * 60_000,
        },
    )
    .await
    .unwrap();
    sid
}

#[tokio::test]
async fn a_100k_user_snapshot_is_paged_and_searched_in_sql() {
    let t = tenant().await;
    const N: usize = 100_000;
    let mut put: Vec<(ResourceType, Value)> = (0..N).map(|i| (U, user(i))).collect();
    put.push((G, group(0, &[0, 1, 2])));
    let first = store(&t, None, &put, &[], None).await;
    // A delta on top: the browse folds the chain.
    let mut changed = user(42);
    changed["displayName"] = json!("Ada Lovelace");
    let mut odd = user(N + 1);
    odd["userName"] = json!("50%_off@example.com");
    let second = store(
        &t,
        Some(first),
        &[(U, changed), (U, odd)],
        &[(U, "u00007")],
        None,
    )
    .await;

    let started = Instant::now();
    let page = browse_snapshot(&t.engine, &t.uuid, second, U, None, 0, 50)
        .await
        .unwrap();
    eprintln!(
        "first page of {} users: {:?}",
        page.total,
        started.elapsed()
    );
    assert_eq!(page.total, u32::try_from(N).unwrap()); // one removed, one added
    assert_eq!(page.items.len(), 50);
    assert_eq!(page.snapshot.state, "complete");
    // Sorted by userName, case-insensitively: "50%_off…" sorts first.
    assert_eq!(page.items[0].label.as_deref(), Some("50%_off@example.com"));
    assert!(page
        .items
        .windows(2)
        .all(|w| w[0].label.as_ref().map(|s| s.to_lowercase())
            <= w[1].label.as_ref().map(|s| s.to_lowercase())));
    assert!(page.items.iter().all(|r| r.id != "u00007"));

    let started = Instant::now();
    let p = browse_snapshot(&t.engine, &t.uuid, second, U, Some("user4242@"), 0, 50)
        .await
        .unwrap();
    eprintln!("search among {N} users: {:?}", started.elapsed());
    assert_eq!(p.total, 1);
    assert_eq!(p.items[0].id, "u04242");
    assert_eq!(p.items[0].external_id.as_deref(), Some("ext4242"));
    assert_eq!(p.items[0].active, Some(true));
    // By displayName (the delta's version), externalId and id, any case.
    let p = browse_snapshot(&t.engine, &t.uuid, second, U, Some("ada LOVELACE"), 0, 50)
        .await
        .unwrap();
    assert_eq!((p.total, p.items[0].id.as_str()), (1, "u00042"));
    let p = browse_snapshot(&t.engine, &t.uuid, second, U, Some("EXT99999"), 0, 50)
        .await
        .unwrap();
    assert_eq!((p.total, p.items[0].id.as_str()), (1, "u99999"));
    let p = browse_snapshot(&t.engine, &t.uuid, second, U, Some("u0000"), 0, 5)
        .await
        .unwrap();
    assert_eq!(
        (p.total, p.items.len()),
        (9, 5),
        "u00000..u00009 without u00007"
    );
    // `%` and `_` match themselves, not anything.
    for wild in ["%", "_", "50%_"] {
        let p = browse_snapshot(&t.engine, &t.uuid, second, U, Some(wild), 0, 50)
            .await
            .unwrap();
        assert_eq!(p.total, 1, "{wild}");
        assert_eq!(p.items[0].label.as_deref(), Some("50%_off@example.com"));
    }
    // A later page, and one past the end that still counts.
    let p = browse_snapshot(&t.engine, &t.uuid, second, U, None, 99_990, 50)
        .await
        .unwrap();
    assert_eq!(p.items.len(), 10);
    let p = browse_snapshot(&t.engine, &t.uuid, second, U, None, 200_000, 50)
        .await
        .unwrap();
    assert_eq!((p.total, p.items.len()), (u32::try_from(N).unwrap(), 0));
    // The older snapshot still holds u00007 and the old displayName.
    let p = browse_snapshot(&t.engine, &t.uuid, first, U, Some("u00007"), 0, 50)
        .await
        .unwrap();
    assert_eq!(p.total, 1);
    // Groups are their own list.
    let p = browse_snapshot(&t.engine, &t.uuid, second, G, None, 0, 50)
        .await
        .unwrap();
    assert_eq!((p.total, p.items[0].members), (1, Some(3)));
}

#[tokio::test]
async fn members_resolve_in_the_same_snapshot_and_bad_input_is_refused() {
    let t = tenant().await;
    let mut g = group(1, &[1, 2]);
    g["members"]
        .as_array_mut()
        .unwrap()
        .push(json!({"value": "gone-1", "display": "Someone left"}));
    g["members"]
        .as_array_mut()
        .unwrap()
        .push(json!({"value": "g000", "type": "Group"}));
    let put = vec![(U, user(1)), (U, user(2)), (G, group(0, &[])), (G, g)];
    let s = store(&t, None, &put, &[], None).await;
    let m = group_members(&t.engine, &t.uuid, s, "g001", 0, 100)
        .await
        .unwrap();
    assert_eq!(m.total, 4);
    assert_eq!(m.group.label.as_deref(), Some("Group 1"));
    let names: Vec<Option<&str>> = m
        .members
        .iter()
        .map(|x| x.resolved.as_ref().and_then(|r| r.label.as_deref()))
        .collect();
    assert_eq!(
        names,
        [
            Some("user1@example.com"),
            Some("user2@example.com"),
            None,
            Some("Group 0")
        ]
    );
    assert_eq!(m.members[2].display.as_deref(), Some("Someone left"));
    assert_eq!(m.members[3].resolved_type, Some(G));
    // Paged.
    let m = group_members(&t.engine, &t.uuid, s, "g001", 2, 1)
        .await
        .unwrap();
    assert_eq!(
        (m.total, m.members.len(), m.members[0].id.as_str()),
        (4, 1, "gone-1")
    );
    // Errors say what is wrong.
    let e = group_members(&t.engine, &t.uuid, s, "nope", 0, 10)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("no group with id"), "{e}");
    let e = browse_snapshot(&t.engine, &t.uuid, 9999, U, None, 0, 10)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("no snapshot #9999"), "{e}");
    let long = "x".repeat(500);
    let e = browse_snapshot(&t.engine, &t.uuid, s, U, Some(&long), 0, 10)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("at most"), "{e}");
    assert!(read_models::resources::resource_type("Device").is_err());
}

#[tokio::test]
async fn an_incomplete_snapshot_is_browsable_and_labelled_a_failed_one_is_not() {
    let t = tenant().await;
    let s = store(&t, None, &[(U, user(1)), (U, user(2))], &[], None).await;
    let inc = store(
        &t,
        Some(s),
        &[],
        &[(U, "u00002")],
        Some("read 1 of 2 users"),
    )
    .await;
    let p = browse_snapshot(&t.engine, &t.uuid, inc, U, None, 0, 10)
        .await
        .unwrap();
    assert_eq!(p.snapshot.state, "incomplete");
    assert_eq!(p.snapshot.error.as_deref(), Some("read 1 of 2 users"));
    assert_eq!(p.total, 1);
    let failed = inventory::begin(t.engine.store.pool(), t.id, 5)
        .await
        .unwrap();
    inventory::abandon(t.engine.store.pool(), failed, "failed", "HTTP 500", 6)
        .await
        .unwrap();
    let e = browse_snapshot(&t.engine, &t.uuid, failed, U, None, 0, 10)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("is failed"), "{e}");
    // Never a diff base or a diff side.
    let e = scimwatch_engine::api::inventory::diff_snapshots(&t.engine, &t.uuid, s, inc)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("incomplete"), "{e}");
}

#[tokio::test]
async fn a_resources_versions_with_what_changed() {
    let t = tenant().await;
    let mut v1 = user(1);
    v1["password"] = json!("hunter2");
    let s1 = store(&t, None, &[(U, v1.clone()), (U, user(2))], &[], None).await;
    let mut v2 = v1.clone();
    v2["active"] = json!(false);
    v2["emails"] = json!([{"value": "ada@new.example", "type": "work", "primary": true}]);
    v2["password"] = json!("hunter3");
    let s2 = store(&t, Some(s1), &[(U, v2.clone())], &[], None).await;
    let s3 = store(&t, Some(s2), &[], &[], None).await; // nothing changed
                                                        // An incomplete read that missed it is not a removal.
    let _inc = store(&t, Some(s3), &[], &[(U, "u00001")], Some("stopped early")).await;
    let s4 = store(&t, Some(s3), &[], &[(U, "u00001")], None).await;
    let s5 = store(&t, Some(s4), &[(U, v2.clone())], &[], None).await;
    let h = resource_history(&t.engine, &t.uuid, U, "u00001")
        .await
        .unwrap();
    assert_eq!(h.label.as_deref(), Some("user1@example.com"));
    assert_eq!(h.snapshots, 5);
    let kinds: Vec<VersionKind> = h.versions.iter().map(|v| v.kind).collect();
    assert_eq!(
        kinds,
        [
            VersionKind::FirstSeen,
            VersionKind::Changed,
            VersionKind::Removed,
            VersionKind::Added
        ]
    );
    let v = &h.versions[1];
    assert_eq!((v.snapshot_id, v.last_snapshot_id), (s2, s3));
    let active = v.changes.iter().find(|c| c.path == "active").unwrap();
    assert_eq!(
        (active.old.as_deref(), active.new.as_deref()),
        (Some("true"), Some("false"))
    );
    let email = v
        .changes
        .iter()
        .find(|c| c.path == "emails[type eq \"work\"].value")
        .unwrap();
    assert_eq!(email.new.as_deref(), Some("ada@new.example"));
    assert!(v.changes.iter().any(|c| c.path == "password" && c.redacted));
    let all = serde_json::to_string(&h).unwrap();
    assert!(
        !all.contains("hunter"),
        "a secret reached the history: {all}"
    );
    assert_eq!(h.versions[2].snapshot_id, s4);
    assert!(h.versions[2].body.is_none());
    assert_eq!(h.versions[3].snapshot_id, s5);
    assert!(h.versions[3].changes.is_empty(), "back as it was");
    // A user never stored has an empty history.
    let none = resource_history(&t.engine, &t.uuid, U, "nobody")
        .await
        .unwrap();
    assert!(none.versions.is_empty());
}

#[tokio::test]
async fn the_diff_shows_values_and_names_members() {
    let t = tenant().await;
    let put = vec![
        (U, user(1)),
        (U, user(2)),
        (U, user(3)),
        (G, group(0, &[1, 2])),
    ];
    let a = store(&t, None, &put, &[], None).await;
    let mut u1 = user(1);
    u1["displayName"] = json!("Ada Lovelace");
    u1["password"] = json!("s3cr3t-value");
    let b = store(
        &t,
        Some(a),
        &[(U, u1), (G, group(0, &[1, 3])), (U, user(4))],
        &[(U, "u00002")],
        None,
    )
    .await;
    let d = scimwatch_engine::api::inventory::diff_snapshots(&t.engine, &t.uuid, a, b)
        .await
        .unwrap();
    let c = &d.users.changed[0];
    let dn = c.changes.iter().find(|x| x.path == "displayName").unwrap();
    assert_eq!(
        (dn.old.as_deref(), dn.new.as_deref()),
        (Some("User 1"), Some("Ada Lovelace"))
    );
    assert!(!serde_json::to_string(&d).unwrap().contains("s3cr3t"));
    assert_eq!(d.users.added[0].external_id.as_deref(), Some("ext4"));
    assert_eq!(
        d.users.removed[0].label.as_deref(),
        Some("user2@example.com")
    );
    let g = &d.groups.changed[0];
    assert_eq!(
        (g.members_added.as_slice(), g.members_removed.as_slice()),
        (&["u00003".to_string()][..], &["u00002".to_string()][..])
    );
    // u00003 is unchanged in both snapshots: its name is loaded for the diff.
    assert_eq!(d.member_labels["u00003"], "user3@example.com");
    assert_eq!(d.member_labels["u00002"], "user2@example.com");
}
