//! The local SQLite store: one file in the data directory, WAL, embedded
//! migrations. Every query is a runtime `query`/`query_as` exercised by a test.

pub mod batch;
pub mod compliance;
pub mod connections;
pub mod events;
pub mod incidents;
pub mod inventory;
pub mod jobs;
pub mod probe_reports;
pub mod raw_pages;
pub mod scim_checks;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

use crate::error::EngineError;
use crate::fsperm::{self, Tightened};
use crate::paths::DB_FILE;

/// Migrations compiled into the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Handle to the database. Cheap to clone (a pool).
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    path: Option<PathBuf>,
    /// Opened read-only because the data folder cannot be written.
    read_only: Option<String>,
    /// Files and folders whose looser modes were tightened on open.
    tightened: Vec<Tightened>,
}

/// Whether `dir` holds only what scimwatch puts in a data folder (so its
/// mode is scimwatch's to set).
fn holds_only_scimwatch_files(dir: &Path) -> bool {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return false;
    };
    rd.flatten().all(|e| {
        let name = e.file_name();
        let name = name.to_string_lossy();
        name.starts_with(DB_FILE)
            || name.starts_with(crate::secrets::SECRETS_FILE)
            || name.starts_with(".secrets.json.")
            || name.starts_with(".scimwatch-")
            || name == crate::locks::LOCKS_DIR
            || name == "exports"
    })
}

/// The files of the database beside `db`: itself, `-wal` and `-shm`.
fn db_files(db: &Path) -> [PathBuf; 3] {
    let with = |suffix: &str| {
        let mut s = db.as_os_str().to_owned();
        s.push(suffix);
        PathBuf::from(s)
    };
    [db.to_path_buf(), with("-wal"), with("-shm")]
}

/// Tighten `paths` to `mode`, collecting what changed; a failure to chmod
/// (a file owned by someone else) is a warning, not a reason not to open.
fn tighten_all(paths: &[PathBuf], mode: u32, out: &mut Vec<Tightened>) {
    for p in paths {
        match fsperm::tighten(p, mode) {
            Ok(t) => out.extend(t),
            Err(e) => {
                tracing::warn!(path = %p.display(), error = %e, "cannot restrict the permissions")
            }
        }
    }
}

/// Everything in the data folder that must be private, besides the database:
/// the secrets file, the lock files and the exports kept there.
fn private_extras(data_dir: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let mut dirs = Vec::new();
    let mut files = vec![data_dir.join(crate::secrets::SECRETS_FILE)];
    for sub in ["exports", crate::locks::LOCKS_DIR] {
        let d = data_dir.join(sub);
        if let Ok(rd) = std::fs::read_dir(&d) {
            files.extend(rd.flatten().map(|e| e.path()).filter(|p| p.is_file()));
            dirs.push(d);
        }
    }
    (dirs, files)
}

impl Store {
    /// Open (creating if needed) `scimwatch.db` in `data_dir` and migrate it.
    /// The folder is made 0700 and the database files 0600 (looser ones left
    /// by older versions are tightened, with one warning). A data folder that
    /// cannot be written is opened read-only (see [`Store::open_read_only`]).
    pub async fn open_in(data_dir: &Path) -> Result<Self, EngineError> {
        let mut tightened = Vec::new();
        let created = match fsperm::create_private_dir_if_missing(data_dir) {
            Ok(created) => created,
            Err(e) => {
                return Err(EngineError::Io(
                    if fsperm::is_read_only(&e) || fsperm::is_disk_full(&e) {
                        fsperm::explain_write(data_dir, "the data folder", &e)
                    } else {
                        format!("cannot create the data folder {}: {e}", data_dir.display())
                    },
                ))
            }
        };
        // An existing folder is tightened only when it holds nothing but
        // scimwatch's files: `--data-dir /tmp` or a home folder keeps its
        // mode (scimwatch's own files are still 0600).
        let ours = created || holds_only_scimwatch_files(data_dir);
        if ours {
            // The folder itself, also when the configured path is a link to it.
            let real = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
            tighten_all(&[real], fsperm::DIR_MODE, &mut tightened);
        } else if fsperm::is_looser(data_dir, fsperm::DIR_MODE) {
            tracing::warn!(
                path = %data_dir.display(),
                "the data folder holds other files and others can open it; its mode is left \
                 as it is (scimwatch's own files are 0600)"
            );
        }
        let db = data_dir.join(DB_FILE);
        if let Err(e) = fsperm::probe_writable(data_dir) {
            if fsperm::is_read_only(&e) {
                return Self::open_read_only(&db, &e.to_string()).await;
            }
            if !fsperm::is_disk_full(&e) {
                return Err(EngineError::Io(fsperm::explain_write(
                    data_dir, "a file", &e,
                )));
            }
            // A full disk still lets the database be read: go on.
        }
        let files = db_files(&db);
        tighten_all(&files, fsperm::FILE_MODE, &mut tightened);
        if let Err(e) = fsperm::create_private_file(&db) {
            return Err(EngineError::Io(fsperm::explain_write(
                data_dir, DB_FILE, &e,
            )));
        }
        let (dirs, extras) = private_extras(data_dir);
        tighten_all(&dirs, fsperm::DIR_MODE, &mut tightened);
        tighten_all(&extras, fsperm::FILE_MODE, &mut tightened);
        let mut store = Self::open_file(&db).await?;
        // SQLite creates -wal and -shm with the database's mode once WAL is
        // on (the first connection); make sure of it.
        tighten_all(&files[1..], fsperm::FILE_MODE, &mut tightened);
        if !tightened.is_empty() {
            let list = tightened
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ");
            tracing::warn!(
                "the data folder was readable by other users; restricted it to you: {list}"
            );
        }
        store.tightened = tightened;
        Ok(store)
    }

    /// Open a database file and migrate it.
    pub async fn open_file(path: &Path) -> Result<Self, EngineError> {
        crate::paths::remember_db_folder(path);
        let opts = Self::options(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            // Checkpoint every ~16 MB of WAL instead of SQLite's ~4 MB: a
            // page rewritten by several commits is copied to the database
            // once (a 1M-event backfill ran ~6 % faster in alternating runs).
            .pragma("wal_autocheckpoint", "4000");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self {
            pool,
            path: Some(path.to_path_buf()),
            read_only: None,
            tightened: Vec::new(),
        })
    }

    fn options(path: &Path) -> SqliteConnectOptions {
        SqliteConnectOptions::new()
            .filename(path)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-32000")
    }

    /// Open `path` read-only, as [`Store::open_in`] does when its data
    /// folder cannot be written (`why`: what the write probe said). Read
    /// commands work; a write fails with "the data folder … is read-only".
    /// Without its `-wal` (a clean shutdown) the file is opened `immutable`,
    /// since SQLite could not create the `-shm` it would otherwise want; a
    /// database whose schema is behind this version is refused (it cannot
    /// be upgraded in place).
    pub async fn open_read_only(path: &Path, why: &str) -> Result<Self, EngineError> {
        crate::paths::remember_db_folder(path);
        let folder = path.parent().unwrap_or(Path::new("."));
        let ro = |what: &str| {
            EngineError::Io(format!(
                "the data folder {} is read-only ({why}) and {what}",
                folder.display()
            ))
        };
        if !path.is_file() {
            return Err(ro(
                "holds no database yet; run scimwatch once where it can write",
            ));
        }
        let [_, wal, _] = db_files(path);
        let opts = Self::options(path).read_only(true).immutable(!wal.exists());
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await?;
        // No table at all (an empty file): nothing applied.
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = 1")
                .fetch_all(&pool)
                .await
                .unwrap_or_default();
        if MIGRATOR.iter().any(|m| !applied.contains(&m.version)) {
            pool.close().await;
            return Err(ro("the database needs an upgrade to this version of scimwatch, which cannot be written there"));
        }
        tracing::warn!(path = %folder.display(), reason = why, "the data folder is read-only: opened the database read-only");
        Ok(Self {
            pool,
            path: Some(path.to_path_buf()),
            read_only: Some(why.to_string()),
            tightened: Vec::new(),
        })
    }

    /// Why the store was opened read-only (`None`: it can be written).
    pub fn read_only(&self) -> Option<&str> {
        self.read_only.as_deref()
    }

    /// What [`Store::open_in`] tightened (files others could read).
    pub fn tightened(&self) -> &[Tightened] {
        &self.tightened
    }

    /// A private in-memory database (tests).
    pub async fn open_memory() -> Result<Self, EngineError> {
        let opts = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
        // One connection: each in-memory connection would be its own database.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self {
            pool,
            path: None,
            read_only: None,
            tightened: Vec::new(),
        })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// `PRAGMA integrity_check`: `Ok(())` when the file is sound.
    pub async fn integrity_check(&self) -> Result<(), EngineError> {
        let rows: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check")
            .fetch_all(&self.pool)
            .await?;
        match rows.as_slice() {
            [(ok,)] if ok == "ok" => Ok(()),
            _ => Err(EngineError::Io(format!(
                "database integrity check failed: {}",
                rows.into_iter().map(|r| r.0).collect::<Vec<_>>().join("; ")
            ))),
        }
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A query with its arguments, as the store's bind helpers extend it.
pub type Q<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>;

/// Begin a transaction that writes: `BEGIN IMMEDIATE` takes the write lock
/// at once (waiting up to the busy timeout), so a transaction that reads
/// before it writes is never refused with `SQLITE_BUSY` when another
/// connection wrote in between — a deferred `BEGIN` cannot be retried then.
pub async fn begin_write(
    pool: &SqlitePool,
) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    end_orphaned_transaction(&mut conn).await?;
    sqlx::Transaction::begin(conn, Some("BEGIN IMMEDIATE".into())).await
}

/// [`begin_write`] on a connection already held.
pub async fn begin_write_on(
    conn: &mut sqlx::SqliteConnection,
) -> Result<sqlx::Transaction<'_, sqlx::Sqlite>, sqlx::Error> {
    end_orphaned_transaction(conn).await?;
    sqlx::Transaction::begin(conn, Some("BEGIN IMMEDIATE".into())).await
}

/// A future dropped while its `BEGIN` ran (a poll cut short by a timeout or
/// a shutdown) leaves its pooled connection inside a transaction nobody
/// owns: every later "transaction" on that connection would be a savepoint
/// inside it, never committed, holding the write lock. Roll it back first.
async fn end_orphaned_transaction(conn: &mut sqlx::SqliteConnection) -> Result<(), sqlx::Error> {
    use sqlx::{Database, Sqlite, TransactionManager};
    while <Sqlite as Database>::TransactionManager::get_transaction_depth(conn) > 0 {
        tracing::warn!("store: rolling back a transaction left open by a cancelled task");
        <Sqlite as Database>::TransactionManager::rollback(conn).await?;
    }
    Ok(())
}

/// A store in memory holding one connection (id 1, a SCIM side only), for
/// the store's unit tests.
#[cfg(test)]
pub(crate) async fn store_with_conn() -> Store {
    let store = Store::open_memory().await.unwrap();
    sqlx::query(
        "INSERT INTO connections (uuid, name, scim_url, created_ms, updated_ms) \
         VALUES ('u', 'n', 'https://x', 0, 0)",
    )
    .execute(store.pool())
    .await
    .unwrap();
    store
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one integer `sql` answers.
    async fn one_int(ex: impl sqlx::SqliteExecutor<'_>, sql: &str) -> i64 {
        let (n,): (i64,) = sqlx::query_as(sql).fetch_one(ex).await.unwrap();
        n
    }

    #[tokio::test]
    async fn migrates_a_fresh_file_with_wal() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(&dir.path().join("data")).await.unwrap();
        let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(one_int(store.pool(), "PRAGMA foreign_keys").await, 1);
        assert_eq!(
            one_int(store.pool(), "PRAGMA wal_autocheckpoint").await,
            4000
        );
        let tables: Vec<(String,)> =
            sqlx::query_as("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
                .fetch_all(store.pool())
                .await
                .unwrap();
        let names: Vec<_> = tables.into_iter().map(|t| t.0).collect();
        for t in [
            "checklist_progress",
            "config_versions",
            "connections",
            "cycle_rollups",
            "incidents",
            "inventory_changes",
            "inventory_snapshots",
            "job_status_snapshots",
            "poll_state",
            "provisioning_events",
            "scim_checks",
            "scim_versions",
            "settings",
        ] {
            assert!(names.iter().any(|n| n == t), "missing table {t}: {names:?}");
        }
        store.integrity_check().await.unwrap();
        store.close().await;
        // Re-opening an up-to-date database is a no-op.
        let again = Store::open_in(&dir.path().join("data")).await.unwrap();
        again.integrity_check().await.unwrap();
    }

    #[tokio::test]
    async fn event_queries_use_indexes() {
        let store = Store::open_memory().await.unwrap();
        let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(
            "EXPLAIN QUERY PLAN SELECT id FROM provisioning_events \
             WHERE connection_id = 1 AND status = 'failure' AND activity_ms BETWEEN 0 AND 10 \
             ORDER BY activity_ms DESC LIMIT 100",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        let detail = plan
            .iter()
            .map(|p| p.3.clone())
            .collect::<Vec<_>>()
            .join(" | ");
        assert!(detail.contains("events_by_status_time"), "{detail}");
        assert!(!detail.contains("TEMP B-TREE"), "{detail}");
    }

    #[tokio::test]
    async fn event_natural_key_makes_reingest_idempotent() {
        let store = store_with_conn().await;
        for _ in 0..2 {
            sqlx::query(
                "INSERT INTO provisioning_events (connection_id, event_id, activity_ms, action, status, raw_json) \
                 VALUES (1, 'e1', 5, 'create', 'success', '{}') ON CONFLICT DO NOTHING",
            )
            .execute(store.pool())
            .await
            .unwrap();
        }
        let n = one_int(store.pool(), "SELECT count(*) FROM provisioning_events").await;
        assert_eq!(n, 1);
    }

    #[tokio::test]
    async fn only_one_active_incident_per_kind() {
        let store = store_with_conn().await;
        let ins = "INSERT INTO incidents (connection_id, kind, severity, state, title, evidence_json, opened_ms, updated_ms) \
                   VALUES (1, 'stalled', 'critical', ?, 't', '{}', 0, 0)";
        sqlx::query(ins)
            .bind("resolved")
            .execute(store.pool())
            .await
            .unwrap();
        sqlx::query(ins)
            .bind("open")
            .execute(store.pool())
            .await
            .unwrap();
        assert!(sqlx::query(ins)
            .bind("escalated")
            .execute(store.pool())
            .await
            .is_err());
    }

    /// Transactions that read, then write, while others write: with a
    /// deferred BEGIN SQLite refuses the upgrade at once (SQLITE_BUSY, which
    /// the busy timeout does not retry) — the log ingest failed so at start.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn read_then_write_transactions_survive_concurrent_writers() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).await.unwrap();
        sqlx::query("CREATE TABLE t (n INTEGER NOT NULL)")
            .execute(store.pool())
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let pool = store.pool().clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..40 {
                    let mut tx = begin_write(&pool).await.unwrap();
                    let n = one_int(&mut *tx, "SELECT count(*) FROM t").await;
                    sqlx::query("INSERT INTO t (n) VALUES (?)")
                        .bind(n)
                        .execute(&mut *tx)
                        .await
                        .unwrap();
                    tx.commit().await.unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(one_int(store.pool(), "SELECT count(*) FROM t").await, 320);
        // Each saw every earlier commit: the counts are 0..320, no repeats.
        let distinct = one_int(store.pool(), "SELECT count(DISTINCT n) FROM t").await;
        assert_eq!(distinct, 320);
    }
}
