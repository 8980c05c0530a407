//! Where scimwatch keeps its data.

use std::path::{Path, PathBuf};

/// Environment variable that overrides the data directory (same as `--data-dir`).
pub const DATA_DIR_ENV: &str = "SCIMWATCH_DATA_DIR";
/// The database file inside the data directory.
pub const DB_FILE: &str = "scimwatch.db";

/// The data directory: `explicit` (a `--data-dir` flag) wins, then
/// `SCIMWATCH_DATA_DIR`, then the user's data directory. Debug builds use
/// `scimwatch-dev` so development never touches an admin's real data.
pub fn data_dir(explicit: Option<PathBuf>) -> PathBuf {
    if let Some(p) = explicit {
        return p;
    }
    if let Some(p) = std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
        return PathBuf::from(p);
    }
    let base = dirs::data_dir().unwrap_or_else(|| PathBuf::from("."));
    base.join(default_folder_name())
}

pub fn default_folder_name() -> &'static str {
    if cfg!(debug_assertions) {
        "scimwatch-dev"
    } else {
        "scimwatch"
    }
}

/// `s` as a piece of a file name: ASCII letters, digits and `-` kept,
/// anything else `_`.
pub(crate) fn file_name_part(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The folder of the database this process opened last, for naming it in
/// "disk full" and "read-only" messages raised far from the open (an
/// `sqlx::Error` does not carry its file). The app and the CLI open one.
/// Kept here, below both `store` (which records it) and `error` (which
/// names it), so the two do not import each other.
fn place() -> &'static std::sync::Mutex<Option<PathBuf>> {
    static PLACE: std::sync::OnceLock<std::sync::Mutex<Option<PathBuf>>> =
        std::sync::OnceLock::new();
    PLACE.get_or_init(|| std::sync::Mutex::new(None))
}

/// Remember the folder of the database file `db` just opened.
pub(crate) fn remember_db_folder(db: &Path) {
    let folder = db.parent().map(Path::to_path_buf);
    *place().lock().unwrap_or_else(|p| p.into_inner()) = folder;
}

/// The data folder of the open database, if any (see [`place`]).
pub fn data_folder_hint() -> Option<PathBuf> {
    place().lock().unwrap_or_else(|p| p.into_inner()).clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_wins() {
        assert_eq!(data_dir(Some("/x/y".into())), PathBuf::from("/x/y"));
    }

    #[test]
    fn dev_builds_use_a_separate_folder() {
        assert_eq!(default_folder_name(), "scimwatch-dev");
    }
}
