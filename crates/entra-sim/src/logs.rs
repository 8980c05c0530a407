//! The provisioning log store (`provisioningObjectSummary`): compact records,
//! rendered to Graph's JSON on demand, paged in O(page).

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;
use uuid::Uuid;

use crate::job::CREDENTIAL_FAILURE;
use crate::logs_real::LogShape;
use crate::logs_render::{EventIds, EventView};
use crate::tenant::{mix64, uuid_from_bits, Principal, SimRng, Tenant};

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
    /// The app prefix failures pushed from now on carry (crate::logs_real).
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

impl LogStore {
    /// An empty store whose ids derive from `salt`.
    pub fn new(salt: u64) -> Self {
        Self {
            salt,
            ..Self::default()
        }
    }

    /// Number of stored events.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The stored event at `pos`.
    pub fn get(&self, pos: usize) -> Option<&EventRecord> {
        self.events.get(pos)
    }

    /// Failures pushed from now on report their codes with this app prefix.
    pub fn set_code_prefix(&mut self, prefix: Option<String>) {
        self.code_prefix = prefix.filter(|p| !p.is_empty());
    }

    /// Begin a cycle; returns its index and id.
    pub fn begin_cycle(&mut self, id: Uuid) -> u32 {
        let idx = self.cycles.len() as u32;
        let n = self.events.len();
        self.cycles.push(CycleMeta {
            id,
            first: n,
            end: n,
        });
        self.cycle_index.insert(id.to_string(), idx);
        idx
    }

    /// The id of cycle `idx`.
    pub fn cycle_id(&self, idx: u32) -> Uuid {
        self.cycles
            .get(idx as usize)
            .map(|c| c.id)
            .unwrap_or_default()
    }

    /// Append an event of cycle `cycle` (the last begun cycle). Events must
    /// come in time order; an earlier time is clamped to the last one.
    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        cycle: u32,
        at: DateTime<Utc>,
        object: Principal,
        action: Action,
        outcome: Outcome,
        error: Option<ErrorKind>,
        duration_ms: u32,
        detail: Option<EventDetail>,
    ) {
        let at = whole_second(at);
        let at = match self.events.last() {
            Some(last) if last.at > at => last.at,
            _ => at,
        };
        let (retried, escrowed_at) = if outcome == Outcome::Failure {
            let e = self.escrows.entry(object).or_insert((0, at));
            let before = *e;
            e.0 = e.0.saturating_add(1);
            (before.0, (before.0 > 0).then_some(before.1))
        } else {
            self.escrows.remove(&object);
            (0, None)
        };
        let detail = match (&self.code_prefix, outcome) {
            (Some(p), Outcome::Failure) => Some(EventDetail {
                code_prefix: Some(p.clone()),
                ..detail.unwrap_or_default()
            }),
            _ => detail,
        };
        let seq = self.next_seq;
        self.next_seq += 1;
        self.events.push(EventRecord {
            at,
            seq,
            cycle,
            object,
            action,
            outcome,
            error,
            duration_ms,
            detail: detail.map(Box::new),
            retried,
            escrowed_at,
            app: 0,
        });
        if let Some(c) = self.cycles.get_mut(cycle as usize) {
            c.end = self.events.len();
        }
    }

    /// Append a synthetic event (no error, no details) of extra app `app`
    /// (`crate::apps`) to cycle `cycle`.
    #[allow(clippy::too_many_arguments)]
    pub fn push_app(
        &mut self,
        app: u16,
        cycle: u32,
        at: DateTime<Utc>,
        object: Principal,
        action: Action,
        outcome: Outcome,
        duration_ms: u32,
    ) {
        self.push(cycle, at, object, action, outcome, None, duration_ms, None);
        if let Some(e) = self.events.last_mut() {
            e.app = app;
        }
    }

    /// Generate `n` synthetic historical events deterministically, spread over
    /// the 28 days before the earliest stored event (or `now`), in cycles 40
    /// minutes apart. They are placed before every existing event.
    pub fn seed(&mut self, n: usize, now: DateTime<Utc>, tenant: &Tenant, seed: u64) {
        if n == 0 {
            return;
        }
        let end = self.events.first().map(|e| e.at).unwrap_or(now).min(now);
        let span = Duration::days(28);
        let start = end - span;
        let cycle_len = Duration::minutes(40);
        let n_cycles = ((span.num_seconds() / cycle_len.num_seconds()) as usize).clamp(1, n);
        let per_cycle = n.div_ceil(n_cycles);
        let mut rng = SimRng::new(seed ^ 0xC0FF_EE00);
        let mut events = Vec::with_capacity(n + self.events.len());
        let mut cycles = Vec::with_capacity(n_cycles + self.cycles.len());
        let users = tenant.users.len() as u64;
        let groups = tenant.groups.len() as u64;
        let mut made = 0usize;
        let mut seq = self.next_seq;
        for c in 0..n_cycles {
            if made >= n {
                break;
            }
            let began = start + cycle_len * c as i32;
            let count = per_cycle.min(n - made);
            let first = events.len();
            let step_ms = (cycle_len.num_milliseconds() / 2) / (count as i64 + 1);
            for k in 0..count {
                let r = rng.next_u64();
                let object = if groups > 0 && r.is_multiple_of(20) {
                    Principal::Group((r >> 8) as u32 % groups as u32)
                } else if users > 0 {
                    Principal::User(((r >> 8) % users) as u32)
                } else if groups > 0 {
                    Principal::Group(0)
                } else {
                    continue;
                };
                let roll = (r >> 40) % 100;
                let (action, outcome, error) = match roll {
                    0..=59 => (Action::Update, Outcome::Success, None),
                    60..=79 => (Action::Create, Outcome::Success, None),
                    80..=84 => (Action::Disable, Outcome::Success, None),
                    85..=93 => (
                        Action::Other,
                        Outcome::Skipped,
                        Some(ErrorKind::NotEffectivelyEntitled),
                    ),
                    94..=96 => (
                        Action::Create,
                        Outcome::Failure,
                        Some(ErrorKind::EntryConflict),
                    ),
                    97..=98 => (
                        Action::Update,
                        Outcome::Failure,
                        Some(ErrorKind::InternalServerError),
                    ),
                    _ => (Action::Update, Outcome::Failure, Some(ErrorKind::Timeout)),
                };
                events.push(EventRecord {
                    at: whole_second(began + Duration::milliseconds(step_ms * (k as i64 + 1))),
                    seq,
                    cycle: c as u32,
                    object,
                    action,
                    outcome,
                    error,
                    duration_ms: 200 + (r >> 50) as u32 % 3000,
                    detail: None,
                    retried: 0,
                    escrowed_at: None,
                    app: 0,
                });
                seq += 1;
                made += 1;
            }
            cycles.push(CycleMeta {
                id: rng.uuid(),
                first,
                end: events.len(),
            });
        }
        let offset = events.len();
        let cycle_offset = cycles.len() as u32;
        for mut e in self.events.drain(..) {
            e.cycle += cycle_offset;
            events.push(e);
        }
        for mut c in self.cycles.drain(..) {
            c.first += offset;
            c.end += offset;
            cycles.push(c);
        }
        self.events = events;
        self.cycles = cycles;
        self.stored.clear();
        self.cycle_index = self
            .cycles
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.to_string(), i as u32))
            .collect();
        self.next_seq = seq;
    }

    /// Run a query: `clauses` (already parsed), order, page size, cursor,
    /// the oldest time still retained, and the tenant's apps by log app
    /// number as `(jobId, servicePrincipal id)` (index 0: the main app).
    #[allow(clippy::too_many_arguments)]
    pub fn query(
        &self,
        clauses: &[Clause],
        desc: bool,
        top: usize,
        cursor: Option<usize>,
        retained_from: DateTime<Utc>,
        apps: &[(String, String)],
    ) -> Page {
        let empty = Page {
            items: vec![],
            next: None,
        };
        // `jobId` / `servicePrincipal/id` name one app: its events only.
        let mut app: Option<u16> = None;
        let mut lo = self.events.partition_point(|e| e.at < retained_from);
        let mut hi = self.events.len();
        let mut eqs: Vec<(&str, &str)> = Vec::new();
        for c in clauses {
            match c {
                Clause::Time(op, t) => match op {
                    CmpOp::Gt => lo = lo.max(self.events.partition_point(|e| e.at <= *t)),
                    CmpOp::Ge => lo = lo.max(self.events.partition_point(|e| e.at < *t)),
                    CmpOp::Lt => hi = hi.min(self.events.partition_point(|e| e.at < *t)),
                    CmpOp::Le => hi = hi.min(self.events.partition_point(|e| e.at <= *t)),
                },
                Clause::Eq(f, v) => match f.as_str() {
                    "jobId" | "servicePrincipal/id" => {
                        let by_job = f == "jobId";
                        let pos = apps
                            .iter()
                            .position(|(job, sp)| if by_job { job == v } else { sp == v });
                        let Some(n) = pos.and_then(|p| u16::try_from(p).ok()) else {
                            return empty;
                        };
                        if app.is_some_and(|a| a != n) {
                            return empty;
                        }
                        app = Some(n);
                    }
                    "cycleId" => match self
                        .cycle_index
                        .get(v)
                        .and_then(|i| self.cycles.get(*i as usize))
                    {
                        Some(c) => {
                            lo = lo.max(c.first);
                            hi = hi.min(c.end);
                        }
                        None => {
                            return Page {
                                items: vec![],
                                next: None,
                            }
                        }
                    },
                    _ => eqs.push((f.as_str(), v.as_str())),
                },
            }
        }
        let top = top.max(1);
        let mut items = Vec::with_capacity(top.min(1000));
        if lo >= hi {
            return Page { items, next: None };
        }
        if !desc {
            let mut i = cursor.map_or(lo, |c| c.max(lo));
            while i < hi && items.len() < top {
                if self.matches(i, &eqs, app) {
                    items.push(i);
                }
                i += 1;
            }
            Page {
                items,
                next: (i < hi).then_some(i),
            }
        } else {
            let mut i = cursor.map_or(hi, |c| c.min(hi));
            while i > lo && items.len() < top {
                i -= 1;
                if self.matches(i, &eqs, app) {
                    items.push(i);
                }
            }
            Page {
                items,
                next: (i > lo).then_some(i),
            }
        }
    }

    fn matches(&self, pos: usize, eqs: &[(&str, &str)], app: Option<u16>) -> bool {
        let Some(e) = self.events.get(pos) else {
            return false;
        };
        if app.is_some_and(|a| a != e.app) {
            return false;
        }
        eqs.iter().all(|(f, v)| match *f {
            "provisioningStatusInfo/status" => e.outcome.as_str() == *v,
            "provisioningAction" => e.action.as_str() == *v,
            "id" => self.event_id(e).to_string() == *v,
            "changeId" => self.change_id(e).to_string() == *v,
            _ => false,
        })
    }

    fn event_id(&self, e: &EventRecord) -> Uuid {
        uuid_from_bits(
            mix64(self.salt ^ e.seq),
            mix64(e.seq.wrapping_add(0x1234_5678) ^ self.salt.rotate_left(17)),
        )
    }

    fn change_id(&self, e: &EventRecord) -> Uuid {
        uuid_from_bits(
            mix64(self.salt.rotate_left(7) ^ e.seq ^ 0xABCD),
            mix64(e.seq ^ 0x5555),
        )
    }

    /// The event at `pos` as Graph's `provisioningObjectSummary`, ready to serialise.
    pub(crate) fn view<'a>(&'a self, pos: usize, ctx: &RenderCtx<'a>) -> Option<EventView<'a>> {
        let e = self.events.get(pos)?;
        let ids = EventIds {
            id: self.event_id(e),
            cycle: self.cycle_id(e.cycle),
            change: self.change_id(e),
            target: uuid_from_bits(mix64(e.seq ^ 0x7777), mix64(self.salt ^ e.seq)),
        };
        let mut view = EventView::new(e, ids, ctx.tenant);
        if let Some(p) = e.detail.as_deref().and_then(|d| d.code_prefix.as_deref()) {
            crate::logs_real::prefix_codes(&mut view, p);
        }
        Some(view)
    }

    /// Render the event at `pos` as Graph's `provisioningObjectSummary`
    /// (`null` if there is none). Pages are written with [`LogStore::events_json`].
    pub fn render(&self, pos: usize, ctx: &RenderCtx<'_>) -> Value {
        serde_json::to_value(self.view(pos, ctx)).unwrap_or(Value::Null)
    }

    /// Write the JSON of every event not written yet and keep it: later
    /// pages serve the kept text. Returns how many events are kept.
    pub fn store_json(&mut self, ctx: &RenderCtx<'_>) -> Result<usize, serde_json::Error> {
        for pos in self.stored.len()..self.events.len() {
            let text = serde_json::to_string(&self.view(pos, ctx))?;
            self.stored.push(RawValue::from_string(text)?);
        }
        Ok(self.stored.len())
    }

    /// The events at `items` as a JSON array, serialised without building
    /// `serde_json::Value`s (e.g. with `serde_json::to_writer`).
    pub fn events_json<'a>(&'a self, items: &'a [usize], ctx: &RenderCtx<'a>) -> EventsJson<'a> {
        EventsJson {
            store: self,
            items,
            ctx: ctx.clone(),
            shape: LogShape::V1,
        }
    }
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
            return view.map(crate::logs_real::BetaEvent).serialize(serializer);
        }
        match store.stored.get(self.pos) {
            Some(json) => json.serialize(serializer),
            None => store.view(self.pos, &self.json.ctx).serialize(serializer),
        }
    }
}

#[cfg(test)]
#[path = "logs_tests.rs"]
mod logs_tests;
