//! Watching Entra through Microsoft Graph: sign-in, the HTTP client, app
//! discovery, reading the job/schema/assignments/secrets, ingesting the
//! provisioning logs, and mapping what is stored to health observations.
//!
//! - [`http`] — transport: https-only (loopback excepted), caps, `Retry-After`.
//! - [`auth`] — client credentials, auth code + PKCE, device code, refresh rotation.
//! - [`client`] — [`GraphClient`]: token cache, retries, log rate gate, paging.
//! - [`discovery`] — find the enterprise app and its provisioning job.
//! - [`sync`] — read job status, schema, assignments, secrets; store snapshots.
//! - [`logs`] — incremental provisioning-log ingest and [`logs::backfill_logs`].
//! - [`tenant_logs`] — an all-apps tenant's one log stream, each event routed to its app.
//! - [`observe`] — stored state → `scimwatch_core::health` observations, status report.

pub mod auth;
pub mod cert;
pub mod client;
pub mod discovery;
mod error;
mod family;
pub mod http;
pub mod logs;
pub mod observe;
pub mod sync;
pub mod tenant_logs;

pub use auth::{GraphTarget, SignInOutcome};
pub use client::{ClientOptions, Family, GraphClient};
pub use discovery::{discover_and_store, discover_app, Discovery};
pub use error::GraphError;
pub use logs::{backfill_logs, ingest_logs, IngestOutcome, LogIngestConfig};
