//! Interactive sign-in in the system browser: auth code + PKCE (S256) on a
//! loopback redirect ([`LoopbackListener`]), the code redeemed at the token
//! endpoint and the refresh token stored.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::RngCore;
use scimwatch_core::graph::aad::aadsts_code;
use scimwatch_core::Sensitive;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;

use super::{
    post_token, short_description, store_refresh, GraphTarget, SignInOutcome, DELEGATED_SCOPES,
};
use crate::graph::error::GraphError;
use crate::graph::http::HttpConfig;
use crate::secrets::SecretStore;

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
                    let aadsts = aadsts_code(&description);
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
}
