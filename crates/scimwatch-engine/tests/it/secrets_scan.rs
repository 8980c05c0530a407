//! No secret leaks: a full session against the simulated tenant — browser
//! sign-in with refresh-token rotation, Graph polls, log ingest, SCIM Test
//! Connection, an inventory crawl, a failing (expired) token, exports and a
//! checklist report — then every file in the data folder (the SQLite file,
//! its WAL and shared memory, exports, the report), every log line and every
//! value returned to a caller is searched for the SCIM token, the client
//! secret, the refresh tokens and the access token. Zero hits.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::graph_support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use entra_sim::{ClockKind, Fault};
use graph_support::{browser_opener, sim_config, Env};
use scimwatch_core::{AuthMode, Cloud, ConnectionInput, Sensitive};
use scimwatch_engine::connections::{self, SecretsInput};
use scimwatch_engine::export::{export_events, ExportFormat};
use scimwatch_engine::graph::auth::sign_in_browser;
use scimwatch_engine::graph::GraphTarget;
use scimwatch_engine::monitor::{check_scim_due, run_checklist};
use scimwatch_engine::poll_target::PollTarget;
use scimwatch_engine::poller::poll_once;
use scimwatch_engine::scim::crawl::{run_inventory, CrawlConfig};
use scimwatch_engine::scim::{token_status, CancelFlag};
use scimwatch_engine::secrets::{SecretKey, SecretKind};
use scimwatch_engine::store::events::EventFilter;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn files_under(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[tokio::test]
async fn a_full_session_leaves_no_secret_anywhere() {
    let logs = Captured::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let cfg = entra_sim::SimConfig {
        clock: ClockKind::Manual(Some(Utc::now())),
        ..sim_config()
    };
    let env = Env::start(cfg, AuthMode::Delegated).await;
    let info = env.info.clone();
    let mut returned = Vec::<String>::new();

    // The SCIM side, with a token pasted with a newline.
    let input = ConnectionInput {
        name: "Sim".into(),
        cloud: Cloud::Custom,
        login_url: Some(info.login_url.clone()),
        graph_url: Some(info.graph_url.clone()),
        tenant_id: Some(info.tenant_id.clone()),
        client_id: Some(info.client_id.clone()),
        auth_mode: AuthMode::Delegated,
        app: Some(info.app_display_name.clone()),
        scim_url: Some(info.scim_url.clone()),
        ..Default::default()
    };
    let saved = connections::update(
        &env.engine.store,
        env.engine.secrets.as_ref(),
        &env.row.uuid,
        &input,
        &SecretsInput {
            scim_token: Some(Sensitive::new(format!("{}\n", info.scim_token))),
            client_secret: None,
            client_certificate: None,
        },
        Utc::now(),
    )
    .await
    .unwrap();
    returned.push(serde_json::to_string(&saved).unwrap());

    // Browser sign-in (auth code + PKCE) and a rotation.
    let client = env.client();
    let target = GraphTarget::from_row(&env.row).unwrap();
    let out = sign_in_browser(
        client.http(),
        &client.options().http,
        &target,
        env.engine.secrets.as_ref(),
        browser_opener(),
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    returned.push(format!("{out:?}"));
    let key = SecretKey::new(&env.row.uuid, SecretKind::RefreshToken);
    let refresh_1 = env.engine.secrets.get(&key).unwrap().unwrap();
    let access = client.access_token().await.unwrap();

    env.sim.run_cycle().await;
    let events = poll_once(&env.engine, &Default::default(), None)
        .await
        .unwrap();
    returned.push(serde_json::to_string(&events).unwrap());
    let refresh_2 = env.engine.secrets.get(&key).unwrap().unwrap();

    assert!(check_scim_due(
        &env.engine,
        Duration::ZERO,
        Some(&PollTarget::Every),
        Utc::now()
    )
    .await
    .is_empty());
    let crawl = run_inventory(
        &env.engine,
        &env.row.uuid,
        &CrawlConfig::default(),
        None,
        &CancelFlag::new(),
        Utc::now(),
    )
    .await
    .unwrap();
    returned.push(serde_json::to_string(&crawl).unwrap());

    // A failing token: stored exchanges and messages must redact it.
    env.sim.inject(Fault::ScimTokenExpired).unwrap();
    assert!(check_scim_due(
        &env.engine,
        Duration::ZERO,
        Some(&PollTarget::Every),
        Utc::now()
    )
    .await
    .is_empty());
    let status = token_status(&env.engine, &env.row.uuid, Utc::now())
        .await
        .unwrap();
    returned.push(serde_json::to_string(&status).unwrap());
    let view = run_checklist(&env.engine, &env.row.uuid, Utc::now())
        .await
        .unwrap();
    returned.push(serde_json::to_string(&view).unwrap());
    let data = env.engine.data_dir().to_path_buf();
    std::fs::write(data.join("report.md"), &view.report_markdown).unwrap();
    for (fmt, name) in [
        (ExportFormat::Csv, "logs.csv"),
        (ExportFormat::Json, "logs.jsonl"),
    ] {
        let r = export_events(
            &env.engine.store,
            env.row.id,
            &EventFilter::default(),
            fmt,
            &data.join(name),
        )
        .await
        .unwrap();
        assert!(r.rows > 0, "the export has rows");
    }
    // Error messages on the way out, too.
    let err = scimwatch_engine::scim::check_connection(&env.engine, "nope", Utc::now())
        .await
        .unwrap_err();
    returned.push(err.to_string());

    let secrets = [
        ("SCIM token", info.scim_token.clone()),
        ("client secret", info.client_secret.clone()),
        ("refresh token 1", refresh_1.expose().clone()),
        ("refresh token 2", refresh_2.expose().clone()),
        ("access token", access.expose().clone()),
    ];
    for (_, s) in &secrets {
        assert!(s.len() >= 16, "a realistic secret");
    }
    let mut files = Vec::new();
    files_under(&data, &mut files);
    assert!(files.iter().any(|f| f.ends_with("scimwatch.db")));
    assert!(
        files.iter().any(|f| f.to_string_lossy().ends_with("-wal")),
        "{files:?}"
    );
    let mut haystacks: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|f| (f.display().to_string(), std::fs::read(f).unwrap()))
        .collect();
    haystacks.push(("logs".into(), logs.0.lock().unwrap().clone()));
    haystacks.extend(
        returned
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("returned value {i}"), r.clone().into_bytes())),
    );
    let mut hits = Vec::new();
    for (what, s) in &secrets {
        for (name, bytes) in &haystacks {
            if bytes.windows(s.len()).any(|w| w == s.as_bytes()) {
                hits.push(format!("{what} found in {name}"));
            }
        }
    }
    assert!(hits.is_empty(), "{hits:#?}");
    assert!(
        !logs.0.lock().unwrap().is_empty(),
        "the session logged something"
    );
}
