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
    let io = |e: std::io::Error| EngineError::Io(format!("cannot write {}: {e}", path.display()));
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).map_err(io)?);
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
    let dir = dirs::download_dir().unwrap_or_else(|| data_dir.join("exports"));
    let _ = std::fs::create_dir_all(&dir);
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
}
