//! The latest SCIM compliance verdict per connection and source
//! (`scim_compliance`, migration 0011): what `discover` and the last crawl
//! found. Only core types cross this module, so the store does not depend
//! on the SCIM client.

use chrono::{DateTime, Utc};
use scimwatch_core::health::ComplianceDeviation;
use sqlx::SqliteExecutor;

use crate::error::EngineError;
use crate::store::connections::ms_to_time;

/// Who examined the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Discover,
    Crawl,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Discover => "discover",
            Source::Crawl => "crawl",
        }
    }
}

/// One source's latest verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub checked_at: DateTime<Utc>,
    /// `Some(why)`: the server could not be examined.
    pub could_not_examine: Option<String>,
    pub deviations: Vec<ComplianceDeviation>,
}

/// Replace `source`'s verdict for the connection (without a full report).
pub async fn record(
    ex: impl SqliteExecutor<'_>,
    connection_id: i64,
    source: Source,
    now: DateTime<Utc>,
    could_not_examine: Option<&str>,
    deviations: &[ComplianceDeviation],
) -> Result<(), EngineError> {
    record_with_report(
        ex,
        connection_id,
        source,
        now,
        could_not_examine,
        deviations,
        None,
    )
    .await
}

/// Replace `source`'s verdict for the connection, with the full report
/// (JSON) it came from, if any: a verdict without one clears the previous
/// report, so the report shown is always the verdict's own.
pub async fn record_with_report(
    ex: impl SqliteExecutor<'_>,
    connection_id: i64,
    source: Source,
    now: DateTime<Utc>,
    could_not_examine: Option<&str>,
    deviations: &[ComplianceDeviation],
    report_json: Option<&str>,
) -> Result<(), EngineError> {
    let json = serde_json::to_string(deviations)
        .map_err(|e| EngineError::Io(format!("cannot encode the deviations: {e}")))?;
    sqlx::query(
        "INSERT INTO scim_compliance (connection_id, source, checked_ms, could_not_examine, \
         deviations_json, report_json) VALUES (?, ?, ?, ?, ?, ?) \
         ON CONFLICT (connection_id, source) DO UPDATE SET checked_ms = excluded.checked_ms, \
         could_not_examine = excluded.could_not_examine, deviations_json = excluded.deviations_json, \
         report_json = excluded.report_json",
    )
    .bind(connection_id)
    .bind(source.as_str())
    .bind(now.timestamp_millis())
    .bind(could_not_examine)
    .bind(json)
    .bind(report_json)
    .execute(ex)
    .await?;
    Ok(())
}

/// `source`'s latest verdict, if any.
pub async fn latest(
    ex: impl SqliteExecutor<'_>,
    connection_id: i64,
    source: Source,
) -> Result<Option<Recorded>, EngineError> {
    let row: Option<(i64, Option<String>, String)> = sqlx::query_as(
        "SELECT checked_ms, could_not_examine, deviations_json FROM scim_compliance \
         WHERE connection_id = ? AND source = ?",
    )
    .bind(connection_id)
    .bind(source.as_str())
    .fetch_optional(ex)
    .await?;
    let Some((ms, could_not_examine, json)) = row else {
        return Ok(None);
    };
    let deviations = serde_json::from_str(&json)
        .map_err(|e| EngineError::Io(format!("a stored compliance verdict is unreadable: {e}")))?;
    Ok(Some(Recorded {
        checked_at: ms_to_time(ms),
        could_not_examine,
        deviations,
    }))
}

/// The full report (JSON) recorded with `source`'s latest verdict, if any.
pub async fn latest_report(
    ex: impl SqliteExecutor<'_>,
    connection_id: i64,
    source: Source,
) -> Result<Option<String>, EngineError> {
    let row: Option<(Option<String>,)> = sqlx::query_as(
        "SELECT report_json FROM scim_compliance WHERE connection_id = ? AND source = ?",
    )
    .bind(connection_id)
    .bind(source.as_str())
    .fetch_optional(ex)
    .await?;
    Ok(row.and_then(|(r,)| r))
}

/// What the health rules and the checklist see: the deviations every
/// examining source found (one per code), or `None` when no source has
/// examined the server (never examined, or only "could not examine").
pub fn observed(recorded: &[Recorded]) -> Option<Vec<ComplianceDeviation>> {
    let examined: Vec<&Recorded> = recorded
        .iter()
        .filter(|r| r.could_not_examine.is_none())
        .collect();
    if examined.is_empty() {
        return None;
    }
    let mut out: Vec<ComplianceDeviation> = Vec::new();
    for d in examined.iter().flat_map(|r| &r.deviations) {
        if !out.iter().any(|o| o.code == d.code) {
            out.push(d.clone());
        }
    }
    Some(out)
}
