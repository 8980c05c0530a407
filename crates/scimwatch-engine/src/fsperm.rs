//! Private files on shared hosts: the data folder is 0700 and every file
//! scimwatch writes there (database, its -wal and -shm, secrets.json,
//! exports, lock files) is 0600, set explicitly so the umask does not matter.
//! Looser modes left by older versions are tightened on open. Also the
//! plain-words explanation of the two storage failures an admin can fix:
//! a read-only data folder and a full disk.

use std::io;
use std::path::{Path, PathBuf};

/// Mode of the data folder and the folders scimwatch creates in it.
pub const DIR_MODE: u32 = 0o700;
/// Mode of every file scimwatch creates in the data folder.
pub const FILE_MODE: u32 = 0o600;

/// A file or folder whose mode was tightened, for the one-time note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tightened {
    pub path: PathBuf,
    pub from: u32,
    pub to: u32,
}

impl std::fmt::Display for Tightened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} was {:04o}, now {:04o}",
            self.path.display(),
            self.from,
            self.to
        )
    }
}

/// Create `dir` (and missing parents) and make `dir` itself 0700; an
/// existing folder that others can read is tightened (returned).
pub fn create_private_dir(dir: &Path) -> io::Result<Option<Tightened>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        if !dir.is_dir() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(DIR_MODE)
                .create(dir)?;
            // The umask may have taken bits away; say exactly what we want.
            set_mode(dir, DIR_MODE)?;
            return Ok(None);
        }
        tighten(dir, DIR_MODE)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)?;
        Ok(None)
    }
}

/// Create `dir` (and missing parents) 0700 if it does not exist; `true`
/// when it was created here. An existing folder is left as it is.
pub fn create_private_dir_if_missing(dir: &Path) -> io::Result<bool> {
    if dir.is_dir() {
        return Ok(false);
    }
    create_private_dir(dir).map(|_| true)
}

/// Whether `path` exists and grants anything beyond `mode`.
pub fn is_looser(path: &Path, mode: u32) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::symlink_metadata(path).is_ok_and(|m| {
            !m.file_type().is_symlink() && m.permissions().mode() & 0o7777 & !mode != 0
        })
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        false
    }
}

/// If `path` exists and grants anything beyond `mode`, set it to `mode`.
/// A symlink is left alone (its target is not ours to change).
pub fn tighten(path: &Path, mode: u32) -> io::Result<Option<Tightened>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = match std::fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        if meta.file_type().is_symlink() {
            return Ok(None);
        }
        let from = meta.permissions().mode() & 0o7777;
        if from & !mode == 0 {
            return Ok(None);
        }
        set_mode(path, mode)?;
        Ok(Some(Tightened {
            path: path.to_path_buf(),
            from,
            to: mode,
        }))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(None)
    }
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

/// Create `path` as an empty 0600 file if it does not exist (an existing
/// file is neither truncated nor followed if it is a dangling symlink).
pub fn create_private_file(path: &Path) -> io::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(FILE_MODE);
    }
    match o.open(path) {
        Ok(f) => {
            drop(f);
            #[cfg(unix)]
            set_mode(path, FILE_MODE)?;
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Open `path` for writing (truncating), 0600 whatever the umask, and an
/// existing file's looser mode tightened.
pub fn create_private_truncate(path: &Path) -> io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(FILE_MODE);
    }
    let f = o.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))?;
    }
    Ok(f)
}

/// Whether files can be created in `dir`: a real probe (create and remove a
/// uniquely named file), not a look at the mode bits, which say nothing for
/// root or a read-only mount. `Err` carries what failed.
pub fn probe_writable(dir: &Path) -> Result<(), io::Error> {
    let name = format!(
        ".scimwatch-write-probe-{}-{}",
        std::process::id(),
        rand::random::<u64>()
    );
    let p = dir.join(name);
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(FILE_MODE);
    }
    o.open(&p)?;
    std::fs::remove_file(&p)
}

/// Whether an IO error means "nothing can be written here".
pub fn is_read_only(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ReadOnlyFilesystem | io::ErrorKind::PermissionDenied
    )
}

/// Whether an IO error means the disk (or quota) is full.
pub fn is_disk_full(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    )
}

/// "the data folder X is read-only: …" / "disk full: …" for a failed
/// write of `what` in the data folder `dir`; other errors as they are.
pub fn explain_write(dir: &Path, what: &str, e: &io::Error) -> String {
    if is_disk_full(e) {
        format!(
            "disk full: cannot write {what} in {} ({e}); free some space and try again",
            dir.display()
        )
    } else if is_read_only(e) {
        format!(
            "the data folder {} is read-only: cannot write {what} ({e})",
            dir.display()
        )
    } else {
        format!("cannot write {what} in {}: {e}", dir.display())
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::symlink_metadata(p)
            .expect("the file exists")
            .permissions()
            .mode()
            & 0o7777
    }

    #[test]
    fn a_new_folder_is_0700_whatever_the_parent() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("a").join("b");
        assert_eq!(create_private_dir(&d).unwrap(), None);
        assert_eq!(mode(&d), 0o700);
        assert_eq!(mode(&t.path().join("a")), 0o700);
    }

    #[test]
    fn a_loose_folder_and_file_are_tightened_once() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("data");
        std::fs::create_dir(&d).unwrap();
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
        let got = create_private_dir(&d).unwrap().unwrap();
        assert_eq!((got.from, got.to), (0o755, 0o700));
        assert!(got.to_string().contains("0755"), "{got}");
        assert_eq!(create_private_dir(&d).unwrap(), None);
        let f = d.join("f");
        std::fs::write(&f, b"x").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(tighten(&f, FILE_MODE).unwrap().unwrap().from, 0o644);
        assert_eq!(mode(&f), 0o600);
        assert_eq!(tighten(&f, FILE_MODE).unwrap(), None);
        // A stricter file is left as it is.
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o400)).unwrap();
        assert_eq!(tighten(&f, FILE_MODE).unwrap(), None);
        assert_eq!(mode(&f), 0o400);
    }

    #[test]
    fn private_files_are_0600_and_never_follow_a_dangling_link() {
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join("db");
        create_private_file(&f).unwrap();
        assert_eq!(mode(&f), 0o600);
        let target = t.path().join("elsewhere");
        let link = t.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        create_private_file(&link).unwrap();
        assert!(
            !target.exists(),
            "create_new must not create through a link"
        );
        let e = t.path().join("export.csv");
        std::fs::write(&e, b"old").unwrap();
        std::fs::set_permissions(&e, std::fs::Permissions::from_mode(0o644)).unwrap();
        drop(create_private_truncate(&e).unwrap());
        assert_eq!(mode(&e), 0o600);
        assert_eq!(std::fs::read(&e).unwrap(), b"");
    }

    #[test]
    fn probe_and_explanations() {
        let t = tempfile::tempdir().unwrap();
        probe_writable(t.path()).unwrap();
        assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), 0);
        let missing = probe_writable(&t.path().join("nope")).unwrap_err();
        assert!(!is_read_only(&missing));
        let ro = io::Error::from(io::ErrorKind::ReadOnlyFilesystem);
        let msg = explain_write(Path::new("/d"), "the lock file", &ro);
        assert!(msg.starts_with("the data folder /d is read-only"), "{msg}");
        let full = io::Error::from_raw_os_error(28); // ENOSPC
        let msg = explain_write(Path::new("/d"), "secrets.json", &full);
        assert!(msg.starts_with("disk full") && msg.contains("/d"), "{msg}");
    }
}
