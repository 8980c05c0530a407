//! The store's [`EventFilter`] as the Logs screen and `scimwatch-cli logs`
//! pass it, checked before it reaches the store: each value canonical, or
//! every problem with it (the rules are core's [`scimwatch_core::logfilter`]).

use scimwatch_core::logfilter::{check_log_filter, LogFilter};
use scimwatch_core::ValidationError;

use crate::store::events::EventFilter;

/// `filter` with canonical values, or every problem with it.
pub fn checked(filter: &EventFilter) -> Result<EventFilter, ValidationError> {
    let f = check_log_filter(&LogFilter {
        status: filter.status.clone(),
        action: filter.action.clone(),
        since_ms: filter.since_ms,
        until_ms: filter.until_ms,
        cycle_id: filter.cycle_id.clone(),
        error_code: filter.error_code.clone(),
        identity: filter.identity.clone(),
    })?;
    Ok(EventFilter {
        status: f.status,
        action: f.action,
        since_ms: f.since_ms,
        until_ms: f.until_ms,
        cycle_id: f.cycle_id,
        error_code: f.error_code,
        identity: f.identity,
    })
}
