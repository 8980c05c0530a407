//! Fuzzing with proptest (there is no nightly toolchain, so no `cargo fuzz`).
//!
//! Five targets, each a `#[test]`:
//! - `fuzz_scim_list_response` — SCIM `ListResponse` parsing, then the typed
//!   User/Group views and content hashing of every resource (what a crawl does);
//! - `fuzz_scim_error` — SCIM error bodies, body classification, content types, JWT expiry;
//! - `fuzz_graph_event_page` — the fast provisioning-log page parser, the
//!   tolerant one, and the full `ProvisioningObjectSummary` model, which must agree;
//! - `fuzz_graph_job` — synchronization jobs and their status (lenient models);
//! - `fuzz_tenant_url` — the Tenant URL normaliser: idempotent, no `//` in the
//!   path, no trailing slash, query kept, only https (http on loopback).
//!
//! Each target feeds arbitrary bytes, arbitrary JSON and, above all,
//! structurally plausible documents (the right keys, random value types), so
//! the deep code is reached and not only the JSON syntax check.
//!
//! Budget: 256 cases per target by default (fast, `make test`);
//! `SCIMWATCH_FUZZ_CASES=N` for N cases; `SCIMWATCH_FUZZ_SECS=S` runs each
//! target in batches until S seconds have passed (`make soak`). Every target
//! prints one machine-readable line the soak script collects:
//! `FUZZ target=<name> executions=<n> seconds=<s>`.
//!
//! Crashes found are kept below as named regression tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cell::Cell;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use serde_json::{Map, Value};

use scimwatch_core::graph::{
    parse_document, parse_event, parse_event_page, parse_event_page_tolerant, parse_graph_error,
    EventRecord, GraphList, Interval, ProvisioningObjectSummary, SynchronizationJob, Timestamp,
};
use scimwatch_core::scim::{
    canonical_json, check_content_type, classify_body, content_hash, jwt_expiry,
    parse_list_response, parse_list_response_for, parse_scim_error, ListRequest, ScimGroup,
    ScimUser,
};
use scimwatch_core::validate::normalize_endpoint_url;

// ---------------------------------------------------------------------------
// The driver: a fixed case count, or batches until a time budget is spent.

/// Run `test` on values of `strategy`: `SCIMWATCH_FUZZ_SECS` seconds of
/// batches, else `SCIMWATCH_FUZZ_CASES` (default 256) cases. Prints the
/// `FUZZ` line and fails with the minimal failing input and the seed.
fn fuzz<S: Strategy>(name: &str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let secs: Option<u64> = std::env::var("SCIMWATCH_FUZZ_SECS")
        .ok()
        .and_then(|v| v.trim().parse().ok());
    let cases: u32 = std::env::var("SCIMWATCH_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(256);
    let started = Instant::now();
    let deadline = secs.map(|s| started + Duration::from_secs(s));
    let executions = Cell::new(0u64);
    let mut batch = 0u64;
    loop {
        // A fresh seed per batch (time and batch number), printed on failure.
        let seed = u64::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos()
                % u128::from(u64::MAX),
        )
        .unwrap_or(0)
            ^ batch.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut seed_bytes = [0u8; 32];
        seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
        seed_bytes[8..16].copy_from_slice(&batch.to_le_bytes());
        let config = Config {
            cases: if deadline.is_some() { 512 } else { cases },
            failure_persistence: None,
            max_shrink_iters: 4096,
            ..Config::default()
        };
        let mut runner = TestRunner::new_with_rng(
            config,
            TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
        );
        let result = runner.run(&strategy, |v| {
            executions.set(executions.get() + 1);
            test(v)
        });
        if let Err(e) = result {
            println!(
                "FUZZ target={name} executions={} seconds={} failed=1",
                executions.get(),
                started.elapsed().as_secs()
            );
            panic!("fuzz target {name} failed (batch {batch}, seed {seed:#x}): {e}");
        }
        batch += 1;
        match deadline {
            Some(d) if Instant::now() < d => continue,
            _ => break,
        }
    }
    println!(
        "FUZZ target={name} executions={} seconds={} failed=0",
        executions.get(),
        started.elapsed().as_secs()
    );
}

/// Catch a panic in `f` as a test failure (proptest would too, but this
/// names the input in the message without the backtrace noise).
fn no_panic<T>(
    what: &str,
    f: impl FnOnce() -> T + std::panic::UnwindSafe,
) -> Result<T, TestCaseError> {
    std::panic::catch_unwind(f).map_err(|e| {
        let msg = e
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        TestCaseError::fail(format!("{what} panicked: {msg}"))
    })
}

// ---------------------------------------------------------------------------
// JSON generators.

/// Strings that matter to the parsers: dates, .NET sentinels, durations,
/// numbers as text, enum values in odd cases, SCIM URNs, unicode, empties.
const INTERESTING: &[&str] = &[
    "",
    " ",
    "null",
    "0",
    "-1",
    "1.5",
    "1e3",
    " 42 ",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "true",
    "False",
    "2024-05-01T10:00:00Z",
    "2024-05-01T10:00:00.1234567Z",
    "2024-05-01T12:00:00+02:00",
    "2024-05-01 10:00:00",
    "2024-05-01T10:00:00",
    "0001-01-01T00:00:00Z",
    "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59.9999999Z",
    "+262143-12-31T23:59:59Z",
    "2024-02-30T10:00:00Z",
    "2024-05-01T24:00:00Z",
    "2024-05-01T10:00:60Z",
    "PT40M",
    "P1DT2H",
    "PT0.5S",
    "P1W",
    "P1Y",
    "-PT1M",
    "P10675199DT2H48M5.4775807S",
    "10675199.02:48:05.4775807",
    "00:40:00",
    "1.00:00:00",
    "99999999999999999999.00:00:00",
    "P999999999999999999D",
    "PT999999999999999999H",
    "P.D",
    "PT,5S",
    "P",
    "PT",
    "::",
    "Create",
    "UPDATE",
    "delete",
    "Disable",
    "stagedDelete",
    "Other",
    "success",
    "Failure",
    "SKIPPED",
    "warning",
    "NonServiceFailure",
    "failure",
    "Active",
    "Paused",
    "Quarantine",
    "NotConfigured",
    "EncounteredBaseEscrowThreshold",
    "Succeeded",
    "SucceededWithWarnings",
    "Failed",
    "urn:ietf:params:scim:api:messages:2.0:ListResponse",
    "urn:ietf:params:scim:api:messages:2.0:Error",
    "urn:ietf:params:scim:schemas:core:2.0:User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "User",
    "Group",
    "BaseAddress",
    "SecretToken",
    "SyncAll",
    "https://graph.microsoft.com/v1.0/auditLogs/provisioning?$skiptoken=abc",
    "eyJhbGciOiJub25lIn0.eyJleHAiOjE3MDAwMDAwMDB9.",
    "eyJhbGciOiJub25lIn0.eyJleHAiOiIxNzAwMDAwMDAwIn0.",
    "eyJhbGciOiJub25lIn0.eyJleHAiOjk5OTk5OTk5OTk5OTk5OTk5fQ.",
    "a.b.c",
    "\u{0}",
    "\u{feff}",
    "é",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "<html><title>x</title>",
    "409",
    "70000",
];

fn interesting_str() -> BoxedStrategy<String> {
    prop_oneof![
        4 => prop::sample::select(INTERESTING).prop_map(str::to_string),
        3 => any::<String>(),
        1 => "[0-9]{1,25}",
        1 => "-?[0-9]{1,6}(\\.[0-9]{0,9})?",
        1 => "[PT0-9.,DHMSWY:-]{0,16}",
        1 => "[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,12})?(Z|[+-][0-9]{2}:[0-9]{2})?",
        // A long one (size caps, truncation on char boundaries).
        1 => (prop::sample::select(&["a", "é", "𝔘", " ", "&amp;"][..]), 100usize..3000)
            .prop_map(|(s, n)| s.repeat(n)),
    ]
    .boxed()
}

fn number() -> BoxedStrategy<Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (0u64..100_000).prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        prop::sample::select(&[0.0, -0.0, 0.5, 1.0, 9.0e15, 1.0e300, -1.0][..])
            .prop_map(Value::from),
    ]
    .boxed()
}

fn leaf() -> BoxedStrategy<Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        2 => number(),
        4 => interesting_str().prop_map(Value::String),
    ]
    .boxed()
}

/// Any JSON value, a few levels deep.
fn any_json() -> BoxedStrategy<Value> {
    leaf()
        .prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((key(&[]), inner), 0..6)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
        .boxed()
}

/// A key: random, or one of `known` in its own, lower or upper case.
fn key(known: &'static [&'static str]) -> BoxedStrategy<String> {
    if known.is_empty() {
        return prop_oneof!["[a-zA-Z@.$]{0,12}", any::<String>()].boxed();
    }
    prop_oneof![
        6 => prop::sample::select(known).prop_map(str::to_string),
        1 => prop::sample::select(known).prop_map(|k| k.to_ascii_lowercase()),
        1 => prop::sample::select(known).prop_map(|k| k.to_ascii_uppercase()),
        1 => "[a-zA-Z@.$]{0,12}",
    ]
    .boxed()
}

/// A value for a field: usually the plausible shape, often anything else.
fn field(plausible: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    prop_oneof![4 => plausible, 1 => any_json()].boxed()
}

/// An object with some of `fields` (each with its plausible value strategy),
/// keys sometimes in another case, plus a few random extra keys.
fn object(fields: Vec<(&'static str, BoxedStrategy<Value>)>) -> BoxedStrategy<Value> {
    let parts: Vec<BoxedStrategy<Option<(String, Value)>>> = fields
        .into_iter()
        .map(|(k, s)| {
            let name = prop_oneof![
                8 => Just(k.to_string()),
                1 => Just(k.to_ascii_lowercase()),
                1 => Just(k.to_ascii_uppercase()),
            ];
            prop::option::weighted(0.75, (name, field(s))).boxed()
        })
        .collect();
    (parts, prop::collection::vec((key(&[]), leaf()), 0..2))
        .prop_map(|(parts, extra)| {
            let mut m = Map::new();
            for (k, v) in extra.into_iter().chain(parts.into_iter().flatten()) {
                m.insert(k, v);
            }
            Value::Object(m)
        })
        .boxed()
}

fn s() -> BoxedStrategy<Value> {
    interesting_str().prop_map(Value::String).boxed()
}

fn arr(item: BoxedStrategy<Value>, max: usize) -> BoxedStrategy<Value> {
    prop::collection::vec(item, 0..max)
        .prop_map(Value::Array)
        .boxed()
}

/// How a document reaches the parser: as JSON text (sometimes pretty, with a
/// BOM or whitespace around it), or mangled (truncated, a byte flipped).
fn encode(doc: BoxedStrategy<Value>) -> BoxedStrategy<Vec<u8>> {
    (doc, 0u8..10, any::<prop::sample::Index>(), any::<u8>())
        .prop_map(|(v, how, at, byte)| {
            let text = if how == 1 {
                serde_json::to_vec_pretty(&v).unwrap()
            } else {
                serde_json::to_vec(&v).unwrap()
            };
            match how {
                2 => [b"\xEF\xBB\xBF".as_slice(), &text].concat(),
                3 => [b" \n\t".as_slice(), &text, b"\n"].concat(),
                4 if !text.is_empty() => text[..at.index(text.len())].to_vec(),
                5 if !text.is_empty() => {
                    let mut t = text;
                    let i = at.index(t.len());
                    t[i] = byte;
                    t
                }
                _ => text,
            }
        })
        .boxed()
}

/// Bytes for a target: random bytes, random JSON, or plausible documents.
fn input(plausible: BoxedStrategy<Value>) -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..256),
        1 => encode(any_json()),
        6 => encode(plausible),
    ]
    .boxed()
}

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
// Graph documents.

fn identity() -> BoxedStrategy<Value> {
    object(vec![
        ("id", s()),
        ("displayName", s()),
        ("identityType", s()),
        ("details", any_json()),
    ])
}

fn error_info() -> BoxedStrategy<Value> {
    object(vec![
        ("status", s()),
        ("errorCode", s()),
        ("reason", s()),
        ("additionalDetails", s()),
        ("errorCategory", s()),
        ("recommendedAction", s()),
    ])
}

fn provisioning_event() -> BoxedStrategy<Value> {
    object(vec![
        ("id", s()),
        ("activityDateTime", s()),
        ("tenantId", s()),
        ("jobId", s()),
        ("cycleId", s()),
        ("changeId", s()),
        ("durationInMilliseconds", prop_oneof![number(), s()].boxed()),
        ("provisioningAction", s()),
        ("action", s()),
        (
            "provisioningStatusInfo",
            object(vec![("status", s()), ("errorInformation", error_info())]),
        ),
        ("statusInfo", error_info()),
        (
            "provisioningSteps",
            arr(
                object(vec![
                    ("name", s()),
                    ("description", s()),
                    ("provisioningStepType", s()),
                    ("status", s()),
                    ("details", any_json()),
                ]),
                3,
            ),
        ),
        (
            "modifiedProperties",
            arr(
                object(vec![
                    ("displayName", s()),
                    ("oldValue", s()),
                    ("newValue", s()),
                ]),
                3,
            ),
        ),
        (
            "servicePrincipal",
            object(vec![("id", s()), ("displayName", s())]),
        ),
        ("sourceIdentity", identity()),
        ("targetIdentity", identity()),
        (
            "sourceSystem",
            object(vec![
                ("id", s()),
                ("displayName", s()),
                ("details", any_json()),
            ]),
        ),
        (
            "targetSystem",
            object(vec![("id", s()), ("displayName", s())]),
        ),
        (
            "initiatedBy",
            object(vec![
                ("id", s()),
                ("displayName", s()),
                ("initiatorType", s()),
            ]),
        ),
    ])
}

fn event_page() -> BoxedStrategy<Value> {
    object(vec![
        ("@odata.context", s()),
        ("@odata.nextLink", s()),
        ("value", arr(provisioning_event(), 5)),
    ])
}

fn sync_error() -> BoxedStrategy<Value> {
    object(vec![
        ("code", s()),
        ("message", s()),
        (
            "tenantActionable",
            prop_oneof![any::<bool>().prop_map(Value::Bool), s()].boxed(),
        ),
    ])
}

fn execution() -> BoxedStrategy<Value> {
    let n = || prop_oneof![number(), s()].boxed();
    object(vec![
        ("activityIdentifier", s()),
        ("countEntitled", n()),
        ("countEntitledForProvisioning", n()),
        ("countEscrowed", n()),
        ("countEscrowedRaw", n()),
        ("countExported", n()),
        ("countExports", n()),
        ("countImported", n()),
        ("countImportedDeltas", n()),
        ("countImportedReferenceDeltas", n()),
        ("error", sync_error()),
        ("state", s()),
        ("timeBegan", s()),
        ("timeEnded", s()),
    ])
}

fn job() -> BoxedStrategy<Value> {
    let n = || prop_oneof![number(), s()].boxed();
    let status = object(vec![
        ("code", s()),
        ("countSuccessiveCompleteFailures", n()),
        (
            "escrowsPruned",
            prop_oneof![any::<bool>().prop_map(Value::Bool), s()].boxed(),
        ),
        ("lastExecution", execution()),
        ("lastSuccessfulExecution", execution()),
        ("lastSuccessfulExecutionWithExports", execution()),
        (
            "progress",
            arr(
                object(vec![
                    ("completedUnits", n()),
                    ("progressObservationDateTime", s()),
                    ("totalUnits", n()),
                    ("units", s()),
                ]),
                3,
            ),
        ),
        (
            "quarantine",
            object(vec![
                ("currentBegan", s()),
                ("nextAttempt", s()),
                ("reason", s()),
                ("seriesBegan", s()),
                ("seriesCount", n()),
                ("error", sync_error()),
            ]),
        ),
        ("steadyStateFirstAchievedTime", s()),
        ("steadyStateLastAchievedTime", s()),
        (
            "synchronizedEntryCountByType",
            arr(object(vec![("key", s()), ("value", n())]), 3),
        ),
        ("troubleshootingUrl", s()),
    ]);
    object(vec![
        ("id", s()),
        ("templateId", s()),
        (
            "schedule",
            object(vec![("expiration", s()), ("interval", s()), ("state", s())]),
        ),
        ("status", status),
        (
            "synchronizationJobSettings",
            arr(object(vec![("name", s()), ("value", s())]), 4),
        ),
    ])
}

fn job_document() -> BoxedStrategy<Value> {
    prop_oneof![
        3 => job(),
        1 => object(vec![("value", arr(job(), 3)), ("@odata.nextLink", s())]),
        1 => object(vec![(
            "error",
            object(vec![
                ("code", s()),
                ("message", s()),
                ("innerError", object(vec![("date", s()), ("request-id", s())])),
            ]),
        )]),
    ]
    .boxed()
}

// ---------------------------------------------------------------------------
// The checks run on every input (also used by the regression tests).

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

/// Keys of the provisioning-event models whose value is an object.
const OBJECT_KEYS: &[&str] = &[
    "provisioningStatusInfo",
    "errorInformation",
    "statusInfo",
    "sourceIdentity",
    "targetIdentity",
    "servicePrincipal",
    "sourceSystem",
    "targetSystem",
    "initiatedBy",
];

/// Whether an array sits where the event models expect an object.
fn array_for_object(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.iter().any(|(k, v)| {
            (OBJECT_KEYS.contains(&k.as_str()) && v.is_array()) || array_for_object(v)
        }),
        Value::Array(a) => a.iter().any(array_for_object),
        _ => false,
    }
}

fn check_event_page(body: &[u8]) -> Result<(), TestCaseError> {
    let fast = no_panic("parse_event_page", || parse_event_page(body))?;
    let tolerant = no_panic("parse_event_page_tolerant", || {
        parse_event_page_tolerant(body)
    })?;
    let full = no_panic("GraphList<ProvisioningObjectSummary>", || {
        parse_document::<GraphList<ProvisioningObjectSummary>>("page", body)
    })?;
    match (&fast, &tolerant) {
        (Ok((events, next)), Ok(page)) => {
            // The strict parser read every event; the tolerant one the same.
            prop_assert!(page.rejected.is_empty());
            prop_assert_eq!(events.len(), page.events.len());
            prop_assert_eq!(next, &page.next_link);
        }
        (Err(_), Ok(page)) => {
            prop_assert!(
                !page.rejected.is_empty(),
                "strict failed but nothing rejected"
            );
        }
        (Ok(_), Err(e)) => prop_assert!(false, "tolerant failed where strict passed: {e}"),
        (Err(_), Err(_)) => {}
    }
    if let Ok(page) = &tolerant {
        for (rec, raw) in &page.events {
            prop_assert!(!rec.event_id.trim().is_empty());
            // One event re-read from its raw JSON gives the same record.
            let again = no_panic("parse_event", || parse_event(raw.get()))?;
            prop_assert_eq!(again.as_ref().ok(), Some(rec));
            prop_assert!(serde_json::to_string(rec).is_ok());
        }
    }
    // The slow path (full model, then flattened) agrees with the fast one
    // wherever both read the whole page. Not compared: pages with an array
    // where an object belongs — serde's derive reads `[a, b]` into a struct
    // by field position, and the two models order their fields differently
    // (see `known_difference_array_for_an_object`).
    let comparable = serde_json::from_slice::<Value>(body)
        .map(|v| !array_for_object(&v))
        .unwrap_or(false);
    if let (true, Ok((events, _)), Ok(list)) = (comparable, &fast, &full) {
        prop_assert_eq!(events.len(), list.value.len());
        for ((rec, _), summary) in events.iter().zip(&list.value) {
            let slow = no_panic("EventRecord::from_summary", || {
                EventRecord::from_summary(summary)
            })?;
            let _ = no_panic("effective_error", || summary.effective_error().is_empty())?;
            prop_assert_eq!(slow.as_ref().ok(), Some(rec), "slow path disagrees");
        }
    }
    no_panic("parse_graph_error", || parse_graph_error(body))?;
    Ok(())
}

fn check_job(body: &[u8]) -> Result<(), TestCaseError> {
    let job = no_panic("SynchronizationJob", || {
        parse_document::<SynchronizationJob>("job", body)
    })?;
    let list = no_panic("GraphList<SynchronizationJob>", || {
        parse_document::<GraphList<SynchronizationJob>>("jobs", body)
    })?;
    let jobs: Vec<SynchronizationJob> = job
        .into_iter()
        .chain(list.into_iter().flat_map(|l| l.value))
        .collect();
    for j in &jobs {
        no_panic("job accessors", || {
            let _ = j.status_code().map(|c| c.as_str().to_string());
            let _ = j.schedule_state().map(|c| c.as_str().to_string());
            let _ = j.quarantine().map(|q| q.reason.clone());
            let _ = j.setting("SyncAll");
            if let Some(sch) = &j.schedule {
                let _ = sch.interval.as_ref().map(|i| (i.every(), i.to_string()));
                let _ = sch.expiration.as_ref().map(|t| (t.millis(), t.to_string()));
            }
            if let Some(st) = &j.status {
                for t in [
                    st.steady_state_first_achieved_time.as_ref(),
                    st.steady_state_last_achieved_time.as_ref(),
                ]
                .into_iter()
                .flatten()
                {
                    let _ = (t.millis(), t.is_never(), t.to_string());
                }
                for e in [
                    st.last_execution.as_ref(),
                    st.last_successful_execution.as_ref(),
                    st.last_successful_execution_with_exports.as_ref(),
                ]
                .into_iter()
                .flatten()
                {
                    let _ = e.time_began.as_ref().map(Timestamp::millis);
                    let _ = e.time_ended.as_ref().map(Timestamp::millis);
                }
            }
        })?;
        // Serialising and reading back keeps the job (Display of timestamps
        // and intervals round-trips through the lenient parsers).
        let text = serde_json::to_vec(j).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back = no_panic("job round trip", || {
            parse_document::<SynchronizationJob>("job", &text)
        })?;
        let back = back.map_err(|e| TestCaseError::fail(format!("round trip: {e}")))?;
        let interval = |j: &SynchronizationJob| {
            j.schedule
                .as_ref()
                .and_then(|s| s.interval.as_ref())
                .and_then(Interval::every)
        };
        prop_assert_eq!(interval(&back), interval(j));
    }
    no_panic("parse_graph_error", || parse_graph_error(body))?;
    Ok(())
}

fn check_url(raw: &str) -> Result<(), TestCaseError> {
    let out = no_panic("normalize_endpoint_url", || normalize_endpoint_url(raw))?;
    let trimmed = raw.trim();
    let lower = trimmed.to_ascii_lowercase();
    let Ok(n) = out else {
        return Ok(());
    };
    prop_assert!(
        !lower.starts_with("javascript:"),
        "accepted a javascript: URL: {raw:?} → {:?}",
        n.url
    );
    // The scheme typed is http(s). (The WHATWG parser reads `https:host` and
    // `https:/host` as `https://host`, so the slashes are not required.)
    let scheme = lower.split(':').next().unwrap_or_default();
    prop_assert!(
        scheme == "https" || scheme == "http",
        "accepted a non-http(s) URL: {raw:?} → {:?}",
        n.url
    );
    let u = url::Url::parse(&n.url)
        .map_err(|e| TestCaseError::fail(format!("output {:?} does not parse: {e}", n.url)))?;
    prop_assert!(
        u.scheme() == "https" || u.scheme() == "http",
        "scheme {}",
        u.scheme()
    );
    prop_assert!(!u.path().contains("//"), "`//` in the path of {:?}", n.url);
    let before_query = n.url.split('?').next().unwrap_or_default();
    prop_assert!(
        !before_query.ends_with('/'),
        "trailing slash in {:?}",
        n.url
    );
    prop_assert!(u.fragment().is_none());
    prop_assert!(u.username().is_empty() && u.password().is_none());
    // The query string is kept.
    let q_in = url::Url::parse(trimmed)
        .ok()
        .and_then(|u| u.query().map(str::to_string))
        .filter(|q| !q.is_empty());
    prop_assert_eq!(u.query().map(str::to_string), q_in, "query of {:?}", raw);
    // Idempotent.
    let again = no_panic("normalize_endpoint_url (again)", || {
        normalize_endpoint_url(&n.url)
    })?;
    match again {
        Ok(m) => prop_assert_eq!(&m.url, &n.url, "not idempotent for {:?}", raw),
        Err(e) => prop_assert!(
            false,
            "normalised {raw:?} to {:?}, which is then refused: {e}",
            n.url
        ),
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// URL generator.

fn url_input() -> BoxedStrategy<String> {
    let scheme = prop_oneof![
        6 => Just("https"),
        2 => Just("http"),
        1 => Just("HTTPS"),
        1 => Just("HtTp"),
        1 => Just("javascript"),
        1 => Just("JavaScript"),
        1 => Just("ftp"),
        1 => Just("file"),
        1 => Just("data"),
        1 => Just("wss"),
        1 => Just(""),
    ];
    let sep = prop_oneof![
        8 => Just("://"),
        1 => Just(":"),
        1 => Just(":/"),
        1 => Just(":///"),
        1 => Just("//"),
    ];
    let host = prop_oneof![
        4 => Just("example.com".to_string()),
        2 => Just("localhost".to_string()),
        1 => Just("LOCALHOST".to_string()),
        2 => Just("127.0.0.1".to_string()),
        1 => Just("127.1".to_string()),
        1 => Just("[::1]".to_string()),
        1 => Just("[::ffff:127.0.0.1]".to_string()),
        1 => Just("bücher.example".to_string()),
        1 => Just("xn--bcher-kva.example".to_string()),
        1 => Just("user:pw@example.com".to_string()),
        1 => Just("@example.com".to_string()),
        1 => Just("a..b".to_string()),
        1 => Just("".to_string()),
        1 => Just("%41.example".to_string()),
        1 => Just("alert(1)".to_string()),
        2 => "[a-z0-9.-]{1,20}",
        1 => any::<String>(),
    ];
    let port = prop_oneof![
        4 => Just(String::new()),
        1 => Just(":443".to_string()),
        1 => Just(":80".to_string()),
        1 => Just(":8080".to_string()),
        1 => Just(":".to_string()),
        1 => Just(":99999".to_string()),
    ];
    let segment = prop_oneof![
        4 => "[a-zA-Z0-9_~-]{0,10}",
        1 => Just("scim".to_string()),
        1 => Just("v2".to_string()),
        1 => Just(".".to_string()),
        1 => Just("..".to_string()),
        1 => Just("%2F".to_string()),
        1 => Just("%2e%2E".to_string()),
        1 => Just("é".to_string()),
        1 => Just("a b".to_string()),
        1 => Just("\\".to_string()),
        1 => any::<String>(),
        // Long ones: percent-encoding can make the output longer than the input.
        1 => (prop::sample::select(&["é", "𝔘", "a", "%", "\"", "<"][..]), 100usize..1100)
            .prop_map(|(s, n)| s.repeat(n)),
    ];
    let slashes = prop_oneof![6 => Just("/"), 2 => Just("//"), 1 => Just("///"), 1 => Just("\\")];
    let path = prop::collection::vec((slashes, segment), 0..5).prop_map(|parts| {
        parts
            .into_iter()
            .map(|(s, seg)| format!("{s}{seg}"))
            .collect::<String>()
    });
    let trailing = prop_oneof![4 => Just(""), 2 => Just("/"), 1 => Just("//"), 1 => Just("/./")];
    let query = prop_oneof![
        4 => Just(String::new()),
        2 => Just("?aadOptscim062020".to_string()),
        1 => Just("?".to_string()),
        1 => Just("?a=b&c=%20d".to_string()),
        1 => Just("?a=b//c/".to_string()),
        1 => Just("??x".to_string()),
        1 => "\\?[a-zA-Z0-9=&%/._-]{0,20}",
        1 => any::<String>().prop_map(|s| format!("?{s}")),
    ];
    let fragment = prop_oneof![8 => Just(""), 1 => Just("#x"), 1 => Just("#")];
    let space = prop_oneof![8 => Just(""), 1 => Just(" "), 1 => Just("\n\t")];
    let structured = (
        space.clone(),
        scheme,
        sep,
        host,
        port,
        path,
        trailing,
        query,
        fragment,
        space,
    )
        .prop_map(|(a, sc, sep, h, p, path, t, q, f, b)| {
            format!("{a}{sc}{sep}{h}{p}{path}{t}{q}{f}{b}")
        });
    prop_oneof![
        8 => structured,
        1 => any::<String>(),
        1 => prop::collection::vec(any::<u8>(), 0..64)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
    .boxed()
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

#[test]
fn fuzz_graph_event_page() {
    let body = prop_oneof![
        4 => input(event_page()),
        1 => encode(provisioning_event()),
    ];
    fuzz("graph_event_page", body, |body| check_event_page(&body));
}

#[test]
fn fuzz_graph_job() {
    fuzz("graph_job", input(job_document()), |body| check_job(&body));
}

#[test]
fn fuzz_tenant_url() {
    fuzz("tenant_url", url_input(), |raw| check_url(&raw));
}

// ---------------------------------------------------------------------------
// Regressions: inputs the fuzzer found, kept by name.

#[test]
fn an_event_sent_as_an_array_is_rejected_not_read_by_position() {
    // Found by the soak's fuzzing: `[id, activityDateTime, jobId]` was read
    // as an event by field position (and the two models disagreed).
    let page = br#"{"value":[[false,"2024-05-01T10:00:00Z",false]]}"#;
    assert!(parse_event_page(page).is_err());
    let tolerant = parse_event_page_tolerant(page).unwrap();
    assert!(tolerant.events.is_empty());
    assert_eq!(tolerant.rejected.len(), 1);
    assert!(
        tolerant.rejected[0]
            .to_string()
            .contains("not a JSON object"),
        "{}",
        tolerant.rejected[0]
    );
    check_event_page(page).unwrap();
}

/// Found by `fuzz_graph_event_page`: `"errorInformation": [false]` (an
/// array for an object) is read by both event models, positionally, into
/// different fields (the fast path's first field is `status`, the full
/// model's is `errorCode`), so the two disagree. Graph never sends this;
/// the fuzz target skips the comparison for such pages and this test pins
/// the behaviour: neither path panics and both keep the event.
#[test]
fn known_difference_array_for_an_object() {
    let page = br#"{"value":[{"activityDateTime":"2024-05-01T10:00:00Z","id":"null","provisioningStatusInfo":{"errorInformation":[false]}}]}"#;
    let (events, _) = parse_event_page(page).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].0.error_code, None);
    let list = parse_document::<GraphList<ProvisioningObjectSummary>>("page", page).unwrap();
    let slow = EventRecord::from_summary(&list.value[0]).unwrap();
    assert_eq!(slow.error_code.as_deref(), Some("false"));
    assert!(array_for_object(&serde_json::from_slice(page).unwrap()));
    check_event_page(page).unwrap();
}

/// Found by `fuzz_tenant_url`: 1,000 `é` in the path fit the 2,048-byte limit
/// as typed but not once percent-encoded, so the normalised URL was refused
/// when normalised again (not idempotent). The limit now applies to the result.
#[test]
fn regression_url_longer_once_percent_encoded() {
    let raw = format!("https://example.com/{}?Aa-==_", "é".repeat(1_000));
    assert!(raw.len() <= 2048);
    let e = normalize_endpoint_url(&raw).unwrap_err();
    assert!(e.contains("once encoded"), "{e}");
    check_url(&raw).unwrap();
    // Just under the limit once encoded: accepted, and idempotent.
    let raw = format!("https://example.com/{}", "é".repeat(330));
    let n = normalize_endpoint_url(&raw).unwrap();
    assert_eq!(normalize_endpoint_url(&n.url).unwrap().url, n.url);
}

#[test]
fn regression_url_refusals_hold() {
    for raw in [
        "javascript:alert(1)",
        "javascript://example.com/%0aalert(1)",
        "JavaScript://localhost/",
        "ftp://example.com/scim",
        "data://text/plain,hi",
        "file:///etc/passwd",
        "http://example.com/scim",
    ] {
        assert!(normalize_endpoint_url(raw).is_err(), "{raw}");
        check_url(raw).unwrap();
    }
    for raw in [
        "https://example.com//scim//v2//?aadOptscim062020",
        "https://example.com/a/..//b/",
        "http://127.1/scim/",
        "https://bücher.example/scim",
        // Found by the fuzzer: the parser reads `https:host` as `https://host`;
        // accepted, and still https.
        "https:example.com://",
    ] {
        check_url(raw).unwrap();
    }
}
