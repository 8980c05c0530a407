//! The one integration-test binary of this crate (issue 19 item 9): every
//! file beside this one is a module, so the crate's tests link once.
//! Support code shared by several modules is declared here once.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and their helpers

mod common;
#[path = "../../../scimwatch-engine/tests/it/alerts_support/receiver.rs"]
mod receiver;
mod serve_support;

mod alerts_cli;
mod check_sim;
mod cli;
mod could_not_check;
mod crash;
mod data_folder;
mod entra_cli;
mod fleet_cli;
mod hardening;
mod probe_cli;
mod prometheus_e2e;
mod remediation_cli;
mod serve;
mod status_quarantine;
mod status_streams;
mod tls_proxy;
