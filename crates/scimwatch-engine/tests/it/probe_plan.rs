//! The write probe sends Microsoft's documented requests: each body it
//! builds equals the one in `tests/fixtures/entra-requests/` (copied from
//! Microsoft's docs, provenance in its README) with only the values
//! replaced by the probe's throwaway ones.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use scimwatch_engine::scim::probe::plan::{self, Names};
use scimwatch_engine::scim::probe::{planned, Op};
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/entra-requests")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
}

/// `v` with every string leaf that `replace` maps replaced.
fn with_values(v: &Value, replace: &[(&str, &str)]) -> Value {
    match v {
        Value::String(s) => replace
            .iter()
            .find(|(from, _)| from == s)
            .map_or_else(|| v.clone(), |(_, to)| Value::String((*to).to_string())),
        Value::Array(a) => Value::Array(a.iter().map(|x| with_values(x, replace)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), with_values(x, replace)))
                .collect(),
        ),
        _ => v.clone(),
    }
}

#[test]
fn every_body_is_microsofts_with_throwaway_values() {
    let n = Names::new("t3st");
    let uid = "user-id-1";
    // (operation, replacements in Microsoft's body, the body sent)
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, Value);
    let cases: Vec<Case> = vec![
        (
            "create-user.json",
            vec![
                ("0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef", &n.external_id),
                (
                    "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
                    &n.user_name,
                ),
                (
                    "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com",
                    &n.email,
                ),
                ("givenName familyName", "Probe Probe"),
                ("familyName", "Probe"),
                ("givenName", "Probe"),
            ],
            plan::create_user(&n),
        ),
        (
            "create-user-with-role.json",
            vec![
                ("alias", &n.role_external_id),
                ("alias@contoso.OnMicrosoft.com", &n.role_user_name),
                ("First Name Last Name", "Probe Role"),
            ],
            plan::create_user_with_role(&n),
        ),
        (
            "update-user-multi-valued.json",
            vec![
                ("updatedEmail@microsoft.com", &n.email_updated),
                ("updatedFamilyName", &n.family_name_updated),
            ],
            plan::update_user_multi_valued(&n),
        ),
        (
            "update-user-single-valued.json",
            vec![(
                "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com",
                &n.user_name_renamed,
            )],
            plan::update_user_name(&n),
        ),
        ("disable-user.json", vec![], plan::set_active(false)),
        (
            "disable-user-without-flag.json",
            vec![],
            plan::disable_string(),
        ),
        (
            "disable-user-with-flag.json",
            vec![],
            plan::disable_lower_case(),
        ),
        (
            "create-group.json",
            vec![
                ("8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159", &n.group_external_id),
                ("displayName", &n.group_name),
            ],
            plan::create_group(&n),
        ),
        (
            "update-group-non-member.json",
            vec![(
                "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName",
                &n.group_name_renamed,
            )],
            plan::rename_group(&n),
        ),
        (
            "update-group-add-members.json",
            vec![("f648f8d5ea4e4cd38e9c", uid)],
            plan::members("Add", uid),
        ),
        (
            "update-group-remove-members.json",
            vec![("f648f8d5ea4e4cd38e9c", uid)],
            plan::members("Remove", uid),
        ),
    ];
    for (file, replace, built) in cases {
        assert_eq!(with_values(&fixture(file), &replace), built, "{file}");
    }
}

#[test]
fn the_printed_plan_lists_every_operation_with_its_body() {
    let n = Names::new("t3st");
    let plan = planned(&n);
    for op in Op::ALL {
        let p = plan.iter().find(|p| p.note == op.code()).unwrap();
        let writes = matches!(p.method, "POST" | "PATCH");
        assert_eq!(p.body.is_some(), writes, "{op:?}");
    }
    // The lookups are Entra's: userName eq, externalId eq, displayName eq
    // with excludedAttributes=members.
    let targets: Vec<&str> = plan.iter().map(|p| p.target.as_str()).collect();
    assert!(targets.contains(&format!("Users?filter=userName eq \"{}\"", n.user_name).as_str()));
    assert!(targets.contains(&format!("Users?filter=externalId eq \"{}\"", n.external_id).as_str()));
    // Entra's matching lookup in another case (RFC 7643: userName is
    // case-insensitive).
    assert!(targets.contains(
        &format!(
            "Users?filter=userName eq \"{}\"",
            n.user_name.to_ascii_uppercase()
        )
        .as_str()
    ));
    // The user with an app role is planned only when roles are mapped.
    let role = Op::CreateUserWithRole.code();
    assert!(plan.iter().any(|p| p.note == role));
    assert!(!plan::planned_for(&n, false).iter().any(|p| p.note == role));
    assert!(targets.contains(
        &format!(
            "Groups?excludedAttributes=members&filter=displayName eq \"{}\"",
            n.group_name
        )
        .as_str()
    ));
    assert!(plan
        .iter()
        .all(|p| !format!("{p:?}").to_lowercase().contains("bearer")));
}
