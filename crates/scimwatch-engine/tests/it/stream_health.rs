//! Issue 17, defects 4 and 5: each Graph stream has its own health. A
//! throttled or refused log stream is not blindness while the job is read;
//! a failure of the job endpoint alone is named (with what to do), never
//! hidden behind "graph ok". Real engine, real SQLite, simulated tenant.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::graph_support;

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Utc};
use entra_sim::{Fault, GraphFamily, SimConfig};
use graph_support::{fast_http, fast_poll_with, sim_config, Env};
use scimwatch_core::health::{stream_line, FindingKind};
use scimwatch_core::incident::IncidentAction;
use scimwatch_core::AuthMode;
use scimwatch_engine::diagnose::{DiagnosisConfig, DiagnosisOutcome};
use scimwatch_engine::graph::http::HttpConfig;
use scimwatch_engine::graph::observe::{status_report, StatusReport, StreamView};
use scimwatch_engine::monitor::diagnose_all;
use scimwatch_engine::notify::{Notifiers, RecordingNotifier};
use scimwatch_engine::poller::{poll_once, Event, PollConfig};

fn poll_cfg() -> PollConfig {
    fast_poll_with(HttpConfig {
        max_retries: 0,
        ..fast_http()
    })
}

async fn start(config: SimConfig) -> Env {
    let cfg = SimConfig {
        clock: entra_sim::ClockKind::Manual(Some(Utc::now())),
        ..config
    };
    let env = Env::start(cfg, AuthMode::ClientSecret).await;
    env.sim.run_cycle().await;
    env
}

async fn poll(env: &Env) -> Vec<Event> {
    poll_once(&env.engine, &poll_cfg(), None).await.unwrap()
}

async fn diagnose(env: &Env) -> DiagnosisOutcome {
    let rec = Arc::new(RecordingNotifier::new());
    let notifier: Notifiers = rec;
    let mut all = diagnose_all(
        &env.engine,
        &DiagnosisConfig::default(),
        &notifier,
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(all.len(), 1);
    all.remove(0).1
}

async fn status(env: &Env) -> StatusReport {
    status_report(&env.engine.store, &env.row, Utc::now())
        .await
        .unwrap()
}

fn stream<'a>(r: &'a StatusReport, name: &str) -> &'a StreamView {
    r.streams
        .iter()
        .find(|s| s.stream == name)
        .unwrap_or_else(|| panic!("no {name} stream in {:?}", r.streams))
}

fn blind_events(events: &[Event]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, Event::Blind { .. } | Event::Recovered { .. }))
        .count()
}

fn opened(o: &DiagnosisOutcome) -> Vec<FindingKind> {
    o.actions
        .iter()
        .filter_map(|a| match a {
            IncidentAction::Open { finding, .. } => Some(finding.kind),
            _ => None,
        })
        .collect()
}

fn kinds(o: &DiagnosisOutcome) -> Vec<FindingKind> {
    o.findings.iter().map(|f| f.kind).collect()
}

/// A healthy first round: every stream read, nothing found.
async fn healthy(env: &Env) {
    let events = poll(env).await;
    assert!(
        !events.iter().any(|e| matches!(e, Event::PollError { .. })),
        "{events:?}"
    );
    let r = status(env).await;
    assert_eq!(r.graph, "ok");
    assert_eq!(r.streams.len(), 3, "{:?}", r.streams);
    assert!(r.streams.iter().all(|s| s.state == "ok"), "{:?}", r.streams);
    let o = diagnose(env).await;
    assert!(opened(&o).is_empty(), "{:?}", o.findings);
}

#[tokio::test]
async fn throttled_logs_are_delayed_not_blind_while_the_job_is_read() {
    let env = start(sim_config()).await;
    healthy(&env).await;
    env.sim
        .inject(Fault::GraphThrottling {
            family: GraphFamily::ProvisioningLogs,
            retry_after_secs: 600.0,
            count: None,
        })
        .unwrap();
    env.sim.run_cycle().await;

    // Two rounds: the job is read both times, so the connection neither
    // goes blind nor flaps between blind and recovered.
    for round in 0..2 {
        let before = Utc::now();
        let events = poll(&env).await;
        let after = Utc::now();
        assert_eq!(blind_events(&events), 0, "round {round}: {events:?}");
        assert!(
            events.iter().any(|e| matches!(
                e,
                Event::PollError {
                    stream: scimwatch_engine::poller::Stream::GraphLogs,
                    ..
                }
            )),
            "round {round}: {events:?}"
        );

        let o = diagnose(&env).await;
        assert!(
            !kinds(&o).contains(&FindingKind::GraphBlind),
            "round {round}: {:?}",
            o.findings
        );
        assert!(opened(&o).is_empty(), "round {round}: {:?}", o.actions);

        let r = status(&env).await;
        assert_eq!(r.graph, "ok", "round {round}: the job was read");
        assert!(r.blind_reason.is_none());
        assert_eq!(stream(&r, "job").state, "ok");
        let logs = stream(&r, "logs");
        assert_eq!(logs.state, "failing");
        assert_eq!(logs.problem.as_deref(), Some("throttled"));
        assert_eq!(logs.http_status, Some(429));
        // Delayed until Graph's Retry-After (600 s) ends.
        let until: DateTime<Utc> = logs
            .delayed_until
            .as_deref()
            .expect("delayed until")
            .parse()
            .unwrap();
        assert!(
            until >= before + chrono::Duration::seconds(599)
                && until <= after + chrono::Duration::seconds(601),
            "round {round}: {until} not 600 s after {before}"
        );
        // The admin's line, in local time (here UTC).
        let utc = FixedOffset::east_opt(0).unwrap();
        let line = stream_line(&logs.health, &r.connection, utc, Utc::now());
        assert!(
            line.starts_with(&format!(
                "logs: delayed until {} (throttled)",
                until.format("%H:%M")
            )),
            "{line}"
        );
    }
}

#[tokio::test]
async fn logs_without_a_licence_are_unavailable_and_not_blind() {
    let env = start(sim_config()).await;
    healthy(&env).await;
    env.sim.inject(Fault::NonPremiumTenant).unwrap();
    env.sim.run_cycle().await;
    let events = poll(&env).await;
    assert_eq!(blind_events(&events), 0, "{events:?}");
    let o = diagnose(&env).await;
    assert_eq!(
        kinds(&o),
        vec![FindingKind::LogsUnavailable],
        "{:?}",
        o.findings
    );
    let r = status(&env).await;
    assert_eq!(r.graph, "ok");
    assert_eq!(r.logs_available, Some(false));
    assert_eq!(stream(&r, "logs").state, "unavailable");
    assert_eq!(stream(&r, "job").state, "ok");
}

#[tokio::test]
async fn logs_refused_for_lack_of_permission_are_the_logs_own_problem() {
    let mut perms = entra_sim::read_permissions();
    perms.retain(|p| p != "AuditLog.Read.All");
    let env = start(SimConfig {
        app_permissions: perms,
        ..sim_config()
    })
    .await;
    let events = poll(&env).await;
    assert_eq!(blind_events(&events), 0, "{events:?}");
    let o = diagnose(&env).await;
    assert_eq!(
        kinds(&o),
        vec![FindingKind::LogsUnavailable],
        "{:?}",
        o.findings
    );
    let f = &o.findings[0];
    assert!(
        f.title
            .contains("not allowed to read the provisioning logs"),
        "{}",
        f.title
    );
    assert!(f.action.contains("AuditLog.Read.All"), "{}", f.action);
    let r = status(&env).await;
    assert_eq!(r.graph, "ok");
    let logs = stream(&r, "logs");
    assert_eq!(
        (
            logs.state.as_str(),
            logs.problem.as_deref(),
            logs.http_status
        ),
        ("failing", Some("denied"), Some(403))
    );
    assert!(logs.hint.as_deref().unwrap().contains("AuditLog.Read.All"));
}

/// What `status` must show when the job endpoint alone fails: the job
/// stream failing with Graph's status, a reason, never "graph ok".
fn assert_job_named(r: &StatusReport, status: u16, problem: &str) -> String {
    assert_ne!(r.graph, "ok", "{r:?}");
    let job = stream(r, "job");
    assert_eq!(job.state, "failing", "{job:?}");
    assert_eq!(job.problem.as_deref(), Some(problem), "{job:?}");
    assert_eq!(job.http_status, Some(status), "{job:?}");
    assert!(job.reason.as_deref().is_some_and(|m| !m.is_empty()));
    assert!(job.failing_since.is_some());
    let utc = FixedOffset::east_opt(0).unwrap();
    let line = stream_line(&job.health, &r.connection, utc, Utc::now());
    assert!(!line.contains(" ok"), "{line}");
    line
}

#[tokio::test]
async fn a_deleted_job_is_named_with_a_404_and_the_rediscovery_hint() {
    let env = start(sim_config()).await;
    healthy(&env).await;
    env.sim.inject(Fault::JobNotFound).unwrap();
    let events = poll(&env).await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Blind { reason, .. } if reason.contains("not found"))),
        "{events:?}"
    );
    let r = status(&env).await;
    let line = assert_job_named(&r, 404, "not_found");
    assert!(
        line.starts_with("job: could not read — Graph answered 404: "),
        "{line}"
    );
    let hint = stream(&r, "job").hint.clone().unwrap();
    assert!(
        hint.contains("scimwatch-cli discover-app \"Sim\""),
        "{hint}"
    );
    assert!(line.contains(&hint), "{line}");
    // The other streams keep their own health.
    assert_eq!(stream(&r, "configuration").state, "ok");
    assert_eq!(stream(&r, "logs").state, "ok");

    let o = diagnose(&env).await;
    assert_eq!(
        opened(&o),
        vec![FindingKind::GraphBlind],
        "{:?}",
        o.findings
    );
    let f = o
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::GraphBlind)
        .unwrap();
    assert!(f.title.contains("answered 404"), "{}", f.title);
    assert!(f.action.contains("discover-app"), "{}", f.action);
    assert!(!f.action.contains("network"), "{}", f.action);

    // Found again: the job is read, the connection recovers.
    env.sim.clear_faults();
    let events = poll(&env).await;
    assert!(
        events.iter().any(|e| matches!(e, Event::Recovered { .. })),
        "{events:?}"
    );
    let r = status(&env).await;
    assert_eq!(r.graph, "ok");
    assert_eq!(stream(&r, "job").state, "ok");
}

#[tokio::test]
async fn a_throttled_job_alone_is_named_and_not_cleared_by_the_other_streams() {
    let env = start(sim_config()).await;
    healthy(&env).await;
    // Only the next synchronization request (the job's) is throttled; the
    // schema, assignments and logs read fine in the same round.
    env.sim
        .inject(Fault::GraphThrottling {
            family: GraphFamily::Synchronization,
            retry_after_secs: 600.0,
            count: Some(1),
        })
        .unwrap();
    let events = poll(&env).await;
    assert!(
        !events.iter().any(|e| matches!(e, Event::Recovered { .. })),
        "a later stream's success must not clear the job's failure: {events:?}"
    );
    let r = status(&env).await;
    let line = assert_job_named(&r, 429, "throttled");
    assert!(line.starts_with("job: delayed until "), "{line}");
    assert_eq!(r.graph, "blind");
    assert!(r.blind_reason.as_deref().unwrap().contains("429"));
    assert_eq!(stream(&r, "configuration").state, "ok");
}

#[tokio::test]
async fn a_job_refused_for_lack_of_a_role_is_named_with_its_401() {
    let env = start(sim_config()).await;
    healthy(&env).await;
    env.sim
        .inject(Fault::SynchronizationPermissionMissing)
        .unwrap();
    poll(&env).await;
    let r = status(&env).await;
    let line = assert_job_named(&r, 401, "denied");
    assert!(line.contains("Synchronization.Read.All"), "{line}");
    // The logs are still read.
    assert_eq!(stream(&r, "logs").state, "ok");
}

#[tokio::test]
async fn a_job_forbidden_with_a_403_is_named() {
    let mut perms = entra_sim::read_permissions();
    perms.retain(|p| p != "Synchronization.Read.All");
    let env = start(SimConfig {
        app_permissions: perms,
        ..sim_config()
    })
    .await;
    poll(&env).await;
    let r = status(&env).await;
    let line = assert_job_named(&r, 403, "denied");
    assert!(line.contains("Authorization_RequestDenied"), "{line}");
    assert!(r.status_code.is_none(), "the job was never read");
}
