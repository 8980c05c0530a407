//! Test helpers: a real `scim2-server` (Python, from PyPI) on a free loopback port.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

/// Errors starting `scim2-server`.
#[derive(Debug, thiserror::Error)]
pub enum Scim2Error {
    /// Creating the venv or installing failed.
    #[error("cannot provide scim2-server: {0}")]
    Install(String),
    /// The server did not start.
    #[error("scim2-server did not start: {0}")]
    Start(String),
}

/// A running `scim2-server`, killed on drop.
#[derive(Debug)]
pub struct Scim2Server {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT` (the SCIM base; `/Users`, `/Groups` below it).
    pub base_url: String,
    /// The bearer token it requires.
    pub token: String,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("..")
}

async fn ensure_binary() -> Result<PathBuf, Scim2Error> {
    if let Ok(p) = std::env::var("SCIM2_SERVER") {
        return Ok(PathBuf::from(p));
    }
    let venv = workspace_root().join(".venv");
    let bin = venv.join("bin").join("scim2-server");
    if bin.exists() {
        return Ok(bin);
    }
    let status = Command::new("python3")
        .arg("-m")
        .arg("venv")
        .arg(&venv)
        .status()
        .await
        .map_err(|e| Scim2Error::Install(e.to_string()))?;
    if !status.success() {
        return Err(Scim2Error::Install("python3 -m venv failed".into()));
    }
    let status = Command::new(venv.join("bin").join("pip"))
        .args(["install", "--quiet", "scim2-server"])
        .status()
        .await
        .map_err(|e| Scim2Error::Install(e.to_string()))?;
    if !status.success() || !bin.exists() {
        return Err(Scim2Error::Install(
            "pip install scim2-server failed".into(),
        ));
    }
    Ok(bin)
}

impl Scim2Server {
    /// Start `scim2-server` on a free port with a bearer token, and wait until it answers.
    pub async fn start() -> Result<Self, Scim2Error> {
        let bin = ensure_binary().await?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| Scim2Error::Start(e.to_string()))?
            .port();
        let token = format!("s2s-{}", uuid::Uuid::new_v4().simple());
        let child = Command::new(&bin)
            .args([
                "--hostname",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--bearer-token",
                &token,
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| Scim2Error::Start(format!("{}: {e}", bin.display())))?;
        let server = Self {
            child: Some(child),
            base_url: format!("http://127.0.0.1:{port}"),
            token,
        };
        let client = reqwest::Client::new();
        for _ in 0..150 {
            let r = client
                .get(format!("{}/ServiceProviderConfig", server.base_url))
                .bearer_auth(&server.token)
                .send()
                .await;
            if r.is_ok_and(|r| r.status().is_success()) {
                return Ok(server);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(Scim2Error::Start(format!(
            "no answer on {} after 15 s",
            server.base_url
        )))
    }
}

impl Scim2Server {
    /// The server process's id (to pin it to a CPU in a benchmark).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().and_then(Child::id)
    }
}

impl Drop for Scim2Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.start_kill();
        }
    }
}

/// How `scimwatch-cli connections add` signs in to this tenant's Graph.
#[derive(Debug, Clone, Copy)]
pub struct CliSignIn<'a> {
    /// `--auth-mode`: `client-secret` or `certificate`.
    pub mode: &'a str,
    /// The file flag: `--client-secret-file` or `--client-certificate-file`.
    pub flag: &'a str,
    /// The file holding the secret or the PEM.
    pub file: &'a str,
}

/// Arguments of `scimwatch-cli connections add` for this tenant: the Entra
/// side when `sign_in` is given, and the SCIM side (token read from stdin)
/// when `scim` is set.
pub fn cli_connection_args(
    info: &crate::DemoInfo,
    name: &str,
    sign_in: Option<CliSignIn<'_>>,
    scim: bool,
) -> Vec<String> {
    let mut a: Vec<String> = vec![
        "connections".into(),
        "add".into(),
        "--name".into(),
        name.into(),
    ];
    if let Some(s) = sign_in {
        for (flag, value) in [
            ("--cloud", "custom"),
            ("--login-url", info.login_url.as_str()),
            ("--graph-url", info.graph_url.as_str()),
            ("--tenant", info.tenant_id.as_str()),
            ("--client-id", info.client_id.as_str()),
            ("--auth-mode", s.mode),
            (s.flag, s.file),
            ("--app", info.app_display_name.as_str()),
        ] {
            a.push(flag.into());
            a.push(value.into());
        }
    }
    if scim {
        for v in [
            "--scim-url",
            info.scim_url.as_str(),
            "--scim-token-file",
            "-",
        ] {
            a.push(v.into());
        }
    }
    a
}
