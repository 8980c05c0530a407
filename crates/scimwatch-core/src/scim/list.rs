//! Lenient `ListResponse` parsing (RFC 7644 §3.4.2) that records every deviation.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::deviation::Deviation;
use super::hash::{id_text, JsonTree, View};
use super::resource::get_ci;
use crate::graph::ParseError;

/// The ListResponse schema URN.
pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// What the client asked for, to check the answer against. All optional.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListRequest {
    /// `startIndex` sent (1-based).
    pub start_index: Option<u64>,
    /// `count` sent.
    pub count: Option<u64>,
}

/// A ListResponse as read, plus what was off about it.
#[derive(Debug, Clone, PartialEq)]
pub struct ListResponse {
    /// `totalResults`, when present and a number.
    pub total_results: Option<u64>,
    /// `startIndex`, when present and a number.
    pub start_index: Option<u64>,
    /// `itemsPerPage`, when present and a number.
    pub items_per_page: Option<u64>,
    /// The resources, as sent (absent or `null` → empty).
    pub resources: Vec<Value>,
    /// Deviations noticed, in a stable order.
    pub deviations: Vec<Deviation>,
}

impl ListResponse {
    /// Whether more pages may follow (`startIndex + resources - 1 < totalResults`).
    /// `false` when the server did not send `totalResults`, or sent an empty page.
    pub fn has_more(&self) -> bool {
        let (Some(total), n) = (self.total_results, self.resources.len() as u64) else {
            return false;
        };
        if n == 0 {
            return false;
        }
        let start = self.start_index.unwrap_or(1).max(1);
        start.saturating_add(n).saturating_sub(1) < total
    }
}

/// The document name in parse errors.
pub(crate) const DOC: &str = "SCIM ListResponse";

/// Read a ListResponse body. Fails only when the body is not a JSON object.
pub fn parse_list_response(body: &[u8]) -> Result<ListResponse, ParseError> {
    parse_list_response_for(body, ListRequest::default())
}

/// Read a ListResponse body and check it against the request that produced it.
pub fn parse_list_response_for(
    body: &[u8],
    request: ListRequest,
) -> Result<ListResponse, ParseError> {
    let mut obj = read_body(body)?;
    // Resources: exact key first, then any casing.
    let key = if obj.contains_key("Resources") {
        Some("Resources".to_string())
    } else {
        obj.keys()
            .find(|k| k.eq_ignore_ascii_case("Resources"))
            .cloned()
    };
    let held = key.as_deref().and_then(|k| obj.get(k));
    let kept: &[Value] = match held {
        Some(Value::Array(a)) => a,
        Some(o @ Value::Object(_)) => std::slice::from_ref(o),
        _ => &[],
    };
    let ids: Vec<Option<String>> = kept
        .iter()
        .map(|r| {
            r.as_object()
                .and_then(|o| get_ci(o, "id"))
                .and_then(id_text)
        })
        .collect();
    let fields = ListFields {
        schemas: get_ci(&obj, "schemas"),
        total_results: get_ci(&obj, "totalResults"),
        start_index: get_ci(&obj, "startIndex"),
        items_per_page: get_ci(&obj, "itemsPerPage"),
        resources: key.as_deref().map(|k| {
            let shape = match held {
                Some(Value::Array(_)) => ResourcesShape::List,
                Some(Value::Null) | None => ResourcesShape::Null,
                Some(_) => ResourcesShape::NotAList,
            };
            (k, shape)
        }),
    };
    let checked = check_list(&fields, &ids, request);
    let resources = match key.and_then(|k| obj.remove(&k)) {
        Some(Value::Array(a)) => a,
        // A single object where a list was expected: take it as one resource.
        Some(o @ Value::Object(_)) => vec![o],
        _ => Vec::new(),
    };
    Ok(ListResponse {
        total_results: checked.total_results,
        start_index: checked.start_index,
        items_per_page: checked.items_per_page,
        resources,
        deviations: checked.deviations,
    })
}

/// The body as a JSON object, or the error [`parse_list_response_for`] gives.
pub(crate) fn read_body(body: &[u8]) -> Result<Map<String, Value>, ParseError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| ParseError::from_json(DOC, &e, Some(body)))?;
    match value {
        Value::Object(obj) => Ok(obj),
        _ => Err(ParseError::new(DOC, "the body is not a JSON object")),
    }
}

/// What the checks read from a ListResponse's top level; `T` is a `Value`
/// or a tree of [`super::page`]. Each field is the value under that name,
/// found as `get_ci` finds it.
pub(crate) struct ListFields<'t, T> {
    pub(crate) schemas: Option<&'t T>,
    pub(crate) total_results: Option<&'t T>,
    pub(crate) start_index: Option<&'t T>,
    pub(crate) items_per_page: Option<&'t T>,
    /// The key the resources came under (exact spelling first, then any
    /// casing) and what it held; `None` without such a key.
    pub(crate) resources: Option<(&'t str, ResourcesShape)>,
}

/// What the `Resources` key held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResourcesShape {
    /// An array: its elements are the resources.
    List,
    /// `null` (kept: nothing).
    Null,
    /// Anything else (kept: the value when it is an object, else nothing).
    NotAList,
}

/// The numbers of a ListResponse and its deviations.
pub(crate) struct ListCheck {
    pub(crate) total_results: Option<u64>,
    pub(crate) start_index: Option<u64>,
    pub(crate) items_per_page: Option<u64>,
    pub(crate) deviations: Vec<Deviation>,
}

/// Every check on a ListResponse, deviations in a stable order. `ids` has
/// one entry per resource kept: its `id` (any casing) as [`id_text`] reads it.
pub(crate) fn check_list<T: JsonTree>(
    fields: &ListFields<'_, T>,
    ids: &[Option<String>],
    request: ListRequest,
) -> ListCheck {
    let mut devs = Vec::new();
    let mut as_strings = Vec::new();

    let schemas_ok = fields.schemas.is_some_and(|s| match s.view() {
        View::Array(a) => a.iter().any(
            |s| matches!(s.view(), View::Str(s) if s.eq_ignore_ascii_case(LIST_RESPONSE_SCHEMA)),
        ),
        _ => false,
    });
    if !schemas_ok {
        devs.push(Deviation::ListSchemaMissing);
    }

    let total = read_number(
        fields.total_results,
        "totalResults",
        &mut as_strings,
        &mut devs,
    );
    let start = read_number(fields.start_index, "startIndex", &mut as_strings, &mut devs);
    let per_page = read_number(
        fields.items_per_page,
        "itemsPerPage",
        &mut as_strings,
        &mut devs,
    );

    let has_key = fields.resources.is_some();
    if let Some((key, shape)) = fields.resources {
        if key != "Resources" {
            devs.push(Deviation::ResourcesKeyLowercase {
                key: key.to_string(),
            });
        }
        match shape {
            ResourcesShape::List => {}
            ResourcesShape::Null => devs.push(Deviation::ResourcesNull),
            ResourcesShape::NotAList => devs.push(Deviation::ResourcesNotAList),
        }
    }
    let n = ids.len() as u64;

    let total_results = match total {
        Num::Value(t) => Some(t),
        Num::Absent => {
            devs.push(Deviation::TotalResultsMissing);
            None
        }
        Num::Invalid => None,
    };
    if !has_key && total_results.is_some_and(|t| t > 0) {
        devs.push(Deviation::ResourcesMissing);
    }
    if let Some(t) = total_results {
        if t < n {
            devs.push(Deviation::TotalResultsTooSmall {
                total_results: t,
                resources: n,
            });
        }
    }
    let paged = total_results.is_some_and(|t| t > n);

    let start_index = match start {
        Num::Value(s) => Some(s),
        _ => None,
    };
    match (start_index, request.start_index) {
        (Some(0), _) => devs.push(Deviation::StartIndexZeroBased),
        (Some(s), Some(r)) if s != r => devs.push(Deviation::StartIndexMismatch {
            requested: r,
            returned: s,
        }),
        (None, _) if paged && matches!(start, Num::Absent) => {
            devs.push(Deviation::StartIndexMissing)
        }
        _ => {}
    }

    let items_per_page = match per_page {
        Num::Value(p) => Some(p),
        _ => None,
    };
    match items_per_page {
        Some(p) if p != n => devs.push(Deviation::ItemsPerPageMismatch {
            items_per_page: p,
            resources: n,
        }),
        None if paged && matches!(per_page, Num::Absent) => {
            devs.push(Deviation::ItemsPerPageMissing)
        }
        _ => {}
    }
    if let Some(c) = request.count {
        if n > c {
            devs.push(Deviation::MoreThanCountReturned {
                count: c,
                resources: n,
            });
        }
    }

    if !as_strings.is_empty() {
        devs.push(Deviation::NumbersAsStrings { fields: as_strings });
    }

    // Ids: duplicates and missing.
    let mut seen = HashSet::with_capacity(ids.len());
    let mut dups: Vec<String> = Vec::new();
    let mut without_id = 0u64;
    for id in ids {
        match id {
            Some(id) => {
                if !seen.insert(id.as_str()) && !dups.contains(id) {
                    dups.push(id.clone());
                }
            }
            None => without_id += 1,
        }
    }
    if !dups.is_empty() {
        devs.push(Deviation::DuplicateIds { ids: dups });
    }
    if without_id > 0 {
        devs.push(Deviation::ResourcesWithoutId { count: without_id });
    }

    ListCheck {
        total_results,
        start_index,
        items_per_page,
        deviations: devs,
    }
}

enum Num {
    Absent,
    Value(u64),
    Invalid,
}

fn read_number<T: JsonTree>(
    value: Option<&T>,
    field: &str,
    as_strings: &mut Vec<String>,
    devs: &mut Vec<Deviation>,
) -> Num {
    let Some(v) = value else {
        return Num::Absent;
    };
    let parsed = match v.view() {
        View::Null => return Num::Absent,
        View::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 9.0e15)
                .map(|f| f as u64)
        }),
        View::Str(s) => {
            as_strings.push(field.to_string());
            s.trim().parse::<u64>().ok()
        }
        _ => None,
    };
    match parsed {
        Some(n) => Num::Value(n),
        None => {
            devs.push(Deviation::InvalidNumber {
                field: field.to_string(),
            });
            Num::Invalid
        }
    }
}

/// The text of each element of a ListResponse's `Resources` array exactly as
/// the server sent it, in order, through serde_json's `RawValue`. `None` when
/// the body has no `Resources` array under that exact name. The crawl reads
/// texts with [`super::page::parse_list_page`]; this slower, obvious version
/// is the oracle its property tests compare against.
#[cfg(test)]
pub(crate) fn resource_texts(body: &[u8]) -> Option<Vec<&str>> {
    #[derive(serde::Deserialize)]
    struct Texts<'a> {
        #[serde(rename = "Resources", borrow)]
        resources: Option<Vec<&'a serde_json::value::RawValue>>,
    }
    let t: Texts<'_> = serde_json::from_slice(body).ok()?;
    Some(t.resources?.into_iter().map(|r| r.get()).collect())
}

#[cfg(test)]
mod tests {

    #[test]
    fn resource_texts_are_the_elements_as_sent() {
        let body = br#"{"schemas":[], "Resources": [ {"id": "1",  "a": [1, 2]} ,{"id":"2"}], "totalResults": 2}"#;
        assert_eq!(
            resource_texts(body),
            Some(vec![r#"{"id": "1",  "a": [1, 2]}"#, r#"{"id":"2"}"#])
        );
        for other in [
            &br#"{"resources": [{"id": "1"}]}"#[..],
            br#"{"Resources": {"id": "1"}}"#,
            br#"{"Resources": null}"#,
            br#"{"Resources": [1], "Resources": [2]}"#,
            b"<html>",
        ] {
            assert_eq!(
                resource_texts(other),
                None,
                "{}",
                String::from_utf8_lossy(other)
            );
        }
    }
    use super::*;

    fn parse(json: &str) -> ListResponse {
        parse_list_response(json.as_bytes()).unwrap()
    }

    #[test]
    fn a_clean_empty_list() {
        let r = parse(
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[],"startIndex":1,"itemsPerPage":0}"#,
        );
        assert!(r.deviations.is_empty(), "{:?}", r.deviations);
        assert!(!r.has_more());
    }

    #[test]
    fn paging_arithmetic() {
        let r = parse(
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":3,"Resources":[{"id":"a"},{"id":"b"}],"startIndex":1,"itemsPerPage":2}"#,
        );
        assert!(r.deviations.is_empty(), "{:?}", r.deviations);
        assert!(r.has_more());
        let r = parse(
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":3,"Resources":[{"id":"c"}],"startIndex":3,"itemsPerPage":1}"#,
        );
        assert!(!r.has_more());
    }

    #[test]
    fn checks_against_the_request() {
        let r = parse_list_response_for(
            br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":9,"Resources":[{"id":"a"},{"id":"b"}],"startIndex":1,"itemsPerPage":2}"#,
            ListRequest {
                start_index: Some(3),
                count: Some(1),
            },
        )
        .unwrap();
        assert_eq!(
            r.deviations,
            vec![
                Deviation::StartIndexMismatch {
                    requested: 3,
                    returned: 1
                },
                Deviation::MoreThanCountReturned {
                    count: 1,
                    resources: 2
                }
            ]
        );
    }

    #[test]
    fn not_an_object() {
        for body in ["", "[]", "<html>", "42"] {
            assert!(parse_list_response(body.as_bytes()).is_err(), "{body}");
        }
    }

    #[test]
    fn invalid_numbers() {
        let r = parse(r#"{"totalResults":-1,"startIndex":"x","Resources":[]}"#);
        assert!(r.deviations.contains(&Deviation::InvalidNumber {
            field: "totalResults".into()
        }));
        assert!(r.deviations.contains(&Deviation::InvalidNumber {
            field: "startIndex".into()
        }));
        assert_eq!(r.total_results, None);
    }
}
