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
    #[error("{}", storage_message(.0))]
    Storage(#[from] sqlx::Error),
    #[error("{}", migration_message(.0))]
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
            // The secrets file is local storage, not a keychain: the UI
            // must not say "the OS keychain refused" about it.
            EngineError::Secret(crate::secrets::SecretError::File { .. }) => ErrorKind::Storage,
            EngineError::Secret(_) => ErrorKind::Keychain,
            EngineError::Storage(_) | EngineError::Migration(_) | EngineError::Io(_) => {
                ErrorKind::Storage
            }
        }
    }
}

/// SQLite's primary result code of a database error (`SQLITE_FULL` = 13,
/// `SQLITE_READONLY` = 8), from its extended code.
fn sqlite_code(e: &sqlx::Error) -> Option<i64> {
    match e {
        sqlx::Error::Database(db) => db.code()?.parse::<i64>().ok().map(|c| c & 0xff),
        _ => None,
    }
}

const SQLITE_READONLY: i64 = 8;
const SQLITE_FULL: i64 = 13;

fn folder_text() -> String {
    crate::paths::data_folder_hint()
        .map(|p| format!(" {}", p.display()))
        .unwrap_or_default()
}

/// A database error in words: a full disk and a read-only data folder say so
/// with the folder (a write the admin can make succeed), the rest as SQLite
/// put it.
pub fn storage_message(e: &sqlx::Error) -> String {
    match sqlite_code(e) {
        Some(SQLITE_FULL) => format!(
            "disk full: the database in{} cannot grow ({e}); free some space and try again",
            folder_text()
        ),
        Some(SQLITE_READONLY) => format!(
            "the data folder{} is read-only: the database cannot be written ({e}); \
             read commands still work",
            folder_text()
        ),
        _ => match e {
            sqlx::Error::Io(io) if crate::fsperm::is_disk_full(io) => format!(
                "disk full: the database in{} cannot grow ({io}); free some space and try again",
                folder_text()
            ),
            _ => format!("database error: {e}"),
        },
    }
}

fn migration_message(e: &sqlx::migrate::MigrateError) -> String {
    match e {
        sqlx::migrate::MigrateError::Execute(inner) if sqlite_code(inner).is_some() => {
            format!("database migration failed: {}", storage_message(inner))
        }
        other => format!("database migration failed: {other}"),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::SecretError;

    #[test]
    fn a_secrets_file_failure_is_storage_not_the_keychain() {
        let file = EngineError::Secret(SecretError::File {
            path: "/d/secrets.json".into(),
            detail: "is a symbolic link".into(),
        });
        assert_eq!(file.kind(), ErrorKind::Storage);
        let keychain = EngineError::Secret(SecretError::Keychain("locked".into()));
        assert_eq!(keychain.kind(), ErrorKind::Keychain);
    }

    #[test]
    fn other_database_errors_keep_their_wording() {
        let e = EngineError::Storage(sqlx::Error::RowNotFound);
        assert!(e.to_string().starts_with("database error: "), "{e}");
    }
}
