//! The whole detection path through the real engine against the simulated
//! tenant: poll Graph, test the SCIM endpoint, diagnose, open one incident
//! with one notification, point the checklist at the failing step, recover.
//! Table-driven over the faults the simulator injects.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "graph_support/mod.rs"]
mod graph_support;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use entra_sim::{Fault, GraphFamily};
use graph_support::{fast_http, sim_config, Env};
use scimwatch_core::health::FindingKind;
use scimwatch_core::incident::IncidentAction;
use scimwatch_core::AuthMode;
use scimwatch_engine::diagnose::{DiagnosisConfig, DiagnosisOutcome};
use scimwatch_engine::graph::client::ClientOptions;
use scimwatch_engine::graph::http::HttpConfig;
use scimwatch_engine::monitor::{check_scim_due, diagnose_all, run_checklist};
use scimwatch_engine::notify::{Notifiers, RecordingNotifier};
use scimwatch_engine::poller::{poll_once, PollConfig};
use scimwatch_engine::store::incidents;

fn poll_cfg() -> PollConfig {
    PollConfig {
        // Small pages, so a looping `@odata.nextLink` is met.
        logs: scimwatch_engine::graph::logs::LogIngestConfig {
            page_size: 5,
            ..Default::default()
        },
        client: ClientOptions {
            http: HttpConfig {
                max_retries: 0,
                ..fast_http()
            },
            log_gate: Duration::from_millis(10),
            observer: None,
        },
        ..PollConfig::default()
    }
}

async fn env_with_both_sides() -> Env {
    env_starting_at(Utc::now()).await
}

/// The simulated clock starts at `start`: diagnosis judges staleness against
/// the machine's clock, as it does in production, so `start` is the real time
/// unless a test needs history behind it.
async fn env_starting_at(start: chrono::DateTime<Utc>) -> Env {
    let cfg = entra_sim::SimConfig {
        clock: entra_sim::ClockKind::Manual(Some(start)),
        ..sim_config()
    };
    Env::start(cfg, AuthMode::ClientSecret)
        .await
        .with_scim()
        .await
}

/// Poll both sides and diagnose; returns the actions taken.
async fn round(env: &Env, notifier: &Notifiers) -> Vec<IncidentAction> {
    full_round(env, notifier)
        .await
        .into_iter()
        .flat_map(|o| o.actions)
        .collect()
}

async fn full_round(env: &Env, notifier: &Notifiers) -> Vec<DiagnosisOutcome> {
    poll_once(&env.engine, &poll_cfg(), None).await.unwrap();
    assert!(
        check_scim_due(&env.engine, Duration::ZERO, true, Utc::now())
            .await
            .is_empty()
    );
    let all = diagnose_all(
        &env.engine,
        &DiagnosisConfig::default(),
        notifier,
        Utc::now(),
    )
    .await
    .unwrap();
    all.into_iter().map(|(_, o)| o).collect()
}

/// A toast: one line of what is wrong (the summary), one line of what to
/// do (the body), no API paths, no secret of the tenant.
fn assert_toast(env: &Env, n: &scimwatch_engine::notify::Notification) {
    let info = env.sim.info();
    for text in [&n.summary, &n.body] {
        assert!(!text.contains('\n'), "one line: {text:?}");
        assert!(
            !text.contains("POST") && !text.contains("…/"),
            "no API path: {text:?}"
        );
        assert!(!text.contains(&info.scim_token), "secret in {text:?}");
        assert!(!text.contains(&info.client_secret), "secret in {text:?}");
    }
    assert!(n.body.chars().count() <= 160, "{:?}", n.body);
}

fn opened(actions: &[IncidentAction]) -> Vec<FindingKind> {
    actions
        .iter()
        .filter_map(|a| match a {
            IncidentAction::Open { finding, .. } => Some(finding.kind),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn each_fault_opens_its_incident_and_the_checklist_finds_the_step() {
    // (fault, incident kind expected, first failing checklist step)
    let table: Vec<(Fault, FindingKind, &str)> = vec![
        (
            Fault::GroupsMappingDisabled,
            FindingKind::GroupsMappingDisabled,
            "groups_mapping",
        ),
        (
            Fault::UsersMappingDisabled,
            FindingKind::UsersMappingDisabled,
            "users_mapping",
        ),
        (
            Fault::ProvisioningPaused,
            FindingKind::ProvisioningOff,
            "provisioning_on",
        ),
        (
            Fault::GroupsNotAssigned,
            FindingKind::NoGroupsAssigned,
            "groups_assigned",
        ),
        (
            Fault::ScimTokenExpired,
            FindingKind::ScimTestFailed,
            "token_valid",
        ),
        (
            Fault::WrongTenantUrl,
            FindingKind::TenantUrlMismatch,
            "tenant_url",
        ),
        (
            Fault::ScimHtmlPage,
            FindingKind::ScimTestFailed,
            "tenant_url",
        ),
        (
            Fault::MassDeletes { count: None },
            FindingKind::Quarantine,
            "groups_assigned",
        ),
        // Entra notices a bad credential or an unreachable endpoint only when a
        // cycle has work to do: each round below adds a new hire first.
        (
            Fault::ScimTokenRevoked,
            FindingKind::Quarantine,
            "token_valid",
        ),
        // Down for Entra and for scimwatch alike (issue 17, defect 15): the
        // unreachable endpoint explains the quarantine, it is not a token
        // problem.
        (Fault::ScimEndpointDown, FindingKind::ScimDown, "tenant_url"),
        // A quarantine without quarantine.error, the cause
        // (…InvalidCredentials) only in lastExecution.error, as a real
        // tenant sent it (issue 17, defect 6).
        (
            Fault::ScimInvalidCredentials,
            FindingKind::Quarantine,
            "token_valid",
        ),
    ];
    for (fault, kind, step) in table {
        let env = env_with_both_sides().await;
        env.sim.run_cycle().await;
        let rec = Arc::new(RecordingNotifier::new());
        let notifier: Notifiers = rec.clone();

        let healthy = round(&env, &notifier).await;
        assert!(
            opened(&healthy).is_empty(),
            "healthy tenant opened {:?} before {fault:?}",
            opened(&healthy)
        );

        env.sim.inject(fault.clone()).unwrap();
        env.sim.modify_tenant(|t, now| {
            t.add_user("New", "Hire", true, now);
        });
        env.sim.run_cycle().await;
        let actions = round(&env, &notifier).await;
        // One fault, one incident, one notification (issue 17, defect 17):
        // related findings are evidence of the incident.
        assert_eq!(opened(&actions), vec![kind], "{fault:?}");
        let sent = rec.sent();
        assert_eq!(sent.len(), 1, "{fault:?}: {sent:?}");
        assert_eq!(
            sent[0].incident_kind.as_deref(),
            Some(kind.as_str()),
            "{fault:?}: {sent:?}"
        );
        assert_toast(&env, &sent[0]);
        // The same problem on the next round: no second notification.
        let before = rec.sent().len();
        round(&env, &notifier).await;
        assert_eq!(rec.sent().len(), before, "{fault:?}: notified twice");

        let view = run_checklist(&env.engine, &env.row.uuid, Utc::now())
            .await
            .unwrap();
        assert_eq!(view.run.first_failing.as_deref(), Some(step), "{fault:?}");
        assert!(
            view.report_markdown.contains(step)
                || view.report_markdown.contains(&view.run.steps[0].title)
        );

        // Fixed: the incident resolves with a recovery notification.
        env.sim.clear_faults();
        env.sim.run_cycle().await;
        round(&env, &notifier).await;
        let active = incidents::list(env.engine.store.pool(), Some(&env.row.uuid), true, 50)
            .await
            .unwrap();
        assert!(
            !active.iter().any(|v| v.incident.kind == kind),
            "{fault:?}: still active after the fix: {active:?}"
        );
        assert!(
            rec.sent().iter().any(|n| n.summary.contains("Recovered")),
            "{fault:?}: no recovery notification"
        );
        env.sim.shutdown().await;
    }
}

/// What a fault should produce.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// An incident of this kind (and its notification).
    Incident(FindingKind),
    /// A finding shown on the health card, too mild for an incident.
    Finding(FindingKind),
    /// Nothing: the monitor copes (a slow target, a lost assignment, a loop it breaks).
    Nothing,
}

/// The rest of the simulator's faults: the ones whose symptom is not a
/// configuration step (entry failures, throttling, Graph outages, a stalled
/// job, a tenant without P1/P2), each with what the admin should see and the
/// checklist's first failing step (`None`: the checklist fails nothing, and
/// the steps listed as unknown say why they cannot judge).
#[tokio::test]
async fn every_other_fault_has_its_expected_outcome() {
    let all = || GraphFamily::default();
    let table: Vec<(Fault, Expect, Option<&str>, &[&str])> = vec![
        (
            Fault::UserUnassigned { user_id: None },
            Expect::Nothing,
            None,
            &[],
        ),
        (
            Fault::ScimServerError,
            Expect::Incident(FindingKind::EscrowsRising),
            Some("last_cycle_errors"),
            &[],
        ),
        (
            // The conflicting user is named; the conflicts explain the
            // failing entries (issue 17, defect 16).
            Fault::DuplicateUserConflict,
            Expect::Incident(FindingKind::Conflicts),
            Some("conflicts_duplicates"),
            &[],
        ),
        (
            Fault::ScimSlow { latency_ms: 200 },
            Expect::Nothing,
            None,
            &[],
        ),
        (Fault::ScimIgnoresStartIndex, Expect::Nothing, None, &[]),
        (
            Fault::StalledJob,
            Expect::Incident(FindingKind::Stalled),
            Some("changes_take_time"),
            &[],
        ),
        (
            Fault::NonPremiumTenant,
            Expect::Finding(FindingKind::LogsUnavailable),
            None,
            &["last_cycle_errors", "skipped_users", "conflicts_duplicates"],
        ),
        (
            Fault::GraphThrottling {
                family: all(),
                retry_after_secs: 0.2,
                count: None,
            },
            Expect::Incident(FindingKind::GraphBlind),
            None,
            &["changes_take_time"],
        ),
        (
            Fault::GraphServerError {
                family: all(),
                status: 503,
                count: None,
            },
            Expect::Incident(FindingKind::GraphBlind),
            None,
            &["changes_take_time"],
        ),
        (
            Fault::GraphSlow {
                family: all(),
                latency_ms: 200,
            },
            Expect::Nothing,
            None,
            &[],
        ),
        (
            Fault::GraphHtmlPage { family: all() },
            Expect::Incident(FindingKind::GraphBlind),
            None,
            &["changes_take_time"],
        ),
        (
            Fault::GraphMalformedJson { family: all() },
            Expect::Incident(FindingKind::GraphBlind),
            None,
            &["changes_take_time"],
        ),
        (
            Fault::GraphTruncatedJson { family: all() },
            Expect::Incident(FindingKind::GraphBlind),
            None,
            &["changes_take_time"],
        ),
        (Fault::GraphNextLinkLoop, Expect::Nothing, None, &[]),
        (
            // A missing permission or role on the synchronization API (401
            // UnknownError, empty message): said as such, the job steps
            // could not check (issue 17, defect 2).
            Fault::SynchronizationPermissionMissing,
            Expect::Incident(FindingKind::GraphBlind),
            None,
            &["changes_take_time", "quarantine", "provisioning_on"],
        ),
        (
            // The watched job was deleted: Graph answers 404 on the job
            // alone. Blind on the job, naming the 404 (issue 17, defect 5);
            // the configuration and the logs keep their own health.
            Fault::JobNotFound,
            Expect::Incident(FindingKind::GraphBlind),
            None,
            &["changes_take_time"],
        ),
        // The SCIM target misbehaving as open-source servers do (issue 17):
        // Entra's lookups (`userName eq` as Entra spells it, `displayName eq`
        // with excludedAttributes=members) and the monitor's Test Connection
        // (a GUID nobody has) never meet these, so nothing Entra-side opens;
        // `discover` reports them (sim_misbehaviours.rs).
        (
            Fault::ScimIgnoresPaging { page_size: 10 },
            Expect::Nothing,
            None,
            &[],
        ),
        (
            Fault::ScimIgnoresCount { page_size: 10 },
            Expect::Nothing,
            None,
            &[],
        ),
        (Fault::ScimUserNameCaseSensitive, Expect::Nothing, None, &[]),
        (
            Fault::ScimAttributeNamesCaseSensitive,
            Expect::Nothing,
            None,
            &[],
        ),
        (
            Fault::ScimFilterDeclaredUnsupported,
            Expect::Nothing,
            None,
            &[],
        ),
        (
            Fault::ScimDiscoveryWithoutTotals,
            Expect::Nothing,
            None,
            &[],
        ),
        (Fault::ScimSchemasWithoutSchemas, Expect::Nothing, None, &[]),
        (
            Fault::ScimAbsoluteResourceTypeEndpoints,
            Expect::Nothing,
            None,
            &[],
        ),
        (Fault::ScimItemsPerPageTooLarge, Expect::Nothing, None, &[]),
        (Fault::ScimUnauthorizedEmptyHtml, Expect::Nothing, None, &[]),
        (Fault::ScimStartIndexZeroRefused, Expect::Nothing, None, &[]),
        (
            Fault::ScimConflictWithoutScimType,
            Expect::Nothing,
            None,
            &[],
        ),
        (
            Fault::ScimIgnoresExcludedAttributes,
            Expect::Nothing,
            None,
            &[],
        ),
        (
            // Entra's lookup of the new hire finds nobody and gets the
            // framework's 404 page: the cycle quarantines, and the monitor's
            // Test Connection fails on the same 404 (its message: the Tenant
            // URL is right, the server answers 404 for an empty filter).
            // Defect (reported, not fixed here: core health/checklist): the
            // finding's title and the first step still blame the Tenant URL.
            Fault::ScimHtmlNotFound,
            Expect::Incident(FindingKind::ScimTestFailed),
            Some("tenant_url"),
            &[],
        ),
        (
            // Every filter refused (400 invalidFilter): Entra cannot look
            // anyone up (its entries fail: the checklist starts at them),
            // and the monitor's Test Connection fails on the 400.
            Fault::ScimFilterRefused,
            Expect::Incident(FindingKind::ScimTestFailed),
            Some("last_cycle_errors"),
            &[],
        ),
        (
            // The write probe's misbehaviours (issue 20): seen by
            // `scimwatch-cli probe --write`, not by the read-only monitor.
            Fault::ScimGroupRenameUnsupported,
            Expect::Nothing,
            None,
            &[],
        ),
        (
            // The write probe's misbehaviours (issue 20): seen by
            // `scimwatch-cli probe --write`, not by the read-only monitor.
            Fault::ScimMemberRemovalRefused,
            Expect::Nothing,
            None,
            &[],
        ),
        (
            // The write probe's misbehaviours (issue 20): seen by
            // `scimwatch-cli probe --write`, not by the read-only monitor.
            Fault::ScimActiveStringRefused,
            Expect::Nothing,
            None,
            &[],
        ),
        (
            // The write probe's misbehaviours (issue 20): seen by
            // `scimwatch-cli probe --write`, not by the read-only monitor.
            Fault::ScimGroupFilterFindsNothing,
            Expect::Nothing,
            None,
            &[],
        ),
        (
            // The write probe's misbehaviours (issue 20): seen by
            // `scimwatch-cli probe --write`, not by the read-only monitor.
            Fault::ScimExternalIdFilterIgnored,
            Expect::Nothing,
            None,
            &[],
        ),
        (
            // The write probe's misbehaviours (issue 20): seen by
            // `scimwatch-cli probe --write`, not by the read-only monitor.
            Fault::ScimPatchIgnored,
            Expect::Nothing,
            None,
            &[],
        ),
    ];
    // Every fault the simulator knows is in one of the two tables.
    let covered = table.len() + 11;
    assert_eq!(covered, entra_sim::fault::fault_kinds().len());

    for (fault, expect, step, unknown) in table {
        let stalled = matches!(fault, Fault::StalledJob);
        // A stall needs history: the last cycle ran three hours ago.
        let start = if stalled {
            Utc::now() - chrono::Duration::hours(3)
        } else {
            Utc::now()
        };
        let env = env_starting_at(start).await;
        env.sim.run_cycle().await;
        let rec = Arc::new(RecordingNotifier::new());
        let notifier: Notifiers = rec.clone();
        if stalled {
            env.sim.inject(fault.clone()).unwrap();
            let ran = env
                .sim
                .advance(Duration::from_secs(3 * 3600))
                .await
                .unwrap();
            assert!(ran.is_empty(), "a stalled job ran {} cycles", ran.len());
        } else {
            let healthy = round(&env, &notifier).await;
            assert!(
                opened(&healthy).is_empty(),
                "healthy tenant opened {:?} before {fault:?}",
                opened(&healthy)
            );
            // The fault's cycle a minute after the healthy one, as on a
            // real clock: "the last cycle" is then this one, not a cycle
            // started in the same millisecond.
            env.sim.advance(Duration::from_secs(60)).await.unwrap();
            env.sim.inject(fault.clone()).unwrap();
            env.sim.modify_tenant(|t, now| {
                t.add_user("New", "Hire", true, now);
            });
            env.sim.run_cycle().await;
        }
        let outcomes = full_round(&env, &notifier).await;
        let actions: Vec<IncidentAction> =
            outcomes.iter().flat_map(|o| o.actions.clone()).collect();
        let findings: Vec<FindingKind> = outcomes
            .iter()
            .flat_map(|o| o.findings.iter().map(|f| f.kind))
            .collect();
        match expect {
            Expect::Incident(kind) => {
                assert_eq!(opened(&actions), vec![kind], "{fault:?}");
                let sent = rec.sent();
                let of_kind: Vec<_> = sent
                    .iter()
                    .filter(|n| n.incident_kind.as_deref() == Some(kind.as_str()))
                    .collect();
                assert_eq!(of_kind.len(), 1, "{fault:?}: {sent:?}");
                assert_toast(&env, of_kind[0]);
            }
            Expect::Finding(kind) => {
                assert!(findings.contains(&kind), "{fault:?}: {findings:?}");
                assert!(opened(&actions).is_empty(), "{fault:?}: {actions:?}");
            }
            Expect::Nothing => {
                assert!(opened(&actions).is_empty(), "{fault:?}: {actions:?}");
                assert!(rec.sent().is_empty(), "{fault:?}: {:?}", rec.sent());
            }
        }

        let view = run_checklist(&env.engine, &env.row.uuid, Utc::now())
            .await
            .unwrap();
        assert_eq!(view.run.first_failing.as_deref(), step, "{fault:?}");
        for id in unknown {
            let s = view.run.steps.iter().find(|s| s.id == *id).unwrap();
            assert_eq!(
                s.status,
                scimwatch_core::checklist::StepStatus::Unknown,
                "{fault:?}: {id}"
            );
            assert!(s.outcome.why_unknown.is_some(), "{fault:?}: {id} says why");
        }

        // Fixed: whatever opened resolves (the fixed cycle a minute later).
        env.sim.clear_faults();
        env.sim.advance(Duration::from_secs(60)).await.unwrap();
        env.sim.run_cycle().await;
        round(&env, &notifier).await;
        let active = incidents::list(env.engine.store.pool(), Some(&env.row.uuid), true, 50)
            .await
            .unwrap();
        assert!(
            active.is_empty(),
            "{fault:?}: still active after the fix: {active:?}"
        );
        env.sim.shutdown().await;
    }
}

/// Issue 17, defect 2: the synchronization API's 401 `UnknownError` with an
/// empty message (a missing permission or directory role) is diagnosed as
/// such, naming what is needed — not "refused the access token" — and the
/// streams that work keep working: new log entries are still ingested and
/// the connection does not flap between blind and recovered.
#[tokio::test]
async fn a_missing_synchronization_permission_is_named_and_other_streams_keep_working() {
    let env = env_with_both_sides().await;
    env.sim.run_cycle().await;
    let rec = Arc::new(RecordingNotifier::new());
    let notifier: Notifiers = rec.clone();
    round(&env, &notifier).await;
    let assigned_before =
        scimwatch_engine::graph::observe::status_report(&env.engine.store, &env.row, Utc::now())
            .await
            .unwrap()
            .assigned_users
            .unwrap();
    env.sim
        .inject(Fault::SynchronizationPermissionMissing)
        .unwrap();
    for _ in 0..2 {
        env.sim.modify_tenant(|t, now| {
            t.add_user("New", "Hire", true, now);
        });
        env.sim.run_cycle().await;
        let before = scimwatch_engine::store::events::count(env.engine.store.pool(), env.row.id)
            .await
            .unwrap();
        let outcomes = full_round(&env, &notifier).await;
        let after = scimwatch_engine::store::events::count(env.engine.store.pool(), env.row.id)
            .await
            .unwrap();
        assert!(
            after > before,
            "the logs are still read: {before} → {after}"
        );
        let f = outcomes
            .iter()
            .flat_map(|o| o.findings.iter())
            .find(|f| f.kind == FindingKind::GraphBlind)
            .expect("a finding about the refused reads");
        assert!(f.title.contains("not allowed to read"), "{}", f.title);
        let text = format!("{} {} {:?}", f.title, f.action, f.evidence);
        for needed in [
            "Synchronization.Read.All",
            "Application.Read.All",
            "Application Administrator",
        ] {
            assert!(text.contains(needed), "{needed}: {text}");
        }
        assert!(!text.contains("refused the access token"), "{text}");
        assert!(!text.contains("cannot reach"), "{text}");
    }
    // One incident, one notification, no blind/recovered flapping.
    let graph_notes: Vec<_> = rec
        .sent()
        .into_iter()
        .filter(|n| n.incident_kind.as_deref() == Some("graph_blind"))
        .collect();
    assert_eq!(graph_notes.len(), 1, "{graph_notes:?}");
    let r =
        scimwatch_engine::graph::observe::status_report(&env.engine.store, &env.row, Utc::now())
            .await
            .unwrap();
    assert_eq!(r.graph, "blind");
    // The assignments (directory) are still read beside the refused schema.
    assert_eq!(r.assigned_users, Some(assigned_before + 2), "{r:?}");
    assert!(
        r.blind_reason
            .as_deref()
            .is_some_and(|w| w.contains("Synchronization.Read.All")),
        "{:?}",
        r.blind_reason
    );
    env.sim.shutdown().await;
}
