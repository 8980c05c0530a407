//! The fleet figure at a small size (3 tenants × 2 apps, `serve` polling
//! every 20 s, a 60 s window; about 3 min): a correctness check that every part runs —
//! the first full status of every job, CPU and memory read, requests
//! counted, a quarantine reaching the webhook receiver, the status of every
//! connection timed. The numbers are not asserted. Needs `scimwatch-cli` built next to this test's executable.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use scimwatch_bench::{fleet, Size};

#[test]
fn fleet_figure_runs_small() {
    let figs = fleet::figures(Size::Small);
    assert!(figs.iter().all(|f| !f.could_not_run()), "{figs:#?}");
    assert_eq!(figs.len(), 6, "{figs:#?}");
    for f in &figs {
        assert!(f.value.is_finite() && f.value >= 0.0, "{f:?}");
    }
    // Every part ran to its end: all 6 jobs had a state, the alert came.
    assert!(!figs[0].name.contains("only "), "{:?}", figs[0]);
    assert!(
        figs[3].name.contains("received by the webhook receiver"),
        "{:?}",
        figs[3]
    );
    assert!(
        figs[3].name.contains("quarantined in the sim: true"),
        "{:?}",
        figs[3]
    );
    // Requests were counted, the provisioning logs among them.
    assert!(figs[2].value > 0.0, "{:?}", figs[2]);
    assert!(
        figs[2].name.contains("/v1.0/auditLogs/provisioning"),
        "{:?}",
        figs[2]
    );
    // The status of every connection was read after the window.
    assert!(
        figs[5]
            .name
            .contains("`/api/v1/status` of all 9 connections"),
        "{:?}",
        figs[5]
    );
    let md = scimwatch_bench::report(&figs, "test");
    assert!(md.contains("fleet 3 tenants × 2 apps"), "{md}");
}
