//! Overview screen: the Entra side at a glance, poll now.

use chrono::Utc;
use scimwatch_core::{CommandError, ErrorKind};
use serde::Serialize;
use ts_rs::TS;

use super::logs::CycleRow;
use crate::engine::Engine;
use crate::error::EngineError;
use crate::graph::observe::{self, status_report, JobGlance, QuarantineView, StreamView};
use crate::monitor::Watch;

/// The Entra side of one connection at a glance.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
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
    #[ts(type = "number | null")]
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
    #[ts(type = "number | null")]
    pub assigned_users: Option<u64>,
    #[ts(type = "number | null")]
    pub assigned_groups: Option<u64>,
    #[ts(type = "number | null")]
    pub group_members: Option<u64>,
    #[ts(type = "number | null")]
    pub in_scope_users: Option<u64>,
    /// `assigned users and groups only`, `all users and groups`, or null when unknown.
    pub scope: Option<String>,
    pub tenant_url: Option<String>,
    pub logs_available: Option<bool>,
    #[ts(type = "number")]
    pub events_stored: i64,
    pub last_cycle: Option<CycleRow>,
    /// Each Graph stream's own health (job, configuration, logs), in that
    /// order; a stream never polled is absent.
    pub streams: Vec<StreamView>,
    /// Provisioned counts, cycle kind and progress, steady state.
    pub glance: JobGlance,
}

impl From<observe::StatusReport> for StatusReport {
    fn from(v: observe::StatusReport) -> Self {
        Self {
            connection_id: v.connection_id,
            connection: v.connection,
            app_display_name: v.app_display_name,
            job_id: v.job_id,
            graph: v.graph,
            blind_reason: v.blind_reason,
            blind_since: v.blind_since,
            job_read_at: v.job_read_at,
            status_code: v.status_code,
            schedule_state: v.schedule_state,
            interval_minutes: v.interval_minutes,
            last_cycle_began: v.last_cycle_began,
            last_cycle_ended: v.last_cycle_ended,
            last_cycle_state: v.last_cycle_state,
            last_successful_ended: v.last_successful_ended,
            next_expected: v.next_expected,
            timing: v.timing,
            stalled: v.stalled,
            quarantine: v.quarantine,
            users_mapping_enabled: v.users_mapping_enabled,
            groups_mapping_enabled: v.groups_mapping_enabled,
            assigned_users: v.assigned_users,
            assigned_groups: v.assigned_groups,
            group_members: v.group_members,
            in_scope_users: v.in_scope_users,
            scope: v.scope,
            tenant_url: v.tenant_url,
            logs_available: v.logs_available,
            events_stored: v.events_stored,
            last_cycle: v.last_cycle.map(Into::into),
            streams: v.streams,
            glance: v.glance,
        }
    }
}

pub async fn job_status(engine: &Engine, id: &str) -> Result<StatusReport, EngineError> {
    let row = super::row(engine, id).await?;
    Ok(status_report(&engine.store, &row, Utc::now()).await?.into())
}

/// Poll Entra, test the SCIM endpoint and diagnose now (one connection or
/// all), through the running `watch`.
pub async fn poll_now(watch: Option<&Watch>, id: Option<String>) -> Result<(), CommandError> {
    match watch {
        Some(w) => {
            w.poll_now(id).await;
            Ok(())
        }
        None => Err(CommandError {
            kind: ErrorKind::Internal,
            message: "monitoring is not running".into(),
            fields: Vec::new(),
        }),
    }
}
