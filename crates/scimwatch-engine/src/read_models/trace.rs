//! The per-user trace ("when will user X show up?"): find the person a
//! search names in what scimwatch has read — the app's assignments, the
//! stored provisioning events, the SaaS's latest complete snapshot — and
//! gather the evidence core's `trace::judge` turns into a verdict.

use chrono::{DateTime, Utc};
use scimwatch_core::checklist::{deep_link, portal_base_for, PortalPage, ENTRA_ADMIN_CENTER};
use scimwatch_core::graph::job::ConfigKind;
use scimwatch_core::health::{cycle_timing, Thresholds};
use scimwatch_core::trace::{
    judge, next_cycle, AssignmentEvidence, LogsEvidence, SaasEvidence, TraceEvent, TraceInput,
    TraceJudgement,
};
use scimwatch_core::{Cloud, ValidationError};

pub use super::trace_match::TraceCandidate;
use super::trace_match::{candidates, pick, scim_is, scim_str, Sources, SCIM_KEY};

use crate::engine::Engine;
use crate::error::EngineError;
use crate::graph::observe::observations;
use crate::graph::sync::AssignmentsBody;
use crate::store::connections::{ms_to_time, ConnectionRow};
use crate::store::events::{self, EventFilter, EventRow};
use crate::store::inventory;
use crate::store::jobs::latest_config;

/// How many of the person's newest events the trace shows.
pub const TRACE_EVENTS: u32 = 10;
/// How many candidates a search lists at most.
pub const MAX_CANDIDATES: usize = 20;
/// Events read to find who a search names.
const SEARCH_EVENTS: u32 = 500;

/// What a search found: the people it matched and, when it names one, the
/// trace (crosses IPC as `api::trace::UserTrace`).
#[derive(Debug, Clone)]
pub struct Trace {
    pub connection_id: String,
    pub query: String,
    /// Who the search matched, exact matches first (at most 20).
    pub candidates: Vec<TraceCandidate>,
    /// More matched than are listed.
    pub more_candidates: bool,
    /// The person traced: the only match, the only exact one, or the one
    /// whose key was searched. `None` when the search matched nobody or
    /// several people (pick one from `candidates`).
    pub traced: Option<TraceCandidate>,
    pub judgement: Option<TraceJudgement>,
    /// Their newest events, newest first.
    pub events: Vec<EventRow>,
    /// The Logs screen's "who" filter that lists every event about them.
    pub logs_filter: Option<String>,
    /// The app's Provisioning page in the Entra admin center (where
    /// Provision on demand is), when the app's ids are known.
    pub provisioning_link: Option<String>,
}

fn validate(query: &str) -> Result<&str, EngineError> {
    let q = query.trim();
    let problem = if q.is_empty() {
        Some("enter a name, a user principal name, a mail address or an object id")
    } else if q.chars().count() > 200 {
        Some("search for at most 200 characters of a name or an id")
    } else if q.chars().any(char::is_control) {
        Some("the search holds a control character")
    } else {
        None
    };
    match problem {
        Some(p) => Err(EngineError::Validation(ValidationError::single("query", p))),
        None => Ok(q),
    }
}

async fn scim_users(
    engine: &Engine,
    row: &ConnectionRow,
) -> Result<Option<(DateTime<Utc>, Vec<serde_json::Value>)>, EngineError> {
    let pool = engine.store.pool();
    let Some(id) = inventory::latest_complete(pool, row.id).await? else {
        return Ok(None);
    };
    let at = inventory::get(pool, row.id, id)
        .await?
        .and_then(|s| s.completed_at.or(Some(s.started_at)))
        .unwrap_or_default();
    let mut conn = pool.acquire().await?;
    let users = inventory::load_users(&mut conn, row.id, id).await?;
    Ok(Some((at, users)))
}

fn assignment(a: Option<&(AssignmentsBody, i64)>, who: &TraceCandidate) -> AssignmentEvidence {
    let Some((a, seen_ms)) = a else {
        return AssignmentEvidence::NotRead;
    };
    let read_at = ms_to_time(*seen_ms);
    if a.entra_users.is_empty() && a.in_scope_users > 0 {
        let direct = who
            .object_id
            .as_deref()
            .is_some_and(|id| a.users.iter().any(|u| u.id == id));
        return if direct {
            AssignmentEvidence::Direct { read_at }
        } else {
            AssignmentEvidence::WithoutDetails { read_at }
        };
    }
    let Some(id) = who.object_id.as_deref() else {
        return not_assigned(a, read_at);
    };
    if a.users.iter().any(|u| u.id == id) {
        AssignmentEvidence::Direct { read_at }
    } else if a.entra_users.iter().any(|u| u.id == id) {
        AssignmentEvidence::ThroughGroup {
            read_at,
            groups: a
                .groups
                .iter()
                .map(|g| g.name.clone().unwrap_or_else(|| g.id.clone()))
                .collect(),
        }
    } else {
        not_assigned(a, read_at)
    }
}

fn not_assigned(a: &AssignmentsBody, read_at: DateTime<Utc>) -> AssignmentEvidence {
    AssignmentEvidence::NotAssigned {
        read_at,
        users: a.user_count,
        groups: a.group_count,
        members: a.group_member_count,
    }
}

/// The portal's Provisioning page of the connection's app.
pub fn provisioning_link(row: &ConnectionRow) -> Option<String> {
    let cloud = row
        .cloud
        .as_deref()
        .and_then(Cloud::parse)
        .unwrap_or_default();
    let base = portal_base_for(cloud).unwrap_or(ENTRA_ADMIN_CENTER);
    deep_link(
        base,
        row.service_principal_id.as_deref(),
        row.app_id.as_deref(),
        PortalPage::Provisioning,
    )
}

/// Trace the person `query` names on connection `connection` at `now`.
pub async fn trace_user(
    engine: &Engine,
    connection: &str,
    query: &str,
    now: DateTime<Utc>,
) -> Result<Trace, EngineError> {
    let q = validate(query)?;
    let row = super::row(engine, connection).await?;
    let pool = engine.store.pool();
    let assignments: Option<(AssignmentsBody, i64)> =
        latest_config(pool, row.id, ConfigKind::Assignments)
            .await?
            .and_then(|c| Some((serde_json::from_str(&c.body_json).ok()?, c.last_seen_ms)));
    let search_filter = EventFilter {
        identity: Some(q.strip_prefix(SCIM_KEY).unwrap_or(q).to_string()),
        ..Default::default()
    };
    let found_events = events::query(pool, row.id, &search_filter, SEARCH_EVENTS, None)
        .await?
        .items;
    let snapshot = if row.scim_url.is_some() {
        scim_users(engine, &row).await?
    } else {
        None
    };
    let no_users = Vec::new();
    let mut list = candidates(
        q,
        &Sources {
            assignments: assignments.as_ref().map(|(a, _)| a),
            events: &found_events,
            scim_users: snapshot.as_ref().map_or(&no_users, |(_, u)| u),
        },
    );
    let chosen = pick(q, &list).map(|i| list[i].clone());
    let more_candidates = list.len() > MAX_CANDIDATES;
    list.truncate(MAX_CANDIDATES);
    let mut out = Trace {
        connection_id: row.uuid.clone(),
        query: q.to_string(),
        candidates: list,
        more_candidates,
        traced: None,
        judgement: None,
        events: Vec::new(),
        logs_filter: None,
        provisioning_link: provisioning_link(&row),
    };
    let Some(mut who) = chosen else {
        return Ok(out);
    };

    // Every event about them, by the most specific identity known.
    let logs_filter = who
        .object_id
        .clone()
        .or_else(|| who.scim_id.clone())
        .or_else(|| who.display_name.clone());
    let their_events = match &logs_filter {
        Some(f) => {
            let filter = EventFilter {
                identity: Some(f.clone()),
                ..Default::default()
            };
            events::query(pool, row.id, &filter, TRACE_EVENTS, None)
                .await?
                .items
        }
        None => Vec::new(),
    };
    if !their_events.is_empty() && !who.found_in.iter().any(|p| p == "logs") {
        who.found_in.push("logs".to_string());
    }
    for e in &their_events {
        if let Some(t) = e.target_id.as_deref().filter(|t| !t.trim().is_empty()) {
            if !who.target_ids.iter().any(|x| x == t) {
                who.target_ids.push(t.to_string());
            }
        }
    }

    let saas = match (&row.scim_url, &snapshot) {
        (None, _) => SaasEvidence::NoScimSide,
        (Some(_), None) => SaasEvidence::NoSnapshot,
        (Some(_), Some((at, users))) => match users.iter().find(|u| scim_is(&who, u)) {
            Some(u) => {
                who.scim_id = scim_str(u, "id").map(str::to_string);
                who.scim_user_name = scim_str(u, "userName").map(str::to_string);
                SaasEvidence::Present {
                    snapshot_at: *at,
                    user_name: who.scim_user_name.clone(),
                    active: u.get("active").and_then(serde_json::Value::as_bool),
                }
            }
            None => SaasEvidence::Absent {
                snapshot_at: *at,
                users: users.len() as u64,
            },
        },
    };

    let obs = observations(&engine.store, &row).await?;
    let timing = cycle_timing(&obs, &Thresholds::default(), now);
    let settings: Option<crate::graph::sync::SettingsBody> =
        latest_config(pool, row.id, ConfigKind::Settings)
            .await?
            .and_then(|c| serde_json::from_str(&c.body_json).ok());
    let input = TraceInput {
        assignment: assignment(assignments.as_ref(), &who),
        sync_all: settings.and_then(|s| s.sync_all),
        users_mapping_enabled: obs.mappings.as_ref().and_then(|m| m.users_enabled),
        events: their_events
            .iter()
            .map(|e| TraceEvent {
                at: ms_to_time(e.activity_ms),
                action: e.action.clone(),
                status: e.status.clone(),
                error_code: e.error_code.clone(),
                error_reason: e.error_reason.clone(),
            })
            .collect(),
        logs: match obs.logs_available {
            Some(true) => LogsEvidence::Read,
            Some(false) => LogsEvidence::Unavailable,
            None => LogsEvidence::NotRead,
        },
        saas,
        next: next_cycle(&timing, obs.job.as_ref()),
    };
    out.judgement = Some(judge(&input, now));
    out.events = their_events;
    out.logs_filter = logs_filter;
    out.traced = Some(who);
    Ok(out)
}
