//! The half of the engine that watches the SaaS's SCIM endpoint.
//!
//! - [`client`] — a careful SCIM HTTP client: Tenant URL normalisation, token
//!   hygiene, capped bodies, timeouts, `Retry-After`, redacted exchanges.
//! - [`test_connection`] — Entra's Test Connection replayed ([`check_connection`],
//!   [`test_token`]) and the token's status ([`token_status`]).
//! - [`discover`] — discovery endpoints and the compliance report.
//! - [`crawl`] — inventory crawl with adaptive concurrency, stored as delta
//!   snapshots ([`crate::store::inventory`]).
//! - `server_memory` — what crawls learnt about each server's concurrency,
//!   for its next crawl.
//! - [`drift`] — Entra's assigned users against the latest inventory.
//! - [`probe`] — the opt-in write probe: Entra's requests replayed with
//!   throwaway objects, every effect read back, always cleaned up.

pub mod check_result;
pub mod client;
pub mod crawl;
pub mod discover;
pub mod drift;
mod error;
pub mod probe;
mod server_memory;
pub mod test_connection;

pub use client::{ClientConfig, Exchange, Header, ScimClient, ScimResponse};
pub use crawl::{
    run_inventory, CancelFlag, CrawlConfig, CrawlMode, CrawlOutcome, CrawlProgress, CrawlStats,
};
pub use discover::{discover, ComplianceFinding, ComplianceReport, Evidence};
pub use error::ScimError;
pub use test_connection::{
    check_connection, test_token, token_status, CheckResult, TokenSource, TokenStatus, Verdict,
};
