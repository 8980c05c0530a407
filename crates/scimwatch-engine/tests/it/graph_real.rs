//! Real Microsoft Graph bodies (`tests/fixtures/graph-real/`, captured from
//! live tenants) through the engine's stored-data path: what the admin is
//! told must follow what real Graph sends, not what the API reference or
//! entra-sim assumes (issue 17).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use chrono::Utc;
use scimwatch_core::checklist::{evaluate_step, CheckStatus, Context};
use scimwatch_core::graph::parse_event_page;
use scimwatch_engine::graph::observe;
use scimwatch_engine::store::{connections, events};
use scimwatch_engine::Store;

use crate::graph_support;
use graph_support::replay::{real_fixture as fixture, real_quarantine, Replay};

async fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in(dir.path()).await.unwrap();
    sqlx::query(
        "INSERT INTO connections (uuid, name, scim_url, created_ms, updated_ms) \
         VALUES ('u', 'n', 'https://x', 0, 0)",
    )
    .execute(store.pool())
    .await
    .unwrap();
    (dir, store)
}

/// Store a Graph log page as the ingest does and roll its cycles up.
async fn ingest(store: &Store, body: &str) {
    let (evs, _) = parse_event_page(body.as_bytes()).unwrap();
    let cycles: BTreeSet<String> = evs.iter().filter_map(|e| e.0.cycle_id.clone()).collect();
    let mut conn = store.pool().acquire().await.unwrap();
    events::insert_events(&mut conn, 1, &evs).await.unwrap();
    events::recompute_rollups(&mut conn, 1, &cycles)
        .await
        .unwrap();
}

async fn conflicts_step(store: &Store) -> scimwatch_core::checklist::StepResult {
    let row = connections::get_by_uuid(store.pool(), "u")
        .await
        .unwrap()
        .unwrap();
    let obs = observe::observations(store, &row).await.unwrap();
    evaluate_step(
        "conflicts_duplicates",
        &obs,
        &Context::default(),
        &[],
        Utc::now(),
    )
    .unwrap()
}

/// Defect 3: Box's app-prefixed `BoxEntryConflict` (a real 2019 beta page
/// with only `action`/`statusInfo`) is a conflict.
#[tokio::test]
async fn an_app_prefixed_entry_conflict_is_a_conflict() {
    let (_dir, store) = store().await;
    ingest(
        &store,
        &fixture("provisioning-page-beta-box-statusinfo-only-2019.json"),
    )
    .await;
    let step = conflicts_step(&store).await;
    assert_eq!(step.outcome.status, CheckStatus::Fail, "{step:#?}");
    assert!(
        step.outcome
            .evidence
            .iter()
            .any(|e| e.label.contains("BoxEntryConflict")
                && e.value == scimwatch_core::health::EvidenceValue::Count(1)),
        "{:#?}",
        step.outcome.evidence
    );
}

/// Defect 3: the SaaS's 409 `uniqueness`, reported by Entra under an
/// unrelated code with the SaaS's answer in the reason (the
/// `StatusCode/Message/Web Response` form real events carry), is a conflict.
#[tokio::test]
async fn a_saas_409_uniqueness_under_another_code_is_a_conflict() {
    let (_dir, store) = store().await;
    // The real Box event, its failure re-told the way Entra reports a SCIM
    // app's 409 today.
    let mut page: serde_json::Value = serde_json::from_str(&fixture(
        "provisioning-page-beta-box-statusinfo-only-2019.json",
    ))
    .unwrap();
    let ev = &mut page["value"][0];
    ev["statusInfo"]["errorCode"] =
        "SystemForCrossDomainIdentityManagementServiceIncompatibleFiltering".into();
    ev["statusInfo"]["reason"] = "StatusCode: 409\r\nMessage: Processing of the HTTP request \
resulted in an exception. Please see the HTTP response returned by the 'Response' property of \
this exception for details.\r\nWeb Response: {\"schemas\":[\"urn:ietf:params:scim:api:messages:\
2.0:Error\"],\"scimType\":\"uniqueness\",\"detail\":\"User already exists in the database.\",\
\"status\":\"409\"}. This operation was retried 0 times. It will be retried again after this \
date: 2021-09-02T17:25:30.0000000Z UTC"
        .into();
    ingest(&store, &page.to_string()).await;
    let step = conflicts_step(&store).await;
    assert_eq!(step.outcome.status, CheckStatus::Fail, "{step:#?}");
}

/// No verdict without evidence: failures that are not conflicts keep the
/// step passing, and a 400 from the SaaS is not a conflict.
#[tokio::test]
async fn other_failures_are_not_conflicts() {
    let (_dir, store) = store().await;
    let mut page: serde_json::Value = serde_json::from_str(&fixture(
        "provisioning-page-beta-box-statusinfo-only-2019.json",
    ))
    .unwrap();
    let ev = &mut page["value"][0];
    ev["statusInfo"]["errorCode"] = "SystemForCrossDomainIdentityManagementBadResponse".into();
    ev["statusInfo"]["reason"] = "StatusCode: 400\r\nMessage: Bad Request\r\nWeb Response: \
{\"scimType\":\"invalidValue\",\"status\":\"400\"}"
        .into();
    ingest(&store, &page.to_string()).await;
    let step = conflicts_step(&store).await;
    assert_eq!(step.outcome.status, CheckStatus::Pass, "{step:#?}");
}

/// Defect 1: the real AADSTS7000215 body (`\r\n` before Trace ID,
/// Correlation ID, Timestamp) gives a one-line message with the first
/// sentence and the code, and none of the trace lines.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_aadsts_description_with_crlf_trace_lines_reads_as_one_sentence() {
    let body = fixture("token-error-401-aadsts7000215-invalid-client.json");
    assert!(
        body.contains("\\r\\nTrace ID:"),
        "the fixture is the real one"
    );
    let replay = Replay::start(vec![("/oauth2/v2.0/token", 401, body)]).await;
    let e = replay.client().access_token().await.unwrap_err();
    let msg = e.to_string();
    let cmd: scimwatch_core::CommandError = e.into();
    for m in [&msg, &cmd.message] {
        assert!(m.contains("AADSTS7000215"), "{m}");
        assert!(m.contains("Invalid client secret is provided."), "{m}");
        assert!(m.contains("Store a current client secret"), "{m}");
        for bad in [
            "Trace ID",
            "Correlation ID",
            "Timestamp",
            "b179b7db",
            "\r",
            "\n",
        ] {
            assert!(!m.contains(bad), "{bad:?} in {m:?}");
        }
        assert!(!m.contains("the-client-secret"), "{m}");
    }
}

// ---- A real quarantined SCIM job (beta, 2021) ----------------------------

fn quarantine_obs(raw: &str) -> scimwatch_core::health::Observations {
    let job = observe::job_observation(raw, vec![0]).expect("the real job parses");
    scimwatch_core::health::Observations {
        job: Some(job),
        // Read a minute after the quarantine began.
        job_observed_at: Some("2021-05-24T21:46:54Z".parse().unwrap()),
        graph_reachability: scimwatch_core::health::Reachability::Ok,
        ..Default::default()
    }
}

const INVALID_CREDENTIALS: &str = "SystemForCrossDomainIdentityManagementInvalidCredentials";
const TENANT_URL_MESSAGE: &str = "Please provide a valid tenant URL for your application.";

/// Defect 6: the cause of a quarantine without `quarantine.error` is the
/// last execution's error; `…InvalidCredentials` is a credential
/// quarantine like `…CredentialValidationFailure`; the `0001-01-01` and `""`
/// sentinels are absent values.
#[test]
fn a_quarantine_takes_its_cause_from_the_last_execution_and_invalid_credentials_is_credentials() {
    use scimwatch_core::health::{evaluate, FindingKind, Thresholds};
    let now: chrono::DateTime<Utc> = "2021-05-24T21:47:00Z".parse().unwrap();
    for (without_error, from) in [(false, ""), (true, " (from the last execution)")] {
        let obs = quarantine_obs(&real_quarantine(without_error));
        let job = obs.job.as_ref().unwrap();
        assert_eq!(job.steady_state(), None, "0001-01-01 is never");
        assert_eq!(job.last_successful_execution_ended, None);
        let f = evaluate(&obs, &Thresholds::default(), now);
        let q = f
            .iter()
            .find(|f| f.kind == FindingKind::Quarantine)
            .expect("quarantine finding");
        let ev = |label: &str| {
            q.evidence
                .iter()
                .find(|e| e.label == label)
                .map(|e| e.value.to_string())
        };
        assert_eq!(
            ev(&format!("Error code{from}")).as_deref(),
            Some(INVALID_CREDENTIALS),
            "{without_error}: {:#?}",
            q.evidence
        );
        assert_eq!(
            ev(&format!("Error message{from}")).as_deref(),
            Some(TENANT_URL_MESSAGE)
        );
        assert!(
            q.action.contains("refused Entra's credentials"),
            "{without_error}: {}",
            q.action
        );
        assert_eq!(
            ev("Next attempt").as_deref(),
            Some("2021-05-24T21:50:54Z"),
            "first retry five minutes later"
        );
        // The checklist's token step reads the same credential quarantine.
        let token = evaluate_step("token_valid", &obs, &Context::default(), &[], now).unwrap();
        assert_eq!(token.outcome.status, CheckStatus::Fail, "{token:#?}");
        let quarantine = evaluate_step("quarantine", &obs, &Context::default(), &[], now).unwrap();
        assert!(
            quarantine
                .outcome
                .evidence
                .iter()
                .any(|e| e.value.to_string() == TENANT_URL_MESSAGE),
            "{:#?}",
            quarantine.outcome.evidence
        );
    }
}

/// Defect 6: `status` shows the quarantine's error message (not only
/// `check`), from the last execution when the quarantine has none.
#[tokio::test]
async fn the_status_report_carries_the_quarantine_error_message() {
    use scimwatch_engine::store::jobs::{self, JobSnapshot};
    for without_error in [false, true] {
        let (_dir, store) = store().await;
        let raw = real_quarantine(without_error);
        let snap = JobSnapshot {
            job_id: "aWSSingleSignon.ff8bf889e03141ac8f7baedb059892ee.bfc8712e-0986-4d47-896b-6872713598c6".into(),
            content_hash: format!("h{without_error}"),
            status_code: Some("Quarantine".into()),
            schedule_state: Some("Active".into()),
            quarantine_reason: Some("EncounteredQuarantineException".into()),
            raw_json: raw,
            ..Default::default()
        };
        jobs::record_job_status(store.pool(), 1, &snap, 1_621_892_814_000)
            .await
            .unwrap();
        let row = connections::get_by_uuid(store.pool(), "u")
            .await
            .unwrap()
            .unwrap();
        let r = observe::status_report(&store, &row, "2021-05-24T21:47:00Z".parse().unwrap())
            .await
            .unwrap();
        let q = r.quarantine.expect("a quarantine view");
        assert_eq!(q.error_code.as_deref(), Some(INVALID_CREDENTIALS));
        assert_eq!(q.error_message.as_deref(), Some(TENANT_URL_MESSAGE));
        assert_eq!(
            q.error_source.as_deref(),
            Some(if without_error {
                "last_execution"
            } else {
                "quarantine"
            })
        );
    }
}

/// Defect 7: the real quarantined job, disabled after 28 days, with no
/// groups assigned: "Start here" is the refused credential that caused the
/// quarantine, never the groups warning.
#[test]
fn start_here_on_a_real_quarantined_and_disabled_job_is_the_cause() {
    use scimwatch_core::checklist::evaluate_checklist;
    use scimwatch_core::health::{AssignmentsObservation, MappingsObservation};
    let mut v: serde_json::Value = serde_json::from_str(&real_quarantine(true)).unwrap();
    v["schedule"]["state"] = "Disabled".into();
    let mut obs = quarantine_obs(&v.to_string());
    obs.mappings = Some(MappingsObservation {
        users_enabled: Some(true),
        groups_enabled: Some(true),
        scope_assigned_only: Some(true),
    });
    obs.assignments = Some(AssignmentsObservation {
        users: 12,
        groups: 0,
        group_members: 0,
    });
    let now: chrono::DateTime<Utc> = "2021-06-30T09:00:00Z".parse().unwrap();
    obs.job_observed_at = Some(now - chrono::Duration::minutes(2));
    let run = evaluate_checklist(&obs, &Context::default(), &[], now);
    let failing: Vec<&str> = run
        .steps
        .iter()
        .filter(|s| s.status == scimwatch_core::checklist::StepStatus::Fail)
        .map(|s| s.id.as_str())
        .collect();
    assert!(failing.contains(&"groups_assigned"), "{failing:?}");
    assert!(failing.contains(&"quarantine"), "{failing:?}");
    assert_eq!(
        run.first_failing.as_deref(),
        Some("token_valid"),
        "{failing:?}"
    );
}

/// Defect 2: the synchronization API's real 401 `UnknownError` with an
/// empty message is a missing permission or role, named as such; the same
/// token still reads the directory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_unknownerror_with_an_empty_message_is_a_missing_permission() {
    use scimwatch_engine::graph::{Family, GraphError};
    let body = fixture("graph-error-401-synchronization-unknownerror-empty-message.json");
    let replay = Replay::start(vec![
        ("/synchronization/", 401, body),
        (
            "/servicePrincipals",
            200,
            r#"{"value":[{"id":"sp-1","appId":"a","displayName":"Acme"}]}"#.into(),
        ),
    ])
    .await;
    let client = replay.client();
    let e = client
        .get_json::<serde_json::Value>(
            "/servicePrincipals/sp-1/synchronization/jobs/job-1",
            Family::Synchronization,
            "the provisioning job",
        )
        .await
        .unwrap_err();
    assert!(
        matches!(e, GraphError::MissingRole { .. }),
        "{e:?} should be a missing permission"
    );
    assert!(e.is_permission() && !e.is_transport());
    let msg = e.to_string();
    for needed in [
        "the provisioning job",
        "Synchronization.Read.All",
        "Application.Read.All",
        "Application Administrator",
        "Cloud Application Administrator",
        "UnknownError",
    ] {
        assert!(msg.contains(needed), "{needed}: {msg}");
    }
    assert!(!msg.contains("refused the access token"), "{msg}");
    let ok: serde_json::Value = client
        .get_json("/servicePrincipals", Family::Directory, "servicePrincipals")
        .await
        .unwrap();
    assert_eq!(ok["value"][0]["id"], "sp-1");
    // A 401 with a message on another family stays a refused token.
    let replay = Replay::start(vec![(
        "/auditLogs/",
        401,
        r#"{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired or is not yet valid."}}"#
            .into(),
    )])
    .await;
    let e = replay
        .client()
        .get_json::<serde_json::Value>(
            "/auditLogs/provisioning",
            Family::ProvisioningLogs,
            "provisioning logs",
        )
        .await
        .unwrap_err();
    assert!(matches!(e, GraphError::Unauthorized { .. }), "{e:?}");
}

/// Defect 6: Graph's `0001-01-01` sentinels are absent values, never dates:
/// a quarantine whose times are sentinels has no next attempt and an
/// unknown (not zero) number of days left — never "Entra disabled the job".
#[test]
fn quarantine_sentinels_are_absent_values() {
    use scimwatch_core::health::{evaluate, FindingKind, Thresholds};
    let mut v: serde_json::Value = serde_json::from_str(&real_quarantine(true)).unwrap();
    for k in ["nextAttempt", "seriesBegan", "currentBegan"] {
        v["status"]["quarantine"][k] = "0001-01-01T00:00:00Z".into();
    }
    let obs = quarantine_obs(&v.to_string());
    let q = obs.job.as_ref().unwrap().quarantine.clone().unwrap();
    assert_eq!(
        (q.next_attempt, q.series_began, q.current_began),
        (None, None, None)
    );
    let now: chrono::DateTime<Utc> = "2021-05-24T21:47:00Z".parse().unwrap();
    let f = evaluate(&obs, &Thresholds::default(), now);
    let q = f
        .iter()
        .find(|f| f.kind == FindingKind::Quarantine)
        .unwrap();
    assert_eq!(q.days_left, None);
    assert!(!q.title.contains("disabled"), "{}", q.title);
    assert!(
        !q.evidence
            .iter()
            .any(|e| e.value.to_string().contains("0001")),
        "{:#?}",
        q.evidence
    );
}
