//! Graph-side figures (issue 8, figures 1, 4 and 7): provisioning-log
//! backfill, query latency with 1M events stored, and the Graph request budget.
//!
//! Every figure runs against `entra-sim` on loopback and the engine's real
//! code paths (`backfill_logs`, the Overview and Logs store queries, the
//! poller). Correctness is asserted at every size; numbers never are.
//!
//! This file holds the simulated tenant the figures share; `backfill.rs`,
//! `queries.rs` and `budget.rs` one figure each.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use entra_sim::{DemoInfo, Sim, SimConfig, SimHandle};
use scimwatch_core::{AuthMode, Cloud, ConnectionInput, Sensitive};
use scimwatch_engine::connections::{self, SecretsInput};
use scimwatch_engine::graph::client::{RequestObserver, RequestRecord};
use scimwatch_engine::graph::http::HttpConfig;
use scimwatch_engine::graph::sync::WatchIds;
use scimwatch_engine::graph::{ClientOptions, GraphClient, GraphTarget};
use scimwatch_engine::secrets::{MemoryStore, Secrets};
use scimwatch_engine::store::connections::{self as rows, ConnectionRow};
use scimwatch_engine::{Engine, Store};

use crate::{Figure, Size};

mod backfill;
mod budget;
mod queries;

use backfill::backfill_figure;
use budget::budget_figures;
use queries::query_figures;

/// Every Graph-side figure at `size`.
pub fn figures(size: Size) -> Vec<Figure> {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => panic!("cannot start a tokio runtime: {e}"),
    };
    let n = match size {
        Size::Full => 1_000_000,
        Size::Small => 3_000,
    };
    let mut out = Vec::new();
    let backfilled = rt.block_on(backfill_figure(n));
    out.push(backfilled.figure.clone());
    out.extend(rt.block_on(query_figures(&backfilled, n)));
    drop(backfilled);
    drop(rt);
    out.extend(budget_figures(size));
    out
}

// ---------------------------------------------------------------------------
// A simulated tenant and an engine connection to it.

struct Env {
    sim: SimHandle,
    info: DemoInfo,
    engine: Engine,
    row: ConnectionRow,
    requests: Arc<Mutex<Vec<RequestRecord>>>,
    _dir: tempfile::TempDir,
}

fn http() -> HttpConfig {
    HttpConfig {
        timeout: Duration::from_secs(60),
        connect_timeout: Duration::from_secs(5),
        ..HttpConfig::default()
    }
}

impl Env {
    async fn start(config: SimConfig) -> Env {
        let sim = Sim::start(config).await.expect("start entra-sim");
        let info = sim.info();
        let dir = tempfile::tempdir().expect("temp dir");
        // A real SQLite file (WAL) in a temporary data directory.
        let store = Store::open_in(dir.path()).await.expect("open store");
        let secrets: Secrets = Arc::new(MemoryStore::new());
        let engine = Engine::from_parts(store, secrets, dir.path().to_path_buf());
        let input = ConnectionInput {
            name: "Sim".into(),
            cloud: Cloud::Custom,
            login_url: Some(info.login_url.clone()),
            graph_url: Some(info.graph_url.clone()),
            tenant_id: Some(info.tenant_id.clone()),
            client_id: Some(info.client_id.clone()),
            auth_mode: AuthMode::ClientSecret,
            app: Some(info.app_display_name.clone()),
            ..Default::default()
        };
        let secrets_in = SecretsInput {
            scim_token: None,
            client_secret: Some(Sensitive::new(info.client_secret.clone())),
            client_certificate: None,
        };
        let saved = connections::add(
            &engine.store,
            engine.secrets.as_ref(),
            &input,
            &secrets_in,
            Utc::now(),
        )
        .await
        .expect("add connection");
        let row = rows::get_by_uuid(engine.store.pool(), &saved.connection.id)
            .await
            .expect("read connection")
            .expect("connection row");
        Env {
            sim,
            info,
            engine,
            row,
            requests: Arc::new(Mutex::new(Vec::new())),
            _dir: dir,
        }
    }

    fn options(&self, log_gate: Duration) -> ClientOptions {
        let log = self.requests.clone();
        let observer: RequestObserver = Arc::new(move |r: &RequestRecord| {
            log.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(r.clone());
        });
        ClientOptions {
            http: http(),
            log_gate,
            observer: Some(observer),
        }
    }

    fn client(&self, log_gate: Duration) -> GraphClient {
        let target = GraphTarget::from_row(&self.row).expect("graph target");
        GraphClient::new(target, self.engine.secrets.clone(), self.options(log_gate))
            .expect("graph client")
    }

    fn ids(&self) -> WatchIds {
        WatchIds {
            connection_id: self.row.id,
            uuid: self.row.uuid.clone(),
            name: self.row.name.clone(),
            service_principal_id: self.info.service_principal_id.clone(),
            job_id: self.info.job_id.clone(),
        }
    }

    fn store(&self) -> &Store {
        &self.engine.store
    }
}
