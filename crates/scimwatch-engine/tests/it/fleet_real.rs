//! The tenant card's verdict on a real job body (issue 21; every diagnosis
//! is tested on real shapes, not only the simulator's): the quarantined job
//! a real tenant returned (`tests/fixtures/graph-real/
//! synchronizationjob-quarantine-scim-invalidcredentials-2021.json`), parsed
//! by the poller's own parser and stored as the poller stores it, puts its
//! app first in the tenant's list, says "quarantined" and counts the tenant
//! as in trouble — with and without `status.quarantine.error` (real
//! quarantines often come without it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Utc;
use scimwatch_engine::graph::sync::job_snapshot;
use scimwatch_engine::store::jobs;

use super::fleet_sim::start;
use super::graph_support::replay::real_quarantine;

#[tokio::test]
async fn a_real_quarantined_job_puts_its_app_first_and_the_tenant_in_trouble() {
    for without_error in [false, true] {
        let f = start(2).await;
        f.sim.run_cycle().await;
        f.poll().await;
        let before = f.summary().await;
        assert_eq!(before.watched, 3, "{before:?}");
        assert_eq!(before.in_trouble, 0, "all three jobs read and active first");
        // "Litware Wiki" is second by name among the healthy apps, so it
        // comes first below only by its verdict.
        let wiki = f.app("Litware Wiki").await;
        assert_eq!(wiki.state, "active");
        let (_, snap) = job_snapshot(real_quarantine(without_error).as_bytes())
            .expect("the poller parses the real job body");
        let id = f.row_id(&wiki.connection.id).await;
        jobs::record_job_status(
            f.engine.store.pool(),
            id,
            &snap,
            Utc::now().timestamp_millis(),
        )
        .await
        .unwrap();

        let after = f.summary().await;
        let first = &after.apps[0];
        assert_eq!(first.connection.id, wiki.connection.id, "{after:?}");
        assert_eq!(first.rank, 0);
        assert_eq!(
            first.state, "quarantined (EncounteredQuarantineException)",
            "the reason is Microsoft's, as the body has it"
        );
        assert_eq!(after.in_trouble, 1, "{after:?}");
        assert_eq!(after.watched, 3);
        assert!(
            after.apps[1..].iter().all(|a| a.state == "active"),
            "{after:?}"
        );
        // In trouble, it is read at the shorter interval: the plan costs
        // more than with every job steady.
        assert!(
            after.planned_per_hour > before.planned_per_hour,
            "{} vs {}",
            after.planned_per_hour,
            before.planned_per_hour
        );
    }
}
