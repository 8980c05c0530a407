//! The service's routes, read-only and GET only (another method: 405):
//!
//! - `/healthz`: 200 while the process runs (no token needed: it says nothing);
//! - `/readyz`: 200 once the store answers and the monitor loop runs, else 503;
//! - `/metrics`: the Prometheus text format (see `metrics.rs`);
//! - `/api/v1/status`: every connection's job state, last cycle, open incidents (JSON).
//!
//! With a bearer token configured, every route but `/healthz` answers 401
//! (empty body, no detail) unless `Authorization: Bearer <token>` matches.

use std::future::Future;
use std::net::SocketAddr;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::Utc;
use tokio::net::TcpListener;

use super::{collect, metrics, status, ServeState};
use crate::error::EngineError;

/// The router over `state`.
pub fn router(state: ServeState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .route("/api/v1/status", get(status_json))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), require_token))
        .with_state(state)
}

/// Bind `addr` (port 0: a free port; the bound address is `local_addr`).
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, EngineError> {
    TcpListener::bind(addr)
        .await
        .map_err(|e| EngineError::Io(format!("cannot listen on {addr}: {e}")))
}

/// Serve `state` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: ServeState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), EngineError> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| EngineError::Io(format!("the HTTP service stopped: {e}")))
}

async fn require_token(State(state): State<ServeState>, req: Request, next: Next) -> Response {
    if let Some(token) = &state.token {
        let open = req.uri().path() == "/healthz";
        let presented = req
            .headers()
            .get(header::AUTHORIZATION)
            .map(HeaderValue::as_bytes);
        if !open && !token.accepts(presented) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
            )
                .into_response();
        }
    }
    let mut resp = next.run(req).await;
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(state): State<ServeState>) -> Response {
    match state.ready().await {
        Ok(()) => "ready\n".into_response(),
        Err(why) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: {why}\n"),
        )
            .into_response(),
    }
}

fn internal(e: &EngineError) -> Response {
    // The engine's messages carry no secrets; still, only the kind of
    // failure leaves the process, the rest goes to the log.
    tracing::warn!(error = %e, "serve: request failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error (see the service's log)\n",
    )
        .into_response()
}

async fn metrics_text(State(state): State<ServeState>) -> Response {
    match collect(&state, Utc::now()).await {
        Ok(snapshot) => (
            [(header::CONTENT_TYPE, metrics::CONTENT_TYPE)],
            metrics::render(&snapshot),
        )
            .into_response(),
        Err(e) => internal(&e),
    }
}

async fn status_json(State(state): State<ServeState>) -> Response {
    match status(&state.engine, Utc::now()).await {
        Ok(s) => axum::Json(s).into_response(),
        Err(e) => internal(&e),
    }
}

async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}
