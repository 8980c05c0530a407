//! Drift between Entra's assigned users and the SaaS's latest complete
//! inventory, matched on the job's matching attribute (core's `compute_drift`).
//!
//! The assigned users come from the Entra-watching part of the engine (assigned
//! users plus direct members of assigned groups, each with the source value of
//! the matching attribute); this module only needs them as a list.

use chrono::{DateTime, Utc};
use scimwatch_core::health::DriftObservation;
use scimwatch_core::scim::{compute_drift, AssignedUser, DriftConfig, DriftReport, ScimUser};
use serde::Serialize;
use ts_rs::TS;

use super::error::ScimError;
use crate::app::Engine;
use crate::store::connections as rows;
use crate::store::inventory;

/// A drift report and the snapshot it was computed against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DriftResult {
    #[ts(type = "number")]
    pub snapshot_id: i64,
    pub snapshot_completed_at: Option<DateTime<Utc>>,
    pub report: DriftReport,
}

/// Compare `assigned` with the latest complete inventory of `connection`.
pub async fn drift(
    engine: &Engine,
    connection: &str,
    assigned: &[AssignedUser],
    config: &DriftConfig,
) -> Result<DriftResult, ScimError> {
    let row = rows::find(engine.store.pool(), connection)
        .await?
        .ok_or_else(|| ScimError::ConnectionNotFound(connection.to_string()))?;
    let snapshot_id = inventory::latest_complete(engine.store.pool(), row.id)
        .await?
        .ok_or_else(|| {
            ScimError::NotFound(format!(
                "no complete SCIM inventory of \u{201c}{}\u{201d} yet; run a crawl first",
                row.name
            ))
        })?;
    let mut conn = engine.store.pool().acquire().await?;
    let summary = inventory::get(&mut *conn, row.id, snapshot_id).await?;
    let users = inventory::load_users(&mut conn, row.id, snapshot_id).await?;
    let (saas, _) = ScimUser::from_values(&users);
    Ok(DriftResult {
        snapshot_id,
        snapshot_completed_at: summary.and_then(|s| s.completed_at),
        report: compute_drift(assigned, &saas, config),
    })
}

/// The health rules' view of a drift report.
pub fn to_observation(report: &DriftReport, observed_at: DateTime<Utc>) -> DriftObservation {
    DriftObservation {
        assigned: u64::from(report.counts.assigned),
        missing: u64::from(report.counts.missing),
        orphans: u64::from(report.counts.active_orphans),
        duplicates: u64::from(report.counts.duplicates),
        observed_at: Some(observed_at),
    }
}

/// Entra's assigned users as last stored by the Entra-watching side
/// (`config_versions` kind `assignments`), when their JSON holds a list of
/// [`AssignedUser`] (bare, or under `users` / `assigned_users`).
/// `Ok(None)`: nothing stored yet.
pub async fn stored_assignments(
    engine: &Engine,
    connection_id: i64,
) -> Result<Option<Vec<AssignedUser>>, ScimError> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT body_json FROM config_versions WHERE connection_id = ? AND kind = 'assignments' \
         ORDER BY observed_ms DESC, id DESC LIMIT 1",
    )
    .bind(connection_id)
    .fetch_optional(engine.store.pool())
    .await?;
    let Some((body,)) = row else {
        return Ok(None);
    };
    let v: serde_json::Value = serde_json::from_str(&body)
        .map_err(|e| ScimError::Protocol(format!("stored assignments are not JSON: {e}")))?;
    let list = ["users", "assigned_users", "assignedUsers"]
        .iter()
        .find_map(|k| v.get(*k).cloned())
        .unwrap_or(v);
    serde_json::from_value(list).map(Some).map_err(|_| {
        ScimError::Protocol(
            "the stored Entra assignments have no per-user matching values yet; drift needs the \
             assigned users with their matching attribute"
                .to_string(),
        )
    })
}
