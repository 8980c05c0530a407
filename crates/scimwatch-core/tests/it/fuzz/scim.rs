//! The SCIM targets: `ListResponse` pages and error bodies.

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::Value;

use scimwatch_core::scim::{
    canonical_json, check_content_type, classify_body, content_hash, jwt_expiry,
    parse_list_response, parse_list_response_for, parse_scim_error, ListRequest, ScimGroup,
    ScimUser,
};

use super::{arr, fuzz, input, no_panic, number, object, s};

// ---------------------------------------------------------------------------
// SCIM documents.

fn scim_multi_value() -> BoxedStrategy<Value> {
    object(vec![
        ("value", s()),
        ("type", s()),
        (
            "primary",
            prop_oneof![any::<bool>().prop_map(Value::Bool), s()].boxed(),
        ),
        ("display", s()),
        ("$ref", s()),
    ])
}

fn scim_meta() -> BoxedStrategy<Value> {
    object(vec![
        ("resourceType", s()),
        ("created", s()),
        ("lastModified", s()),
        ("version", s()),
        ("location", s()),
    ])
}

fn scim_user() -> BoxedStrategy<Value> {
    object(vec![
        ("schemas", arr(s(), 3)),
        ("id", prop_oneof![s(), number()].boxed()),
        ("externalId", s()),
        ("userName", s()),
        ("displayName", s()),
        (
            "name",
            object(vec![
                ("givenName", s()),
                ("familyName", s()),
                ("formatted", s()),
            ]),
        ),
        (
            "active",
            prop_oneof![any::<bool>().prop_map(Value::Bool), s()].boxed(),
        ),
        ("emails", arr(scim_multi_value(), 3)),
        ("phoneNumbers", arr(scim_multi_value(), 2)),
        ("meta", scim_meta()),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            object(vec![("employeeNumber", s()), ("department", s())]),
        ),
    ])
}

fn scim_group() -> BoxedStrategy<Value> {
    object(vec![
        ("schemas", arr(s(), 2)),
        ("id", prop_oneof![s(), number()].boxed()),
        ("displayName", s()),
        ("externalId", s()),
        (
            "members",
            arr(
                object(vec![
                    ("value", s()),
                    ("$ref", s()),
                    ("type", s()),
                    ("display", s()),
                ]),
                5,
            ),
        ),
        ("meta", scim_meta()),
    ])
}

fn list_response() -> BoxedStrategy<Value> {
    let count = || prop_oneof![number(), s()].boxed();
    object(vec![
        ("schemas", arr(s(), 3)),
        ("totalResults", count()),
        ("startIndex", count()),
        ("itemsPerPage", count()),
        (
            "Resources",
            prop_oneof![
                4 => arr(prop_oneof![scim_user(), scim_group()].boxed(), 6),
                1 => scim_user(),
            ]
            .boxed(),
        ),
    ])
}

fn scim_error() -> BoxedStrategy<Value> {
    object(vec![
        ("schemas", arr(s(), 2)),
        ("status", prop_oneof![s(), number()].boxed()),
        ("scimType", s()),
        ("detail", s()),
    ])
}

// ---------------------------------------------------------------------------
// The checks run on every input.

fn check_list_response(body: &[u8], request: ListRequest) -> Result<(), TestCaseError> {
    let parsed = no_panic("parse_list_response", || {
        parse_list_response_for(body, request)
    })?;
    let plain = no_panic("parse_list_response", || parse_list_response(body))?;
    prop_assert_eq!(parsed.is_ok(), plain.is_ok());
    if let Ok(list) = parsed {
        let _ = list.has_more();
        for r in &list.resources {
            no_panic("ScimUser::from_value", || ScimUser::from_value(r))?;
            let g = no_panic("ScimGroup::from_value", || ScimGroup::from_value(r))?;
            let _ = g.member_ids().count();
            let canon = no_panic("canonical_json", || canonical_json(r))?;
            prop_assert!(
                serde_json::from_slice::<Value>(&canon).is_ok(),
                "canonical JSON is not JSON"
            );
            // Hashing is deterministic, and ignores key order.
            prop_assert_eq!(content_hash(r), content_hash(&r.clone()));
        }
        let _ = no_panic("ScimUser::from_values", || {
            ScimUser::from_values(list.resources.iter()).0.len()
        })?;
    }
    Ok(())
}

fn check_scim_error(body: &[u8], content_type: Option<&str>) -> Result<(), TestCaseError> {
    let e = no_panic("parse_scim_error", || parse_scim_error(body))?;
    if let Some(e) = &e {
        prop_assert!(serde_json::to_string(e).is_ok());
    }
    no_panic("classify_body", || classify_body(content_type, body))?;
    no_panic("check_content_type", || check_content_type(content_type))?;
    if let Ok(text) = std::str::from_utf8(body) {
        no_panic("jwt_expiry", || jwt_expiry(text))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The targets.

#[test]
fn fuzz_scim_list_response() {
    let request = (
        prop::option::of(0u64..5),
        prop::option::of(prop_oneof![0u64..200, Just(u64::MAX)]),
    )
        .prop_map(|(start_index, count)| ListRequest { start_index, count });
    fuzz(
        "scim_list_response",
        (input(list_response()), request),
        |(body, req)| check_list_response(&body, req),
    );
}

#[test]
fn fuzz_scim_error() {
    let ct = prop::option::of(prop_oneof![
        prop::sample::select(
            &[
                "application/scim+json",
                "Application/SCIM+JSON; charset=utf-8",
                "application/json",
                "text/html; charset=utf-8",
                "text/plain",
                "",
                ";",
                "application/+json",
            ][..]
        )
        .prop_map(str::to_string),
        any::<String>(),
    ]);
    let body = prop_oneof![
        4 => input(scim_error()),
        1 => "<(!DOCTYPE html|html|HTML)>(<title>[^<]{0,40}</title>)?[\\PC]{0,40}"
            .prop_map(String::into_bytes),
        1 => "<title>[\\PC]{0,40}".prop_map(String::into_bytes),
        1 => "[a-zA-Z0-9_-]{0,30}\\.[a-zA-Z0-9_-]{0,60}\\.[a-zA-Z0-9_-]{0,10}"
            .prop_map(String::into_bytes),
    ];
    fuzz("scim_error", (body, ct), |(body, ct)| {
        check_scim_error(&body, ct.as_deref())
    });
}
