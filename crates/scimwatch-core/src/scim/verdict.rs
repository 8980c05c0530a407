//! What scimwatch's replay of Entra's Test Connection concluded: the one
//! vocabulary of SCIM verdicts, shared by the engine's check, its stored
//! rows, the health rules and the checklist.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What a check concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// 200 with an empty ListResponse: Entra's Test Connection would pass.
    Ok,
    /// 401: the token is expired, revoked or wrong.
    Unauthorized,
    /// 403: the token is valid but lacks rights.
    Forbidden,
    /// 404: the Tenant URL's path is wrong.
    NotFound,
    /// The Tenant URL is right (the collection answers), but a filter that
    /// matches nobody answers 404 where SCIM wants 200 with an empty list:
    /// Entra's Test Connection and its lookups fail on it.
    FilterNotFound,
    /// The endpoint answers as SCIM, but refuses the `userName eq` /
    /// `displayName eq` filter Entra sends (400 `invalidFilter`): Entra
    /// cannot look anyone up before creating them.
    FilterRefused,
    /// An HTML page (a login page: wrong URL or a proxy).
    Html,
    /// 5xx.
    ServerError,
    /// No answer in time.
    Timeout,
    /// DNS, TCP or TLS failure.
    Unreachable,
    /// An answer that is not a SCIM ListResponse.
    NotScim,
    /// 200 with users for a filter that matches nobody: the filter is ignored.
    NonEmptyResult,
    /// Another HTTP status (400, 429 after retries, …).
    OtherStatus,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Unauthorized => "unauthorized",
            Verdict::Forbidden => "forbidden",
            Verdict::NotFound => "not_found",
            Verdict::FilterNotFound => "filter_not_found",
            Verdict::FilterRefused => "filter_refused",
            Verdict::Html => "html",
            Verdict::ServerError => "server_error",
            Verdict::Timeout => "timeout",
            Verdict::Unreachable => "unreachable",
            Verdict::NotScim => "not_scim",
            Verdict::NonEmptyResult => "non_empty_result",
            Verdict::OtherStatus => "other_status",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Verdict::Ok,
            Verdict::Unauthorized,
            Verdict::Forbidden,
            Verdict::NotFound,
            Verdict::FilterNotFound,
            Verdict::FilterRefused,
            Verdict::Html,
            Verdict::ServerError,
            Verdict::Timeout,
            Verdict::Unreachable,
            Verdict::NotScim,
            Verdict::NonEmptyResult,
            Verdict::OtherStatus,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }

    /// Whether the failure points at the token (rather than the URL or the server).
    pub fn blames_token(self) -> bool {
        matches!(self, Verdict::Unauthorized | Verdict::Forbidden)
    }

    /// The Tenant URL and the token are right, but the server answers
    /// Entra's lookup filter wrongly: a SCIM deviation only the vendor fixes.
    pub fn blames_filtering(self) -> bool {
        matches!(self, Verdict::FilterNotFound | Verdict::FilterRefused)
    }

    /// Whether the failure points at the Tenant URL.
    pub fn blames_url(self) -> bool {
        matches!(self, Verdict::NotFound | Verdict::Html | Verdict::NotScim)
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
