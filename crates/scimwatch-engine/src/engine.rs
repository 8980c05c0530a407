//! The engine as one value: the store, the secret store and where they live.
//! The desktop shell keeps one in its managed state; the CLI makes one per run.

use std::path::{Path, PathBuf};

use scimwatch_core::Sensitive;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::connections::SecretsInput;
use crate::error::EngineError;
use crate::paths::{self, DB_FILE};
use crate::secrets::{self, Secrets};
use crate::store::Store;

/// Drift observations by connection id, with the (snapshot, assignments
/// version) they were computed from. Defined here, not in `scim::drift`
/// (which reads it through `Engine`), so the two modules do not import
/// each other.
pub(crate) type DriftCache = std::sync::Arc<
    std::sync::Mutex<
        std::collections::HashMap<i64, ((i64, i64), scimwatch_core::health::DriftObservation)>,
    >,
>;

/// Facts about this installation, shown in Settings and `scimwatch-cli info`.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AppInfo {
    pub version: String,
    pub data_dir: String,
    pub database: String,
    /// `keychain`, `file` or `memory`.
    pub secret_store: String,
    /// The file holding the secrets when `secret_store` is `file`.
    pub secret_store_path: Option<String>,
    pub dev_build: bool,
    /// Things the admin should know about this data folder: permissions
    /// tightened on open, opened read-only.
    pub notes: Vec<String>,
    /// The proxies this process uses, from `HTTPS_PROXY`/`HTTP_PROXY`/
    /// `ALL_PROXY`/`NO_PROXY` (passwords redacted).
    pub proxies: Vec<String>,
    /// What HTTPS trusts: the bundled roots, and the OS store or the
    /// `SSL_CERT_FILE`/`SSL_CERT_DIR` that replaces it.
    pub trust: Vec<String>,
}

/// Secrets as they arrive from the connection form. Deserialize only: a
/// secret never travels back to the web view.
#[derive(Debug, Default, Clone, Deserialize, TS)]
#[serde(default)]
pub struct SecretsPayload {
    #[ts(type = "string | null")]
    pub scim_token: Option<Sensitive<String>>,
    #[ts(type = "string | null")]
    pub client_secret: Option<Sensitive<String>>,
    /// PEM text: the app registration's certificate with its private key.
    #[ts(type = "string | null")]
    pub client_certificate: Option<Sensitive<String>>,
}

impl From<SecretsPayload> for SecretsInput {
    fn from(p: SecretsPayload) -> Self {
        SecretsInput {
            scim_token: p.scim_token,
            client_secret: p.client_secret,
            client_certificate: p.client_certificate,
        }
    }
}

/// An opened engine: database + secret store.
#[derive(Debug, Clone)]
pub struct Engine {
    pub store: Store,
    pub secrets: Secrets,
    data_dir: PathBuf,
    /// Drift per connection, keyed by what it was computed from (see
    /// [`crate::scim::drift::observation`]): recomputed only after a crawl
    /// or an assignments change, not every diagnosis round.
    pub(crate) drift_cache: DriftCache,
    /// The crawls running in this process (every clone shares them).
    pub(crate) crawls: crate::scim::crawl::CrawlRegistry,
}

impl Engine {
    /// The crawls running in this process.
    pub fn crawls(&self) -> &crate::scim::crawl::CrawlRegistry {
        &self.crawls
    }

    /// Open the data directory (`explicit`, else `SCIMWATCH_DATA_DIR`, else
    /// the user's data folder) and the secret store chosen by the environment.
    pub async fn open(explicit_data_dir: Option<PathBuf>) -> Result<Self, EngineError> {
        let data_dir = paths::data_dir(explicit_data_dir);
        let store = Store::open_in(&data_dir).await?;
        let secrets = secrets::from_env(&data_dir)?;
        Ok(Self::from_parts(store, secrets, data_dir))
    }

    /// An engine over explicit parts (tests).
    pub fn from_parts(store: Store, secrets: Secrets, data_dir: PathBuf) -> Self {
        Self {
            store,
            secrets,
            data_dir,
            drift_cache: Default::default(),
            crawls: Default::default(),
        }
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn info(&self) -> AppInfo {
        AppInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            data_dir: self.data_dir.display().to_string(),
            database: self.data_dir.join(DB_FILE).display().to_string(),
            secret_store: self.secrets.kind().as_str().to_string(),
            secret_store_path: self.secrets.location().map(|p| p.display().to_string()),
            dev_build: cfg!(debug_assertions),
            notes: self.notes(),
            proxies: crate::http::proxy_summary(),
            trust: crate::http::trust_summary(),
        }
    }

    fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if let Some(why) = self.store.read_only() {
            notes.push(format!(
                "the data folder is read-only ({why}): read commands work, changes cannot be saved"
            ));
        }
        notes.extend(
            self.store
                .tightened()
                .iter()
                .map(|t| format!("restricted to you (others could read it): {t}")),
        );
        notes
    }

    /// Where the cross-process lock files of this engine's database live
    /// (`<data>/locks`); `None` for an in-memory database, which no other
    /// process can open.
    pub fn locks_dir(&self) -> Option<PathBuf> {
        let db = self.store.path()?;
        Some(
            db.parent()
                .unwrap_or(Path::new("."))
                .join(crate::locks::LOCKS_DIR),
        )
    }

    /// Take the data folder's watch lock: one `watch` (CLI or desktop app)
    /// per data folder. Held until the returned lock is dropped or the
    /// process ends.
    pub fn lock_watch(&self) -> Result<Option<crate::locks::ProcessLock>, EngineError> {
        let Some(dir) = self.locks_dir() else {
            return Ok(None);
        };
        match crate::locks::ProcessLock::try_acquire(&dir, crate::locks::WATCH_LOCK) {
            Ok(l) => Ok(Some(l)),
            Err(crate::locks::LockError::Held { pid }) => Err(EngineError::Conflict(format!(
                "scimwatch is already watching this data folder ({}); stop it first, or use \
                 another --data-dir",
                crate::locks::pid_text(pid)
            ))),
            Err(crate::locks::LockError::Io(m)) => Err(EngineError::Io(m)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_payload_reads_nulls_and_strings() {
        let p: SecretsPayload =
            serde_json::from_str(r#"{"scim_token":"abc","client_secret":null}"#).unwrap();
        assert_eq!(p.scim_token.as_ref().unwrap().expose(), "abc");
        assert!(p.client_secret.is_none());
        assert!(!format!("{p:?}").contains("abc"));
        let p: SecretsPayload = serde_json::from_str("{}").unwrap();
        assert!(p.scim_token.is_none());
    }
}
