//! The provisioning log store (`provisioningObjectSummary`): compact records,
//! rendered to Graph's JSON on demand, paged in O(page).
//!
//! The record types and `$filter` here, the store's methods in `store`, the
//! rendering to Graph's JSON in `render`, and the shapes real tenants
//! answered in (`real`).

pub mod real;
pub(crate) mod render;
mod store;

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;
use uuid::Uuid;

use crate::job::CREDENTIAL_FAILURE;
use crate::tenant::{mix64, uuid_from_bits, Principal, SimRng, Tenant};
use real::LogShape;
use render::{EventIds, EventView};

/// `provisioningAction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `other` (skips, no-ops).
    Other,
    /// `create`.
    Create,
    /// `delete`.
    Delete,
    /// `disable`.
    Disable,
    /// `update`.
    Update,
}

impl Action {
    /// Graph's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Other => "other",
            Self::Create => "create",
            Self::Delete => "delete",
            Self::Disable => "disable",
            Self::Update => "update",
        }
    }
}

/// `provisioningResult`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// `success`.
    Success,
    /// `failure`.
    Failure,
    /// `skipped`.
    Skipped,
}

impl Outcome {
    /// Graph's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Skipped => "skipped",
        }
    }
}

/// Why an entry failed or was skipped (Entra's error codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Skip: the user is not assigned / out of scope.
    NotEffectivelyEntitled,
    /// Bad SCIM credentials or Tenant URL.
    CredentialValidationFailure,
    /// 409 from the target.
    EntryConflict,
    /// The matching filter found several objects.
    DuplicateTargetEntries,
    /// 5xx from the target.
    InternalServerError,
    /// The target did not answer in time or refused the connection.
    Timeout,
    /// The target answered something that is not SCIM (HTML, bad JSON).
    ServiceIncompatible,
    /// 401 from the target in the middle of a cycle.
    Unauthorized,
    /// 429 from the target.
    TooManyRequests,
}

impl ErrorKind {
    /// `errorCode`.
    pub fn code(self) -> &'static str {
        match self {
            Self::NotEffectivelyEntitled => "NotEffectivelyEntitled",
            Self::CredentialValidationFailure => CREDENTIAL_FAILURE,
            Self::EntryConflict => "EntryConflict",
            Self::DuplicateTargetEntries => "DuplicateTargetEntries",
            Self::InternalServerError => "InternalServerError",
            Self::Timeout => "Timeout",
            Self::ServiceIncompatible => {
                "SystemForCrossDomainIdentityManagementServiceIncompatible"
            }
            Self::Unauthorized => "Unauthorized",
            Self::TooManyRequests => "TooManyRequests",
        }
    }
    /// The SaaS's HTTP status behind the failure, when there is one.
    pub(crate) fn http_status(self) -> Option<u16> {
        match self {
            Self::EntryConflict => Some(409),
            Self::TooManyRequests => Some(429),
            Self::InternalServerError => Some(500),
            _ => None,
        }
    }
    pub(crate) fn category(self) -> &'static str {
        match self {
            Self::InternalServerError | Self::Timeout | Self::TooManyRequests => "failure",
            _ => "nonServiceFailure",
        }
    }
    pub(crate) fn reason(self) -> &'static str {
        match self {
            Self::NotEffectivelyEntitled => "The object was skipped because it is not assigned to the application or is out of the provisioning scope.",
            Self::CredentialValidationFailure => "Failed to validate the credentials for the SCIM endpoint. The Tenant URL or Secret Token is not valid, or the token has expired.",
            Self::EntryConflict => "Message: customappsso returned an error response with the HTTP status code 409. This response indicates that a user or a group already exists with the same name.",
            Self::DuplicateTargetEntries => "The operation failed because more than one object in the target system matched the source object.",
            Self::InternalServerError => "Message: customappsso returned an error response with the HTTP status code 500. The operation will be retried during the next synchronization cycle.",
            Self::Timeout => "Message: the request to customappsso timed out or the connection failed. The operation will be retried during the next synchronization cycle.",
            Self::ServiceIncompatible => "Message: the response from customappsso is not a valid SCIM response (it is not JSON).",
            Self::Unauthorized => "Message: customappsso returned an error response with the HTTP status code 401 (Unauthorized).",
            Self::TooManyRequests => "Message: customappsso returned an error response with the HTTP status code 429.",
        }
    }
}

/// Extra data for events recorded by real cycles.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EventDetail {
    /// The object's id in the SCIM target ("" when none).
    pub target_id: String,
    /// The object's display name at the time.
    pub display: String,
    /// `modifiedProperties` as (displayName, oldValue, newValue).
    pub modified: Vec<(String, Option<String>, Option<String>)>,
    /// `errorInformation.additionalDetails` (e.g. the target's response).
    pub additional: Option<String>,
    /// The app prefix of a failure's code (`Box`: `BoxEntryConflict`), see
    /// [`crate::Fault::AppPrefixedErrorCodes`].
    pub code_prefix: Option<String>,
}

/// One stored `provisioningObjectSummary`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    /// `activityDateTime`.
    pub at: DateTime<Utc>,
    /// Sequence number; `id` and `changeId` derive from it.
    pub seq: u64,
    /// Index into the cycle table.
    pub cycle: u32,
    /// The source object.
    pub object: Principal,
    /// `provisioningAction`.
    pub action: Action,
    /// `provisioningStatusInfo.status`.
    pub outcome: Outcome,
    /// Error or skip reason.
    pub error: Option<ErrorKind>,
    /// `durationInMilliseconds`.
    pub duration_ms: u32,
    /// Details for events from real cycles (synthetic ones render from the tenant).
    pub detail: Option<Box<EventDetail>>,
    /// How often this failure was retried before (the object's earlier failures
    /// in a row): a retry carries an `EntryEscrowRetry` step and "This operation
    /// was retried N times" in its reason, as real events do.
    pub retried: u16,
    /// When the object first failed in this row (the escrow's `CreationTime`).
    pub escrowed_at: Option<DateTime<Utc>>,
    /// Which app of the tenant the event is about: 0 the main app, `n`
    /// extra app `n` (`crate::apps`).
    pub app: u16,
}

/// `t` without its fraction of a second: real `activityDateTime`s have whole
/// seconds (tests/fixtures/graph-real/README.md).
pub fn whole_second(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

#[derive(Debug, Clone)]
struct CycleMeta {
    id: Uuid,
    first: usize,
    end: usize,
}

/// The store: records sorted by `activityDateTime` (ties in insertion order).
#[derive(Debug, Default)]
pub struct LogStore {
    events: Vec<EventRecord>,
    cycles: Vec<CycleMeta>,
    cycle_index: HashMap<String, u32>,
    next_seq: u64,
    salt: u64,
    /// The JSON of events `0..stored.len()` as [`LogStore::store_json`]
    /// wrote it: Graph serves stored logs, and a page of them costs Graph
    /// nothing on the caller's machine. The sim renders on demand unless a
    /// benchmark asks for this (outside its clock), so that serving pages
    /// does not take the client's CPU. Positions shift when events are
    /// seeded before existing ones, so seeding clears it.
    stored: Vec<Box<RawValue>>,
    /// Objects whose last event failed: how many times in a row, since when.
    escrows: HashMap<Principal, (u16, DateTime<Utc>)>,
    /// The app prefix failures pushed from now on carry (crate::logs::real).
    code_prefix: Option<String>,
}

/// One `$filter` clause the provisioning logs accept.
#[derive(Debug, Clone, PartialEq)]
pub enum Clause {
    /// `field eq 'value'`.
    Eq(String, String),
    /// `activityDateTime <op> <DateTimeOffset>`.
    Time(CmpOp, DateTime<Utc>),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `gt`.
    Gt,
    /// `ge`.
    Ge,
    /// `lt`.
    Lt,
    /// `le`.
    Le,
}

/// Fields `eq` may filter on.
pub const EQ_FIELDS: &[&str] = &[
    "id",
    "jobId",
    "cycleId",
    "changeId",
    "servicePrincipal/id",
    "provisioningStatusInfo/status",
    "provisioningAction",
    "sourceIdentity/id",
];

/// Parse a provisioning-log `$filter` (clauses joined with `and`).
pub fn parse_filter(s: &str) -> Result<Vec<Clause>, String> {
    let mut out = Vec::new();
    for part in split_and(s) {
        let part = part
            .trim()
            .trim_start_matches('(')
            .trim_end_matches(')')
            .trim();
        let mut it = part.splitn(3, ' ');
        let (Some(field), Some(op), Some(value)) = (it.next(), it.next(), it.next()) else {
            return Err(format!("Invalid filter clause: '{part}'"));
        };
        let value = value.trim();
        if field == "activityDateTime" {
            let op = match op {
                "gt" => CmpOp::Gt,
                "ge" => CmpOp::Ge,
                "lt" => CmpOp::Lt,
                "le" => CmpOp::Le,
                _ => {
                    return Err(format!(
                    "Invalid filter clause: operator '{op}' is not supported for activityDateTime"
                ))
                }
            };
            let raw = value.trim_matches('\'');
            let t = DateTime::parse_from_rfc3339(raw).map_err(|_| {
                format!("Invalid filter clause: '{raw}' is not a valid DateTimeOffset")
            })?;
            out.push(Clause::Time(op, t.with_timezone(&Utc)));
        } else if EQ_FIELDS.contains(&field) {
            if op != "eq" {
                return Err(format!(
                    "Invalid filter clause: operator '{op}' is not supported for {field}"
                ));
            }
            let Some(v) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) else {
                return Err(format!(
                    "Invalid filter clause: expected a quoted string after '{field} eq'"
                ));
            };
            out.push(Clause::Eq(field.to_string(), v.replace("''", "'")));
        } else {
            return Err(format!(
                "Invalid filter clause: property '{field}' is not supported"
            ));
        }
    }
    Ok(out)
}

fn split_and(s: &str) -> Vec<String> {
    // split on " and " outside quotes
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut in_quote = false;
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            in_quote = !in_quote;
        }
        if !in_quote
            && chars[i..]
                .iter()
                .take(5)
                .collect::<String>()
                .eq_ignore_ascii_case(" and ")
        {
            parts.push(std::mem::take(&mut cur));
            i += 5;
            continue;
        }
        cur.push(c);
        i += 1;
    }
    if !cur.trim().is_empty() {
        parts.push(cur);
    }
    parts
}

/// Identity of the app, tenant and job for rendering.
#[derive(Debug, Clone)]
pub struct RenderCtx<'a> {
    /// The tenant (for object names).
    pub tenant: &'a Tenant,
}

/// A page of results: indexes into the store and the cursor of the next page.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Store positions of the events on this page.
    pub items: Vec<usize>,
    /// Cursor for `$skiptoken`, if there is more.
    pub next: Option<usize>,
}

/// Events of a [`LogStore`] as a JSON array of `provisioningObjectSummary`.
#[derive(Debug, Clone)]
pub struct EventsJson<'a> {
    store: &'a LogStore,
    items: &'a [usize],
    ctx: RenderCtx<'a>,
    shape: LogShape,
}

impl EventsJson<'_> {
    /// The events in `shape` (the 2019 beta shape is rendered, never kept JSON).
    pub fn with_shape(self, shape: LogShape) -> Self {
        Self { shape, ..self }
    }
}

impl Serialize for EventsJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.items.iter().map(|&pos| EventJson { json: self, pos }))
    }
}

/// One event of a page: its kept JSON, or rendered now.
struct EventJson<'p, 'a> {
    json: &'p EventsJson<'a>,
    pos: usize,
}

impl Serialize for EventJson<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let store = self.json.store;
        if self.json.shape == LogShape::Beta2019 {
            let view = store.view(self.pos, &self.json.ctx);
            return view.map(real::BetaEvent).serialize(serializer);
        }
        match store.stored.get(self.pos) {
            Some(json) => json.serialize(serializer),
            None => store.view(self.pos, &self.json.ctx).serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests;
