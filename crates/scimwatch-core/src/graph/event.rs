//! [`EventRecord`]: a provisioning log entry flattened to the columns the
//! store keeps, and the fast page parser that produces it.
//!
//! Speed: [`parse_event_page`] reads the page once into borrowed
//! [`RawValue`] slices, then reads each event into a borrowed struct that
//! only looks at the columns (everything else, notably `provisioningSteps`
//! and `modifiedProperties`, is skipped without allocating). The raw JSON of
//! each event is returned beside its record for the store's `raw_json` column.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use ts_rs::TS;

use super::error::ParseError;
use super::lenient::{LenientI64, LenientStr, OpenEnum, Timestamp};
use super::provisioning::{
    ErrorCategory, ProvisioningAction, ProvisioningObjectSummary, ProvisioningResult,
};

/// A provisioning event as stored: one row of the events table.
///
/// Strings are as Graph sent them, with `""` turned into `None`; `action`,
/// `status` and `error_category` are in canonical spelling (`create`,
/// `failure`, `nonServiceFailure`) or verbatim when unknown. Beta's
/// deprecated `action`/`statusInfo` fill in when the v1.0 fields are absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EventRecord {
    /// Graph's event id (unique key).
    pub event_id: String,
    /// `activityDateTime` in UTC milliseconds since the Unix epoch.
    #[ts(type = "number")]
    pub activity_ms: i64,
    /// Provisioning job id.
    pub job_id: Option<String>,
    /// Cycle id.
    pub cycle_id: Option<String>,
    /// Change id.
    pub change_id: Option<String>,
    /// `create`, `update`, `delete`, `disable`, `stagedDelete`, `other`.
    pub action: Option<String>,
    /// `success`, `failure`, `skipped`, `warning`.
    pub status: Option<String>,
    /// Source object id (Entra object id for outbound SCIM).
    pub source_id: Option<String>,
    /// Source display name.
    pub source_name: Option<String>,
    /// Target object id (the SaaS's id).
    pub target_id: Option<String>,
    /// Target display name.
    pub target_name: Option<String>,
    /// `User`, `Group`, … (source side, else target side).
    pub identity_type: Option<String>,
    /// Error code on failures.
    pub error_code: Option<String>,
    /// Error explanation.
    pub error_reason: Option<String>,
    /// `failure` or `nonServiceFailure`.
    pub error_category: Option<String>,
    /// `durationInMilliseconds`.
    #[ts(type = "number | null")]
    pub duration_ms: Option<i64>,
}

/// The pieces an [`EventRecord`] is built from, borrowed from either parse path.
#[derive(Default)]
struct Parts<'a> {
    id: &'a str,
    activity: Option<&'a str>,
    activity_ts: Option<Timestamp>,
    job_id: Option<&'a str>,
    cycle_id: Option<&'a str>,
    change_id: Option<&'a str>,
    action: Option<String>,
    status: Option<String>,
    source_id: Option<&'a str>,
    source_name: Option<&'a str>,
    source_type: Option<&'a str>,
    target_id: Option<&'a str>,
    target_name: Option<&'a str>,
    target_type: Option<&'a str>,
    error_code: Option<&'a str>,
    error_reason: Option<&'a str>,
    error_category: Option<String>,
    duration_ms: Option<i64>,
}

fn owned(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty()).map(str::to_string)
}

impl Parts<'_> {
    fn build(self, document: &str) -> Result<EventRecord, ParseError> {
        if self.id.trim().is_empty() {
            return Err(ParseError::new(document, "the event has an empty id").with_field("id"));
        }
        let ts = match self.activity_ts {
            Some(t) => Some(t),
            None => self.activity.and_then(Timestamp::parse),
        };
        let Some(activity_ms) = ts.as_ref().and_then(Timestamp::millis) else {
            return Err(
                ParseError::new(document, "activityDateTime is missing or not a date")
                    .with_field("activityDateTime"),
            );
        };
        Ok(EventRecord {
            event_id: self.id.to_string(),
            activity_ms,
            job_id: owned(self.job_id),
            cycle_id: owned(self.cycle_id),
            change_id: owned(self.change_id),
            action: self.action,
            status: self.status,
            source_id: owned(self.source_id),
            source_name: owned(self.source_name),
            target_id: owned(self.target_id),
            target_name: owned(self.target_name),
            identity_type: owned(self.source_type).or_else(|| owned(self.target_type)),
            error_code: owned(self.error_code),
            error_reason: owned(self.error_reason),
            error_category: self.error_category,
            duration_ms: self.duration_ms,
        })
    }
}

impl EventRecord {
    /// Flatten a fully parsed entry (the slow path; same result as the fast one).
    pub fn from_summary(e: &ProvisioningObjectSummary) -> Result<EventRecord, ParseError> {
        let err = e.effective_error();
        let src = e.source_identity.as_ref();
        let tgt = e.target_identity.as_ref();
        Parts {
            id: &e.id,
            activity: None,
            activity_ts: e.activity_date_time.clone(),
            job_id: e.job_id.as_deref(),
            cycle_id: e.cycle_id.as_deref(),
            change_id: e.change_id.as_deref(),
            action: e.effective_action().map(|a| a.as_str().to_string()),
            status: e.effective_status().map(|s| s.as_str().to_string()),
            source_id: src.and_then(|s| s.id.as_deref()),
            source_name: src.and_then(|s| s.display_name.as_deref()),
            source_type: src.and_then(|s| s.identity_type.as_deref()),
            target_id: tgt.and_then(|s| s.id.as_deref()),
            target_name: tgt.and_then(|s| s.display_name.as_deref()),
            target_type: tgt.and_then(|s| s.identity_type.as_deref()),
            error_code: err.error_code,
            error_reason: err.reason,
            error_category: err.error_category.map(|c| c.as_str().to_string()),
            duration_ms: e.duration_in_milliseconds,
        }
        .build(&format!("provisioning event {}", e.id))
    }
}

// ---------------------------------------------------------------------------
// The fast path: borrowed structs that read only the columns.

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventWire<'a> {
    #[serde(borrow, default)]
    id: LenientStr<'a>,
    #[serde(borrow, default)]
    activity_date_time: LenientStr<'a>,
    #[serde(borrow, default)]
    job_id: LenientStr<'a>,
    #[serde(borrow, default)]
    cycle_id: LenientStr<'a>,
    #[serde(borrow, default)]
    change_id: LenientStr<'a>,
    #[serde(default)]
    duration_in_milliseconds: LenientI64,
    #[serde(borrow, default)]
    provisioning_action: LenientStr<'a>,
    #[serde(borrow, default)]
    action: LenientStr<'a>,
    #[serde(borrow, default)]
    provisioning_status_info: Option<StatusWire<'a>>,
    #[serde(borrow, default)]
    status_info: Option<ErrorWire<'a>>,
    #[serde(borrow, default)]
    source_identity: Option<IdentityWire<'a>>,
    #[serde(borrow, default)]
    target_identity: Option<IdentityWire<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusWire<'a> {
    #[serde(borrow, default)]
    status: LenientStr<'a>,
    #[serde(borrow, default)]
    error_information: Option<ErrorWire<'a>>,
}

/// v1.0 `errorInformation`, or beta's flat `statusInfo` (which also has `status`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorWire<'a> {
    #[serde(borrow, default)]
    status: LenientStr<'a>,
    #[serde(borrow, default)]
    error_code: LenientStr<'a>,
    #[serde(borrow, default)]
    reason: LenientStr<'a>,
    #[serde(borrow, default)]
    additional_details: LenientStr<'a>,
    #[serde(borrow, default)]
    error_category: LenientStr<'a>,
    #[serde(borrow, default)]
    recommended_action: LenientStr<'a>,
}

impl ErrorWire<'_> {
    fn is_empty(&self) -> bool {
        self.error_code.non_empty().is_none()
            && self.reason.non_empty().is_none()
            && self.additional_details.non_empty().is_none()
            && self.error_category.non_empty().is_none()
            && self.recommended_action.non_empty().is_none()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IdentityWire<'a> {
    #[serde(borrow, default)]
    id: LenientStr<'a>,
    #[serde(borrow, default)]
    display_name: LenientStr<'a>,
    #[serde(borrow, default)]
    identity_type: LenientStr<'a>,
}

fn canonical<T: OpenEnum>(s: &LenientStr<'_>) -> Option<String> {
    s.non_empty().map(|v| T::parse(v).as_str().to_string())
}

impl<'a> EventWire<'a> {
    fn parts(&'a self) -> Parts<'a> {
        let v1_status = self.provisioning_status_info.as_ref();
        let v1_err = v1_status
            .and_then(|s| s.error_information.as_ref())
            .filter(|e| !e.is_empty());
        let err = v1_err.or(self.status_info.as_ref());
        let status = v1_status
            .and_then(|s| canonical::<ProvisioningResult>(&s.status))
            .or_else(|| {
                self.status_info
                    .as_ref()
                    .and_then(|s| canonical::<ProvisioningResult>(&s.status))
            });
        let action = canonical::<ProvisioningAction>(&self.provisioning_action)
            .or_else(|| canonical::<ProvisioningAction>(&self.action));
        let src = self.source_identity.as_ref();
        let tgt = self.target_identity.as_ref();
        Parts {
            id: self.id.0.as_deref().unwrap_or(""),
            activity: self.activity_date_time.non_empty(),
            activity_ts: None,
            job_id: self.job_id.non_empty(),
            cycle_id: self.cycle_id.non_empty(),
            change_id: self.change_id.non_empty(),
            action,
            status,
            source_id: src.and_then(|s| s.id.non_empty()),
            source_name: src.and_then(|s| s.display_name.non_empty()),
            source_type: src.and_then(|s| s.identity_type.non_empty()),
            target_id: tgt.and_then(|s| s.id.non_empty()),
            target_name: tgt.and_then(|s| s.display_name.non_empty()),
            target_type: tgt.and_then(|s| s.identity_type.non_empty()),
            error_code: err.and_then(|e| e.error_code.non_empty()),
            error_reason: err.and_then(|e| e.reason.non_empty()),
            error_category: err.and_then(|e| canonical::<ErrorCategory>(&e.error_category)),
            duration_ms: self.duration_in_milliseconds.value,
        }
    }
}

#[derive(Deserialize)]
struct PageWire<'a> {
    #[serde(borrow, default)]
    value: Option<Vec<&'a RawValue>>,
    #[serde(rename = "@odata.nextLink", borrow, default)]
    next_link: LenientStr<'a>,
}

/// Name used for page-level errors.
const PAGE_DOCUMENT: &str = "auditLogs/provisioning page";
/// Placeholder name for an event inside a page, replaced by [`at_index`].
const EVENT_DOCUMENT: &str = "provisioning event";

/// Name the event by its position in the page (done only on error, to keep
/// the hot path free of allocations).
fn at_index(mut e: ParseError, i: usize) -> ParseError {
    e.document = format!("auditLogs/provisioning value[{i}]");
    e
}

/// Read one event from its raw JSON (fast path).
pub fn parse_event(raw: &str) -> Result<EventRecord, ParseError> {
    parse_event_named(raw, EVENT_DOCUMENT)
}

fn parse_event_named(raw: &str, document: &str) -> Result<EventRecord, ParseError> {
    // serde reads a JSON array into a struct by field position: an event
    // sent as `[…]` would become one with made-up fields.
    if raw.trim_start().as_bytes().first() != Some(&b'{') {
        return Err(ParseError::new(document, "the event is not a JSON object"));
    }
    let wire: EventWire<'_> = serde_json::from_str(raw)
        .map_err(|e| ParseError::from_json(document, &e, Some(raw.as_bytes())))?;
    if wire.id.0.is_none() {
        return Err(ParseError::new(document, "the event has no id").with_field("id"));
    }
    wire.parts().build(document)
}

/// An event record with the event's raw JSON, as Graph sent it.
pub type EventWithRaw = (EventRecord, Box<RawValue>);

/// A page of provisioning events read with [`parse_event_page_tolerant`].
#[derive(Debug)]
pub struct EventPage {
    /// The events that could be read, in page order.
    pub events: Vec<EventWithRaw>,
    /// The next page's URL; `None` on the last page.
    pub next_link: Option<String>,
    /// One error per event that could not be read (missing id or date, wrong shape).
    pub rejected: Vec<ParseError>,
}

fn read_page(bytes: &[u8]) -> Result<(Vec<&RawValue>, Option<String>), ParseError> {
    // serde would accept an array as a struct; a page is always an object.
    if let Some(first) = bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        if *first != b'{' {
            return Err(ParseError::new(
                PAGE_DOCUMENT,
                "the body is not a JSON object",
            ));
        }
    }
    let page: PageWire<'_> = serde_json::from_slice(bytes)
        .map_err(|e| ParseError::from_json(PAGE_DOCUMENT, &e, Some(bytes)))?;
    let next = page.next_link.non_empty().map(str::to_string);
    Ok((page.value.unwrap_or_default(), next))
}

/// Read a page of `GET /auditLogs/provisioning` straight from the response
/// bytes: each event as an [`EventRecord`] plus its raw JSON, and the
/// `@odata.nextLink`. Fails on the first event that cannot be read, naming
/// it (`auditLogs/provisioning value[3]`); see [`parse_event_page_tolerant`]
/// to skip such events instead.
pub fn parse_event_page(bytes: &[u8]) -> Result<(Vec<EventWithRaw>, Option<String>), ParseError> {
    let (raws, next) = read_page(bytes)?;
    let mut out = Vec::with_capacity(raws.len());
    for (i, raw) in raws.into_iter().enumerate() {
        let rec = parse_event_named(raw.get(), EVENT_DOCUMENT).map_err(|e| at_index(e, i))?;
        out.push((rec, raw.to_owned()));
    }
    Ok((out, next))
}

/// Like [`parse_event_page`], but an unreadable event is reported in
/// `rejected` and skipped, so one odd event cannot stall the poller on a page.
/// Fails only when the page itself is not a Graph collection.
pub fn parse_event_page_tolerant(bytes: &[u8]) -> Result<EventPage, ParseError> {
    let (raws, next_link) = read_page(bytes)?;
    let mut events = Vec::with_capacity(raws.len());
    let mut rejected = Vec::new();
    for (i, raw) in raws.into_iter().enumerate() {
        match parse_event_named(raw.get(), EVENT_DOCUMENT) {
            Ok(rec) => events.push((rec, raw.to_owned())),
            Err(e) => rejected.push(at_index(e, i)),
        }
    }
    Ok(EventPage {
        events,
        next_link,
        rejected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"{
      "@odata.nextLink": "https://graph.microsoft.com/v1.0/auditLogs/provisioning?$skiptoken=abc",
      "value": [
        {"id": "e1", "activityDateTime": "2024-05-01T10:00:00.123Z", "jobId": "scim.1", "cycleId": "c1",
         "changeId": "", "provisioningAction": "Update", "durationInMilliseconds": "120",
         "provisioningStatusInfo": {"status": "Failure", "errorInformation": {"errorCode": "EntryConflict",
           "reason": "409 \"conflict\"", "errorCategory": "NonServiceFailure"}},
         "sourceIdentity": {"id": "s1", "displayName": "Ada", "identityType": "User", "details": {}},
         "targetIdentity": {"id": "", "displayName": "", "identityType": "User"},
         "provisioningSteps": [{"name": "x", "details": {"a": [1, 2, {"b": null}]}}]},
        {"id": "e2", "activityDateTime": "2024-05-01T12:00:00+02:00", "action": "Delete",
         "statusInfo": {"status": "success"}, "provisioningStatusInfo": null, "sourceIdentity": null}
      ]
    }"#;

    #[test]
    fn reads_a_page() {
        let (events, next) = parse_event_page(PAGE.as_bytes()).unwrap();
        assert_eq!(
            next.as_deref(),
            Some("https://graph.microsoft.com/v1.0/auditLogs/provisioning?$skiptoken=abc")
        );
        assert_eq!(events.len(), 2);
        let (e1, raw1) = &events[0];
        assert_eq!(
            e1,
            &EventRecord {
                event_id: "e1".into(),
                activity_ms: 1_714_557_600_123,
                job_id: Some("scim.1".into()),
                cycle_id: Some("c1".into()),
                change_id: None,
                action: Some("update".into()),
                status: Some("failure".into()),
                source_id: Some("s1".into()),
                source_name: Some("Ada".into()),
                target_id: None,
                target_name: None,
                identity_type: Some("User".into()),
                error_code: Some("EntryConflict".into()),
                error_reason: Some("409 \"conflict\"".into()),
                error_category: Some("nonServiceFailure".into()),
                duration_ms: Some(120),
            }
        );
        assert!(raw1.get().starts_with("{\"id\": \"e1\""));
        let (e2, _) = &events[1];
        assert_eq!(e2.activity_ms, 1_714_557_600_000);
        assert_eq!(e2.action.as_deref(), Some("delete"));
        assert_eq!(e2.status.as_deref(), Some("success"));
        assert_eq!(e2.identity_type, None);
    }

    #[test]
    fn fast_and_slow_paths_agree() {
        let (events, _) = parse_event_page(PAGE.as_bytes()).unwrap();
        for (rec, raw) in events {
            let full: ProvisioningObjectSummary = serde_json::from_str(raw.get()).unwrap();
            assert_eq!(EventRecord::from_summary(&full).unwrap(), rec);
        }
    }

    #[test]
    fn bad_events() {
        let cases = [
            (
                r#"{"value":[{"activityDateTime":"2024-01-01T00:00:00Z"}]}"#,
                "id",
            ),
            (
                r#"{"value":[{"id":"","activityDateTime":"2024-01-01T00:00:00Z"}]}"#,
                "id",
            ),
            (r#"{"value":[{"id":"x"}]}"#, "activityDateTime"),
            (
                r#"{"value":[{"id":"x","activityDateTime":"0001-01-01T00:00:00Z"}]}"#,
                "activityDateTime",
            ),
            (
                r#"{"value":[{"id":"x","activityDateTime":"soon"}]}"#,
                "activityDateTime",
            ),
            (
                r#"{"value":[{"id":"x","activityDateTime":"2024-01-01T00:00:00Z","sourceIdentity":"secret-ish"}]}"#,
                "sourceIdentity",
            ),
        ];
        for (json, field) in cases {
            let err = parse_event_page(json.as_bytes()).unwrap_err();
            assert_eq!(err.document, "auditLogs/provisioning value[0]", "{json}");
            assert_eq!(err.field.as_deref(), Some(field), "{json}: {err}");
            assert!(!err.to_string().contains("secret-ish"), "{err}");
            let page = parse_event_page_tolerant(json.as_bytes()).unwrap();
            assert!(page.events.is_empty());
            assert_eq!(page.rejected.len(), 1);
        }
    }

    #[test]
    fn tolerant_keeps_good_events() {
        let json = r#"{"value":[{"id":"x"},{"id":"y","activityDateTime":"2024-01-01T00:00:00Z"}],"@odata.nextLink":""}"#;
        let page = parse_event_page_tolerant(json.as_bytes()).unwrap();
        assert_eq!(page.events.len(), 1);
        assert_eq!(page.events[0].0.event_id, "y");
        assert_eq!(page.rejected[0].document, "auditLogs/provisioning value[0]");
        assert_eq!(page.next_link, None);
    }

    #[test]
    fn bad_pages() {
        for json in ["", "[]", "{\"value\": 3}", "{\"value\": [1,", "<html>"] {
            let err = parse_event_page(json.as_bytes()).unwrap_err();
            assert_eq!(err.document, PAGE_DOCUMENT, "{json}");
        }
        let (events, next) = parse_event_page(b"{\"value\": null}").unwrap();
        assert!(events.is_empty() && next.is_none());
        let (events, _) = parse_event_page(b"{}").unwrap();
        assert!(events.is_empty());
    }

    #[test]
    fn single_event() {
        let rec = parse_event(r#"{"id":"z","activityDateTime":"2024-01-01T00:00:00Z"}"#).unwrap();
        assert_eq!(rec.event_id, "z");
        assert_eq!(rec.action, None);
    }
}

#[cfg(test)]
mod ts_tests {
    use super::*;

    #[test]
    fn typescript_shape() {
        let decl = EventRecord::decl();
        assert!(decl.contains("activity_ms: number"), "{decl}");
        assert!(decl.contains("duration_ms: number | null"), "{decl}");
        assert_eq!(
            <super::super::Interval as TS>::decl(),
            "type Interval = string;"
        );
        assert_eq!(
            <super::super::JobStatusCode as TS>::decl(),
            "type JobStatusCode = string;"
        );
    }
}
