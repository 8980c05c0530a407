//! "Export" of the stored probe report: Markdown (for the SaaS vendor) or
//! JSON, written to the file the admin chose in the save dialog — checked
//! like the Logs export's ([`crate::export::chosen_export_path`]).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::stored::stored_probe;
use crate::engine::Engine;
use crate::error::EngineError;
use crate::export::{chosen_export_path, ExportFormat, ExportResult};

/// The format of a probe report export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ProbeExportFormat {
    Markdown,
    Json,
}

impl ProbeExportFormat {
    fn extension(self) -> &'static str {
        match self {
            ProbeExportFormat::Markdown => "md",
            ProbeExportFormat::Json => "json",
        }
    }
}

/// Write the connection's latest probe report (the write probe's, else the
/// read-only one's) to `chosen`; without an extension it gets `.md` / `.json`.
pub async fn export_probe(
    engine: &Engine,
    connection: &str,
    format: ProbeExportFormat,
    chosen: &str,
) -> Result<ExportResult, EngineError> {
    let stored = stored_probe(engine, connection).await?;
    let Some(report) = stored.write.or(stored.read_only) else {
        return Err(EngineError::NotFound(
            "this connection has not been probed yet: run Test with Entra's requests first".into(),
        ));
    };
    let mut raw = chosen.to_string();
    if !raw.trim().is_empty() && std::path::Path::new(raw.trim()).extension().is_none() {
        raw = format!("{}.{}", raw.trim_end(), format.extension());
    }
    // The extension is set, so the log format only names the check.
    let path = chosen_export_path(&raw, ExportFormat::Json, engine.data_dir())?;
    let text = match format {
        ProbeExportFormat::Markdown => report.to_markdown(),
        ProbeExportFormat::Json => serde_json::to_string_pretty(&report)
            .map_err(|e| EngineError::Io(format!("cannot encode the report: {e}")))?,
    };
    let io = |e: std::io::Error| EngineError::Io(format!("cannot write {}: {e}", path.display()));
    let mut f = crate::fsperm::create_private_truncate(&path).map_err(io)?;
    std::io::Write::write_all(&mut f, text.as_bytes()).map_err(io)?;
    Ok(ExportResult {
        path: path.to_string_lossy().to_string(),
        rows: u64::try_from(report.steps.len()).unwrap_or(u64::MAX),
    })
}
