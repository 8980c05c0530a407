//! Graph error bodies as real tenants send them, not as the API reference
//! shows them (tests/fixtures/graph-real/): `innerError.date` without a zone,
//! the synchronization API's empty 401, the throttling envelope.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::{json_response, Ctx};
use crate::state::SimState;

/// `innerError.date` as real Graph writes it: whole seconds, no zone
/// (`2021-09-02T17:15:30`).
pub(crate) fn inner_date(now: DateTime<Utc>) -> String {
    now.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// What the synchronization API answers a caller without the permission or
/// directory role: 401, `UnknownError`, an empty message
/// (graph-error-401-synchronization-unknownerror-empty-message.json).
pub(crate) fn unknown_error_401(state: &SimState, ctx: &Ctx) -> Response {
    let body = json!({
        "error": {
            "code": "UnknownError",
            "message": "",
            "innerError": {
                "date": inner_date(state.clock.now()),
                "request-id": ctx.request_id.to_string(),
                "client-request-id": ctx.client_request_id,
            }
        }
    });
    json_response(StatusCode::UNAUTHORIZED, &body, ctx)
}

/// The body of a throttled request (graph-error-429-toomanyrequests.json):
/// `innerError` with `code` and `status` "429" and "Please retry after",
/// `message` "Please retry again later.".
pub(crate) fn too_many_requests_body(now: DateTime<Utc>, ctx: &Ctx) -> Value {
    json!({
        "error": {
            "code": "TooManyRequests",
            "innerError": {
                "code": "429",
                "date": inner_date(now),
                "message": "Please retry after",
                "request-id": ctx.request_id.to_string(),
                "client-request-id": ctx.client_request_id,
                "status": "429",
            },
            "message": "Please retry again later.",
        }
    })
}

/// `Retry-After` as Graph sends it: whole seconds, or a fraction (`2.128`).
pub(crate) fn retry_after_value(secs: f64) -> String {
    let secs = if secs.is_finite() { secs.max(0.0) } else { 0.0 };
    if secs.fract() == 0.0 {
        format!("{}", secs as u64)
    } else {
        format!("{secs}")
    }
}

/// A 429 with Microsoft's body and a (possibly fractional) `Retry-After`.
pub(crate) fn throttled(state: &SimState, ctx: &Ctx, secs: f64) -> Response {
    let body = too_many_requests_body(state.clock.now(), ctx);
    let mut r = json_response(StatusCode::TOO_MANY_REQUESTS, &body, ctx);
    if let Ok(h) = HeaderValue::from_str(&retry_after_value(secs)) {
        r.headers_mut().insert(header::RETRY_AFTER, h);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_whole_or_fractional_never_negative() {
        assert_eq!(retry_after_value(3.0), "3");
        assert_eq!(retry_after_value(2.128), "2.128");
        assert_eq!(retry_after_value(-1.0), "0");
        assert_eq!(retry_after_value(f64::NAN), "0");
    }

    #[test]
    fn inner_date_has_no_zone() {
        let t = DateTime::parse_from_rfc3339("2021-09-02T17:15:30.123Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(inner_date(t), "2021-09-02T17:15:30");
    }
}
