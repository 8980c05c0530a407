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
    rows::find(store.pool(), id_or_name)
        .await?
        .map(|r| r.into_connection())
        .ok_or_else(|| {
            EngineError::NotFound(format!(
                "no connection named or with id \u{201c}{id_or_name}\u{201d}"
            ))
        })
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
    let mut tx = store.pool().begin().await?;
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
    let flags = SecretFlags {
        scim_token_set: existing.scim_token_set,
        // A secret stored for one sign-in mode is no credential for another.
        client_secret_set: existing.client_secret_set
            && existing.auth_mode.as_deref().and_then(AuthMode::parse) == Some(input.auth_mode),
    };
    let p = prepare(input, secrets_in, flags)?;
    let mut tx = store.pool().begin().await?;
    rows::update(&mut *tx, id, &p.valid, p.flags, now.timestamp_millis()).await?;
    apply_secrets(secrets, id, &p)?;
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
    let row = rows::find(store.pool(), id_or_name).await?.ok_or_else(|| {
        EngineError::NotFound(format!(
            "no connection named or with id \u{201c}{id_or_name}\u{201d}"
        ))
    })?;
    let mut tx = store.pool().begin().await?;
    rows::delete(&mut *tx, &row.uuid).await?;
    for kind in SecretKind::ALL {
        secrets.delete(&SecretKey::new(&row.uuid, kind))?;
    }
    tx.commit().await?;
    Ok(row.into_connection())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::MemoryStore;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap()
    }

    fn scim_input(name: &str) -> ConnectionInput {
        ConnectionInput {
            name: name.into(),
            scim_url: Some("https://acme.example.com/scim/v2/".into()),
            ..Default::default()
        }
    }

    fn token(t: &str) -> SecretsInput {
        SecretsInput {
            scim_token: Some(Sensitive::new(t.into())),
            client_secret: None,
            client_certificate: None,
        }
    }

    #[tokio::test]
    async fn add_list_update_remove_round_trip() {
        let store = Store::open_memory().await.unwrap();
        let secrets = MemoryStore::new();
        let saved = add(
            &store,
            &secrets,
            &scim_input("Acme"),
            &token("tok-123\n"),
            now(),
        )
        .await
        .unwrap();
        let c = &saved.connection;
        assert_eq!(
            c.scim.as_ref().unwrap().url,
            "https://acme.example.com/scim/v2"
        );
        assert!(c.has_scim_token);
        assert!(saved.notes.iter().any(|n| n.contains("line break")));
        assert_eq!(
            secrets
                .get(&SecretKey::new(&c.id, SecretKind::ScimToken))
                .unwrap()
                .unwrap()
                .expose(),
            "tok-123"
        );
        assert_eq!(list(&store).await.unwrap().len(), 1);
        assert_eq!(get(&store, "acme").await.unwrap().id, c.id);

        // Edit without re-entering the token keeps it.
        let mut edit = scim_input("Acme prod");
        edit.tenant_id = Some("contoso.onmicrosoft.com".into());
        let upd = update(
            &store,
            &secrets,
            &c.id,
            &edit,
            &SecretsInput::default(),
            now(),
        )
        .await
        .unwrap();
        assert_eq!(upd.connection.name, "Acme prod");
        assert!(upd.connection.entra.is_some());
        assert!(upd.connection.has_scim_token);

        // Dropping the SCIM side drops its token.
        let entra_only = ConnectionInput {
            name: "Acme prod".into(),
            tenant_id: Some("contoso.onmicrosoft.com".into()),
            ..Default::default()
        };
        let upd = update(
            &store,
            &secrets,
            &c.id,
            &entra_only,
            &SecretsInput::default(),
            now(),
        )
        .await
        .unwrap();
        assert!(!upd.connection.has_scim_token);
        assert!(secrets
            .get(&SecretKey::new(&c.id, SecretKind::ScimToken))
            .unwrap()
            .is_none());

        remove(&store, &secrets, "Acme prod").await.unwrap();
        assert!(list(&store).await.unwrap().is_empty());
        assert!(matches!(
            remove(&store, &secrets, "Acme prod").await,
            Err(EngineError::NotFound(_))
        ));
    }

    #[tokio::test]
    async fn token_never_reaches_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).await.unwrap();
        let secrets = MemoryStore::new();
        add(
            &store,
            &secrets,
            &scim_input("Acme"),
            &token("SUPERSECRET-token-9f8e7d"),
            now(),
        )
        .await
        .unwrap();
        store.close().await;
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            let hay = String::from_utf8_lossy(&bytes);
            assert!(!hay.contains("SUPERSECRET"));
        }
    }

    #[tokio::test]
    async fn refusals_store_nothing() {
        let store = Store::open_memory().await.unwrap();
        let secrets = MemoryStore::new();
        let e = add(
            &store,
            &secrets,
            &scim_input("Acme"),
            &SecretsInput::default(),
            now(),
        )
        .await
        .unwrap_err();
        let EngineError::Validation(v) = e else {
            panic!("{e:?}")
        };
        assert_eq!(v.fields[0].field, "scim_token");
        let e = add(&store, &secrets, &scim_input("Acme"), &token("a b"), now())
            .await
            .unwrap_err();
        assert!(e.to_string().contains("space"));
        assert!(!e.to_string().contains("a b"));
        assert!(list(&store).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn duplicate_names_conflict() {
        let store = Store::open_memory().await.unwrap();
        let secrets = MemoryStore::new();
        add(&store, &secrets, &scim_input("Acme"), &token("t1"), now())
            .await
            .unwrap();
        let e = add(&store, &secrets, &scim_input("ACME"), &token("t2"), now())
            .await
            .unwrap_err();
        assert!(matches!(e, EngineError::Conflict(_)), "{e:?}");
        // The failed add left no stray secret behind.
        assert_eq!(list(&store).await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn client_secret_rules() {
        let store = Store::open_memory().await.unwrap();
        let secrets = MemoryStore::new();
        let input = ConnectionInput {
            name: "Unattended".into(),
            tenant_id: Some("contoso.onmicrosoft.com".into()),
            client_id: Some("11111111-2222-3333-4444-555555555555".into()),
            auth_mode: AuthMode::ClientSecret,
            ..Default::default()
        };
        let e = add(&store, &secrets, &input, &SecretsInput::default(), now())
            .await
            .unwrap_err();
        assert!(e.to_string().contains("client_secret"));
        let s = SecretsInput {
            scim_token: None,
            client_secret: Some(Sensitive::new("s3cr3t~value".into())),
            client_certificate: None,
        };
        let saved = add(&store, &secrets, &input, &s, now()).await.unwrap();
        assert!(saved.connection.has_client_secret);
    }

    #[tokio::test]
    async fn failing_keychain_leaves_nothing() {
        #[derive(Debug)]
        struct Broken;
        impl SecretStore for Broken {
            fn get(
                &self,
                _: &SecretKey,
            ) -> Result<Option<Sensitive<String>>, crate::secrets::SecretError> {
                Ok(None)
            }
            fn set(
                &self,
                _: &SecretKey,
                _: &Sensitive<String>,
            ) -> Result<(), crate::secrets::SecretError> {
                Err(crate::secrets::SecretError::Unavailable {
                    detail: "no bus".into(),
                })
            }
            fn delete(&self, _: &SecretKey) -> Result<(), crate::secrets::SecretError> {
                Ok(())
            }
            fn name(&self) -> &'static str {
                "broken"
            }
        }
        let store = Store::open_memory().await.unwrap();
        let e = add(&store, &Broken, &scim_input("Acme"), &token("t"), now())
            .await
            .unwrap_err();
        assert!(e.to_string().contains("SCIMWATCH_SECRET_STORE=file"));
        assert!(list(&store).await.unwrap().is_empty());
    }
}
