//! The demo tenant at work: started, pointed at by the demo connection,
//! faults switched on and off, brought back after a relaunch.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use entra_sim::{Sim, SimConfig, SimHandle};
use scimwatch_core::{
    AuthMode, Cloud, CommandError, Connection, ConnectionInput, ErrorKind, Sensitive,
};

use super::persist::{self, DemoMarker};
use super::{DemoFault, DemoStatus};
use crate::connections::{self, SecretsInput};
use crate::engine::Engine;
use crate::monitor::Watch;

/// Name of the connection the demo creates.
pub const DEMO_NAME: &str = "Demo tenant (simulated)";

/// The running demo tenant, when opened: the shell keeps one (cheap clones,
/// a std mutex never held across an `.await`).
#[derive(Clone, Default)]
pub struct DemoSlot(Arc<Mutex<Option<Arc<SimHandle>>>>);

impl DemoSlot {
    pub fn get(&self) -> Option<Arc<SimHandle>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set(&self, sim: Option<Arc<SimHandle>>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = sim;
    }
}

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

fn active_faults(sim: Option<&SimHandle>) -> Vec<String> {
    sim.map(|s| {
        s.faults()
            .iter()
            .filter_map(|f| serde_json::to_value(f).ok())
            .filter_map(|v| v["kind"].as_str().map(str::to_string))
            .collect()
    })
    .unwrap_or_default()
}

fn status(sim: Option<&SimHandle>, connection_id: Option<String>) -> DemoStatus {
    let active = active_faults(sim);
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

async fn demo_connection(engine: &Engine) -> Option<Connection> {
    connections::get(&engine.store, DEMO_NAME).await.ok()
}

pub async fn demo_status(engine: &Engine, slot: &DemoSlot) -> Result<DemoStatus, CommandError> {
    let sim = slot.get();
    let conn = demo_connection(engine).await.map(|c| c.id);
    Ok(status(sim.as_deref(), conn))
}

/// The demo tenant's configuration: cycles every minute, a lively directory.
fn sim_config(seed: u64, port: u16) -> SimConfig {
    SimConfig {
        seed,
        port,
        users: 40,
        groups: 6,
        interval: Duration::from_secs(60),
        churn_per_cycle: 2,
        ..SimConfig::default()
    }
}

/// Start the simulated tenant on `port` (its last one, so the demo
/// connection's URLs stay the same), or on any free port when that one is
/// taken.
async fn launch(seed: u64, port: u16) -> Result<Arc<SimHandle>, CommandError> {
    let started = match Sim::start(sim_config(seed, port)).await {
        Err(e) if port != 0 => {
            tracing::info!(port, error = %e, "the demo's last port is taken; using another");
            Sim::start(sim_config(seed, 0)).await
        }
        other => other,
    };
    started.map(Arc::new).map_err(|e| {
        err(
            ErrorKind::Internal,
            format!("the demo tenant could not start: {e}"),
        )
    })
}

fn port_of(sim: &SimHandle) -> u16 {
    sim.base_url()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0)
}

/// Remember that the demo runs, with its seed, port and faults.
fn remember(engine: &Engine, sim: &SimHandle, seed: u64) {
    let marker = DemoMarker {
        seed,
        port: port_of(sim),
        faults: active_faults(Some(sim)),
    };
    if let Err(e) = persist::save(engine.data_dir(), &marker) {
        tracing::warn!(error = %e, "the demo tenant will not come back after a relaunch");
    }
}

/// Whether `c` already points at `info` (same endpoints and tenant).
fn points_at(c: &Connection, info: &entra_sim::DemoInfo) -> bool {
    let entra = c.entra.as_ref().is_some_and(|e| {
        e.login_url == info.login_url
            && e.graph_url == info.graph_url
            && e.tenant_id == info.tenant_id
            && e.client_id == info.client_id
    });
    let scim = c.scim.as_ref().is_some_and(|s| s.url == info.scim_url);
    entra && scim && c.has_scim_token && c.has_client_secret
}

/// Point the demo connection at the running simulated tenant (add it when
/// missing; leave it untouched when it already points there).
async fn point_connection(engine: &Engine, sim: &SimHandle) -> Result<Connection, CommandError> {
    let info = sim.info();
    let existing = demo_connection(engine).await;
    if let Some(c) = existing.as_ref().filter(|c| points_at(c, &info)) {
        return Ok(c.clone());
    }
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
        all_apps: None,
    };
    let secrets = SecretsInput {
        scim_token: Some(Sensitive::new(info.scim_token.clone())),
        client_secret: Some(Sensitive::new(info.client_secret.clone())),
        client_certificate: None,
    };
    let e = engine;
    let saved = match existing {
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
    Ok(saved.connection)
}

/// Start the simulated tenant (cycles every minute) and point the demo
/// connection at it; returns the connection, polled at once by `watch`.
pub async fn start_demo(
    engine: &Engine,
    slot: &DemoSlot,
    watch: Option<&Watch>,
) -> Result<Connection, CommandError> {
    let seed = persist::load(engine.data_dir())
        .map(|m| m.seed)
        .unwrap_or(persist::DEFAULT_SEED);
    let sim = match slot.get() {
        Some(sim) => sim,
        None => {
            let sim = launch(seed, 0).await?;
            sim.run_cycle().await;
            slot.set(Some(sim.clone()));
            sim
        }
    };
    let conn = point_connection(engine, &sim).await?;
    remember(engine, &sim, seed);
    if let Some(w) = watch {
        w.poll_now(Some(conn.id.clone())).await;
    }
    Ok(conn)
}

/// At start-up, before the monitor polls: a demo that was running comes
/// back live — same seed, its faults, listening again, the demo connection
/// pointing at it (no edit, so no notification, when the port is the same)
/// — or, when the simulated tenant cannot start, the demo connection is
/// removed: never a connection left pointing at nothing.
pub async fn restore(engine: &Engine, slot: &DemoSlot) {
    let dir = engine.data_dir().to_path_buf();
    let marker = persist::load(&dir);
    let Some(conn) = demo_connection(engine).await else {
        // The demo connection was removed: forget the demo.
        if marker.is_some() {
            persist::remove(&dir);
        }
        return;
    };
    // A demo connection from before the marker existed comes back too.
    let marker = marker.unwrap_or_default();
    let sim = match launch(marker.seed, marker.port).await {
        Ok(sim) => sim,
        Err(e) => {
            tracing::warn!(error = %e.message, "removing the demo connection");
            let e = engine;
            if let Err(err) = connections::remove(&e.store, e.secrets.as_ref(), &conn.id).await {
                tracing::warn!(error = %err, "the demo connection could not be removed");
            }
            persist::remove(&dir);
            return;
        }
    };
    for kind in marker
        .faults
        .iter()
        .filter(|k| SWITCHES.contains(&k.as_str()))
    {
        if let Err(e) = inject(&sim, kind) {
            tracing::warn!(fault = %kind, error = %e.message, "demo fault not restored");
        }
    }
    sim.run_cycle().await;
    slot.set(Some(sim.clone()));
    match point_connection(engine, &sim).await {
        Ok(_) => remember(engine, &sim, marker.seed),
        Err(e) => tracing::warn!(error = %e.message, "the demo connection could not be updated"),
    }
}

fn inject(sim: &SimHandle, kind: &str) -> Result<(), CommandError> {
    let fault: entra_sim::Fault = serde_json::from_value(serde_json::json!({ "kind": kind }))
        .map_err(|e| err(ErrorKind::Validation, e.to_string()))?;
    sim.inject(fault)
        .map_err(|e| err(ErrorKind::Internal, e.to_string()))
}

/// Switch a demo fault on (`kind`) or clear all faults (`None`), then run
/// a cycle and poll through `watch` so the effect shows at once.
pub async fn set_demo_fault(
    engine: &Engine,
    slot: &DemoSlot,
    watch: Option<&Watch>,
    kind: Option<&str>,
) -> Result<DemoStatus, CommandError> {
    let sim = slot.get().ok_or_else(|| {
        err(
            ErrorKind::NotFound,
            "the demo tenant is not running; open it first",
        )
    })?;
    match kind {
        None => sim.clear_faults(),
        Some(k) => {
            if !SWITCHES.contains(&k) {
                return Err(err(
                    ErrorKind::Validation,
                    format!("{k} is not a demo fault"),
                ));
            }
            inject(&sim, k)?;
        }
    }
    let seed = persist::load(engine.data_dir())
        .map(|m| m.seed)
        .unwrap_or(persist::DEFAULT_SEED);
    remember(engine, &sim, seed);
    sim.run_cycle().await;
    let conn = demo_connection(engine).await.map(|c| c.id);
    if let Some(w) = watch {
        w.poll_now(conn.clone()).await;
    }
    Ok(status(Some(&sim), conn))
}
