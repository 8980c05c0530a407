//! The provisioning job: schedule, status, quarantine, schema and secrets,
//! rendered exactly as Graph renders `synchronizationJob`.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::clock::{format_iso_duration, graph_time};

/// .NET `TimeSpan.MaxValue`: Graph's "no schedule" interval on a disabled job.
pub const NO_SCHEDULE: &str = "P10675199DT2H48M5.4775807S";
/// Graph's "never" for `steadyState*Time`.
pub const NEVER: &str = "0001-01-01T00:00:00Z";
/// The users mapping's SCIM target object.
pub const SCIM_USER_OBJECT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// The groups mapping's SCIM target object.
pub const SCIM_GROUP_OBJECT: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The credential error code Entra reports for bad SCIM credentials or URL.
pub const CREDENTIAL_FAILURE: &str =
    "SystemForCrossDomainIdentityManagementCredentialValidationFailure";

/// The credential error code a real 2021 tenant reported
/// (tests/fixtures/graph-real/synchronizationjob-quarantine-scim-invalidcredentials-2021.json).
pub const INVALID_CREDENTIALS: &str = "SystemForCrossDomainIdentityManagementInvalidCredentials";

/// `schedule.state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleState {
    /// Running on its interval.
    Active,
    /// Off.
    Disabled,
    /// Paused via the `pause` action.
    Paused,
}

impl ScheduleState {
    /// Graph's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Disabled => "Disabled",
            Self::Paused => "Paused",
        }
    }
}

/// `synchronizationTaskExecutionResult`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutionState {
    /// No errors.
    Succeeded,
    /// The cycle failed as a whole.
    Failed,
    /// Some entries failed.
    EntryLevelErrors,
}

impl ExecutionState {
    /// Graph's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "Succeeded",
            Self::Failed => "Failed",
            Self::EntryLevelErrors => "EntryLevelErrors",
        }
    }
}

/// `synchronizationError`.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncError {
    /// `code`.
    pub code: String,
    /// `message`.
    pub message: String,
    /// `tenantActionable`.
    pub tenant_actionable: bool,
}

impl SyncError {
    fn to_json(&self) -> Value {
        json!({"code": self.code, "message": self.message, "tenantActionable": self.tenant_actionable})
    }
}

/// `synchronizationTaskExecution`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Execution {
    /// `activityIdentifier` (the cycle id).
    pub activity_identifier: Uuid,
    /// `timeBegan`.
    pub time_began: DateTime<Utc>,
    /// `timeEnded`.
    pub time_ended: DateTime<Utc>,
    /// `state`.
    pub state: Option<ExecutionState>,
    /// `countEntitled`.
    pub count_entitled: i64,
    /// `countEntitledForProvisioning`.
    pub count_entitled_for_provisioning: i64,
    /// `countEscrowed`.
    pub count_escrowed: i64,
    /// `countEscrowedRaw`.
    pub count_escrowed_raw: i64,
    /// `countExported`.
    pub count_exported: i64,
    /// `countExports`.
    pub count_exports: i64,
    /// `countImported`.
    pub count_imported: i64,
    /// `countImportedDeltas`.
    pub count_imported_deltas: i64,
    /// `countImportedReferenceDeltas`.
    pub count_imported_reference_deltas: i64,
    /// `error`.
    pub error: Option<SyncError>,
}

impl Execution {
    fn to_json(&self) -> Value {
        json!({
            "activityIdentifier": self.activity_identifier.to_string(),
            "countEntitled": self.count_entitled,
            "countEntitledForProvisioning": self.count_entitled_for_provisioning,
            "countEscrowed": self.count_escrowed,
            "countEscrowedRaw": self.count_escrowed_raw,
            "countExported": self.count_exported,
            "countExports": self.count_exports,
            "countImported": self.count_imported,
            "countImportedDeltas": self.count_imported_deltas,
            "countImportedReferenceDeltas": self.count_imported_reference_deltas,
            "error": self.error.as_ref().map(SyncError::to_json),
            "state": self.state.unwrap_or(ExecutionState::Succeeded).as_str(),
            "timeBegan": graph_time(self.time_began),
            "timeEnded": graph_time(self.time_ended),
        })
    }
}

/// `synchronizationQuarantine`.
#[derive(Debug, Clone, PartialEq)]
pub struct Quarantine {
    /// `currentBegan`.
    pub current_began: DateTime<Utc>,
    /// `nextAttempt`.
    pub next_attempt: DateTime<Utc>,
    /// `reason` (a `quarantineReason` member).
    pub reason: &'static str,
    /// `seriesBegan`.
    pub series_began: DateTime<Utc>,
    /// `seriesCount`.
    pub series_count: i64,
    /// `error`; `None`: absent, as real quarantines can be (the cause is then only in
    /// `lastExecution.error`).
    pub error: Option<SyncError>,
}

/// The wait before the next quarantine retry, after `series_count` attempts:
/// +5 min (a real tenant retried its first quarantine 5 minutes later:
/// synchronizationjob-quarantine-scim-invalidcredentials-2021.json), then
/// +6 h, +12 h, +24 h, and daily ("gradually reduced to once per day").
pub fn quarantine_backoff(series_count: i64) -> Duration {
    match series_count {
        ..=1 => Duration::minutes(5),
        2 => Duration::hours(6),
        3 => Duration::hours(12),
        _ => Duration::hours(24),
    }
}

/// After this long in one quarantine series the job is disabled.
pub fn quarantine_disable_after() -> Duration {
    Duration::days(28)
}

/// The provisioning job of the app.
#[derive(Debug, Clone)]
pub struct Job {
    /// `scim.<hex>`.
    pub id: String,
    /// The schedule interval.
    pub interval: Duration,
    /// `schedule.state` as set by start/pause.
    pub schedule_state: ScheduleState,
    /// Whether a cycle has ever run since the last start.
    pub has_run: bool,
    /// `status.lastExecution`.
    pub last_execution: Option<Execution>,
    /// `status.lastSuccessfulExecution`.
    pub last_successful_execution: Option<Execution>,
    /// `status.lastSuccessfulExecutionWithExports`.
    pub last_successful_execution_with_exports: Option<Execution>,
    /// `status.countSuccessiveCompleteFailures`.
    pub count_successive_complete_failures: i64,
    /// `status.escrowsPruned`.
    pub escrows_pruned: bool,
    /// `status.progress` (completed, total, observed).
    pub progress: Option<(i64, i64, DateTime<Utc>)>,
    /// `status.quarantine`.
    pub quarantine: Option<Quarantine>,
    /// Set when the quarantine series passed 28 days: the job is disabled.
    pub disabled_by_quarantine: bool,
    /// `status.steadyStateFirstAchievedTime`.
    pub steady_first: Option<DateTime<Utc>>,
    /// `status.steadyStateLastAchievedTime`.
    pub steady_last: Option<DateTime<Utc>>,
    /// Users currently provisioned (for `synchronizedEntryCountByType`).
    pub synced_users: i64,
    /// Groups currently provisioned.
    pub synced_groups: i64,
    /// Secrets: `BaseAddress`.
    pub base_address: String,
    /// Secrets: `SecretToken` (never shown on GET).
    pub secret_token: String,
    /// Secrets: `SyncAll`.
    pub sync_all: bool,
    /// `QuarantineTooManyDeletesThreshold`.
    pub too_many_deletes_threshold: u32,
    /// When the scheduler should run the next cycle.
    pub next_run: Option<DateTime<Utc>>,
    /// Skip the delete threshold once (set by `restart` with `ForceDeletes`).
    pub force_deletes: bool,
    /// Schema object ids.
    pub schema_rule_id: Uuid,
}

/// What faults change in the job as Graph shows it.
#[derive(Debug, Clone, Copy, Default)]
pub struct JobView {
    /// Provisioning Status = Off.
    pub status_off: bool,
    /// Users mapping disabled.
    pub users_mapping_disabled: bool,
    /// Groups mapping disabled.
    pub groups_mapping_disabled: bool,
    /// The credential quarantine of a real 2021 tenant is on (its first retry
    /// and missing `quarantine.error` are decided in `provision.rs`; every
    /// job renders `troubleshootingUrl: ""` as real tenants do).
    pub real_shape: bool,
}

impl Job {
    /// A job never run, active, with no secret token and no next run.
    pub(crate) fn new(id: String, interval: Duration, base_address: String, rule: Uuid) -> Self {
        Job {
            id,
            interval,
            schedule_state: ScheduleState::Active,
            has_run: false,
            last_execution: None,
            last_successful_execution: None,
            last_successful_execution_with_exports: None,
            count_successive_complete_failures: 0,
            escrows_pruned: false,
            progress: None,
            quarantine: None,
            disabled_by_quarantine: false,
            steady_first: None,
            steady_last: None,
            synced_users: 0,
            synced_groups: 0,
            base_address,
            secret_token: String::new(),
            sync_all: false,
            too_many_deletes_threshold: 500,
            next_run: None,
            force_deletes: false,
            schema_rule_id: rule,
        }
    }

    /// `status.code` as Graph shows it.
    pub fn status_code(&self, view: JobView) -> &'static str {
        if self.quarantine.is_some() {
            return "Quarantine";
        }
        if view.status_off {
            return "Paused";
        }
        match self.schedule_state {
            ScheduleState::Active if self.has_run => "Active",
            ScheduleState::Active => "NotRun",
            ScheduleState::Paused | ScheduleState::Disabled => "Paused",
        }
    }

    /// `schedule.state` as Graph shows it.
    pub fn effective_schedule_state(&self, view: JobView) -> ScheduleState {
        if view.status_off || self.disabled_by_quarantine {
            ScheduleState::Disabled
        } else {
            self.schedule_state
        }
    }

    /// The job as `GET .../synchronization/jobs/{id}` renders it.
    pub fn to_json(&self, view: JobView) -> Value {
        let state = self.effective_schedule_state(view);
        let interval = if state == ScheduleState::Disabled {
            NO_SCHEDULE.to_string()
        } else {
            format_iso_duration(self.interval)
        };
        let quarantine = self.quarantine.as_ref().map(|q| {
            let mut v = json!({
                "currentBegan": graph_time(q.current_began),
                "nextAttempt": graph_time(q.next_attempt),
                "reason": q.reason,
                "seriesBegan": graph_time(q.series_began),
                "seriesCount": q.series_count,
            });
            if let (Some(e), Some(o)) = (&q.error, v.as_object_mut()) {
                o.insert("error".into(), e.to_json());
            }
            v
        });
        let progress: Vec<Value> = self
            .progress
            .iter()
            .map(|(done, total, at)| {
                json!({
                    "completedUnits": done,
                    "totalUnits": total,
                    "units": "Entries",
                    "progressObservationDateTime": graph_time(*at),
                })
            })
            .collect();
        let mut counts = Vec::new();
        if self.synced_users > 0 || self.synced_groups > 0 {
            counts.push(
                json!({"key": format!("user to {SCIM_USER_OBJECT}"), "value": self.synced_users}),
            );
            counts.push(json!({"key": format!("group to {SCIM_GROUP_OBJECT}"), "value": self.synced_groups}));
        }
        json!({
            "id": self.id,
            "templateId": "scim",
            "schedule": {
                "expiration": null,
                "interval": interval,
                "state": state.as_str(),
            },
            "status": {
                "code": self.status_code(view),
                "countSuccessiveCompleteFailures": self.count_successive_complete_failures,
                "escrowsPruned": self.escrows_pruned,
                "lastExecution": self.last_execution.as_ref().map(Execution::to_json),
                "lastSuccessfulExecution": self.last_successful_execution.as_ref().map(Execution::to_json),
                "lastSuccessfulExecutionWithExports": self.last_successful_execution_with_exports.as_ref().map(Execution::to_json),
                "progress": progress,
                "quarantine": quarantine,
                "steadyStateFirstAchievedTime": self.steady_first.map(graph_time).unwrap_or_else(|| NEVER.to_string()),
                "steadyStateLastAchievedTime": self.steady_last.map(graph_time).unwrap_or_else(|| NEVER.to_string()),
                "synchronizedEntryCountByType": counts,
                // Real tenants send "" (the API reference shows null):
                // synchronizationjob-quarantine-scim-invalidcredentials-2021.json.
                "troubleshootingUrl": "",
            },
            "synchronizationJobSettings": [
                {"name": "QuarantineTooManyDeletesThreshold", "value": self.too_many_deletes_threshold.to_string()},
                {"name": "Domain", "value": "{\"Domain\":\"\"}"},
            ],
        })
    }

    /// `GET .../synchronization/secrets` (`SecretToken` masked).
    pub fn secrets_json(&self, base_address: &str, ctx: &str) -> Value {
        json!({
            "@odata.context": ctx,
            "value": [
                {"key": "BaseAddress", "value": base_address},
                {"key": "SecretToken", "value": "*"},
                {"key": "SyncAll", "value": if self.sync_all { "true" } else { "false" }},
            ]
        })
    }

    /// `GET .../jobs/{id}/schema`.
    pub fn schema_json(&self, view: JobView, ctx: &str) -> Value {
        let attr = |target: &str, source: &str, matching: i32| {
            json!({
                "defaultValue": null,
                "exportMissingReferences": false,
                "flowBehavior": "FlowWhenChanged",
                "flowType": "Always",
                "matchingPriority": matching,
                "source": {"expression": format!("[{source}]"), "name": source, "parameters": [], "type": "Attribute"},
                "targetAttributeName": target,
            })
        };
        let active = json!({
            "defaultValue": null,
            "exportMissingReferences": false,
            "flowBehavior": "FlowWhenChanged",
            "flowType": "Always",
            "matchingPriority": 0,
            "source": {
                "expression": "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")",
                "name": "Switch",
                "parameters": [
                    {"key": "source", "value": {"expression": "[IsSoftDeleted]", "name": "IsSoftDeleted", "parameters": [], "type": "Attribute"}},
                    {"key": "False", "value": {"expression": "\"True\"", "name": "True", "parameters": [], "type": "Constant"}},
                    {"key": "True", "value": {"expression": "\"False\"", "name": "False", "parameters": [], "type": "Constant"}},
                ],
                "type": "Function",
            },
            "targetAttributeName": "active",
        });
        let scope = json!({"categoryFilterGroups": [], "groups": [], "inputFilterGroups": []});
        let users = json!({
            "attributeMappings": [
                attr("userName", "userPrincipalName", 1),
                active,
                attr("displayName", "displayName", 0),
                attr("title", "jobTitle", 0),
                attr("emails[type eq \"work\"].value", "mail", 0),
                attr("name.givenName", "givenName", 0),
                attr("name.familyName", "surname", 0),
                attr("externalId", "mailNickname", 0),
                attr(&format!("{SCIM_USER_OBJECT}:department"), "department", 0),
            ],
            "enabled": !view.users_mapping_disabled,
            "flowTypes": "Add, Update, Delete",
            "metadata": [],
            "name": "Provision Microsoft Entra ID Users",
            "scope": scope,
            "sourceObjectName": "User",
            "targetObjectName": SCIM_USER_OBJECT,
        });
        let groups = json!({
            "attributeMappings": [
                attr("displayName", "displayName", 1),
                attr("externalId", "objectId", 0),
                attr("members", "members", 0),
            ],
            "enabled": !view.groups_mapping_disabled,
            "flowTypes": "Add, Update, Delete",
            "metadata": [],
            "name": "Provision Microsoft Entra ID Groups",
            "scope": scope,
            "sourceObjectName": "Group",
            "targetObjectName": SCIM_GROUP_OBJECT,
        });
        let a = |name: &str, ty: &str| json!({"anchor": false, "apiExpressions": [], "caseExact": false, "defaultValue": null, "flowNullValues": false, "metadata": [], "multivalued": false, "mutability": "ReadWrite", "name": name, "referencedObjects": [], "required": false, "type": ty});
        json!({
            "@odata.context": ctx,
            "id": self.id,
            "version": "Date:2025-01-01T00:00:00Z~Version:1~SchemaVersion:2",
            "synchronizationRules": [{
                "containerFilter": {"includedContainers": []},
                "editable": true,
                "groupFilter": {"includedGroups": []},
                "id": self.schema_rule_id.to_string(),
                "metadata": [
                    {"key": "defaultSourceObjectMappings", "value": "[\"User\",\"Group\"]"},
                    {"key": "supportsSynchronizationScopingFilter", "value": "true"},
                ],
                "name": "USER_TO_USER",
                "objectMappings": [users, groups],
                "priority": 1,
                "sourceDirectoryName": "Azure Active Directory",
                "targetDirectoryName": "customappsso",
            }],
            "directories": [
                {
                    "id": "66e4a8cc-1b7b-435e-95f8-f06cea133828",
                    "name": "Azure Active Directory",
                    "discoverabilities": "AttributeNames, AttributeDataTypes",
                    "discoveryDateTime": null,
                    "readOnly": true,
                    "version": 0,
                    "objects": [
                        {"name": "User", "attributes": [a("userPrincipalName", "String"), a("displayName", "String"), a("mail", "String"), a("givenName", "String"), a("surname", "String"), a("jobTitle", "String"), a("mailNickname", "String"), a("department", "String"), a("IsSoftDeleted", "Boolean")], "metadata": [], "supportedApis": []},
                        {"name": "Group", "attributes": [a("displayName", "String"), a("objectId", "String"), a("members", "Reference")], "metadata": [], "supportedApis": []},
                    ],
                },
                {
                    "id": "8ffa6169-f354-4751-9b77-9c00765be92d",
                    "name": "customappsso",
                    "discoverabilities": "None",
                    "discoveryDateTime": null,
                    "readOnly": false,
                    "version": 0,
                    "objects": [
                        {"name": SCIM_USER_OBJECT, "attributes": [a("userName", "String"), a("active", "Boolean"), a("displayName", "String"), a("title", "String"), a("emails[type eq \"work\"].value", "String"), a("name.givenName", "String"), a("name.familyName", "String"), a("externalId", "String")], "metadata": [], "supportedApis": []},
                        {"name": SCIM_GROUP_OBJECT, "attributes": [a("displayName", "String"), a("externalId", "String"), a("members", "Reference")], "metadata": [], "supportedApis": []},
                    ],
                },
            ],
        })
    }
}
