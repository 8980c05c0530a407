//! Acknowledge, resolve with a note, the evidence kept as of resolution, the
//! history (durations, paging, per connection) and the re-open of a hand
//! resolution whose live evidence still fails — the latter through the real
//! engine against the simulated tenant, as `diagnosis_sim` drives it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::graph_support;

use std::sync::Arc;

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use entra_sim::Fault;
use graph_support::{sim_config, Env};
use scimwatch_core::error::ErrorKind;
use scimwatch_core::health::{FindingKind, Observations, ScimCheckObservation, Verdict};
use scimwatch_core::incident::IncidentAction;
use scimwatch_core::{AuthMode, ConnectionInput, Sensitive};
use scimwatch_engine::connections::{add, SecretsInput};
use scimwatch_engine::diagnose::{diagnose, DiagnosisConfig};
use scimwatch_engine::monitor::{check_scim_due, diagnose_all};
use scimwatch_engine::notify::{Notifiers, RecordingNotifier};
use scimwatch_engine::poll_target::PollTarget;
use scimwatch_engine::poller::{poll_once, PollConfig};
use scimwatch_engine::secrets::MemoryStore;
use scimwatch_engine::store::incidents;
use scimwatch_engine::Store;

async fn setup(names: &[&str]) -> (Store, Vec<String>) {
    let store = Store::open_memory().await.unwrap();
    let secrets = MemoryStore::new();
    let mut ids = Vec::new();
    for name in names {
        let saved = add(
            &store,
            &secrets,
            &ConnectionInput {
                name: (*name).into(),
                scim_url: Some(format!(
                    "https://{}.example.com/scim/v2",
                    name.to_lowercase()
                )),
                ..Default::default()
            },
            &SecretsInput {
                scim_token: Some(Sensitive::new("t".into())),
                client_secret: None,
                client_certificate: None,
            },
            Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap(),
        )
        .await
        .unwrap();
        ids.push(saved.connection.id);
    }
    (store, ids)
}

fn refused(now: DateTime<Utc>, message: &str) -> Observations {
    Observations {
        scim_check: Some(ScimCheckObservation {
            ok: false,
            verdict: Verdict::Unauthorized,
            http_status: Some(401),
            checked_at: now,
            message: Some(message.into()),
        }),
        ..Default::default()
    }
}

fn utc() -> FixedOffset {
    FixedOffset::east_opt(0).unwrap()
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap()
}

#[tokio::test]
async fn acknowledging_stops_reminders_and_keeps_recovery() {
    let (store, ids) = setup(&["Acme"]).await;
    let id = &ids[0];
    let rec = RecordingNotifier::new();
    let cfg = DiagnosisConfig::default();
    diagnose(&store, id, &refused(t0(), "401"), &cfg, utc(), t0(), &rec)
        .await
        .unwrap();
    assert_eq!(rec.sent().len(), 1);
    let open = incidents::list(store.pool(), Some(id), true, 10)
        .await
        .unwrap();
    let v = incidents::acknowledge(
        store.pool(),
        open[0].id,
        "alex",
        t0() + Duration::minutes(1),
    )
    .await
    .unwrap();
    assert_eq!(v.incident.acknowledged.as_ref().unwrap().by, "alex");
    assert!(v.incident.is_active(), "acknowledged is still open");

    // Nine hours on: no reminder.
    let t1 = t0() + Duration::hours(9);
    diagnose(&store, id, &refused(t1, "401"), &cfg, utc(), t1, &rec)
        .await
        .unwrap();
    assert_eq!(rec.sent().len(), 1, "{:?}", rec.sent());
    // Recovery is still detected and notified.
    let t2 = t1 + Duration::minutes(5);
    let healthy = Observations {
        scim_check: Some(ScimCheckObservation {
            ok: true,
            verdict: Verdict::Ok,
            http_status: Some(200),
            checked_at: t2,
            message: None,
        }),
        mappings: Some(Default::default()),
        ..Default::default()
    };
    diagnose(&store, id, &healthy, &cfg, utc(), t2, &rec)
        .await
        .unwrap();
    assert!(
        rec.sent()[1].summary.contains("Recovered"),
        "{:?}",
        rec.sent()
    );
    let v = incidents::list(store.pool(), Some(id), false, 10)
        .await
        .unwrap();
    let r = v[0].incident.resolution.as_ref().unwrap();
    assert!(!r.by_hand);
    assert!(!r.evidence.is_empty(), "evidence as of resolution");
    // Acting on a resolved incident is a conflict, an unknown one not found.
    let e = incidents::acknowledge(store.pool(), v[0].id, "alex", t2)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict, "{e}");
    let e = incidents::resolve(store.pool(), 9_999, "alex", "x", t2)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
}

#[tokio::test]
async fn resolving_by_hand_keeps_who_when_note_and_the_evidence_then() {
    let (store, ids) = setup(&["Acme"]).await;
    let id = &ids[0];
    let rec = RecordingNotifier::new();
    let cfg = DiagnosisConfig::default();
    diagnose(
        &store,
        id,
        &refused(t0(), "first answer"),
        &cfg,
        utc(),
        t0(),
        &rec,
    )
    .await
    .unwrap();
    let open = incidents::list(store.pool(), Some(id), true, 10)
        .await
        .unwrap();
    let inc_id = open[0].id;
    let evidence_then = open[0].incident.evidence.clone();

    // A note is required, and said so.
    let e = incidents::resolve(store.pool(), inc_id, "alex", "  ", t0())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
    assert!(e.to_string().contains("note"), "{e}");

    let at = t0() + Duration::minutes(30);
    let v = incidents::resolve(
        store.pool(),
        inc_id,
        "alex",
        "Rotated the token in Entra.",
        at,
    )
    .await
    .unwrap();
    assert!(!v.incident.is_active());
    let r = v.incident.resolution.clone().unwrap();
    assert!(r.by_hand);
    assert_eq!(r.by.as_deref(), Some("alex"));
    assert_eq!(r.note.as_deref(), Some("Rotated the token in Entra."));
    assert_eq!(r.at, at);
    assert_eq!(r.evidence, evidence_then);
    // Kept in its own table too (the history's source).
    let (n, note, by_hand): (i64, String, bool) = sqlx::query_as(
        "SELECT count(*), max(note), max(by_hand) FROM incident_resolutions WHERE incident_id = ?",
    )
    .bind(inc_id)
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(
        (n, note.as_str(), by_hand),
        (1, "Rotated the token in Entra.", true)
    );
    // No recovery notification for a hand resolution.
    assert_eq!(rec.sent().len(), 1);

    // The next diagnosis sees the problem gone: the resolution stands.
    let t1 = at + Duration::minutes(5);
    let out = diagnose(
        &store,
        id,
        &Observations {
            scim_check: Some(ScimCheckObservation {
                ok: true,
                verdict: Verdict::Ok,
                http_status: Some(200),
                checked_at: t1,
                message: None,
            }),
            mappings: Some(Default::default()),
            ..Default::default()
        },
        &cfg,
        utc(),
        t1,
        &rec,
    )
    .await
    .unwrap();
    assert!(
        matches!(
            out.actions.as_slice(),
            [IncidentAction::ConfirmResolved { .. }]
        ),
        "{:?}",
        out.actions
    );
    assert_eq!(rec.sent().len(), 1, "nothing to tell");
    let v = incidents::list(store.pool(), Some(id), false, 10)
        .await
        .unwrap();
    assert_eq!(v.len(), 1);
    assert!(v[0].incident.resolution.as_ref().unwrap().followed_up);
    assert_eq!(v[0].reopened_as, None);
}

#[tokio::test]
async fn history_is_newest_first_paged_and_per_connection() {
    let (store, ids) = setup(&["Acme", "Wiki"]).await;
    let rec = RecordingNotifier::new();
    let cfg = DiagnosisConfig::default();
    // Five incidents on Acme, one on Wiki, each an hour apart; all but the
    // last resolved after 30 minutes.
    for k in 0..6i64 {
        let conn = if k == 3 { &ids[1] } else { &ids[0] };
        let at = t0() + Duration::hours(k);
        diagnose(&store, conn, &refused(at, "401"), &cfg, utc(), at, &rec)
            .await
            .unwrap();
        if k < 5 {
            let open = incidents::list(store.pool(), Some(conn), true, 10)
                .await
                .unwrap();
            incidents::resolve(
                store.pool(),
                open[0].id,
                "alex",
                &format!("fixed {k}"),
                at + Duration::minutes(30),
            )
            .await
            .unwrap();
            // Followed up: the next round sees it gone.
            let healthy_at = at + Duration::minutes(31);
            let healthy = Observations {
                scim_check: Some(ScimCheckObservation {
                    ok: true,
                    verdict: Verdict::Ok,
                    http_status: Some(200),
                    checked_at: healthy_at,
                    message: None,
                }),
                mappings: Some(Default::default()),
                ..Default::default()
            };
            diagnose(&store, conn, &healthy, &cfg, utc(), healthy_at, &rec)
                .await
                .unwrap();
        }
    }
    let now = t0() + Duration::hours(6);
    let p1 = incidents::history(store.pool(), Some(&ids[0]), None, 2, now)
        .await
        .unwrap();
    let notes: Vec<_> = p1.items.iter().map(|e| e.note.clone()).collect();
    assert_eq!(notes, [None, Some("fixed 4".to_string())], "newest first");
    assert_eq!(p1.items[0].resolved_at, None);
    assert_eq!(
        p1.items[0].duration_ms,
        Duration::hours(1).num_milliseconds(),
        "open: to now"
    );
    assert_eq!(
        p1.items[1].duration_ms,
        Duration::minutes(30).num_milliseconds()
    );
    assert_eq!(p1.items[1].resolved_by.as_deref(), Some("alex"));
    assert!(p1.items[1].resolved_by_hand);
    let p2 = incidents::history(
        store.pool(),
        Some(&ids[0]),
        p1.next_cursor.as_deref(),
        2,
        now,
    )
    .await
    .unwrap();
    let notes: Vec<_> = p2.items.iter().map(|e| e.note.clone().unwrap()).collect();
    assert_eq!(notes, ["fixed 2", "fixed 1"], "Wiki's (3) is not Acme's");
    let p3 = incidents::history(
        store.pool(),
        Some(&ids[0]),
        p2.next_cursor.as_deref(),
        2,
        now,
    )
    .await
    .unwrap();
    assert_eq!(p3.items.len(), 1);
    assert_eq!(p3.next_cursor, None, "the end");
    // All connections: six, Wiki's among them.
    let all = incidents::history(store.pool(), None, None, 100, now)
        .await
        .unwrap();
    assert_eq!(all.items.len(), 6);
    assert_eq!(all.items[2].connection_name, "Wiki");

    // Bad input, specific errors.
    for (cursor, limit, field) in [
        (Some("yesterday"), 10, "cursor"),
        (None, 0, "limit"),
        (None, 101, "limit"),
    ] {
        let e = incidents::history(store.pool(), None, cursor, limit, now)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Validation);
        match e {
            scimwatch_engine::EngineError::Validation(v) => assert_eq!(v.fields[0].field, field),
            other => panic!("{other}"),
        }
    }
    let e = incidents::history(store.pool(), Some("nope"), None, 10, now)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

/// Resolved by hand while the SCIM endpoint is still down: the next
/// diagnosis opens a new incident linked to it, and notifies.
#[tokio::test]
async fn a_hand_resolution_reopens_when_the_live_evidence_still_fails() {
    let cfg = entra_sim::SimConfig {
        clock: entra_sim::ClockKind::Manual(Some(Utc::now())),
        ..sim_config()
    };
    let env = Env::start(cfg, AuthMode::ClientSecret)
        .await
        .with_scim()
        .await;
    env.sim.run_cycle().await;
    let rec = Arc::new(RecordingNotifier::new());
    let notifier: Notifiers = rec.clone();
    let round = || async {
        poll_once(&env.engine, &PollConfig::default(), None)
            .await
            .unwrap();
        check_scim_due(
            &env.engine,
            std::time::Duration::ZERO,
            Some(&PollTarget::Every),
            Utc::now(),
        )
        .await;
        diagnose_all(
            &env.engine,
            &DiagnosisConfig::default(),
            &notifier,
            Utc::now(),
        )
        .await
        .unwrap()
    };
    round().await;
    env.sim.inject(Fault::ScimEndpointDown).unwrap();
    env.sim.run_cycle().await;
    round().await;
    let pool = env.engine.store.pool();
    let open = incidents::list(pool, Some(&env.row.uuid), true, 10)
        .await
        .unwrap();
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0].incident.kind, FindingKind::ScimDown);
    let first = open[0].id;
    incidents::resolve(
        pool,
        first,
        "alex",
        "Restarted the SCIM gateway.",
        Utc::now(),
    )
    .await
    .unwrap();
    let notified = rec.sent().len();

    round().await;
    let open = incidents::list(pool, Some(&env.row.uuid), true, 10)
        .await
        .unwrap();
    assert_eq!(open.len(), 1, "re-opened: {open:?}");
    assert_ne!(open[0].id, first, "a new incident");
    assert_eq!(open[0].reopened_from, Some(first));
    assert_eq!(rec.sent().len(), notified + 1);
    assert!(
        rec.sent()
            .last()
            .unwrap()
            .summary
            .contains("Still failing after it was resolved"),
        "{:?}",
        rec.sent().last()
    );
    let old = incidents::list(pool, Some(&env.row.uuid), false, 10)
        .await
        .unwrap()
        .into_iter()
        .find(|v| v.id == first)
        .unwrap();
    assert_eq!(old.reopened_as, Some(open[0].id));
    let r = old.incident.resolution.unwrap();
    assert!(r.reopened && r.followed_up);
    assert_eq!(r.note.as_deref(), Some("Restarted the SCIM gateway."));

    // Once: another round does not open a third.
    round().await;
    let all = incidents::list(pool, Some(&env.row.uuid), false, 10)
        .await
        .unwrap();
    assert_eq!(all.len(), 2, "{all:?}");
    let history = incidents::history(pool, Some(&env.row.uuid), None, 10, Utc::now())
        .await
        .unwrap();
    assert_eq!(history.items[0].reopened_from, Some(first));

    // One incident's history (the `incident_chain` command): the hand
    // resolution and its re-opening, oldest first, from either end.
    let second = history.items[0].id;
    for id in [first, second] {
        let chain = scimwatch_engine::api::incidents::incident_chain(&env.engine, id)
            .await
            .unwrap();
        let ids: Vec<i64> = chain.iter().map(|v| v.id).collect();
        assert_eq!(ids, vec![first, second], "from {id}");
    }
    let missing = scimwatch_engine::api::incidents::incident_chain(&env.engine, second + 100)
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    env.sim.shutdown().await;
}
