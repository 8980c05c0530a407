//! The data folder on a shared host: 0700/0600 on a fresh and on an
//! upgraded folder (the database with its -wal and -shm while open, the
//! secrets file), one crawl per connection through the lock file, a
//! read-only database, a full disk.
//!
//! Read-only: as root (CI) a chmod does not stop writes, so this opens the
//! database through `Store::open_read_only`, the path `Store::open_in` takes
//! when its write probe fails, and checks the probe itself against a folder
//! where creating a file really fails (`/sys`). The CLI's `data_folder.rs`
//! runs the whole thing on a real read-only bind mount where allowed.
//! Disk full: `PRAGMA max_page_count` makes SQLite answer SQLITE_FULL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "it/scim_fixture/mod.rs"]
mod scim_fixture;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;

use chrono::Utc;
use scim_fixture::{add_connection, with_users, Fixture, TOKEN};
use scimwatch_core::Sensitive;
use scimwatch_engine::locks::{crawl_lock_name, ProcessLock, LOCKS_DIR};
use scimwatch_engine::scim::{run_inventory, CancelFlag, CrawlConfig, ScimError};
use scimwatch_engine::secrets::{FileStore, MemoryStore, SecretKind, SecretStore, SECRETS_FILE};
use scimwatch_engine::store::{connections as rows, inventory};
use scimwatch_engine::{Engine, EngineError, SecretKey, Store};

/// The tests take turns: each opens a store, which sets the process-wide
/// "data folder of the open database" named in disk-full and read-only
/// messages.
static PLACE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o7777
}

fn wal_shm(data: &Path) -> [std::path::PathBuf; 2] {
    [data.join("scimwatch.db-wal"), data.join("scimwatch.db-shm")]
}

async fn write_something(store: &Store) {
    sqlx::query(
        "INSERT INTO connections (uuid, name, scim_url, created_ms, updated_ms) \
         VALUES ('u1', 'Acme', 'https://x', 0, 0)",
    )
    .execute(store.pool())
    .await
    .unwrap();
}

#[tokio::test]
async fn a_fresh_data_folder_is_0700_with_0600_files_whatever_the_umask() {
    let _turn = PLACE.lock().await;
    let t = tempfile::tempdir().unwrap();
    std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let data = t.path().join("data");
    let store = Store::open_in(&data).await.unwrap();
    write_something(&store).await;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("scimwatch.db")), 0o600);
    for f in wal_shm(&data) {
        assert!(f.exists(), "{} exists while open in WAL mode", f.display());
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
    assert!(store.tightened().is_empty());
    let secrets = FileStore::new(data.join(SECRETS_FILE));
    secrets
        .set(
            &SecretKey::new("u1", SecretKind::ScimToken),
            &Sensitive::new("tok".into()),
        )
        .unwrap();
    assert_eq!(mode(&data.join(SECRETS_FILE)), 0o600);
    let engine = Engine::from_parts(store.clone(), Arc::new(secrets), data.clone());
    let info = engine.info();
    assert_eq!(info.secret_store, "file");
    assert_eq!(
        info.secret_store_path.as_deref(),
        Some(data.join(SECRETS_FILE).to_str().unwrap())
    );
    assert!(info.notes.is_empty(), "{:?}", info.notes);
    store.close().await;
}

#[tokio::test]
async fn an_upgraded_world_readable_folder_is_tightened_and_noted() {
    let _turn = PLACE.lock().await;
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("data");
    std::fs::create_dir(&data).unwrap();
    // An older release's database, as its umask left it.
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/db/schema-v9.db");
    std::fs::copy(&fixture, data.join("scimwatch.db")).unwrap();
    std::fs::write(data.join(SECRETS_FILE), b"{}").unwrap();
    std::fs::create_dir(data.join("exports")).unwrap();
    std::fs::write(data.join("exports/x.csv"), b"a\n").unwrap();
    for (p, m) in [
        (data.clone(), 0o755),
        (data.join("scimwatch.db"), 0o644),
        (data.join(SECRETS_FILE), 0o644),
        (data.join("exports"), 0o755),
        (data.join("exports/x.csv"), 0o644),
    ] {
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(m)).unwrap();
    }
    // Configured through a link, as a moved data folder often is.
    let link = t.path().join("link");
    std::os::unix::fs::symlink(&data, &link).unwrap();
    let store = Store::open_in(&link).await.unwrap();
    write_something(&store).await;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("exports")), 0o700);
    for f in ["scimwatch.db", SECRETS_FILE, "exports/x.csv"] {
        assert_eq!(mode(&data.join(f)), 0o600, "{f}");
    }
    for f in wal_shm(&data) {
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
    let tightened: Vec<String> = store.tightened().iter().map(|t| t.to_string()).collect();
    assert_eq!(tightened.len(), 5, "{tightened:?}");
    assert!(tightened
        .iter()
        .any(|t| t.contains("scimwatch.db was 0644, now 0600")));
    let engine = Engine::from_parts(store.clone(), Arc::new(MemoryStore::new()), data.clone());
    let notes = engine.info().notes;
    assert!(
        notes.iter().any(|n| n.contains("restricted to you")),
        "{notes:?}"
    );
    store.close().await;
    // Once: the next open has nothing to say.
    let again = Store::open_in(&data).await.unwrap();
    assert!(again.tightened().is_empty(), "{:?}", again.tightened());
    // The upgrade kept the data (the migrations ran on the copied file).
    let list = rows::list(again.pool()).await.unwrap();
    assert!(list.iter().any(|r| r.name == "Acme"));
    again.close().await;
}

#[tokio::test]
async fn a_shared_folder_given_as_data_folder_keeps_its_mode() {
    let _turn = PLACE.lock().await;
    // `--data-dir /tmp`-like: a folder with other people's files in it.
    let t = tempfile::tempdir().unwrap();
    let shared = t.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::write(shared.join("someone-elses.txt"), b"x").unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let store = Store::open_in(&shared).await.unwrap();
    write_something(&store).await;
    assert_eq!(
        mode(&shared),
        0o1777,
        "a folder scimwatch does not own keeps its mode"
    );
    assert_eq!(mode(&shared.join("scimwatch.db")), 0o600);
    for f in wal_shm(&shared) {
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
    let secrets = FileStore::new(shared.join(SECRETS_FILE));
    secrets
        .set(
            &SecretKey::new("u1", SecretKind::ScimToken),
            &Sensitive::new("tok".into()),
        )
        .unwrap();
    assert_eq!(mode(&shared), 0o1777);
    assert_eq!(mode(&shared.join(SECRETS_FILE)), 0o600);
    store.close().await;
}

#[tokio::test]
async fn a_read_only_database_serves_reads_and_refuses_writes_clearly() {
    let _turn = PLACE.lock().await;
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("data");
    let store = Store::open_in(&data).await.unwrap();
    write_something(&store).await;
    store.close().await;
    let files = |d: &Path| {
        let mut v: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        v.sort();
        v
    };
    let before = files(&data);

    let db = data.join("scimwatch.db");
    let ro = Store::open_read_only(&db, "Read-only file system (os error 30)")
        .await
        .unwrap();
    assert!(ro.read_only().is_some());
    let list = rows::list(ro.pool()).await.unwrap();
    assert_eq!(list[0].name, "Acme");
    let e: EngineError = sqlx::query("DELETE FROM connections")
        .execute(ro.pool())
        .await
        .unwrap_err()
        .into();
    let msg = e.to_string();
    assert!(
        msg.contains(&format!("the data folder {} is read-only", data.display())),
        "{msg}"
    );
    let engine = Engine::from_parts(ro.clone(), Arc::new(MemoryStore::new()), data.clone());
    assert!(engine.info().notes.iter().any(|n| n.contains("read-only")));
    // Nothing was created beside the file.
    assert_eq!(files(&data), before);
    ro.close().await;
    assert_eq!(
        rows::list(Store::open_in(&data).await.unwrap().pool())
            .await
            .unwrap()
            .len(),
        1
    );

    // A database behind this version cannot be upgraded there.
    let old = t.path().join("old");
    std::fs::create_dir(&old).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/db/schema-v9.db");
    std::fs::copy(&fixture, old.join("scimwatch.db")).unwrap();
    let e = Store::open_read_only(&old.join("scimwatch.db"), "probe failed")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("needs an upgrade") && e.contains("read-only"),
        "{e}"
    );
    assert!(e.contains(&old.display().to_string()), "{e}");
    // And an empty read-only folder says it has no database.
    let e = Store::open_read_only(&t.path().join("empty/scimwatch.db"), "probe failed")
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("holds no database yet"), "{e}");
}

#[cfg(target_os = "linux")]
#[test]
fn the_write_probe_detects_a_folder_where_nothing_can_be_created() {
    // sysfs refuses new files even to root: a real failed write.
    let e = scimwatch_engine::fsperm::probe_writable(Path::new("/sys")).unwrap_err();
    assert!(scimwatch_engine::fsperm::is_read_only(&e), "{e:?}");
    let t = tempfile::tempdir().unwrap();
    scimwatch_engine::fsperm::probe_writable(t.path()).unwrap();
}

#[tokio::test]
async fn a_full_database_says_disk_full_with_the_folder() {
    let _turn = PLACE.lock().await;
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("data");
    let store = Store::open_in(&data).await.unwrap();
    write_something(&store).await;
    let mut conn = store.pool().acquire().await.unwrap();
    let (pages,): (i64,) = sqlx::query_as("PRAGMA page_count")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    sqlx::query(&format!("PRAGMA max_page_count = {pages}"))
        .execute(&mut *conn)
        .await
        .unwrap();
    let mut failure = None;
    for i in 0..10_000 {
        if let Err(e) = sqlx::query(
            "INSERT INTO connections (uuid, name, scim_url, created_ms, updated_ms) \
             VALUES (?, ?, 'https://x', 0, 0)",
        )
        .bind(format!("uuid-{i}"))
        .bind(format!("{i}-{}", "n".repeat(500)))
        .execute(&mut *conn)
        .await
        {
            failure = Some(EngineError::from(e));
            break;
        }
    }
    let msg = failure
        .expect("SQLite never reported SQLITE_FULL")
        .to_string();
    assert!(msg.starts_with("disk full"), "{msg}");
    assert!(msg.contains(&data.display().to_string()), "{msg}");
    drop(conn);
    store.close().await;
}

#[tokio::test]
async fn a_crawl_locked_elsewhere_is_refused_and_leaves_that_run_alone() {
    let _turn = PLACE.lock().await;
    let fx = Fixture::start(with_users(5)).await;
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("data");
    let store = Store::open_in(&data).await.unwrap();
    let engine = Engine::from_parts(store.clone(), Arc::new(MemoryStore::new()), data.clone());
    let uuid = add_connection(&engine, "Acme", &fx.url, TOKEN).await;
    let row = rows::list(store.pool()).await.unwrap().remove(0);

    // Another process's crawl: its running snapshot and its lock file.
    let theirs = inventory::begin(store.pool(), row.id, 1).await.unwrap();
    let held = ProcessLock::try_acquire(&data.join(LOCKS_DIR), &crawl_lock_name(&uuid)).unwrap();
    let cfg = CrawlConfig::default();
    let e = run_inventory(&engine, &uuid, &cfg, None, &CancelFlag::new(), Utc::now())
        .await
        .unwrap_err();
    match &e {
        ScimError::AlreadyRunning { name, pid } => {
            assert_eq!(name, "Acme");
            assert_eq!(*pid, Some(std::process::id()));
        }
        other => panic!("expected AlreadyRunning, got {other:?}"),
    }
    assert!(
        e.to_string().contains(&format!(
            "a crawl of Acme is already running (pid {})",
            std::process::id()
        )),
        "{e}"
    );
    let list = inventory::list(store.pool(), row.id, 10).await.unwrap();
    assert_eq!(list.len(), 1, "the refused crawl began no snapshot");
    assert_eq!(list[0].id, theirs);
    assert_eq!(list[0].state, "running", "their run was not marked failed");

    // Once they are gone (the lock released), a crawl runs, and the stale
    // `running` snapshot becomes `failed`.
    drop(held);
    let out = run_inventory(&engine, &uuid, &cfg, None, &CancelFlag::new(), Utc::now())
        .await
        .unwrap();
    assert_eq!(out.users, 5);
    let list = inventory::list(store.pool(), row.id, 10).await.unwrap();
    let old = list.iter().find(|s| s.id == theirs).unwrap();
    assert_eq!(old.state, "failed");
    assert_eq!(mode(&data.join(LOCKS_DIR)), 0o700);
    assert_eq!(
        mode(&data.join(LOCKS_DIR).join(crawl_lock_name(&uuid))),
        0o600
    );
}
