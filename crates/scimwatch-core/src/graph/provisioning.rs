//! Provisioning log entries (`GET /auditLogs/provisioning`,
//! `provisioningObjectSummary`) and the provision-on-demand response.

use serde::{Deserialize, Serialize};

use super::error::ParseError;
use super::lenient::{open, opt_i64, opt_string, opt_timestamp, vec_or_null, Timestamp};

crate::open_enum! {
    /// `provisioningAction`. Graph's own `other` member is [`ProvisioningAction::Other`];
    /// values this version does not know go to `Unrecognized`.
    pub enum ProvisioningAction / Unrecognized {
        /// Graph's `other` (on-demand runs that changed nothing, …).
        Other = "other",
        /// An object was created in the target.
        Create = "create",
        /// An object was deleted.
        Delete = "delete",
        /// An object was disabled (`active: false`).
        Disable = "disable",
        /// An object was updated.
        Update = "update",
        /// A staged (soft) delete.
        StagedDelete = "stagedDelete",
    }
}

crate::open_enum! {
    /// `provisioningResult`: outcome of an event or a step.
    pub enum ProvisioningResult / Other {
        /// Done.
        Success = "success",
        /// Failed.
        Failure = "failure",
        /// Skipped (out of scope, nothing to do, …).
        Skipped = "skipped",
        /// Done with a warning.
        Warning = "warning",
    }
}

crate::open_enum! {
    /// `provisioningStatusErrorCategory`.
    pub enum ErrorCategory / Other {
        /// A failure Entra will retry.
        Failure = "failure",
        /// A failure caused by the target or the data (not retried until changed).
        NonServiceFailure = "nonServiceFailure",
        /// Not an error.
        Success = "success",
    }
}

crate::open_enum! {
    /// `provisioningStepType`. Microsoft's examples send `Import`/`Export`.
    pub enum ProvisioningStepType / Other {
        /// Read from the source.
        Import = "import",
        /// Scoping filters evaluated.
        Scoping = "scoping",
        /// Matched against the target.
        Matching = "matching",
        /// Processed.
        Processing = "processing",
        /// References (manager, members) resolved.
        ReferenceResolution = "referenceResolution",
        /// Written to the target.
        Export = "export",
    }
}

crate::open_enum! {
    /// `initiatorType`.
    pub enum InitiatorType / Other {
        /// A person (provision on demand, restart).
        User = "user",
        /// An application.
        Application = "application",
        /// The provisioning service's own cycle.
        System = "system",
    }
}

/// One provisioning log entry.
///
/// Beta carries deprecated `action` and `statusInfo` beside the v1.0 fields;
/// they are kept and used by [`Self::effective_action`],
/// [`Self::effective_status`] and [`Self::effective_error`] when the v1.0
/// fields are absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProvisioningObjectSummary {
    /// Event id (unique; de-duplicate by it).
    #[serde(deserialize_with = "required_string")]
    pub id: String,
    /// When it happened.
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub activity_date_time: Option<Timestamp>,
    /// Tenant.
    #[serde(default, deserialize_with = "opt_string")]
    pub tenant_id: Option<String>,
    /// Job id.
    #[serde(default, deserialize_with = "opt_string")]
    pub job_id: Option<String>,
    /// Cycle id (a cycle's `activityIdentifier`).
    #[serde(default, deserialize_with = "opt_string")]
    pub cycle_id: Option<String>,
    /// Change id (shared by the events of one change).
    #[serde(default, deserialize_with = "opt_string")]
    pub change_id: Option<String>,
    /// Duration.
    #[serde(default, deserialize_with = "opt_i64")]
    pub duration_in_milliseconds: Option<i64>,
    /// v1.0 action.
    #[serde(default, deserialize_with = "open")]
    pub provisioning_action: Option<ProvisioningAction>,
    /// Beta's deprecated action (`Create`, `Other`, …).
    #[serde(
        default,
        deserialize_with = "open",
        skip_serializing_if = "Option::is_none"
    )]
    pub action: Option<ProvisioningAction>,
    /// v1.0 status.
    #[serde(default)]
    pub provisioning_status_info: Option<ProvisioningStatusInfo>,
    /// Beta's deprecated flat status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_info: Option<BetaStatusInfo>,
    /// What the service did, step by step.
    #[serde(default, deserialize_with = "vec_or_null")]
    pub provisioning_steps: Vec<ProvisioningStep>,
    /// Attributes changed.
    #[serde(default, deserialize_with = "vec_or_null")]
    pub modified_properties: Vec<ModifiedProperty>,
    /// The enterprise app.
    #[serde(default)]
    pub service_principal: Option<IdentityRef>,
    /// The object in the source (Entra for outbound SCIM).
    #[serde(default)]
    pub source_identity: Option<ProvisionedIdentity>,
    /// The object in the target (the SaaS).
    #[serde(default)]
    pub target_identity: Option<ProvisionedIdentity>,
    /// Source system.
    #[serde(default)]
    pub source_system: Option<ProvisioningSystem>,
    /// Target system.
    #[serde(default)]
    pub target_system: Option<ProvisioningSystem>,
    /// Who started it.
    #[serde(default)]
    pub initiated_by: Option<Initiator>,
}

/// The error fields of an event, whichever shape (v1.0 or beta) they came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ErrorView<'a> {
    /// `EntryConflict`, `SystemForCrossDomainIdentityManagementCredentialValidationFailure`, …
    pub error_code: Option<&'a str>,
    /// Microsoft's explanation.
    pub reason: Option<&'a str>,
    /// Extra details.
    pub additional_details: Option<&'a str>,
    /// `failure` or `nonServiceFailure`.
    pub error_category: Option<&'a ErrorCategory>,
    /// What to do about it.
    pub recommended_action: Option<&'a str>,
}

impl ErrorView<'_> {
    /// Whether no field is set.
    pub fn is_empty(&self) -> bool {
        self.error_code.is_none()
            && self.reason.is_none()
            && self.additional_details.is_none()
            && self.error_category.is_none()
            && self.recommended_action.is_none()
    }
}

impl ProvisioningObjectSummary {
    /// `provisioningAction`, else beta's `action`.
    pub fn effective_action(&self) -> Option<&ProvisioningAction> {
        self.provisioning_action.as_ref().or(self.action.as_ref())
    }

    /// `provisioningStatusInfo.status`, else beta's `statusInfo.status`.
    pub fn effective_status(&self) -> Option<&ProvisioningResult> {
        self.provisioning_status_info
            .as_ref()
            .and_then(|s| s.status.as_ref())
            .or_else(|| self.status_info.as_ref().and_then(|s| s.status.as_ref()))
    }

    /// `provisioningStatusInfo.errorInformation`, else beta's flat `statusInfo`
    /// error fields. Empty when neither has any.
    pub fn effective_error(&self) -> ErrorView<'_> {
        if let Some(e) = self
            .provisioning_status_info
            .as_ref()
            .and_then(|s| s.error_information.as_ref())
        {
            let v = ErrorView {
                error_code: e.error_code.as_deref(),
                reason: e.reason.as_deref(),
                additional_details: e.additional_details.as_deref(),
                error_category: e.error_category.as_ref(),
                recommended_action: e.recommended_action.as_deref(),
            };
            if !v.is_empty() {
                return v;
            }
        }
        match &self.status_info {
            Some(s) => ErrorView {
                error_code: s.error_code.as_deref(),
                reason: s.reason.as_deref(),
                additional_details: s.additional_details.as_deref(),
                error_category: s.error_category.as_ref(),
                recommended_action: s.recommended_action.as_deref(),
            },
            None => ErrorView::default(),
        }
    }
}

/// A required string that may arrive as a number.
fn required_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match opt_string(d)? {
        Some(s) => Ok(s),
        None => Err(serde::de::Error::custom("expected a string id")),
    }
}

/// `provisioningStatusInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ProvisioningStatusInfo {
    /// `success`, `failure`, `skipped`, `warning`.
    #[serde(default, deserialize_with = "open")]
    pub status: Option<ProvisioningResult>,
    /// Present on failures.
    #[serde(default)]
    pub error_information: Option<ProvisioningErrorInfo>,
}

/// `provisioningErrorInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ProvisioningErrorInfo {
    /// Error code.
    #[serde(default, deserialize_with = "opt_string")]
    pub error_code: Option<String>,
    /// Explanation.
    #[serde(default, deserialize_with = "opt_string")]
    pub reason: Option<String>,
    /// Extra details.
    #[serde(default, deserialize_with = "opt_string")]
    pub additional_details: Option<String>,
    /// `failure`, `nonServiceFailure`.
    #[serde(default, deserialize_with = "open")]
    pub error_category: Option<ErrorCategory>,
    /// What to do.
    #[serde(default, deserialize_with = "opt_string")]
    pub recommended_action: Option<String>,
}

/// Beta's deprecated `statusInfo` (`statusDetails`): status and error flat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct BetaStatusInfo {
    /// `success`, `failure`, `skipped` (any case).
    #[serde(default, deserialize_with = "open")]
    pub status: Option<ProvisioningResult>,
    /// Error code.
    #[serde(default, deserialize_with = "opt_string")]
    pub error_code: Option<String>,
    /// Explanation.
    #[serde(default, deserialize_with = "opt_string")]
    pub reason: Option<String>,
    /// Extra details.
    #[serde(default, deserialize_with = "opt_string")]
    pub additional_details: Option<String>,
    /// `failure`, `nonServiceFailure`.
    #[serde(default, deserialize_with = "open")]
    pub error_category: Option<ErrorCategory>,
    /// What to do.
    #[serde(default, deserialize_with = "opt_string")]
    pub recommended_action: Option<String>,
}

/// `provisioningStep`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ProvisioningStep {
    /// `EntryImport`, `EntryExportUpdate`, …
    #[serde(default, deserialize_with = "opt_string")]
    pub name: Option<String>,
    /// `import`, `scoping`, `matching`, `processing`, `referenceResolution`, `export`.
    #[serde(default, deserialize_with = "open")]
    pub provisioning_step_type: Option<ProvisioningStepType>,
    /// Outcome of the step.
    #[serde(default, deserialize_with = "open")]
    pub status: Option<ProvisioningResult>,
    /// What happened.
    #[serde(default, deserialize_with = "opt_string")]
    pub description: Option<String>,
    /// Open key/value details.
    #[serde(default)]
    pub details: Option<serde_json::Value>,
}

/// `modifiedProperty`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ModifiedProperty {
    /// Attribute name.
    #[serde(default, deserialize_with = "opt_string")]
    pub display_name: Option<String>,
    /// Value before.
    #[serde(default, deserialize_with = "opt_string")]
    pub old_value: Option<String>,
    /// Value after.
    #[serde(default, deserialize_with = "opt_string")]
    pub new_value: Option<String>,
}

/// `{id, displayName}` (`provisioningServicePrincipal`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct IdentityRef {
    /// Object id.
    #[serde(default, deserialize_with = "opt_string")]
    pub id: Option<String>,
    /// Display name.
    #[serde(default, deserialize_with = "opt_string")]
    pub display_name: Option<String>,
}

/// `provisionedIdentity`: the object being provisioned, on one side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ProvisionedIdentity {
    /// Id on that side (`""` when the target object does not exist yet).
    #[serde(default, deserialize_with = "opt_string")]
    pub id: Option<String>,
    /// Display name.
    #[serde(default, deserialize_with = "opt_string")]
    pub display_name: Option<String>,
    /// `User`, `Group`, `RolesCompound`, …
    #[serde(default, deserialize_with = "opt_string")]
    pub identity_type: Option<String>,
    /// Open details.
    #[serde(default)]
    pub details: Option<serde_json::Value>,
}

/// `provisioningSystem`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ProvisioningSystem {
    /// System id.
    #[serde(default, deserialize_with = "opt_string")]
    pub id: Option<String>,
    /// `Azure Active Directory`, the app's name, …
    #[serde(default, deserialize_with = "opt_string")]
    pub display_name: Option<String>,
    /// Open details (`ApplicationId`, `ServicePrincipalId`, …).
    #[serde(default)]
    pub details: Option<serde_json::Value>,
}

/// `initiator`. Microsoft's docs misspell `initiatorType` as `initiatingType`;
/// both are read (the correct one wins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", from = "InitiatorWire")]
pub struct Initiator {
    /// Initiator id (`""` for the service).
    pub id: Option<String>,
    /// `Azure AD Provisioning Service`, a user's name, …
    pub display_name: Option<String>,
    /// `user`, `application`, `system`.
    pub initiator_type: Option<InitiatorType>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InitiatorWire {
    #[serde(default, deserialize_with = "opt_string")]
    id: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    display_name: Option<String>,
    #[serde(default, deserialize_with = "open")]
    initiator_type: Option<InitiatorType>,
    #[serde(default, deserialize_with = "open")]
    initiating_type: Option<InitiatorType>,
}

impl From<InitiatorWire> for Initiator {
    fn from(w: InitiatorWire) -> Self {
        Self {
            id: w.id,
            display_name: w.display_name,
            initiator_type: w.initiator_type.or(w.initiating_type),
        }
    }
}

// ---------------------------------------------------------------------------
// Provision on demand

/// The response of `POST .../jobs/{jobId}/provisionOnDemand`
/// (`stringKeyStringValuePair`): `key` and `value` are JSON documents encoded
/// as strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ProvisionOnDemandResponse {
    /// JSON text: `{"result": "Skipped", "details": {...}}`.
    #[serde(default, deserialize_with = "opt_string")]
    pub key: Option<String>,
    /// JSON text: the provisioning record of the run.
    #[serde(default, deserialize_with = "opt_string")]
    pub value: Option<String>,
}

/// The decoded `key` of a provision-on-demand response.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
pub struct ProvisionOnDemandResult {
    /// `Success`, `Failure`, `Skipped`.
    #[serde(default, deserialize_with = "open")]
    pub result: Option<ProvisioningResult>,
    /// Why.
    #[serde(default)]
    pub details: Option<ProvisionOnDemandDetails>,
}

/// `details` of [`ProvisionOnDemandResult`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ProvisionOnDemandDetails {
    /// `RedundantExport`, …
    #[serde(default, deserialize_with = "opt_string")]
    pub error_code: Option<String>,
    /// Microsoft's text.
    #[serde(default, deserialize_with = "opt_string")]
    pub error_message: Option<String>,
}

impl ProvisionOnDemandResponse {
    /// Decode `key`.
    pub fn result(&self) -> Result<ProvisionOnDemandResult, ParseError> {
        let text = self.key.as_deref().unwrap_or("{}");
        serde_json::from_str(text)
            .map_err(|e| ParseError::from_json("provisionOnDemand key", &e, Some(text.as_bytes())))
    }

    /// Decode `value` as generic JSON (its shape differs from
    /// `provisioningObjectSummary`: `type` for step types, `startTime`, …).
    pub fn value_json(&self) -> Result<serde_json::Value, ParseError> {
        let text = self.value.as_deref().unwrap_or("null");
        serde_json::from_str(text).map_err(|e| {
            ParseError::from_json("provisionOnDemand value", &e, Some(text.as_bytes()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beta_fallbacks() {
        let e: ProvisioningObjectSummary = serde_json::from_str(
            r#"{"id":"1","action":"Create","statusInfo":{"status":"Failure","errorCode":"EntryConflict","errorCategory":"NonServiceFailure"}}"#,
        )
        .unwrap();
        assert_eq!(e.effective_action(), Some(&ProvisioningAction::Create));
        assert_eq!(e.effective_status(), Some(&ProvisioningResult::Failure));
        let err = e.effective_error();
        assert_eq!(err.error_code, Some("EntryConflict"));
        assert_eq!(err.error_category, Some(&ErrorCategory::NonServiceFailure));

        let v1: ProvisioningObjectSummary = serde_json::from_str(
            r#"{"id":"2","action":"Create","provisioningAction":"update",
                "provisioningStatusInfo":{"status":"skipped","errorInformation":{"errorCode":"NotEffectivelyEntitled"}},
                "statusInfo":{"status":"failure","errorCode":"old"}}"#,
        )
        .unwrap();
        assert_eq!(v1.effective_action(), Some(&ProvisioningAction::Update));
        assert_eq!(v1.effective_status(), Some(&ProvisioningResult::Skipped));
        assert_eq!(
            v1.effective_error().error_code,
            Some("NotEffectivelyEntitled")
        );
    }

    #[test]
    fn action_other_and_unknown() {
        assert_eq!(
            ProvisioningAction::parse("Other"),
            ProvisioningAction::Other
        );
        assert_eq!(
            ProvisioningAction::parse("unknownFutureValue"),
            ProvisioningAction::Unrecognized("unknownFutureValue".into())
        );
        assert_eq!(
            ProvisioningAction::parse("STAGEDDELETE").as_str(),
            "stagedDelete"
        );
    }

    #[test]
    fn ids_are_required_but_may_be_numbers() {
        assert!(serde_json::from_str::<ProvisioningObjectSummary>("{}").is_err());
        assert!(serde_json::from_str::<ProvisioningObjectSummary>(r#"{"id":null}"#).is_err());
        let e: ProvisioningObjectSummary = serde_json::from_str(r#"{"id":42}"#).unwrap();
        assert_eq!(e.id, "42");
    }

    #[test]
    fn initiator_typo() {
        for json in [
            r#"{"initiatingType":"system"}"#,
            r#"{"initiatorType":"System"}"#,
            r#"{"initiatorType":"system","initiatingType":"user"}"#,
        ] {
            let i: Initiator = serde_json::from_str(json).unwrap();
            assert_eq!(i.initiator_type, Some(InitiatorType::System), "{json}");
        }
        let i: Initiator = serde_json::from_str(r#"{"initiatingType":"system"}"#).unwrap();
        let out = serde_json::to_value(&i).unwrap();
        assert_eq!(out["initiatorType"], "system");
    }
}
