//! entra-sim: a simulated Microsoft Entra ID tenant on loopback.
//!
//! One axum server on `127.0.0.1` serves:
//! - Microsoft Graph v1.0 under `/v1.0/` (service principals, synchronization
//!   jobs, schema, secrets, app role assignments, group members, provisioning
//!   logs, job actions), in Graph's exact shapes and error envelope;
//! - sign-in endpoints shaped like the identity platform v2.0 under
//!   `/{tenant}/oauth2/v2.0/` (auth code + PKCE, refresh with rotation, client
//!   credentials, device code);
//! - a built-in SCIM 2.0 target under `/scim/v2/`;
//! - control endpoints under `/_sim/` (faults, run a cycle, advance a manual clock);
//! - with `SimConfig::tenants` above 1, many tenants, picked as Microsoft
//!   picks them (the token endpoint's path, then the token; `tenants`).
//!
//! Behind it runs a simulated provisioning service that pushes in-scope users
//! and groups to the app's SCIM endpoint on a schedule and records what it did
//! the way Entra does (job status, quarantine, provisioning logs).
//!
//! ```no_run
//! # async fn demo() -> Result<(), entra_sim::SimError> {
//! let sim = entra_sim::Sim::start(entra_sim::SimConfig::for_tests()).await?;
//! sim.run_cycle().await;
//! println!("{}", serde_json::to_string(&sim.info()).unwrap_or_default());
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

pub mod apps;
pub mod assertion;
pub mod auth;
pub mod clock;
mod config;
mod control;
pub mod fault;
mod graph;
pub mod job;
pub mod logs;
pub mod provision;
pub mod scim;
mod server;
pub mod sim;
mod state;
pub mod tenant;
pub mod tenants;
#[cfg(feature = "testing")]
pub mod testing;

pub use assertion::SimCertificate;
pub use clock::{Clock, ManualClock, RealClock, ScaledClock};
pub use fault::{Fault, GraphFamily};
pub use provision::CycleReport;
/// The path `scim::misbehave` had before `scim/`.
pub use scim::misbehave as scim_misbehave;
pub use sim::{
    read_permissions, ClockKind, DemoInfo, RateLimit, RateLimits, ScimTarget, Sim, SimConfig,
    SimError, SimHandle,
};
pub use tenant::{generate_tenant, Tenant};
pub use tenants::{EndpointCount, TenantHandle};
