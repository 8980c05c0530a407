//! Error vocabulary shared by the engine, the CLI and the IPC edge.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What kind of failure a command hit. The UI branches on this, never on the
/// message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The input was refused; `fields` says which and why.
    Validation,
    NotFound,
    /// A unique name or similar is taken.
    Conflict,
    /// The OS keychain could not be reached or refused the request.
    Keychain,
    /// The local database failed.
    Storage,
    /// A remote endpoint could not be reached or answered unexpectedly.
    Network,
    /// Credentials were refused by a remote endpoint.
    Auth,
    /// The signed-in account has not consented to a permission the action
    /// needs: signing in again asking for it fixes it (a missing role or an
    /// application permission does not; those are `Auth`).
    Consent,
    Internal,
}

/// One problem with one input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FieldError {
    /// The field's name as the form and the CLI know it (`scim_url`, `tenant_id`, …).
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// Input refused, with every problem found (not just the first).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", summary(.fields))]
pub struct ValidationError {
    pub fields: Vec<FieldError>,
}

fn summary(fields: &[FieldError]) -> String {
    fields
        .iter()
        .map(|f| format!("{}: {}", f.field, f.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl ValidationError {
    pub fn single(field: &str, message: impl Into<String>) -> Self {
        Self {
            fields: vec![FieldError::new(field, message)],
        }
    }
}

/// The one error shape that crosses the IPC boundary and the CLI's `--json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CommandError {
    pub kind: ErrorKind,
    pub message: String,
    /// Per-field problems when `kind` is `validation`.
    pub fields: Vec<FieldError>,
}

impl From<ValidationError> for CommandError {
    fn from(e: ValidationError) -> Self {
        Self {
            kind: ErrorKind::Validation,
            message: e.to_string(),
            fields: e.fields,
        }
    }
}
