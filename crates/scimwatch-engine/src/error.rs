//! Engine errors. Messages never contain a secret.

use scimwatch_core::{CommandError, ErrorKind, ValidationError};

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Validation(#[from] ValidationError),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Secret(#[from] crate::secrets::SecretError),
    #[error("database error: {0}")]
    Storage(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Io(String),
}

impl EngineError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            EngineError::Validation(_) => ErrorKind::Validation,
            EngineError::NotFound(_) => ErrorKind::NotFound,
            EngineError::Conflict(_) => ErrorKind::Conflict,
            EngineError::Secret(_) => ErrorKind::Keychain,
            EngineError::Storage(_) | EngineError::Migration(_) | EngineError::Io(_) => {
                ErrorKind::Storage
            }
        }
    }
}

impl From<EngineError> for CommandError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Validation(v) => v.into(),
            other => CommandError {
                kind: other.kind(),
                message: other.to_string(),
                fields: Vec::new(),
            },
        }
    }
}
