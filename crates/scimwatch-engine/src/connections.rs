//! Adding, editing, removing and listing connections — the bodies of the
//! Connections screen's commands and of `scimwatch-cli connections`.
//!
//! Secrets go to the [`SecretStore`], never to SQLite. A save either stores
//! the row and its secrets or nothing at all.

use chrono::{DateTime, Utc};
use scimwatch_core::connection::{validate_input, ValidConnection};
use scimwatch_core::validate::clean_token;
use scimwatch_core::{
    AuthMode, Connection, ConnectionInput, FieldError, Sensitive, ValidationError,
};
use serde::Serialize;
use ts_rs::TS;

use crate::error::EngineError;
use crate::secrets::{SecretKey, SecretKind, SecretStore};
use crate::store::connections::{self as rows, SecretFlags};
use crate::store::Store;

mod tenant;
mod unsaved;
pub use unsaved::{test_unsaved, SignInResult, TestDepth, TestResult, UnresolvedHost};

/// Secrets entered with a connection. `None` keeps what is stored.
#[derive(Debug, Default, Clone)]
pub struct SecretsInput {
    pub scim_token: Option<Sensitive<String>>,
    pub client_secret: Option<Sensitive<String>>,
    /// PEM text: the app registration's certificate and its private key.
    pub client_certificate: Option<Sensitive<String>>,
}

/// A saved connection and the harmless fixes applied to the input.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SaveOutcome {
    pub connection: Connection,
    pub notes: Vec<String>,
}

struct Prepared {
    valid: ValidConnection,
    scim_token: Option<Sensitive<String>>,
    client_secret: Option<Sensitive<String>>,
    client_certificate: Option<Sensitive<String>>,
    auth_mode: AuthMode,
    flags: SecretFlags,
    notes: Vec<String>,
}

/// Validate the input and the secrets together, reporting every problem.
fn prepare(
    input: &ConnectionInput,
    secrets: &SecretsInput,
    existing: SecretFlags,
) -> Result<Prepared, ValidationError> {
    let mut errors = Vec::new();
    let valid = match validate_input(input) {
        Ok(v) => Some(v),
        Err(e) => {
            errors.extend(e.fields);
            None
        }
    };
    let mut notes = Vec::new();
    let has_scim = input
        .scim_url
        .as_deref()
        .is_some_and(|s| !s.trim().is_empty());
    let has_entra = input
        .tenant_id
        .as_deref()
        .is_some_and(|s| !s.trim().is_empty());

    let scim_token = match &secrets.scim_token {
        Some(raw) if !has_scim => {
            let _ = raw;
            errors.push(FieldError::new(
                "scim_token",
                "a Secret Token needs a SCIM Tenant URL",
            ));
            None
        }
        Some(raw) => match clean_token(raw.expose()) {
            Ok(t) => {
                notes.extend(t.notes.into_iter().map(|n| format!("Secret Token: {n}")));
                Some(Sensitive::new(t.token))
            }
            Err(m) => {
                errors.push(FieldError::new("scim_token", m));
                None
            }
        },
        None if has_scim && !existing.scim_token_set => {
            errors.push(FieldError::new(
                "scim_token",
                "paste the Secret Token the SaaS gave you (the same one entered in Entra)",
            ));
            None
        }
        None => None,
    };

    let wants_secret = has_entra && input.auth_mode == AuthMode::ClientSecret;
    let client_secret = match &secrets.client_secret {
        Some(_) if !wants_secret => {
            errors.push(FieldError::new(
                "client_secret",
                "a client secret is only used with the client-secret sign-in",
            ));
            None
        }
        Some(raw) => {
            let t = raw.expose().trim();
            if t.is_empty() {
                errors.push(FieldError::new(
                    "client_secret",
                    "the client secret is empty",
                ));
                None
            } else if t.len() > 1024 || t.chars().any(|c| c.is_control()) {
                errors.push(FieldError::new(
                    "client_secret",
                    "that does not look like a client secret; copy its Value from Certificates & secrets",
                ));
                None
            } else {
                Some(Sensitive::new(t.to_string()))
            }
        }
        None if wants_secret && !existing.client_secret_set => {
            errors.push(FieldError::new(
                "client_secret",
                "unattended sign-in with a client secret needs the secret",
            ));
            None
        }
        None => None,
    };

    let wants_cert = has_entra && input.auth_mode == AuthMode::Certificate;
    let client_certificate = match &secrets.client_certificate {
        Some(_) if !wants_cert => {
            errors.push(FieldError::new(
                "client_certificate",
                "a certificate is only used with the certificate sign-in",
            ));
            None
        }
        Some(raw) => {
            let t = raw.expose().trim();
            if t.len() > 64 * 1024 {
                errors.push(FieldError::new(
                    "client_certificate",
                    "that is too large for a certificate and its key (over 64 KB)",
                ));
                None
            } else {
                match crate::graph::cert::ClientCertificate::from_pem(t) {
                    Ok(c) => {
                        notes.push(format!(
                            "certificate thumbprint {} (compare it with the app registration's Certificates & secrets)",
                            c.thumbprint_hex()
                        ));
                        Some(Sensitive::new(format!("{t}\n")))
                    }
                    Err(e) => {
                        errors.push(FieldError::new("client_certificate", e.to_string()));
                        None
                    }
                }
            }
        }
        None if wants_cert && !existing.client_secret_set => {
            errors.push(FieldError::new(
                "client_certificate",
                "certificate sign-in needs the app registration's certificate with its private key (PEM)",
            ));
            None
        }
        None => None,
    };

    match valid {
        Some(valid) if errors.is_empty() => {
            let credential_set = client_secret.is_some()
                || client_certificate.is_some()
                || existing.client_secret_set;
            let flags = SecretFlags {
                scim_token_set: has_scim && (scim_token.is_some() || existing.scim_token_set),
                // The app's credential: its secret or its certificate, per the sign-in mode.
                client_secret_set: (wants_secret || wants_cert) && credential_set,
            };
            notes.splice(0..0, valid.notes.iter().cloned());
            Ok(Prepared {
                valid,
                scim_token,
                client_secret,
                client_certificate,
                auth_mode: input.auth_mode,
                flags,
                notes,
            })
        }
        _ => Err(ValidationError { fields: errors }),
    }
}

fn apply_secrets(secrets: &dyn SecretStore, uuid: &str, p: &Prepared) -> Result<(), EngineError> {
    let scim = SecretKey::new(uuid, SecretKind::ScimToken);
    let client = SecretKey::new(uuid, SecretKind::ClientSecret);
    match &p.scim_token {
        Some(t) => secrets.set(&scim, t)?,
        None if !p.flags.scim_token_set => secrets.delete(&scim)?,
        None => {}
    }
    let cert = SecretKey::new(uuid, SecretKind::ClientCertificate);
    let keep = |mode: AuthMode| p.flags.client_secret_set && p.auth_mode == mode;
    match &p.client_secret {
        Some(t) => secrets.set(&client, t)?,
        None if !keep(AuthMode::ClientSecret) => secrets.delete(&client)?,
        None => {}
    }
    match &p.client_certificate {
        Some(t) => secrets.set(&cert, t)?,
        None if !keep(AuthMode::Certificate) => secrets.delete(&cert)?,
        None => {}
    }
    Ok(())
}

pub async fn list(store: &Store) -> Result<Vec<Connection>, EngineError> {
    Ok(rows::list(store.pool())
        .await?
        .into_iter()
        .map(|r| r.into_connection())
        .collect())
}

/// Find a connection by id or by name.
pub async fn get(store: &Store, id_or_name: &str) -> Result<Connection, EngineError> {
    Ok(rows::require(store.pool(), id_or_name)
        .await?
        .into_connection())
}

pub async fn add(
    store: &Store,
    secrets: &dyn SecretStore,
    input: &ConnectionInput,
    secrets_in: &SecretsInput,
    now: DateTime<Utc>,
) -> Result<SaveOutcome, EngineError> {
    let p = prepare(input, secrets_in, SecretFlags::default())?;
    let uuid = uuid::Uuid::new_v4().to_string();
    let mut tx = crate::store::begin_write(store.pool()).await?;
    rows::insert(&mut *tx, &uuid, &p.valid, p.flags, now.timestamp_millis()).await?;
    if let Err(e) = apply_secrets(secrets, &uuid, &p) {
        // Leave nothing behind: no row (rolled back), no partial secrets.
        for kind in SecretKind::ALL {
            let _ = secrets.delete(&SecretKey::new(&uuid, kind));
        }
        return Err(e);
    }
    let row = rows::get_by_uuid(&mut *tx, &uuid).await?;
    tx.commit().await?;
    let connection = row
        .ok_or_else(|| EngineError::NotFound("the connection vanished while saving".into()))?
        .into_connection();
    Ok(SaveOutcome {
        connection,
        notes: p.notes,
    })
}

/// Where an edit moves what a kept secret is sent to.
struct Moved {
    /// The secret's field (`scim_token`, `client_secret`, `client_certificate`).
    field: &'static str,
    what: &'static str,
    /// `thing: old → new`, one per endpoint part that changed.
    changes: Vec<String>,
}

fn changed(label: &str, old: Option<&str>, new: &str, out: &mut Vec<String>) {
    if let Some(old) = old {
        if old != new {
            out.push(format!("{label} {old} \u{2192} {new}"));
        }
    }
}

/// The Entra endpoints an edit moves: login host, tenant, client ID, Graph URL.
fn entra_moves(existing: &rows::ConnectionRow, valid: &ValidConnection) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(e) = &valid.entra {
        changed(
            "login host",
            existing.login_url.as_deref(),
            &e.login_url,
            &mut out,
        );
        changed(
            "tenant",
            existing.tenant_id.as_deref(),
            &e.tenant_id,
            &mut out,
        );
        changed(
            "client ID",
            existing.client_id.as_deref(),
            &e.client_id,
            &mut out,
        );
        changed(
            "Graph URL",
            existing.graph_url.as_deref(),
            &e.graph_url,
            &mut out,
        );
    }
    out
}

/// The stored secrets an edit would keep while moving the endpoint they are
/// sent to (a new secret given in the same edit replaces the stored one).
fn moved_secrets(existing: &rows::ConnectionRow, p: &Prepared) -> Vec<Moved> {
    let mut out = Vec::new();
    if p.scim_token.is_none() && p.flags.scim_token_set {
        if let Some(scim) = &p.valid.scim {
            let mut changes = Vec::new();
            changed(
                "Tenant URL",
                existing.scim_url.as_deref(),
                &scim.url,
                &mut changes,
            );
            if !changes.is_empty() {
                out.push(Moved {
                    field: "scim_token",
                    what: "Secret Token",
                    changes,
                });
            }
        }
    }
    let kept_credential = match p.auth_mode {
        AuthMode::ClientSecret if p.client_secret.is_none() => {
            Some(("client_secret", "client secret"))
        }
        AuthMode::Certificate if p.client_certificate.is_none() => {
            Some(("client_certificate", "certificate"))
        }
        _ => None,
    };
    if let (Some((field, what)), true) = (kept_credential, p.flags.client_secret_set) {
        let changes = entra_moves(existing, &p.valid);
        if !changes.is_empty() {
            out.push(Moved {
                field,
                what,
                changes,
            });
        }
    }
    out
}

pub async fn update(
    store: &Store,
    secrets: &dyn SecretStore,
    id: &str,
    input: &ConnectionInput,
    secrets_in: &SecretsInput,
    now: DateTime<Utc>,
) -> Result<SaveOutcome, EngineError> {
    let existing = rows::get_by_uuid(store.pool(), id)
        .await?
        .ok_or_else(|| EngineError::NotFound(format!("no connection with id {id}")))?;
    // An app of an all-apps tenant keeps the tenant's Entra side.
    let pinned = tenant::pin_app_entra(&existing, input)?;
    let input = pinned.as_ref().unwrap_or(input);
    let flags = SecretFlags {
        scim_token_set: existing.scim_token_set,
        // A secret stored for one sign-in mode is no credential for another.
        client_secret_set: existing.client_secret_set
            && existing.auth_mode.as_deref().and_then(AuthMode::parse) == Some(input.auth_mode),
    };
    let mut p = prepare(input, secrets_in, flags)?;
    if !input.keep_secrets_for_new_endpoint {
        let moved = moved_secrets(&existing, &p);
        if !moved.is_empty() {
            return Err(ValidationError {
                fields: moved
                    .into_iter()
                    .map(|m| {
                        FieldError::new(
                            m.field,
                            format!(
                                "the stored {what} was entered for the old endpoint and would now be \
                                 sent to the new one ({}): enter the {what} for the new endpoint, \
                                 or confirm that the stored one belongs to it",
                                m.changes.join(", "),
                                what = m.what,
                            ),
                        )
                    })
                    .collect(),
            }
            .into());
        }
    }
    // A delegated sign-in (its refresh token) belongs to the login it was made
    // at: moving the login or Graph URL signs out, unless the admin confirms.
    let refresh = SecretKey::new(id, SecretKind::RefreshToken);
    let sign_out = match &p.valid.entra {
        None => true,
        Some(_) => {
            !input.keep_secrets_for_new_endpoint && !entra_moves(&existing, &p.valid).is_empty()
        }
    };
    let signed_in = sign_out && secrets.get(&refresh)?.is_some();
    let mut tx = crate::store::begin_write(store.pool()).await?;
    rows::update(&mut *tx, id, &p.valid, p.flags, now.timestamp_millis()).await?;
    if existing.all_apps {
        rows::follow_tenant(&mut *tx, existing.id, now.timestamp_millis()).await?;
    }
    apply_secrets(secrets, id, &p)?;
    if signed_in {
        secrets.delete(&refresh)?;
        if p.valid.entra.is_some() {
            p.notes.push(
                "signed out of Microsoft Graph: the sign-in was made for the old login; sign in again"
                    .into(),
            );
        }
    }
    let row = rows::get_by_uuid(&mut *tx, id).await?;
    tx.commit().await?;
    let connection = row
        .ok_or_else(|| EngineError::NotFound(format!("no connection with id {id}")))?
        .into_connection();
    Ok(SaveOutcome {
        connection,
        notes: p.notes,
    })
}

/// Remove a connection, everything stored for it, and its secrets.
pub async fn remove(
    store: &Store,
    secrets: &dyn SecretStore,
    id_or_name: &str,
) -> Result<Connection, EngineError> {
    let row = rows::require(store.pool(), id_or_name).await?;
    tenant::may_remove(&row)?;
    // An all-apps tenant takes its app connections along (ON DELETE
    // CASCADE), and their secrets (an app's own SCIM token).
    let apps = rows::apps_of(store.pool(), row.id).await?;
    let mut tx = crate::store::begin_write(store.pool()).await?;
    rows::delete(&mut *tx, &row.uuid).await?;
    for kind in SecretKind::ALL {
        secrets.delete(&SecretKey::new(&row.uuid, kind))?;
    }
    for app in &apps {
        for kind in SecretKind::ALL {
            secrets.delete(&SecretKey::new(&app.uuid, kind))?;
        }
    }
    tx.commit().await?;
    Ok(row.into_connection())
}

#[cfg(test)]
mod tests;
