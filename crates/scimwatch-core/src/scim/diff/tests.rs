use super::*;
use serde_json::json;

#[test]
fn paths() {
    let cases = vec![
        (
            json!({"active": true}),
            json!({"active": false}),
            vec!["active"],
        ),
        (
            json!({"active": true}),
            json!({"active": true, "x": null}),
            vec![],
        ),
        (
            json!({"name": {"givenName": "A", "familyName": "B"}}),
            json!({"name": {"givenName": "C", "familyName": "B"}}),
            vec!["name.givenName"],
        ),
        (
            json!({"emails": [{"type": "work", "value": "a"}, {"type": "home", "value": "b"}]}),
            json!({"emails": [{"type": "home", "value": "b"}, {"type": "work", "value": "c"}]}),
            vec!["emails[type eq \"work\"].value"],
        ),
        (
            json!({"emails": [{"type": "work", "value": "a"}]}),
            json!({"emails": [{"type": "work", "value": "a"}, {"type": "home", "value": "b"}]}),
            vec!["emails[type eq \"home\"]"],
        ),
        (
            json!({"emails": [{"value": "a"}]}),
            json!({"emails": [{"value": "b"}]}),
            vec!["emails"],
        ),
        (
            json!({"emails": ["a", "b"]}),
            json!({"emails": ["b", "a"]}),
            vec![],
        ),
        (
            json!({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "A", "manager": {"value": "m1"}}}),
            json!({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "B", "manager": {"value": "m2"}}}),
            vec![
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
            ],
        ),
        (
            json!({"meta": {"lastModified": "1", "version": "a", "location": "x"}}),
            json!({"meta": {"lastModified": "2", "version": "b", "location": "y"}}),
            vec!["meta.location"],
        ),
        (json!({"a": 1}), json!({"b": 1}), vec!["a", "b"]),
        (json!(1), json!(2), vec!["$"]),
    ];
    for (old, new, expected) in cases {
        assert_eq!(changed_paths(&old, &new), expected, "{old} → {new}");
    }
}

fn snapshot(users: Vec<Value>, groups: Vec<Value>) -> Snapshot {
    let (s, skipped) = Snapshot::from_resources(users, groups);
    assert_eq!(skipped, 0);
    s
}

#[test]
fn small_snapshots() {
    let old = snapshot(
        vec![
            json!({"id": "u1", "userName": "ada", "active": true, "meta": {"version": "1"}}),
            json!({"id": "u2", "userName": "bob", "active": true}),
            json!({"id": "u3", "userName": "cy", "active": true}),
        ],
        vec![
            json!({"id": "g1", "displayName": "Sales", "members": [{"value": "u1"}, {"value": "u2"}]}),
            json!({"id": "g2", "displayName": "Old"}),
            json!({"id": "g3", "displayName": "Ops", "members": [{"value": "u1", "display": "Ada"}]}),
        ],
    );
    let new = snapshot(
        vec![
            json!({"id": "u1", "userName": "ada", "active": true, "meta": {"version": "2"}}),
            json!({"id": "u2", "userName": "bob", "active": false}),
            json!({"id": "u4", "userName": "dee", "active": true}),
        ],
        vec![
            json!({"id": "g1", "displayName": "Sales EU", "members": [{"value": "u2"}, {"value": "u4"}]}),
            json!({"id": "g3", "displayName": "Ops", "members": [{"value": "u1", "display": "Ada L."}]}),
            json!({"id": "g4", "displayName": "New"}),
        ],
    );
    let d = diff_snapshots(&old, &new);
    assert_eq!(
        d.users.added,
        vec![ResourceRef {
            id: "u4".into(),
            label: Some("dee".into()),
            active: Some(true),
            ..ResourceRef::default()
        }]
    );
    assert_eq!(d.users.removed[0].label.as_deref(), Some("cy"));
    assert_eq!(
        d.users.changed.len(),
        1,
        "meta.version alone is not a change"
    );
    assert_eq!(d.users.changed[0].id, "u2");
    assert_eq!(d.users.changed[0].changed_paths, ["active"]);
    assert_eq!(d.groups.added[0].label.as_deref(), Some("New"));
    assert_eq!(d.groups.removed[0].id, "g2");
    let g1 = &d.groups.changed[0];
    assert_eq!(g1.id, "g1");
    assert_eq!(g1.changed_paths, ["displayName"]);
    assert_eq!(g1.members_added, ["u4"]);
    assert_eq!(g1.members_removed, ["u1"]);
    assert_eq!(g1.changes[0].old.as_deref(), Some("Sales"));
    assert_eq!(g1.changes[0].new.as_deref(), Some("Sales EU"));
    assert_eq!(d.member_labels["u4"], "dee");
    assert_eq!(d.member_labels["u1"], "ada");
    assert_eq!(d.users.changed[0].changes[0].old.as_deref(), Some("true"));
    assert_eq!(d.groups.added[0].members, None);
    assert_eq!(d.groups.removed[0].external_id, None);
    let g3 = &d.groups.changed[1];
    assert_eq!(g3.changed_paths, ["members"]);
    assert!(g3.members_added.is_empty());
    assert_eq!(
        d.counts,
        DiffCounts {
            users_added: 1,
            users_removed: 1,
            users_changed: 1,
            groups_added: 1,
            groups_removed: 1,
            groups_changed: 2,
            memberships_added: 1,
            memberships_removed: 1,
        }
    );
    assert!(diff_snapshots(&new, &new).is_empty());
}

#[test]
fn snapshot_skips_resources_without_id() {
    let (s, skipped) = Snapshot::from_resources(
        vec![json!({"userName": "x"}), json!({"id": 5})],
        vec![json!(3)],
    );
    assert_eq!(skipped, 2);
    assert!(s.users.contains_key("5"));
}

fn user(i: usize, active: bool) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": format!("id-{i:06}"),
        "externalId": format!("ext{i}"),
        "userName": format!("user{i}@example.com"),
        "active": active,
        "name": {"givenName": format!("G{i}"), "familyName": "F"},
        "emails": [{"value": format!("user{i}@example.com"), "type": "work", "primary": true}],
        "meta": {"resourceType": "User", "lastModified": "2024-01-01T00:00:00Z"}
    })
}

#[test]
fn ten_thousand_users() {
    const N: usize = 10_000;
    let old_users: Vec<Value> = (0..N).map(|i| user(i, true)).collect();
    let mut new_users: Vec<Value> = Vec::with_capacity(N);
    for i in 0..N {
        if i % 500 == 0 {
            continue; // 20 removed
        }
        let mut u = user(i, i % 100 != 1); // 100 deactivated
        if i % 1000 == 7 {
            // 10 touched only in volatile meta: not a change
            u["meta"]["lastModified"] = json!("2025-01-01T00:00:00Z");
        }
        new_users.push(u);
    }
    for i in N..N + 30 {
        new_users.push(user(i, true)); // 30 added
    }
    let (old, _) = Snapshot::from_resources(old_users, Vec::new());
    let (new, _) = Snapshot::from_resources(new_users, Vec::new());
    let d = diff_snapshots(&old, &new);
    assert_eq!(d.counts.users_removed, 20);
    assert_eq!(d.counts.users_added, 30);
    assert_eq!(d.counts.users_changed, 100);
    assert!(d
        .users
        .changed
        .iter()
        .all(|c| c.changed_paths == ["active"]));
    assert_eq!(d.users.removed[0].id, "id-000000");
    assert_eq!(d.users.added[0].id, "id-010000");
    assert!(d.users.changed.windows(2).all(|w| w[0].id < w[1].id));
}
