//! Control endpoints under `/_sim/`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::fault::{fault_kinds, Fault};
use crate::state::SimState;

fn err(status: StatusCode, msg: String) -> Response {
    (status, Json(json!({"error": msg}))).into_response()
}

/// `GET /_sim/faults`: the fault kinds and the active faults.
pub async fn list_faults(State(st): State<Arc<SimState>>) -> Response {
    Json(json!({"kinds": fault_kinds(), "active": st.active_faults()})).into_response()
}

/// `POST /_sim/faults` with `{"kind": "…", …}`.
pub async fn inject(State(st): State<Arc<SimState>>, body: Bytes) -> Response {
    let fault: Fault = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => return err(StatusCode::BAD_REQUEST, format!("invalid fault: {e}")),
    };
    match st.inject(fault.clone()) {
        Ok(()) => (
            StatusCode::CREATED,
            Json(json!({"injected": fault, "active": st.active_faults()})),
        )
            .into_response(),
        Err(e) => err(StatusCode::CONFLICT, e.to_string()),
    }
}

/// `DELETE /_sim/faults`.
pub async fn clear(State(st): State<Arc<SimState>>) -> Response {
    st.clear_faults();
    StatusCode::NO_CONTENT.into_response()
}

/// `POST /_sim/cycle`: run a cycle now.
pub async fn cycle(State(st): State<Arc<SimState>>) -> Response {
    let report = crate::provision::run_cycle(&st, true).await;
    Json(report).into_response()
}

/// `POST /_sim/advance?seconds=N`: move a manual clock, running due cycles.
pub async fn advance(
    State(st): State<Arc<SimState>>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    if !st.manual {
        return err(StatusCode::CONFLICT, "the clock is not manual".into());
    }
    let Some(secs) = q
        .get("seconds")
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
    else {
        return err(StatusCode::BAD_REQUEST, "give ?seconds=N".into());
    };
    let target = st.clock.now() + chrono::Duration::milliseconds((secs * 1000.0) as i64);
    let mut reports = Vec::new();
    while let Some(t) = st.next_due().filter(|t| *t <= target) {
        st.clock.set(t);
        let r = crate::provision::run_cycle(&st, false).await;
        let ran = r.ran;
        reports.push(r);
        if !ran || st.next_due().is_some_and(|n| n <= t) {
            break;
        }
    }
    st.clock.set(target);
    Json(json!({"now": crate::clock::graph_time(st.clock.now()), "cycles": reports}))
        .into_response()
}

/// `GET /_sim/state`: a summary (job, counts, target size, clock).
pub async fn summary(State(st): State<Arc<SimState>>) -> Response {
    let (users, groups) = {
        let s = st.scim.read().unwrap_or_else(|e| e.into_inner());
        (s.user_count(), s.group_count())
    };
    let inner = st.lock();
    let v: Value = json!({
        "now": crate::clock::graph_time(st.clock.now()),
        "job": inner.job.to_json(SimState::job_view(&inner)),
        "events": inner.logs.len(),
        "tenant": {"users": inner.tenant.users.len(), "groups": inner.tenant.groups.len(), "assignments": inner.tenant.assignments.len()},
        "scim_target": {"users": users, "groups": groups},
        "next_due": SimState::next_due_inner(&inner).map(crate::clock::graph_time),
    });
    Json(v).into_response()
}

/// `POST /_sim/events?count=N`: generate synthetic historical provisioning events.
pub async fn seed_events(
    State(st): State<Arc<SimState>>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let Some(n) = q
        .get("count")
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|n| *n <= 5_000_000)
    else {
        return err(
            StatusCode::BAD_REQUEST,
            "give ?count=N (at most 5,000,000)".into(),
        );
    };
    let now = st.clock.now();
    let mut inner = st.lock();
    let crate::state::Inner { logs, tenant, .. } = &mut *inner;
    logs.seed(n, now, tenant, st.config.seed);
    Json(json!({"events": logs.len()})).into_response()
}

/// `POST /_sim/devicecode/{user_code}/{approve|decline}`.
pub async fn device_decision(
    State(st): State<Arc<SimState>>,
    Path((code, decision)): Path<(String, String)>,
) -> Response {
    let approve = match decision.as_str() {
        "approve" => true,
        "decline" => false,
        _ => return err(StatusCode::BAD_REQUEST, "approve or decline".into()),
    };
    let now = st.clock.now();
    if st
        .auth
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .decide_device_code(&code, approve, now)
    {
        StatusCode::NO_CONTENT.into_response()
    } else {
        err(
            StatusCode::NOT_FOUND,
            format!("no pending device code {code}"),
        )
    }
}
