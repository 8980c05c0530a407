//! Fuzzing with proptest (there is no nightly toolchain, so no `cargo fuzz`).
//!
//! Five targets, each a `#[test]`, one file a subject:
//! - `scim`: `fuzz_scim_list_response` — SCIM `ListResponse` parsing, then
//!   the typed User/Group views and content hashing of every resource (what
//!   a crawl does); `fuzz_scim_error` — SCIM error bodies, body
//!   classification, content types, JWT expiry;
//! - `graph`: `fuzz_graph_event_page` — the fast provisioning-log page
//!   parser, the tolerant one, and the full `ProvisioningObjectSummary`
//!   model, which must agree; `fuzz_graph_job` — synchronization jobs and
//!   their status (lenient models);
//! - `tenant_url`: `fuzz_tenant_url` — the Tenant URL normaliser: idempotent,
//!   no `//` in the path, no trailing slash, query kept, only https (http on
//!   loopback).
//!
//! Here: the driver and the JSON generators every target builds on.
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
//! Crashes found are kept as named regression tests beside their target.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod graph;
mod scim;
mod tenant_url;

use std::cell::Cell;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use serde_json::{Map, Value};

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
