//! Device-code sign-in, the fallback when a browser on this machine is not
//! an option: the code to show, then polling the token endpoint at the
//! interval Microsoft asks for.

use std::time::Duration;

use scimwatch_core::Sensitive;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;
use ts_rs::TS;

use super::{post_token, store_refresh, token_error, ClassifyText, GraphTarget, SignInOutcome};
use crate::graph::error::GraphError;
use crate::graph::http::{self, HttpConfig};
use crate::secrets::SecretStore;

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
