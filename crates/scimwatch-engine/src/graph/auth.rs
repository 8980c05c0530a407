//! Signing in to Microsoft Graph (identity platform v2.0):
//!
//! - client credentials with a client secret or a certificate (unattended
//!   installs; the certificate's signed assertion is built in [`super::cert`]),
//! - auth code + PKCE (S256) on a loopback redirect, opening the system browser,
//! - device code as the fallback,
//! - refresh tokens, rotated on every use and kept in the [`SecretStore`]
//!   (`SecretKind::RefreshToken`), never in SQLite.
//!
//! Delegated scopes are read-only and least-privilege ([`DELEGATED_SCOPES`]).

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::RngCore;
use scimwatch_core::{AuthMode, Sensitive};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;
use ts_rs::TS;

use super::error::GraphError;
use super::http::{self, HttpConfig};
use crate::secrets::{SecretKey, SecretKind, SecretStore};
use crate::store::connections::ConnectionRow;

/// Delegated permissions asked for (all read-only) plus `offline_access`.
pub const DELEGATED_SCOPES: [&str; 4] = [
    "Synchronization.Read.All",
    "Application.Read.All",
    "AuditLog.Read.All",
    "Directory.Read.All",
];

/// Where and as whom one connection signs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphTarget {
    /// The uuid the sign-in and its secrets are stored under: the
    /// connection's own, or for an app of an all-apps tenant the tenant's
    /// (its apps share one sign-in; nothing is copied).
    pub connection: String,
    pub login_url: String,
    pub graph_url: String,
    pub tenant_id: String,
    pub client_id: String,
    pub auth_mode: AuthMode,
}

fn trim_slash(s: &str) -> String {
    s.trim_end_matches('/').to_string()
}

impl GraphTarget {
    /// The Entra side of a stored connection.
    pub fn from_row(row: &ConnectionRow) -> Result<Self, GraphError> {
        let missing = || {
            GraphError::Config(format!(
                "connection \u{201c}{}\u{201d} has no Entra tenant to watch",
                row.name
            ))
        };
        let target = Self {
            connection: row.tenant_uuid.clone().unwrap_or_else(|| row.uuid.clone()),
            login_url: trim_slash(row.login_url.as_deref().ok_or_else(missing)?),
            graph_url: trim_slash(row.graph_url.as_deref().ok_or_else(missing)?),
            tenant_id: row.tenant_id.clone().ok_or_else(missing)?,
            client_id: row
                .client_id
                .clone()
                .unwrap_or_else(|| scimwatch_core::connection::DEFAULT_PUBLIC_CLIENT_ID.into()),
            auth_mode: row
                .auth_mode
                .as_deref()
                .and_then(AuthMode::parse)
                .unwrap_or_default(),
        };
        http::check_url(&target.login_url)?;
        http::check_url(&target.graph_url)?;
        Ok(target)
    }

    fn oauth(&self, tail: &str) -> String {
        format!("{}/{}/oauth2/v2.0/{tail}", self.login_url, self.tenant_id)
    }
    pub fn token_url(&self) -> String {
        self.oauth("token")
    }
    pub fn authorize_url(&self) -> String {
        self.oauth("authorize")
    }
    pub fn devicecode_url(&self) -> String {
        self.oauth("devicecode")
    }
    /// `{graph}/v1.0`.
    pub fn graph_base(&self) -> String {
        format!("{}/v1.0", self.graph_url)
    }
    /// Delegated scopes, qualified with this cloud's Graph host, plus `offline_access`.
    pub fn delegated_scope(&self) -> String {
        self.delegated_scope_with(&[])
    }
    /// [`Self::delegated_scope`] plus `extra` permissions (the opt-in
    /// remediation actions add `Synchronization.ReadWrite.All`).
    pub fn delegated_scope_with(&self, extra: &[&str]) -> String {
        let mut s: Vec<String> = DELEGATED_SCOPES
            .iter()
            .chain(extra)
            .map(|p| format!("{}/{p}", self.graph_url))
            .collect();
        s.push("offline_access".into());
        s.join(" ")
    }
    /// `{graph}/.default` for client credentials.
    pub fn app_scope(&self) -> String {
        format!("{}/.default", self.graph_url)
    }
    fn secret_key(&self, kind: SecretKind) -> SecretKey {
        SecretKey::new(&self.connection, kind)
    }
}

/// A bearer token and when to stop using it.
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub token: Sensitive<String>,
    pub expires_at: Instant,
}

impl AccessToken {
    /// Still usable for at least `margin`.
    pub fn fresh(&self, now: Instant, margin: Duration) -> bool {
        now + margin < self.expires_at
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: Sensitive<String>,
    #[serde(default)]
    refresh_token: Option<Sensitive<String>>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

#[derive(Deserialize, Default)]
struct TokenErrorBody {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
    #[serde(default)]
    error_codes: Option<Vec<u32>>,
}

fn aadsts_in(text: &str) -> Option<u32> {
    let i = text.find("AADSTS")?;
    let digits: String = text[i + 6..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Microsoft's description without the trace/correlation tail (inline or
/// on `\r\n` lines), on one line, without the `AADSTSnnnn: ` prefix.
fn short_description(d: &str) -> String {
    scimwatch_core::graph::parse_aad_description(d).message
}

fn token_error(target: &GraphTarget, status: u16, body: &[u8]) -> GraphError {
    let parsed: TokenErrorBody = serde_json::from_slice(body).unwrap_or_default();
    let description = parsed.error_description.unwrap_or_default();
    let aadsts = parsed
        .error_codes
        .and_then(|c| c.first().copied())
        .or_else(|| aadsts_in(&description));
    if aadsts == Some(65001) {
        return GraphError::ConsentRequired {
            scopes: DELEGATED_SCOPES.join(", "),
        };
    }
    let error = parsed.error.unwrap_or_else(|| format!("HTTP {status}"));
    let mut description = short_description(&description);
    if aadsts == Some(7000215) || aadsts == Some(7000222) {
        description.push_str(" Store a current client secret value for this connection.");
    }
    match aadsts {
        Some(700027) => description.push_str(
            " Upload this certificate (its public part, .cer or .pem) to the app registration under \
Certificates & secrets, or store the certificate that is registered there.",
        ),
        Some(700024) => description.push_str(
            " Check this computer's clock and time zone: the signed assertion is only valid for \
a few minutes around the identity platform's time.",
        ),
        _ => {}
    }
    let _ = target;
    GraphError::SignIn {
        error,
        aadsts,
        description,
    }
}

/// POST a form to the token endpoint.
async fn post_token(
    client: &reqwest::Client,
    cfg: &HttpConfig,
    target: &GraphTarget,
    url: &str,
    form: &[(&str, &str)],
) -> Result<TokenResponse, GraphError> {
    http::check_url(url)?;
    let resp = client
        .post(url)
        .form(form)
        .send()
        .await
        .map_err(|e| http::map_send_error(&e, url, cfg.timeout))?;
    let status = resp.status().as_u16();
    let ctype = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body =
        http::read_body(resp, cfg.max_body_bytes, "the sign-in service", cfg.timeout).await?;
    if http::looks_like_html(ctype.as_deref(), &body) {
        return Err(GraphError::Html {
            what: "the sign-in service".into(),
            status,
        });
    }
    if !(200..300).contains(&status) {
        return Err(token_error(target, status, &body));
    }
    serde_json::from_slice(&body).map_err(|e| GraphError::Malformed {
        what: "the sign-in service".into(),
        detail: format!("token response: {}", e.classify_text()),
    })
}

trait ClassifyText {
    fn classify_text(&self) -> &'static str;
}
impl ClassifyText for serde_json::Error {
    fn classify_text(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "read error",
            serde_json::error::Category::Syntax => "not JSON",
            serde_json::error::Category::Data => "missing or unexpected fields",
            serde_json::error::Category::Eof => "truncated",
        }
    }
}

fn to_access(t: &TokenResponse) -> AccessToken {
    let secs = match &t.expires_in {
        Some(serde_json::Value::Number(n)) => n.as_u64().unwrap_or(3600),
        Some(serde_json::Value::String(s)) => s.trim().parse().unwrap_or(3600),
        _ => 3600,
    };
    AccessToken {
        token: t.access_token.clone(),
        expires_at: Instant::now() + Duration::from_secs(secs),
    }
}

/// Keep the newest refresh token (they rotate; the old one is now spent).
fn store_refresh(
    secrets: &dyn SecretStore,
    target: &GraphTarget,
    t: &TokenResponse,
) -> Result<(), GraphError> {
    if let Some(rt) = &t.refresh_token {
        secrets.set(&target.secret_key(SecretKind::RefreshToken), rt)?;
    }
    Ok(())
}

/// Get an access token without user interaction: client credentials for
/// unattended connections, the stored refresh token (rotated) for delegated ones.
pub async fn acquire_token(
    client: &reqwest::Client,
    cfg: &HttpConfig,
    target: &GraphTarget,
    secrets: &dyn SecretStore,
) -> Result<AccessToken, GraphError> {
    acquire_token_with(client, cfg, target, secrets, &[]).await
}

/// [`acquire_token`], a delegated token also carrying `extra` permissions
/// (an application token carries what the app was granted, whatever asked).
pub async fn acquire_token_with(
    client: &reqwest::Client,
    cfg: &HttpConfig,
    target: &GraphTarget,
    secrets: &dyn SecretStore,
    extra: &[&str],
) -> Result<AccessToken, GraphError> {
    match target.auth_mode {
        AuthMode::ClientSecret => {
            let secret = secrets
                .get(&target.secret_key(SecretKind::ClientSecret))?
                .ok_or_else(|| {
                    GraphError::NotSignedIn(
                        "no client secret is stored for this connection; add the app registration's client secret value"
                            .into(),
                    )
                })?;
            let scope = target.app_scope();
            let t = post_token(
                client,
                cfg,
                target,
                &target.token_url(),
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &target.client_id),
                    ("client_secret", secret.expose()),
                    ("scope", &scope),
                ],
            )
            .await?;
            Ok(to_access(&t))
        }
        AuthMode::Delegated => {
            let rt = secrets
                .get(&target.secret_key(SecretKind::RefreshToken))?
                .ok_or_else(|| {
                    GraphError::NotSignedIn(
                        "not signed in to Microsoft Graph for this connection: sign in first (\u{201c}Sign in\u{2026}\u{201d} on the app's Connections page, or scimwatch-cli sign-in <connection>)"
                            .into(),
                    )
                })?;
            let scope = target.delegated_scope_with(extra);
            let t = post_token(
                client,
                cfg,
                target,
                &target.token_url(),
                &[
                    ("grant_type", "refresh_token"),
                    ("client_id", &target.client_id),
                    ("refresh_token", rt.expose()),
                    ("scope", &scope),
                ],
            )
            .await
            .map_err(|e| match e {
                GraphError::SignIn { error, aadsts, description } if error == "invalid_grant" => {
                    GraphError::NotSignedIn(format!(
                        "the stored sign-in is no longer valid ({}): sign in again (\u{201c}Sign in\u{2026}\u{201d} on the app's Connections page, or scimwatch-cli sign-in <connection>)",
                        aadsts.map(|c| format!("AADSTS{c}: {description}")).unwrap_or(description)
                    ))
                }
                other => other,
            })?;
            store_refresh(secrets, target, &t)?;
            Ok(to_access(&t))
        }
        AuthMode::Certificate => {
            let pem = secrets
                .get(&target.secret_key(SecretKind::ClientCertificate))?
                .ok_or_else(|| {
                    GraphError::NotSignedIn(
                        "no certificate is stored for this connection; add the app registration's certificate with its private key (PEM)"
                            .into(),
                    )
                })?;
            let cert = super::cert::ClientCertificate::from_pem(pem.expose()).map_err(|e| {
                GraphError::Config(format!("the stored client certificate cannot be used: {e}"))
            })?;
            let token_url = target.token_url();
            let assertion = cert
                .assertion(&target.client_id, &token_url, chrono::Utc::now())
                .map_err(|e| GraphError::Config(e.to_string()))?;
            let scope = target.app_scope();
            let t = post_token(
                client,
                cfg,
                target,
                &token_url,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &target.client_id),
                    (
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    ),
                    ("client_assertion", &assertion),
                    ("scope", &scope),
                ],
            )
            .await?;
            Ok(to_access(&t))
        }
    }
}

/// The result of an interactive sign-in.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SignInOutcome {
    /// `browser`, `device_code` or `client_secret`.
    pub method: String,
    /// Whether a refresh token was stored in the secret store.
    pub refresh_token_stored: bool,
}

fn random_b64(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// PKCE: `(verifier, S256 challenge)`.
pub fn pkce_pair() -> (String, String) {
    let verifier = random_b64(32);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

const DONE_PAGE: &str = "<!DOCTYPE html><html><head><title>scimwatch</title></head><body><h1>Signed in</h1><p>You can close this window and return to scimwatch.</p></body></html>";
const FAIL_PAGE: &str = "<!DOCTYPE html><html><head><title>scimwatch</title></head><body><h1>Sign-in did not complete</h1><p>Return to scimwatch for details.</p></body></html>";

/// Read one HTTP request head from the loopback listener; return its target.
async fn read_request_target(stream: &mut tokio::net::TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buf);
    let line = head.lines().next()?;
    let mut parts = line.split(' ');
    let (Some("GET"), Some(target)) = (parts.next(), parts.next()) else {
        return None;
    };
    Some(target.to_string())
}

async fn respond(stream: &mut tokio::net::TcpStream, status: &str, body: &str) {
    let msg = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(msg.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// How long one connection to the loopback listener may take to send its
/// request line and headers. A browser sends them at once; a client that
/// connects and says nothing is dropped after this, and never holds up others.
pub const LOOPBACK_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections served at the same time by the loopback listener; more are
/// closed at once (a browser needs one or two).
const LOOPBACK_MAX_CONNECTIONS: usize = 32;

/// The redirect's listeners: `redirect_uri` is `http://localhost:{port}` (what
/// the app registration lists, and what Microsoft Graph Command Line Tools
/// has registered), and `localhost` is 127.0.0.1 or ::1 depending on the
/// system and the browser, so both loopback addresses listen on one port.
/// ::1 is left out only where the system has no IPv6 loopback.
pub struct LoopbackListener {
    listeners: Vec<tokio::net::TcpListener>,
    port: u16,
}

impl LoopbackListener {
    pub async fn bind() -> std::io::Result<Self> {
        let mut last_in_use = None;
        for _ in 0..16 {
            let v4 = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
            let port = v4.local_addr()?.port();
            match tokio::net::TcpListener::bind(("::1", port)).await {
                Ok(v6) => {
                    return Ok(Self {
                        listeners: vec![v4, v6],
                        port,
                    })
                }
                // Another program has this port on ::1: try another port.
                Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => last_in_use = Some(e),
                // No IPv6 loopback here, so `localhost` cannot mean ::1 either.
                Err(_) => {
                    return Ok(Self {
                        listeners: vec![v4],
                        port,
                    })
                }
            }
        }
        Err(last_in_use.unwrap_or_else(|| std::io::Error::other("no free loopback port")))
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The addresses listened on (127.0.0.1 and, where there is one, ::1).
    pub fn addrs(&self) -> Vec<std::net::SocketAddr> {
        self.listeners
            .iter()
            .filter_map(|l| l.local_addr().ok())
            .collect()
    }

    pub fn redirect_uri(&self) -> String {
        format!("http://localhost:{}", self.port)
    }

    async fn accept(&self) -> std::io::Result<tokio::net::TcpStream> {
        let second = async {
            match self.listeners.get(1) {
                Some(l) => l.accept().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            r = self.listeners[0].accept() => r.map(|(s, _)| s),
            r = second => r.map(|(s, _)| s),
        }
    }
}

/// What one redirect request brought.
enum Redirect {
    /// Not the redirect (a favicon, a stranger, a wrong `state`, silence).
    Ignored,
    Code(Sensitive<String>),
    Refused {
        error: String,
        description: String,
    },
}

/// Serve one connection to the loopback listener, within
/// [`LOOPBACK_READ_TIMEOUT`] for the request to arrive.
async fn serve_redirect(mut stream: tokio::net::TcpStream, state: &str) -> Redirect {
    let read = tokio::time::timeout(LOOPBACK_READ_TIMEOUT, read_request_target(&mut stream)).await;
    let Ok(Some(path)) = read else {
        if read.is_ok() {
            respond(&mut stream, "400 Bad Request", FAIL_PAGE).await;
        }
        return Redirect::Ignored;
    };
    let Ok(u) = url::Url::parse(&format!("http://localhost{path}")) else {
        respond(&mut stream, "400 Bad Request", FAIL_PAGE).await;
        return Redirect::Ignored;
    };
    let q: std::collections::HashMap<String, String> = u.query_pairs().into_owned().collect();
    if q.is_empty() {
        // favicon and friends
        respond(&mut stream, "404 Not Found", FAIL_PAGE).await;
        return Redirect::Ignored;
    }
    if q.get("state").map(String::as_str) != Some(state) {
        respond(&mut stream, "400 Bad Request", FAIL_PAGE).await;
        return Redirect::Ignored;
    }
    if let Some(err) = q.get("error") {
        respond(&mut stream, "200 OK", FAIL_PAGE).await;
        return Redirect::Refused {
            error: err.clone(),
            description: q.get("error_description").cloned().unwrap_or_default(),
        };
    }
    let Some(code) = q.get("code").cloned() else {
        respond(&mut stream, "400 Bad Request", FAIL_PAGE).await;
        return Redirect::Ignored;
    };
    respond(&mut stream, "200 OK", DONE_PAGE).await;
    Redirect::Code(Sensitive::new(code))
}

/// Interactive sign-in: auth code + PKCE (S256) with a loopback redirect.
///
/// Listens on 127.0.0.1 and ::1 with one port ([`LoopbackListener`]), builds
/// the authorize URL with `redirect_uri=http://localhost:{port}` and hands it
/// to `opener` (the app opens the system browser; tests follow it with an
/// HTTP client), waits up to `wait` for the redirect, redeems the code and
/// stores the refresh token. Each connection is served on its own with a
/// read timeout, so a client that connects and sends nothing delays nobody.
pub async fn sign_in_browser(
    client: &reqwest::Client,
    cfg: &HttpConfig,
    target: &GraphTarget,
    secrets: &dyn SecretStore,
    opener: impl Fn(&str),
    wait: Duration,
) -> Result<SignInOutcome, GraphError> {
    sign_in_browser_with(client, cfg, target, secrets, opener, wait, &[]).await
}

/// [`sign_in_browser`] asking consent for `extra` permissions too.
pub async fn sign_in_browser_with(
    client: &reqwest::Client,
    cfg: &HttpConfig,
    target: &GraphTarget,
    secrets: &dyn SecretStore,
    opener: impl Fn(&str),
    wait: Duration,
    extra: &[&str],
) -> Result<SignInOutcome, GraphError> {
    let listener = LoopbackListener::bind()
        .await
        .map_err(|e| GraphError::SignInAborted(format!("cannot listen on loopback: {e}")))?;
    let redirect_uri = listener.redirect_uri();
    let (verifier, challenge) = pkce_pair();
    let state = random_b64(16);
    let scope = target.delegated_scope_with(extra);
    let mut url = url::Url::parse(&target.authorize_url())
        .map_err(|e| GraphError::Config(format!("bad sign-in URL: {e}")))?;
    url.query_pairs_mut()
        .append_pair("client_id", &target.client_id)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", &redirect_uri)
        .append_pair("response_mode", "query")
        .append_pair("scope", &scope)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("state", &state);
    opener(url.as_str());

    let deadline = Instant::now() + wait;
    let mut serving = tokio::task::JoinSet::new();
    let code = loop {
        tokio::select! {
            () = tokio::time::sleep_until(deadline) => {
                return Err(GraphError::SignInAborted(format!(
                    "no sign-in completed within {} s; try again, or use --device-code",
                    wait.as_secs()
                )));
            }
            accepted = listener.accept() => {
                match accepted {
                    Ok(stream) if serving.len() < LOOPBACK_MAX_CONNECTIONS => {
                        let state = state.clone();
                        serving.spawn(async move { serve_redirect(stream, &state).await });
                    }
                    // Too many at once: this one is closed unanswered.
                    Ok(_) => {}
                    // E.g. out of file descriptors: retried after a pause.
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            }
            Some(done) = serving.join_next() => match done {
                Ok(Redirect::Code(code)) => break code,
                Ok(Redirect::Refused { error, description }) => {
                    let aadsts = aadsts_in(&description);
                    if aadsts == Some(65001) {
                        return Err(GraphError::ConsentRequired {
                            scopes: DELEGATED_SCOPES.join(", "),
                        });
                    }
                    return Err(GraphError::SignIn {
                        error,
                        aadsts,
                        description: short_description(&description),
                    });
                }
                Ok(Redirect::Ignored) | Err(_) => {}
            },
        }
    };
    drop(serving);
    let t = post_token(
        client,
        cfg,
        target,
        &target.token_url(),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &target.client_id),
            ("code", code.expose()),
            ("redirect_uri", &redirect_uri),
            ("code_verifier", &verifier),
            ("scope", &scope),
        ],
    )
    .await?;
    store_refresh(secrets, target, &t)?;
    Ok(SignInOutcome {
        method: "browser".into(),
        refresh_token_stored: t.refresh_token.is_some(),
    })
}

/// What the admin must do to finish a device-code sign-in.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DeviceCodePrompt {
    pub user_code: String,
    pub verification_uri: String,
    /// Microsoft's instruction text.
    pub message: String,
    pub expires_in_secs: u64,
}

#[derive(Deserialize)]
struct DeviceCodeResponse {
    device_code: Sensitive<String>,
    user_code: String,
    verification_uri: String,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    interval: Option<u64>,
}

/// Device-code sign-in (the fallback when a browser on this machine is not
/// an option). `on_prompt` receives the code to show; polling honours
/// `interval` (or `poll_interval` when given, for tests) and `slow_down`.
/// A declined code (`authorization_declined`) comes back as Microsoft's own
/// [`GraphError::SignIn`], with its AADSTS code and text.
pub async fn sign_in_device_code(
    client: &reqwest::Client,
    cfg: &HttpConfig,
    target: &GraphTarget,
    secrets: &dyn SecretStore,
    on_prompt: impl Fn(&DeviceCodePrompt),
    poll_interval: Option<Duration>,
) -> Result<SignInOutcome, GraphError> {
    sign_in_device_code_with(client, cfg, target, secrets, on_prompt, poll_interval, &[]).await
}

/// [`sign_in_device_code`] asking consent for `extra` permissions too (the
/// opt-in remediation actions' `Synchronization.ReadWrite.All`).
pub async fn sign_in_device_code_with(
    client: &reqwest::Client,
    cfg: &HttpConfig,
    target: &GraphTarget,
    secrets: &dyn SecretStore,
    on_prompt: impl Fn(&DeviceCodePrompt),
    poll_interval: Option<Duration>,
    extra: &[&str],
) -> Result<SignInOutcome, GraphError> {
    let url = target.devicecode_url();
    http::check_url(&url)?;
    let scope = target.delegated_scope_with(extra);
    let resp = client
        .post(&url)
        .form(&[("client_id", target.client_id.as_str()), ("scope", &scope)])
        .send()
        .await
        .map_err(|e| http::map_send_error(&e, &url, cfg.timeout))?;
    let status = resp.status().as_u16();
    let body =
        http::read_body(resp, cfg.max_body_bytes, "the sign-in service", cfg.timeout).await?;
    if !(200..300).contains(&status) {
        return Err(token_error(target, status, &body));
    }
    let dc: DeviceCodeResponse =
        serde_json::from_slice(&body).map_err(|e| GraphError::Malformed {
            what: "the sign-in service".into(),
            detail: format!("device code response: {}", e.classify_text()),
        })?;
    let expires = Duration::from_secs(dc.expires_in.unwrap_or(900));
    on_prompt(&DeviceCodePrompt {
        user_code: dc.user_code.clone(),
        verification_uri: dc.verification_uri.clone(),
        message: dc.message.clone().unwrap_or_else(|| {
            format!(
                "To sign in, open {} and enter the code {}",
                dc.verification_uri, dc.user_code
            )
        }),
        expires_in_secs: expires.as_secs(),
    });
    let mut interval =
        poll_interval.unwrap_or_else(|| Duration::from_secs(dc.interval.unwrap_or(5).max(1)));
    let deadline = Instant::now() + expires;
    loop {
        tokio::time::sleep(interval).await;
        if Instant::now() >= deadline {
            return Err(GraphError::SignInAborted(
                "the device code expired before sign-in completed; start again".into(),
            ));
        }
        let r = post_token(
            client,
            cfg,
            target,
            &target.token_url(),
            &[
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("client_id", &target.client_id),
                ("device_code", dc.device_code.expose()),
            ],
        )
        .await;
        match r {
            Ok(t) => {
                store_refresh(secrets, target, &t)?;
                return Ok(SignInOutcome {
                    method: "device_code".into(),
                    refresh_token_stored: t.refresh_token.is_some(),
                });
            }
            Err(GraphError::SignIn { error, .. }) if error == "authorization_pending" => {}
            Err(GraphError::SignIn { error, .. }) if error == "slow_down" => {
                interval += Duration::from_secs(5);
            }
            Err(GraphError::SignIn { error, .. }) if error == "expired_token" => {
                return Err(GraphError::SignInAborted(
                    "the device code expired before sign-in completed; start again".into(),
                ))
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_is_s256_of_the_verifier() {
        let (v, c) = pkce_pair();
        assert_eq!(v.len(), 43);
        assert_eq!(c, URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes())));
        assert_ne!(pkce_pair().0, v);
    }

    #[test]
    fn aadsts_codes_and_descriptions() {
        let d = "AADSTS65001: The user or administrator has not consented. Trace ID: x Correlation ID: y";
        assert_eq!(aadsts_in(d), Some(65001));
        assert_eq!(
            short_description(d),
            "The user or administrator has not consented."
        );
        let t = GraphTarget {
            connection: "c".into(),
            login_url: "https://login".into(),
            graph_url: "https://graph.microsoft.us".into(),
            tenant_id: "t".into(),
            client_id: "id".into(),
            auth_mode: AuthMode::Delegated,
        };
        let e = token_error(
            &t,
            400,
            br#"{"error":"invalid_grant","error_description":"AADSTS65001: no consent","error_codes":[65001]}"#,
        );
        assert!(matches!(e, GraphError::ConsentRequired { .. }), "{e}");
        assert!(t
            .delegated_scope()
            .starts_with("https://graph.microsoft.us/Synchronization.Read.All "));
        assert!(t.delegated_scope().ends_with(" offline_access"));
        assert_eq!(t.app_scope(), "https://graph.microsoft.us/.default");
    }
}
