//! The engine's one crawl registry (issue 19 item 1): a scheduled crawl is
//! cancelled by its connection (the app's Cancel), an admin's crawl takes
//! the place of a scheduled one instead of waiting behind it, a scheduled
//! crawl's progress is published for the app, and a second admin's crawl
//! is refused while one runs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::scim_fixture;

use std::time::{Duration, Instant};

use chrono::Utc;
use scim_fixture::{add_connection, engine, with_users, Behaviour, Fixture, TOKEN};
use scimwatch_engine::scim::crawl::{
    self, run_inventory, run_inventory_as, CancelFlag, CrawlConfig, CrawlOrigin,
};
use scimwatch_engine::scim::ScimError;
use scimwatch_engine::store::{connections as rows, inventory};
use scimwatch_engine::Engine;

/// A server slow enough that a crawl of it lasts a few seconds: 400 users
/// in pages of 10 at 40 ms a page.
async fn slow_server() -> Fixture {
    Fixture::start(Behaviour {
        latency: Duration::from_millis(40),
        ..with_users(400)
    })
    .await
}

fn small_pages() -> CrawlConfig {
    CrawlConfig {
        page_size: 10,
        include_groups: false,
        ..CrawlConfig::default()
    }
}

async fn row_id(eng: &Engine, uuid: &str) -> i64 {
    rows::require(eng.store.pool(), uuid).await.unwrap().id
}

/// Start a scheduled crawl of `uuid` and wait until the registry has it.
async fn scheduled(
    eng: &Engine,
    uuid: &str,
) -> tokio::task::JoinHandle<Result<crawl::CrawlOutcome, ScimError>> {
    let (e, u) = (eng.clone(), uuid.to_string());
    let task = tokio::spawn(async move {
        run_inventory_as(
            &e,
            &u,
            &small_pages(),
            None,
            &CancelFlag::new(),
            Utc::now(),
            CrawlOrigin::Scheduled,
        )
        .await
    });
    let id = row_id(eng, uuid).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while eng.crawls().running(id) != Some(CrawlOrigin::Scheduled) {
        assert!(
            Instant::now() < deadline,
            "the scheduled crawl never started"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    task
}

#[tokio::test]
async fn a_scheduled_crawl_is_cancelled_by_its_connection_and_shows_its_progress() {
    let fx = slow_server().await;
    let eng = engine().await;
    let uuid = add_connection(&eng, "Slow", &fx.url, TOKEN).await;
    let mut progress = eng.crawls().subscribe();
    let task = scheduled(&eng, &uuid).await;
    // Its progress reaches whoever listens (the app's Inventory screen).
    let e = tokio::time::timeout(Duration::from_secs(10), progress.recv())
        .await
        .expect("a scheduled crawl publishes its progress")
        .unwrap();
    assert_eq!(e.connection_id, uuid);

    assert!(
        crawl::cancel(&eng, "slow").await.unwrap(),
        "by name, any case"
    );
    let out = task.await.unwrap();
    assert!(matches!(out, Err(ScimError::Cancelled)), "{out:?}");
    // Its end is published too: the app has no command to wait for.
    let last = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match progress.recv().await {
                Ok(e) if e.progress.phase == "cancelled" => break e,
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(e) => panic!("{e}"),
            }
        }
    })
    .await
    .expect("the crawl's end is published");
    assert_eq!(last.connection_id, uuid);
    assert_eq!(eng.crawls().running(row_id(&eng, &uuid).await), None);
    assert!(
        !crawl::cancel(&eng, &uuid).await.unwrap(),
        "nothing runs now"
    );
    let snaps = inventory::list(eng.store.pool(), row_id(&eng, &uuid).await, 5)
        .await
        .unwrap();
    assert_eq!(snaps[0].state, "cancelled", "{snaps:?}");
    assert!(
        crawl::cancel(&eng, "no such connection").await.is_err(),
        "an unknown connection is named as such"
    );
}

#[tokio::test]
async fn an_admins_crawl_takes_the_place_of_a_scheduled_one() {
    let fx = slow_server().await;
    let eng = engine().await;
    let uuid = add_connection(&eng, "Slow", &fx.url, TOKEN).await;
    let task = scheduled(&eng, &uuid).await;

    let out = run_inventory(
        &eng,
        &uuid,
        &small_pages(),
        None,
        &CancelFlag::new(),
        Utc::now(),
    )
    .await
    .expect("the admin's crawl is not refused while a scheduled one runs");
    assert_eq!(out.users, 400);
    let scheduled = task.await.unwrap();
    assert!(
        matches!(scheduled, Err(ScimError::Cancelled)),
        "the scheduled crawl gave way: {scheduled:?}"
    );
}

#[tokio::test]
async fn a_second_admins_crawl_is_refused_while_one_runs() {
    let fx = slow_server().await;
    let eng = engine().await;
    let uuid = add_connection(&eng, "Slow", &fx.url, TOKEN).await;
    let (e, u) = (eng.clone(), uuid.clone());
    let first = tokio::spawn(async move {
        run_inventory(&e, &u, &small_pages(), None, &CancelFlag::new(), Utc::now()).await
    });
    let id = row_id(&eng, &uuid).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while eng.crawls().running(id) != Some(CrawlOrigin::Manual) {
        assert!(Instant::now() < deadline, "the first crawl never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let second = run_inventory(
        &eng,
        &uuid,
        &small_pages(),
        None,
        &CancelFlag::new(),
        Utc::now(),
    )
    .await;
    assert!(
        matches!(second, Err(ScimError::AlreadyRunning { .. })),
        "{second:?}"
    );
    // A scheduled crawl never takes an admin's place either.
    let sched = run_inventory_as(
        &eng,
        &uuid,
        &small_pages(),
        None,
        &CancelFlag::new(),
        Utc::now(),
        CrawlOrigin::Scheduled,
    )
    .await;
    assert!(
        matches!(sched, Err(ScimError::AlreadyRunning { .. })),
        "{sched:?}"
    );
    assert_eq!(first.await.unwrap().unwrap().users, 400);
}
