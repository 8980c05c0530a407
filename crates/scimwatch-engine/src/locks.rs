//! Cross-process locks on the data folder: one crawl per connection and one
//! watch per data folder, whether the CLI or the desktop app runs them.
//!
//! A lock is an advisory `flock` (std's `File::try_lock`) on a 0600 file in
//! `<data>/locks/`, holding the owner's pid for the message. The kernel
//! drops it when the process exits, however it exits, so a crash never
//! leaves a stale lock; the file itself staying behind means nothing.
//! Two `File`s opened separately conflict even inside one process.

use std::fs::{File, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::fsperm;

/// Folder of the lock files inside the data folder.
pub const LOCKS_DIR: &str = "locks";
/// The lock file of `watch` (one per data folder).
pub const WATCH_LOCK: &str = "watch.lock";

/// The lock file name of a crawl of the connection `uuid`.
pub fn crawl_lock_name(uuid: &str) -> String {
    let safe = crate::paths::file_name_part(uuid);
    format!("crawl-{safe}.lock")
}

/// Why a lock was not taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another holder has it; `pid` when it could be read from the file.
    #[error("held by {}", pid_text(*.pid))]
    Held { pid: Option<u32> },
    /// The lock file could not be made or locked (read-only folder, …).
    #[error("{0}")]
    Io(String),
}

/// "pid 1234", or "pid unknown" when the holder had not written it yet.
pub fn pid_text(pid: Option<u32>) -> String {
    match pid {
        Some(p) => format!("pid {p}"),
        None => "pid unknown".into(),
    }
}

/// A held lock; dropping it (or the process ending) releases it.
#[derive(Debug)]
pub struct ProcessLock {
    file: File,
    path: PathBuf,
}

impl ProcessLock {
    /// Take the lock `name` in `locks_dir` (created 0700) without waiting.
    pub fn try_acquire(locks_dir: &Path, name: &str) -> Result<ProcessLock, LockError> {
        let io = |what: &str, e: std::io::Error| {
            LockError::Io(match locks_dir.parent() {
                Some(data) if fsperm::is_read_only(&e) || fsperm::is_disk_full(&e) => {
                    fsperm::explain_write(data, what, &e)
                }
                _ => format!("cannot {what} in {}: {e}", locks_dir.display()),
            })
        };
        fsperm::create_private_dir(locks_dir).map_err(|e| io("create the lock folder", e))?;
        let path = locks_dir.join(name);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(LockError::Io(format!(
                "the lock file {} is a symbolic link; remove it",
                path.display()
            )));
        }
        let mut o = std::fs::OpenOptions::new();
        o.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(fsperm::FILE_MODE);
        }
        let mut file = o.open(&path).map_err(|e| io("open the lock file", e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(LockError::Held {
                    pid: read_pid(&mut file),
                })
            }
            Err(TryLockError::Error(e)) => return Err(io("lock the lock file", e)),
        }
        let pid = format!("{}\n", std::process::id());
        file.set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)).map(|_| ()))
            .and_then(|()| file.write_all(pid.as_bytes()))
            .map_err(|e| io("write the lock file", e))?;
        Ok(ProcessLock { file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ProcessLock {
    fn drop(&mut self) {
        // Closing the file releases the lock too; unlock first so a waiter
        // never sees our pid after we are gone.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

/// The holder's pid from the lock file; it writes it right after locking,
/// so an empty file is read again a few times.
fn read_pid(file: &mut File) -> Option<u32> {
    for _ in 0..5 {
        let mut s = String::new();
        if file.seek(SeekFrom::Start(0)).is_ok() && file.read_to_string(&mut s).is_ok() {
            if let Ok(pid) = s.trim().parse::<u32>() {
                return Some(pid);
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_first_ones_pid_until_it_lets_go() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join(LOCKS_DIR);
        let first = ProcessLock::try_acquire(&dir, WATCH_LOCK).unwrap();
        // A separately opened File conflicts even in the same process.
        match ProcessLock::try_acquire(&dir, WATCH_LOCK) {
            Err(LockError::Held { pid }) => assert_eq!(pid, Some(std::process::id())),
            other => panic!("expected Held, got {other:?}"),
        }
        // Another name is another lock.
        let other = ProcessLock::try_acquire(&dir, &crawl_lock_name("abc")).unwrap();
        drop(first);
        let again = ProcessLock::try_acquire(&dir, WATCH_LOCK).unwrap();
        assert!(again.path().ends_with("locks/watch.lock"));
        drop(other);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir), 0o700);
            assert_eq!(mode(again.path()), 0o600);
        }
    }

    #[test]
    fn raw_flock_conflict_between_two_opened_files() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("x.lock");
        let a = File::create(&p).unwrap();
        let b = File::open(&p).unwrap();
        a.try_lock().unwrap();
        assert!(matches!(b.try_lock(), Err(TryLockError::WouldBlock)));
        drop(a);
        b.try_lock().unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_symlink_is_refused() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join(LOCKS_DIR);
        std::fs::create_dir(&dir).unwrap();
        let target = t.path().join("victim");
        std::fs::write(&target, b"keep").unwrap();
        std::os::unix::fs::symlink(&target, dir.join(WATCH_LOCK)).unwrap();
        let e = ProcessLock::try_acquire(&dir, WATCH_LOCK).unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert_eq!(std::fs::read(&target).unwrap(), b"keep");
    }

    #[test]
    fn lock_names_are_safe() {
        assert_eq!(crawl_lock_name("a/../b"), "crawl-a____b.lock");
        assert_eq!(pid_text(None), "pid unknown");
    }
}
