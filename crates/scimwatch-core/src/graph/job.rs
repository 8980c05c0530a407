//! The provisioning job (`synchronizationJob`) and its status, and the job's
//! secrets (`synchronization/secrets`).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::lenient::{
    open, opt_bool, opt_i64, opt_interval, opt_string, opt_timestamp, parse_bool_text, vec_or_null,
    Interval, Timestamp,
};
use crate::sensitive::Sensitive;

/// Kinds of configuration versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ConfigKind {
    Schema,
    Assignments,
    Settings,
}

impl ConfigKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ConfigKind::Schema => "schema",
            ConfigKind::Assignments => "assignments",
            ConfigKind::Settings => "settings",
        }
    }
}

crate::open_enum! {
    /// `status.code` of a synchronization job.
    pub enum JobStatusCode / Other {
        /// Created but never configured.
        NotConfigured = "NotConfigured",
        /// Configured, never run.
        NotRun = "NotRun",
        /// Running on schedule.
        Active = "Active",
        /// Stopped by an admin (portal "Provisioning Status Off") or by Entra.
        Paused = "Paused",
        /// Quarantined: see `status.quarantine`.
        Quarantine = "Quarantine",
    }
}

crate::open_enum! {
    /// `schedule.state` of a synchronization job.
    pub enum ScheduleState / Other {
        /// Cycles run every `interval`.
        Active = "Active",
        /// No cycles run.
        Disabled = "Disabled",
        /// Cycles suspended.
        Paused = "Paused",
    }
}

crate::open_enum! {
    /// Why a job is quarantined (`status.quarantine.reason`).
    pub enum QuarantineReason / Other {
        /// Too many escrowed (failed) entries in one cycle.
        EncounteredBaseEscrowThreshold = "EncounteredBaseEscrowThreshold",
        /// Too many escrowed entries in total.
        EncounteredTotalEscrowThreshold = "EncounteredTotalEscrowThreshold",
        /// Too large a proportion of entries escrowed.
        EncounteredEscrowProportionThreshold = "EncounteredEscrowProportionThreshold",
        /// An exception, typically bad or expired credentials
        /// (`SystemForCrossDomainIdentityManagementCredentialValidationFailure`).
        EncounteredQuarantineException = "EncounteredQuarantineException",
        /// Microsoft does not say.
        Unknown = "Unknown",
        /// An admin quarantined the job.
        QuarantinedOnDemand = "QuarantinedOnDemand",
        /// The accidental-deletion threshold was exceeded.
        TooManyDeletes = "TooManyDeletes",
        /// Ingestion was interrupted.
        IngestionInterrupted = "IngestionInterrupted",
    }
}

crate::open_enum! {
    /// Outcome of one cycle (`synchronizationTaskExecution.state`).
    pub enum ExecutionState / Other {
        /// No errors.
        Succeeded = "Succeeded",
        /// The cycle failed as a whole.
        Failed = "Failed",
        /// The cycle ran, some entries failed.
        EntryLevelErrors = "EntryLevelErrors",
    }
}

/// A provisioning job (`GET /servicePrincipals/{id}/synchronization/jobs/{jobId}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SynchronizationJob {
    /// Job id; non-gallery SCIM jobs start with `scim.`.
    pub id: String,
    /// The template the job was created from (`scim`, `aws`, `BoxOutDelta`, …).
    #[serde(default, deserialize_with = "opt_string")]
    pub template_id: Option<String>,
    /// When cycles run.
    #[serde(default)]
    pub schedule: Option<SynchronizationSchedule>,
    /// What the job is doing and how its last cycles went.
    #[serde(default)]
    pub status: Option<SynchronizationStatus>,
    /// Settings such as `QuarantineTooManyDeletesThreshold`.
    #[serde(default, deserialize_with = "vec_or_null")]
    pub synchronization_job_settings: Vec<KeyValuePair>,
}

impl SynchronizationJob {
    /// A job setting by name (case-insensitive).
    pub fn setting(&self, name: &str) -> Option<&str> {
        self.synchronization_job_settings
            .iter()
            .find(|s| {
                s.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .and_then(|s| s.value.as_deref())
    }

    /// `status.code`, if present.
    pub fn status_code(&self) -> Option<&JobStatusCode> {
        self.status.as_ref().and_then(|s| s.code.as_ref())
    }

    /// `schedule.state`, if present.
    pub fn schedule_state(&self) -> Option<&ScheduleState> {
        self.schedule.as_ref().and_then(|s| s.state.as_ref())
    }

    /// `status.quarantine`, if the job has one.
    pub fn quarantine(&self) -> Option<&SynchronizationQuarantine> {
        self.status.as_ref().and_then(|s| s.quarantine.as_ref())
    }
}

/// `{name, value}` settings pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct KeyValuePair {
    /// Setting name.
    #[serde(default, deserialize_with = "opt_string")]
    pub name: Option<String>,
    /// Setting value (text, even for numbers).
    #[serde(default, deserialize_with = "opt_string")]
    pub value: Option<String>,
}

/// `schedule` of a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SynchronizationSchedule {
    /// When the schedule stops, if ever.
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub expiration: Option<Timestamp>,
    /// `PT40M`, or `TimeSpan.MaxValue` ([`Interval::NoSchedule`]) for a disabled job.
    #[serde(default, deserialize_with = "opt_interval")]
    pub interval: Option<Interval>,
    /// `Active`, `Disabled` or `Paused`.
    #[serde(default, deserialize_with = "open")]
    pub state: Option<ScheduleState>,
}

/// `status` of a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SynchronizationStatus {
    /// `NotConfigured`, `NotRun`, `Active`, `Paused`, `Quarantine`.
    #[serde(default, deserialize_with = "open")]
    pub code: Option<JobStatusCode>,
    /// Cycles in a row that failed entirely.
    #[serde(default, deserialize_with = "opt_i64")]
    pub count_successive_complete_failures: Option<i64>,
    /// Whether escrows were pruned.
    #[serde(default, deserialize_with = "opt_bool")]
    pub escrows_pruned: Option<bool>,
    /// The last cycle, successful or not: liveness.
    #[serde(default)]
    pub last_execution: Option<SynchronizationTaskExecution>,
    /// The last cycle without errors: cleanliness.
    #[serde(default)]
    pub last_successful_execution: Option<SynchronizationTaskExecution>,
    /// The last error-free cycle that exported something.
    #[serde(default)]
    pub last_successful_execution_with_exports: Option<SynchronizationTaskExecution>,
    /// Progress of the running cycle.
    #[serde(default, deserialize_with = "vec_or_null")]
    pub progress: Vec<SynchronizationProgress>,
    /// Present when the job is or was quarantined.
    #[serde(default)]
    pub quarantine: Option<SynchronizationQuarantine>,
    /// First time steady state was reached ([`Timestamp::Never`] if not yet).
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub steady_state_first_achieved_time: Option<Timestamp>,
    /// Last time steady state was reached ([`Timestamp::Never`] if not yet).
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub steady_state_last_achieved_time: Option<Timestamp>,
    /// Objects in the job's scope, by type.
    #[serde(default, deserialize_with = "vec_or_null")]
    pub synchronized_entry_count_by_type: Vec<StringKeyLongValuePair>,
    /// Microsoft's troubleshooting link.
    #[serde(default, deserialize_with = "opt_string")]
    pub troubleshooting_url: Option<String>,
}

/// One cycle (`synchronizationTaskExecution`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SynchronizationTaskExecution {
    /// The cycle's id (matches `cycleId` in the provisioning logs).
    #[serde(default, deserialize_with = "opt_string")]
    pub activity_identifier: Option<String>,
    /// Entitled objects.
    #[serde(default, deserialize_with = "opt_i64")]
    pub count_entitled: Option<i64>,
    /// Objects entitled for provisioning.
    #[serde(default, deserialize_with = "opt_i64")]
    pub count_entitled_for_provisioning: Option<i64>,
    /// Escrowed (failed, to be retried) objects.
    #[serde(default, deserialize_with = "opt_i64")]
    pub count_escrowed: Option<i64>,
    /// Escrows including duplicates.
    #[serde(default, deserialize_with = "opt_i64")]
    pub count_escrowed_raw: Option<i64>,
    /// Objects exported.
    #[serde(default, deserialize_with = "opt_i64")]
    pub count_exported: Option<i64>,
    /// Exports attempted.
    #[serde(default, deserialize_with = "opt_i64")]
    pub count_exports: Option<i64>,
    /// Objects imported.
    #[serde(default, deserialize_with = "opt_i64")]
    pub count_imported: Option<i64>,
    /// Delta changes imported.
    #[serde(default, deserialize_with = "opt_i64")]
    pub count_imported_deltas: Option<i64>,
    /// Reference (membership, manager) changes imported.
    #[serde(default, deserialize_with = "opt_i64")]
    pub count_imported_reference_deltas: Option<i64>,
    /// The cycle's error, if it had one.
    #[serde(default)]
    pub error: Option<SynchronizationError>,
    /// `Succeeded`, `Failed`, `EntryLevelErrors`.
    #[serde(default, deserialize_with = "open")]
    pub state: Option<ExecutionState>,
    /// Start of the cycle.
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub time_began: Option<Timestamp>,
    /// End of the cycle.
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub time_ended: Option<Timestamp>,
}

/// An error attached to a cycle or a quarantine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SynchronizationError {
    /// `SystemForCrossDomainIdentityManagementCredentialValidationFailure`, …
    #[serde(default, deserialize_with = "opt_string")]
    pub code: Option<String>,
    /// Microsoft's text.
    #[serde(default, deserialize_with = "opt_string")]
    pub message: Option<String>,
    /// Whether the tenant admin can fix it.
    #[serde(default, deserialize_with = "opt_bool")]
    pub tenant_actionable: Option<bool>,
}

/// `status.quarantine`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SynchronizationQuarantine {
    /// Start of the current quarantine (`""` from Microsoft → `None`).
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub current_began: Option<Timestamp>,
    /// Next retry.
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub next_attempt: Option<Timestamp>,
    /// Why (`""` → `None`).
    #[serde(default, deserialize_with = "open")]
    pub reason: Option<QuarantineReason>,
    /// Start of the first quarantine in this series.
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub series_began: Option<Timestamp>,
    /// Quarantines in this series.
    #[serde(default, deserialize_with = "opt_i64")]
    pub series_count: Option<i64>,
    /// The error that caused it.
    #[serde(default)]
    pub error: Option<SynchronizationError>,
}

/// One entry of `status.progress`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SynchronizationProgress {
    /// Units done.
    #[serde(default, deserialize_with = "opt_i64")]
    pub completed_units: Option<i64>,
    /// When observed.
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub progress_observation_date_time: Option<Timestamp>,
    /// Units in total.
    #[serde(default, deserialize_with = "opt_i64")]
    pub total_units: Option<i64>,
    /// What a unit is.
    #[serde(default, deserialize_with = "opt_string")]
    pub units: Option<String>,
}

/// `{key, value}` with a numeric value (`synchronizedEntryCountByType`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct StringKeyLongValuePair {
    /// The key (an object type).
    #[serde(default, deserialize_with = "opt_string")]
    pub key: Option<String>,
    /// The count.
    #[serde(default, deserialize_with = "opt_i64")]
    pub value: Option<i64>,
}

// ---------------------------------------------------------------------------
// Secrets

/// Secret keys whose values are safe to show (they configure, not authenticate).
const READABLE_SECRET_KEYS: &[&str] = &["BaseAddress", "SyncAll", "SyncNotificationSettings"];

/// `GET .../synchronization/secrets`: `{"value": [{key, value}]}`.
///
/// Values are [`Sensitive`]: `Debug` shows only keys (and the values of the
/// non-secret `BaseAddress`, `SyncAll`, `SyncNotificationSettings`), and
/// there is no `Serialize`.
#[derive(Clone, PartialEq, Eq, Deserialize, Default)]
pub struct SynchronizationSecrets {
    /// The pairs, in Microsoft's order.
    #[serde(default, deserialize_with = "vec_or_null")]
    pub value: Vec<SecretKeyValue>,
}

/// One `{key, value}` of the secrets.
#[derive(Clone, PartialEq, Eq, Deserialize, Default)]
pub struct SecretKeyValue {
    /// `BaseAddress`, `SecretToken`, `SyncAll`, …
    #[serde(default, deserialize_with = "opt_string")]
    pub key: Option<String>,
    /// The value; `SecretToken` comes back masked.
    #[serde(default)]
    pub value: Option<Sensitive<String>>,
}

impl fmt::Debug for SecretKeyValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let readable = self.key.as_deref().is_some_and(|k| {
            READABLE_SECRET_KEYS
                .iter()
                .any(|r| r.eq_ignore_ascii_case(k))
        });
        let mut d = f.debug_struct("SecretKeyValue");
        d.field("key", &self.key);
        match (&self.value, readable) {
            (Some(v), true) => d.field("value", v.expose()),
            (Some(_), false) => d.field("value", &"<redacted>"),
            (None, _) => d.field("value", &Option::<()>::None),
        };
        d.finish()
    }
}

impl fmt::Debug for SynchronizationSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SynchronizationSecrets")
            .field("value", &self.value)
            .finish()
    }
}

impl SynchronizationSecrets {
    /// The value for `key` (case-insensitive), exposed. Use only for non-secret keys.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.value
            .iter()
            .find(|p| {
                p.key
                    .as_deref()
                    .is_some_and(|k| k.eq_ignore_ascii_case(key))
            })
            .and_then(|p| p.value.as_ref())
            .map(|v| v.expose().as_str())
    }

    /// The Tenant URL (`BaseAddress`), trimmed; `None` when absent or empty.
    pub fn base_address(&self) -> Option<&str> {
        self.get("BaseAddress")
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    /// `SyncAll`: `Some(false)` = sync only assigned users and groups.
    /// `None` when absent or not a boolean.
    pub fn sync_all(&self) -> Option<bool> {
        self.get("SyncAll").and_then(parse_bool_text)
    }

    /// Whether a `SecretToken` is stored (Graph returns it masked; a non-empty
    /// value, masked or not, counts as present).
    pub fn secret_token_present(&self) -> bool {
        self.get("SecretToken")
            .is_some_and(|v| !v.trim().is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(json: &str) -> SynchronizationSecrets {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn secrets_accessors() {
        let s = secrets(
            r#"{"value":[{"key":"BaseAddress","value":" https://api.example.com/scim "},
                {"key":"SecretToken","value":"*"},{"key":"SyncAll","value":"False"}]}"#,
        );
        assert_eq!(s.base_address(), Some("https://api.example.com/scim"));
        assert_eq!(s.sync_all(), Some(false));
        assert!(s.secret_token_present());

        let cases: &[(&str, Option<bool>, bool)] = &[
            (
                r#"{"value":[{"key":"syncall","value":"true"}]}"#,
                Some(true),
                false,
            ),
            (
                r#"{"value":[{"key":"SyncAll","value":"maybe"}]}"#,
                None,
                false,
            ),
            (
                r#"{"value":[{"key":"SecretToken","value":""}]}"#,
                None,
                false,
            ),
            (
                r#"{"value":[{"key":"SecretToken","value":null}]}"#,
                None,
                false,
            ),
            (r#"{"value":null}"#, None, false),
            (r#"{}"#, None, false),
        ];
        for (json, sync_all, token) in cases {
            let s = secrets(json);
            assert_eq!(s.sync_all(), *sync_all, "{json}");
            assert_eq!(s.secret_token_present(), *token, "{json}");
            assert_eq!(s.base_address(), None, "{json}");
        }
    }

    #[test]
    fn secrets_debug_hides_tokens() {
        let s = secrets(
            r#"{"value":[{"key":"BaseAddress","value":"https://x.example"},
                {"key":"SecretToken","value":"eyJhbGciOi.real.token"}]}"#,
        );
        let dbg = format!("{s:?}");
        assert!(dbg.contains("https://x.example"), "{dbg}");
        assert!(!dbg.contains("eyJ"), "{dbg}");
        assert!(dbg.contains("SecretToken"), "{dbg}");
    }

    #[test]
    fn job_settings_and_accessors() {
        let job: SynchronizationJob = serde_json::from_str(
            r#"{"id":"scim.1","schedule":{"state":"active","interval":"PT40M"},
                "status":{"code":"quarantine","quarantine":{"reason":"EncounteredQuarantineException","seriesCount":"3"}},
                "synchronizationJobSettings":[{"name":"QuarantineTooManyDeletesThreshold","value":"500"}]}"#,
        )
        .unwrap();
        assert_eq!(
            job.setting("quarantinetoomanydeletesthreshold"),
            Some("500")
        );
        assert_eq!(job.status_code(), Some(&JobStatusCode::Quarantine));
        assert_eq!(job.schedule_state(), Some(&ScheduleState::Active));
        let q = job.quarantine().unwrap();
        assert_eq!(
            q.reason,
            Some(QuarantineReason::EncounteredQuarantineException)
        );
        assert_eq!(q.series_count, Some(3));
    }

    #[test]
    fn a_job_needs_an_id() {
        assert!(serde_json::from_str::<SynchronizationJob>("{}").is_err());
    }

    #[test]
    fn quarantine_reasons_all_parse() {
        for r in QuarantineReason::KNOWN {
            assert!(QuarantineReason::parse(r).is_known(), "{r}");
            assert!(QuarantineReason::parse(&r.to_lowercase()).is_known(), "{r}");
        }
        assert_eq!(QuarantineReason::KNOWN.len(), 8);
    }
}
