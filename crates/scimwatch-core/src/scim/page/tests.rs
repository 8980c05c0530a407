//! Tests of the page reader: the same outcome as the `Value` path, by
//! property and by example.

use super::*;
use crate::scim::hash::content_hash;
use crate::scim::list::{
    parse_list_response, parse_list_response_for, resource_texts, LIST_RESPONSE_SCHEMA,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::Value;

/// The crawl's sequence of old (parse, texts, `id`, hash) against the page.
fn check(body: &[u8], request: ListRequest) -> Result<(), TestCaseError> {
    let old = parse_list_response_for(body, request);
    let new = parse_list_page(body, request);
    let (old, new) = match (old, new) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(a), Err(b)) => {
            prop_assert_eq!(a, b);
            return Ok(());
        }
        // The one difference: resources that exist only inside the
        // string value of serde_json's raw-value token.
        (Ok(old), Err(e)) if e.message == NO_TEXT => {
            prop_assert!(!old.resources.is_empty());
            prop_assert!(String::from_utf8_lossy(body).contains("RawValue"));
            return Ok(());
        }
        (old, new) => {
            return Err(TestCaseError::fail(format!(
                "outcomes differ: old {old:?}, new {new:?}"
            )))
        }
    };
    prop_assert_eq!(new.total_results, old.total_results);
    prop_assert_eq!(new.start_index, old.start_index);
    prop_assert_eq!(new.items_per_page, old.items_per_page);
    prop_assert_eq!(&new.deviations, &old.deviations);
    prop_assert_eq!(new.resources.len(), old.resources.len());
    let texts = resource_texts(body).filter(|t| t.len() == old.resources.len());
    let within = body.as_ptr_range();
    for (i, (v, r)) in old.resources.iter().zip(&new.resources).enumerate() {
        prop_assert_eq!(&r.id, &v.get("id").and_then(id_text), "resource {}", i);
        prop_assert_eq!(r.hash, content_hash(v), "resource {}", i);
        prop_assert!(within.contains(&r.text.as_ptr()), "resource {}", i);
        let reparsed: Value = serde_json::from_str(r.text)
            .map_err(|e| TestCaseError::fail(format!("resource {i}: {e}")))?;
        prop_assert_eq!(&reparsed, v, "resource {}", i);
        if let Some(t) = &texts {
            prop_assert_eq!(r.text, t[i], "resource {}", i);
        }
    }
    Ok(())
}

fn same(body: &str) {
    check(body.as_bytes(), ListRequest::default()).unwrap();
}

fn page(body: &str) -> ListPage<'_> {
    parse_list_page(body.as_bytes(), ListRequest::default()).unwrap()
}

#[test]
fn reads_texts_ids_and_hashes() {
    let body = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":3,"startIndex":1,"itemsPerPage":2,
        "Resources": [ {"id": "a", "meta": {"version": "1"}} , {"id": 7, "x": [2, 1]} ]}"#;
    same(body);
    let p = page(body);
    assert!(p.deviations.is_empty(), "{:?}", p.deviations);
    assert_eq!(p.resources.len(), 2);
    assert_eq!(
        p.resources[0].text,
        r#"{"id": "a", "meta": {"version": "1"}}"#
    );
    assert_eq!(p.resources[0].id.as_deref(), Some("a"));
    assert_eq!(
        p.resources[0].hash,
        content_hash(&serde_json::json!({"id": "a", "meta": {}}))
    );
    assert_eq!(p.resources[1].id.as_deref(), Some("7"));
    assert_eq!(
        p.resources[1].hash,
        content_hash(&serde_json::json!({"id": 7, "x": [1, 2]}))
    );
}

#[test]
fn malformed_or_not_an_object() {
    for body in [
        "",
        " ",
        "[]",
        "[{\"id\":\"1\"}]",
        "<html>",
        "42",
        "null",
        "\"x\"",
        "{",
        r#"{"Resources":[{"id":"1"}"#,
        r#"{"Resources":[{"id":"1"},]}"#,
        r#"{"Resources":[{"id":"1"}]} x"#,
        r#"{"Resources":[{"id":"1",}]}"#,
        r#"{"Resources":[{"id":"\x"}]}"#,
        r#"{"Resources":[{"id":01}]}"#,
        "{\"Resources\":[{\"id\":\"a\u{1}\"}]}",
        "{\"a\":1}\u{0}",
        "\u{feff}{}",
        "{\u{c}}",
        r#"{"a":1,}"#,
        r#"{,"a":1}"#,
        r#"{"a" 1}"#,
        r#"{"a":1 "b":2}"#,
        r#"{"a":1:2}"#,
        r#"{"a"}"#,
        r#"{1:2}"#,
        r#"{"totalResults":1x}"#,
        r#"{"Resources":[1x]}"#,
        r#"{"Resources":[1 2]}"#,
        r#"{"Resources":[,]}"#,
        r#"{"Resources":]}"#,
        r#"{"Resources":[}"#,
        r#"{"Resources":[{"id":"1"}}"#,
        r#"{"Resources":[{"id":"1"}]]}"#,
        r#"{"Resources":[{"id":"1"}],"Resources":[}"#,
        r#"{"$serde_json::private::RawValue":"{}","#,
        r#"{"$serde_json::private::RawValue":"{}"} x"#,
        r#"{"$serde_json::private::RawValue":{}}"#,
    ] {
        assert!(
            parse_list_page(body.as_bytes(), ListRequest::default()).is_err(),
            "{body}"
        );
        same(body);
    }
    // Invalid UTF-8 in a string.
    let body = b"{\"Resources\":[{\"id\":\"\xff\"}]}";
    assert!(parse_list_page(body, ListRequest::default()).is_err());
    check(body, ListRequest::default()).unwrap();
}

#[test]
fn what_value_rejects_but_a_raw_value_skips() {
    // Lone surrogates and numbers out of range, in a resource or in a
    // top-level value the page does not otherwise read.
    for body in [
        r#"{"Resources":[{"id":"\ud800"}]}"#,
        r#"{"Resources":[{"id":"1"}],"x":"\udc00x"}"#,
        r#"{"Resources":[{"id":"1","n":1e400}]}"#,
        r#"{"x":[-1e999],"Resources":[]}"#,
        r#"{"Resources":[{"id":"1"}],"Resources":[{"n":1e400}]}"#,
        r#"{"Resources":[{"n":1e400}],"Resources":[{"id":"1"}]}"#,
    ] {
        assert!(
            parse_list_page(body.as_bytes(), ListRequest::default()).is_err(),
            "{body}"
        );
        same(body);
    }
    same(r#"{"Resources":[{"id":"\ud83d\ude00"}], "x": "\ud83d\ude00"}"#);
}

#[test]
fn nesting_limit_as_value() {
    fn nest(depth: usize) -> String {
        format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
    }
    let mut outcomes = Vec::new();
    for d in 120..=130 {
        for body in [
            format!(r#"{{"Resources":[{{"id":"1","a":{}}}]}}"#, nest(d)),
            format!(r#"{{"Resources":{{"id":"1","a":{}}}}}"#, nest(d)),
            format!(r#"{{"Resources":[],"x":{}}}"#, nest(d)),
            format!(r#"{{"Resources":{},"Resources":[]}}"#, nest(d)),
            format!(r#"{{"Resources":[{}]}}"#, nest(d)),
        ] {
            same(&body);
            outcomes.push(parse_list_page(body.as_bytes(), ListRequest::default()).is_ok());
        }
    }
    assert!(outcomes.contains(&true) && outcomes.contains(&false));
}

#[test]
fn whitespace_anywhere() {
    let body = " \n\t{ \"Resources\" :\r [ {\"id\" : \"1\"} ,\n {\"id\":2 } ] , \"totalResults\" : 2 , \"x\" : [ ] } \n";
    same(body);
    let p = page(body);
    assert_eq!(p.resources[0].text, r#"{"id" : "1"}"#);
    assert_eq!(p.resources[1].text, r#"{"id":2 }"#);
    same(r#"{ }"#);
    same(r#"{"Resources":[ ]}"#);
}

#[test]
fn duplicate_keys_keep_the_last() {
    let body = r#"{"Resources":[{"id":"1"}],"totalResults":1,"Resources":[{"id":"2","id":"3","b":1,"a":{"k":1,"k":2}}]}"#;
    same(body);
    let p = page(body);
    assert_eq!(
        p.resources[0].text,
        r#"{"id":"2","id":"3","b":1,"a":{"k":1,"k":2}}"#
    );
    assert_eq!(p.resources[0].id.as_deref(), Some("3"));
    assert_eq!(
        p.resources[0].hash,
        content_hash(&serde_json::json!({"id": "3", "a": {"k": 2}, "b": 1}))
    );
    same(r#"{"totalResults":1,"totalResults":"2","Resources":[{}, {}]}"#);
}

#[test]
fn resources_key_spelling_and_shape() {
    for body in [
        r#"{"resources":[{"id":"1"}]}"#,
        r#"{"resources":[{"id":"1"}],"RESOURCES":[{"id":"2"}]}"#,
        r#"{"resources":[{"id":"1"}],"Resources":null}"#,
        r#"{"Resources":null,"totalResults":2}"#,
        r#"{"totalResults":2}"#,
        r#"{"totalResults":0}"#,
        r#"{"Resources":{"id":"1"},"totalResults":1}"#,
        r#"{"Resources":"x"}"#,
        r#"{"Resources":3}"#,
        r#"{"Resources":[1, "a", null, [{"id":"1"}], {"ID":"2"}, {"Id":" "}, {"id":""}]}"#,
    ] {
        same(body);
    }
    let p = page(r#"{"resources":[{"id":"1"}],"RESOURCES":[{"id":"2"}]}"#);
    assert_eq!(p.resources[0].id.as_deref(), Some("2"));
    assert!(p.deviations.contains(&Deviation::ResourcesKeyLowercase {
        key: "RESOURCES".into()
    }));
    let p = page(r#"{"Resources": {"id": "1"} }"#);
    assert_eq!(p.resources[0].text, r#"{"id": "1"}"#);
    assert!(p.deviations.contains(&Deviation::ResourcesNotAList));
}

#[test]
fn ids_exact_for_the_crawl_any_case_for_the_checks() {
    let body = r#"{"Resources":[{"ID":"a"},{"Id":"a"},{"id":" "},{"id":12.50},{"id":18446744073709551615},{"id":-3},{"id":true}]}"#;
    same(body);
    let p = page(body);
    let ids: Vec<Option<&str>> = p.resources.iter().map(|r| r.id.as_deref()).collect();
    assert_eq!(
        ids,
        [
            None,
            None,
            None,
            Some("12.5"),
            Some("18446744073709551615"),
            Some("-3"),
            None
        ]
    );
    assert!(p.deviations.contains(&Deviation::DuplicateIds {
        ids: vec!["a".into()]
    }));
    assert!(p
        .deviations
        .contains(&Deviation::ResourcesWithoutId { count: 2 }));
}

#[test]
fn escapes_and_numbers_hash_as_value() {
    for body in [
        r#"{"Resources":[{"id":"a\"b\\c\/d\u00e9\n\u0001\ud83d\ude00","k\u0065y":[1.0,1,-0,-0.0,1e2,1E-2,18446744073709551616,-9223372036854775809]}]}"#,
        r#"{"Resources":[{"META":{"LastModified":"x","VERSION":"y","location":"l"},"meta":{"version":1},"x":{"meta":{"version":1}}}]}"#,
        r#"{"Resources":[{"meta":[{"version":1}],"a":[[2,1],[1,2],[]],"b":[{"b":1,"a":2},{"a":2,"b":1}]}]}"#,
    ] {
        same(body);
    }
}

#[test]
fn serde_json_raw_value_token() {
    // `Value` reads such an object as the JSON text of its string.
    for body in [
        r#"{"Resources":[{"$serde_json::private::RawValue":"{\"id\":\"7\",\"a\":[2,1]}"}]}"#,
        r#"{"Resources":[{"$serde_json::private::RawValue":"5"},{"a":{"$serde_json::private::RawValue":"[1]"}}]}"#,
        r#"{"Resources":[{"$serde_json::private::RawValue":5}]}"#,
        r#"{"Resources":[{"$serde_json::private::RawValue":"{}","b":1}]}"#,
        r#"{"Resources":[{"$serde_json::private::RawValue":"{"}]}"#,
        r#"{"Resources":[{"a":1,"$serde_json::private::RawValue":"{}"}]}"#,
        r#"{"Resources":{"$serde_json::private::RawValue":"{\"id\":\"1\"}"}}"#,
        r#"{"Resources":{"$serde_json::private::RawValue":"null"}}"#,
        r#"{"Resources":{"$serde_json::private::RawValue":"[]"}}"#,
        r#"{"schemas":{"$serde_json::private::RawValue":"[\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"]"},"Resources":[]}"#,
        r#"{"$serde_json::private::RawValue":"{\"totalResults\":0,\"Resources\":[]}"}"#,
        r#"{"$serde_json::private::RawValue":"[]"}"#,
        r#"{"$serde_json::private::RawValue":"{\"a\":1}","b":2}"#,
    ] {
        same(body);
    }
    let p = page(r#"{"Resources":[{"$serde_json::private::RawValue":"{\"id\":\"7\"}"}]}"#);
    assert_eq!(
        p.resources[0].text,
        r#"{"$serde_json::private::RawValue":"{\"id\":\"7\"}"}"#
    );
    assert_eq!(p.resources[0].id.as_deref(), Some("7"));
    // Resources that exist only inside a string have no text to give.
    for body in [
        r#"{"$serde_json::private::RawValue":"{\"Resources\":[{\"id\":\"1\"}]}"}"#,
        r#"{"Resources":{"$serde_json::private::RawValue":"[{\"id\":\"1\"}]"}}"#,
    ] {
        assert!(parse_list_response(body.as_bytes()).is_ok());
        assert!(parse_list_page(body.as_bytes(), ListRequest::default()).is_err());
    }
}

mod generated;
