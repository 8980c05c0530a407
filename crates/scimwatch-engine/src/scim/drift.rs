//! Drift between Entra's assigned users and the SaaS's latest complete
//! inventory, matched on the job's matching attribute (core's `compute_drift`).
//!
//! The assigned users come from the Entra-watching part of the engine (assigned
//! users plus direct members of assigned groups, with their source attributes,
//! stored with the assignments); the matching attribute comes from the stored
//! users mapping (the `*` line: Entra's `matchingPriority`).

use chrono::{DateTime, Utc};
use scimwatch_core::health::DriftObservation;
use scimwatch_core::scim::{
    compute_drift, AssignedUser, DriftConfig, DriftReport, MatchingAttribute, ScimUser,
};
use serde::Serialize;
use ts_rs::TS;

use super::error::ScimError;
use crate::engine::Engine;
use crate::graph::sync::{AssignmentsBody, MappingsBody};
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

/// What drift compares: Entra's in-scope users with their matching value, and
/// how to match them (from the job's users mapping).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntraSide {
    pub assigned: Vec<AssignedUser>,
    pub config: DriftConfig,
    /// The Entra source attribute whose value is matched (e.g. `userPrincipalName`).
    pub source_attribute: String,
}

/// The users mapping's matching attribute, from the stored `*target <- source`
/// lines: `(SCIM target, Entra source)`, and the `active` mapping's source.
fn matching_from_mappings(m: &MappingsBody) -> (Option<(String, String)>, Option<String>) {
    let users = m.mappings.iter().find(|x| {
        x.source
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("User"))
            && x.enabled
    });
    let Some(users) = users else {
        return (None, None);
    };
    let split = |line: &str| {
        line.split_once(" <- ").map(|(t, s)| {
            (
                t.trim_start_matches('*').trim().to_string(),
                s.trim().to_string(),
            )
        })
    };
    let matching = users
        .attributes
        .iter()
        .filter(|l| l.starts_with('*'))
        .find_map(|l| split(l));
    let active = users
        .attributes
        .iter()
        .filter_map(|l| split(l))
        .find(|(t, _)| t.eq_ignore_ascii_case("active"))
        .map(|(_, s)| s);
    (matching, active)
}

/// Entra's in-scope users as last stored by the Entra-watching side, with
/// the value of the job's matching attribute. `Ok(None)`: nothing stored yet.
pub async fn stored_assignments(
    engine: &Engine,
    connection_id: i64,
) -> Result<Option<EntraSide>, ScimError> {
    let latest = |kind: &'static str| async move {
        sqlx::query_as::<_, (String,)>(
            "SELECT body_json FROM config_versions WHERE connection_id = ? AND kind = ? \
             ORDER BY observed_ms DESC, id DESC LIMIT 1",
        )
        .bind(connection_id)
        .bind(kind)
        .fetch_optional(engine.store.pool())
        .await
    };
    let Some((body,)) = latest("assignments").await? else {
        return Ok(None);
    };
    let a: AssignmentsBody = serde_json::from_str(&body)
        .map_err(|e| ScimError::Protocol(format!("stored assignments are not readable: {e}")))?;
    if a.entra_users.is_empty() && a.in_scope_users > 0 {
        return Err(ScimError::Protocol(
            "the stored Entra assignments predate per-user details; poll Entra again (Poll now) \
             and retry"
                .to_string(),
        ));
    }
    let mappings: Option<MappingsBody> = match latest("schema").await? {
        Some((b,)) => serde_json::from_str(&b).ok(),
        None => None,
    };
    let (matching, active_source) = mappings
        .as_ref()
        .map(matching_from_mappings)
        .unwrap_or((None, None));
    // Entra's default: userPrincipalName → userName.
    let (target, source) =
        matching.unwrap_or_else(|| ("userName".to_string(), "userPrincipalName".to_string()));
    let attribute = MatchingAttribute::from_target_attribute(&target).unwrap_or_default();
    let plain_source = {
        let s = source.trim();
        let inner = s
            .strip_prefix('[')
            .and_then(|x| x.strip_suffix(']'))
            .unwrap_or(s);
        (!inner.contains(['[', '(', ','])).then(|| inner.to_string())
    };
    let Some(plain_source) = plain_source.filter(|s| {
        crate::graph::sync::EntraUser::default()
            .attribute(s)
            .is_some()
    }) else {
        return Err(ScimError::Protocol(format!(
            "the matching attribute {target} is computed from \u{201c}{source}\u{201d}; drift can \
             only compare a plain userPrincipalName, mail, mailNickname or objectId"
        )));
    };
    // `active` follows accountEnabled only when the mapping says so; Entra's
    // default (`Not([IsSoftDeleted])`) keeps every in-scope user active.
    let follows_enabled = active_source
        .as_deref()
        .is_some_and(|s| s.to_ascii_lowercase().contains("accountenabled"));
    let assigned = a
        .entra_users
        .iter()
        .map(|u| AssignedUser {
            principal_id: u.id.clone(),
            display_name: u.display_name.clone(),
            matching_value: u.attribute(&plain_source).flatten().map(str::to_string),
            expected_active: !follows_enabled || u.account_enabled.unwrap_or(true),
        })
        .collect();
    Ok(Some(EntraSide {
        assigned,
        config: DriftConfig {
            matching_attribute: attribute,
        },
        source_attribute: plain_source,
    }))
}

/// The health rules' drift observation of a connection: Entra's stored
/// assignments against its latest complete inventory. `Ok(None)` until both
/// sides exist. Cached until either side changes.
pub async fn observation(
    engine: &Engine,
    row: &rows::ConnectionRow,
) -> Result<Option<DriftObservation>, ScimError> {
    let pool = engine.store.pool();
    let Some(snapshot_id) = inventory::latest_complete(pool, row.id).await? else {
        return Ok(None);
    };
    let assignments: Option<(i64,)> = sqlx::query_as(
        "SELECT id FROM config_versions WHERE connection_id = ? AND kind = 'assignments' \
         ORDER BY observed_ms DESC, id DESC LIMIT 1",
    )
    .bind(row.id)
    .fetch_optional(pool)
    .await?;
    let Some((assignments_id,)) = assignments else {
        return Ok(None);
    };
    let key = (snapshot_id, assignments_id);
    let cached = engine
        .drift_cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&row.id)
        .filter(|(k, _)| *k == key)
        .map(|(_, o)| o.clone());
    if cached.is_some() {
        return Ok(cached);
    }
    let Some(side) = stored_assignments(engine, row.id).await? else {
        return Ok(None);
    };
    let r = drift(engine, &row.uuid, &side.assigned, &side.config).await?;
    let at = r.snapshot_completed_at.unwrap_or_else(Utc::now);
    let obs = to_observation(&r.report, at);
    engine
        .drift_cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(row.id, (key, obs.clone()));
    Ok(Some(obs))
}
