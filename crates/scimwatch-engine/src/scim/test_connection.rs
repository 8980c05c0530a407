//! Entra's Test Connection, replayed exactly, and the token's status.
//!
//! Entra sends `GET {TenantURL}/Users?filter=userName eq "<random guid>"` and
//! wants HTTP 200 with an empty ListResponse. scimwatch does the same, plus
//! the Groups query Entra uses (`excludedAttributes=members`), and explains
//! what a failure means: a refused token, a wrong Tenant URL, a login page…

use std::time::Instant;

use chrono::{DateTime, Utc};
pub use scimwatch_core::scim::Verdict;
use scimwatch_core::scim::{
    classify_body, jwt_expiry, parse_list_response_for, parse_scim_error, BodyKind, ListRequest,
};
use scimwatch_core::validate::looks_like_scim_root;
use scimwatch_core::Sensitive;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use super::check_result::CheckResult;
use super::client::{millis, ClientConfig, Exchange, ScimClient, ScimResponse, TransportError};
use super::error::ScimError;
use crate::engine::Engine;
use crate::secrets::{SecretKey, SecretKind};
use crate::store::connections::{self as rows, ms_to_time, ConnectionRow};
use crate::store::scim_checks;

/// The outcome of one query.
#[derive(Debug, Clone)]
pub(crate) struct Judged {
    pub verdict: Verdict,
    pub message: String,
    pub status: Option<u16>,
    pub latency_ms: u32,
    pub exchange: Exchange,
}

pub(crate) fn random_guid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Run one GET and judge it as Entra's Test Connection would.
pub(crate) async fn judged_get(
    client: &ScimClient,
    path: &str,
    query: &[(&str, &str)],
    expect_empty: bool,
) -> Judged {
    let url = client.url_for(path, query);
    let started = Instant::now();
    match client.get_url(&url).await {
        Err(e) => {
            let exchange = client.failed_exchange(&url, &e, started.elapsed());
            let (verdict, message) = match &e {
                TransportError::Timeout(m) => (
                    Verdict::Timeout,
                    format!("The SCIM endpoint did not answer in time: {m}"),
                ),
                TransportError::Unreachable(m) => (
                    Verdict::Unreachable,
                    format!("The SCIM endpoint cannot be reached: {m}"),
                ),
                TransportError::TooLarge(m) => (Verdict::NotScim, m.clone()),
            };
            Judged {
                verdict,
                message: client.scrub(&message),
                status: None,
                latency_ms: millis(started.elapsed()),
                exchange,
            }
        }
        Ok(resp) => {
            let exchange = client.exchange(&url, &resp);
            let (verdict, message) = judge(&resp, expect_empty);
            Judged {
                verdict,
                message: client.scrub(&message),
                status: Some(resp.status),
                latency_ms: millis(resp.latency),
                exchange,
            }
        }
    }
}

fn with_detail(base: &str, resp: &ScimResponse) -> String {
    match parse_scim_error(&resp.body).and_then(|e| e.detail) {
        Some(d) if !d.trim().is_empty() => {
            let d: String = d.chars().take(300).collect();
            format!("{base} The server said: \u{201c}{d}\u{201d}")
        }
        _ => base.to_string(),
    }
}

/// A 3xx, reported with where it points. scimwatch never follows it (the
/// token stays with the Tenant URL) and never calls it a pass: Entra's Test
/// Connection wants its 200 from the Tenant URL itself.
fn redirect_message(resp: &ScimResponse) -> String {
    let status = resp.status;
    let location = resp
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("location"))
        .map(|h| h.value.trim().to_string())
        .filter(|v| !v.is_empty());
    let Some(location) = location else {
        return format!(
            "HTTP {status}: the SCIM endpoint answers with a redirect but says nowhere to \
             (no Location header); Entra expects HTTP 200 from the Tenant URL itself."
        );
    };
    let base = url::Url::parse(&resp.url).ok();
    let target = base
        .as_ref()
        .and_then(|b| b.join(&location).ok())
        .or_else(|| url::Url::parse(&location).ok());
    let shown: String = match &target {
        Some(t) => t.as_str().to_string(),
        None => location.clone(),
    }
    .chars()
    .filter(|c| !c.is_control())
    .take(300)
    .collect();
    let downgrade = matches!((&base, &target), (Some(b), Some(t))
        if b.scheme() == "https" && t.scheme() == "http");
    let mut m = format!(
        "HTTP {status}: the SCIM endpoint redirects to {shown}. scimwatch does not follow \
         redirects (the token is only sent to the Tenant URL) and Entra expects HTTP 200 \
         from the Tenant URL itself: if that address belongs to the SaaS, use it as the \
         Tenant URL."
    );
    if downgrade {
        m.push_str(" It points to plain http: the token would travel unencrypted; never use it.");
    }
    m
}

/// Classify a response to a filtered list query.
pub(crate) fn judge(resp: &ScimResponse, expect_empty: bool) -> (Verdict, String) {
    let kind = classify_body(resp.content_type.as_deref(), &resp.body);
    let status = resp.status;
    if let BodyKind::Html { title } = &kind {
        let t = title
            .as_deref()
            .map(|t| format!(" (\u{201c}{t}\u{201d})"))
            .unwrap_or_default();
        if status == 404 {
            // A web framework's own "not found" page: nothing here.
            return (
                Verdict::NotFound,
                format!(
                    "HTTP 404 with a web page{t}: nothing at this address answers SCIM; the Tenant \
                     URL is wrong (check the exact path, often ending in /scim or /scim/v2)."
                ),
            );
        }
        if (200..300).contains(&status) || status == 403 {
            let what = if looks_like_login(title.as_deref(), &resp.body) {
                "A login page came back"
            } else {
                "A web page came back"
            };
            return (
                Verdict::Html,
                format!(
                    "{what}{t} instead of SCIM JSON (HTTP {status}): the Tenant URL points at a \
                     web site rather than the SCIM API, or a proxy sits in front of the SaaS."
                ),
            );
        }
    }
    if (300..400).contains(&status) {
        return (Verdict::OtherStatus, redirect_message(resp));
    }
    match status {
        401 => (
            Verdict::Unauthorized,
            with_detail(
                "HTTP 401: the token was refused. It has expired or was revoked (or it is not \
                 the token of this SaaS tenant); create a new one in the SaaS.",
                resp,
            ),
        ),
        403 => (
            Verdict::Forbidden,
            with_detail(
                "HTTP 403: the token is accepted but lacks the rights to read users; ask the \
                 SaaS for a token with SCIM provisioning rights.",
                resp,
            ),
        ),
        404 => {
            let scim_error = parse_scim_error(&resp.body).is_some();
            let base = if scim_error {
                "HTTP 404 with a SCIM error: the Tenant URL is probably wrong, or the server \
                 answers 404 for a filter that matches nobody (SCIM wants 200 with an empty list)."
            } else {
                "HTTP 404: nothing at this address; the Tenant URL is wrong (check the exact path, \
                 often ending in /scim or /scim/v2)."
            };
            (Verdict::NotFound, with_detail(base, resp))
        }
        500..=599 => (
            Verdict::ServerError,
            with_detail(
                &format!("HTTP {status}: the SaaS's SCIM server failed."),
                resp,
            ),
        ),
        200 => match kind {
            BodyKind::Json => match parse_list_response_for(&resp.body, ListRequest::default()) {
                Ok(list) if expect_empty && !list.resources.is_empty() => (
                    Verdict::NonEmptyResult,
                    format!(
                        "HTTP 200, but {} resources came back for a filter that matches \
                             nobody: the server ignores `filter`. Entra would then match the \
                             wrong users.",
                        list.resources.len()
                    ),
                ),
                Ok(list)
                    if list.total_results.is_none()
                        && list.resources.is_empty()
                        && !resp
                            .body
                            .windows(9)
                            .any(|w| w.eq_ignore_ascii_case(b"resources")) =>
                {
                    (
                        Verdict::NotScim,
                        "HTTP 200 with JSON that is not a SCIM ListResponse: the Tenant URL \
                             probably points at another API."
                            .to_string(),
                    )
                }
                Ok(_) => (
                    Verdict::Ok,
                    "HTTP 200 with a SCIM ListResponse: Entra's Test Connection would pass."
                        .to_string(),
                ),
                Err(_) => (
                    Verdict::NotScim,
                    "HTTP 200 with JSON that is not a SCIM ListResponse.".to_string(),
                ),
            },
            BodyKind::Empty => (
                Verdict::NotScim,
                "HTTP 200 with an empty body instead of a SCIM ListResponse.".to_string(),
            ),
            _ => (
                Verdict::NotScim,
                "HTTP 200 with a body that is not JSON: this is not a SCIM endpoint.".to_string(),
            ),
        },
        429 => (
            Verdict::OtherStatus,
            "HTTP 429: the SaaS keeps throttling requests.".to_string(),
        ),
        400 if parse_scim_error(&resp.body)
            .and_then(|e| e.scim_type)
            .is_some_and(|t| t.eq_ignore_ascii_case("invalidFilter")) =>
        {
            (
                Verdict::FilterRefused,
                with_detail(
                    "HTTP 400 invalidFilter: the server refuses the `userName eq` / `displayName \
                     eq` filter that Entra sends to find a user or group before creating it, so \
                     Entra cannot match anyone; the SaaS must support these filters.",
                    resp,
                ),
            )
        }
        s => (
            Verdict::OtherStatus,
            with_detail(&format!("HTTP {s}: unexpected answer to the query."), resp),
        ),
    }
}

/// Whether an HTML page is a sign-in page: a password field, or a title
/// that says so.
fn looks_like_login(title: Option<&str>, body: &[u8]) -> bool {
    let words = [
        "sign in",
        "sign-in",
        "signin",
        "log in",
        "login",
        "logon",
        "authenticate",
    ];
    let t = title.unwrap_or_default().to_ascii_lowercase();
    if words.iter().any(|w| t.contains(w)) {
        return true;
    }
    let head = &body[..body.len().min(64 * 1024)];
    let lower = String::from_utf8_lossy(head).to_ascii_lowercase();
    lower.contains("type=\"password\"") || lower.contains("type='password'")
}

/// Prefixes tried when `/Users` is missing at the given base.
const PREFIXES: [&str; 3] = ["scim/v2", "scim", "v2"];

/// Run the Test Connection queries against a client.
pub async fn run_check(client: &ScimClient, now: DateTime<Utc>) -> CheckResult {
    let guid = random_guid();
    let user_filter = format!("userName eq \"{guid}\"");
    let users = judged_get(client, "Users", &[("filter", &user_filter)], true).await;
    let mut exchanges = vec![users.exchange.clone()];
    let mut verdict = users.verdict;
    let mut message = users.message.clone();
    let mut http_status = users.status;
    let mut suggested_url = None;

    if users.verdict == Verdict::Ok {
        let group_filter = format!("displayName eq \"{}\"", random_guid());
        let groups = judged_get(
            client,
            "Groups",
            &[("excludedAttributes", "members"), ("filter", &group_filter)],
            true,
        )
        .await;
        exchanges.push(groups.exchange.clone());
        match groups.verdict {
            Verdict::Ok => {
                message = "HTTP 200 with empty ListResponses for Users and Groups: Entra's Test \
                           Connection would pass."
                    .to_string();
            }
            Verdict::NotFound => {
                message = "Users answer as Entra expects, but there is no /Groups endpoint: turn \
                           off the Groups mapping (\u{201c}Provision Microsoft Entra ID Groups\
                           \u{201d}) in Entra, or ask the vendor."
                    .to_string();
            }
            other => {
                verdict = other;
                http_status = groups.status;
                message = format!(
                    "Users answer as Entra expects, but Groups do not: {}",
                    groups.message
                );
            }
        }
    } else if users.verdict == Verdict::NotFound && {
        // 404 for the filter: a wrong Tenant URL, or a server that answers
        // 404 for a filter matching nobody? The collection without a
        // filter tells.
        let plain = judged_get(client, "Users", &[("count", "1")], false).await;
        exchanges.push(plain.exchange.clone());
        plain.verdict == Verdict::Ok
    } {
        verdict = Verdict::FilterNotFound;
        message = "The Tenant URL is right (GET /Users without a filter answers with a SCIM \
                   list), but the filtered query Entra's Test Connection sends answered 404: the \
                   server answers 404 when a filter matches nobody, where SCIM wants 200 with an \
                   empty list. Entra's Test Connection fails on it; the vendor must fix it."
            .to_string();
    } else if matches!(
        users.verdict,
        Verdict::NotFound | Verdict::Html | Verdict::NotScim
    ) {
        // Probe for a missing `/scim/v2`-style prefix.
        let base = client.base_url().to_string();
        let path = client
            .base()
            .path()
            .trim_end_matches('/')
            .to_ascii_lowercase();
        for prefix in PREFIXES {
            if path.ends_with(&format!("/{prefix}")) {
                continue;
            }
            let mut u = client.base().clone();
            let p = format!("{}/{prefix}", u.path().trim_end_matches('/'));
            u.set_path(&p);
            let Ok(probe) = client.with_base(u.as_str()) else {
                continue;
            };
            let j = judged_get(&probe, "Users", &[("filter", &user_filter)], true).await;
            exchanges.push(j.exchange.clone());
            if matches!(
                j.verdict,
                Verdict::Ok | Verdict::Unauthorized | Verdict::Forbidden | Verdict::NonEmptyResult
            ) {
                let found = probe.base_url().to_string();
                message = format!(
                    "{} The Tenant URL probably needs /{prefix}: {found} answers as a SCIM \
                     endpoint{}.",
                    users.message,
                    if j.verdict == Verdict::Ok {
                        ""
                    } else {
                        " (but refuses the token)"
                    }
                );
                suggested_url = Some(found);
                break;
            }
        }
        if suggested_url.is_none() && !looks_like_scim_root(&base) {
            message.push_str(
                " The Tenant URL has no /scim or /v2 in its path; most SaaS Tenant URLs do.",
            );
        }
    }
    CheckResult {
        ok: verdict == Verdict::Ok,
        verdict,
        message,
        http_status,
        latency_ms: Some(users.latency_ms),
        checked_at: now,
        url: client.base_url().to_string(),
        notes: client.notes.clone(),
        suggested_url,
        exchanges,
    }
}

/// The check's client settings: shorter timeout than a crawl.
pub fn check_client_config() -> ClientConfig {
    ClientConfig {
        timeout: std::time::Duration::from_secs(20),
        max_429_retries: 2,
        max_retry_after: std::time::Duration::from_secs(10),
        ..ClientConfig::default()
    }
}

/// A connection's SCIM row, URL and token.
pub(crate) async fn connection_client(
    engine: &Engine,
    connection: &str,
    config: ClientConfig,
) -> Result<(ConnectionRow, ScimClient), ScimError> {
    let row = rows::find(engine.store.pool(), connection)
        .await?
        .ok_or_else(|| ScimError::ConnectionNotFound(connection.to_string()))?;
    let url = row
        .scim_url
        .clone()
        .ok_or_else(|| ScimError::NoScimSide(row.name.clone()))?;
    let token = engine
        .secrets
        .get(&SecretKey::new(&row.uuid, SecretKind::ScimToken))
        .map_err(|e| ScimError::Engine(e.into()))?
        .ok_or_else(|| ScimError::TokenMissing(row.name.clone()))?;
    let client = ScimClient::new(&url, &token, config)?;
    Ok((row, client))
}

/// Entra's Test Connection against a saved connection (by uuid or name); the
/// result is stored in `scim_checks`. The poller runs it every 5 minutes.
pub async fn check_connection(
    engine: &Engine,
    connection: &str,
    now: DateTime<Utc>,
) -> Result<CheckResult, ScimError> {
    let (row, client) = connection_client(engine, connection, check_client_config()).await?;
    let result = run_check(&client, now).await;
    scim_checks::insert(engine.store.pool(), row.id, &result).await?;
    Ok(result)
}

/// Check a NEW token (before the admin pastes it into Entra). Nothing is stored.
pub async fn test_token(url: &str, token: &Sensitive<String>) -> Result<CheckResult, ScimError> {
    let client = ScimClient::new(url, token, check_client_config())?;
    Ok(run_check(&client, Utc::now()).await)
}

/// Where a token's expiry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TokenSource {
    /// The token is a JWT: its `exp`.
    Jwt,
    /// The date the admin entered.
    Admin,
    Unknown,
}

/// The SCIM token's health, for the connection screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TokenStatus {
    pub expires_at: Option<DateTime<Utc>>,
    pub source: TokenSource,
    /// Whole days until expiry (negative once expired).
    pub days_left: Option<i32>,
    /// The latest check that passed.
    pub last_verified_at: Option<DateTime<Utc>>,
    pub last_check_verdict: Option<Verdict>,
    pub last_checked_at: Option<DateTime<Utc>>,
    /// Whether the keychain holds a token.
    pub token_set: bool,
    /// Plain-language summary ("token expired or revoked", "wrong Tenant URL"…).
    pub summary: String,
}

/// Expiry (JWT `exp`, else the admin's date), last verified time, last verdict.
pub async fn token_status(
    engine: &Engine,
    connection: &str,
    now: DateTime<Utc>,
) -> Result<TokenStatus, ScimError> {
    let row = rows::find(engine.store.pool(), connection)
        .await?
        .ok_or_else(|| ScimError::ConnectionNotFound(connection.to_string()))?;
    let token = engine
        .secrets
        .get(&SecretKey::new(&row.uuid, SecretKind::ScimToken))
        .map_err(|e| ScimError::Engine(e.into()))?;
    let jwt = token.as_ref().and_then(|t| jwt_expiry(t.expose()));
    let (expires_at, source) = match (jwt, row.scim_token_expires_ms) {
        (Some(e), _) => (Some(e), TokenSource::Jwt),
        (None, Some(ms)) => (Some(ms_to_time(ms)), TokenSource::Admin),
        (None, None) => (None, TokenSource::Unknown),
    };
    let days_left = expires_at.map(|e| {
        let secs = (e - now).num_seconds();
        i32::try_from(secs.div_euclid(86_400)).unwrap_or(if secs < 0 { i32::MIN } else { i32::MAX })
    });
    let last_ok = scim_checks::latest_ok_ms(engine.store.pool(), row.id).await?;
    let latest = scim_checks::latest(engine.store.pool(), row.id).await?;
    let last_check_verdict = latest.as_ref().map(|c| c.verdict);
    let summary = match (&latest, days_left) {
        (_, Some(d)) if d < 0 => "the token has expired".to_string(),
        (Some(c), _) if c.verdict.blames_token() => {
            "the last check was refused: token expired or revoked".to_string()
        }
        (Some(c), _) if c.verdict.blames_url() => {
            "the last check failed: wrong Tenant URL (the token was not the problem)".to_string()
        }
        (Some(c), _) if !c.ok => format!("the last check failed ({})", c.verdict.as_str()),
        (_, Some(d)) => format!("expires in {d} days"),
        (Some(_), None) => "working; expiry unknown (enter it if the SaaS told you)".to_string(),
        (None, None) => "not checked yet".to_string(),
    };
    Ok(TokenStatus {
        expires_at,
        source,
        days_left,
        last_verified_at: last_ok.map(ms_to_time),
        last_check_verdict,
        last_checked_at: latest.map(|c| c.checked_at),
        token_set: token.is_some(),
        summary,
    })
}

#[cfg(test)]
mod tests;
