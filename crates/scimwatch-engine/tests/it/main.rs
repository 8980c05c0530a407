//! The one integration-test binary of this crate (issue 19 item 9): every
//! file beside this one is a module, so the crate's tests link once.
//! Support code shared by several modules is declared here once.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and their helpers

mod crawl_registry;
mod graph_support;
#[path = "alerts_support/receiver.rs"]
mod receiver;
mod scim_fixture;
#[path = "alerts_support/smtp_sink.rs"]
mod smtp_sink;

mod alerts;
mod bindings;
mod diagnosis_sim;
mod drift_sim;
mod event_raw_blocks;
mod fault_matrix;
mod fleet_fanout;
mod fleet_real;
mod fleet_sim;
mod graph_backfill;
mod graph_certificate;
mod graph_real;
mod graph_sim;
mod incidents_manual;
mod inventory_browse;
mod mappings_declared;
mod poller_sim;
mod probe_app;
mod probe_interop;
mod probe_plan;
mod probe_sim;
mod remediation;
mod scim_check;
mod scim_compliance;
mod scim_crawl;
mod secrets_scan;
mod sign_in_loopback;
mod signin;
mod sim_misbehaviours;
mod sim_real_shapes;
mod stream_health;
mod test_unsaved;
mod tls_checks;
mod trace;
mod transport;
mod upgrade;
mod verdict_matrix;
mod watch_loop;
