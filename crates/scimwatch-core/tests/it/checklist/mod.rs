//! The troubleshooting checklist: each step's pass/fail/unknown, where to
//! start for the classic failures, remembered confirmations, deep links, report.
//! One file a subject; here the context and helpers they share.

// Fixture helpers outside #[test] fns unwrap fixed, known-good literals.
#![allow(clippy::unwrap_used)]

mod confirmations;
mod report;
mod start_here;
mod steps;

use scimwatch_core::checklist::{evaluate_checklist, ChecklistRun, Context};
use scimwatch_core::health::Observations;

use crate::common::now;

const SP: &str = "11111111-2222-3333-4444-555555555555";
const APP: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

fn ctx() -> Context {
    Context {
        connection_name: Some("Acme | prod".into()),
        tenant_id: Some("contoso.onmicrosoft.com".into()),
        service_principal_id: Some(SP.into()),
        app_id: Some(APP.into()),
        app_display_name: Some("Acme SCIM".into()),
        ..Default::default()
    }
}

fn run(o: &Observations) -> ChecklistRun {
    evaluate_checklist(o, &ctx(), &[], now())
}
