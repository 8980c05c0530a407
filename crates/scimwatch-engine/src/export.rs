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
    let safe: String = connection_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let ext = match format {
        ExportFormat::Csv => "csv",
        ExportFormat::Json => "jsonl",
    };
    dir.join(format!("scimwatch-{safe}-logs-{stamp}.{ext}"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
