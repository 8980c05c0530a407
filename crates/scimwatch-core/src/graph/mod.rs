//! Microsoft Graph models for Entra provisioning, parsed leniently.
//!
//! Real Graph traffic (and Microsoft's own published examples) is messy:
//! enum values in the wrong case, empty strings for absent timestamps, .NET
//! sentinels (`0001-01-01T00:00:00Z`, `TimeSpan.MaxValue`), a typo'd field
//! name in the docs, numbers as strings, beta fields beside v1.0 ones. The
//! models here accept all of it; the rules live in [`lenient`]. Every field is
//! optional except the `id` of jobs and provisioning events. Unknown fields
//! are ignored; unknown enum values are kept.
//!
//! - [`list`] — `GraphList<T>` (`value`, `@odata.nextLink`), Graph error bodies.
//! - [`directory`] — `ServicePrincipal`, `AppRoleAssignment`.
//! - [`job`] — `SynchronizationJob` and its status, `SynchronizationSecrets`.
//! - [`schema`] — `SynchronizationSchema` with the Users/Groups mappings.
//! - [`provisioning`] — `ProvisioningObjectSummary` (provisioning logs), provision on demand.
//! - [`event`] — the flattened `EventRecord` and the fast `parse_event_page`.
//! - [`aad`] — AADSTS descriptions without their trace lines and line breaks.
//! - [`conflict`] — is a failed entry a conflict/duplicate (code family, HTTP 409, `scimType`).

pub mod aad;
pub mod conflict;
pub mod directory;
mod error;
pub mod event;
pub mod job;
pub mod lenient;
pub mod list;
pub mod provisioning;
pub mod schema;

pub use aad::{parse_aad_description, without_trace_lines, AadDescription};
pub use conflict::{classify_conflict, ConflictEvidence};
pub use directory::{AppRoleAssignment, PrincipalType, ServicePrincipal};
pub use error::ParseError;
pub use event::{
    parse_event, parse_event_page, parse_event_page_tolerant, EventPage, EventRecord, EventWithRaw,
};
pub use job::{
    ExecutionState, JobStatusCode, KeyValuePair, QuarantineReason, ScheduleState, SecretKeyValue,
    StringKeyLongValuePair, SynchronizationError, SynchronizationJob, SynchronizationProgress,
    SynchronizationQuarantine, SynchronizationSchedule, SynchronizationSecrets,
    SynchronizationStatus, SynchronizationTaskExecution,
};
pub use lenient::{Interval, OpenEnum, Timestamp};
pub use list::{
    parse_document, parse_graph_error, GraphError, GraphErrorEnvelope, GraphInnerError, GraphList,
};
pub use provisioning::{
    BetaStatusInfo, ErrorCategory, ErrorView, IdentityRef, Initiator, InitiatorType,
    ModifiedProperty, ProvisionOnDemandResponse, ProvisionOnDemandResult, ProvisionedIdentity,
    ProvisioningAction, ProvisioningErrorInfo, ProvisioningObjectSummary, ProvisioningResult,
    ProvisioningStatusInfo, ProvisioningStep, ProvisioningStepType, ProvisioningSystem,
};
pub use schema::{
    AttributeMapping, AttributeMappingSource, AttributeMappingSourceType, ObjectMapping,
    SynchronizationRule, SynchronizationSchema,
};
