//! Health rules: pure functions that turn the latest [`Observations`] of one
//! connection into [`Finding`]s, each with a severity, the evidence and the
//! recommended fix.
//!
//! Entry point: [`evaluate`]. Time is a parameter (`now`); nothing here reads a
//! clock or does IO. Rules and their boundaries:
//!
//! | kind | fires when |
//! |---|---|
//! | `quarantine` | `status.code == Quarantine`; critical; `days_left = 28 − whole days since seriesBegan`, ≤ 0 = Entra disabled the job |
//! | `provisioning_off` | status `Paused` or schedule `Disabled`/`Paused` |
//! | `not_configured` / `never_run` | status `NotConfigured` / `NotRun` |
//! | `stalled` | active, fresh status, `now − last completed cycle end > k × interval` (equal is not stalled), or an initial cycle beyond Microsoft's 0.08 min/object estimate |
//! | `initial_cycle_running` | info: initial cycle within the estimate |
//! | `failure_spike` | last cycle: (failures ≥ min count and rate ≥ %) or count ≥ n; critical at rate ≥ 40 % with ≥ 3 failures, or ≥ 5,000 ([`failure_spike_severity`]) |
//! | `escrows_rising` | escrow counts non-decreasing over ≥ 2 samples, last > first |
//! | `conflicts` | the last cycle has entries [`crate::graph::classify_conflict`] calls conflicts or duplicates (naming the objects) |
//! | `scim_down` / `scim_test_failed` | SCIM check timeout/unreachable/5xx, or 401/403/404/HTML/non-SCIM |
//! | `token_expiring` / `token_expired` | within 30/14/7/1 days (inclusive) / at or past expiry |
//! | `users_mapping_disabled`, `groups_mapping_disabled`, `no_groups_assigned` | schema and assignments |
//! | `drift` | missing + orphans + duplicates ≥ min count and share of assigned > % |
//! | `graph_blind` / `scim_blind` | the monitor itself cannot reach a side (or the job reading is stale), or Graph refuses a read for lack of a permission or role (`graph_denied`, said as such) |
//! | `logs_unavailable` | tenant without P1/P2 |
//! | `tenant_url_mismatch` | Entra's Tenant URL differs from the one scimwatch checks |
//! | `scim_non_compliant` | the SaaS's SCIM server deviates from the RFCs |

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

mod conflicts;
mod evidence;
pub mod format;
mod observations;
pub(crate) mod rules;
mod timing;

pub use evidence::{Evidence, EvidenceValue};
pub use observations::{is_credential_error_code, is_unreachable_error_code};
pub use observations::{
    AssignmentsObservation, CodeCount, ComplianceDeviation, CycleObservation, DriftObservation,
    ExecutionObservation, ExecutionState, GraphDenied, JobObservation, JobStatusCode,
    MappingsObservation, Observations, ProgressObservation, QuarantineError, QuarantineErrorSource,
    QuarantineObservation, QuarantineReason, Reachability, ScheduleState, ScimCheckObservation,
    Verdict,
};
pub mod checks;
mod contradiction;
pub use contradiction::{contradictions, Contradiction, ContradictionKind};
pub use rules::{escrows_rising, failure_spike_severity, quarantine_days_left};
pub use timing::{
    cycle_timing, effective_interval, initial_cycle_estimate, job_freshness, job_is_active,
    CycleTiming,
};
mod streams;
pub use streams::{retry_at, stream_hint, stream_line, GraphStream, StreamHealth, StreamProblem};

/// How bad a finding is. Ordered: `Info < Warning < Critical`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    #[default]
    Info,
    Warning,
    Critical,
}

impl Severity {
    /// Lower-case name, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// What a finding is about. Closed: one incident per connection and kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    Quarantine,
    ProvisioningOff,
    NotConfigured,
    NeverRun,
    Stalled,
    InitialCycleRunning,
    FailureSpike,
    EscrowsRising,
    /// Entries Entra cannot create or match because of a conflicting account.
    Conflicts,
    ScimDown,
    ScimTestFailed,
    TokenExpiring,
    TokenExpired,
    UsersMappingDisabled,
    GroupsMappingDisabled,
    NoGroupsAssigned,
    Drift,
    GraphBlind,
    ScimBlind,
    LogsUnavailable,
    TenantUrlMismatch,
    ScimNonCompliant,
}

impl FindingKind {
    /// Every kind, in declaration order.
    pub const ALL: [FindingKind; 22] = [
        FindingKind::Quarantine,
        FindingKind::ProvisioningOff,
        FindingKind::NotConfigured,
        FindingKind::NeverRun,
        FindingKind::Stalled,
        FindingKind::InitialCycleRunning,
        FindingKind::FailureSpike,
        FindingKind::EscrowsRising,
        FindingKind::Conflicts,
        FindingKind::ScimDown,
        FindingKind::ScimTestFailed,
        FindingKind::TokenExpiring,
        FindingKind::TokenExpired,
        FindingKind::UsersMappingDisabled,
        FindingKind::GroupsMappingDisabled,
        FindingKind::NoGroupsAssigned,
        FindingKind::Drift,
        FindingKind::GraphBlind,
        FindingKind::ScimBlind,
        FindingKind::LogsUnavailable,
        FindingKind::TenantUrlMismatch,
        FindingKind::ScimNonCompliant,
    ];

    /// The snake_case name, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Quarantine => "quarantine",
            FindingKind::ProvisioningOff => "provisioning_off",
            FindingKind::NotConfigured => "not_configured",
            FindingKind::NeverRun => "never_run",
            FindingKind::Stalled => "stalled",
            FindingKind::InitialCycleRunning => "initial_cycle_running",
            FindingKind::FailureSpike => "failure_spike",
            FindingKind::EscrowsRising => "escrows_rising",
            FindingKind::Conflicts => "conflicts",
            FindingKind::ScimDown => "scim_down",
            FindingKind::ScimTestFailed => "scim_test_failed",
            FindingKind::TokenExpiring => "token_expiring",
            FindingKind::TokenExpired => "token_expired",
            FindingKind::UsersMappingDisabled => "users_mapping_disabled",
            FindingKind::GroupsMappingDisabled => "groups_mapping_disabled",
            FindingKind::NoGroupsAssigned => "no_groups_assigned",
            FindingKind::Drift => "drift",
            FindingKind::GraphBlind => "graph_blind",
            FindingKind::ScimBlind => "scim_blind",
            FindingKind::LogsUnavailable => "logs_unavailable",
            FindingKind::TenantUrlMismatch => "tenant_url_mismatch",
            FindingKind::ScimNonCompliant => "scim_non_compliant",
        }
    }

    /// Parse the snake_case name (for storage).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
}

/// A problem (or a noteworthy state) found in the observations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Finding {
    pub kind: FindingKind,
    pub severity: Severity,
    /// One line, plain language.
    pub title: String,
    pub evidence: Vec<Evidence>,
    /// The recommended fix, plain language.
    pub action: String,
    /// Quarantine: days before Entra disables the job (0 = disabled).
    /// Token: days before it expires (0 = expires today or expired).
    pub days_left: Option<i64>,
    /// Token expiry: the warning threshold crossed (30, 14, 7, 1). A lower
    /// threshold than an open incident's is an escalation.
    pub threshold_days: Option<u32>,
    /// When the problem started, if known (quarantine series start, last
    /// completed cycle, blind since, …).
    #[ts(type = "string | null")]
    pub since: Option<DateTime<Utc>>,
}

impl Finding {
    pub(crate) fn new(
        kind: FindingKind,
        severity: Severity,
        title: impl Into<String>,
        action: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            severity,
            title: title.into(),
            evidence: Vec::new(),
            action: action.into(),
            days_left: None,
            threshold_days: None,
            since: None,
        }
    }

    pub(crate) fn with(mut self, label: &str, value: impl Into<EvidenceValue>) -> Self {
        self.evidence.push(Evidence::new(label, value));
        self
    }
}

/// Tunable thresholds of the rules. Durations are whole minutes so the
/// struct stays plain JSON for settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Thresholds {
    /// `k`: stalled when no cycle completed within `k × interval` (strictly more).
    pub stall_factor: u32,
    /// Minutes after which a job status reading is too old to judge a stall.
    pub job_stale_after_minutes: u32,
    /// Minutes of blindness after which `graph_blind`/`scim_blind` become critical.
    pub blind_critical_after_minutes: u32,
    /// Microsoft's lower estimate per assigned user, group and member (0.01 min).
    pub initial_cycle_min_minutes_per_object: f64,
    /// Microsoft's upper estimate per assigned user, group and member (0.08 min).
    pub initial_cycle_max_minutes_per_object: f64,
    /// The initial-cycle estimate is never shorter than this.
    pub initial_cycle_floor_minutes: u32,
    /// Entra disables a job quarantined this long (28 days).
    pub quarantine_disable_days: u32,
    /// The rate alone makes a spike only with at least this many failures
    /// (a single failed entry is retried by Entra; when it keeps failing,
    /// `escrows_rising` reports it).
    pub failure_min_count: u64,
    /// Failure rate (% of the cycle's log entries) that is a spike (inclusive).
    pub failure_rate_pct: f64,
    /// Failure count that is a spike whatever the rate (inclusive).
    pub failure_count: u64,
    /// Rate that makes the spike critical (Entra quarantines above 40 %).
    pub failure_rate_critical_pct: f64,
    /// Count that makes the spike critical (Entra starts evaluating quarantine at 5,000).
    pub failure_count_critical: u64,
    /// A spike is critical by its rate only with at least this many failures
    /// (1 of 1 failed is a warning, 3 of 3 is critical).
    pub failure_critical_min_count: u64,
    /// Escrows must reach at least this many to be reported as rising.
    pub escrow_min: u64,
    /// Token warnings, in days before expiry (inclusive).
    pub token_warn_days: Vec<u32>,
    /// At or below this many days the expiring token is critical.
    pub token_critical_days: u32,
    /// Drift above this share of assigned users is reported (strictly more).
    pub drift_threshold_pct: f64,
    /// Drift below this many objects is never reported.
    pub drift_min_count: u64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            stall_factor: 3,
            job_stale_after_minutes: 30,
            blind_critical_after_minutes: 120,
            initial_cycle_min_minutes_per_object: 0.01,
            initial_cycle_max_minutes_per_object: 0.08,
            initial_cycle_floor_minutes: 40,
            quarantine_disable_days: 28,
            failure_min_count: 2,
            failure_rate_pct: 10.0,
            failure_count: 100,
            failure_rate_critical_pct: 40.0,
            failure_count_critical: 5000,
            failure_critical_min_count: 3,
            escrow_min: 1,
            token_warn_days: vec![30, 14, 7, 1],
            token_critical_days: 1,
            drift_threshold_pct: 1.0,
            drift_min_count: 1,
        }
    }
}

/// Run every rule. Findings are sorted by severity (critical first), then kind.
pub fn evaluate(obs: &Observations, cfg: &Thresholds, now: DateTime<Utc>) -> Vec<Finding> {
    let mut out = Vec::new();
    rules::blindness(obs, cfg, now, &mut out);
    rules::job_state(obs, cfg, now, &mut out);
    rules::stall(obs, cfg, now, &mut out);
    rules::failures(obs, cfg, &mut out);
    conflicts::conflicts(obs, &mut out);
    rules::scim(obs, now, &mut out);
    rules::token(obs, cfg, now, &mut out);
    rules::mappings(obs, &mut out);
    rules::drift(obs, cfg, &mut out);
    rules::misc(obs, &mut out);
    contradiction::annotate(obs, &mut out);
    out.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.kind.cmp(&b.kind)));
    out
}
