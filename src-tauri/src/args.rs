//! Command-line arguments of the desktop app.

use std::path::PathBuf;

/// `--data-dir DIR` on the command line (same as `SCIMWATCH_DATA_DIR`).
pub fn data_dir_arg(args: impl Iterator<Item = String>) -> Option<PathBuf> {
    let mut args = args.skip(1);
    while let Some(a) = args.next() {
        if a == "--data-dir" {
            return args.next().map(PathBuf::from);
        }
        if let Some(v) = a.strip_prefix("--data-dir=") {
            return Some(PathBuf::from(v));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_dir_flag_forms() {
        let args = |v: &[&str]| {
            v.iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .into_iter()
        };
        assert_eq!(data_dir_arg(args(&["app"])), None);
        assert_eq!(
            data_dir_arg(args(&["app", "--data-dir", "/tmp/x"])),
            Some(PathBuf::from("/tmp/x"))
        );
        assert_eq!(
            data_dir_arg(args(&["app", "--data-dir=/tmp/y"])),
            Some(PathBuf::from("/tmp/y"))
        );
    }
}
