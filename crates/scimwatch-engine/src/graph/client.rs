//! [`GraphClient`]: authenticated GETs against one connection's Graph, with
//! the token cached and refreshed, `401 → refresh once → retry`, `Retry-After`
//! honoured on 429/5xx, a rate gate for the provisioning logs, paging with
//! loop detection, and specific errors for 403s.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use scimwatch_core::graph::{parse_document, parse_graph_error, GraphList};
use scimwatch_core::Sensitive;
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use super::auth::{self, AccessToken, GraphTarget};
use super::error::GraphError;
use super::http::{self, HttpConfig};
use crate::secrets::Secrets;

pub use super::family::Family;

/// One request as seen by an observer (tests, diagnostics, `serve`'s
/// metrics), told once its answer's status is known. No tokens, no query.
#[derive(Debug, Clone)]
pub struct RequestRecord {
    pub family: Family,
    pub path: String,
    /// When the request was sent.
    pub at: Instant,
    /// The connection's uuid.
    pub connection: String,
    /// The HTTP status of the answer; `None` when none came (network error, timeout).
    pub status: Option<u16>,
}

pub type RequestObserver = Arc<dyn Fn(&RequestRecord) + Send + Sync>;

/// How a [`GraphClient`] behaves.
#[derive(Clone)]
pub struct ClientOptions {
    pub http: HttpConfig,
    /// Minimum spacing of provisioning-log requests (Microsoft allows 5 per
    /// 10 s per app and tenant; 2 s leaves room for the portal).
    pub log_gate: Duration,
    pub observer: Option<RequestObserver>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            http: HttpConfig::default(),
            log_gate: Duration::from_secs(2),
            observer: None,
        }
    }
}

impl std::fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientOptions")
            .field("http", &self.http)
            .field("log_gate", &self.log_gate)
            .finish_non_exhaustive()
    }
}

struct Inner {
    http: reqwest::Client,
    opts: ClientOptions,
    target: GraphTarget,
    /// Scheme, host and port of the Graph base: the token goes nowhere else.
    graph_origin: url::Origin,
    secrets: Secrets,
    token: Mutex<Option<AccessToken>>,
    next_log_slot: Mutex<Option<Instant>>,
}

/// An authenticated Graph client for one connection. Cheap to clone.
#[derive(Clone)]
pub struct GraphClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for GraphClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphClient")
            .field("graph", &self.inner.target.graph_url)
            .field("tenant", &self.inner.target.tenant_id)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl GraphClient {
    pub fn new(
        target: GraphTarget,
        secrets: Secrets,
        opts: ClientOptions,
    ) -> Result<Self, GraphError> {
        let graph = http::check_url(&target.graph_url)?;
        http::check_url(&target.login_url)?;
        let http = http::build_client(&opts.http)?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                graph_origin: graph.origin(),
                opts,
                target,
                secrets,
                token: Mutex::new(None),
                next_log_slot: Mutex::new(None),
            }),
        })
    }

    pub fn target(&self) -> &GraphTarget {
        &self.inner.target
    }

    pub fn options(&self) -> &ClientOptions {
        &self.inner.opts
    }

    /// The underlying HTTP client (sign-in flows use it too).
    pub fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    pub fn secrets(&self) -> &Secrets {
        &self.inner.secrets
    }

    /// `{graph}/v1.0{path}` (`path` starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.inner.target.graph_base())
    }

    /// Forget the cached access token.
    pub fn invalidate_token(&self) {
        *lock(&self.inner.token) = None;
    }

    /// A valid access token (cached, or acquired without interaction).
    pub async fn access_token(&self) -> Result<Sensitive<String>, GraphError> {
        let now = Instant::now();
        if let Some(t) = lock(&self.inner.token).as_ref() {
            if t.fresh(now, Duration::from_secs(60)) {
                return Ok(t.token.clone());
            }
        }
        let t = auth::acquire_token(
            &self.inner.http,
            &self.inner.opts.http,
            &self.inner.target,
            self.inner.secrets.as_ref(),
        )
        .await?;
        let token = t.token.clone();
        *lock(&self.inner.token) = Some(t);
        Ok(token)
    }

    /// Reserve the next provisioning-log slot and wait for it.
    async fn log_gate(&self) {
        let gate = self.inner.opts.log_gate;
        if gate.is_zero() {
            return;
        }
        let at = {
            let mut slot = lock(&self.inner.next_log_slot);
            let now = Instant::now();
            let at = slot.map_or(now, |s| s.max(now));
            *slot = Some(at + gate);
            at
        };
        tokio::time::sleep_until(at).await;
    }

    /// Push the log gate back (after a 429 on the logs).
    fn log_gate_push(&self, until: Instant) {
        let mut slot = lock(&self.inner.next_log_slot);
        *slot = Some(slot.map_or(until, |s| s.max(until)));
    }

    /// GET `url` (absolute, on this connection's Graph host) and return the
    /// body of a 2xx answer. `what` names the thing read, for messages.
    pub async fn get_bytes(
        &self,
        url: &str,
        family: Family,
        what: &str,
    ) -> Result<Vec<u8>, GraphError> {
        let parsed = http::check_url(url)?;
        // Same origin only (scheme, host and port): a nextLink to another
        // port or to plain http must not receive the access token.
        if parsed.origin() != self.inner.graph_origin {
            return Err(GraphError::InsecureUrl(format!(
                "refusing to follow a Graph link to another host, port or scheme ({}; Microsoft \
                 Graph is {}): the access token is only sent to the connection's Graph address",
                parsed.origin().ascii_serialization(),
                self.inner.graph_origin.ascii_serialization()
            )));
        }
        let cfg = &self.inner.opts.http;
        let path = http::path_of(url);
        let mut attempt = 0u32;
        let mut refreshed = false;
        loop {
            // Sign in first, then wait for the log slot: the request leaves
            // right after the gate, so log requests stay ≥ the gate apart.
            let token = self.access_token().await?;
            if family == Family::ProvisioningLogs {
                self.log_gate().await;
            }
            let sent_at = Instant::now();
            let sent = self
                .inner
                .http
                .get(url)
                .bearer_auth(token.expose())
                .header(reqwest::header::ACCEPT, "application/json")
                .send()
                .await;
            if let Some(obs) = &self.inner.opts.observer {
                obs(&RequestRecord {
                    family,
                    path: path.clone(),
                    at: sent_at,
                    connection: self.inner.target.connection.clone(),
                    status: sent.as_ref().ok().map(|r| r.status().as_u16()),
                });
            }
            let resp = sent.map_err(|e| http::map_send_error(&e, url, cfg.timeout))?;
            let status = resp.status().as_u16();
            let ctype = http::content_type(&resp);
            let retry_after = resp
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| scimwatch_core::transport::retry_after(v, Utc::now()));
            if (200..300).contains(&status) {
                let body = http::read_body(resp, cfg.max_body_bytes, what, cfg.timeout).await?;
                if http::looks_like_html(ctype.as_deref(), &body) {
                    return Err(GraphError::Html {
                        what: format!("Microsoft Graph ({what})"),
                        status,
                    });
                }
                return Ok(body);
            }
            let retryable = matches!(status, 429 | 500 | 502 | 503 | 504);
            if retryable {
                let wait = retry_after
                    .unwrap_or_else(|| cfg.retry_base.saturating_mul(1u32 << attempt.min(6)));
                if status == 429 && family == Family::ProvisioningLogs {
                    self.log_gate_push(Instant::now() + wait);
                }
                if attempt < cfg.max_retries && wait <= cfg.max_retry_wait {
                    attempt += 1;
                    tracing::debug!(status, path = %path, wait_ms = wait.as_millis() as u64, "graph: retrying");
                    // Drain the body so the connection can be reused.
                    let _ = http::read_body(resp, cfg.max_body_bytes, what, cfg.timeout).await;
                    tokio::time::sleep(wait).await;
                    continue;
                }
                if status == 429 {
                    return Err(GraphError::Throttled { path, retry_after });
                }
            }
            let body = http::read_body(resp, cfg.max_body_bytes, what, cfg.timeout)
                .await
                .unwrap_or_default();
            if http::looks_like_html(ctype.as_deref(), &body) {
                return Err(GraphError::Html {
                    what: format!("Microsoft Graph ({what})"),
                    status,
                });
            }
            let err = parse_graph_error(&body);
            let code = err.as_ref().and_then(|e| e.code.clone());
            let message = err
                .as_ref()
                .and_then(|e| e.message.clone())
                .unwrap_or_default();
            match status {
                401 if !refreshed => {
                    refreshed = true;
                    self.invalidate_token();
                    continue;
                }
                401 => return Err(GraphError::unauthorized(family, what, code, message)),
                403 => return Err(forbidden(family, what, code)),
                404 => {
                    return Err(GraphError::NotFound(format!(
                        "{what} was not found in Microsoft Graph{}",
                        code.map(|c| format!(" ({c})")).unwrap_or_default()
                    )))
                }
                s if s >= 500 => {
                    return Err(GraphError::ServerError {
                        status: s,
                        path,
                        code,
                    })
                }
                s => {
                    return Err(GraphError::Http {
                        status: s,
                        path,
                        code,
                        message,
                    })
                }
            }
        }
    }

    /// GET one document and parse it into `T` (lenient models from core).
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        family: Family,
        what: &str,
    ) -> Result<T, GraphError> {
        let body = self.get_bytes(&self.url(path), family, what).await?;
        Ok(parse_document(what, &body)?)
    }

    /// GET a collection and follow every `@odata.nextLink`; stops with
    /// [`GraphError::NextLinkLoop`] if a link repeats.
    pub async fn get_all<T: DeserializeOwned>(
        &self,
        path: &str,
        family: Family,
        what: &str,
    ) -> Result<Vec<T>, GraphError> {
        let mut url = self.url(path);
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        loop {
            let body = self.get_bytes(&url, family, what).await?;
            let page: GraphList<T> = parse_document(what, &body)?;
            out.extend(page.value);
            match page.next_link {
                None => return Ok(out),
                Some(next) => {
                    if !seen.insert(next.clone()) || next == url {
                        return Err(GraphError::NextLinkLoop {
                            path: http::path_of(&next),
                        });
                    }
                    url = next;
                }
            }
        }
    }
}

fn forbidden(family: Family, what: &str, code: Option<String>) -> GraphError {
    let code = code.unwrap_or_else(|| "HTTP 403".into());
    match family {
        Family::ProvisioningLogs
            if code.eq_ignore_ascii_case("Authentication_RequestFromNonPremiumTenantOrB2CTenant") =>
        {
            GraphError::LogsUnlicensed
        }
        Family::ProvisioningLogs => GraphError::MissingRole {
            what: what.to_string(),
            needs: "AuditLog.Read.All and a role such as Reports Reader or Security Reader".into(),
            code,
        },
        Family::Synchronization => GraphError::MissingRole {
            what: what.to_string(),
            needs: "Synchronization.Read.All and a role such as Application Administrator or Cloud Application Administrator".into(),
            code,
        },
        Family::Directory => GraphError::MissingRole {
            what: what.to_string(),
            needs: "Application.Read.All and Directory.Read.All".into(),
            code,
        },
    }
}
