//! Exports of provisioning events for tickets and spreadsheets: CSV (with
//! spreadsheet formula injection neutralised) and JSON lines of the raw
//! Graph objects.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::EngineError;
use crate::store::events::{self, EventFilter, EventRow};
use crate::store::raw_pages::RawReader;
use crate::store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Json,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ExportResult {
    pub path: String,
    #[ts(type = "number")]
    pub rows: u64,
}

/// One CSV cell: quoted when needed; a leading `= + - @` is prefixed with `'`
/// so a spreadsheet never evaluates data from a tenant as a formula.
pub fn csv_cell(s: &str) -> String {
    let mut v = s.to_string();
    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        v.insert(0, '\'');
    }
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

pub const CSV_HEADER: &str = "time_utc,event_id,cycle_id,action,status,source_id,source_name,target_id,target_name,identity_type,error_code,error_reason,duration_ms";

pub fn csv_row(e: &EventRow) -> String {
    let o = |v: &Option<String>| csv_cell(v.as_deref().unwrap_or(""));
    let t = crate::store::connections::ms_to_time(e.activity_ms).to_rfc3339();
    [
        csv_cell(&t),
        csv_cell(&e.event_id),
        o(&e.cycle_id),
        csv_cell(&e.action),
        csv_cell(&e.status),
        o(&e.source_id),
        o(&e.source_name),
        o(&e.target_id),
        o(&e.target_name),
        o(&e.identity_type),
        o(&e.error_code),
        o(&e.error_reason),
        e.duration_ms.map(|d| d.to_string()).unwrap_or_default(),
    ]
    .join(",")
}

/// Write every event matching `filter` to `path`, page by page.
pub async fn export_events(
    store: &Store,
    connection_id: i64,
    filter: &EventFilter,
    format: ExportFormat,
    path: &Path,
) -> Result<ExportResult, EngineError> {
    let io = |e: std::io::Error| {
        EngineError::Io(if crate::fsperm::is_disk_full(&e) {
            format!(
                "disk full: cannot write {} ({e}); free some space and try again",
                path.display()
            )
        } else {
            format!("cannot write {}: {e}", path.display())
        })
    };
    // 0600 whatever the umask: an export holds user names and addresses.
    let mut out =
        std::io::BufWriter::new(crate::fsperm::create_private_truncate(path).map_err(io)?);
    if format == ExportFormat::Csv {
        writeln!(out, "{CSV_HEADER}").map_err(io)?;
    }
    let mut cursor: Option<String> = None;
    let mut rows = 0u64;
    let mut raws = RawReader::default();
    loop {
        let page =
            events::query(store.pool(), connection_id, filter, 1000, cursor.as_deref()).await?;
        for e in &page.items {
            match format {
                ExportFormat::Csv => writeln!(out, "{}", csv_row(e)).map_err(io)?,
                ExportFormat::Json => {
                    let raw = raws
                        .get(store.pool(), connection_id, e.activity_ms, &e.event_id)
                        .await?
                        .unwrap_or_else(|| "{}".into());
                    writeln!(out, "{raw}").map_err(io)?;
                }
            }
            rows += 1;
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    out.flush().map_err(io)?;
    Ok(ExportResult {
        path: path.display().to_string(),
        rows,
    })
}

/// Where exports go: the user's Downloads folder, else the data folder.
pub fn export_path(
    data_dir: &Path,
    connection_name: &str,
    format: ExportFormat,
    stamp: &str,
) -> PathBuf {
    let dir = match dirs::download_dir() {
        Some(d) => {
            let _ = std::fs::create_dir_all(&d);
            d
        }
        None => {
            // Inside the data folder: private like the rest of it.
            let d = data_dir.join("exports");
            let _ = crate::fsperm::create_private_dir(&d);
            d
        }
    };
    let safe = crate::paths::file_name_part(connection_name);
    let ext = extension(format);
    dir.join(format!("scimwatch-{safe}-logs-{stamp}.{ext}"))
}

/// The file extension of a format.
fn extension(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::Csv => "csv",
        ExportFormat::Json => "jsonl",
    }
}

/// Check a path chosen in the save dialog: absolute, in an existing folder
/// outside the data folder, not a folder or a symbolic link itself; without
/// an extension it gets the format's.
pub fn chosen_export_path(
    raw: &str,
    format: ExportFormat,
    data_dir: &Path,
) -> Result<PathBuf, EngineError> {
    let refuse = |m: String| {
        EngineError::Validation(scimwatch_core::ValidationError {
            fields: vec![scimwatch_core::FieldError::new("path", m)],
        })
    };
    if raw.trim().is_empty() {
        return Err(refuse("choose where to save the export".into()));
    }
    if raw.len() > 4096 || raw.chars().any(char::is_control) {
        return Err(refuse(
            "that is not a usable file path (too long or with control characters)".into(),
        ));
    }
    let mut path = PathBuf::from(raw);
    if !path.is_absolute() {
        return Err(refuse(format!(
            "{raw} is not a full path; choose the file in the dialog"
        )));
    }
    let name_ok = path
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| !n.trim().is_empty());
    if !name_ok {
        return Err(refuse(format!("{raw} names no file; add a file name")));
    }
    if path.extension().is_none() {
        path.set_extension(extension(format));
    }
    let parent = path.parent().unwrap_or(Path::new("/")).to_path_buf();
    let folder = std::fs::canonicalize(&parent).map_err(|_| {
        refuse(format!(
            "the folder {} does not exist; choose another",
            parent.display()
        ))
    })?;
    if !folder.is_dir() {
        return Err(refuse(format!("{} is not a folder", parent.display())));
    }
    let data = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    if folder.starts_with(&data) {
        return Err(refuse(format!(
            "{} is scimwatch's data folder: choose a folder outside it",
            parent.display()
        )));
    }
    match std::fs::symlink_metadata(&path) {
        Ok(m) if m.file_type().is_symlink() => Err(refuse(format!(
            "{} is a symbolic link; choose another file name",
            path.display()
        ))),
        Ok(m) if m.is_dir() => Err(refuse(format!(
            "{} is a folder; choose a file name",
            path.display()
        ))),
        _ => Ok(folder.join(path.file_name().unwrap_or_default())),
    }
}

/// Export a connection's events matching `filter` to the file the admin chose.
pub async fn export_to(
    engine: &crate::Engine,
    connection: &str,
    filter: &EventFilter,
    format: ExportFormat,
    chosen: &str,
) -> Result<ExportResult, EngineError> {
    let path = chosen_export_path(chosen, format, engine.data_dir())?;
    let row = crate::store::connections::require(engine.store.pool(), connection).await?;
    export_events(&engine.store, row.id, filter, format, &path).await
}

/// The folder holding an exported file, for "Show in folder": the path must
/// be an existing regular file given in full.
pub fn export_folder(raw: &str) -> Result<PathBuf, EngineError> {
    let path = Path::new(raw);
    let meta = std::fs::symlink_metadata(path).ok();
    if !path.is_absolute() || !meta.is_some_and(|m| m.is_file()) {
        return Err(EngineError::NotFound(format!(
            "{raw} is no longer there; export again"
        )));
    }
    Ok(path.parent().unwrap_or(Path::new("/")).to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chosen_path_is_checked() {
        let data = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        let dir = out.path().canonicalize().unwrap();
        let ok = |p: &Path| chosen_export_path(p.to_str().unwrap(), ExportFormat::Csv, data.path());
        assert_eq!(ok(&dir.join("a.csv")).unwrap(), dir.join("a.csv"));
        // No extension: the format's is added.
        assert_eq!(ok(&dir.join("a")).unwrap(), dir.join("a.csv"));
        assert_eq!(
            chosen_export_path(
                dir.join("b").to_str().unwrap(),
                ExportFormat::Json,
                data.path()
            )
            .unwrap(),
            dir.join("b.jsonl")
        );
        let err = |p: &str| {
            chosen_export_path(p, ExportFormat::Csv, data.path())
                .unwrap_err()
                .to_string()
        };
        assert!(err("").contains("choose where"));
        assert!(err("relative/a.csv").contains("not a full path"));
        assert!(err("/no/such/folder/a.csv").contains("does not exist"));
        assert!(err(data.path().join("x.csv").to_str().unwrap()).contains("data folder"));
        std::fs::create_dir(dir.join("sub.csv")).unwrap();
        assert!(err(dir.join("sub.csv").to_str().unwrap()).contains("is a folder"));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/etc/passwd", dir.join("link.csv")).unwrap();
            assert!(err(dir.join("link.csv").to_str().unwrap()).contains("symbolic link"));
        }
        assert!(export_folder("relative.csv").is_err());
        std::fs::write(dir.join("a.csv"), "x").unwrap();
        assert_eq!(
            export_folder(dir.join("a.csv").to_str().unwrap()).unwrap(),
            dir
        );
        assert!(export_folder(dir.join("sub.csv").to_str().unwrap()).is_err());
    }

    #[test]
    fn csv_cells_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("-1"), "'-1");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn an_export_is_0600_even_over_an_older_readable_file() {
        use std::os::unix::fs::PermissionsExt;
        let store = Store::open_memory().await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        std::fs::write(&path, b"old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let r = export_events(&store, 1, &EventFilter::default(), ExportFormat::Csv, &path)
            .await
            .unwrap();
        assert_eq!(r.rows, 0);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(std::fs::read_to_string(&path).unwrap().trim(), CSV_HEADER);
        let fresh = dir.path().join("new.jsonl");
        export_events(
            &store,
            1,
            &EventFilter::default(),
            ExportFormat::Json,
            &fresh,
        )
        .await
        .unwrap();
        let mode = std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
