//! Provisioning events as real tenants write them, where they differ from
//! the v1.0 reference (tests/fixtures/graph-real/README.md):
//!
//! - **app-prefixed error codes** ([`crate::Fault::AppPrefixedErrorCodes`]):
//!   a gallery app's own connector reports `BoxEntryConflict`, not
//!   `EntryConflict`, and its reason names the app ("Box returned an error
//!   response with the HTTP status code 409"), as the event of
//!   `provisioning-page-beta-box-statusinfo-only-2019.json` does;
//! - **the 2019 beta shape** ([`crate::Fault::BetaLogShape`]): an event with
//!   only the deprecated `action` (capitalised, `"Create"`) and a flat
//!   `statusInfo` (`@odata.type` `#microsoft.graph.statusDetails`, `errorCode`,
//!   `reason`, `additionalDetails`, `errorCategory` capitalised
//!   `"NonServiceFailure"`, `recommendedAction`) — no `provisioningAction`,
//!   `provisioningStatusInfo` or `servicePrincipal` — and a `sourceSystem`
//!   named "Azure Active Directory", the field set of that fixture.

use std::borrow::Cow;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::fault::Fault;
use crate::logs::render::EventView;

/// The prefix [`Fault::AppPrefixedErrorCodes`] uses by default: Box, whose
/// real event carries `BoxEntryConflict`.
pub const DEFAULT_APP_PREFIX: &str = "Box";

/// What the generic SCIM connector's codes start with: such a code already
/// names its connector and is not prefixed again.
const SCIM_CONNECTOR: &str = "SystemForCrossDomainIdentityManagement";

/// The app name the generic SCIM connector's reasons use.
const GENERIC_APP: &str = "customappsso";

/// Which shape `auditLogs/provisioning` answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogShape {
    /// v1.0 `provisioningObjectSummary`.
    #[default]
    V1,
    /// The 2019 beta event: `action` and `statusInfo` only.
    Beta2019,
}

/// A log page's `@odata.context`: beta's metadata for the beta shape (as the
/// fixture's page has it), v1.0's otherwise.
pub(crate) fn page_context(base_url: &str, shape: LogShape) -> String {
    let version = match shape {
        LogShape::V1 => "v1.0",
        LogShape::Beta2019 => "beta",
    };
    format!("{base_url}/{version}/$metadata#auditLogs/provisioning")
}

/// The shape the active faults ask for.
pub(crate) fn log_shape<'a>(mut faults: impl Iterator<Item = &'a Fault>) -> LogShape {
    if faults.any(|f| matches!(f, Fault::BetaLogShape)) {
        LogShape::Beta2019
    } else {
        LogShape::V1
    }
}

/// The app prefix the active faults ask for (the last one injected wins).
pub(crate) fn code_prefix<'a>(faults: impl Iterator<Item = &'a Fault>) -> Option<String> {
    faults
        .filter_map(|f| match f {
            Fault::AppPrefixedErrorCodes { prefix } => Some(prefix.trim().to_string()),
            _ => None,
        })
        .last()
}

/// Whether `prefix` can start an error code: 1 to 64 ASCII letters or
/// digits, starting with a letter (`Box`, `Slack`, `Workday2`).
pub(crate) fn check_prefix(prefix: &str) -> Result<(), String> {
    let p = prefix.trim();
    let ok = (1..=64).contains(&p.len())
        && p.starts_with(|c: char| c.is_ascii_alphabetic())
        && p.chars().all(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "app prefix {prefix:?}: 1 to 64 ASCII letters or digits, starting with a letter"
        ))
    }
}

/// `code` as the app's own connector reports it: `EntryConflict` →
/// `BoxEntryConflict`. A code already naming a connector (the generic SCIM
/// connector's `SystemForCrossDomainIdentityManagement…`, or the app's own)
/// is left alone.
pub fn prefixed_code<'a>(prefix: &str, code: &'a str) -> Cow<'a, str> {
    if prefix.is_empty() || code.starts_with(SCIM_CONNECTOR) || code.starts_with(prefix) {
        Cow::Borrowed(code)
    } else {
        Cow::Owned(format!("{prefix}{code}"))
    }
}

/// Give a failure event's error the app's prefix, and its reason the app's
/// name where the generic connector says "customappsso".
pub(crate) fn prefix_codes(view: &mut EventView<'_>, prefix: &str) {
    let Some(info) = view.provisioning_status_info.error_information.as_mut() else {
        return;
    };
    if let Cow::Owned(code) = prefixed_code(prefix, &info.error_code) {
        info.error_code = Cow::Owned(code);
        if info.reason.contains(GENERIC_APP) {
            info.reason = Cow::Owned(info.reason.replace(GENERIC_APP, prefix));
        }
    }
}

/// Graph's lower-camel enum value as the 2019 beta wrote it (`create` →
/// `Create`, `nonServiceFailure` → `NonServiceFailure`).
fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// `sourceSystem.displayName` in 2019 data.
const SOURCE_SYSTEM_2019: &str = "Azure Active Directory";

/// One event in the 2019 beta shape, in the fixture's key order.
pub(crate) struct BetaEvent<'a>(pub EventView<'a>);

impl Serialize for BetaEvent<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let v = &self.0;
        let mut m = serializer.serialize_map(Some(16))?;
        m.serialize_entry("id", &v.id)?;
        m.serialize_entry("activityDateTime", &v.activity_date_time)?;
        m.serialize_entry("tenantId", &v.tenant_id)?;
        m.serialize_entry("jobId", &v.job_id)?;
        m.serialize_entry("cycleId", &v.cycle_id)?;
        m.serialize_entry("changeId", &v.change_id)?;
        m.serialize_entry("action", &capitalised(v.provisioning_action))?;
        m.serialize_entry("durationInMilliseconds", &v.duration_in_milliseconds)?;
        m.serialize_entry("sourceSystem", &SourceSystem2019(&v.source_system.id))?;
        m.serialize_entry("targetSystem", &v.target_system)?;
        m.serialize_entry("initiatedBy", &v.initiated_by)?;
        m.serialize_entry("sourceIdentity", &v.source_identity)?;
        m.serialize_entry("targetIdentity", &v.target_identity)?;
        m.serialize_entry("statusInfo", &StatusInfo2019(v))?;
        m.serialize_entry("provisioningSteps", &v.provisioning_steps)?;
        m.serialize_entry("modifiedProperties", &v.modified_properties)?;
        m.end()
    }
}

/// `sourceSystem` as 2019 data names it.
struct SourceSystem2019<'a>(&'a uuid::Uuid);

impl Serialize for SourceSystem2019<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut m = serializer.serialize_map(Some(3))?;
        m.serialize_entry("id", self.0)?;
        m.serialize_entry("displayName", SOURCE_SYSTEM_2019)?;
        m.serialize_entry("details", &serde_json::Map::new())?;
        m.end()
    }
}

/// Beta's flat `statusInfo`: `statusDetails` with the error, `statusBase`
/// without one.
struct StatusInfo2019<'v, 'a>(&'v EventView<'a>);

impl Serialize for StatusInfo2019<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let s = &self.0.provisioning_status_info;
        match &s.error_information {
            None => {
                let mut m = serializer.serialize_map(Some(2))?;
                m.serialize_entry("@odata.type", "#microsoft.graph.statusBase")?;
                m.serialize_entry("status", s.status)?;
                m.end()
            }
            Some(e) => {
                let mut m = serializer.serialize_map(Some(7))?;
                m.serialize_entry("@odata.type", "#microsoft.graph.statusDetails")?;
                m.serialize_entry("status", s.status)?;
                m.serialize_entry("errorCode", &e.error_code)?;
                m.serialize_entry("reason", &e.reason)?;
                m.serialize_entry("additionalDetails", &e.additional_details)?;
                m.serialize_entry("errorCategory", &capitalised(e.error_category))?;
                m.serialize_entry("recommendedAction", &e.recommended_action)?;
                m.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_get_the_app_prefix_once() {
        assert_eq!(prefixed_code("Box", "EntryConflict"), "BoxEntryConflict");
        assert_eq!(prefixed_code("Box", "BoxEntryConflict"), "BoxEntryConflict");
        let scim = "SystemForCrossDomainIdentityManagementServiceIncompatible";
        assert_eq!(prefixed_code("Box", scim), scim);
        assert_eq!(prefixed_code("", "EntryConflict"), "EntryConflict");
    }

    #[test]
    fn prefixes_are_checked_not_trusted() {
        assert!(check_prefix("Box").is_ok());
        assert!(check_prefix(" Slack ").is_ok());
        for bad in ["", "  ", "9Box", "Bo x", "B\nox", "Bö", &"A".repeat(65)] {
            assert!(check_prefix(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_last_prefix_and_any_beta_fault_win() {
        let faults = [
            Fault::AppPrefixedErrorCodes {
                prefix: "Box".into(),
            },
            Fault::StalledJob,
            Fault::AppPrefixedErrorCodes {
                prefix: " Slack".into(),
            },
        ];
        assert_eq!(code_prefix(faults.iter()).as_deref(), Some("Slack"));
        assert_eq!(log_shape(faults.iter()), LogShape::V1);
        assert_eq!(code_prefix([].iter()), None);
        assert_eq!(log_shape([Fault::BetaLogShape].iter()), LogShape::Beta2019);
        assert_eq!(capitalised("nonServiceFailure"), "NonServiceFailure");
        assert_eq!(capitalised(""), "");
    }
}
