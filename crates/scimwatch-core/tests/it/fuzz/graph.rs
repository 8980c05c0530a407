//! The Graph targets: provisioning-log pages and synchronization jobs, and
//! the regressions the fuzzer found in them.

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::Value;

use scimwatch_core::graph::{
    parse_document, parse_event, parse_event_page, parse_event_page_tolerant, parse_graph_error,
    EventRecord, GraphList, Interval, ProvisioningObjectSummary, SynchronizationJob, Timestamp,
};

use super::{any_json, arr, encode, fuzz, input, no_panic, number, object, s};

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

// ---------------------------------------------------------------------------
// The targets.

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
