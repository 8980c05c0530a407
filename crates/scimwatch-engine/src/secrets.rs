//! Secrets (SCIM tokens, client secrets, refresh tokens) live behind
//! [`SecretStore`]: the OS keychain for the app and the CLI, an explicit 0600
//! file for servers without one, memory for tests. Never SQLite.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use scimwatch_core::Sensitive;

/// Environment variable choosing the secret store: `keychain` (default) or `file`.
pub const SECRET_STORE_ENV: &str = "SCIMWATCH_SECRET_STORE";
/// File used by the file store, inside the data directory.
pub const SECRETS_FILE: &str = "secrets.json";

/// Which secret of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SecretKind {
    ScimToken,
    ClientSecret,
    /// PEM certificate + key for certificate-based client credentials.
    ClientCertificate,
    RefreshToken,
}

impl SecretKind {
    pub const ALL: [SecretKind; 4] = [
        SecretKind::ScimToken,
        SecretKind::ClientSecret,
        SecretKind::ClientCertificate,
        SecretKind::RefreshToken,
    ];

    fn as_str(self) -> &'static str {
        match self {
            SecretKind::ScimToken => "scim-token",
            SecretKind::ClientSecret => "client-secret",
            SecretKind::ClientCertificate => "client-certificate",
            SecretKind::RefreshToken => "refresh-token",
        }
    }
}

/// Address of one secret: a connection's uuid and the kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SecretKey {
    pub connection: String,
    pub kind: SecretKind,
}

impl SecretKey {
    pub fn new(connection: &str, kind: SecretKind) -> Self {
        Self {
            connection: connection.to_string(),
            kind,
        }
    }

    /// The keychain "account" (and file store key) for this secret.
    pub fn account(&self) -> String {
        format!("{}/{}", self.connection, self.kind.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(
        "no OS keychain is available ({detail}). scimwatch keeps tokens in the Secret Service \
         keychain (GNOME Keyring, KWallet): unlock or start one in your desktop session. On a \
         server without a desktop, set SCIMWATCH_SECRET_STORE=file to keep secrets in a file \
         readable only by you in the data directory"
    )]
    Unavailable { detail: String },
    #[error("the keychain refused the request: {0}")]
    Keychain(String),
    #[error("secret file {path}: {detail}")]
    File { path: PathBuf, detail: String },
    #[error("{SECRET_STORE_ENV}={0:?} is not a secret store; use `keychain` or `file`")]
    UnknownStore(String),
}

/// Where secrets are kept. Implementations must never log values.
pub trait SecretStore: Send + Sync + fmt::Debug {
    fn get(&self, key: &SecretKey) -> Result<Option<Sensitive<String>>, SecretError>;
    fn set(&self, key: &SecretKey, value: &Sensitive<String>) -> Result<(), SecretError>;
    /// Deleting a secret that does not exist is not an error.
    fn delete(&self, key: &SecretKey) -> Result<(), SecretError>;
    /// A short name for messages (`keychain`, `file`, `memory`).
    fn name(&self) -> &'static str;
}

/// Shared handle used by the engine.
pub type Secrets = Arc<dyn SecretStore>;

/// Choose the store from `SCIMWATCH_SECRET_STORE`: the keychain unless `file`
/// is asked for explicitly; never a silent fallback.
pub fn from_env(data_dir: &Path) -> Result<Secrets, SecretError> {
    let choice = std::env::var(SECRET_STORE_ENV).unwrap_or_default();
    match choice.trim().to_ascii_lowercase().as_str() {
        "" | "keychain" | "keyring" => Ok(Arc::new(KeychainStore::new(keychain_service()))),
        "file" => Ok(Arc::new(FileStore::new(data_dir.join(SECRETS_FILE)))),
        _ => Err(SecretError::UnknownStore(choice)),
    }
}

/// Keychain service name; dev builds use their own so they never touch real secrets.
pub fn keychain_service() -> &'static str {
    if cfg!(debug_assertions) {
        "scimwatch-dev"
    } else {
        "scimwatch"
    }
}

/// The OS keychain through `keyring` (Secret Service on Linux, Keychain on
/// macOS, Credential Manager on Windows).
#[derive(Debug, Clone)]
pub struct KeychainStore {
    service: String,
}

impl KeychainStore {
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    fn entry(&self, key: &SecretKey) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(&self.service, &key.account()).map_err(map_keyring)
    }
}

fn map_keyring(e: keyring::Error) -> SecretError {
    match e {
        keyring::Error::PlatformFailure(inner) => SecretError::Unavailable {
            detail: inner.to_string(),
        },
        keyring::Error::NoStorageAccess(inner) => SecretError::Unavailable {
            detail: inner.to_string(),
        },
        // Other variants carry no secret material, only descriptions.
        other => SecretError::Keychain(other.to_string()),
    }
}

impl SecretStore for KeychainStore {
    fn get(&self, key: &SecretKey) -> Result<Option<Sensitive<String>>, SecretError> {
        match self.entry(key)?.get_password() {
            Ok(v) => Ok(Some(Sensitive::new(v))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_keyring(e)),
        }
    }

    fn set(&self, key: &SecretKey, value: &Sensitive<String>) -> Result<(), SecretError> {
        self.entry(key)?
            .set_password(value.expose())
            .map_err(map_keyring)
    }

    fn delete(&self, key: &SecretKey) -> Result<(), SecretError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_keyring(e)),
        }
    }

    fn name(&self) -> &'static str {
        "keychain"
    }
}

/// In-memory store for tests.
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<BTreeMap<SecretKey, Sensitive<String>>>,
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MemoryStore(<redacted>)")
    }
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<SecretKey, Sensitive<String>>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, key: &SecretKey) -> Result<Option<Sensitive<String>>, SecretError> {
        Ok(self.lock().get(key).cloned())
    }
    fn set(&self, key: &SecretKey, value: &Sensitive<String>) -> Result<(), SecretError> {
        self.lock().insert(key.clone(), value.clone());
        Ok(())
    }
    fn delete(&self, key: &SecretKey) -> Result<(), SecretError> {
        self.lock().remove(key);
        Ok(())
    }
    fn name(&self) -> &'static str {
        "memory"
    }
}

/// A JSON file with mode 0600, chosen explicitly for machines without a
/// keychain. Writes go to a temporary file renamed over the old one.
#[derive(Debug)]
pub struct FileStore {
    path: PathBuf,
    lock: Mutex<()>,
}

impl FileStore {
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            lock: Mutex::new(()),
        }
    }

    fn err(&self, detail: impl fmt::Display) -> SecretError {
        SecretError::File {
            path: self.path.clone(),
            detail: detail.to_string(),
        }
    }

    fn read(&self) -> Result<BTreeMap<String, String>, SecretError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| self.err(format!("not a valid secrets file ({})", e.classify_name()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(self.err(e)),
        }
    }

    fn write(&self, map: &BTreeMap<String, String>) -> Result<(), SecretError> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| self.err(e))?;
        let tmp = self.path.with_extension("json.tmp");
        let bytes = serde_json::to_vec(map).map_err(|e| self.err(e))?;
        write_private(&tmp, &bytes).map_err(|e| self.err(e))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| self.err(e))
    }

    fn locked(&self) -> std::sync::MutexGuard<'_, ()> {
        self.lock.lock().unwrap_or_else(|p| p.into_inner())
    }
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}
impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "read error",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "unexpected content",
            serde_json::error::Category::Eof => "truncated",
        }
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

impl SecretStore for FileStore {
    fn get(&self, key: &SecretKey) -> Result<Option<Sensitive<String>>, SecretError> {
        let _g = self.locked();
        Ok(self.read()?.remove(&key.account()).map(Sensitive::new))
    }
    fn set(&self, key: &SecretKey, value: &Sensitive<String>) -> Result<(), SecretError> {
        let _g = self.locked();
        let mut map = self.read()?;
        map.insert(key.account(), value.expose().clone());
        self.write(&map)
    }
    fn delete(&self, key: &SecretKey) -> Result<(), SecretError> {
        let _g = self.locked();
        let mut map = self.read()?;
        if map.remove(&key.account()).is_some() {
            self.write(&map)?;
        }
        Ok(())
    }
    fn name(&self) -> &'static str {
        "file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exercise(store: &dyn SecretStore) {
        let k = SecretKey::new("c1", SecretKind::ScimToken);
        let k2 = SecretKey::new("c1", SecretKind::ClientSecret);
        assert!(store.get(&k).unwrap().is_none());
        store.set(&k, &Sensitive::new("tok-1".into())).unwrap();
        store.set(&k2, &Sensitive::new("sec-1".into())).unwrap();
        assert_eq!(store.get(&k).unwrap().unwrap().expose(), "tok-1");
        store.set(&k, &Sensitive::new("tok-2".into())).unwrap();
        assert_eq!(store.get(&k).unwrap().unwrap().expose(), "tok-2");
        store.delete(&k).unwrap();
        store.delete(&k).unwrap();
        assert!(store.get(&k).unwrap().is_none());
        assert_eq!(store.get(&k2).unwrap().unwrap().expose(), "sec-1");
        store.delete(&k2).unwrap();
    }

    #[test]
    fn memory_store_round_trip() {
        let s = MemoryStore::new();
        exercise(&s);
        s.set(
            &SecretKey::new("c", SecretKind::ScimToken),
            &Sensitive::new("zzz-secret".into()),
        )
        .unwrap();
        assert!(!format!("{s:?}").contains("zzz"));
    }

    #[test]
    fn file_store_round_trip_and_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join(SECRETS_FILE);
        let s = FileStore::new(path.clone());
        exercise(&s);
        s.set(
            &SecretKey::new("c", SecretKind::RefreshToken),
            &Sensitive::new("r".into()),
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn file_store_reports_a_corrupt_file_without_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(SECRETS_FILE);
        std::fs::write(&path, b"{\"c/scim-token\": \"leak-me").unwrap();
        let err = FileStore::new(path)
            .get(&SecretKey::new("c", SecretKind::ScimToken))
            .unwrap_err()
            .to_string();
        assert!(err.contains("truncated"), "{err}");
        assert!(!err.contains("leak-me"), "{err}");
    }

    /// The real OS keychain. `make test` runs the tests inside a D-Bus session
    /// with gnome-keyring unlocked and sets SCIMWATCH_TEST_KEYCHAIN=1, so this
    /// must pass there; elsewhere it must fail with the actionable message.
    #[test]
    fn keychain_store_round_trip_or_actionable_error() {
        let store = KeychainStore::new(format!("scimwatch-test-{}", std::process::id()));
        let k = SecretKey::new("probe", SecretKind::ScimToken);
        let required = std::env::var("SCIMWATCH_TEST_KEYCHAIN").as_deref() == Ok("1");
        match store.set(&k, &Sensitive::new("probe-value".into())) {
            Ok(()) => exercise(&store),
            Err(e) => {
                assert!(!required, "keychain required but unavailable: {e}");
                let msg = e.to_string();
                assert!(msg.contains("SCIMWATCH_SECRET_STORE=file"), "{msg}");
            }
        }
    }

    #[test]
    fn unknown_store_name_is_refused() {
        let e = SecretError::UnknownStore("vault".into()).to_string();
        assert!(e.contains("keychain") && e.contains("file"));
    }
}
