//! The Mappings view compares each target attribute with what the SaaS's
//! `/Schemas` declares, as the latest recorded discovery read it: a stored
//! Entra schema, a small SCIM server on loopback answering `/Schemas`, the
//! view read before and after "Re-examine". The Mappings view and the
//! Inventory's compliance view read the same stored compliance.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::scim_fixture;

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use chrono::Utc;
use scim_fixture::{add_connection, engine};
use scimwatch_core::graph::job::ConfigKind;
use scimwatch_core::{ConnectionInput, Sensitive};
use scimwatch_engine::api::mappings::mappings_view as mappings_screen;
use scimwatch_engine::connections::{self, SecretsInput};
use scimwatch_engine::graph::sync::{MappingSummary, MappingsBody, SettingsBody};
use scimwatch_engine::read_models::{
    mappings, reexamine, stored_compliance, AttributeView, ComplianceVerdict, MappingsView,
    SchemasCheck,
};
use scimwatch_engine::store::connections as rows;
use scimwatch_engine::store::jobs::record_config;
use scimwatch_engine::Engine;
use serde_json::{json, Value};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const NOW: i64 = 1_790_000_000_000;

type Answer = Arc<Mutex<(u16, Value)>>;

/// `GET /scim/v2/Schemas` answers whatever `answer` holds.
async fn schemas_server(answer: Answer) -> (String, tokio::task::JoinHandle<()>) {
    async fn schemas(State(a): State<Answer>) -> impl IntoResponse {
        let (status, body) = a.lock().unwrap().clone();
        (
            StatusCode::from_u16(status).unwrap(),
            [("content-type", "application/scim+json")],
            body.to_string(),
        )
    }
    let app = Router::new()
        .route("/scim/v2/Schemas", get(schemas))
        .with_state(answer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://127.0.0.1:{port}/scim/v2"), task)
}

fn declared_schemas() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 2,
        "Resources": [
            {"id": USER, "name": "User", "attributes": [
                {"name": "userName", "type": "string"},
                {"name": "active", "type": "boolean"},
                {"name": "displayName", "type": "string"},
                {"name": "emails", "type": "complex", "multiValued": true,
                 "subAttributes": [{"name": "value"}, {"name": "type"}, {"name": "primary"}]}
            ]},
            {"id": ENTERPRISE, "name": "EnterpriseUser", "attributes": [
                {"name": "manager", "type": "complex", "subAttributes": [{"name": "value"}]}
            ]}
        ]
    })
}

/// Entra's users mapping as the Graph poller stores it.
async fn store_mappings(engine: &Engine, uuid: &str) {
    let body = MappingsBody {
        mappings: vec![MappingSummary {
            name: Some("Provision Microsoft Entra ID Users".into()),
            source: Some("User".into()),
            target: Some(USER.into()),
            enabled: true,
            attributes: vec![
                "*userName <- userPrincipalName".into(),
                "EMAILS[type eq \"work\"].value <- mail".into(),
                format!("{ENTERPRISE}:manager <- manager"),
                "title <- jobTitle".into(),
                "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:costCenter <- extension_1234_costCenter".into(),
            ],
        }],
    };
    let id = rows::find(engine.store.pool(), uuid)
        .await
        .unwrap()
        .unwrap()
        .id;
    record_config(
        engine.store.pool(),
        id,
        ConfigKind::Schema,
        &serde_json::to_string(&body).unwrap(),
        "hash-1",
        |_| "first read".into(),
        NOW,
    )
    .await
    .unwrap();
}

/// "Re-examine" (a discovery, recorded), then the Mappings screen's view.
async fn examined(engine: &Engine, uuid: &str) -> MappingsView {
    reexamine(engine, uuid, now()).await.unwrap();
    mappings_screen(engine, uuid).await.unwrap()
}

fn now() -> chrono::DateTime<Utc> {
    chrono::DateTime::from_timestamp_millis(NOW).unwrap()
}

fn declared(v: &[AttributeView]) -> Vec<(&str, Option<bool>)> {
    v.iter().map(|a| (a.target.as_str(), a.declared)).collect()
}

#[tokio::test]
async fn targets_are_compared_with_the_declared_schemas() {
    let answer: Answer = Arc::new(Mutex::new((200, declared_schemas())));
    let (url, _server) = schemas_server(answer.clone()).await;
    let engine = engine().await;
    let uuid = add_connection(&engine, "Contoso → Acme", &url, "token-abc").await;
    store_mappings(&engine, &uuid).await;

    // Without the check: parsed attributes, nothing known about /Schemas.
    let plain = mappings(&engine, &uuid).await.unwrap();
    assert_eq!(plain.schemas, SchemasCheck::NotChecked);
    let attrs = &plain.attributes[0];
    assert_eq!(
        attrs[1],
        AttributeView {
            target: "EMAILS[type eq \"work\"].value".into(),
            source: "mail".into(),
            matching: false,
            declared: None,
        }
    );
    let user_name = attrs.iter().find(|a| a.target == "userName").unwrap();
    assert!(user_name.matching);
    assert_eq!(user_name.source, "userPrincipalName");
    assert!(attrs.iter().all(|a| a.declared.is_none()));

    // Nothing recorded yet: not compared, and nothing claimed.
    let v = mappings_screen(&engine, &uuid).await.unwrap();
    assert_eq!(v.schemas, SchemasCheck::NotChecked);
    assert!(v.attributes[0].iter().all(|a| a.declared.is_none()));

    // After a discovery.
    let v = examined(&engine, &uuid).await;
    let mut got = declared(&v.attributes[0]);
    got.sort();
    let mut want = vec![
        ("EMAILS[type eq \"work\"].value", Some(true)),
        ("title", Some(false)),
        (
            "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:costCenter",
            Some(false),
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            Some(true),
        ),
        ("userName", Some(true)),
    ];
    want.sort();
    assert_eq!(got, want);
    assert_eq!(
        v.schemas,
        SchemasCheck::Read {
            checked_ms: NOW,
            schema_ids: vec![USER.into(), ENTERPRISE.into()],
            without_attributes: vec![],
            undeclared: 2,
        }
    );

    // A server that lists its schemas without attributes: nothing can be said.
    *answer.lock().unwrap() = (
        200,
        json!({"Resources": [{"id": USER, "name": "User", "attributes": []}]}),
    );
    let v = examined(&engine, &uuid).await;
    let got = declared(&v.attributes[0]);
    assert!(
        got.iter()
            .filter(|(t, _)| !t.starts_with("urn:"))
            .all(|(_, d)| d.is_none()),
        "{got:?}"
    );
    // …except that the extensions are not declared at all.
    assert!(
        got.iter()
            .filter(|(t, _)| t.starts_with("urn:"))
            .all(|(_, d)| *d == Some(false)),
        "{got:?}"
    );
    assert!(
        matches!(&v.schemas, SchemasCheck::Read { without_attributes, .. } if without_attributes == &vec![USER.to_string()])
    );

    // No /Schemas: the check failed, the view is still there.
    *answer.lock().unwrap() = (404, json!({"detail": "not found"}));
    let v = examined(&engine, &uuid).await;
    match &v.schemas {
        SchemasCheck::Failed { message, .. } => assert!(message.contains("HTTP 404"), "{message}"),
        other => panic!("expected a failed check, got {other:?}"),
    }
    assert!(v.attributes[0].iter().all(|a| a.declared.is_none()));
    assert!(v.mappings.is_some());

    // A refused token on /Schemas says so.
    *answer.lock().unwrap() = (401, json!({"detail": "invalid token"}));
    let v = examined(&engine, &uuid).await;
    assert!(
        matches!(&v.schemas, SchemasCheck::Failed { message, .. } if message.contains("HTTP 401")),
        "{:?}",
        v.schemas
    );
}

#[tokio::test]
async fn a_connection_without_scim_side_is_not_checked() {
    let engine = engine().await;
    let input = ConnectionInput {
        name: "Entra only".into(),
        tenant_id: Some("contoso.onmicrosoft.com".into()),
        ..ConnectionInput::default()
    };
    let secrets = SecretsInput {
        scim_token: None,
        client_secret: None::<Sensitive<String>>,
        client_certificate: None,
    };
    let uuid = connections::add(
        &engine.store,
        engine.secrets.as_ref(),
        &input,
        &secrets,
        Utc::now(),
    )
    .await
    .unwrap()
    .connection
    .id;
    store_mappings(&engine, &uuid).await;
    let v = mappings_screen(&engine, &uuid).await.unwrap();
    assert_eq!(v.schemas, SchemasCheck::NoScimSide);
    assert_eq!(v.attributes[0].len(), 5);
}

#[tokio::test]
async fn mappings_and_inventory_read_one_compliance_source() {
    let answer: Answer = Arc::new(Mutex::new((200, declared_schemas())));
    let (url, _server) = schemas_server(answer.clone()).await;
    let engine = engine().await;
    let uuid = add_connection(&engine, "Contoso → Acme", &url, "token-abc").await;
    store_mappings(&engine, &uuid).await;

    // Nothing recorded: both say not examined, neither "no deviation".
    let inventory = stored_compliance(&engine, &uuid).await.unwrap();
    assert_eq!(inventory.verdict, ComplianceVerdict::NotExamined);
    assert!(inventory.deviations.is_empty() && inventory.report.is_none());
    let m = mappings_screen(&engine, &uuid).await.unwrap();
    assert_eq!(m.compliance.as_ref(), Some(&inventory));
    assert_eq!(m.schemas, SchemasCheck::NotChecked);

    // A discovery that records /Schemas deviations (a ListResponse without
    // totals, schemas without `schemas`, two mapped targets undeclared).
    let examined_now = reexamine(&engine, &uuid, now()).await.unwrap();
    let inventory = stored_compliance(&engine, &uuid).await.unwrap();
    assert_eq!(examined_now, inventory);
    let schemas_codes = |devs: &[scimwatch_engine::read_models::RecordedDeviation]| {
        let mut c: Vec<String> = devs
            .iter()
            .filter(|d| d.concerns_schemas)
            .map(|d| d.code.clone())
            .collect();
        c.sort();
        c
    };
    let listed = schemas_codes(&inventory.deviations);
    for code in [
        "discovery_list_without_totals",
        "mapping_target_undeclared",
        "schema_without_schemas",
    ] {
        assert!(listed.iter().any(|c| c == code), "{code} in {listed:?}");
    }
    assert!(matches!(
        inventory.verdict,
        ComplianceVerdict::Deviations { .. }
    ));
    let report = inventory.report.as_ref().unwrap();
    assert_eq!(report.checked_at, now());
    // The Mappings view lists the same deviations, from the same record.
    let m = mappings_screen(&engine, &uuid).await.unwrap();
    let mc = m.compliance.as_ref().unwrap();
    assert_eq!(mc, &inventory);
    assert_eq!(schemas_codes(&mc.deviations), listed);
    assert!(
        matches!(m.schemas, SchemasCheck::Read { checked_ms, undeclared: 2, .. } if checked_ms == NOW)
    );
    let undeclared = mc
        .deviations
        .iter()
        .find(|d| d.code == "mapping_target_undeclared")
        .unwrap();
    assert!(
        undeclared.message.contains("title"),
        "{}",
        undeclared.message
    );
}

/// The view says whether Entra's Tenant URL names the watched endpoint,
/// compared in core's one form (`validate::same_tenant_url`): the screen
/// shows that answer instead of comparing the URLs itself.
#[tokio::test]
async fn the_view_compares_entras_tenant_url_with_the_watched_one() {
    let engine = engine().await;
    let uuid = add_connection(&engine, "Contoso → Acme", "http://127.0.0.1:9/scim/v2", "t").await;
    let id = rows::find(engine.store.pool(), &uuid)
        .await
        .unwrap()
        .unwrap()
        .id;
    // Nothing read from Entra yet: not known.
    assert_eq!(
        mappings(&engine, &uuid).await.unwrap().tenant_url_matches,
        None
    );
    let cases = [
        (Some("HTTP://127.0.0.1:9//scim/v2/"), Some(true)),
        (Some("http://127.0.0.1:9/scim"), Some(false)),
        (
            Some("http://127.0.0.1:9/scim/v2?aadOptscim062020"),
            Some(false),
        ),
        (Some("  "), None),
        (None, None),
    ];
    for (i, (base, want)) in cases.into_iter().enumerate() {
        let body = SettingsBody {
            base_address: base.map(str::to_string),
            sync_all: Some(false),
            secret_token_set: true,
        };
        record_config(
            engine.store.pool(),
            id,
            ConfigKind::Settings,
            &serde_json::to_string(&body).unwrap(),
            &format!("settings-{i}"),
            |_| "read".into(),
            NOW + i as i64,
        )
        .await
        .unwrap();
        let v = mappings(&engine, &uuid).await.unwrap();
        assert_eq!(v.tenant_url_matches, want, "{base:?}");
    }
}
