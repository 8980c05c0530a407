//! A stored provisioning event as Graph's `provisioningObjectSummary`, written
//! straight to JSON: [`EventView`] borrows from the event and the tenant and is
//! serialised by serde without building a `serde_json::Value` tree (a page of
//! 1000 events is on the hot path of the logs benchmark).

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use uuid::Uuid;

mod steps;

use steps::{retry_steps, synthetic_modified};

use super::{Action, ErrorKind, EventRecord, Outcome};
use crate::clock::graph_time;
use crate::tenant::{mix64, uuid_from_bits, Group, Principal, Tenant, User};

/// Ids of one event that derive from the store (its salt and cycle table).
pub(crate) struct EventIds {
    /// `id`.
    pub id: Uuid,
    /// `cycleId`.
    pub cycle: Uuid,
    /// `changeId`.
    pub change: Uuid,
    /// `targetIdentity.id` of a successful synthetic event.
    pub target: Uuid,
}

/// A JSON string: borrowed text, or a UUID written on the fly.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(untagged)]
pub(crate) enum Text<'a> {
    Str(&'a str),
    Id(Uuid),
}

/// `identityType`.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) enum Kind {
    User,
    Group,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Self::User => "User",
            Self::Group => "Group",
        }
    }
}

/// One `provisioningObjectSummary`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EventView<'a> {
    pub(crate) id: Uuid,
    pub(crate) activity_date_time: String,
    pub(crate) tenant_id: Uuid,
    pub(crate) job_id: String,
    pub(crate) cycle_id: Uuid,
    pub(crate) change_id: Uuid,
    pub(crate) provisioning_action: &'static str,
    pub(crate) duration_in_milliseconds: u32,
    pub(crate) provisioning_status_info: StatusInfo<'a>,
    pub(crate) provisioning_steps: Vec<Step<'a>>,
    pub(crate) modified_properties: Vec<Property<'a>>,
    pub(crate) service_principal: ServicePrincipalRef<'a>,
    pub(crate) source_system: System<'a, NoDetails>,
    pub(crate) target_system: System<'a, TargetSystemDetails<'a>>,
    pub(crate) initiated_by: Initiator,
    pub(crate) source_identity: Identity<'a>,
    pub(crate) target_identity: Identity<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StatusInfo<'a> {
    pub(crate) status: &'static str,
    pub(crate) error_information: Option<ErrorInformation<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ErrorInformation<'a> {
    pub(crate) error_code: std::borrow::Cow<'a, str>,
    pub(crate) reason: std::borrow::Cow<'a, str>,
    pub(crate) additional_details: Option<&'a str>,
    pub(crate) error_category: &'static str,
    pub(crate) recommended_action: Option<&'static str>,
}

/// One `modifiedProperties` entry.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Property<'a> {
    display_name: &'a str,
    old_value: Option<Text<'a>>,
    new_value: Option<Text<'a>>,
}

impl<'a> Property<'a> {
    fn set(display_name: &'a str, value: Text<'a>) -> Self {
        Self {
            display_name,
            old_value: None,
            new_value: Some(value),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServicePrincipalRef<'a> {
    id: Uuid,
    display_name: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct System<'a, D> {
    pub(crate) id: Uuid,
    display_name: &'a str,
    details: D,
}

/// An empty `details` object (`{}`).
#[derive(Serialize)]
pub(crate) struct NoDetails {}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct TargetSystemDetails<'a> {
    application_id: Uuid,
    service_principal_id: Uuid,
    service_principal_display_name: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Initiator {
    id: &'static str,
    display_name: &'static str,
    initiator_type: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Identity<'a> {
    id: Text<'a>,
    display_name: &'a str,
    identity_type: Kind,
    details: NoDetails,
}

/// One `provisioningSteps` entry.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Step<'a> {
    name: &'static str,
    provisioning_step_type: &'static str,
    status: &'static str,
    description: String,
    details: StepDetails<'a>,
}

/// A step's `details`: a string-to-string map whose keys depend on the step.
enum StepDetails<'a> {
    None,
    Scoping {
        kind: Kind,
        assigned: bool,
    },
    ReportableIdentifier(&'a str),
    SkipReason(&'static str),
    /// An `EntryEscrowRetry` step's details, as a real 2026 event has them.
    EscrowRetry {
        since: String,
        identifier: Text<'a>,
        modification: &'static str,
        next_attempt: String,
    },
}

impl Serialize for StepDetails<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let true_false = |b: bool| if b { "True" } else { "False" };
        match *self {
            Self::None => serializer.serialize_map(Some(0))?.end(),
            Self::Scoping { kind, assigned } => {
                let role = match kind {
                    Kind::User => "User has the required role",
                    Kind::Group => "Group has the required role",
                };
                let mut m = serializer.serialize_map(Some(4))?;
                m.serialize_entry("Active in the source system", "True")?;
                m.serialize_entry("Assigned to the application", true_false(assigned))?;
                m.serialize_entry(role, true_false(assigned))?;
                m.serialize_entry("Scoping filter evaluation passed", "True")?;
                m.end()
            }
            Self::ReportableIdentifier(ident) => {
                let mut m = serializer.serialize_map(Some(1))?;
                m.serialize_entry("ReportableIdentifier", ident)?;
                m.end()
            }
            Self::SkipReason(reason) => {
                let mut m = serializer.serialize_map(Some(1))?;
                m.serialize_entry("SkipReason", reason)?;
                m.end()
            }
            Self::EscrowRetry {
                ref since,
                identifier,
                modification,
                ref next_attempt,
            } => {
                let mut m = serializer.serialize_map(Some(7))?;
                m.serialize_entry("CountProcessed", "0")?;
                m.serialize_entry("CreationTime", since)?;
                m.serialize_entry("Identifier", &identifier)?;
                m.serialize_entry("ModificationType", modification)?;
                m.serialize_entry("NextAttempt", next_attempt)?;
                m.serialize_entry("Origin", "Source")?;
                m.serialize_entry("TypeName", "EscrowedEntryDefault")?;
                m.end()
            }
        }
    }
}

/// The event's source object, as far as the log shows it.
struct Source<'a> {
    kind: Kind,
    id: Text<'a>,
    display: &'a str,
    /// The matching identifier (`userPrincipalName`, or a group's `displayName`).
    ident: &'a str,
    /// The attributes a synthetic event shows as `modifiedProperties`.
    attributes: Vec<(&'static str, Text<'a>)>,
}

impl<'a> Source<'a> {
    fn of(object: Principal, t: &'a Tenant) -> Self {
        match object {
            Principal::User(i) => match t.users.get(i as usize) {
                Some(u) => Self::user(u),
                None => Self::missing(Kind::User),
            },
            Principal::Group(i) => match t.groups.get(i as usize) {
                Some(g) => Self::group(g),
                None => Self::missing(Kind::Group),
            },
        }
    }

    fn user(u: &'a User) -> Self {
        let enabled = if u.account_enabled { "True" } else { "False" };
        Self {
            kind: Kind::User,
            id: Text::Id(u.id),
            display: &u.display_name,
            ident: &u.user_principal_name,
            attributes: vec![
                ("objectId", Text::Id(u.id)),
                ("accountEnabled", Text::Str(enabled)),
                ("displayName", Text::Str(&u.display_name)),
                ("mailNickname", Text::Str(&u.mail_nickname)),
                ("userPrincipalName", Text::Str(&u.user_principal_name)),
                ("mail", Text::Str(&u.mail)),
                ("givenName", Text::Str(&u.given_name)),
                ("surname", Text::Str(&u.surname)),
                ("jobTitle", Text::Str(&u.job_title)),
                ("IsSoftDeleted", Text::Str("False")),
                ("appRoleAssignments", Text::Str("User")),
            ],
        }
    }

    fn group(g: &'a Group) -> Self {
        Self {
            kind: Kind::Group,
            id: Text::Id(g.id),
            display: &g.display_name,
            ident: &g.display_name,
            attributes: vec![
                ("objectId", Text::Id(g.id)),
                ("displayName", Text::Str(&g.display_name)),
                ("mailEnabled", Text::Str("False")),
                ("mailNickname", Text::Str(&g.mail_nickname)),
                ("securityEnabled", Text::Str("True")),
            ],
        }
    }

    fn missing(kind: Kind) -> Self {
        Self {
            kind,
            id: Text::Str(""),
            display: "",
            ident: "",
            attributes: Vec::new(),
        }
    }
}

/// `sourceSystem.displayName` of events today (tests/fixtures/graph-real/README.md).
pub(crate) const SOURCE_SYSTEM: &str = "Microsoft Entra ID";

pub(crate) fn source_system_id(t: &Tenant) -> Uuid {
    uuid_from_bits(mix64(t.tenant_id.as_u128() as u64 ^ 1), mix64(2))
}

pub(crate) fn target_system_id(t: &Tenant) -> Uuid {
    uuid_from_bits(mix64(t.tenant_id.as_u128() as u64 ^ 3), mix64(4))
}

impl<'a> EventView<'a> {
    /// The event `e` of tenant `t`, with its store-derived `ids`.
    pub(crate) fn new(e: &'a EventRecord, ids: EventIds, t: &'a Tenant) -> Self {
        let (app, job_id) = t.log_app(e.app);
        let source = Source::of(e.object, t);
        let kind = source.kind;
        let detail = e.detail.as_deref();
        let display = detail
            .map(|d| d.display.as_str())
            .filter(|d| !d.is_empty())
            .unwrap_or(source.display);
        let target_id = match detail {
            Some(d) => Text::Str(&d.target_id),
            None if e.outcome == Outcome::Success => Text::Id(ids.target),
            None => Text::Str(""),
        };
        let modified = match detail {
            Some(d) => d
                .modified
                .iter()
                .map(|(name, old, new)| Property {
                    display_name: name,
                    old_value: old.as_deref().map(Text::Str),
                    new_value: new.as_deref().map(Text::Str),
                })
                .collect(),
            None => synthetic_modified(e.action, source.attributes),
        };
        let web_response = detail.and_then(|d| d.additional.as_deref());
        let error_information = e.error.map(|k| match (k.http_status(), web_response) {
            // What real events carry when the SaaS answered an HTTP error:
            // the SaaS's body inside the reason, `additionalDetails: null`.
            (Some(status), Some(body)) => ErrorInformation {
                error_code: k.code().into(),
                reason: std::borrow::Cow::Owned(web_response_reason(status, body, e.at, e.retried)),
                additional_details: None,
                error_category: k.category(),
                recommended_action: None,
            },
            _ => ErrorInformation {
                error_code: k.code().into(),
                reason: std::borrow::Cow::Borrowed(k.reason()),
                additional_details: web_response,
                error_category: k.category(),
                recommended_action: None,
            },
        });
        Self {
            id: ids.id,
            activity_date_time: graph_time(e.at),
            tenant_id: t.tenant_id,
            job_id,
            cycle_id: ids.cycle,
            change_id: ids.change,
            provisioning_action: e.action.as_str(),
            duration_in_milliseconds: e.duration_ms,
            provisioning_status_info: StatusInfo {
                status: e.outcome.as_str(),
                error_information,
            },
            provisioning_steps: match (e.retried, e.escrowed_at) {
                (1.., Some(since)) => retry_steps(
                    kind,
                    display,
                    (source.id, source.ident),
                    e,
                    since,
                    &app.display_name,
                ),
                _ => steps::steps(kind, display, source.ident, e, &app.display_name),
            },
            modified_properties: modified,
            service_principal: ServicePrincipalRef {
                id: app.id,
                display_name: &app.display_name,
            },
            source_system: System {
                id: source_system_id(t),
                // Real events today (older data says "Azure Active Directory").
                display_name: SOURCE_SYSTEM,
                details: NoDetails {},
            },
            target_system: System {
                id: target_system_id(t),
                display_name: &app.display_name,
                details: TargetSystemDetails {
                    application_id: app.app_id,
                    service_principal_id: app.id,
                    service_principal_display_name: &app.display_name,
                },
            },
            initiated_by: Initiator {
                id: "",
                display_name: "Azure AD Provisioning Service",
                initiator_type: "system",
            },
            source_identity: Identity {
                id: source.id,
                display_name: display,
                identity_type: kind,
                details: NoDetails {},
            },
            target_identity: Identity {
                id: target_id,
                display_name: if e.outcome == Outcome::Success {
                    display
                } else {
                    ""
                },
                identity_type: kind,
                details: NoDetails {},
            },
        }
    }
}

/// A time as .NET writes it in step details: seven fraction digits.
pub(crate) fn dotnet_time(t: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "{}.{:07}Z",
        t.format("%Y-%m-%dT%H:%M:%S"),
        t.timestamp_subsec_nanos() / 100
    )
}

/// A skip step's text: the same reason `errorInformation.reason` gives.
pub(crate) fn skip_description(kind: &str, ident: &str, error: Option<ErrorKind>) -> String {
    let reason = error.map_or(
        "The object is already in the desired state in the target system.",
        ErrorKind::reason,
    );
    format!("The {kind} '{ident}' will be skipped. {reason}")
}

/// A failure reason in the form real provisioning events use when the SaaS
/// answered an HTTP error: `StatusCode: 409\r\nMessage: …\r\nWeb Response:
/// {the SaaS's body}. This operation was retried N times. It will be retried
/// again after this date: … UTC`.
pub(crate) fn web_response_reason(
    status: u16,
    body: &str,
    at: chrono::DateTime<chrono::Utc>,
    retried: u16,
) -> String {
    let retry = at + chrono::Duration::minutes(40);
    format!(
        "StatusCode: {status}\r\nMessage: Processing of the HTTP request resulted in an \
exception. Please see the HTTP response returned by the 'Response' property of this exception \
for details.\r\nWeb Response: {}. This operation was retried {retried} times. It will be retried \
again after this date: {} UTC",
        body.trim(),
        retry.format("%Y-%m-%dT%H:%M:%S.0000000Z")
    )
}
