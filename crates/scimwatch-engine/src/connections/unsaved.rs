//! "Test" on the connection form: Entra's Test Connection against the Tenant
//! URL and token as typed, and an unattended Graph sign-in with the client
//! secret or certificate as typed — before anything is saved.
//!
//! Nothing is stored: the typed secrets live in a private in-memory secret
//! store for the length of the test and are dropped with it. What comes
//! back never holds a secret (messages go through the SCIM client's scrub;
//! sign-in errors are built from Microsoft's text, which never echoes the
//! secret, and are checked for it anyway).

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use scimwatch_core::scim::Verdict;
use scimwatch_core::{AuthMode, ConnectionInput, Sensitive};
use serde::Serialize;
use ts_rs::TS;
use url::{Host, Url};

use super::{moved_secrets, prepare, Prepared, SecretsInput};
use crate::error::EngineError;
use crate::graph::http::HttpConfig;
use crate::graph::{GraphError, GraphTarget};
use crate::scim::client::ScimClient;
use crate::scim::test_connection::{check_client_config, run_check, CheckResult};
use crate::secrets::{MemoryStore, SecretKey, SecretKind, SecretStore};
use crate::store::connections::{self as rows, SecretFlags};
use crate::store::Store;

/// The result of an unattended sign-in attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SignInResult {
    pub ok: bool,
    /// `ok`, `unauthorized` (the credential or app was refused),
    /// `unreachable` (including a host name that does not resolve),
    /// `timeout`, `html`, `server_error`, `not_scim` (an unusable answer).
    pub verdict: Verdict,
    /// One sentence for the admin.
    pub message: String,
    /// Microsoft's AADSTS error code, when it sent one.
    pub aadsts: Option<u32>,
    pub latency_ms: Option<u32>,
    /// The token endpoint signed in at (no query, no secret).
    pub url: String,
    pub checked_at: DateTime<Utc>,
}

/// A host name in the form that does not resolve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct UnresolvedHost {
    /// The form field it comes from (`scim_url`, `login_url`, `graph_url`).
    pub field: String,
    pub host: String,
    pub message: String,
}

/// What "Test" found for each side of the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct TestResult {
    /// Entra's Test Connection against the Tenant URL; `None` when the form
    /// has no SCIM side or it was not tested (see `skipped`).
    pub scim: Option<CheckResult>,
    /// The Graph sign-in; `None` when the form has no Entra side or it was
    /// not tested (see `skipped`).
    pub graph: Option<SignInResult>,
    /// Host names that do not resolve: saving them would only fail later.
    pub unresolved: Vec<UnresolvedHost>,
    /// A side not tested and why (delegated sign-in, a secret not typed…).
    pub skipped: Vec<String>,
}

/// What to test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestDepth {
    /// Before saving: every problem a save would report, and whether the
    /// host names resolve; nothing is sent to the endpoints.
    BeforeSave,
    /// Resolve, then run Test Connection and the sign-in.
    Full,
}

/// How long a host name lookup may take.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// Test what the connection form holds, unsaved. `existing` is the
/// connection being edited: a secret left empty is then taken from the
/// secret store, but only while the endpoint it belongs to is unchanged.
pub async fn test_unsaved(
    store: &Store,
    secrets: &dyn SecretStore,
    existing: Option<&str>,
    input: &ConnectionInput,
    typed: &SecretsInput,
    depth: TestDepth,
    now: DateTime<Utc>,
) -> Result<TestResult, EngineError> {
    // The name is not needed to test; never refuse a test for it. Before a
    // save, everything a save checks is reported, all at once.
    let mut input = input.clone();
    if depth == TestDepth::Full && input.name.trim().is_empty() {
        input.name = "Test".into();
    }
    let row = match existing {
        Some(id) => Some(
            rows::get_by_uuid(store.pool(), id)
                .await?
                .ok_or_else(|| EngineError::NotFound(format!("no connection with id {id}")))?,
        ),
        None => None,
    };
    let flags = row
        .as_ref()
        .map_or(SecretFlags::default(), |r| SecretFlags {
            scim_token_set: r.scim_token_set,
            client_secret_set: r.client_secret_set
                && r.auth_mode.as_deref().and_then(AuthMode::parse) == Some(input.auth_mode),
        });
    let mut p = prepare(&input, typed, flags)?;
    let mut out = TestResult {
        scim: None,
        graph: None,
        unresolved: Vec::new(),
        skipped: Vec::new(),
    };

    if let Some(scim) = &p.valid.scim {
        if let Some(u) = unresolved("scim_url", &scim.url).await {
            out.unresolved.push(u);
        }
    }
    if let Some(e) = &p.valid.entra {
        for (field, url) in [("login_url", &e.login_url), ("graph_url", &e.graph_url)] {
            if let Some(u) = unresolved(field, url).await {
                out.unresolved.push(u);
            }
        }
    }
    if depth == TestDepth::BeforeSave {
        return Ok(out);
    }

    // Secrets left empty while editing: the stored ones, unless the
    // endpoint they were entered for moved.
    let moved: Vec<&'static str> = row
        .as_ref()
        .map(|r| moved_secrets(r, &p).into_iter().map(|m| m.field).collect())
        .unwrap_or_default();
    if let Some(r) = &row {
        fill_stored(secrets, &r.uuid, &moved, &mut p)?;
    }
    let mut typed_secrets: Vec<String> = Vec::new();
    for s in [&p.scim_token, &p.client_secret, &p.client_certificate]
        .into_iter()
        .flatten()
    {
        typed_secrets.push(s.expose().to_string());
    }

    if let Some(scim) = p.valid.scim.clone() {
        let dns = out.unresolved.iter().find(|u| u.field == "scim_url");
        match (&p.scim_token, dns) {
            (_, Some(u)) => out.scim = Some(unresolved_check(&scim.url, u, now)),
            (Some(token), None) => out.scim = Some(scim_check(&scim.url, token, now).await),
            (None, None) => out.skipped.push(if moved.contains(&"scim_token") {
                "Test Connection was not run: the stored Secret Token was entered for the old \
                 Tenant URL; paste the token for this one to test it"
                    .into()
            } else {
                "Test Connection was not run: paste the Secret Token to test it".into()
            }),
        }
    }

    if let Some(entra) = p.valid.entra.clone() {
        let target = GraphTarget {
            connection: "unsaved-test".into(),
            login_url: entra.login_url.trim_end_matches('/').to_string(),
            graph_url: entra.graph_url.trim_end_matches('/').to_string(),
            tenant_id: entra.tenant_id.clone(),
            client_id: entra.client_id.clone(),
            auth_mode: entra.auth_mode,
        };
        let login_dns = out.unresolved.iter().find(|u| u.field == "login_url");
        let credential = match entra.auth_mode {
            AuthMode::ClientSecret => p
                .client_secret
                .as_ref()
                .map(|s| (SecretKind::ClientSecret, s)),
            AuthMode::Certificate => p
                .client_certificate
                .as_ref()
                .map(|s| (SecretKind::ClientCertificate, s)),
            AuthMode::Delegated => None,
        };
        match (entra.auth_mode, credential, login_dns) {
            (AuthMode::Delegated, _, _) => out.skipped.push(
                "The Graph sign-in was not tested: a delegated sign-in needs an admin in the \
                 browser; sign in after saving"
                    .into(),
            ),
            (_, Some(_), Some(u)) => {
                out.graph = Some(SignInResult {
                    ok: false,
                    verdict: Verdict::Unreachable,
                    message: u.message.clone(),
                    aadsts: None,
                    latency_ms: None,
                    url: target.token_url(),
                    checked_at: now,
                })
            }
            (_, Some((kind, secret)), None) => {
                out.graph = Some(sign_in_check(&target, kind, secret, now).await)
            }
            (mode, None, _) => {
                let what = if mode == AuthMode::Certificate {
                    "certificate"
                } else {
                    "client secret"
                };
                out.skipped.push(format!(
                    "The Graph sign-in was not tested: {}",
                    if moved.contains(&"client_secret") || moved.contains(&"client_certificate") {
                        format!(
                            "the stored {what} was entered for the old login; paste the {what} \
                             for this one to test it"
                        )
                    } else {
                        format!("paste the {what} to test it")
                    }
                ))
            }
        }
    }

    // Belt and braces: nothing that goes back may hold a typed secret.
    if let Ok(text) = serde_json::to_string(&out) {
        if typed_secrets
            .iter()
            .filter(|s| s.len() >= 4)
            .any(|s| text.contains(s.as_str()))
        {
            return Err(EngineError::Io(
                "the test's answer would have shown a secret; it was withheld".into(),
            ));
        }
    }
    Ok(out)
}

/// Take the stored secrets for the fields left empty whose endpoint is unchanged.
fn fill_stored(
    secrets: &dyn SecretStore,
    uuid: &str,
    moved: &[&'static str],
    p: &mut Prepared,
) -> Result<(), EngineError> {
    let get = |kind: SecretKind| -> Result<Option<Sensitive<String>>, EngineError> {
        Ok(secrets.get(&SecretKey::new(uuid, kind))?)
    };
    if p.scim_token.is_none() && p.flags.scim_token_set && !moved.contains(&"scim_token") {
        p.scim_token = get(SecretKind::ScimToken)?;
    }
    let credential_kept = p.flags.client_secret_set;
    match p.auth_mode {
        AuthMode::ClientSecret
            if p.client_secret.is_none()
                && credential_kept
                && !moved.contains(&"client_secret") =>
        {
            p.client_secret = get(SecretKind::ClientSecret)?;
        }
        AuthMode::Certificate
            if p.client_certificate.is_none()
                && credential_kept
                && !moved.contains(&"client_certificate") =>
        {
            p.client_certificate = get(SecretKind::ClientCertificate)?;
        }
        _ => {}
    }
    Ok(())
}

/// Whether `url`'s host name resolves; an IP address or loopback name always
/// does, and a host reached through a proxy is the proxy's to resolve.
async fn unresolved(field: &str, url: &str) -> Option<UnresolvedHost> {
    let u = Url::parse(url).ok()?;
    let Some(Host::Domain(host)) = u.host() else {
        return None;
    };
    if host.eq_ignore_ascii_case("localhost")
        || crate::http::ProxyEnv::from_env().proxy_for(&u).is_some()
    {
        return None;
    }
    let port = u.port_or_known_default().unwrap_or(443);
    let lookup = tokio::net::lookup_host((host, port));
    let failure = match tokio::time::timeout(RESOLVE_TIMEOUT, lookup).await {
        Ok(Ok(mut addrs)) => match addrs.next() {
            Some(_) => return None,
            None => "it has no address".to_string(),
        },
        Ok(Err(e)) => dns_reason(&e),
        Err(_) => format!(
            "no answer from the name server within {} s",
            RESOLVE_TIMEOUT.as_secs()
        ),
    };
    let what = match field {
        "scim_url" => "Tenant URL",
        "login_url" => "login URL",
        _ => "Graph URL",
    };
    Some(UnresolvedHost {
        field: field.into(),
        host: host.to_string(),
        message: format!(
            "the host name {host} cannot be resolved ({failure}): check the {what} for a typo, \
             or the network (VPN, DNS)"
        ),
    })
}

/// The resolver's answer without its noise.
fn dns_reason(e: &std::io::Error) -> String {
    let t = e.to_string();
    let t = t
        .strip_prefix("failed to lookup address information: ")
        .unwrap_or(&t);
    if t.is_empty() {
        "no such host".into()
    } else {
        t.chars().take(120).collect()
    }
}

fn unresolved_check(url: &str, u: &UnresolvedHost, now: DateTime<Utc>) -> CheckResult {
    let mut m = u.message.clone();
    if let Some(first) = m.get(..1) {
        m = format!("{}{}", first.to_uppercase(), &m[1..]);
    }
    not_checked(url, Verdict::Unreachable, format!("{m}."), now)
}

/// A check that failed before any request was made.
fn not_checked(url: &str, verdict: Verdict, message: String, now: DateTime<Utc>) -> CheckResult {
    CheckResult {
        ok: false,
        verdict,
        message,
        http_status: None,
        latency_ms: None,
        checked_at: now,
        url: url.to_string(),
        notes: Vec::new(),
        suggested_url: None,
        exchanges: Vec::new(),
    }
}

async fn scim_check(url: &str, token: &Sensitive<String>, now: DateTime<Utc>) -> CheckResult {
    match ScimClient::new(url, token, check_client_config()) {
        Ok(client) => run_check(&client, now).await,
        Err(e) => not_checked(url, Verdict::OtherStatus, e.to_string(), now),
    }
}

/// Sign in with client credentials, the secret or certificate held only in
/// a throw-away in-memory store.
async fn sign_in_check(
    target: &GraphTarget,
    kind: SecretKind,
    secret: &Sensitive<String>,
    now: DateTime<Utc>,
) -> SignInResult {
    let cfg = HttpConfig {
        timeout: Duration::from_secs(20),
        connect_timeout: Duration::from_secs(10),
        max_retries: 0,
        max_retry_wait: Duration::from_secs(5),
        ..HttpConfig::default()
    };
    let url = target.token_url();
    let started = Instant::now();
    let memory = MemoryStore::new();
    let outcome = match memory.set(&SecretKey::new(&target.connection, kind), secret) {
        Err(e) => Err(GraphError::Secret(e)),
        Ok(()) => match crate::graph::http::build_client(&cfg) {
            Err(e) => Err(e),
            Ok(client) => crate::graph::auth::acquire_token(&client, &cfg, target, &memory)
                .await
                .map(|_| ()),
        },
    };
    let latency_ms = Some(u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX));
    let (verdict, message, aadsts) = match outcome {
        Ok(()) => (
            Verdict::Ok,
            "Signed in to Microsoft Graph with the app registration's credential.".to_string(),
            None,
        ),
        Err(e) => sign_in_failure(e),
    };
    SignInResult {
        ok: verdict == Verdict::Ok,
        verdict,
        message,
        aadsts,
        latency_ms,
        url,
        checked_at: now,
    }
}

fn sign_in_failure(e: GraphError) -> (Verdict, String, Option<u32>) {
    let aadsts = match &e {
        GraphError::SignIn { aadsts, .. } => *aadsts,
        _ => None,
    };
    let verdict = match &e {
        GraphError::SignIn { .. }
        | GraphError::Unauthorized { .. }
        | GraphError::ConsentRequired { .. }
        | GraphError::NotSignedIn(_) => Verdict::Unauthorized,
        GraphError::Timeout { .. } => Verdict::Timeout,
        GraphError::Unreachable { .. } => Verdict::Unreachable,
        GraphError::Html { .. } => Verdict::Html,
        GraphError::ServerError { .. } | GraphError::Throttled { .. } => Verdict::ServerError,
        GraphError::NotFound(_) => Verdict::NotFound,
        _ => Verdict::NotScim,
    };
    let message = match &e {
        GraphError::SignIn { .. } => format!("The sign-in was refused: {e}"),
        _ => e.to_string(),
    };
    (verdict, message, aadsts)
}
