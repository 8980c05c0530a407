//! Errors of the SCIM side. Messages never contain a token.

use scimwatch_core::{CommandError, ErrorKind, FieldError};

use crate::error::EngineError;

#[derive(Debug, thiserror::Error)]
pub enum ScimError {
    /// The Tenant URL was refused by normalisation.
    #[error("Tenant URL: {0}")]
    InvalidUrl(String),
    /// The token was refused by hygiene checks.
    #[error("Secret Token: {0}")]
    InvalidToken(String),
    #[error("no connection named or with id \u{201c}{0}\u{201d}")]
    ConnectionNotFound(String),
    #[error("the connection \u{201c}{0}\u{201d} does not watch a SCIM endpoint (no Tenant URL)")]
    NoScimSide(String),
    #[error(
        "no SCIM token is stored for \u{201c}{0}\u{201d}; edit the connection and paste the Secret Token"
    )]
    TokenMissing(String),
    /// The endpoint could not be reached, timed out, or sent too much.
    #[error("{0}")]
    Network(String),
    /// The endpoint refused the token (401/403).
    #[error("{0}")]
    Auth(String),
    /// The endpoint answered, but not usably.
    #[error("{0}")]
    Protocol(String),
    /// Another crawl of the connection runs (in this process or another;
    /// `pid` when known). It is left alone.
    #[error(
        "a crawl of {name} is already running ({}); wait for it to finish",
        crate::locks::pid_text(*.pid)
    )]
    AlreadyRunning { name: String, pid: Option<u32> },
    #[error("cancelled")]
    Cancelled,
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl From<sqlx::Error> for ScimError {
    fn from(e: sqlx::Error) -> Self {
        ScimError::Engine(EngineError::Storage(e))
    }
}

impl ScimError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            ScimError::InvalidUrl(_) | ScimError::InvalidToken(_) | ScimError::NoScimSide(_) => {
                ErrorKind::Validation
            }
            ScimError::ConnectionNotFound(_) | ScimError::NotFound(_) => ErrorKind::NotFound,
            ScimError::TokenMissing(_) => ErrorKind::Keychain,
            ScimError::Network(_) | ScimError::Protocol(_) => ErrorKind::Network,
            ScimError::Auth(_) => ErrorKind::Auth,
            ScimError::AlreadyRunning { .. } => ErrorKind::Conflict,
            ScimError::Cancelled => ErrorKind::Internal,
            ScimError::Engine(e) => e.kind(),
        }
    }
}

impl From<ScimError> for CommandError {
    fn from(e: ScimError) -> Self {
        match e {
            ScimError::Engine(inner) => inner.into(),
            ScimError::InvalidUrl(m) => CommandError {
                kind: ErrorKind::Validation,
                message: format!("Tenant URL: {m}"),
                fields: vec![FieldError::new("scim_url", m)],
            },
            ScimError::InvalidToken(m) => CommandError {
                kind: ErrorKind::Validation,
                message: format!("Secret Token: {m}"),
                fields: vec![FieldError::new("scim_token", m)],
            },
            other => CommandError {
                kind: other.kind(),
                message: other.to_string(),
                fields: Vec::new(),
            },
        }
    }
}
