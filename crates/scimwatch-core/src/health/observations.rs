//! What the health rules and the checklist look at: plain data, every side
//! optional (a side may be unobserved), serialisable so fixtures can be JSON.
//!
//! These types are deliberately independent of the Graph and SCIM models: the
//! engine fills them from whatever it read. Enumerations that mirror Graph
//! strings keep unknown values (`Other`) instead of failing, and (de)serialise
//! as the exact Graph spelling (`"NotConfigured"`, `"EntryLevelErrors"`, …).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

pub use crate::scim::Verdict;

/// Declares an enum mirroring a Graph string value, with an `Other(String)`
/// fallback; parses case-insensitively and serialises as Graph spells it.
macro_rules! graph_string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(from = "String", into = "String")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this version does not know, kept verbatim.
            Other(String),
        }

        impl $name {
            /// Parse Graph's spelling (case-insensitive); unknown values become `Other`.
            pub fn parse(s: &str) -> Self {
                let t = s.trim();
                $(if t.eq_ignore_ascii_case($text) {
                    return $name::$variant;
                })+
                $name::Other(t.to_string())
            }

            /// Graph's spelling of the value.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Other(s) => s.as_str(),
                }
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> Self {
                v.as_str().to_string()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

graph_string_enum! {
    /// `status.code` of a provisioning job.
    JobStatusCode {
        NotConfigured => "NotConfigured",
        NotRun => "NotRun",
        Active => "Active",
        Paused => "Paused",
        Quarantine => "Quarantine",
    }
}

graph_string_enum! {
    /// `schedule.state` of a provisioning job.
    ScheduleState {
        Active => "Active",
        Disabled => "Disabled",
        Paused => "Paused",
    }
}

graph_string_enum! {
    /// `state` of a provisioning job execution.
    ExecutionState {
        Succeeded => "Succeeded",
        Failed => "Failed",
        EntryLevelErrors => "EntryLevelErrors",
    }
}

graph_string_enum! {
    /// `status.quarantine.reason`.
    QuarantineReason {
        EncounteredBaseEscrowThreshold => "EncounteredBaseEscrowThreshold",
        EncounteredTotalEscrowThreshold => "EncounteredTotalEscrowThreshold",
        EncounteredEscrowProportionThreshold => "EncounteredEscrowProportionThreshold",
        EncounteredQuarantineException => "EncounteredQuarantineException",
        Unknown => "Unknown",
        QuarantinedOnDemand => "QuarantinedOnDemand",
        TooManyDeletes => "TooManyDeletes",
        IngestionInterrupted => "IngestionInterrupted",
    }
}

/// Whether the monitor itself can reach a side (Graph or the SCIM endpoint).
/// `Blind` is the monitor's own failure, never evidence about provisioning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Reachability {
    /// Not attempted yet, or not applicable.
    #[default]
    Unknown,
    /// The last attempt succeeded.
    Ok,
    /// Attempts have failed since `since`.
    Blind {
        since: DateTime<Utc>,
        /// Why, in plain words (e.g. "sign-in expired", "DNS lookup failed").
        reason: String,
    },
}

/// Microsoft Graph refuses scimwatch one kind of read for lack of a
/// permission or directory role (the synchronization API answers 401
/// `UnknownError` with an empty message, others 403), while other reads
/// work. Not blindness: scimwatch can reach Graph, it may not look.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphDenied {
    /// What could not be read, e.g. "the provisioning job".
    pub what: String,
    /// Refused since.
    pub since: DateTime<Utc>,
    /// Why, naming the permission or role needed.
    pub reason: String,
    /// Whether this is the provisioning job itself (its status is then
    /// not live evidence).
    #[serde(default)]
    pub job: bool,
}

/// A provisioning job's last execution (`status.lastExecution`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct ExecutionObservation {
    pub began: Option<DateTime<Utc>>,
    /// `None` while the execution is still running.
    pub ended: Option<DateTime<Utc>>,
    pub state: Option<ExecutionState>,
    pub count_escrowed: Option<u64>,
    pub count_exported: Option<u64>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

/// Progress of the running cycle (`status.progress[]`, summed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct ProgressObservation {
    pub completed_units: u64,
    pub total_units: u64,
    pub observed_at: Option<DateTime<Utc>>,
}

impl ProgressObservation {
    /// Whether the progress shows unfinished work.
    pub fn incomplete(&self) -> bool {
        self.total_units > 0 && self.completed_units < self.total_units
    }
}

/// `status.quarantine`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct QuarantineObservation {
    pub reason: Option<QuarantineReason>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub series_began: Option<DateTime<Utc>>,
    pub current_began: Option<DateTime<Utc>>,
    pub next_attempt: Option<DateTime<Utc>>,
    pub series_count: Option<u64>,
}

/// The provisioning job as last read from Graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct JobObservation {
    pub job_id: Option<String>,
    pub status_code: JobStatusCode,
    pub schedule_state: ScheduleState,
    /// The schedule's interval; `None` means no schedule (Graph's
    /// `P10675199DT2H48M5.4775807S`). JSON: whole seconds.
    #[serde(with = "duration_secs_opt")]
    pub interval: Option<Duration>,
    pub last_execution: Option<ExecutionObservation>,
    /// `lastSuccessfulExecution.timeEnded`: the last error-free run.
    pub last_successful_execution_ended: Option<DateTime<Utc>>,
    pub progress: Option<ProgressObservation>,
    /// Only read when `status_code` is `Quarantine`: Graph returns a
    /// placeholder object otherwise.
    pub quarantine: Option<QuarantineObservation>,
    /// `steadyStateFirstAchievedTime`; `None` = never (Graph's `0001-01-01`
    /// is also treated as never).
    pub steady_state_first_achieved: Option<DateTime<Utc>>,
    /// `countEscrowed` of recent executions, oldest first (the newest is the
    /// current value).
    pub escrow_history: Vec<u64>,
    pub count_successive_complete_failures: Option<u64>,
}

impl Default for JobObservation {
    fn default() -> Self {
        Self {
            job_id: None,
            status_code: JobStatusCode::Other(String::new()),
            schedule_state: ScheduleState::Other(String::new()),
            interval: None,
            last_execution: None,
            last_successful_execution_ended: None,
            progress: None,
            quarantine: None,
            steady_state_first_achieved: None,
            escrow_history: Vec::new(),
            count_successive_complete_failures: None,
        }
    }
}

/// Where a quarantine's error came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuarantineErrorSource {
    /// `status.quarantine.error`.
    Quarantine,
    /// `status.lastExecution.error`: real Graph sends quarantines without
    /// `quarantine.error`, the cause is then the last execution's error.
    LastExecution,
}

/// A quarantine's error code and message, and where they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantineError {
    pub code: Option<String>,
    pub message: Option<String>,
    pub source: QuarantineErrorSource,
}

/// Whether an error code is Entra's "the SaaS refused the credentials"
/// family: `…CredentialValidationFailure`, `…InvalidCredentials` (real
/// quarantines), app-prefixed variants, or `Unauthorized`. Not
/// `…CredentialValidationUnavailable`: Entra could not connect at all
/// ([`is_unreachable_error_code`]), nothing was refused.
pub fn is_credential_error_code(code: &str) -> bool {
    let c = code.trim().to_ascii_lowercase();
    !is_unreachable_error_code(code)
        && (c.contains("credentialvalidation")
            || c.contains("invalidcredential")
            || c == "unauthorized"
            || c.ends_with("unauthorized"))
}

/// Whether an error code is Entra's "we are not able to connect to your
/// application": `SystemForCrossDomainIdentityManagementCredentialValidationUnavailable`
/// (what real tenants report for an endpoint that does not answer), or a
/// code ending in `…Unavailable`.
pub fn is_unreachable_error_code(code: &str) -> bool {
    let c = code.trim().to_ascii_lowercase();
    c.ends_with("credentialvalidationunavailable") || c.ends_with("serviceunavailable")
}

impl JobObservation {
    /// The quarantine's error: `quarantine.error` when it has a code or a
    /// message, else `lastExecution.error`. `None` when the job is not
    /// quarantined or neither says anything (empty strings are absent).
    pub fn quarantine_error(&self) -> Option<QuarantineError> {
        if self.status_code != JobStatusCode::Quarantine {
            return None;
        }
        let clean = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        if let Some(q) = &self.quarantine {
            let (code, message) = (clean(&q.error_code), clean(&q.error_message));
            if code.is_some() || message.is_some() {
                return Some(QuarantineError {
                    code,
                    message,
                    source: QuarantineErrorSource::Quarantine,
                });
            }
        }
        let e = self.last_execution.as_ref()?;
        let (code, message) = (clean(&e.error_code), clean(&e.error_message));
        (code.is_some() || message.is_some()).then_some(QuarantineError {
            code,
            message,
            source: QuarantineErrorSource::LastExecution,
        })
    }

    /// The steady-state time, with Graph's "never" sentinel (year 1) mapped to `None`.
    pub fn steady_state(&self) -> Option<DateTime<Utc>> {
        self.steady_state_first_achieved
            .filter(|t| t.timestamp() > 0)
    }

    /// End of the latest completed cycle: the later of the last execution's
    /// end and the last successful execution's end.
    pub fn last_completed_end(&self) -> Option<DateTime<Utc>> {
        let a = self.last_execution.as_ref().and_then(|e| e.ended);
        let b = self.last_successful_execution_ended;
        match (a, b) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }
}

/// The job's schema, reduced to what the rules need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct MappingsObservation {
    /// The mapping whose `sourceObjectName` is `User`.
    pub users_enabled: Option<bool>,
    /// The mapping whose `sourceObjectName` is `Group`.
    pub groups_enabled: Option<bool>,
    /// `SyncAll == "false"`: only assigned users and groups are in scope.
    pub scope_assigned_only: Option<bool>,
}

/// Who is assigned to the enterprise app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct AssignmentsObservation {
    pub users: u64,
    pub groups: u64,
    /// Direct members of the assigned groups (no nesting), summed.
    pub group_members: u64,
}

impl AssignmentsObservation {
    /// Users + groups + members: the unit of Microsoft's initial-cycle estimate.
    pub fn objects(&self) -> u64 {
        self.users
            .saturating_add(self.groups)
            .saturating_add(self.group_members)
    }
}

/// An error code or skip reason with how often it occurred.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct CodeCount {
    pub code: String,
    pub count: u64,
}

/// The last provisioning cycle as seen in the provisioning logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct CycleObservation {
    pub cycle_id: Option<String>,
    pub ended: Option<DateTime<Utc>>,
    /// Log entries in the cycle.
    pub total: u64,
    pub failures: u64,
    pub skipped: u64,
    /// Failure error codes, most frequent first.
    pub top_errors: Vec<CodeCount>,
    /// Skip reasons (`NotEffectivelyEntitled`, …), most frequent first.
    pub skip_reasons: Vec<CodeCount>,
    /// Failures classified as conflicts or duplicates by
    /// [`crate::graph::classify_conflict`] from each entry's code *and*
    /// reason, grouped by error code (`""` when the entry had none). `None`:
    /// not counted from the entries; the codes in `top_errors` are
    /// classified instead.
    pub conflicts: Option<Vec<CodeCount>>,
    /// Who the conflicts of the cycle were about (the source object's
    /// display name), as the engine read them from the entries; empty when
    /// not read.
    pub conflict_objects: Vec<String>,
}

impl CycleObservation {
    /// How often an error code occurred (case-insensitive).
    pub fn error_count(&self, code: &str) -> u64 {
        sum_codes(&self.top_errors, |c| c.eq_ignore_ascii_case(code))
    }

    /// How often a skip reason occurred (case-insensitive).
    pub fn skip_count(&self, code: &str) -> u64 {
        sum_codes(&self.skip_reasons, |c| c.eq_ignore_ascii_case(code))
    }

    /// Skips whose reason matches `pred`.
    pub fn skips_where(&self, pred: impl Fn(&str) -> bool) -> u64 {
        sum_codes(&self.skip_reasons, pred)
    }

    /// Conflicts and duplicates of the cycle, by error code: the counted
    /// `conflicts` when the engine classified every failure (code and
    /// reason), else the `top_errors` whose code is of a conflict family.
    pub fn conflict_counts(&self) -> Vec<CodeCount> {
        match &self.conflicts {
            Some(c) => c.clone(),
            None => self
                .top_errors
                .iter()
                .filter(|e| crate::graph::classify_conflict(Some(&e.code), None).is_some())
                .cloned()
                .collect(),
        }
    }

    /// Every failure of the cycle is a conflict or a duplicate (and there
    /// is one): the conflicts are the cause of the failures, not a part of
    /// them.
    pub fn conflicts_cover_failures(&self) -> bool {
        let conflicts = sum_codes(&self.conflict_counts(), |_| true);
        conflicts > 0 && conflicts >= self.failures
    }
}

fn sum_codes(list: &[CodeCount], pred: impl Fn(&str) -> bool) -> u64 {
    list.iter()
        .filter(|c| pred(&c.code))
        .fold(0u64, |acc, c| acc.saturating_add(c.count))
}

/// scimwatch's own replay of Entra's Test Connection against the Tenant URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScimCheckObservation {
    pub ok: bool,
    pub verdict: Verdict,
    #[serde(default)]
    pub http_status: Option<u16>,
    pub checked_at: DateTime<Utc>,
    #[serde(default)]
    pub message: Option<String>,
}

/// Entra's assigned users compared with the SaaS's users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct DriftObservation {
    /// Users assigned in Entra (in scope).
    pub assigned: u64,
    /// Assigned in Entra, absent from the SaaS.
    pub missing: u64,
    /// Present (and active) in the SaaS, not assigned in Entra.
    pub orphans: u64,
    /// SaaS users matching the same Entra user more than once.
    pub duplicates: u64,
    pub observed_at: Option<DateTime<Utc>>,
}

impl DriftObservation {
    /// Missing + orphans + duplicates.
    pub fn total(&self) -> u64 {
        self.missing
            .saturating_add(self.orphans)
            .saturating_add(self.duplicates)
    }
}

/// A way the SaaS's SCIM server deviates from RFC 7643/7644 (found by the
/// SaaS-watching part of the engine).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct ComplianceDeviation {
    /// Stable identifier, e.g. `missing_total_results`.
    pub code: String,
    /// Plain-language description.
    pub message: String,
}

/// Everything the health rules and the checklist look at. All optional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Observations {
    pub job: Option<JobObservation>,
    /// When `job` was read from Graph.
    pub job_observed_at: Option<DateTime<Utc>>,
    pub mappings: Option<MappingsObservation>,
    pub assignments: Option<AssignmentsObservation>,
    pub last_cycle: Option<CycleObservation>,
    pub scim_check: Option<ScimCheckObservation>,
    /// When the SCIM token expires, if the admin told scimwatch (Entra stores no expiry).
    pub token_expires_at: Option<DateTime<Utc>>,
    /// The Tenant URL as Entra has it (`BaseAddress` from the job's secrets).
    pub entra_tenant_url: Option<String>,
    /// The Tenant URL scimwatch checks (from the connection).
    pub scim_url: Option<String>,
    pub drift: Option<DriftObservation>,
    /// `None` = not checked yet; empty = compliant.
    pub compliance_deviations: Option<Vec<ComplianceDeviation>>,
    /// The latest stored Entra probe ("Test with Entra's requests"); `None`
    /// when the SaaS was never probed.
    pub probe: Option<crate::scim::write_probe::ProbeObservation>,
    pub graph_reachability: Reachability,
    /// Reads Graph refuses for lack of a permission or role (empty: none).
    pub graph_denied: Vec<GraphDenied>,
    pub scim_reachability: Reachability,
    /// `Some(false)`: the tenant has no Entra ID P1/P2, so no provisioning logs.
    pub logs_available: Option<bool>,
    /// Each Graph stream's own health (job, configuration, logs), as last
    /// recorded; empty when none was polled. Only the job stream decides
    /// blindness (`graph_reachability`).
    pub graph_streams: Vec<super::streams::StreamHealth>,
}

/// `Option<Duration>` as whole seconds.
mod duration_secs_opt {
    use chrono::Duration;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => s.serialize_some(&d.num_seconds()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        let secs: Option<i64> = Option::deserialize(d)?;
        Ok(secs.and_then(Duration::try_seconds))
    }
}
