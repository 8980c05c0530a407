//! Upgrades of what hangs on a connection: incident resolutions (v12),
//! remediation (v14), alert channels and the outbox (v16), tenants watching
//! every app (v17).

use scimwatch_core::health::EvidenceValue;
use scimwatch_engine::store::{connections as rows, incidents};
use scimwatch_engine::Store;

use super::fixture_copy;

/// Schema v12 → 0013 (`incident_resolutions`): an incident resolved before
/// keeps its evidence as of resolution (backfilled, never live), an open one
/// can be acknowledged and resolved by hand with a note, and the history
/// lists both with their durations.
#[tokio::test]
async fn schema_v12_databases_keep_resolution_evidence() {
    let (_dir, db) = fixture_copy(12);
    let store = Store::open_file(&db).await.unwrap();
    store.integrity_check().await.unwrap();
    let list = rows::list(store.pool()).await.unwrap();
    assert_eq!(list[0].name, "Acme v12");
    let all = incidents::list(store.pool(), None, false, 10)
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    let old = all.iter().find(|v| !v.incident.is_active()).unwrap();
    let r = old.incident.resolution.as_ref().expect("backfilled");
    assert!(!r.by_hand);
    assert_eq!(r.evidence[0].label, "Next attempt");
    // Stored before values were typed: an RFC 3339 string loads as a time,
    // with the same text.
    assert_eq!(
        r.evidence[0].value,
        EvidenceValue::Time("2025-11-29T15:00:00Z".parse().unwrap())
    );
    assert_eq!(r.evidence[0].value.to_string(), "2025-11-29T15:00:00Z");
    assert_eq!(r.action, "Rotate the token.");

    let open = all.iter().find(|v| v.incident.is_active()).unwrap();
    let now = chrono::Utc::now();
    let acked = incidents::acknowledge(store.pool(), open.id, "alex", now)
        .await
        .unwrap();
    assert_eq!(acked.incident.acknowledged.unwrap().by, "alex");
    let done = incidents::resolve(store.pool(), open.id, "alex", "Restarted the gateway.", now)
        .await
        .unwrap();
    let r = done.incident.resolution.unwrap();
    assert_eq!(r.note.as_deref(), Some("Restarted the gateway."));
    assert_eq!(
        r.evidence[0].value,
        EvidenceValue::text("endpoint unreachable")
    );

    let page = incidents::history(store.pool(), Some(&list[0].uuid), None, 10, now)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(
        page.items[1].duration_ms, 3_600_000,
        "the old one lasted an hour"
    );
    assert!(page.items[0].resolved_by_hand);
    assert_eq!(page.next_cursor, None);
    store.integrity_check().await.unwrap();
}

/// Schema v14 → 0015 (`remediation_switch`, `remediation_audit`): a
/// connection from before is read-only (the switch is off, no actions), the
/// switch and an action can be recorded, and both go with the connection.
#[tokio::test]
async fn schema_v14_databases_start_read_only_and_record_remediation() {
    use scimwatch_engine::remediate::audit;
    let (_dir, db) = fixture_copy(14);
    let store = Store::open_file(&db).await.unwrap();
    store.integrity_check().await.unwrap();
    let list = rows::list(store.pool()).await.unwrap();
    assert_eq!(list[0].name, "Acme v14");
    let id = list[0].id;
    assert!(audit::get_switch(store.pool(), id).await.unwrap().is_none());
    assert!(audit::list(store.pool(), id, 10).await.unwrap().is_empty());
    let now = chrono::Utc::now();
    let a = audit::NewAudit {
        connection_id: id,
        request_id: "b6f0c2f4-0d7e-4a53-9a43-2f7b0f9d2a10",
        at: now,
        actor: "alex (application 11111111-2222-3333-4444-555555555555)",
        action: "enable",
        method: "POST",
        url: "https://graph.microsoft.com/v1.0/servicePrincipals/x/synchronization/jobs/y/validateCredentials",
        request_body: Some("{\"useSavedCredentials\": true}"),
        http_status: Some(204),
        outcome: "success",
        summary: "Remediation actions on",
        result_json: None,
    };
    audit::record(store.pool(), &a, Some(true)).await.unwrap();
    assert!(
        audit::get_switch(store.pool(), id)
            .await
            .unwrap()
            .unwrap()
            .enabled
    );
    let rows_ = audit::list(store.pool(), id, 10).await.unwrap();
    assert_eq!(rows_.len(), 1);
    assert_eq!(rows_[0].http_status, Some(204));
    // The same request id is one row (natural key).
    assert!(audit::record(store.pool(), &a, None).await.is_err());
    rows::delete(store.pool(), &list[0].uuid).await.unwrap();
    let (n,): (i64,) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM remediation_audit) + (SELECT COUNT(*) FROM remediation_switch)",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(n, 0, "removed with the connection");
    store.integrity_check().await.unwrap();
}

/// Schema v16 → 0017 (`alert_channels`, `alert_outbox`). The fixture is
/// schema-v15.db with 0016 applied as sqlx applies it (same SQL, same
/// checksum in `_sqlx_migrations`). A channel can be added, the fixture's
/// open incident put in the outbox once per idempotency key, and removing
/// the channel takes its queued alerts with it.
#[tokio::test]
async fn schema_v16_databases_take_alert_channels_and_the_outbox() {
    use scimwatch_core::Sensitive;
    use scimwatch_engine::alerts::{self, outbox, AlertChannelInput, AlertEvent, ChannelKind};
    let (dir, db) = fixture_copy(16);
    let store = Store::open_file(&db).await.unwrap();
    store.integrity_check().await.unwrap();
    let list = rows::list(store.pool()).await.unwrap();
    assert_eq!(list[0].name, "Acme v16");
    let engine = scimwatch_engine::Engine::from_parts(
        store.clone(),
        std::sync::Arc::new(scimwatch_engine::secrets::MemoryStore::new()),
        dir.path().into(),
    );
    let now = chrono::Utc::now();
    let input = AlertChannelInput {
        name: "ops".into(),
        kind: ChannelKind::Webhook,
        url: Some(Sensitive::new("https://alerts.example.com/hook".into())),
        signing_secret: Some(Sensitive::new("0123456789abcdef-v16".into())),
        email: None,
        smtp_password: None,
        min_severity: scimwatch_core::health::Severity::Warning,
        connections: vec![],
    };
    alerts::add(&engine, &input, now).await.unwrap();
    let open = incidents::list(store.pool(), None, true, 10).await.unwrap();
    assert_eq!(open.len(), 1);
    let i = &open[0];
    let event = AlertEvent {
        key: format!("incident-{}-opened", i.id),
        transition: alerts::Transition::Opened,
        incident_id: Some(i.id),
        connection_id: Some(i.connection_id.clone()),
        connection_name: Some(i.connection_name.clone()),
        kind: Some(i.incident.kind.as_str().to_string()),
        severity: scimwatch_core::health::Severity::Critical,
        title: i.incident.title.clone(),
        summary: i.incident.title.clone(),
        body: String::new(),
        action: i.incident.action.clone(),
        occurred_at: now,
    };
    let mut tx = scimwatch_engine::store::begin_write(store.pool())
        .await
        .unwrap();
    assert_eq!(outbox::enqueue_in(&mut tx, &event, now).await.unwrap(), 1);
    assert_eq!(
        outbox::enqueue_in(&mut tx, &event, now).await.unwrap(),
        0,
        "one row per key and channel"
    );
    tx.commit().await.unwrap();
    let heads = outbox::heads(store.pool()).await.unwrap();
    assert_eq!(heads.len(), 1);
    assert_eq!(heads[0].event, event);
    alerts::remove(&engine, "ops").await.unwrap();
    assert!(outbox::heads(store.pool()).await.unwrap().is_empty());
    store.integrity_check().await.unwrap();
}

/// Schema v17 → 0018 (`all_apps`, `tenant_connection_id`, `retired_ms`,
/// `retired_reason`). The fixture is schema-v16.db with 0017 applied as
/// sqlx applies it. The stored connection stays a one-app connection; a
/// tenant watching every app can be added beside it, with app connections
/// under it (one per service principal), retired and removed with it.
#[tokio::test]
async fn schema_v17_databases_take_all_apps_tenants() {
    use scimwatch_core::connection::GroupRole;
    use scimwatch_core::{AuthMode, Cloud, ConnectionInput};
    use scimwatch_engine::connections::{self, SecretsInput};
    let (dir, db) = fixture_copy(17);
    let store = Store::open_file(&db).await.unwrap();
    store.integrity_check().await.unwrap();
    let list = rows::list(store.pool()).await.unwrap();
    assert_eq!(list.len(), 1);
    let old = &list[0];
    assert!(!old.all_apps);
    assert_eq!(old.tenant_connection_id, None);
    assert_eq!(old.retired_ms, None);
    assert!(old.clone().into_connection().group.is_none());
    let secrets = scimwatch_engine::secrets::MemoryStore::new();
    let input = ConnectionInput {
        name: "Contoso v17".into(),
        cloud: Cloud::Global,
        tenant_id: Some("contoso.onmicrosoft.com".into()),
        auth_mode: AuthMode::Delegated,
        all_apps: Some(true),
        ..Default::default()
    };
    let saved = connections::add(
        &store,
        &secrets,
        &input,
        &SecretsInput::default(),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let tenant = rows::get_by_uuid(store.pool(), &saved.connection.id)
        .await
        .unwrap()
        .unwrap();
    assert!(tenant.all_apps);
    assert_eq!(
        saved.connection.group.as_ref().map(|g| g.role),
        Some(GroupRole::Tenant)
    );
    let app = rows::NewApp {
        uuid: "00000000-0000-4000-8000-000000000017",
        name: "Contoso v17 / Slack",
        service_principal_id: "sp-17",
        app_id: Some("app-17"),
        app_display_name: Some("Slack"),
        job_id: Some("scim.17"),
    };
    rows::insert_app(store.pool(), &tenant, &app, 1_000)
        .await
        .unwrap();
    // One app connection per service principal and tenant.
    let twin = rows::NewApp {
        uuid: "00000000-0000-4000-8000-000000000018",
        name: "Contoso v17 / Slack 2",
        ..app.clone()
    };
    assert!(rows::insert_app(store.pool(), &tenant, &twin, 1_000)
        .await
        .is_err());
    let apps = rows::apps_of(store.pool(), tenant.id).await.unwrap();
    assert_eq!(apps.len(), 1);
    let a = apps[0].clone();
    assert_eq!(a.tenant_uuid.as_deref(), Some(tenant.uuid.as_str()));
    assert_eq!(
        a.tenant_id, tenant.tenant_id,
        "the tenant's sign-in, not copied secrets"
    );
    let c = a.clone().into_connection();
    let g = c.group.unwrap();
    assert_eq!(
        (g.role, g.tenant_name.as_str()),
        (GroupRole::App, "Contoso v17")
    );
    rows::set_retired(store.pool(), &a.uuid, Some((2_000, "gone")), 2_000)
        .await
        .unwrap();
    let a = rows::get_by_uuid(store.pool(), &a.uuid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.retired_ms, Some(2_000));
    assert_eq!(a.retired_reason.as_deref(), Some("gone"));
    // Removing the tenant takes its apps along.
    connections::remove(&store, &secrets, "Contoso v17")
        .await
        .unwrap();
    assert!(rows::get_by_uuid(store.pool(), &a.uuid)
        .await
        .unwrap()
        .is_none());
    assert_eq!(rows::list(store.pool()).await.unwrap().len(), 1);
    store.integrity_check().await.unwrap();
    drop(dir);
}
