//! The simulator's configuration and the errors of its Rust API (model
//! layer: imported by every layer above, imports none of them).

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Errors of the simulator's Rust API.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// Binding or serving the loopback port failed.
    #[error("cannot serve on 127.0.0.1:{port}: {source}")]
    Bind {
        /// The requested port.
        port: u16,
        /// The cause.
        source: std::io::Error,
    },
    /// A fault could not be applied.
    #[error("cannot inject fault: {0}")]
    Fault(String),
    /// The operation needs a manual clock.
    #[error("this operation needs a manual clock (SimConfig::clock = ClockKind::Manual)")]
    NotManualClock,
    /// Something about the request was invalid.
    #[error("{0}")]
    Invalid(String),
}

/// Where the provisioning service pushes users and groups.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ScimTarget {
    /// The built-in in-memory SCIM target under `/scim/v2/`.
    #[default]
    BuiltIn,
    /// An external SCIM server (e.g. `scim2-server`).
    External {
        /// The Tenant URL (`BaseAddress`), e.g. `http://127.0.0.1:8080`.
        base_address: String,
        /// The bearer token (`SecretToken`).
        token: String,
    },
}

/// Which clock drives the simulated tenant.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ClockKind {
    /// Wall-clock time.
    #[default]
    Real,
    /// Wall-clock time sped up by a factor (demos).
    Scaled(f64),
    /// A clock that only moves via [`SimHandle::advance`] (tests). `None` starts at
    /// 2025-03-03T09:00:00Z.
    Manual(Option<DateTime<Utc>>),
}

/// A request rate: at most `requests` per `per` (real time).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub requests: u32,
    /// The window.
    pub per: std::time::Duration,
}

/// Graph throttling per endpoint family (`None` = unlimited).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimits {
    /// `auditLogs/provisioning` (Microsoft: 5 requests / 10 s per app per tenant).
    pub provisioning_logs: Option<RateLimit>,
    /// Directory reads (service principals, assignments, members).
    pub directory: Option<RateLimit>,
    /// Synchronization (jobs, schema, secrets, actions).
    pub synchronization: Option<RateLimit>,
}

impl Default for RateLimits {
    fn default() -> Self {
        let ten = std::time::Duration::from_secs(10);
        Self {
            provisioning_logs: Some(RateLimit {
                requests: 5,
                per: ten,
            }),
            directory: Some(RateLimit {
                requests: 1000,
                per: ten,
            }),
            synchronization: Some(RateLimit {
                requests: 300,
                per: ten,
            }),
        }
    }
}

impl RateLimits {
    /// No throttling at all (benchmarks).
    pub fn unlimited() -> Self {
        Self {
            provisioning_logs: None,
            directory: None,
            synchronization: None,
        }
    }
}

/// Everything needed to start a simulated tenant.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Seed for the generated tenant (same seed, same tenant).
    pub seed: u64,
    /// Number of users.
    pub users: usize,
    /// Number of groups.
    pub groups: usize,
    /// The job's schedule interval (Entra: 40 minutes).
    pub interval: std::time::Duration,
    /// Where provisioning pushes to.
    pub scim_target: ScimTarget,
    /// The clock.
    pub clock: ClockKind,
    /// Graph throttling.
    pub rate_limits: RateLimits,
    /// Loopback port (0 = any free port).
    pub port: u16,
    /// Whether the job starts On (Provisioning Status = On) right away.
    pub start_job: bool,
    /// Whether Graph requires a bearer token from the sign-in endpoints.
    pub require_auth: bool,
    /// Whether the tenant has Entra ID P1/P2 (without it the provisioning logs answer 403).
    pub premium: bool,
    /// Latency of every request to the built-in SCIM target.
    pub scim_latency: std::time::Duration,
    /// The built-in target's token expires this long after start (`None` = never).
    pub scim_token_ttl: Option<std::time::Duration>,
    /// Timeout of the provisioning service's SCIM requests.
    pub scim_timeout: std::time::Duration,
    /// Users changed in the directory before each cycle (a lively demo).
    pub churn_per_cycle: u32,
    /// Lifetime of access tokens (simulated time).
    pub access_token_lifetime: std::time::Duration,
    /// Application permissions granted to the client app (client credentials `roles`).
    pub app_permissions: Vec<String>,
    /// Delegated permissions the admin consented to (for `.default`).
    pub delegated_permissions: Vec<String>,
    /// A certificate registered on the client app: client credentials may
    /// then sign an assertion with its key instead of sending the secret.
    pub client_certificate: Option<crate::assertion::SimCertificate>,
    /// More provisioning apps in the tenant, each with its own job and its
    /// events in the one tenant-wide log (`crate::apps`; default none).
    /// With [`SimConfig::tenants`] above 1, every tenant gets this many.
    pub extra_apps: usize,
    /// Tenants served by this one process (`crate::tenants`; default 1, the
    /// tenant of `seed`). The token endpoint's `/{tenant}/` picks the
    /// tenant, its access token carries it (`tid`), and Graph answers from
    /// that tenant's apps, jobs and log.
    pub tenants: usize,
    /// Latency added to every Graph (`/v1.0/`) request (default none): a
    /// real Graph answers in ~100–300 ms.
    pub graph_latency: std::time::Duration,
}

/// The read-only permissions a monitor needs.
pub fn read_permissions() -> Vec<String> {
    [
        "Application.Read.All",
        "Synchronization.Read.All",
        "AuditLog.Read.All",
        "Directory.Read.All",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            users: 50,
            groups: 6,
            interval: std::time::Duration::from_secs(40 * 60),
            scim_target: ScimTarget::BuiltIn,
            clock: ClockKind::Real,
            rate_limits: RateLimits::default(),
            port: 0,
            start_job: true,
            require_auth: true,
            premium: true,
            scim_latency: std::time::Duration::ZERO,
            scim_token_ttl: None,
            scim_timeout: std::time::Duration::from_secs(30),
            churn_per_cycle: 0,
            access_token_lifetime: std::time::Duration::from_secs(3600),
            app_permissions: read_permissions(),
            delegated_permissions: read_permissions(),
            client_certificate: None,
            extra_apps: 0,
            tenants: 1,
            graph_latency: std::time::Duration::ZERO,
        }
    }
}

impl SimConfig {
    /// A configuration for tests: manual clock, small tenant, no auth required,
    /// no throttling.
    pub fn for_tests() -> Self {
        Self {
            users: 20,
            groups: 4,
            clock: ClockKind::Manual(None),
            require_auth: false,
            rate_limits: RateLimits::unlimited(),
            scim_timeout: std::time::Duration::from_secs(5),
            ..Self::default()
        }
    }
}

/// What a client needs to reach the simulated tenant (printed by `--demo`).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct DemoInfo {
    /// Base of the sign-in endpoints (`{login_url}/{tenant}/oauth2/v2.0/token`).
    pub login_url: String,
    /// Base of Graph (`{graph_url}/v1.0/servicePrincipals`).
    pub graph_url: String,
    /// The tenant id.
    pub tenant_id: String,
    /// The client (application) id to sign in with.
    pub client_id: String,
    /// The client secret for the client-credentials grant.
    pub client_secret: String,
    /// The provisioning app's display name.
    pub app_display_name: String,
    /// The provisioning app's service principal object id.
    pub service_principal_id: String,
    /// The provisioning job id (`scim.<hex>`).
    pub job_id: String,
    /// The built-in SCIM target's base URL.
    pub scim_url: String,
    /// The built-in SCIM target's bearer token.
    pub scim_token: String,
    /// Base of the control endpoints (`/_sim`).
    pub control_url: String,
}
