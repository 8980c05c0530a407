//! A SCIM 2.0 HTTP client that diagnoses instead of crashing.
//!
//! - The Tenant URL goes through core's `normalize_endpoint_url` (https
//!   required except on loopback) and the token through `clean_token`.
//! - Every request sends `Accept: application/scim+json, application/json`
//!   and `Content-Type: application/scim+json`, as Entra does.
//! - The shared transport of `crate::http`: TLS verification always on (OS
//!   and bundled roots), proxies from the environment, redirects never
//!   followed (a 3xx is the answer; the check reports where it points).
//! - Bodies are capped ([`ClientConfig::max_body_bytes`], 20 MB by default);
//!   requests time out; a 429 is retried after its `Retry-After`.
//! - [`Exchange`] records a request and its response for the admin with the
//!   token shown as `Bearer <redacted>` (and scrubbed from bodies).

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use scimwatch_core::validate::{clean_token, normalize_endpoint_url};
use scimwatch_core::Sensitive;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use url::Url;

use super::error::ScimError;
use crate::http::USER_AGENT;

/// The media types Entra accepts, in its order of preference.
pub const ACCEPT_VALUE: &str = "application/scim+json, application/json";
/// What Entra sends as the request content type.
pub const CONTENT_TYPE_VALUE: &str = "application/scim+json";
/// Default response size cap.
pub const MAX_BODY_BYTES: usize = 20 * 1024 * 1024;
/// Longest body excerpt kept in an [`Exchange`].
pub const EXCERPT_BYTES: usize = 4096;

/// Client settings.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Whole-request timeout (headers and body).
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub max_body_bytes: usize,
    /// How many times a 429 is retried before it is returned.
    pub max_429_retries: u32,
    /// Longest `Retry-After` honoured; longer ones are returned as the 429.
    pub max_retry_after: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_body_bytes: MAX_BODY_BYTES,
            max_429_retries: 3,
            max_retry_after: Duration::from_secs(60),
        }
    }
}

/// One HTTP header as shown to the admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Header {
    pub name: String,
    pub value: String,
}

/// A request and what came back, for the admin to read or forward to the
/// SaaS vendor. Never holds the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Exchange {
    pub method: String,
    pub url: String,
    /// Sent headers; `Authorization` is `Bearer <redacted>`.
    pub request_headers: Vec<Header>,
    /// `None` when no response came (timeout, connection refused…).
    pub status: Option<u16>,
    pub response_headers: Vec<Header>,
    /// The first 4 KB of the body (UTF-8, lossy), token scrubbed.
    pub body_excerpt: String,
    /// Size of the whole body in bytes.
    pub body_bytes: u32,
    /// Whether `body_excerpt` is shorter than the body.
    pub truncated: bool,
    pub latency_ms: u32,
    /// What went wrong at the transport level, if anything.
    pub error: Option<String>,
}

/// A response with its body read (up to the cap).
#[derive(Debug, Clone)]
pub struct ScimResponse {
    pub url: String,
    pub status: u16,
    pub headers: Vec<Header>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    pub latency: Duration,
    /// How many 429 answers were waited out before this one.
    pub throttled: u32,
}

/// Why no response came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    Timeout(String),
    Unreachable(String),
    TooLarge(String),
}

impl TransportError {
    pub fn message(&self) -> &str {
        match self {
            TransportError::Timeout(m)
            | TransportError::Unreachable(m)
            | TransportError::TooLarge(m) => m,
        }
    }
}

impl From<TransportError> for ScimError {
    fn from(e: TransportError) -> Self {
        ScimError::Network(e.message().to_string())
    }
}

/// A SCIM endpoint with its token. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ScimClient {
    http: reqwest::Client,
    base: Url,
    token: Arc<Sensitive<String>>,
    config: ClientConfig,
    /// Harmless fixes made to the URL and the token, for the admin.
    pub notes: Vec<String>,
}

fn build_http(config: &ClientConfig) -> Result<reqwest::Client, ScimError> {
    // Redirects are never followed: a 3xx comes back as the answer and the
    // check reports where it points (the token stays with the Tenant URL).
    crate::http::build_client(&crate::http::TransportConfig {
        timeout: config.timeout,
        connect_timeout: config.connect_timeout,
        pool_max_idle_per_host: Some(32),
    })
    .map_err(ScimError::Network)
}

impl ScimClient {
    /// Normalise the Tenant URL, clean the token, build the client.
    pub fn new(
        tenant_url: &str,
        token: &Sensitive<String>,
        config: ClientConfig,
    ) -> Result<Self, ScimError> {
        let n = normalize_endpoint_url(tenant_url).map_err(ScimError::InvalidUrl)?;
        let t = clean_token(token.expose()).map_err(ScimError::InvalidToken)?;
        let base = Url::parse(&n.url).map_err(|e| ScimError::InvalidUrl(e.to_string()))?;
        let mut notes = n.notes;
        notes.extend(t.notes.into_iter().map(|m| format!("Secret Token: {m}")));
        Ok(Self {
            http: build_http(&config)?,
            base,
            token: Arc::new(Sensitive::new(t.token)),
            config,
            notes,
        })
    }

    /// The same token and settings against another base URL (prefix probing).
    pub fn with_base(&self, base: &str) -> Result<Self, ScimError> {
        let n = normalize_endpoint_url(base).map_err(ScimError::InvalidUrl)?;
        let base = Url::parse(&n.url).map_err(|e| ScimError::InvalidUrl(e.to_string()))?;
        Ok(Self {
            http: self.http.clone(),
            base,
            token: self.token.clone(),
            config: self.config.clone(),
            notes: Vec::new(),
        })
    }

    /// The normalised Tenant URL.
    pub fn base_url(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// `{base}/{path}?{base query}&{query}`, spaces as `%20`.
    pub fn url_for(&self, path: &str, query: &[(&str, &str)]) -> String {
        let mut url = self.base.clone();
        {
            let base_path = url.path().trim_end_matches('/').to_string();
            url.set_path(&format!("{base_path}/{}", path.trim_start_matches('/')));
        }
        let mut q = url.query().unwrap_or_default().to_string();
        for (k, v) in query {
            if !q.is_empty() {
                q.push('&');
            }
            q.push_str(&encode(k));
            q.push('=');
            q.push_str(&encode(v));
        }
        url.set_query(if q.is_empty() { None } else { Some(&q) });
        url.to_string()
    }

    fn headers(&self) -> Result<HeaderMap, TransportError> {
        let mut h = HeaderMap::new();
        h.insert(ACCEPT, HeaderValue::from_static(ACCEPT_VALUE));
        h.insert(CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE_VALUE));
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {}", self.token.expose())).map_err(|_| {
                TransportError::Unreachable(
                    "the token cannot be sent in an HTTP header".to_string(),
                )
            })?;
        auth.set_sensitive(true);
        h.insert(AUTHORIZATION, auth);
        Ok(h)
    }

    /// The request headers as recorded in an [`Exchange`].
    pub fn shown_request_headers(&self) -> Vec<Header> {
        vec![
            Header {
                name: "Accept".into(),
                value: ACCEPT_VALUE.into(),
            },
            Header {
                name: "Content-Type".into(),
                value: CONTENT_TYPE_VALUE.into(),
            },
            Header {
                name: "Authorization".into(),
                value: "Bearer <redacted>".into(),
            },
            Header {
                name: "User-Agent".into(),
                value: USER_AGENT.into(),
            },
        ]
    }

    /// GET a path below the Tenant URL. Any HTTP status is a response; only a
    /// missing response is an error. 429s are waited out (bounded).
    pub async fn get(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<ScimResponse, TransportError> {
        let url = self.url_for(path, query);
        self.get_url(&url).await
    }

    /// GET an absolute URL with the token.
    pub async fn get_url(&self, url: &str) -> Result<ScimResponse, TransportError> {
        self.send(reqwest::Method::GET, url, None).await
    }

    /// Any method to an absolute URL with the token and an optional JSON
    /// body (the write probe's POST, PATCH and DELETE). As [`Self::get`]: any
    /// HTTP status is a response, 429s are waited out (a 429 was not
    /// processed, so resending a write is safe).
    pub async fn send(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&[u8]>,
    ) -> Result<ScimResponse, TransportError> {
        let mut throttled = 0;
        loop {
            let resp = self.send_once(method.clone(), url, body).await?;
            if resp.status == 429 && throttled < self.config.max_429_retries {
                let wait = retry_after(&resp.headers, chrono::Utc::now())
                    .unwrap_or(Duration::from_secs(1));
                if wait <= self.config.max_retry_after {
                    throttled += 1;
                    tokio::time::sleep(wait).await;
                    continue;
                }
            }
            return Ok(ScimResponse { throttled, ..resp });
        }
    }

    async fn send_once(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&[u8]>,
    ) -> Result<ScimResponse, TransportError> {
        let started = Instant::now();
        let headers = self.headers()?;
        let mut req = self.http.request(method, url).headers(headers);
        if let Some(b) = body {
            req = req.body(b.to_vec());
        }
        let sent = req.send().await;
        let mut resp = sent.map_err(|e| transport_error(&e, url, self.config.timeout))?;
        let status = resp.status().as_u16();
        let final_url = resp.url().to_string();
        let shown_headers: Vec<Header> = resp
            .headers()
            .iter()
            .map(|(k, v)| Header {
                name: k.as_str().to_string(),
                value: shown_header_value(
                    k.as_str(),
                    &String::from_utf8_lossy(v.as_bytes()),
                    self.token.expose(),
                ),
            })
            .collect();
        let content_type = resp
            .headers()
            .get(CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let cap = self.config.max_body_bytes;
        let too_large = || {
            TransportError::TooLarge(format!(
                "the response from {final_url} is larger than {} MB; scimwatch stops reading there",
                cap / (1024 * 1024)
            ))
        };
        if resp
            .content_length()
            .is_some_and(|n| n > u64::try_from(cap).unwrap_or(u64::MAX))
        {
            return Err(too_large());
        }
        let mut body = Vec::with_capacity(
            resp.content_length()
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(16 * 1024)
                .min(cap),
        );
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > cap {
                        return Err(too_large());
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err(transport_error(&e, url, self.config.timeout)),
            }
        }
        Ok(ScimResponse {
            url: final_url,
            status,
            headers: shown_headers,
            content_type,
            body,
            latency: started.elapsed(),
            throttled: 0,
        })
    }

    /// Record a response for the admin.
    pub fn exchange(&self, url: &str, resp: &ScimResponse) -> Exchange {
        self.exchange_for("GET", url, resp)
    }

    /// Record a response to a `method` request for the admin.
    pub fn exchange_for(&self, method: &str, url: &str, resp: &ScimResponse) -> Exchange {
        let (excerpt, truncated) = self.excerpt(&resp.body);
        Exchange {
            method: method.into(),
            url: url.to_string(),
            request_headers: self.shown_request_headers(),
            status: Some(resp.status),
            response_headers: resp.headers.clone(),
            body_excerpt: excerpt,
            body_bytes: u32::try_from(resp.body.len()).unwrap_or(u32::MAX),
            truncated,
            latency_ms: millis(resp.latency),
            error: None,
        }
    }

    /// Record a request that got no response.
    pub fn failed_exchange(&self, url: &str, err: &TransportError, latency: Duration) -> Exchange {
        self.failed_exchange_for("GET", url, err, latency)
    }

    /// Record a `method` request that got no response.
    pub fn failed_exchange_for(
        &self,
        method: &str,
        url: &str,
        err: &TransportError,
        latency: Duration,
    ) -> Exchange {
        Exchange {
            method: method.into(),
            url: url.to_string(),
            request_headers: self.shown_request_headers(),
            status: None,
            response_headers: Vec::new(),
            body_excerpt: String::new(),
            body_bytes: 0,
            truncated: false,
            latency_ms: millis(latency),
            error: Some(self.scrub(err.message())),
        }
    }

    /// At most [`EXCERPT_BYTES`] of a body as text, token scrubbed.
    pub fn excerpt(&self, body: &[u8]) -> (String, bool) {
        let cut = body.len().min(EXCERPT_BYTES);
        let mut text = String::from_utf8_lossy(&body[..cut]).into_owned();
        if cut < body.len() {
            // A cut inside a multi-byte character shows as U+FFFD: drop it.
            while text.ends_with('\u{fffd}') {
                text.pop();
            }
        }
        (self.scrub(&text), cut < body.len())
    }

    /// Replace the token wherever it appears in `text`.
    pub fn scrub(&self, text: &str) -> String {
        let t = self.token.expose();
        if t.len() >= 4 && text.contains(t.as_str()) {
            text.replace(t.as_str(), "<redacted>")
        } else {
            text.to_string()
        }
    }
}

/// Headers whose values are credentials: never kept.
const SECRET_HEADERS: [&str; 4] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];
/// Challenges: only the scheme and an RFC 6750 `error` code are kept.
const CHALLENGE_HEADERS: [&str; 2] = ["www-authenticate", "proxy-authenticate"];
/// Shortest run of base64-ish characters treated as a credential.
const LONG_CREDENTIAL: usize = 40;

/// A response header's value as stored and shown: credentials never
/// verbatim, the token and anything that looks like a credential redacted.
pub fn shown_header_value(name: &str, value: &str, token: &str) -> String {
    let lname = name.to_ascii_lowercase();
    if SECRET_HEADERS.contains(&lname.as_str()) {
        return "<redacted>".to_string();
    }
    if CHALLENGE_HEADERS.contains(&lname.as_str()) {
        return shown_challenge(value);
    }
    redact_credentials(value, token)
}

/// `Bearer realm="x", error="invalid_token", error_description="…"` →
/// `Bearer error="invalid_token" <parameters redacted>`.
fn shown_challenge(value: &str) -> String {
    let v = value.trim();
    let scheme: String = v
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(32)
        .collect();
    if scheme.is_empty() {
        return "<redacted>".to_string();
    }
    let rest = v[scheme.len()..].trim();
    if rest.is_empty() {
        return scheme;
    }
    let mut out = scheme;
    let lower = rest.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("error=") {
        let at = from + i;
        let prev = lower[..at].chars().next_back();
        from = at + 6;
        if prev.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue; // error_description=, xerror=
        }
        let code: String = rest[from..]
            .trim_start_matches('"')
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
            .take(40)
            .collect();
        if !code.is_empty() {
            out.push_str(&format!(" error=\"{code}\""));
        }
        break;
    }
    out.push_str(" <parameters redacted>");
    out
}

/// The token, and credential-looking runs (after `Bearer`/`Basic`, JWTs,
/// long mixed-case base64), replaced by `<redacted>`.
pub fn redact_credentials(value: &str, token: &str) -> String {
    // The token first, as a mark that is no credential character, so the
    // scan below cannot cut it in two.
    const MARK: char = '\u{e000}';
    let v = if token.len() >= 4 && value.contains(token) {
        value.replace(token, &MARK.to_string())
    } else {
        value.to_string()
    };
    // `=` only as base64 padding at the end of a run (`key=value` splits).
    let is_cred = |c: char| c.is_ascii_alphanumeric() || "+/_-.~".contains(c);
    let mut out = String::with_capacity(v.len());
    let mut rest = v.as_str();
    let mut after_scheme = false;
    while !rest.is_empty() {
        let start = rest.find(is_cred).unwrap_or(rest.len());
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let mut end = rest.find(|c: char| !is_cred(c)).unwrap_or(rest.len());
        end += rest[end..].len() - rest[end..].trim_start_matches('=').len();
        let run = &rest[..end];
        if run.is_empty() {
            break;
        }
        let jwt = run.starts_with("eyJ") && run.matches('.').count() >= 2;
        let mixed = run.len() >= LONG_CREDENTIAL
            && run.chars().any(|c| c.is_ascii_uppercase())
            && run.chars().any(|c| c.is_ascii_lowercase())
            && run.chars().any(|c| c.is_ascii_digit());
        if (after_scheme && run.len() >= 8) || jwt || mixed {
            out.push(MARK);
        } else {
            out.push_str(run);
        }
        after_scheme = run.eq_ignore_ascii_case("bearer") || run.eq_ignore_ascii_case("basic");
        rest = &rest[end..];
    }
    out.replace(MARK, "<redacted>")
}

pub(crate) fn millis(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// The response's `Retry-After`, read by core's one parser
/// ([`scimwatch_core::transport::retry_after`]: seconds or an HTTP date;
/// negative or past is now).
pub fn retry_after(headers: &[Header], now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let h = headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(RETRY_AFTER.as_str()))?;
    scimwatch_core::transport::retry_after(&h.value, now)
}

/// A send error as the check shows it (`crate::http::describe_send_error`,
/// shared with Graph: a certificate failure names the problem and the host).
fn transport_error(e: &reqwest::Error, url: &str, timeout: Duration) -> TransportError {
    let d = crate::http::describe_send_error(e, url);
    match d.kind {
        crate::http::SendErrorKind::Timeout => TransportError::Timeout(format!(
            "no answer within {} s from {}",
            timeout.as_secs_f32(),
            d.host
        )),
        _ => TransportError::Unreachable(d.detail),
    }
}

#[cfg(test)]
mod tests;
