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
//!
//! This file holds the target, the token endpoint and silent token
//! acquisition; `browser.rs` the auth code + PKCE sign-in, `device_code.rs`
//! the device-code one.

use std::time::Duration;

use scimwatch_core::graph::aad::aadsts_code;
use scimwatch_core::{AuthMode, Sensitive};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;
use ts_rs::TS;

mod browser;
mod device_code;

pub use browser::{
    pkce_pair, sign_in_browser, sign_in_browser_with, LoopbackListener, LOOPBACK_READ_TIMEOUT,
};
pub use device_code::{sign_in_device_code, sign_in_device_code_with, DeviceCodePrompt};

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

    /// Whether [`GraphTarget::from_row`] of `row` gives this target,
    /// compared field by field (nothing parsed or allocated: the poller
    /// asks this of every connection every tick).
    pub fn is_from(&self, row: &ConnectionRow) -> bool {
        fn url(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(|u| u.trim_end_matches('/'))
        }
        self.connection == *row.tenant_uuid.as_ref().unwrap_or(&row.uuid)
            && url(&row.login_url) == Some(self.login_url.as_str())
            && url(&row.graph_url) == Some(self.graph_url.as_str())
            && row.tenant_id.as_deref() == Some(self.tenant_id.as_str())
            && row
                .client_id
                .as_deref()
                .unwrap_or(scimwatch_core::connection::DEFAULT_PUBLIC_CLIENT_ID)
                == self.client_id
            && row
                .auth_mode
                .as_deref()
                .and_then(AuthMode::parse)
                .unwrap_or_default()
                == self.auth_mode
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
        .or_else(|| aadsts_code(&description));
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
    let ctype = http::content_type(&resp);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_is_from_the_row_it_was_built_from_and_no_other() {
        let row = ConnectionRow {
            uuid: "app".into(),
            tenant_uuid: Some("tenant".into()),
            login_url: Some("https://login.microsoftonline.com/".into()),
            graph_url: Some("https://graph.microsoft.com".into()),
            tenant_id: Some("t".into()),
            client_id: None,
            auth_mode: Some("client_secret".into()),
            ..ConnectionRow::default()
        };
        let t = GraphTarget::from_row(&row).unwrap();
        assert!(t.is_from(&row));
        // What the target does not hold may change.
        let mut same = row.clone();
        same.job_id = Some("j".into());
        same.login_url = Some("https://login.microsoftonline.com".into());
        assert!(t.is_from(&same));
        let changes: [fn(&mut ConnectionRow); 8] = [
            |r| r.tenant_uuid = None,
            |r| r.login_url = Some("https://login.microsoftonline.us".into()),
            |r| r.graph_url = None,
            |r| r.tenant_id = Some("u".into()),
            |r| r.client_id = Some("mine".into()),
            |r| r.auth_mode = Some("delegated".into()),
            |r| r.auth_mode = None,
            |r| r.tenant_id = None,
        ];
        for (i, change) in changes.iter().enumerate() {
            let mut r = row.clone();
            change(&mut r);
            assert!(!t.is_from(&r), "change {i} is a different target");
            if let Ok(built) = GraphTarget::from_row(&r) {
                assert!(built.is_from(&r), "change {i}: from_row and is_from agree");
            }
        }
    }

    #[test]
    fn aadsts_codes_and_descriptions() {
        let d = "AADSTS65001: The user or administrator has not consented. Trace ID: x Correlation ID: y";
        assert_eq!(aadsts_code(d), Some(65001));
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
