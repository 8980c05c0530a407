//! Signing a delegated connection in from the desktop app (issue 18): the
//! admin's "Sign in…", as `scimwatch-cli sign-in` does it.
//!
//! [`start`] begins a sign-in in the background and answers once there is
//! something to show — the system browser was handed the sign-in page (auth
//! code + PKCE on the loopback redirect of [`crate::graph::auth`]), or the
//! device code to type — and the UI follows it with [`status`] until it
//! ends: signed in, refused (Microsoft's AADSTS code and text, consent
//! declined), timed out, or cancelled ([`cancel`]). One sign-in runs per
//! connection; starting another cancels the first. A sign-in may also ask
//! consent for more delegated permissions ([`SignInOptions::extra`]): the
//! remediation switch's "Sign in and consent…" asks for
//! `Synchronization.ReadWrite.All`, then switches on with the stored sign-in.
//!
//! Success stores the refresh token in the secret store exactly as the CLI
//! does (`graph::auth`): it never reaches SQLite, the session (what crosses
//! IPC) or a log. The time of the sign-in is kept (`poll_state` stream
//! [`SIGNIN_STREAM`]) so a refusal the poller recorded before it is not
//! reported as current ([`status`]).

mod failure;
mod flow;
mod registry;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use scimwatch_core::health::StreamProblem;
use scimwatch_core::AuthMode;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use failure::{SignInFailure, SignInFailureKind};

use crate::engine::Engine;
use crate::graph::{ClientOptions, GraphClient, GraphError, GraphTarget};
use crate::poller::{stream_health, Stream};
use crate::secrets::{SecretKey, SecretKind};
use crate::store::connections::{self as rows, ConnectionRow};
use crate::store::jobs;

/// `poll_state.stream` holding the time of the last sign-in made through
/// [`start`] (`watermark_ms`); no secret.
pub const SIGNIN_STREAM: &str = "signin";

/// How long the browser sign-in waits for the redirect (the CLI's too).
pub const BROWSER_WAIT: Duration = Duration::from_secs(300);
/// How long a device-code sign-in may take (Microsoft's codes live 15 min;
/// a shorter `expires_in` ends it sooner).
pub const DEVICE_CODE_WAIT: Duration = Duration::from_secs(900);

/// How the admin signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SignInMethod {
    /// The system browser, back on `http://localhost:{port}`.
    Browser,
    /// A code typed at Microsoft's device login page, on any device.
    DeviceCode,
}

/// Where a sign-in is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SignInPhase {
    /// Waiting for the admin (in the browser, or typing the code).
    Waiting,
    Succeeded,
    Failed,
    TimedOut,
    Cancelled,
}

/// The device code to type, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DeviceCodeShown {
    pub user_code: String,
    pub verification_uri: String,
    /// Microsoft's instruction text.
    pub message: String,
}

/// One sign-in, as the UI shows it. Holds no secret: the PKCE verifier, the
/// authorization code, the device code and the tokens stay in the engine.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SignInSession {
    pub connection_id: String,
    pub method: SignInMethod,
    pub phase: SignInPhase,
    pub started_at: DateTime<Utc>,
    /// Given up at this time when the admin has not finished.
    pub deadline: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The sign-in page handed to the browser (its `state` and PKCE
    /// challenge are not secrets), to copy when no browser opened.
    pub sign_in_url: Option<String>,
    /// Whether the system browser could be started; `None` until tried.
    pub browser_opened: Option<bool>,
    /// Why it could not.
    pub browser_error: Option<String>,
    pub device_code: Option<DeviceCodeShown>,
    /// Why it did not succeed (failed or timed out).
    pub failure: Option<SignInFailure>,
    /// Delegated permissions asked for beyond the read-only ones (e.g.
    /// `Synchronization.ReadWrite.All` when the remediation switch asks for
    /// consent); empty for a plain sign-in. Names only, no secret.
    pub extra_permissions: Vec<String>,
}

/// A connection's sign-in, for the Connections card and the sign-in dialog.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SignInStatus {
    pub connection_id: String,
    /// Whether the connection signs in as an admin (delegated); the others
    /// sign in unattended with the app registration's credential.
    pub delegated: bool,
    /// A refresh token is in the secret store (it is never shown).
    pub signed_in: bool,
    /// Why the stored sign-in does not work any more (expired, revoked,
    /// consent withdrawn), as the poller recorded it after the last sign-in
    /// made here; `None` when nothing says so, and when none is stored
    /// (`signed_in` says that).
    pub problem: Option<String>,
    pub problem_since: Option<DateTime<Utc>>,
    /// The last sign-in made through the app.
    pub last_sign_in: Option<DateTime<Utc>>,
    /// The sign-in running now, or the last one since the app started.
    pub session: Option<SignInSession>,
}

/// Opens a URL in the system browser (the app: tauri-plugin-opener from
/// Rust; tests: an HTTP client that plays the browser).
pub type Opener = Arc<dyn Fn(&str) -> Result<(), String> + Send + Sync>;

/// Timeouts and the Graph client of a sign-in (tests shorten them).
#[derive(Clone)]
pub struct SignInOptions {
    pub browser_wait: Duration,
    pub device_code_wait: Duration,
    /// Device-code polling interval instead of Microsoft's `interval`.
    pub device_poll: Option<Duration>,
    /// Delegated permissions to consent to beyond the read-only ones (the
    /// remediation switch: [`crate::remediate::WRITE_PERMISSION`]); the
    /// stored sign-in keeps that consent for its later tokens.
    pub extra: Vec<String>,
    pub client: ClientOptions,
}

impl Default for SignInOptions {
    fn default() -> Self {
        Self {
            browser_wait: BROWSER_WAIT,
            device_code_wait: DEVICE_CODE_WAIT,
            device_poll: None,
            extra: Vec::new(),
            client: ClientOptions {
                log_gate: Duration::ZERO,
                ..ClientOptions::default()
            },
        }
    }
}

async fn row_of(engine: &Engine, id: &str) -> Result<ConnectionRow, GraphError> {
    rows::require(engine.store.pool(), id)
        .await
        .map_err(GraphError::Storage)
}

fn delegated(row: &ConnectionRow) -> bool {
    row.tenant_id.is_some()
        && row.auth_mode.as_deref().and_then(AuthMode::parse) == Some(AuthMode::Delegated)
}

/// Start signing `id` in; answers when the browser was handed the sign-in
/// page or the device code is there to show (or the sign-in already
/// ended). Refused for a connection without an Entra side or one that signs
/// in unattended.
pub async fn start(
    engine: &Engine,
    id: &str,
    method: SignInMethod,
    opener: Opener,
    opts: SignInOptions,
) -> Result<SignInSession, GraphError> {
    let row = row_of(engine, id).await?;
    let target = GraphTarget::from_row(&row)?;
    if target.auth_mode != AuthMode::Delegated {
        return Err(GraphError::Config(format!(
            "\u{201c}{}\u{201d} signs in unattended with the app registration's {}: there is \
no interactive sign-in to make",
            row.name,
            match target.auth_mode {
                AuthMode::Certificate => "certificate",
                _ => "client secret",
            }
        )));
    }
    let client = GraphClient::new(target, engine.secrets.clone(), opts.client.clone())?;
    let now = Utc::now();
    let wait = match method {
        SignInMethod::Browser => opts.browser_wait,
        SignInMethod::DeviceCode => opts.device_code_wait,
    };
    let session = SignInSession {
        connection_id: row.uuid.clone(),
        method,
        phase: SignInPhase::Waiting,
        started_at: now,
        deadline: now + chrono::Duration::from_std(wait).unwrap_or_default(),
        finished_at: None,
        sign_in_url: None,
        browser_opened: None,
        browser_error: None,
        device_code: None,
        failure: None,
        extra_permissions: opts.extra.clone(),
    };
    let key = registry::key(engine, &row.uuid);
    let (handle, first) = registry::begin(key.clone(), session);
    tokio::spawn(flow::run(flow::Run {
        engine: engine.clone(),
        row,
        client,
        method,
        wait,
        device_poll: opts.device_poll,
        extra: opts.extra,
        opener,
        handle,
    }));
    // Something to show: the browser was tried, the code came, or it ended.
    let _ = tokio::time::timeout(Duration::from_secs(30), first).await;
    registry::get(&key).ok_or_else(|| GraphError::SignInAborted("the sign-in ended".into()))
}

/// The connection's sign-in: stored or not, what the poller last said of
/// it, and the sign-in running (or last run) in this process.
pub async fn status(engine: &Engine, id: &str) -> Result<SignInStatus, GraphError> {
    let row = row_of(engine, id).await?;
    let pool = engine.store.pool();
    let session = registry::get(&registry::key(engine, &row.uuid));
    if !delegated(&row) {
        return Ok(SignInStatus {
            connection_id: row.uuid,
            delegated: false,
            signed_in: false,
            problem: None,
            problem_since: None,
            last_sign_in: None,
            session,
        });
    }
    let signed_in = engine
        .secrets
        .get(&SecretKey::new(&row.uuid, SecretKind::RefreshToken))?
        .is_some();
    let last_ms = jobs::get_poll_state(pool, row.id, SIGNIN_STREAM)
        .await?
        .and_then(|r| r.watermark_ms);
    let job =
        jobs::get_poll_state(pool, row.id, &stream_health::health_key(Stream::GraphJob)).await?;
    let refused = job.and_then(|r| {
        let h: scimwatch_core::health::StreamHealth =
            serde_json::from_str(r.cursor.as_deref()?).ok()?;
        // A stored sign-in that Microsoft refused (never signed in is only
        // `signed_in: false`), recorded after the last sign-in made here,
        // and refused by the sign-in itself (no HTTP status: Graph was never
        // asked).
        let current = last_ms.is_none_or(|last| r.updated_ms > last);
        (signed_in
            && current
            && h.is_failing()
            && h.problem == Some(StreamProblem::Refused)
            && h.http_status.is_none())
        .then_some(h)
    });
    Ok(SignInStatus {
        connection_id: row.uuid,
        delegated: true,
        signed_in,
        problem: refused.as_ref().and_then(|h| h.reason.clone()),
        problem_since: refused.and_then(|h| h.failing_since),
        last_sign_in: last_ms.and_then(DateTime::from_timestamp_millis),
        session,
    })
}

/// Stop the running sign-in of `id` (the loopback listener closes, the
/// device code is no longer polled; nothing is stored). Answers the
/// session, `None` when none ever ran.
pub async fn cancel(engine: &Engine, id: &str) -> Result<Option<SignInSession>, GraphError> {
    let row = row_of(engine, id).await?;
    Ok(registry::cancel(&registry::key(engine, &row.uuid)))
}

/// Wait until the sign-in of `id` ends (tests; the UI polls [`status`]).
/// `None` when none runs.
pub async fn wait(
    engine: &Engine,
    id: &str,
    timeout: Duration,
) -> Result<Option<SignInSession>, GraphError> {
    let row = row_of(engine, id).await?;
    let key = registry::key(engine, &row.uuid);
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let s = registry::get(&key);
        match &s {
            Some(s) if s.phase == SignInPhase::Waiting => {}
            _ => return Ok(s),
        }
        if tokio::time::Instant::now() >= deadline {
            return Ok(s);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
