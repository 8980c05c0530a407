//! [`Deviation`]: one way a SCIM server departs from RFC 7643/7644, noticed
//! while parsing. The SaaS-watching engine collects them into a compliance report.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How much a deviation matters to Entra's provisioning. (`DeviationSeverity`
/// in the UI's bindings: `Severity` there is a finding's info/warning/critical.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(rename = "DeviationSeverity")]
pub enum Severity {
    /// Off-spec but Entra copes.
    Info,
    /// May make Entra misbehave (duplicates, paging errors).
    Warning,
    /// Breaks provisioning (HTML instead of JSON, …).
    Error,
}

/// A departure from the SCIM RFCs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Deviation {
    /// `totalResults` is absent from a ListResponse (it is REQUIRED).
    TotalResultsMissing,
    /// `totalResults` is smaller than the number of resources on the page.
    TotalResultsTooSmall {
        /// `totalResults` as sent.
        #[ts(type = "number")]
        total_results: u64,
        /// Resources on the page.
        #[ts(type = "number")]
        resources: u64,
    },
    /// No `Resources` key at all while `totalResults` says there are results.
    ResourcesMissing,
    /// `"Resources": null`.
    ResourcesNull,
    /// `Resources` is an object or a scalar, not a list.
    ResourcesNotAList,
    /// The resources came under another spelling (`resources`).
    ResourcesKeyLowercase {
        /// The key as sent.
        key: String,
    },
    /// Numbers sent as JSON strings (`"totalResults": "5"`).
    NumbersAsStrings {
        /// The fields concerned.
        fields: Vec<String>,
    },
    /// A number field holds something that is not a non-negative integer.
    InvalidNumber {
        /// The field.
        field: String,
    },
    /// `startIndex` is 0: the server counts from 0, SCIM counts from 1.
    StartIndexZeroBased,
    /// `startIndex` differs from the one requested.
    StartIndexMismatch {
        /// Requested.
        #[ts(type = "number")]
        requested: u64,
        /// Returned.
        #[ts(type = "number")]
        returned: u64,
    },
    /// A paged response without `startIndex`.
    StartIndexMissing,
    /// A paged response without `itemsPerPage`.
    ItemsPerPageMissing,
    /// `itemsPerPage` differs from the number of resources on the page.
    ItemsPerPageMismatch {
        /// `itemsPerPage` as sent.
        #[ts(type = "number")]
        items_per_page: u64,
        /// Resources on the page.
        #[ts(type = "number")]
        resources: u64,
    },
    /// More resources than the `count` asked for.
    MoreThanCountReturned {
        /// Requested.
        #[ts(type = "number")]
        count: u64,
        /// Returned.
        #[ts(type = "number")]
        resources: u64,
    },
    /// `schemas` lacks `urn:ietf:params:scim:api:messages:2.0:ListResponse`.
    ListSchemaMissing,
    /// The same `id` appears more than once on a page.
    DuplicateIds {
        /// The repeated ids.
        ids: Vec<String>,
    },
    /// Resources without an `id`.
    ResourcesWithoutId {
        /// How many.
        #[ts(type = "number")]
        count: u64,
    },
    /// A resource's `active` is a string (`"true"`) instead of a boolean.
    ActiveAsString {
        /// The resource's id, when it has one.
        id: Option<String>,
    },
    /// A resource's `active` is neither a boolean nor a boolean string.
    ActiveInvalid {
        /// The resource's id, when it has one.
        id: Option<String>,
    },
    /// `Content-Type: application/json` instead of `application/scim+json` (accepted by Entra).
    ContentTypeJson,
    /// No `Content-Type` header.
    ContentTypeMissing,
    /// A content type that is not JSON at all.
    ContentTypeUnexpected {
        /// The media type as sent.
        content_type: String,
    },
    /// An HTML page instead of JSON (a login page, a proxy error).
    HtmlBody {
        /// The page's `<title>`, if any.
        title: Option<String>,
    },
    /// A body that is neither JSON nor HTML.
    NonJsonBody,
    /// An empty body where JSON was expected.
    EmptyBody,
    /// A SCIM error whose `status` is a JSON number (RFC 7644 says string).
    ErrorStatusAsNumber,
    /// A SCIM error body without the Error schema URN.
    ErrorSchemaMissing,
    /// HTTP 404 answering a filter that matches nothing (SCIM wants 200 with an empty list).
    NotFoundForEmptyFilter,
}

impl Deviation {
    /// How much it matters.
    pub fn severity(&self) -> Severity {
        use Deviation::*;
        match self {
            HtmlBody { .. } | NonJsonBody | EmptyBody | ContentTypeUnexpected { .. } => {
                Severity::Error
            }
            DuplicateIds { .. }
            | ResourcesWithoutId { .. }
            | StartIndexZeroBased
            | StartIndexMismatch { .. }
            | TotalResultsTooSmall { .. }
            | ResourcesMissing
            | ResourcesNull
            | ResourcesNotAList
            | InvalidNumber { .. }
            | ActiveInvalid { .. }
            | NotFoundForEmptyFilter
            | MoreThanCountReturned { .. } => Severity::Warning,
            _ => Severity::Info,
        }
    }

    /// One sentence for the compliance report.
    pub fn describe(&self) -> String {
        use Deviation::*;
        match self {
            TotalResultsMissing => {
                "ListResponse has no totalResults (REQUIRED by RFC 7644 §3.4.2)".into()
            }
            TotalResultsTooSmall {
                total_results,
                resources,
            } => {
                format!("totalResults is {total_results} but the page holds {resources} resources")
            }
            ResourcesMissing => {
                "ListResponse has no Resources although totalResults is above 0".into()
            }
            ResourcesNull => "Resources is null instead of a list".into(),
            ResourcesNotAList => "Resources is not a list".into(),
            ResourcesKeyLowercase { key } => {
                format!("resources are under `{key}` instead of `Resources`")
            }
            NumbersAsStrings { fields } => {
                format!("numbers sent as strings: {}", fields.join(", "))
            }
            InvalidNumber { field } => format!("`{field}` is not a non-negative integer"),
            StartIndexZeroBased => "startIndex is 0: SCIM indexes are 1-based".into(),
            StartIndexMismatch {
                requested,
                returned,
            } => {
                format!("asked for startIndex {requested}, got {returned}")
            }
            StartIndexMissing => "a paged ListResponse has no startIndex".into(),
            ItemsPerPageMissing => "a paged ListResponse has no itemsPerPage".into(),
            ItemsPerPageMismatch {
                items_per_page,
                resources,
            } => {
                format!("itemsPerPage is {items_per_page} but the page holds {resources} resources")
            }
            MoreThanCountReturned { count, resources } => {
                format!("asked for {count} resources, got {resources}")
            }
            ListSchemaMissing => {
                "schemas lacks urn:ietf:params:scim:api:messages:2.0:ListResponse".into()
            }
            DuplicateIds { ids } => {
                format!("the same id appears twice on a page: {}", ids.join(", "))
            }
            ResourcesWithoutId { count } => format!("{count} resources have no id"),
            ActiveAsString { id } => format!(
                "`active` is a string instead of a boolean{}",
                id.as_deref()
                    .map(|i| format!(" (id {i})"))
                    .unwrap_or_default()
            ),
            ActiveInvalid { id } => format!(
                "`active` is not a boolean{}",
                id.as_deref()
                    .map(|i| format!(" (id {i})"))
                    .unwrap_or_default()
            ),
            ContentTypeJson => {
                "Content-Type is application/json instead of application/scim+json".into()
            }
            ContentTypeMissing => "no Content-Type header".into(),
            ContentTypeUnexpected { content_type } => {
                format!("Content-Type is {content_type}, not JSON")
            }
            HtmlBody { title } => match title {
                Some(t) => format!("an HTML page (\u{201c}{t}\u{201d}) instead of JSON"),
                None => "an HTML page instead of JSON".into(),
            },
            NonJsonBody => "the body is not JSON".into(),
            EmptyBody => "the body is empty".into(),
            ErrorStatusAsNumber => {
                "the SCIM error's status is a number (RFC 7644 says string)".into()
            }
            ErrorSchemaMissing => {
                "the error body lacks urn:ietf:params:scim:api:messages:2.0:Error".into()
            }
            NotFoundForEmptyFilter => {
                "404 for a filter that matches nothing (expected 200 with an empty list)".into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_with_a_kind_tag() {
        let d = Deviation::ItemsPerPageMismatch {
            items_per_page: 10,
            resources: 2,
        };
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["kind"], "items_per_page_mismatch");
        assert_eq!(json["items_per_page"], 10);
        let back: Deviation = serde_json::from_value(json).unwrap();
        assert_eq!(back, d);
        assert_eq!(
            serde_json::to_value(Deviation::StartIndexZeroBased).unwrap()["kind"],
            "start_index_zero_based"
        );
    }

    #[test]
    fn descriptions_and_severities() {
        assert_eq!(
            Deviation::HtmlBody { title: None }.severity(),
            Severity::Error
        );
        assert_eq!(Deviation::ContentTypeJson.severity(), Severity::Info);
        assert!(Deviation::DuplicateIds {
            ids: vec!["a".into()]
        }
        .describe()
        .contains("a"));
    }
}
