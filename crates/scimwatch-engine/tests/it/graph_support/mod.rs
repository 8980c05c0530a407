//! Shared set-up for the Graph, poller and fleet tests: a simulated tenant
//! (or fleet of tenants) and an engine connection pointing at it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod replay;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use entra_sim::{DemoInfo, Sim, SimConfig, SimHandle};
use scimwatch_core::{AuthMode, Cloud, Connection, ConnectionInput, Sensitive};
use scimwatch_engine::connections::{self, SecretsInput};
use scimwatch_engine::graph::client::{RequestObserver, RequestRecord};
use scimwatch_engine::graph::http::HttpConfig;
use scimwatch_engine::graph::sync::WatchIds;
use scimwatch_engine::graph::{ClientOptions, GraphClient, GraphTarget};
use scimwatch_engine::poller::{poll_once, PollConfig};
use scimwatch_engine::scim::crawl::{run_inventory, CancelFlag, CrawlConfig};
use scimwatch_engine::secrets::{MemoryStore, Secrets};
use scimwatch_engine::store::connections::{self as rows, ConnectionRow};
use scimwatch_engine::{Engine, Store};

pub struct Env {
    pub sim: SimHandle,
    pub info: DemoInfo,
    pub engine: Engine,
    pub row: ConnectionRow,
    pub requests: Arc<Mutex<Vec<RequestRecord>>>,
    _dir: tempfile::TempDir,
}

pub fn sim_config() -> SimConfig {
    SimConfig {
        require_auth: true,
        ..SimConfig::for_tests()
    }
}

/// A simulated fleet: `tenants` tenants, each with `extra_apps`
/// provisioning apps beside its own, sign-in required.
pub fn fleet_config(tenants: usize, extra_apps: usize) -> SimConfig {
    SimConfig {
        tenants,
        extra_apps,
        ..sim_config()
    }
}

/// An engine over a store in `dir`, its secrets in memory.
pub async fn engine_in(dir: &tempfile::TempDir) -> Engine {
    let store = Store::open_in(dir.path()).await.unwrap();
    let secrets: Secrets = Arc::new(MemoryStore::new());
    Engine::from_parts(store, secrets, dir.path().to_path_buf())
}

/// Adds the simulated tenant `info` as a connection named `name` that
/// watches every app, signing in with the client secret.
pub async fn add_all_apps_tenant(engine: &Engine, name: &str, info: &DemoInfo) -> Connection {
    let input = ConnectionInput {
        name: name.into(),
        cloud: Cloud::Custom,
        login_url: Some(info.login_url.clone()),
        graph_url: Some(info.graph_url.clone()),
        tenant_id: Some(info.tenant_id.clone()),
        client_id: Some(info.client_id.clone()),
        auth_mode: AuthMode::ClientSecret,
        all_apps: Some(true),
        ..Default::default()
    };
    let secrets_in = SecretsInput {
        client_secret: Some(Sensitive::new(info.client_secret.clone())),
        ..Default::default()
    };
    connections::add(
        &engine.store,
        engine.secrets.as_ref(),
        &input,
        &secrets_in,
        Utc::now(),
    )
    .await
    .unwrap()
    .connection
}

pub fn fast_http() -> HttpConfig {
    HttpConfig {
        timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(2),
        retry_base: Duration::from_millis(20),
        ..HttpConfig::default()
    }
}

/// The connection form for the simulated tenant: its Entra side signing in
/// with `mode`, and its built-in SCIM target when `scim` is set.
pub fn sim_input(info: &DemoInfo, mode: AuthMode, scim: bool) -> ConnectionInput {
    ConnectionInput {
        name: "Sim".into(),
        cloud: Cloud::Custom,
        login_url: Some(info.login_url.clone()),
        graph_url: Some(info.graph_url.clone()),
        tenant_id: Some(info.tenant_id.clone()),
        client_id: Some(info.client_id.clone()),
        auth_mode: mode,
        app: Some(info.app_display_name.clone()),
        scim_url: scim.then(|| info.scim_url.clone()),
        ..Default::default()
    }
}

/// A file of the test certificate (tests/fixtures/cert).
pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/cert")
            .join(name),
    )
    .unwrap()
}

/// The test certificate, registered on the simulated client app.
pub fn sim_certificate() -> entra_sim::SimCertificate {
    let der = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cert/public.der"),
    )
    .unwrap();
    entra_sim::SimCertificate::from_pem(&fixture("cert.pem"), der).unwrap()
}

/// The poller as the tests run it: fast HTTP settings and a 10 ms gate
/// between log requests.
pub fn fast_poll() -> PollConfig {
    fast_poll_with(fast_http())
}

/// [`fast_poll`] with other HTTP settings (e.g. no retries).
pub fn fast_poll_with(http: HttpConfig) -> PollConfig {
    PollConfig {
        client: ClientOptions {
            http,
            log_gate: Duration::from_millis(10),
            observer: None,
        },
        ..PollConfig::default()
    }
}

impl Env {
    pub async fn start(config: SimConfig, mode: AuthMode) -> Env {
        let sim = Sim::start(config).await.unwrap();
        let info = sim.info();
        let dir = tempfile::tempdir().unwrap();
        let engine = engine_in(&dir).await;
        let input = sim_input(&info, mode, false);
        let secrets_in = SecretsInput {
            scim_token: None,
            client_secret: (mode == AuthMode::ClientSecret)
                .then(|| Sensitive::new(info.client_secret.clone())),
            client_certificate: (mode == AuthMode::Certificate)
                .then(|| Sensitive::new(format!("{}{}", fixture("cert.pem"), fixture("key.pem")))),
        };
        let saved = connections::add(
            &engine.store,
            engine.secrets.as_ref(),
            &input,
            &secrets_in,
            Utc::now(),
        )
        .await
        .unwrap();
        let row = rows::get_by_uuid(engine.store.pool(), &saved.connection.id)
            .await
            .unwrap()
            .unwrap();
        Env {
            sim,
            info,
            engine,
            row,
            requests: Arc::new(Mutex::new(Vec::new())),
            _dir: dir,
        }
    }

    /// Both sides of the simulated tenant (client secret), its clock
    /// stopped at `start`.
    pub async fn both_sides_at(start: chrono::DateTime<Utc>) -> Env {
        let cfg = SimConfig {
            clock: entra_sim::ClockKind::Manual(Some(start)),
            ..sim_config()
        };
        Env::start(cfg, AuthMode::ClientSecret)
            .await
            .with_scim()
            .await
    }

    /// Poll Entra once (job, assignments, settings, logs) and crawl the
    /// SaaS.
    pub async fn poll_and_crawl(&self) {
        poll_once(&self.engine, &fast_poll(), None).await.unwrap();
        run_inventory(
            &self.engine,
            &self.row.uuid,
            &CrawlConfig::default(),
            None,
            &CancelFlag::new(),
            Utc::now(),
        )
        .await
        .unwrap();
    }

    /// Add the simulator's built-in SCIM target (Tenant URL + token) to the
    /// connection, so both sides are watched; `self.row` is refreshed.
    pub async fn with_scim(mut self) -> Env {
        let info = self.info.clone();
        let input = sim_input(&info, AuthMode::ClientSecret, true);
        connections::update(
            &self.engine.store,
            self.engine.secrets.as_ref(),
            &self.row.uuid,
            &input,
            &SecretsInput {
                scim_token: Some(Sensitive::new(info.scim_token.clone())),
                ..Default::default()
            },
            Utc::now(),
        )
        .await
        .unwrap();
        self.row = rows::get_by_uuid(self.engine.store.pool(), &self.row.uuid)
            .await
            .unwrap()
            .unwrap();
        self
    }

    pub fn options(&self, log_gate: Duration) -> ClientOptions {
        let log = self.requests.clone();
        let observer: RequestObserver = Arc::new(move |r: &RequestRecord| {
            log.lock().unwrap().push(r.clone());
        });
        ClientOptions {
            http: fast_http(),
            log_gate,
            observer: Some(observer),
        }
    }

    pub fn client(&self) -> GraphClient {
        self.client_with(Duration::from_millis(20))
    }

    pub fn client_with(&self, log_gate: Duration) -> GraphClient {
        let target = GraphTarget::from_row(&self.row).unwrap();
        GraphClient::new(target, self.engine.secrets.clone(), self.options(log_gate)).unwrap()
    }

    pub async fn reload(&mut self) {
        self.row = rows::get_by_uuid(self.engine.store.pool(), &self.row.uuid)
            .await
            .unwrap()
            .unwrap();
    }

    pub fn ids(&self) -> WatchIds {
        WatchIds {
            connection_id: self.row.id,
            uuid: self.row.uuid.clone(),
            name: self.row.name.clone(),
            service_principal_id: self.info.service_principal_id.clone(),
            job_id: self.info.job_id.clone(),
        }
    }

    pub fn store(&self) -> &Store {
        &self.engine.store
    }
}

/// Follow the sim's sign-in page like a browser would: load the authorize
/// page, take its Accept link, follow the redirects back to the loopback.
pub fn browser_opener() -> impl Fn(&str) {
    |url: &str| {
        let url = url.to_string();
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            let page = http.get(&url).send().await.unwrap().text().await.unwrap();
            let marker = "id=\"accept\" href=\"";
            let start = page.find(marker).expect("accept link") + marker.len();
            let end = start + page[start..].find('"').unwrap();
            let accept = page[start..end].replace("&amp;", "&");
            let done = http.get(&accept).send().await.unwrap();
            assert!(done.status().is_success(), "{}", done.status());
        });
    }
}
