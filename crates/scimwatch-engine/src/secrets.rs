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
    /// An alert channel's webhook URL, signing secret or SMTP password
    /// (keyed by the channel's uuid; not a connection's, so not in `ALL`).
    AlertChannel,
}

impl SecretKind {
    /// The secrets a connection can have.
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
            SecretKind::AlertChannel => "alert-channel",
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
    /// Which kind of store this is (what `info`, Settings and the
    /// connection list tell the admin).
    fn kind(&self) -> SecretStoreKind {
        SecretStoreKind::from_name(self.name())
    }
    /// The file holding the secrets, for a store kept in a file.
    fn location(&self) -> Option<PathBuf> {
        None
    }
}

/// The kinds of secret store, as `info` and the UI name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretStoreKind {
    /// The OS keychain (Secret Service, macOS Keychain, Credential Manager).
    Keychain,
    /// `secrets.json` in the data folder, 0600 (`SCIMWATCH_SECRET_STORE=file`).
    File,
    /// Memory only (tests).
    Memory,
}

impl SecretStoreKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SecretStoreKind::Keychain => "keychain",
            SecretStoreKind::File => "file",
            SecretStoreKind::Memory => "memory",
        }
    }

    fn from_name(name: &str) -> Self {
        match name {
            "keychain" => SecretStoreKind::Keychain,
            "file" => SecretStoreKind::File,
            _ => SecretStoreKind::Memory,
        }
    }

    /// Where a stored secret is, in words: "in the OS keychain", "in the
    /// secrets file", "in memory".
    pub fn phrase(self) -> &'static str {
        match self {
            SecretStoreKind::Keychain => "in keychain",
            SecretStoreKind::File => "in secrets file",
            SecretStoreKind::Memory => "in memory",
        }
    }
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
    fn kind(&self) -> SecretStoreKind {
        SecretStoreKind::Keychain
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
    fn kind(&self) -> SecretStoreKind {
        SecretStoreKind::Memory
    }
}

/// A JSON file with mode 0600, chosen explicitly for machines without a
/// keychain. A write goes to a fresh temporary file in the same folder
/// (created exclusively, 0600 whatever the umask, so a file or link planted
/// under that name is never written through), is flushed to disk and renamed
/// over the old one. A `secrets.json` that is a symbolic link is refused,
/// for reading and writing. A looser mode left by an older version is
/// tightened to 0600 on first use.
#[derive(Debug)]
pub struct FileStore {
    path: PathBuf,
    lock: Mutex<()>,
    checked: std::sync::atomic::AtomicBool,
}

impl FileStore {
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            lock: Mutex::new(()),
            checked: std::sync::atomic::AtomicBool::new(false),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, detail: impl fmt::Display) -> SecretError {
        SecretError::File {
            path: self.path.clone(),
            detail: detail.to_string(),
        }
    }

    fn io_err(&self, e: &std::io::Error) -> SecretError {
        if crate::fsperm::is_disk_full(e) {
            self.err(format!("disk full: {e}; free some space and try again"))
        } else if e.kind() == std::io::ErrorKind::ReadOnlyFilesystem {
            let dir = self.path.parent().unwrap_or(Path::new("."));
            self.err(format!(
                "the data folder {} is read-only: the secret cannot be saved ({e})",
                dir.display()
            ))
        } else {
            self.err(e)
        }
    }

    /// Refuse a `secrets.json` that is a symbolic link: whatever it points
    /// to is not ours to read or replace.
    fn refuse_symlink(&self) -> Result<(), SecretError> {
        match std::fs::symlink_metadata(&self.path) {
            Ok(m) if m.file_type().is_symlink() => Err(self.err(
                "is a symbolic link; scimwatch keeps secrets only in a regular file it owns. \
                 Remove the link (and move the real file there if it holds your secrets)",
            )),
            Ok(m) if !m.file_type().is_file() => Err(self.err("is not a regular file")),
            _ => Ok(()),
        }
    }

    /// Tighten a looser existing file to 0600, once per run, with a warning.
    fn tighten_once(&self) {
        if self
            .checked
            .swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            return;
        }
        match crate::fsperm::tighten(&self.path, crate::fsperm::FILE_MODE) {
            Ok(Some(t)) => tracing::warn!(
                "the secrets file was readable by other users; restricted it to you: {t}"
            ),
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(path = %self.path.display(), error = %e, "cannot restrict the secrets file's permissions")
            }
        }
    }

    fn read(&self) -> Result<BTreeMap<String, String>, SecretError> {
        self.refuse_symlink()?;
        self.tighten_once();
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| self.err(format!("not a valid secrets file ({})", e.classify_name()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(self.err(e)),
        }
    }

    fn write(&self, map: &BTreeMap<String, String>) -> Result<(), SecretError> {
        self.refuse_symlink()?;
        let dir = self.path.parent().unwrap_or(Path::new("."));
        // Created 0700 when missing; an existing folder's mode is the
        // store's business (`Store::open_in`), never changed from here.
        if !dir.is_dir() {
            crate::fsperm::create_private_dir(dir).map_err(|e| self.io_err(&e))?;
        }
        let bytes = serde_json::to_vec(map).map_err(|e| self.err(e))?;
        let tmp = write_fresh_private(dir, &bytes).map_err(|e| self.io_err(&e))?;
        if let Err(e) = std::fs::rename(&tmp, &self.path) {
            let _ = std::fs::remove_file(&tmp);
            return Err(self.io_err(&e));
        }
        // Make the rename itself durable.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
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

/// Write `bytes` to a new, uniquely named file in `dir`, created with
/// `O_EXCL` (`create_new`: never an existing file, never through a link)
/// and mode 0600, flushed to disk. Returns its path; removed on failure.
fn write_fresh_private(dir: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    use std::io::Write;
    let mut last = None;
    for _ in 0..8 {
        let tmp = dir.join(format!(
            ".{SECRETS_FILE}.{}.{:016x}.tmp",
            std::process::id(),
            rand::random::<u64>()
        ));
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(crate::fsperm::FILE_MODE);
        }
        let mut f = match o.open(&tmp) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                last = Some(e);
                continue;
            }
            Err(e) => return Err(e),
        };
        let written = (|| {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                f.set_permissions(std::fs::Permissions::from_mode(crate::fsperm::FILE_MODE))?;
            }
            f.write_all(bytes)?;
            f.sync_all()
        })();
        return match written {
            Ok(()) => Ok(tmp),
            Err(e) => {
                drop(f);
                let _ = std::fs::remove_file(&tmp);
                Err(e)
            }
        };
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free temporary name")))
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
    fn kind(&self) -> SecretStoreKind {
        SecretStoreKind::File
    }
    fn location(&self) -> Option<PathBuf> {
        Some(self.path.clone())
    }
}

#[cfg(test)]
mod tests;
