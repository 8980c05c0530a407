//! "Test with Entra's requests" in the app: the plan shown before anything
//! is sent, a run that refuses to write without the admin's consent (the
//! plan's token and the host typed back), the latest report of each kind
//! stored (`store::probe_reports`, migration 0016) and read back with the
//! clean-up list, a cancel that still cleans up, and what the checklist
//! judges on ([`latest_observation`]).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use chrono::{DateTime, Utc};
use scimwatch_core::scim::write_probe::{
    ProbeFailure, ProbeObservation, ProbeVerdict, StepOutcome,
};
use scimwatch_core::scim::Severity;
use scimwatch_core::{FieldError, ValidationError};
use serde::Serialize;
use sqlx::SqlitePool;
use ts_rs::TS;

use super::plan::{planned_for, Names};
use super::roles_mapping::stored_roles_mapping;
use super::{cleanup, probe_named, Leftover, ProbeReport, ProbeStep, RunOptions};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::scim::{CancelFlag, ScimError};
use crate::store::connections::{self as rows, ConnectionRow};
use crate::store::probe_reports::{self, Kind};

/// One request of the plan, as the admin reads it before consenting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PlannedRequest {
    pub method: String,
    /// The full URL; `{user id}` / `{group id}` stand for the ids the SaaS assigns.
    pub url: String,
    /// The JSON body, pretty-printed.
    pub body: Option<String>,
    /// The Entra operation it replays, or `read back` / `re-enable`.
    pub note: String,
}

/// What the write probe will send, shown before anything is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ProbePlan {
    /// The Tenant URL.
    pub url: String,
    /// Its host: what the admin types (or ticks) to confirm.
    pub host: String,
    /// The random part of the throwaway names; given back to
    /// [`run_probe`] so the names sent are the names shown.
    pub token: String,
    pub requests: Vec<PlannedRequest>,
    /// What it creates (and always deletes), in words.
    pub creates: Vec<String>,
}

/// The stored probe of a connection, as the Compliance tab shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct StoredProbe {
    /// The latest write probe's report.
    pub write: Option<ProbeReport>,
    /// The latest read-only probe's report.
    pub read_only: Option<ProbeReport>,
    /// Throwaway objects still on the clean-up list: not deleted (yet),
    /// with their ids and why.
    pub pending: Vec<Leftover>,
    /// A probe of this connection runs now (in this process).
    pub running: bool,
}

/// The admin's consent to the write probe.
#[derive(Debug, Clone)]
pub struct Consent {
    /// The plan's token.
    pub token: String,
    /// The host, typed (or ticked) in the second confirmation.
    pub host: String,
}

/// Probes running in this process, by data folder and connection uuid.
type Running = Mutex<HashMap<(PathBuf, String), CancelFlag>>;

fn running() -> &'static Running {
    static RUNNING: OnceLock<Running> = OnceLock::new();
    RUNNING.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Whether each plan shown in this process listed the user with an app
/// role, by plan token: the run sends what the admin was shown, or nothing.
type Shown = Mutex<HashMap<String, bool>>;

fn shown() -> &'static Shown {
    static SHOWN: OnceLock<Shown> = OnceLock::new();
    SHOWN.get_or_init(|| Mutex::new(HashMap::new()))
}

fn key(engine: &Engine, row: &ConnectionRow) -> (PathBuf, String) {
    (engine.data_dir().to_path_buf(), row.uuid.clone())
}

fn is_running(engine: &Engine, row: &ConnectionRow) -> bool {
    running()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .contains_key(&key(engine, row))
}

async fn find(engine: &Engine, connection: &str) -> Result<ConnectionRow, ScimError> {
    rows::find(engine.store.pool(), connection)
        .await?
        .ok_or_else(|| ScimError::ConnectionNotFound(connection.to_string()))
}

fn invalid(field: &str, message: impl Into<String>) -> ScimError {
    ScimError::Engine(EngineError::Validation(ValidationError {
        fields: vec![FieldError::new(field, message.into())],
    }))
}

/// The host of a Tenant URL.
fn host_of(url: &str) -> Result<String, ScimError> {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .ok_or_else(|| ScimError::InvalidUrl(format!("{url} has no host")))
}

fn random_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..10].to_string()
}

fn token_ok(t: &str) -> bool {
    (6..=32).contains(&t.len()) && t.chars().all(|c| c.is_ascii_alphanumeric())
}

/// The exact requests the write probe sends to the connection's endpoint.
pub async fn probe_plan(engine: &Engine, connection: &str) -> Result<ProbePlan, ScimError> {
    let row = find(engine, connection).await?;
    let url = row
        .scim_url
        .clone()
        .ok_or_else(|| ScimError::NoScimSide(row.name.clone()))?;
    let host = host_of(&url)?;
    let token = random_token();
    let n = Names::new(&token);
    let base = url.trim_end_matches('/');
    let with_role = stored_roles_mapping(engine.store.pool(), row.id)
        .await
        .is_mapped();
    shown()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(token.clone(), with_role);
    let requests = planned_for(&n, with_role)
        .into_iter()
        .map(|p| PlannedRequest {
            method: p.method.to_string(),
            url: format!("{base}/{}", p.target),
            body: p
                .body
                .as_ref()
                .map(|b| serde_json::to_string_pretty(b).unwrap_or_else(|_| b.to_string())),
            note: p.note,
        })
        .collect();
    let mut creates = vec![
        format!(
            "a user {} (externalId {}, email {}), renamed to {}, disabled, then deleted",
            n.user_name, n.external_id, n.email, n.user_name_renamed
        ),
        format!(
            "a group {} (externalId {}), renamed to {}, given that user as a member and \
             back, then deleted",
            n.group_name, n.group_external_id, n.group_name_renamed
        ),
    ];
    if with_role {
        creates.push(format!(
            "a second user {} (externalId {}) with the app role {}, as Entra creates it when \
             the Users mapping maps app roles, then deleted",
            n.role_user_name,
            n.role_external_id,
            super::plan::ROLE_VALUE
        ));
    }
    Ok(ProbePlan {
        url,
        host,
        token,
        requests,
        creates,
    })
}

/// Run the probe (the write probe only with `write` and the admin's
/// consent), record its report, and return the stored probe.
pub async fn run_probe(
    engine: &Engine,
    connection: &str,
    write: bool,
    consent: Option<Consent>,
    on_step: Option<&(dyn Fn(&ProbeStep) + Send + Sync)>,
    now: DateTime<Utc>,
) -> Result<StoredProbe, ScimError> {
    let row = find(engine, connection).await?;
    let url = row
        .scim_url
        .clone()
        .ok_or_else(|| ScimError::NoScimSide(row.name.clone()))?;
    let token = if write {
        let host = host_of(&url)?;
        let Some(c) = consent else {
            return Err(invalid(
                "consent",
                "the write probe creates and deletes objects in the SaaS: confirm the requests \
                 and the host first",
            ));
        };
        if !token_ok(&c.token) {
            return Err(invalid(
                "token",
                "the plan's token is missing or malformed: show the requests again",
            ));
        }
        if !c.host.trim().eq_ignore_ascii_case(&host) {
            return Err(invalid(
                "host",
                format!("type the host the probe writes to ({host}) to confirm"),
            ));
        }
        // The attribute mappings changed since the plan was shown (the
        // Graph side re-read them): the role create would differ from it.
        let planned_role = shown()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&c.token)
            .copied();
        if let Some(planned_role) = planned_role {
            let now_role = stored_roles_mapping(engine.store.pool(), row.id)
                .await
                .is_mapped();
            if planned_role != now_role {
                return Err(invalid(
                    "token",
                    "the Users mapping changed since the requests were shown (whether a user \
                     with an app role is created): show the requests again",
                ));
            }
        }
        Some(c.token)
    } else {
        None
    };
    let cancel = CancelFlag::new();
    {
        let mut r = running().lock().unwrap_or_else(|p| p.into_inner());
        let k = key(engine, &row);
        if r.contains_key(&k) {
            return Err(ScimError::Engine(EngineError::Conflict(format!(
                "a probe of {} is already running; wait for it or cancel it",
                row.name
            ))));
        }
        r.insert(k, cancel.clone());
    }
    let opts = RunOptions { cancel, on_step };
    let result = probe_named(engine, &row.uuid, write, &opts, token.as_deref(), now).await;
    running()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&key(engine, &row));
    result?;
    Ok(stored_probe(engine, &row.uuid).await?)
}

/// Cancel the running probe of a connection: it stops before its next
/// request and still cleans up. `false` when none runs.
pub async fn cancel_probe(engine: &Engine, connection: &str) -> Result<bool, ScimError> {
    let row = find(engine, connection).await?;
    let r = running().lock().unwrap_or_else(|p| p.into_inner());
    Ok(match r.get(&key(engine, &row)) {
        Some(flag) => {
            flag.cancel();
            true
        }
        None => false,
    })
}

/// Store a report as the connection's latest of its kind.
pub async fn record(
    pool: &SqlitePool,
    connection_id: i64,
    report: &ProbeReport,
) -> Result<(), EngineError> {
    let json = serde_json::to_string(report)
        .map_err(|e| EngineError::Io(format!("cannot encode the probe report: {e}")))?;
    let kind = if report.write_probe_run {
        Kind::Write
    } else {
        Kind::ReadOnly
    };
    let verdict = verdict_name(report.verdict);
    probe_reports::record(pool, connection_id, kind, report.checked_at, verdict, &json).await
}

async fn latest(
    pool: &SqlitePool,
    connection_id: i64,
    kind: Kind,
) -> Result<Option<ProbeReport>, EngineError> {
    // A report that no longer reads (an older shape) counts as not kept.
    Ok(probe_reports::latest(pool, connection_id, kind)
        .await?
        .and_then(|r| serde_json::from_str(&r.report_json).ok()))
}

/// The stored probe of a connection: the latest report of each kind and
/// what is still on the clean-up list.
pub async fn stored_probe(engine: &Engine, connection: &str) -> Result<StoredProbe, EngineError> {
    let row = rows::require(engine.store.pool(), connection).await?;
    let pool = engine.store.pool();
    Ok(StoredProbe {
        write: latest(pool, row.id, Kind::Write).await?,
        read_only: latest(pool, row.id, Kind::ReadOnly).await?,
        pending: cleanup::pending(pool, row.id).await?,
        running: is_running(engine, &row),
    })
}

/// "Clean up now": delete every listed leftover of the connection, then
/// read the stored probe again.
pub async fn cleanup_now(engine: &Engine, connection: &str) -> Result<StoredProbe, ScimError> {
    let row = find(engine, connection).await?;
    if is_running(engine, &row) {
        return Err(ScimError::Engine(EngineError::Conflict(
            "a probe of this connection is running: it cleans up when it ends".into(),
        )));
    }
    cleanup::cleanup(engine, &row.uuid).await?;
    Ok(stored_probe(engine, &row.uuid).await?)
}

/// What the checklist sees of a report.
pub fn observation(r: &ProbeReport) -> ProbeObservation {
    let sent: Vec<&ProbeStep> = r
        .steps
        .iter()
        .filter(|s| {
            !matches!(
                s.outcome,
                StepOutcome::NotRun | StepOutcome::NotApplicable | StepOutcome::NotChecked
            )
        })
        .collect();
    ProbeObservation {
        url: r.url.clone(),
        checked_at: r.checked_at,
        write_probe_run: r.write_probe_run,
        verdict: r.verdict,
        could_not_probe: r.could_not_probe.clone(),
        failures: r
            .steps
            .iter()
            .filter(|s| s.outcome == StepOutcome::Fail)
            .map(|s| ProbeFailure {
                code: s.code.clone(),
                title: s.title.clone(),
                message: s.message.clone(),
                entra_would: s.entra_would.clone(),
            })
            .collect(),
        passed: u32::try_from(
            sent.iter()
                .filter(|s| s.outcome == StepOutcome::Pass)
                .count(),
        )
        .unwrap_or(u32::MAX),
        operations: u32::try_from(sent.len()).unwrap_or(u32::MAX),
        leftovers: r
            .leftovers
            .iter()
            .map(|l| {
                format!(
                    "{}/{} ({})",
                    l.resource,
                    l.id.as_deref().unwrap_or("id unknown"),
                    l.names.join(", ")
                )
            })
            .collect(),
        read_side_deviations: r
            .read_side
            .as_ref()
            .map(|rs| {
                rs.findings
                    .iter()
                    .filter(|f| f.severity != Severity::Info)
                    .map(|f| format!("{}: {}", f.code, f.message))
                    .collect()
            })
            .unwrap_or_default(),
        not_checked: r
            .steps
            .iter()
            .filter(|s| s.outcome == StepOutcome::NotChecked)
            .map(|s| format!("{}: {}", s.title, s.message))
            .collect(),
    }
}

/// The latest probe the checklist judges on: the last write probe, else
/// the last read-only one; `None` when the SaaS was never probed.
pub async fn latest_observation(
    pool: &SqlitePool,
    connection_id: i64,
) -> Result<Option<ProbeObservation>, EngineError> {
    if let Some(w) = latest(pool, connection_id, Kind::Write).await? {
        return Ok(Some(observation(&w)));
    }
    Ok(latest(pool, connection_id, Kind::ReadOnly)
        .await?
        .map(|r| observation(&r)))
}

/// The verdict's stable name (`ready_for_entra`, …), for logs and tests.
pub fn verdict_name(v: ProbeVerdict) -> &'static str {
    match v {
        ProbeVerdict::ReadyForEntra => "ready_for_entra",
        ProbeVerdict::Problems => "problems",
        ProbeVerdict::CouldNotProbe => "could_not_probe",
    }
}
