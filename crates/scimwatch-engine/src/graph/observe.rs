//! From what the poller stored to what the health rules look at
//! (`scimwatch_core::health::Observations`), and the status report shown by
//! `scimwatch-cli status` and the connection screen.

use chrono::{DateTime, SecondsFormat, Utc};
use scimwatch_core::graph::{parse_document, without_trace_lines, SynchronizationJob};
use scimwatch_core::health::{
    self, AssignmentsObservation, CodeCount, CycleObservation, CycleTiming, ExecutionObservation,
    JobObservation, MappingsObservation, Observations, ProgressObservation, QuarantineObservation,
    Reachability, Thresholds,
};
use serde::Serialize;
use ts_rs::TS;

use super::logs::LOGS_STREAM;
use super::sync::{AssignmentsBody, MappingsBody, SettingsBody};
use crate::error::EngineError;
use crate::store::connections::{ms_to_time, ConnectionRow};
use crate::store::events::{self, CycleRow};
use crate::store::jobs::{self, GRAPH_REACH_STREAM, LOGS_UNLICENSED};
use crate::store::Store;
mod glance;
mod reads;
pub use glance::{entry_counts, job_glance, JobGlance};
pub use reads::{cycle_conflict_objects, cycle_conflicts, StoredReads};

fn u(v: Option<i64>) -> Option<u64> {
    v.and_then(|n| u64::try_from(n).ok())
}

/// Build the job observation from a stored raw job document.
pub fn job_observation(raw_json: &str, escrow_history: Vec<u64>) -> Option<JobObservation> {
    let job: SynchronizationJob = parse_document("synchronizationJob", raw_json.as_bytes()).ok()?;
    let status = job.status.as_ref();
    let last = status.and_then(|s| s.last_execution.as_ref());
    let at = |t: Option<&scimwatch_core::graph::Timestamp>| t.and_then(|t| t.at());
    Some(JobObservation {
        job_id: Some(job.id.clone()),
        status_code: health::JobStatusCode::parse(
            job.status_code().map(|c| c.as_str()).unwrap_or_default(),
        ),
        schedule_state: health::ScheduleState::parse(
            job.schedule_state().map(|c| c.as_str()).unwrap_or_default(),
        ),
        interval: job
            .schedule
            .as_ref()
            .and_then(|s| s.interval.as_ref())
            .and_then(|i| i.every()),
        last_execution: last.map(|e| ExecutionObservation {
            began: at(e.time_began.as_ref()),
            ended: at(e.time_ended.as_ref()),
            state: e
                .state
                .as_ref()
                .map(|s| health::ExecutionState::parse(s.as_str())),
            count_escrowed: u(e.count_escrowed),
            count_exported: u(e.count_exported),
            error_code: e.error.as_ref().and_then(|x| x.code.clone()),
            error_message: e.error.as_ref().and_then(|x| x.message.clone()),
        }),
        last_successful_execution_ended: status
            .and_then(|s| s.last_successful_execution.as_ref())
            .and_then(|e| at(e.time_ended.as_ref())),
        progress: status
            .and_then(|s| s.progress.first())
            .map(|p| ProgressObservation {
                completed_units: u(p.completed_units).unwrap_or(0),
                total_units: u(p.total_units).unwrap_or(0),
                observed_at: at(p.progress_observation_date_time.as_ref()),
            }),
        quarantine: job.quarantine().map(|q| QuarantineObservation {
            reason: q
                .reason
                .as_ref()
                .map(|r| health::QuarantineReason::parse(r.as_str())),
            error_code: q.error.as_ref().and_then(|x| x.code.clone()),
            error_message: q.error.as_ref().and_then(|x| x.message.clone()),
            series_began: at(q.series_began.as_ref()),
            current_began: at(q.current_began.as_ref()),
            next_attempt: at(q.next_attempt.as_ref()),
            series_count: u(q.series_count),
        }),
        steady_state_first_achieved: status
            .and_then(|s| s.steady_state_first_achieved_time.as_ref())
            .and_then(|t| t.at()),
        escrow_history,
        count_successive_complete_failures: status
            .and_then(|s| s.count_successive_complete_failures)
            .and_then(|n| u64::try_from(n).ok()),
    })
}

pub fn mappings_observation(
    schema: Option<&MappingsBody>,
    settings: Option<&SettingsBody>,
) -> MappingsObservation {
    let enabled = |src: &str| {
        schema.and_then(|s| {
            s.mappings
                .iter()
                .find(|m| {
                    m.source
                        .as_deref()
                        .is_some_and(|x| x.eq_ignore_ascii_case(src))
                })
                .map(|m| m.enabled)
        })
    };
    MappingsObservation {
        users_enabled: enabled("User"),
        groups_enabled: enabled("Group"),
        scope_assigned_only: settings.and_then(|s| s.sync_all).map(|all| !all),
    }
}

pub fn assignments_observation(a: &AssignmentsBody) -> AssignmentsObservation {
    AssignmentsObservation {
        users: a.user_count,
        groups: a.group_count,
        group_members: a.group_member_count,
    }
}

pub fn cycle_observation(c: &CycleRow, skips: &[events::CodeCountRow]) -> CycleObservation {
    let skipped = c
        .counts
        .values()
        .filter_map(|m| m.get("skipped"))
        .sum::<i64>();
    let cc = |v: &events::CodeCountRow| CodeCount {
        code: v.code.clone(),
        count: u64::try_from(v.count).unwrap_or(0),
    };
    CycleObservation {
        cycle_id: Some(c.cycle_id.clone()),
        ended: Some(ms_to_time(c.ended_ms)),
        total: u64::try_from(c.total).unwrap_or(0),
        failures: u64::try_from(c.failures).unwrap_or(0),
        skipped: u64::try_from(skipped).unwrap_or(0),
        top_errors: c.top_errors.iter().map(cc).collect(),
        skip_reasons: skips.iter().map(cc).collect(),
        conflicts: None,
        conflict_objects: Vec::new(),
    }
}

fn body<T: serde::de::DeserializeOwned>(row: Option<&jobs::ConfigVersionRow>) -> Option<T> {
    row.and_then(|r| serde_json::from_str(&r.body_json).ok())
}

/// Everything stored about a connection's Entra side, as observations.
pub async fn observations(store: &Store, row: &ConnectionRow) -> Result<Observations, EngineError> {
    let reads = StoredReads::one(store.pool(), row.id).await?;
    observations_from(store, row, &reads).await
}

/// The observations from what was read of the store (only a cycle with
/// skips or failures is asked more).
pub async fn observations_from(
    store: &Store,
    row: &ConnectionRow,
    reads: &StoredReads,
) -> Result<Observations, EngineError> {
    let recent = &reads.recent_jobs;
    let mut escrows: Vec<u64> = recent
        .iter()
        .rev()
        .filter_map(|r| {
            let v: serde_json::Value = serde_json::from_str(&r.snapshot.raw_json).ok()?;
            v.pointer("/status/lastExecution/countEscrowed")
                .and_then(serde_json::Value::as_u64)
        })
        .collect();
    escrows.dedup();
    let latest = recent.first();
    let job = latest.and_then(|r| job_observation(&r.snapshot.raw_json, escrows));
    let schema: Option<MappingsBody> = body(reads.schema.as_ref());
    let assignments: Option<AssignmentsBody> = body(reads.assignments.as_ref());
    let settings: Option<SettingsBody> = body(reads.settings.as_ref());
    let last_cycle = match &reads.last_cycle {
        Some(c) => {
            let skips = reads::cycle_skip_reasons(store, row.id, c).await?;
            let mut o = cycle_observation(c, &skips);
            // Conflicts are failures: a cycle without any has none.
            if c.failures > 0 {
                o.conflicts = Some(cycle_conflicts(store, row.id, &c.cycle_id).await?);
                o.conflict_objects = cycle_conflict_objects(store, row.id, &c.cycle_id).await?;
            } else {
                o.conflicts = Some(Vec::new());
            }
            Some(o)
        }
        None => None,
    };
    let graph_reachability = match reads.poll_state(GRAPH_REACH_STREAM) {
        Some(r) => match r.watermark_ms {
            Some(since) => Reachability::Blind {
                since: ms_to_time(since),
                // Reasons stored before AADSTS trace lines were dropped.
                reason: without_trace_lines(r.cursor.as_deref().unwrap_or_default()),
            },
            None => Reachability::Ok,
        },
        None => Reachability::Unknown,
    };
    let mut graph_denied = Vec::new();
    // A refused log read is the logs' own health (`graph_streams`), never
    // blindness (issue 17, defect 4).
    for stream in [
        crate::poller::Stream::GraphJob,
        crate::poller::Stream::GraphConfig,
    ] {
        let key = crate::poller::denied_stream(stream);
        let Some(d) = reads.poll_state(&key) else {
            continue;
        };
        let (Some(since), Some(cursor)) = (d.watermark_ms, d.cursor.as_deref()) else {
            continue;
        };
        let v: serde_json::Value = serde_json::from_str(cursor).unwrap_or_default();
        let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(without_trace_lines);
        graph_denied.push(health::GraphDenied {
            what: text("what").unwrap_or_else(|| stream.as_str().to_string()),
            since: ms_to_time(since),
            reason: text("reason").unwrap_or_default(),
            job: v.get("job").and_then(|x| x.as_bool()).unwrap_or(false),
        });
    }
    let logs = reads.poll_state(LOGS_STREAM);
    let logs_available = logs.map(|l| l.cursor.as_deref() != Some(LOGS_UNLICENSED));
    Ok(Observations {
        job,
        job_observed_at: latest.map(|r| ms_to_time(r.last_seen_ms)),
        mappings: (schema.is_some() || settings.is_some())
            .then(|| mappings_observation(schema.as_ref(), settings.as_ref())),
        assignments: assignments.as_ref().map(assignments_observation),
        last_cycle,
        entra_tenant_url: settings.and_then(|s| s.base_address),
        scim_url: row.scim_url.clone(),
        token_expires_at: row.scim_token_expires_ms.map(ms_to_time),
        graph_reachability,
        graph_denied,
        logs_available,
        graph_streams: reads.stream_health(),
        ..Default::default()
    })
}

fn fmt(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// Quarantine as the status report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct QuarantineView {
    pub reason: Option<String>,
    /// `quarantine.error`, else (real quarantines come without it)
    /// `lastExecution.error`.
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// `quarantine` or `last_execution`: where the error was read.
    pub error_source: Option<String>,
    pub since: Option<String>,
    pub next_attempt: Option<String>,
    /// Days until Entra disables the job (28 days after the series began).
    #[ts(type = "number | null")]
    pub days_left: Option<i64>,
}

/// One Graph stream's own health as the status report shows it (issue 17,
/// defect 4): the job, the configuration and the logs each say whether
/// they were read, and if not, why and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct StreamView {
    /// `job`, `configuration` or `logs`.
    pub stream: String,
    /// `ok` (the last read succeeded), `failing` (it did not) or
    /// `unavailable` (read, but the tenant does not offer it).
    pub state: String,
    /// When failing: `throttled`, `not_found`, `refused`, `denied`,
    /// `unreachable`, `server_error`, `bad_answer` or `other`.
    pub problem: Option<String>,
    /// The HTTP status Graph answered, when it answered.
    pub http_status: Option<u16>,
    pub reason: Option<String>,
    /// When it was last read successfully.
    pub last_read: Option<String>,
    pub failing_since: Option<String>,
    /// Throttled: not read again before this (Graph's `Retry-After` or the
    /// backoff), while that is still ahead.
    pub delayed_until: Option<String>,
    /// What to do, when there is something to do.
    pub hint: Option<String>,
    /// The record behind this view (for the CLI's wording).
    #[serde(skip)]
    #[ts(skip)]
    pub health: health::StreamHealth,
}

impl StreamView {
    pub fn new(h: &health::StreamHealth, connection: &str, now: DateTime<Utc>) -> StreamView {
        let state = match h.problem {
            None => "ok",
            Some(health::StreamProblem::Unavailable) => "unavailable",
            Some(_) => "failing",
        };
        StreamView {
            stream: h.stream.label().to_string(),
            state: state.to_string(),
            problem: h
                .problem
                .filter(|_| h.is_failing())
                .map(|p| p.as_str().to_string()),
            http_status: h.http_status,
            reason: h.reason.as_deref().map(without_trace_lines),
            last_read: fmt(h.last_ok),
            failing_since: fmt(h.failing_since.filter(|_| h.is_failing())),
            delayed_until: fmt(h.delayed_until(now)),
            hint: health::stream_hint(h, Some(connection)),
            health: h.clone(),
        }
    }
}

/// The Entra side of one connection at a glance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusReport {
    pub connection_id: String,
    pub connection: String,
    pub app_display_name: Option<String>,
    pub job_id: Option<String>,
    /// `ok`, `blind` or `unknown` (never read).
    pub graph: String,
    pub blind_reason: Option<String>,
    pub blind_since: Option<String>,
    /// When the job status was last read.
    pub job_read_at: Option<String>,
    pub status_code: Option<String>,
    pub schedule_state: Option<String>,
    pub interval_minutes: Option<i64>,
    pub last_cycle_began: Option<String>,
    pub last_cycle_ended: Option<String>,
    pub last_cycle_state: Option<String>,
    pub last_successful_ended: Option<String>,
    pub next_expected: Option<String>,
    /// The cycle timing in words (steady, initial, stalled, not active, …).
    pub timing: String,
    pub stalled: bool,
    pub quarantine: Option<QuarantineView>,
    pub users_mapping_enabled: Option<bool>,
    pub groups_mapping_enabled: Option<bool>,
    pub assigned_users: Option<u64>,
    pub assigned_groups: Option<u64>,
    pub group_members: Option<u64>,
    pub in_scope_users: Option<u64>,
    /// `assigned users and groups only`, `all users and groups`, or null when unknown.
    pub scope: Option<String>,
    pub tenant_url: Option<String>,
    pub logs_available: Option<bool>,
    pub events_stored: i64,
    pub last_cycle: Option<CycleRow>,
    /// Each Graph stream's own health (job, configuration, logs), in that
    /// order; a stream never polled is absent.
    pub streams: Vec<StreamView>,
    /// Provisioned counts, cycle kind and progress, steady state.
    pub glance: JobGlance,
}

/// Build the status report of a connection at `now`.
pub async fn status_report(
    store: &Store,
    row: &ConnectionRow,
    now: DateTime<Utc>,
) -> Result<StatusReport, EngineError> {
    let reads = StoredReads::one(store.pool(), row.id).await?;
    status_report_from(store, row, &reads, now).await
}

/// The status report from what was read of the store (`reads`: this
/// connection's, alone or from [`StoredReads::all`]).
pub async fn status_report_from(
    store: &Store,
    row: &ConnectionRow,
    reads: &StoredReads,
    now: DateTime<Utc>,
) -> Result<StatusReport, EngineError> {
    let obs = observations_from(store, row, reads).await?;
    let cfg = Thresholds::default();
    let timing = health::cycle_timing(&obs, &cfg, now);
    let (timing_text, next_expected, stalled) = match &timing {
        CycleTiming::Unknown { why } => (format!("unknown: {why}"), None, false),
        CycleTiming::Blind { why } => (format!("blind: {why}"), None, false),
        CycleTiming::NotActive { status } => (format!("not running: {status}"), None, false),
        CycleTiming::NoSchedule => ("no schedule".into(), None, false),
        CycleTiming::Initial {
            elapsed, overdue, ..
        } => (
            format!(
                "initial cycle running for {} min{}",
                elapsed.num_minutes(),
                if *overdue {
                    " (beyond Microsoft's estimate)"
                } else {
                    ""
                }
            ),
            None,
            *overdue,
        ),
        CycleTiming::Steady {
            since,
            next_expected,
            stalled,
            ..
        } => (
            format!(
                "{} min since the last cycle ended{}",
                since.num_minutes(),
                if *stalled { " (stalled)" } else { "" }
            ),
            *next_expected,
            *stalled,
        ),
    };
    let job = obs.job.as_ref();
    let latest = reads.recent_jobs.first().map(|r| &r.snapshot);
    let assignments: Option<AssignmentsBody> = body(reads.assignments.as_ref());
    let denied_job = obs.graph_denied.iter().find(|d| d.job);
    let (graph, blind_reason, blind_since) = match (&obs.graph_reachability, denied_job) {
        // Graph answers but refuses the job for lack of a permission: the
        // job is not seen, and the reason names what is needed.
        (Reachability::Ok | Reachability::Unknown, Some(d)) => (
            "blind".to_string(),
            Some(d.reason.clone()),
            fmt(Some(d.since)),
        ),
        (Reachability::Ok, None) => ("ok".to_string(), None, None),
        (Reachability::Unknown, None) => ("unknown".to_string(), None, None),
        (Reachability::Blind { since, reason }, _) => {
            ("blind".to_string(), Some(reason.clone()), fmt(Some(*since)))
        }
    };
    let glance = job_glance(latest.map(|l| l.raw_json.as_str()), &timing);
    let last_cycle = reads.last_cycle.clone();
    Ok(StatusReport {
        connection_id: row.uuid.clone(),
        connection: row.name.clone(),
        app_display_name: row.app_display_name.clone(),
        job_id: row.job_id.clone(),
        graph,
        blind_reason,
        blind_since,
        job_read_at: fmt(obs.job_observed_at),
        status_code: latest.and_then(|l| l.status_code.clone()),
        schedule_state: latest.and_then(|l| l.schedule_state.clone()),
        interval_minutes: job.and_then(|j| j.interval).map(|d| d.num_minutes()),
        last_cycle_began: fmt(job
            .and_then(|j| j.last_execution.as_ref())
            .and_then(|e| e.began)),
        last_cycle_ended: fmt(job
            .and_then(|j| j.last_execution.as_ref())
            .and_then(|e| e.ended)),
        last_cycle_state: latest.and_then(|l| l.last_execution_state.clone()),
        last_successful_ended: fmt(job.and_then(|j| j.last_successful_execution_ended)),
        next_expected: fmt(next_expected),
        timing: timing_text,
        stalled,
        // Only a quarantined job has a quarantine (Graph sends a placeholder
        // object otherwise); its error may be the last execution's.
        quarantine: job
            .filter(|j| j.status_code == health::JobStatusCode::Quarantine)
            .map(|j| {
                (
                    j.quarantine.clone().unwrap_or_default(),
                    j.quarantine_error(),
                )
            })
            .map(|(q, err)| QuarantineView {
                reason: q.reason.as_ref().map(|r| r.to_string()),
                error_code: err.as_ref().and_then(|e| e.code.clone()),
                error_message: err
                    .as_ref()
                    .and_then(|e| e.message.as_deref())
                    .map(without_trace_lines),
                error_source: err.as_ref().map(|e| {
                    match e.source {
                        health::QuarantineErrorSource::Quarantine => "quarantine",
                        health::QuarantineErrorSource::LastExecution => "last_execution",
                    }
                    .to_string()
                }),
                since: fmt(q.series_began.or(q.current_began)),
                next_attempt: fmt(q.next_attempt),
                days_left: health::quarantine_days_left(&q, cfg.quarantine_disable_days, now),
            }),
        users_mapping_enabled: obs.mappings.as_ref().and_then(|m| m.users_enabled),
        groups_mapping_enabled: obs.mappings.as_ref().and_then(|m| m.groups_enabled),
        assigned_users: assignments.as_ref().map(|a| a.user_count),
        assigned_groups: assignments.as_ref().map(|a| a.group_count),
        group_members: assignments.as_ref().map(|a| a.group_member_count),
        in_scope_users: assignments.as_ref().map(|a| a.in_scope_users),
        scope: obs
            .mappings
            .as_ref()
            .and_then(|m| m.scope_assigned_only)
            .map(|only| {
                if only {
                    "assigned users and groups only".into()
                } else {
                    "all users and groups".into()
                }
            }),
        tenant_url: obs.entra_tenant_url.clone(),
        logs_available: obs.logs_available,
        events_stored: reads.events_stored,
        last_cycle,
        streams: obs
            .graph_streams
            .iter()
            .map(|h| StreamView::new(h, &row.name, now))
            .collect(),
        glance,
    })
}
