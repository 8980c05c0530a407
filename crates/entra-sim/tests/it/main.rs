//! The one integration-test binary of this crate (issue 19 item 9): every
//! file beside this one is a module, so the crate's tests link once.
//! Support code shared by several modules is declared here once.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and their helpers

mod common;

mod auth;
mod demo;
mod extra_apps;
mod graph_shapes;
// Starts real SCIM servers through `entra_sim::testing`.
#[cfg(feature = "testing")]
mod interop;
mod log_shapes;
mod on_demand;
mod provisioning;
mod real_shapes;
mod slow;
mod tenants;
