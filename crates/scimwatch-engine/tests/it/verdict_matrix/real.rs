//! The matrix's rows for the real Graph bodies (`tests/fixtures/graph-real/`):
//! job, log page and schema bodies through the engine's stored-data path
//! (stored as the poller stores them, then diagnosed and checked); error
//! bodies served verbatim to the engine's Graph client.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use scimwatch_core::graph::job::ConfigKind;
use scimwatch_core::graph::parse_event_page;
use scimwatch_engine::diagnose::DiagnosisConfig;
use scimwatch_engine::graph::Family;
use scimwatch_engine::monitor::{diagnose_all, run_checklist};
use scimwatch_engine::notify::{Notifiers, RecordingNotifier};
use scimwatch_engine::secrets::{MemoryStore, Secrets};
use scimwatch_engine::store::events;
use scimwatch_engine::store::jobs::{self, JobSnapshot};
use scimwatch_engine::{Engine, Store};

use super::graph_support::replay::{real_fixture, real_quarantine, Replay};
use super::Row;

/// An engine with one Entra-side connection (no SCIM endpoint), id 1.
async fn engine() -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in(dir.path()).await.unwrap();
    sqlx::query(
        "INSERT INTO connections (uuid, name, tenant_id, login_url, graph_url, client_id, \
         auth_mode, service_principal_id, app_id, app_display_name, job_id, created_ms, \
         updated_ms) VALUES ('real', 'Real tenant', 'contoso.onmicrosoft.com', \
         'https://login.microsoftonline.com', 'https://graph.microsoft.com', \
         '11111111-2222-3333-4444-555555555555', 'client_secret', 'sp-1', 'app-1', 'Acme', \
         'job-1', 0, 0)",
    )
    .execute(store.pool())
    .await
    .unwrap();
    let secrets: Secrets = Arc::new(MemoryStore::new());
    let engine = Engine::from_parts(store, secrets, dir.path().to_path_buf());
    (dir, engine)
}

/// Diagnose and run the checklist at `now`.
async fn judged(engine: &Engine, name: &str, source: &str, now: DateTime<Utc>) -> Row {
    let rec = Arc::new(RecordingNotifier::new());
    let notifier: Notifiers = rec.clone();
    let outcomes = diagnose_all(engine, &DiagnosisConfig::default(), &notifier, now)
        .await
        .unwrap();
    let mut row = Row::new(name, source);
    row.incidents = outcomes
        .iter()
        .flat_map(|(_, o)| &o.actions)
        .filter_map(|a| match a {
            scimwatch_core::incident::IncidentAction::Open { finding, .. } => Some((
                finding.kind.as_str().to_string(),
                finding.severity.as_str().to_string(),
            )),
            _ => None,
        })
        .collect();
    row.notifications = rec.sent().into_iter().map(|n| n.summary).collect();
    let view = run_checklist(engine, "real", now).await.unwrap();
    row.read_checklist(&view.run);
    row
}

/// The real quarantined job (2021); `without_error` drops
/// `status.quarantine.error`, as real quarantines come.
async fn quarantine_row(without_error: bool) -> Row {
    let (_dir, engine) = engine().await;
    let raw = real_quarantine(without_error);
    let now: DateTime<Utc> = "2021-05-24T21:47:00Z".parse().unwrap();
    let snap = JobSnapshot {
        job_id: "job-1".into(),
        content_hash: "h".into(),
        status_code: Some("Quarantine".into()),
        schedule_state: Some("Active".into()),
        quarantine_reason: Some("EncounteredQuarantineException".into()),
        raw_json: raw,
        ..Default::default()
    };
    jobs::record_job_status(engine.store.pool(), 1, &snap, now.timestamp_millis())
        .await
        .unwrap();
    let name = if without_error {
        "real_job_quarantine_without_error"
    } else {
        "real_job_quarantine_invalid_credentials"
    };
    judged(
        &engine,
        name,
        "graph-real/synchronizationjob-quarantine-scim-invalidcredentials-2021.json",
        now,
    )
    .await
}

/// The real Box beta log page (2019): only `action`/`statusInfo`, an
/// app-prefixed `BoxEntryConflict`.
async fn box_page_row() -> Row {
    let (_dir, engine) = engine().await;
    let body = real_fixture("provisioning-page-beta-box-statusinfo-only-2019.json");
    let (evs, _) = parse_event_page(body.as_bytes()).unwrap();
    let cycles: BTreeSet<String> = evs.iter().filter_map(|e| e.0.cycle_id.clone()).collect();
    let mut conn = engine.store.pool().acquire().await.unwrap();
    events::insert_events(&mut conn, 1, &evs).await.unwrap();
    events::recompute_rollups(&mut conn, 1, &cycles)
        .await
        .unwrap();
    drop(conn);
    judged(
        &engine,
        "real_log_page_box_conflict",
        "graph-real/provisioning-page-beta-box-statusinfo-only-2019.json",
        Utc::now(),
    )
    .await
}

/// The real AWS schema template (2021): the mappings as Entra has them.
async fn schema_row() -> Row {
    let (_dir, engine) = engine().await;
    let raw = real_fixture("synchronizationschema-template-aws-2021.json");
    // Stored as the poller stores it: the mappings read from the schema.
    let schema: scimwatch_core::graph::SynchronizationSchema = serde_json::from_str(&raw).unwrap();
    let body =
        serde_json::to_string(&scimwatch_engine::graph::sync::mappings_body(&schema)).unwrap();
    jobs::record_config(
        engine.store.pool(),
        1,
        ConfigKind::Schema,
        &body,
        "h",
        |_| String::new(),
        Utc::now().timestamp_millis(),
    )
    .await
    .unwrap();
    judged(
        &engine,
        "real_schema_aws_template",
        "graph-real/synchronizationschema-template-aws-2021.json",
        Utc::now(),
    )
    .await
}

/// A real error body served on `route`: what the admin reads.
async fn error_row(name: &str, file: &str, route: &'static str, status: u16) -> Row {
    let body = real_fixture(file);
    let replay = Replay::start(vec![(route, status, body)]).await;
    let client = replay.client();
    let e = if route.contains("token") {
        client.access_token().await.unwrap_err()
    } else {
        client
            .get_json::<serde_json::Value>(
                "/servicePrincipals/sp-1/synchronization/jobs/job-1",
                Family::Synchronization,
                "the provisioning job",
            )
            .await
            .unwrap_err()
    };
    let msg = e.to_string();
    for bad in [
        "Trace ID",
        "Correlation ID",
        "\r",
        "\n",
        "the-client-secret",
    ] {
        assert!(!msg.contains(bad), "{name}: {bad:?} in {msg:?}");
    }
    let mut row = Row::new(name, &format!("graph-real/{file}"));
    row.message = Some(msg);
    row
}

pub async fn rows() -> Vec<Row> {
    vec![
        quarantine_row(false).await,
        quarantine_row(true).await,
        box_page_row().await,
        schema_row().await,
        error_row(
            "real_error_401_unknownerror_empty_message",
            "graph-error-401-synchronization-unknownerror-empty-message.json",
            "/synchronization/",
            401,
        )
        .await,
        error_row(
            "real_error_429_toomanyrequests",
            "graph-error-429-toomanyrequests.json",
            "/synchronization/",
            429,
        )
        .await,
        error_row(
            "real_error_aadsts7000215_invalid_client",
            "token-error-401-aadsts7000215-invalid-client.json",
            "/oauth2/v2.0/token",
            401,
        )
        .await,
    ]
}
