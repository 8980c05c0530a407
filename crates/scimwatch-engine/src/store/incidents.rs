//! Incidents: one active per connection and kind (a partial unique index
//! enforces it). The full state is kept as JSON beside the query columns;
//! how each one ended, with its evidence as of then, in
//! `incident_resolutions` (migration 0013). Acknowledge, resolve by hand
//! and the history are in `incidents/manual.rs`.

use chrono::{DateTime, Utc};
use scimwatch_core::incident::{IncidentState, IncidentStatus, Resolution};
use serde::Serialize;
use sqlx::{FromRow, SqlitePool};

use crate::error::EngineError;

mod manual;
pub use manual::{
    acknowledge, history, local_user_name, resolve, HistoryEntry, HistoryPage, HISTORY_MAX_PAGE,
};

/// An incident as stored, with its links (crosses IPC as
/// `api::incidents::IncidentView`).
#[derive(Debug, Clone, Serialize)]
pub struct IncidentView {
    pub id: i64,
    pub connection_id: String,
    pub connection_name: String,
    pub incident: IncidentState,
    /// The hand-resolved incident this one re-opens.
    pub reopened_from: Option<i64>,
    /// The incident that re-opened this one (resolved by hand, still failing).
    pub reopened_as: Option<i64>,
}

#[derive(FromRow)]
struct Row {
    id: i64,
    state_json: String,
}

#[derive(FromRow)]
struct ViewRow {
    id: i64,
    uuid: String,
    name: String,
    state_json: String,
    reopened_from: Option<i64>,
    reopened_as: Option<i64>,
    r_ms: Option<i64>,
    r_evidence: Option<String>,
    r_action: Option<String>,
}

/// The columns of a [`ViewRow`], over `incidents i JOIN connections c`.
const VIEW_COLUMNS: &str = "i.id, c.uuid, c.name, i.state_json, i.reopened_from, \
     (SELECT n.id FROM incidents n WHERE n.reopened_from = i.id) AS reopened_as, \
     r.resolved_ms AS r_ms, r.evidence_json AS r_evidence, r.action AS r_action \
     FROM incidents i JOIN connections c ON c.id = i.connection_id \
     LEFT JOIN incident_resolutions r ON r.incident_id = i.id";

impl ViewRow {
    fn into_view(self) -> Result<IncidentView, EngineError> {
        let mut incident = parse(&self.state_json)?;
        // Resolved before resolutions were kept in the state: from the table.
        if incident.resolution.is_none() && !incident.is_active() {
            if let (Some(ms), Some(ev)) = (self.r_ms, self.r_evidence.as_deref()) {
                incident.resolution = Some(Resolution {
                    at: DateTime::from_timestamp_millis(ms).unwrap_or(incident.updated_at),
                    by_hand: false,
                    by: None,
                    note: None,
                    evidence: serde_json::from_str(ev).unwrap_or_default(),
                    action: self.r_action.unwrap_or_default(),
                    followed_up: true,
                    reopened: false,
                });
            }
        }
        Ok(IncidentView {
            id: self.id,
            connection_id: self.uuid,
            connection_name: self.name,
            incident,
            reopened_from: self.reopened_from,
            reopened_as: self.reopened_as,
        })
    }
}

/// One incident for the UI, or `NotFound`.
pub(crate) async fn view(pool: &SqlitePool, id: i64) -> Result<IncidentView, EngineError> {
    let row: Option<ViewRow> = sqlx::query_as(&format!("SELECT {VIEW_COLUMNS} WHERE i.id = ?"))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.ok_or_else(|| EngineError::NotFound(format!("no incident {id}")))?
        .into_view()
}

/// The links of one incident's chain followed at most (a hand resolution
/// re-opened that many times is a chain long enough to read).
pub const CHAIN_MAX: usize = 100;

/// One incident's history: the hand-resolved incidents it re-opens, itself,
/// and the incidents that re-opened it, oldest first.
pub async fn chain(pool: &SqlitePool, id: i64) -> Result<Vec<IncidentView>, EngineError> {
    let this = view(pool, id).await?;
    let mut before = Vec::new();
    let mut back = this.reopened_from;
    while let Some(prev) = back.filter(|_| before.len() < CHAIN_MAX) {
        let v = view(pool, prev).await?;
        back = v.reopened_from;
        before.push(v);
    }
    before.reverse();
    let mut forward = this.reopened_as;
    before.push(this);
    let mut after = 0;
    while let Some(next) = forward.filter(|_| after < CHAIN_MAX) {
        let v = view(pool, next).await?;
        forward = v.reopened_as;
        before.push(v);
        after += 1;
    }
    Ok(before)
}

fn status_str(s: IncidentStatus) -> &'static str {
    match s {
        IncidentStatus::Open => "open",
        IncidentStatus::Escalated => "escalated",
        IncidentStatus::Resolved => "resolved",
    }
}

pub(crate) fn status_of(s: IncidentStatus) -> &'static str {
    status_str(s)
}

pub(crate) fn parse(json: &str) -> Result<IncidentState, EngineError> {
    serde_json::from_str(json)
        .map_err(|e| EngineError::Io(format!("a stored incident could not be read: {e}")))
}

/// What reconcile needs: active incidents, and resolved ones that still owe
/// a recovery notification.
pub async fn load_for_reconcile(
    pool: &SqlitePool,
    connection_id: i64,
) -> Result<Vec<(i64, IncidentState)>, EngineError> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, state_json FROM incidents WHERE connection_id = ? \
         AND (state <> 'resolved' OR json_extract(state_json, '$.pending_notification') IS NOT NULL \
              OR (json_extract(state_json, '$.resolution.by_hand') = 1 \
                  AND json_extract(state_json, '$.resolution.followed_up') = 0)) \
         ORDER BY id",
    )
    .bind(connection_id)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| Ok((r.id, parse(&r.state_json)?)))
        .collect()
}

/// Store the states returned by `incident::apply`. An incident is identified
/// by its kind and the time it opened. A row changed since `before` was read
/// (acknowledged or resolved by hand meanwhile) is left alone: the next
/// diagnosis sees the change. A new incident that re-opens a hand-resolved
/// one is linked to it; every resolution is kept with its evidence.
pub async fn save(
    pool: &SqlitePool,
    connection_id: i64,
    before: &[(i64, IncidentState)],
    after: &[IncidentState],
) -> Result<(), EngineError> {
    let mut tx = crate::store::begin_write(pool).await?;
    save_in(&mut tx, connection_id, before, after).await?;
    tx.commit().await?;
    Ok(())
}

/// [`save`] inside the caller's transaction (diagnosis writes the alert
/// outbox in the same one). Returns the id of each state stored, in the
/// order of `after` (a row changed by hand meanwhile is left out).
pub async fn save_in(
    tx: &mut sqlx::SqliteConnection,
    connection_id: i64,
    before: &[(i64, IncidentState)],
    after: &[IncidentState],
) -> Result<Vec<(i64, IncidentState)>, EngineError> {
    let mut saved = Vec::new();
    for inc in after {
        let json = serde_json::to_string(inc)
            .map_err(|e| EngineError::Io(format!("cannot store an incident: {e}")))?;
        let existing = before
            .iter()
            .find(|(_, b)| b.kind == inc.kind && b.opened_at == inc.opened_at)
            .map(|(id, _)| *id);
        let ms = |t: Option<DateTime<Utc>>| t.map(|t| t.timestamp_millis());
        let read_at = before
            .iter()
            .find(|(_, b)| b.kind == inc.kind && b.opened_at == inc.opened_at)
            .map(|(_, b)| b.updated_at.timestamp_millis());
        let reopened_from = inc.reopens.and_then(|at| {
            before
                .iter()
                .find(|(_, b)| b.kind == inc.kind && b.opened_at == at)
                .map(|(id, _)| *id)
        });
        let id = match existing {
            Some(id) => {
                let done = sqlx::query(
                    "UPDATE incidents SET severity = ?, state = ?, title = ?, evidence_json = ?, \
                     updated_ms = ?, resolved_ms = ?, last_notified_ms = ?, snoozed_until_ms = ?, \
                     state_json = ? WHERE id = ? AND updated_ms = ?",
                )
                .bind(inc.severity.as_str())
                .bind(status_str(inc.state))
                .bind(&inc.title)
                .bind(serde_json::to_string(&inc.evidence).unwrap_or_default())
                .bind(inc.updated_at.timestamp_millis())
                .bind(ms(inc.resolved_at))
                .bind(ms(inc.last_notified_at))
                .bind(ms(inc.snoozed_until))
                .bind(&json)
                .bind(id)
                .bind(read_at)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    continue; // changed by hand since it was read
                }
                id
            }
            None => {
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO incidents (connection_id, kind, severity, state, title, evidence_json, \
                     opened_ms, updated_ms, resolved_ms, last_notified_ms, snoozed_until_ms, state_json, \
                     reopened_from) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                )
                .bind(connection_id)
                .bind(inc.kind.as_str())
                .bind(inc.severity.as_str())
                .bind(status_str(inc.state))
                .bind(&inc.title)
                .bind(serde_json::to_string(&inc.evidence).unwrap_or_default())
                .bind(inc.opened_at.timestamp_millis())
                .bind(inc.updated_at.timestamp_millis())
                .bind(ms(inc.resolved_at))
                .bind(ms(inc.last_notified_at))
                .bind(ms(inc.snoozed_until))
                .bind(&json)
                .bind(reopened_from)
                .fetch_one(&mut *tx)
                .await?;
                id
            }
        };
        if let Some(r) = &inc.resolution {
            save_resolution(&mut *tx, id, r).await?;
        }
        saved.push((id, inc.clone()));
    }
    Ok(saved)
}

/// Keep how an incident ended, with its evidence as of then.
pub(crate) async fn save_resolution(
    conn: &mut sqlx::SqliteConnection,
    incident_id: i64,
    r: &Resolution,
) -> Result<(), EngineError> {
    let evidence = serde_json::to_string(&r.evidence)
        .map_err(|e| EngineError::Io(format!("cannot store an incident's evidence: {e}")))?;
    sqlx::query(
        "INSERT INTO incident_resolutions (incident_id, resolved_ms, by_hand, resolved_by, note, \
         evidence_json, action) VALUES (?,?,?,?,?,?,?) \
         ON CONFLICT (incident_id) DO UPDATE SET resolved_ms = excluded.resolved_ms, \
         by_hand = excluded.by_hand, resolved_by = excluded.resolved_by, note = excluded.note, \
         evidence_json = excluded.evidence_json, action = excluded.action",
    )
    .bind(incident_id)
    .bind(r.at.timestamp_millis())
    .bind(r.by_hand)
    .bind(r.by.as_deref())
    .bind(r.note.as_deref())
    .bind(evidence)
    .bind(&r.action)
    .execute(conn)
    .await?;
    Ok(())
}

/// Incidents for the UI/CLI, newest first; `active_only` hides resolved ones.
pub async fn list(
    pool: &SqlitePool,
    connection_uuid: Option<&str>,
    active_only: bool,
    limit: i64,
) -> Result<Vec<IncidentView>, EngineError> {
    let rows: Vec<ViewRow> = sqlx::query_as(&format!(
        "SELECT {VIEW_COLUMNS} \
         WHERE (?1 IS NULL OR c.uuid = ?1) AND (?2 = 0 OR i.state <> 'resolved') \
         ORDER BY i.updated_ms DESC, i.id DESC LIMIT ?3"
    ))
    .bind(connection_uuid)
    .bind(active_only)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(ViewRow::into_view).collect()
}

/// Snooze (or un-snooze with `None`) an incident's reminders.
pub async fn snooze(
    pool: &SqlitePool,
    id: i64,
    until: Option<DateTime<Utc>>,
) -> Result<IncidentView, EngineError> {
    let current = view(pool, id).await?;
    let state = scimwatch_core::incident::snooze(&current.incident, until);
    let json = serde_json::to_string(&state)
        .map_err(|e| EngineError::Io(format!("cannot store an incident: {e}")))?;
    sqlx::query("UPDATE incidents SET snoozed_until_ms = ?, state_json = ? WHERE id = ?")
        .bind(until.map(|t| t.timestamp_millis()))
        .bind(&json)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(IncidentView {
        incident: state,
        ..current
    })
}

/// Worst severity among active incidents (the tray icon).
pub async fn worst_active(
    pool: &SqlitePool,
) -> Result<Option<scimwatch_core::health::Severity>, EngineError> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT severity FROM incidents WHERE state <> 'resolved'")
            .fetch_all(pool)
            .await?;
    use scimwatch_core::health::Severity;
    Ok(rows
        .iter()
        .map(|(s,)| match s.as_str() {
            "critical" => Severity::Critical,
            "warning" => Severity::Warning,
            _ => Severity::Info,
        })
        .max())
}
