//! Conformance: every Graph example body Microsoft publishes (copied into
//! `tests/fixtures/graph/` at the repository root, with each file's published
//! source in its README) parses with the models, and the values that matter
//! come out right.

// Test helpers outside `#[test]` functions may unwrap too (clippy.toml only
// covers the test functions themselves).
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use chrono::{Duration, TimeZone, Utc};
use scimwatch_core::graph::{
    parse_document, parse_event_page, AppRoleAssignment, EventRecord, ExecutionState, GraphList,
    InitiatorType, Interval, JobStatusCode, PrincipalType, ProvisionOnDemandResponse,
    ProvisioningAction, ProvisioningObjectSummary, ProvisioningResult, ProvisioningStepType,
    ScheduleState, ServicePrincipal, SynchronizationJob, SynchronizationSchema, Timestamp,
};

fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/graph")
}

fn read(name: &str) -> Vec<u8> {
    let path = examples_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn json_files() -> Vec<String> {
    let dir = examples_dir();
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| {
        panic!(
            "the Graph examples folder {} is missing ({e}): it is part of the repository (tests/fixtures/graph)",
            dir.display()
        )
    });
    let mut names: Vec<String> = entries
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no .json files in {}", dir.display());
    names
}

/// Parse a file with the model its name calls for; returns a short summary
/// so the test proves a model was chosen for every file.
fn parse_by_name(name: &str) -> &'static str {
    let bytes = read(name);
    let doc = name;
    if name.starts_with("approleassignedto-list") {
        parse_document::<GraphList<AppRoleAssignment>>(doc, &bytes).unwrap();
        "appRoleAssignment list"
    } else if name.starts_with("provisioning-list") {
        let list = parse_document::<GraphList<ProvisioningObjectSummary>>(doc, &bytes).unwrap();
        let (events, _) = parse_event_page(&bytes).unwrap();
        assert_eq!(events.len(), list.value.len(), "{name}");
        for ((rec, _), full) in events.iter().zip(&list.value) {
            assert_eq!(&EventRecord::from_summary(full).unwrap(), rec, "{name}");
        }
        "provisioning page"
    } else if name.starts_with("provisionondemand") {
        let r = parse_document::<ProvisionOnDemandResponse>(doc, &bytes).unwrap();
        r.result().unwrap();
        r.value_json().unwrap();
        "provisionOnDemand"
    } else if name.starts_with("serviceprincipal-list") {
        parse_document::<GraphList<ServicePrincipal>>(doc, &bytes).unwrap();
        "servicePrincipal list"
    } else if name.starts_with("synchronizationjob-list") {
        parse_document::<GraphList<SynchronizationJob>>(doc, &bytes).unwrap();
        "job list"
    } else if name.starts_with("synchronizationjob-") {
        parse_document::<SynchronizationJob>(doc, &bytes).unwrap();
        "job"
    } else if name.starts_with("synchronizationschema") {
        parse_document::<SynchronizationSchema>(doc, &bytes).unwrap();
        "schema"
    } else {
        panic!("no model known for {name}: add it to parse_by_name");
    }
}

#[test]
fn every_example_parses() {
    let files = json_files();
    for name in &files {
        let kind = parse_by_name(name);
        assert!(!kind.is_empty());
    }
    // The README lists 15 bodies; a vanished file should be noticed.
    assert!(files.len() >= 15, "only {} example files", files.len());
}

#[test]
fn job_get_quarantine_with_empty_strings() {
    let job: SynchronizationJob =
        parse_document("job", &read("synchronizationjob-get.json")).unwrap();
    assert_eq!(job.id, "{jobId}");
    assert_eq!(job.template_id.as_deref(), Some("BoxOutDelta"));
    let schedule = job.schedule.as_ref().unwrap();
    assert_eq!(schedule.interval, Some(Interval::NoSchedule));
    assert_eq!(schedule.state, Some(ScheduleState::Disabled));
    assert_eq!(schedule.expiration, None);
    let status = job.status.as_ref().unwrap();
    assert_eq!(status.code, Some(JobStatusCode::Paused));
    assert_eq!(status.count_successive_complete_failures, Some(0));
    assert_eq!(status.escrows_pruned, Some(false));
    assert!(status.last_execution.is_none());
    assert!(status.progress.is_empty());
    assert_eq!(
        status.steady_state_first_achieved_time,
        Some(Timestamp::Never)
    );
    assert_eq!(
        status.steady_state_last_achieved_time,
        Some(Timestamp::Never)
    );
    let q = job.quarantine().unwrap();
    assert_eq!(q.current_began, None);
    assert_eq!(q.next_attempt, None);
    assert_eq!(q.series_began, None);
    assert_eq!(q.reason, None);
    assert_eq!(q.series_count, Some(2));
    let err = q.error.as_ref().unwrap();
    assert_eq!(err.code.as_deref(), Some("SalesforceInvalidCredentials"));
    assert_eq!(err.tenant_actionable, Some(true));
    assert_eq!(
        job.setting("QuarantineTooManyDeletesThreshold"),
        Some("500")
    );
}

#[test]
fn new_job_is_not_configured() {
    let job: SynchronizationJob = parse_document(
        "job",
        &read("synchronizationjob-create-notconfigured-entra-docs.json"),
    )
    .unwrap();
    assert_eq!(job.template_id.as_deref(), Some("aws"));
    assert_eq!(job.status_code(), Some(&JobStatusCode::NotConfigured));
    assert_eq!(job.schedule.unwrap().interval, Some(Interval::NoSchedule));
    assert!(job.status.unwrap().quarantine.is_none());
}

#[test]
fn job_list() {
    let list: GraphList<SynchronizationJob> =
        parse_document("jobs", &read("synchronizationjob-list.json")).unwrap();
    assert_eq!(list.value.len(), 1);
    assert_eq!(list.next_link, None);
    let job = &list.value[0];
    assert_eq!(job.status_code(), Some(&JobStatusCode::Paused));
    assert_eq!(job.schedule_state(), Some(&ScheduleState::Disabled));
    assert!(job.quarantine().is_none());
}

#[test]
fn an_active_job_round_trips() {
    // Not a published example: the shape of a healthy SCIM job, for contrast.
    let json = br#"{"id":"scim.abc","templateId":"scim","schedule":{"interval":"PT40M","state":"Active"},
      "status":{"code":"Active","lastExecution":{"activityIdentifier":"c1","countExported":"12",
      "state":"EntryLevelErrors","timeBegan":"2024-05-01T10:00:00.1234567Z","timeEnded":"2024-05-01T10:03:00Z"}}}"#;
    let job: SynchronizationJob = parse_document("job", json).unwrap();
    let schedule = job.schedule.as_ref().unwrap();
    assert_eq!(
        schedule.interval,
        Some(Interval::Every(Duration::minutes(40)))
    );
    let last = job
        .status
        .as_ref()
        .unwrap()
        .last_execution
        .as_ref()
        .unwrap();
    assert_eq!(last.state, Some(ExecutionState::EntryLevelErrors));
    assert_eq!(last.count_exported, Some(12));
    assert_eq!(
        last.time_ended.as_ref().and_then(Timestamp::at),
        Some(Utc.with_ymd_and_hms(2024, 5, 1, 10, 3, 0).unwrap())
    );
    // Normalised JSON parses back to the same model.
    let out = serde_json::to_vec(&job).unwrap();
    let back: SynchronizationJob = parse_document("job", &out).unwrap();
    assert_eq!(back, job);
}

#[test]
fn schema_truncated_by_microsoft() {
    let schema: SynchronizationSchema =
        parse_document("schema", &read("synchronizationschema-get.json")).unwrap();
    assert_eq!(schema.synchronization_rules.len(), 2);
    let users = schema.users_mapping().unwrap();
    assert_eq!(users.target_object_name.as_deref(), Some("User"));
    assert!(users.is_enabled());
    assert_eq!(users.attribute_mappings.len(), 2);
    assert_eq!(
        users.attribute_mappings[0].target_attribute_name.as_deref(),
        Some("userName")
    );
    assert!(users.matching_attributes().is_empty());
    assert!(schema.groups_mapping().is_none());
}

#[test]
fn provisioning_v1_success() {
    let bytes = read("provisioning-list-v1.0-ex1-success.json");
    let list: GraphList<ProvisioningObjectSummary> = parse_document("logs", &bytes).unwrap();
    let e = &list.value[0];
    assert_eq!(e.provisioning_action, Some(ProvisioningAction::Create));
    assert_eq!(e.effective_status(), Some(&ProvisioningResult::Success));
    let types: Vec<_> = e
        .provisioning_steps
        .iter()
        .map(|s| s.provisioning_step_type.clone().unwrap())
        .collect();
    assert_eq!(
        types,
        [ProvisioningStepType::Import, ProvisioningStepType::Export]
    );
    assert_eq!(
        e.initiated_by.as_ref().unwrap().initiator_type,
        Some(InitiatorType::System),
        "the docs' `initiatingType` typo is read"
    );
    assert_eq!(e.modified_properties.len(), 5);
    assert_eq!(e.modified_properties[0].old_value, None);

    let (events, next) = parse_event_page(&bytes).unwrap();
    assert_eq!(next, None);
    let (rec, raw) = &events[0];
    assert_eq!(rec.event_id, "75b5b0ae-9fc5-8d0e-e0a9-7y6a4728de56");
    assert_eq!(
        rec.activity_ms,
        Utc.with_ymd_and_hms(2019, 5, 4, 3, 0, 54)
            .unwrap()
            .timestamp_millis()
    );
    assert_eq!(rec.action.as_deref(), Some("create"));
    assert_eq!(rec.status.as_deref(), Some("success"));
    assert_eq!(rec.identity_type.as_deref(), Some("RolesCompound"));
    assert_eq!(rec.source_name, None, "empty display names become None");
    assert_eq!(
        rec.target_id.as_deref(),
        Some("6nn35b93-185a-4485-a519-50c09549f3ad")
    );
    assert_eq!(rec.duration_ms, Some(3236));
    assert_eq!(rec.error_code, None);
    let back: serde_json::Value = serde_json::from_str(raw.get()).unwrap();
    assert_eq!(back["id"], "75b5b0ae-9fc5-8d0e-e0a9-7y6a4728de56");
}

#[test]
fn provisioning_v1_failure() {
    let (events, _) = parse_event_page(&read("provisioning-list-v1.0-ex2-failure.json")).unwrap();
    let rec = &events[0].0;
    assert_eq!(rec.status.as_deref(), Some("failure"));
    assert_eq!(rec.error_code.as_deref(), Some("ContosoEntryConflict"));
    assert_eq!(rec.error_category.as_deref(), Some("nonServiceFailure"));
    assert!(rec.error_reason.as_deref().unwrap().contains("409"));
    assert_eq!(rec.identity_type.as_deref(), Some("Group"));
    assert_eq!(rec.target_id, None);
    assert_eq!(
        rec.job_id.as_deref(),
        Some("ContosoOutDelta.7928d5b574424a97ne2d66f9j9972ecn")
    );
}

#[test]
fn provisioning_beta_uses_deprecated_fields_as_fallback() {
    // ex2 has no provisioningAction, only beta's `action: "Create"`.
    let bytes = read("provisioning-list-beta-ex2-failure.json");
    let list: GraphList<ProvisioningObjectSummary> = parse_document("logs", &bytes).unwrap();
    let e = &list.value[0];
    assert_eq!(e.provisioning_action, None);
    assert_eq!(e.effective_action(), Some(&ProvisioningAction::Create));
    assert_eq!(
        e.status_info.as_ref().unwrap().error_code.as_deref(),
        Some("ContosoEntryConflict")
    );
    let (events, _) = parse_event_page(&bytes).unwrap();
    assert_eq!(events[0].0.action.as_deref(), Some("create"));
    assert_eq!(
        events[0].0.error_code.as_deref(),
        Some("ContosoEntryConflict")
    );

    let (events, _) = parse_event_page(&read("provisioning-list-beta-ex1-success.json")).unwrap();
    assert_eq!(events[0].0.action.as_deref(), Some("create"));
    assert_eq!(events[0].0.status.as_deref(), Some("success"));
}

#[test]
fn assignments_v1_and_beta() {
    for (file, expect_date) in [
        ("approleassignedto-list-v1.0.json", true),
        ("approleassignedto-list-beta.json", true),
    ] {
        let list: GraphList<AppRoleAssignment> = parse_document(file, &read(file)).unwrap();
        let a = &list.value[0];
        assert_eq!(a.principal_type, Some(PrincipalType::User), "{file}");
        assert_eq!(
            a.principal_id.as_deref(),
            Some("cdb555e3-b33e-4fd5-a427-17fadacbdfa7")
        );
        assert_eq!(
            a.principal_display_name.as_deref(),
            Some("MOD Administrator")
        );
        assert_eq!(
            a.app_role_id.as_deref(),
            Some("00000000-0000-0000-0000-000000000000")
        );
        assert_eq!(a.created_date_time.is_some(), expect_date, "{file}");
        let at = a
            .created_date_time
            .as_ref()
            .and_then(Timestamp::at)
            .unwrap();
        assert_eq!(
            at.timestamp(),
            Utc.with_ymd_and_hms(2021, 2, 2, 4, 22, 45)
                .unwrap()
                .timestamp()
        );
    }
}

#[test]
fn service_principals() {
    let list: GraphList<ServicePrincipal> = parse_document(
        "sp",
        &read("serviceprincipal-list-v1.0-old-fullobject.json"),
    )
    .unwrap();
    let sp = &list.value[0];
    assert_eq!(
        sp.id.as_deref(),
        Some("59e617e5-e447-4adc-8b88-00af644d7c92")
    );
    assert_eq!(
        sp.app_id.as_deref(),
        Some("65415bb1-9267-4313-bbf5-ae259732ee12")
    );
    assert_eq!(sp.display_name.as_deref(), Some("foo"));
    assert_eq!(sp.account_enabled, Some(true));
    assert_eq!(sp.app_role_assignment_required, Some(false));
    assert!(sp.tags.is_empty());

    let search: GraphList<ServicePrincipal> =
        parse_document("sp", &read("serviceprincipal-list-v1.0-ex4-search.json")).unwrap();
    assert_eq!(search.count, Some(1396));
    assert_eq!(search.value[0].id, None, "Microsoft's example omits the id");
    assert_eq!(
        search.value[0].service_principal_type.as_deref(),
        Some("Application")
    );
}

#[test]
fn provision_on_demand_strings_hold_json() {
    let r: ProvisionOnDemandResponse =
        parse_document("pod", &read("provisionondemand-beta.json")).unwrap();
    let result = r.result().unwrap();
    assert_eq!(result.result, Some(ProvisioningResult::Skipped));
    assert_eq!(
        result.details.unwrap().error_code.as_deref(),
        Some("RedundantExport")
    );
    let value = r.value_json().unwrap();
    assert_eq!(value["action"], "Other");
    assert_eq!(value["provisioningSteps"].as_array().unwrap().len(), 4);
    assert_eq!(
        ProvisioningAction::parse(value["action"].as_str().unwrap()),
        ProvisioningAction::Other
    );
}

/// Cut every example at many points and flip bytes: every parser must return
/// (Ok or Err) without panicking, and errors must name their document.
#[test]
fn damaged_examples_never_panic() {
    use scimwatch_core::graph::{
        parse_event_page_tolerant, parse_graph_error, SynchronizationSecrets,
    };
    for name in json_files() {
        let bytes = read(&name);
        let mut inputs: Vec<Vec<u8>> = (0..bytes.len())
            .step_by(37)
            .map(|i| bytes[..i].to_vec())
            .collect();
        for i in (0..bytes.len()).step_by(41) {
            let mut b = bytes.clone();
            b[i] = match b[i] {
                b'"' => b'{',
                b'{' => b'[',
                b':' => b',',
                b'0'..=b'9' => b'x',
                _ => b'"',
            };
            inputs.push(b);
        }
        for input in &inputs {
            if let Err(e) = parse_event_page(input) {
                assert!(!e.document.is_empty());
            }
            let _ = parse_event_page_tolerant(input);
            let _ = parse_document::<SynchronizationJob>("job", input);
            let _ = parse_document::<GraphList<ProvisioningObjectSummary>>("logs", input);
            let _ = parse_document::<SynchronizationSchema>("schema", input);
            let _ = parse_document::<GraphList<AppRoleAssignment>>("assignments", input);
            let _ = parse_document::<SynchronizationSecrets>("secrets", input);
            let _ = parse_graph_error(input);
            let text = String::from_utf8_lossy(input);
            let _ = Interval::parse(&text);
            let _ = Timestamp::parse(&text);
        }
    }
}
