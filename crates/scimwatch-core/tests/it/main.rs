//! The one integration-test binary of this crate (issue 19 item 9): every
//! file beside this one is a module, so the crate's tests link once.
//! Support code shared by several modules is declared here once.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and their helpers

mod common;

mod checklist;
mod contradictions;
mod evidence_rules;
mod fuzz;
mod graph_examples;
mod health_rules;
mod incidents;
mod incidents_manual;
mod issue17_diagnosis;
mod module_cycles;
mod one_definition;
mod scim_fixtures;
