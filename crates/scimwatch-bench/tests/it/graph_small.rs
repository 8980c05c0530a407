//! The Graph-side figures at a small size: a correctness check (every event
//! stored once, the queries answer, the poller's log requests stay 2 s
//! apart); the numbers are not asserted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use scimwatch_bench::{graph, Size};

#[test]
fn graph_figures_run_small() {
    let figs = graph::figures(Size::Small);
    assert_eq!(figs.len(), 5, "{figs:#?}");
    for f in &figs {
        assert!(f.value.is_finite() && f.value >= 0.0, "{f:?}");
    }
    // The gate is a correctness property, not a speed: it must hold.
    let gap = figs
        .iter()
        .find(|f| f.name.starts_with("minimum gap"))
        .unwrap();
    assert!(gap.value >= 2.0, "{gap:?}");
    let md = scimwatch_bench::report(&figs, "test");
    assert!(md.contains("provisioning-log backfill of 3000 events"));
}
