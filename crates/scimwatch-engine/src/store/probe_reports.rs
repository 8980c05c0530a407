//! The latest probe report per connection and kind (`scim_probe_reports`,
//! migration 0016): "Test with Entra's requests" with writes, and without.
//! The report is kept as JSON (the SCIM types stay out of the store).

use chrono::{DateTime, Utc};
use sqlx::SqliteExecutor;

use crate::error::EngineError;
use crate::store::connections::ms_to_time;

/// Which probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The write probe ran (or was started).
    Write,
    /// Only the read side ran.
    ReadOnly,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Write => "write",
            Kind::ReadOnly => "read_only",
        }
    }
}

/// One stored report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReport {
    pub checked_at: DateTime<Utc>,
    /// `ready_for_entra`, `problems` or `could_not_probe`.
    pub verdict: String,
    pub report_json: String,
}

/// Replace the connection's latest report of `kind`.
pub async fn record(
    ex: impl SqliteExecutor<'_>,
    connection_id: i64,
    kind: Kind,
    checked_at: DateTime<Utc>,
    verdict: &str,
    report_json: &str,
) -> Result<(), EngineError> {
    sqlx::query(
        "INSERT INTO scim_probe_reports (connection_id, kind, checked_ms, verdict, report_json) \
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (connection_id, kind) DO UPDATE SET \
         checked_ms = excluded.checked_ms, verdict = excluded.verdict, \
         report_json = excluded.report_json",
    )
    .bind(connection_id)
    .bind(kind.as_str())
    .bind(checked_at.timestamp_millis())
    .bind(verdict)
    .bind(report_json)
    .execute(ex)
    .await?;
    Ok(())
}

/// The connection's latest report of `kind`, if any.
pub async fn latest(
    ex: impl SqliteExecutor<'_>,
    connection_id: i64,
    kind: Kind,
) -> Result<Option<StoredReport>, EngineError> {
    let row: Option<(i64, String, String)> = sqlx::query_as(
        "SELECT checked_ms, verdict, report_json FROM scim_probe_reports \
         WHERE connection_id = ? AND kind = ?",
    )
    .bind(connection_id)
    .bind(kind.as_str())
    .fetch_optional(ex)
    .await?;
    Ok(row.map(|(ms, verdict, report_json)| StoredReport {
        checked_at: ms_to_time(ms),
        verdict,
        report_json,
    }))
}
