//! The result of a Test Connection replay: what `test_connection` returns,
//! what `store::scim_checks` keeps and the rules judge on. It sits below
//! both so the store never imports the check that writes to it.

use chrono::{DateTime, Utc};
use scimwatch_core::health::ScimCheckObservation;
use scimwatch_core::scim::Verdict;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::client::Exchange;

/// The result of a Test Connection replay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CheckResult {
    pub ok: bool,
    pub verdict: Verdict,
    /// One or two sentences for the admin.
    pub message: String,
    /// Status of the decisive request.
    pub http_status: Option<u16>,
    /// Latency of the Users query.
    pub latency_ms: Option<u32>,
    pub checked_at: DateTime<Utc>,
    /// The Tenant URL checked (normalised).
    pub url: String,
    /// Harmless fixes made to the URL and token (trailing slash, pasted newline, `Bearer `).
    pub notes: Vec<String>,
    /// A better Tenant URL found by probing (e.g. with `/scim/v2` appended).
    pub suggested_url: Option<String>,
    /// Every request made, token redacted.
    pub exchanges: Vec<Exchange>,
}

impl CheckResult {
    /// The health rules' observation.
    pub fn to_observation(&self) -> ScimCheckObservation {
        ScimCheckObservation {
            ok: self.ok,
            verdict: self.verdict,
            http_status: self.http_status,
            checked_at: self.checked_at,
            message: Some(self.message.clone()),
        }
    }
}
