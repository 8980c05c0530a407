//! [`GraphError`]: everything that can go wrong talking to Microsoft Graph and
//! the Microsoft identity platform. Messages are specific (what failed, what
//! to do) and never contain a token or a secret.

use std::time::Duration;

use scimwatch_core::graph::ParseError;
use scimwatch_core::{CommandError, ErrorKind};

use crate::error::EngineError;
use crate::secrets::SecretError;

/// A Graph or sign-in failure.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// The URL is not acceptable (not https and not loopback, unparsable).
    #[error("{0}")]
    InsecureUrl(String),
    /// The connection has no Entra side, or it is incomplete.
    #[error("{0}")]
    Config(String),
    /// Connecting failed (DNS, refused, TLS).
    #[error("cannot reach {host}: {detail}")]
    Unreachable { host: String, detail: String },
    /// The request timed out.
    #[error("{host} did not answer within {secs} s")]
    Timeout { host: String, secs: u64 },
    /// Graph kept throttling after the retries allowed.
    #[error("Microsoft Graph is throttling requests to {path} (HTTP 429){}; scimwatch will try again later", retry_hint(.retry_after))]
    Throttled {
        path: String,
        retry_after: Option<Duration>,
    },
    /// Graph answered 5xx after the retries allowed.
    #[error("Microsoft Graph answered HTTP {status} to {path}{}", code_hint(.code))]
    ServerError {
        status: u16,
        path: String,
        code: Option<String>,
    },
    /// Graph answered another unexpected status.
    #[error("Microsoft Graph answered HTTP {status} to {path}{}: {}", code_hint(.code), shown(.message))]
    Http {
        status: u16,
        path: String,
        code: Option<String>,
        message: String,
    },
    /// 404 on a specific object.
    #[error("{0}")]
    NotFound(String),
    /// An HTML page where JSON was expected (a proxy, a captive portal, a gateway error).
    #[error("{what} answered with an HTML page (HTTP {status}) instead of JSON; a proxy or gateway may be in the way")]
    Html { what: String, status: u16 },
    /// The body was not the JSON expected.
    #[error("{what} answered with a body that is not the JSON expected: {detail}")]
    Malformed { what: String, detail: String },
    /// The response body is larger than the cap.
    #[error("{what} answered with more than {limit_mb} MB; refusing to read it")]
    TooLarge { what: String, limit_mb: u64 },
    /// An `@odata.nextLink` repeated: Graph would page for ever.
    #[error("Microsoft Graph returned the same next-page link twice while reading {path}; stopped to avoid an endless loop")]
    NextLinkLoop { path: String },
    /// No usable sign-in (no refresh token, no client secret).
    #[error("{0}")]
    NotSignedIn(String),
    /// The access token was refused even after a fresh sign-in.
    #[error("Microsoft Graph refused the access token ({code}): {}", shown(.message))]
    Unauthorized { code: String, message: String },
    /// AADSTS65001: the admin has not consented to the permissions.
    #[error("consent is missing: an administrator must grant scimwatch the read-only permissions ({scopes}) in the tenant before it can read provisioning (AADSTS65001)")]
    ConsentRequired { scopes: String },
    /// Another sign-in error from the identity platform.
    #[error("sign-in failed: {error}{}: {}", aadsts_hint(.aadsts), shown(.description))]
    SignIn {
        error: String,
        aadsts: Option<u32>,
        description: String,
    },
    /// 403 `Authorization_RequestDenied` (or similar) on a Graph read.
    #[error("access denied reading {what}: the signed-in account or app lacks the permission or admin role it needs ({needs}). Graph said: {code}")]
    MissingRole {
        what: String,
        needs: String,
        code: String,
    },
    /// 403 `Authentication_RequestFromNonPremiumTenantOrB2CTenant` on the provisioning logs.
    #[error("provisioning logs are unavailable: the tenant has no Microsoft Entra ID P1/P2 licence (Graph: Authentication_RequestFromNonPremiumTenantOrB2CTenant). Job status, mappings and assignments are still watched")]
    LogsUnlicensed,
    /// App discovery: no service principal matches.
    #[error("no enterprise app named \u{201c}{0}\u{201d} was found in the tenant; check the name (Enterprise applications → All applications) or enter its Application ID")]
    AppNotFound(String),
    /// App discovery: several service principals match.
    #[error("several enterprise apps are named \u{201c}{name}\u{201d}: {list}. Enter the Application ID of the one to watch")]
    AppAmbiguous { name: String, list: String },
    /// App discovery: the app has no provisioning job.
    #[error("provisioning is not set up for this app (\u{201c}{0}\u{201d} has no provisioning job): set Provisioning Mode to Automatic in the Entra admin center")]
    NoProvisioningJob(String),
    /// Interactive sign-in gave up.
    #[error("{0}")]
    SignInAborted(String),
    #[error(transparent)]
    Storage(#[from] EngineError),
    #[error(transparent)]
    Secret(#[from] SecretError),
}

/// Microsoft's text as the admin sees it: before any `Trace ID:` /
/// `Correlation ID:` / `Timestamp:` lines, on one line (real AADSTS
/// descriptions and Graph messages carry `\r\n`).
fn shown(text: &str) -> String {
    scimwatch_core::graph::without_trace_lines(text)
}

fn retry_hint(d: &Option<Duration>) -> String {
    d.map(|d| format!(", Retry-After {:.1} s", d.as_secs_f64()))
        .unwrap_or_default()
}

fn code_hint(c: &Option<String>) -> String {
    c.as_deref().map(|c| format!(" ({c})")).unwrap_or_default()
}

fn aadsts_hint(c: &Option<u32>) -> String {
    c.map(|c| format!(" (AADSTS{c})")).unwrap_or_default()
}

impl From<sqlx::Error> for GraphError {
    fn from(e: sqlx::Error) -> Self {
        GraphError::Storage(EngineError::Storage(e))
    }
}

impl From<ParseError> for GraphError {
    fn from(e: ParseError) -> Self {
        GraphError::Malformed {
            what: format!("Microsoft Graph ({})", e.document),
            detail: e.to_string(),
        }
    }
}

/// What reading the synchronization API needs.
pub const SYNCHRONIZATION_NEEDS: &str = "Synchronization.Read.All and Application.Read.All \
(application permissions with admin consent), or for a signed-in admin a directory role that may \
read provisioning such as Application Administrator or Cloud Application Administrator";

impl GraphError {
    /// A 401 that survived a fresh token. The synchronization API answers a
    /// missing permission or directory role with **401 `UnknownError` and
    /// an empty message** (not 403) while other endpoints accept the same
    /// token: that is [`GraphError::MissingRole`] naming what is needed, not
    /// a refused token.
    pub fn unauthorized(
        family: super::family::Family,
        what: &str,
        code: Option<String>,
        message: String,
    ) -> GraphError {
        let unknown = code
            .as_deref()
            .is_none_or(|c| c.trim().is_empty() || c.eq_ignore_ascii_case("UnknownError"));
        if family == super::family::Family::Synchronization && unknown && message.trim().is_empty()
        {
            return GraphError::MissingRole {
                what: what.to_string(),
                needs: SYNCHRONIZATION_NEEDS.into(),
                code: format!(
                    "HTTP 401 {} with an empty message, its answer when a permission or role is \
missing",
                    code.as_deref().unwrap_or("without a code")
                ),
            };
        }
        GraphError::Unauthorized {
            code: code.unwrap_or_else(|| "HTTP 401".into()),
            message,
        }
    }

    /// Graph refused this read for lack of a permission or role: scimwatch
    /// can reach Graph, it may not look (never blindness).
    pub fn is_permission(&self) -> bool {
        matches!(self, GraphError::MissingRole { .. })
    }

    pub fn kind(&self) -> ErrorKind {
        use GraphError::*;
        match self {
            InsecureUrl(_) | Config(_) => ErrorKind::Validation,
            Unreachable { .. }
            | Timeout { .. }
            | Throttled { .. }
            | ServerError { .. }
            | Http { .. }
            | Html { .. }
            | Malformed { .. }
            | TooLarge { .. }
            | NextLinkLoop { .. } => ErrorKind::Network,
            NotSignedIn(_)
            | Unauthorized { .. }
            | ConsentRequired { .. }
            | SignIn { .. }
            | MissingRole { .. }
            | LogsUnlicensed
            | SignInAborted(_) => ErrorKind::Auth,
            NotFound(_) | AppNotFound(_) | NoProvisioningJob(_) => ErrorKind::NotFound,
            AppAmbiguous { .. } => ErrorKind::Conflict,
            Storage(e) => e.kind(),
            Secret(_) => ErrorKind::Keychain,
        }
    }

    /// Whether this failure means Graph could not be reached or read at all
    /// (the monitor is blind), rather than a specific answer about one thing.
    pub fn is_transport(&self) -> bool {
        matches!(
            self,
            GraphError::Unreachable { .. }
                | GraphError::Timeout { .. }
                | GraphError::Throttled { .. }
                | GraphError::ServerError { .. }
                | GraphError::Html { .. }
                | GraphError::Malformed { .. }
        )
    }
}

impl From<GraphError> for CommandError {
    fn from(e: GraphError) -> Self {
        match e {
            GraphError::Storage(inner) => inner.into(),
            other => CommandError {
                kind: other.kind(),
                message: other.to_string(),
                fields: Vec::new(),
            },
        }
    }
}
