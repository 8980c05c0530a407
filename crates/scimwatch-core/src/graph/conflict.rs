//! Is a failed provisioning entry a conflict or a duplicate? One pure
//! classifier for every place that counts them (the checklist step, the
//! cycle observation built by the engine).
//!
//! Real Entra error codes are often app-prefixed or odd (`BoxEntryConflict`,
//! `<App>EntryConflict`, `DuplicateTargetEntries`), and a SaaS's SCIM 409
//! `uniqueness` can come back under an unrelated code
//! (`SystemForCrossDomainIdentityManagementServiceIncompatibleFiltering`)
//! with the SaaS's answer inside the reason:
//! `StatusCode: 409\r\nMessage: …\r\nWeb Response: {…"scimType":"uniqueness"…}`
//! or `… returned an error response with the HTTP status code 409 …`.
//! So the family of the code, the HTTP status and the `scimType` in the
//! reason all count, never one exact code.

/// Why an entry was classified as a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictEvidence {
    /// The error code ends in `EntryConflict` (any app prefix).
    EntryConflictCode,
    /// The error code starts or ends with `Duplicate…` (`DuplicateTargetEntries`,
    /// `<App>DuplicateEntries`, …).
    DuplicateCode,
    /// The reason carries the SCIM `scimType` `uniqueness`.
    ScimUniqueness,
    /// The reason carries HTTP status 409 (Conflict).
    Http409,
}

impl ConflictEvidence {
    /// Plain-language label, for evidence lines.
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictEvidence::EntryConflictCode => "error code of the EntryConflict family",
            ConflictEvidence::DuplicateCode => "error code of the Duplicate family",
            ConflictEvidence::ScimUniqueness => "the SaaS answered scimType \"uniqueness\"",
            ConflictEvidence::Http409 => "the SaaS answered HTTP 409 Conflict",
        }
    }
}

/// Classify one failed entry by its error code and reason text. `None`:
/// nothing says it is a conflict.
pub fn classify_conflict(code: Option<&str>, reason: Option<&str>) -> Option<ConflictEvidence> {
    if let Some(c) = code.map(str::trim).filter(|c| !c.is_empty()) {
        let c = c.to_ascii_lowercase();
        if c.ends_with("entryconflict") {
            return Some(ConflictEvidence::EntryConflictCode);
        }
        if is_duplicate_family(&c) {
            return Some(ConflictEvidence::DuplicateCode);
        }
    }
    let r = reason.map(str::to_ascii_lowercase).unwrap_or_default();
    if r.is_empty() {
        return None;
    }
    if scim_type_is_uniqueness(&r) {
        return Some(ConflictEvidence::ScimUniqueness);
    }
    if http_status_in_reason(&r) == Some(409) {
        return Some(ConflictEvidence::Http409);
    }
    None
}

/// `duplicate…` or `…duplicate…entries`-like codes: the code starts with
/// `duplicate`, or an app prefix is followed by `duplicate` (a capitalised
/// word boundary in the original, so only when what follows is a known
/// Duplicate code tail or the code ends with `duplicate`).
fn is_duplicate_family(lower: &str) -> bool {
    if lower.starts_with("duplicate") || lower.ends_with("duplicate") {
        return true;
    }
    // `<App>DuplicateTargetEntries`, `<App>DuplicateSourceEntries`,
    // `<App>DuplicateEntries`, `<App>Duplicates`.
    [
        "duplicatetargetentries",
        "duplicatesourceentries",
        "duplicateentries",
        "duplicates",
    ]
    .iter()
    .any(|tail| lower.ends_with(tail))
}

/// `"scimType": "uniqueness"` anywhere in the (lower-cased) reason, with any
/// spacing or escaped quotes.
fn scim_type_is_uniqueness(lower: &str) -> bool {
    let compact: String = lower
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\\')
        .collect();
    compact.contains("\"scimtype\":\"uniqueness\"")
}

/// The HTTP status a failure reason reports, in the forms Entra writes:
/// `StatusCode: 409`, `HTTP status code 409`, `"status":"409"` / `"status":409`
/// in the SaaS's SCIM error JSON (escaped quotes too). Input is lower-cased.
pub fn http_status_in_reason(lower: &str) -> Option<u16> {
    let unescaped = lower.replace('\\', "");
    let lower = unescaped.as_str();
    for needle in ["statuscode:", "status code", "\"status\":", "\"status\" :"] {
        let mut from = 0;
        while let Some(i) = lower[from..].find(needle) {
            let after = from + i + needle.len();
            let digits: String = lower[after..]
                .chars()
                .skip_while(|c| c.is_whitespace() || *c == '"' || *c == ':')
                .take_while(char::is_ascii_digit)
                .collect();
            if digits.len() == 3 {
                if let Ok(n) = digits.parse::<u16>() {
                    return Some(n);
                }
            }
            from = after;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_statuses_and_scim_types() {
        let cases: &[(Option<&str>, Option<&str>, Option<ConflictEvidence>)] = &[
            (Some("EntryConflict"), None, Some(ConflictEvidence::EntryConflictCode)),
            (Some("BoxEntryConflict"), None, Some(ConflictEvidence::EntryConflictCode)),
            (Some("entryconflict"), None, Some(ConflictEvidence::EntryConflictCode)),
            (Some("DuplicateTargetEntries"), None, Some(ConflictEvidence::DuplicateCode)),
            (Some("DuplicateSourceEntries"), None, Some(ConflictEvidence::DuplicateCode)),
            (Some("SlackDuplicateTargetEntries"), None, Some(ConflictEvidence::DuplicateCode)),
            (
                Some("SystemForCrossDomainIdentityManagementServiceIncompatibleFiltering"),
                Some("StatusCode: 409\r\nMessage: Processing of the HTTP request resulted in an exception.\r\nWeb Response: {\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:Error\"],\"scimType\":\"uniqueness\",\"detail\":\"User already exists\",\"status\":\"409\"}. This operation was retried 0 times."),
                Some(ConflictEvidence::ScimUniqueness),
            ),
            (
                Some("SystemForCrossDomainIdentityManagementBadResponse"),
                Some("StatusCode: 409\r\nMessage: Conflict\r\nWeb Response: {\"detail\":\"exists\"}"),
                Some(ConflictEvidence::Http409),
            ),
            (
                Some("BoxSomething"),
                Some("Message: Box returned an error response with the HTTP status code 409.  This response indicates that a user or a group already exisits"),
                Some(ConflictEvidence::Http409),
            ),
            (
                Some("SystemForCrossDomainIdentityManagementBadResponse"),
                Some("StatusCode: 400\r\nWeb Response: {\"scimType\":\"invalidValue\",\"status\":\"400\"}"),
                None,
            ),
            (Some("InternalServerError"), Some("StatusCode: 500"), None),
            (Some("Timeout"), None, None),
            (None, None, None),
            (Some(""), Some(""), None),
            (None, Some("status code 4"), None),
            (None, Some("StatusCode: é409"), None),
        ];
        for (code, reason, want) in cases {
            assert_eq!(
                classify_conflict(*code, *reason),
                *want,
                "{code:?} {reason:?}"
            );
        }
    }

    #[test]
    fn status_forms() {
        assert_eq!(http_status_in_reason("statuscode: 409\r\n"), Some(409));
        assert_eq!(http_status_in_reason("{\"status\": 409}"), Some(409));
        assert_eq!(
            http_status_in_reason("{\\\"status\\\":\\\"409\\\"}"),
            Some(409)
        );
        assert_eq!(http_status_in_reason("nothing"), None);
    }
}
