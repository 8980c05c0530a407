use super::*;

#[test]
fn patch_ops_apply() {
    let mut u =
        json!({"userName": "a", "active": true, "emails": [{"type": "work", "value": "a@x"}]});
    apply_op(
        &mut u,
        &json!({"op": "Replace", "path": "active", "value": false}),
    )
    .unwrap();
    apply_op(
        &mut u,
        &json!({"op": "replace", "path": "emails[type eq \"work\"].value", "value": "b@x"}),
    )
    .unwrap();
    apply_op(
        &mut u,
        &json!({"op": "add", "path": "name.givenName", "value": "B"}),
    )
    .unwrap();
    apply_op(
        &mut u,
        &json!({"op": "replace", "value": {"displayName": "B B"}}),
    )
    .unwrap();
    assert_eq!(u["active"], false);
    assert_eq!(u["emails"][0]["value"], "b@x");
    assert_eq!(u["name"]["givenName"], "B");
    assert_eq!(u["displayName"], "B B");
    let mut g = json!({"displayName": "g"});
    apply_op(
        &mut g,
        &json!({"op": "Add", "path": "members", "value": [{"value": "1"}, {"value": "2"}]}),
    )
    .unwrap();
    apply_op(
        &mut g,
        &json!({"op": "Remove", "path": "members", "value": [{"value": "1"}]}),
    )
    .unwrap();
    apply_op(
        &mut g,
        &json!({"op": "remove", "path": "members[value eq \"2\"]"}),
    )
    .unwrap();
    assert_eq!(g["members"], json!([]));
    assert!(apply_op(&mut g, &json!({"op": "move", "path": "x"})).is_err());
}
