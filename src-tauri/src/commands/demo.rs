//! The built-in demo tenant: `entra-sim` in-process, clearly labelled, with
//! switches that inject its faults so a newcomer sees detection,
//! notifications and the checklist at work within a minute.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use entra_sim::{Sim, SimConfig, SimHandle};
use scimwatch_core::{
    AuthMode, Cloud, CommandError, Connection, ConnectionInput, ErrorKind, Sensitive,
};
use scimwatch_engine::connections::{self, SecretsInput};
use scimwatch_engine::views::{DemoFault, DemoStatus};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// Name of the connection the demo creates.
pub const DEMO_NAME: &str = "Demo tenant (simulated)";

fn err(kind: ErrorKind, message: impl Into<String>) -> CommandError {
    CommandError {
        kind,
        message: message.into(),
        fields: Vec::new(),
    }
}

/// The faults a newcomer can switch on (the ones an admin meets).
const SWITCHES: &[&str] = &[
    "groups_mapping_disabled",
    "users_mapping_disabled",
    "provisioning_paused",
    "groups_not_assigned",
    "scim_token_expired",
    "wrong_tenant_url",
    "scim_endpoint_down",
    "duplicate_user_conflict",
    "stalled_job",
    "non_premium_tenant",
];

fn status(sim: Option<&SimHandle>, connection_id: Option<String>) -> DemoStatus {
    let active: Vec<String> = sim
        .map(|s| {
            s.faults()
                .iter()
                .filter_map(|f| serde_json::to_value(f).ok())
                .filter_map(|v| v["kind"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    DemoStatus {
        running: sim.is_some(),
        connection_id,
        faults: entra_sim::fault::fault_kinds()
            .into_iter()
            .filter(|k| SWITCHES.contains(&k.kind))
            .map(|k| DemoFault {
                kind: k.kind.to_string(),
                description: k.description.to_string(),
                active: active.iter().any(|a| a == k.kind),
            })
            .collect(),
    }
}

async fn demo_connection(state: &AppState) -> Option<Connection> {
    connections::get(&state.engine.store, DEMO_NAME).await.ok()
}

#[tauri::command]
pub async fn demo_status(state: State<'_, AppState>) -> CommandResult<DemoStatus> {
    let sim = state.demo();
    let conn = demo_connection(&state).await.map(|c| c.id);
    Ok(status(sim.as_deref(), conn))
}

/// Start the simulated tenant (cycles every minute) and point the demo
/// connection at it; returns the connection.
#[tauri::command]
pub async fn start_demo(state: State<'_, AppState>) -> CommandResult<Connection> {
    let sim = match state.demo() {
        Some(sim) => sim,
        None => {
            let cfg = SimConfig {
                users: 40,
                groups: 6,
                interval: Duration::from_secs(60),
                churn_per_cycle: 2,
                ..SimConfig::default()
            };
            let sim = Arc::new(Sim::start(cfg).await.map_err(|e| {
                err(
                    ErrorKind::Internal,
                    format!("the demo tenant could not start: {e}"),
                )
            })?);
            sim.run_cycle().await;
            state.set_demo(Some(sim.clone()));
            sim
        }
    };
    let info = sim.info();
    let input = ConnectionInput {
        name: DEMO_NAME.into(),
        cloud: Cloud::Custom,
        login_url: Some(info.login_url.clone()),
        graph_url: Some(info.graph_url.clone()),
        tenant_id: Some(info.tenant_id.clone()),
        client_id: Some(info.client_id.clone()),
        auth_mode: AuthMode::ClientSecret,
        app: Some(info.app_display_name.clone()),
        scim_url: Some(info.scim_url.clone()),
        scim_token_expires: None,
        keep_secrets_for_new_endpoint: false,
    };
    let secrets = SecretsInput {
        scim_token: Some(Sensitive::new(info.scim_token.clone())),
        client_secret: Some(Sensitive::new(info.client_secret.clone())),
        client_certificate: None,
    };
    let e = &state.engine;
    let saved = match demo_connection(&state).await {
        Some(c) => {
            connections::update(
                &e.store,
                e.secrets.as_ref(),
                &c.id,
                &input,
                &secrets,
                Utc::now(),
            )
            .await?
        }
        None => {
            connections::add(&e.store, e.secrets.as_ref(), &input, &secrets, Utc::now()).await?
        }
    };
    if let Some(w) = state.watch() {
        w.poll_now(Some(saved.connection.id.clone())).await;
    }
    Ok(saved.connection)
}

/// Switch a demo fault on (`on = true`) or clear all faults, then run a
/// cycle and poll so the effect shows at once.
#[tauri::command]
pub async fn set_demo_fault(
    state: State<'_, AppState>,
    kind: Option<String>,
) -> CommandResult<DemoStatus> {
    let sim = state.demo().ok_or_else(|| {
        err(
            ErrorKind::NotFound,
            "the demo tenant is not running; open it first",
        )
    })?;
    match kind {
        None => sim.clear_faults(),
        Some(k) => {
            if !SWITCHES.contains(&k.as_str()) {
                return Err(err(
                    ErrorKind::Validation,
                    format!("{k} is not a demo fault"),
                ));
            }
            let fault: entra_sim::Fault = serde_json::from_value(serde_json::json!({ "kind": k }))
                .map_err(|e| err(ErrorKind::Validation, e.to_string()))?;
            sim.inject(fault)
                .map_err(|e| err(ErrorKind::Internal, e.to_string()))?;
        }
    }
    sim.run_cycle().await;
    let conn = demo_connection(&state).await.map(|c| c.id);
    if let Some(w) = state.watch() {
        w.poll_now(conn.clone()).await;
    }
    Ok(status(Some(&sim), conn))
}
