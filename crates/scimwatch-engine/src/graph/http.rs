//! The HTTP layer under the Graph client and sign-in: the shared client of
//! `crate::http` (rustls, OS + bundled roots, proxies from the environment,
//! no redirects), https required except for loopback hosts, bodies capped,
//! HTML/JSON sniffing (`Retry-After` is read by core's `transport::retry_after`).

use std::time::Duration;

use url::Url;

use super::error::GraphError;

/// Timeouts, caps and retry limits of Graph HTTP traffic.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Whole-request timeout.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Responses larger than this are refused (20 MB).
    pub max_body_bytes: usize,
    /// Retries of one request on 429/503/504 (after waiting `Retry-After`).
    pub max_retries: u32,
    /// Longest `Retry-After` honoured inside one call; longer ones fail the
    /// call with [`GraphError::Throttled`] so the poller backs off instead.
    pub max_retry_wait: Duration,
    /// Wait before retrying a 5xx that carries no `Retry-After`.
    pub retry_base: Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            max_body_bytes: 20 * 1024 * 1024,
            max_retries: 4,
            max_retry_wait: Duration::from_secs(120),
            retry_base: Duration::from_secs(1),
        }
    }
}

/// The shared `reqwest` client (crate::http: TLS roots, proxies, no redirects).
pub fn build_client(cfg: &HttpConfig) -> Result<reqwest::Client, GraphError> {
    crate::http::build_client(&crate::http::TransportConfig {
        timeout: cfg.timeout,
        connect_timeout: cfg.connect_timeout,
        pool_max_idle_per_host: None,
    })
    .map_err(GraphError::Config)
}

/// Parse `url` and require https (plain http only for loopback hosts).
pub fn check_url(url: &str) -> Result<Url, GraphError> {
    let u = Url::parse(url)
        .map_err(|e| GraphError::InsecureUrl(format!("{url} is not a valid URL: {e}")))?;
    let host = u.host_str().unwrap_or_default().to_string();
    match u.scheme() {
        "https" => Ok(u),
        "http" if crate::http::is_loopback(&u) => Ok(u),
        "http" => Err(GraphError::InsecureUrl(format!(
            "refusing to send credentials over plain http to {host}: Microsoft Graph and sign-in must use https"
        ))),
        other => Err(GraphError::InsecureUrl(format!(
            "{other}: is not a supported URL scheme (use https)"
        ))),
    }
}

/// The host of a URL, for messages.
pub fn host_of(url: &str) -> String {
    Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "the server".into())
}

/// The path of a URL without its query (query strings may carry skip tokens), for messages.
pub fn path_of(url: &str) -> String {
    Url::parse(url)
        .map(|u| u.path().to_string())
        .unwrap_or_else(|_| "the request".into())
}

/// Map a `reqwest` send error to a specific, secret-free error
/// (`crate::http::describe_send_error`, shared with SCIM).
pub fn map_send_error(e: &reqwest::Error, url: &str, timeout: Duration) -> GraphError {
    let d = crate::http::describe_send_error(e, url);
    match d.kind {
        crate::http::SendErrorKind::Timeout => GraphError::Timeout {
            host: d.host,
            secs: timeout.as_secs(),
        },
        _ => GraphError::Unreachable {
            host: d.host,
            detail: d.detail,
        },
    }
}

/// Read a body up to `cap` bytes.
pub async fn read_body(
    mut resp: reqwest::Response,
    cap: usize,
    what: &str,
    timeout: Duration,
) -> Result<Vec<u8>, GraphError> {
    let too_large = || GraphError::TooLarge {
        what: what.to_string(),
        limit_mb: (cap / (1024 * 1024)) as u64,
    };
    if resp.content_length().is_some_and(|n| n > cap as u64) {
        return Err(too_large());
    }
    let url = resp.url().to_string();
    let mut buf =
        Vec::with_capacity(resp.content_length().unwrap_or(16 * 1024).min(cap as u64) as usize);
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if buf.len() + chunk.len() > cap {
                    return Err(too_large());
                }
                buf.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(buf),
            Err(e) => return Err(map_send_error(&e, &url, timeout)),
        }
    }
}

/// The answer's `Content-Type`, if it has a readable one (for
/// [`looks_like_html`]).
pub fn content_type(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Whether a body is an HTML page (by content type or by its first bytes).
pub fn looks_like_html(content_type: Option<&str>, body: &[u8]) -> bool {
    if content_type.is_some_and(|c| c.to_ascii_lowercase().contains("text/html")) {
        return true;
    }
    let start: Vec<u8> = body
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(15)
        .map(|b| b.to_ascii_lowercase())
        .collect();
    start.starts_with(b"<!doctype html") || start.starts_with(b"<html")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_required_except_loopback() {
        assert!(check_url("https://graph.microsoft.com/v1.0").is_ok());
        assert!(check_url("http://127.0.0.1:8080/v1.0").is_ok());
        assert!(check_url("http://localhost:1/x").is_ok());
        assert!(check_url("http://[::1]:1/x").is_ok());
        let e = check_url("http://graph.example.com/v1.0").unwrap_err();
        assert!(e.to_string().contains("plain http"), "{e}");
        assert!(check_url("ftp://x").is_err());
        assert!(check_url("not a url").is_err());
    }

    #[test]
    fn html_sniffing() {
        assert!(looks_like_html(Some("text/html; charset=utf-8"), b"{}"));
        assert!(looks_like_html(None, b"  <!DOCTYPE html><html>"));
        assert!(looks_like_html(None, b"<HTML>"));
        assert!(!looks_like_html(Some("application/json"), b"{\"a\":1}"));
    }

    #[test]
    fn paths_drop_queries() {
        assert_eq!(
            path_of("https://g/v1.0/auditLogs/provisioning?$skiptoken=secret"),
            "/v1.0/auditLogs/provisioning"
        );
        assert_eq!(host_of("https://g.example/v1.0"), "g.example");
    }
}
