//! Where scimwatch keeps its data.

use std::path::PathBuf;

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
