use super::*;
use chrono::TimeZone;

fn t(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, h, m, 0).unwrap()
}

fn utc() -> FixedOffset {
    FixedOffset::east_opt(0).unwrap()
}

#[test]
fn retry_at_takes_the_longer_of_backoff_and_retry_after() {
    let now = t(12, 0);
    let s = std::time::Duration::from_secs;
    assert_eq!(retry_at(now, s(30), Some(s(600))), t(12, 10));
    assert_eq!(retry_at(now, s(120), Some(s(60))), t(12, 2));
    assert_eq!(retry_at(now, s(60), None), t(12, 1));
    // Absurd values saturate instead of panicking.
    let far = retry_at(now, s(u64::MAX), None);
    assert!(far > now);
}

#[test]
fn a_throttled_log_stream_is_delayed_until_local_time() {
    let now = t(12, 0);
    let h = StreamHealth::failed(
        Some(&StreamHealth::ok(GraphStream::Logs, t(11, 55))),
        GraphStream::Logs,
        StreamProblem::Throttled,
        Some(429),
        "Microsoft Graph is throttling requests",
        retry_at(
            now,
            std::time::Duration::from_secs(30),
            Some(std::time::Duration::from_secs(600)),
        ),
        now,
    );
    assert_eq!(h.delayed_until(now), Some(t(12, 10)));
    assert!(
        !h.blinds_connection(),
        "the logs never blind the connection"
    );
    let paris = FixedOffset::east_opt(3600).unwrap();
    assert_eq!(
        stream_line(&h, "Sim", paris, now),
        "logs: delayed until 13:10 (throttled) (last read 12:55)"
    );
    // Once the time has passed it is no longer "delayed until" a past time.
    let later = t(12, 11);
    assert_eq!(h.delayed_until(later), None);
    assert!(stream_line(&h, "Sim", utc(), later).contains("read again at the next poll"));
}

#[test]
fn a_local_failure_never_blames_microsoft_graph() {
    let now = t(12, 0);
    let h = StreamHealth::failed(
        Some(&StreamHealth::ok(GraphStream::Logs, t(11, 55))),
        GraphStream::Logs,
        StreamProblem::Local,
        None,
        "database error: database is locked",
        retry_at(now, std::time::Duration::from_secs(30), None),
        now,
    );
    let line = stream_line(&h, "Sim", utc(), now);
    assert!(
        line.starts_with("logs: could not read — database error"),
        "{line}"
    );
    assert!(line.contains("not in Microsoft Graph"), "{line}");
    assert!(!line.contains("Graph answered"), "{line}");
}

#[test]
fn failures_keep_their_start_and_the_last_success() {
    let ok = StreamHealth::ok(GraphStream::Job, t(11, 0));
    let f1 = StreamHealth::failed(
        Some(&ok),
        GraphStream::Job,
        StreamProblem::NotFound,
        Some(404),
        "gone",
        t(12, 1),
        t(12, 0),
    );
    let f2 = StreamHealth::failed(
        Some(&f1),
        GraphStream::Job,
        StreamProblem::NotFound,
        Some(404),
        "gone",
        t(12, 6),
        t(12, 5),
    );
    assert_eq!(f2.failing_since, Some(t(12, 0)));
    assert_eq!(f2.last_ok, Some(t(11, 0)));
    assert!(f2.blinds_connection());
}

#[test]
fn a_job_404_names_the_answer_and_the_rediscovery() {
    let h = StreamHealth::failed(
        None,
        GraphStream::Job,
        StreamProblem::NotFound,
        Some(404),
        "the provisioning job was not found in Microsoft Graph (ResourceNotFound)",
        t(12, 1),
        t(12, 0),
    );
    let line = stream_line(&h, "Sim", utc(), t(12, 0));
    assert!(
        line.starts_with("job: could not read — Graph answered 404: "),
        "{line}"
    );
    assert!(
        line.contains("scimwatch-cli discover-app \"Sim\""),
        "{line}"
    );
    assert!(!line.contains(" ok"), "{line}");
}

#[test]
fn a_denied_job_is_not_blindness_and_a_refused_one_says_sign_in() {
    let mk = |p, s| {
        StreamHealth::failed(
            None,
            GraphStream::Job,
            p,
            Some(s),
            "why",
            t(12, 1),
            t(12, 0),
        )
    };
    assert!(!mk(StreamProblem::Denied, 403).blinds_connection());
    assert!(
        stream_line(&mk(StreamProblem::Denied, 403), "Sim", utc(), t(12, 0))
            .contains("Synchronization.Read.All")
    );
    assert!(mk(StreamProblem::Refused, 401).blinds_connection());
    assert!(
        stream_line(&mk(StreamProblem::Refused, 401), "Sim", utc(), t(12, 0))
            .contains("sign-in \"Sim\"")
    );
}

#[test]
fn unavailable_logs_are_not_failing_and_ok_says_when() {
    let u = StreamHealth::unavailable(GraphStream::Logs, "no P1/P2 licence", t(12, 0));
    assert!(!u.is_failing());
    assert!(!u.blinds_connection());
    assert_eq!(
        stream_line(&u, "Sim", utc(), t(12, 0)),
        "logs: unavailable — no P1/P2 licence"
    );
    let ok = StreamHealth::ok(GraphStream::Config, t(11, 58));
    assert_eq!(
        stream_line(&ok, "Sim", utc(), t(12, 0)),
        "configuration: read 11:58"
    );
    let yesterday = StreamHealth::ok(GraphStream::Job, t(11, 58) - Duration::days(1));
    assert_eq!(
        stream_line(&yesterday, "Sim", utc(), t(12, 0)),
        "job: read 2026-12-06 11:58"
    );
}

fn kinds(obs: &crate::health::Observations) -> Vec<crate::health::FindingKind> {
    crate::health::evaluate(obs, &crate::health::Thresholds::default(), t(12, 0))
        .into_iter()
        .map(|f| f.kind)
        .collect()
}

#[test]
fn rules_a_throttled_or_refused_log_stream_is_never_blindness() {
    use crate::health::{FindingKind, Observations, Reachability};
    let mut obs = Observations {
        graph_reachability: Reachability::Ok,
        graph_streams: vec![
            StreamHealth::ok(GraphStream::Job, t(11, 59)),
            StreamHealth::failed(
                None,
                GraphStream::Logs,
                StreamProblem::Throttled,
                Some(429),
                "throttled",
                t(12, 10),
                t(11, 59),
            ),
        ],
        ..Default::default()
    };
    assert!(!kinds(&obs).contains(&FindingKind::GraphBlind));
    obs.graph_streams[1].problem = Some(StreamProblem::Denied);
    let findings = crate::health::evaluate(&obs, &crate::health::Thresholds::default(), t(12, 0));
    let k: Vec<_> = findings.iter().map(|f| f.kind).collect();
    assert_eq!(k, vec![FindingKind::LogsUnavailable]);
    assert!(findings[0]
        .title
        .contains("not allowed to read the provisioning logs"));
    assert!(findings[0].action.contains("AuditLog.Read.All"));
}

#[test]
fn rules_a_blind_job_stream_names_graphs_answer_and_what_to_do() {
    use crate::health::{FindingKind, Observations, Reachability};
    let job = StreamHealth::failed(
        None,
        GraphStream::Job,
        StreamProblem::NotFound,
        Some(404),
        "the provisioning job was not found",
        t(12, 1),
        t(11, 58),
    );
    let obs = Observations {
        graph_reachability: Reachability::Blind {
            since: t(11, 58),
            reason: "the provisioning job was not found".into(),
        },
        graph_streams: vec![job],
        ..Default::default()
    };
    let f = crate::health::evaluate(&obs, &crate::health::Thresholds::default(), t(12, 0))
        .into_iter()
        .find(|f| f.kind == FindingKind::GraphBlind)
        .unwrap();
    assert!(
        f.title.contains("Microsoft Graph answered 404"),
        "{}",
        f.title
    );
    assert!(
        f.action.starts_with("The app's provisioning job"),
        "{}",
        f.action
    );
    assert!(
        f.action.contains("discover-app <connection>"),
        "{}",
        f.action
    );
    assert!(!f.action.contains("network"), "{}", f.action);
    // Without a specific answer (a timeout) the network advice stays.
    let mut obs = obs;
    obs.graph_streams[0].problem = Some(StreamProblem::Unreachable);
    obs.graph_streams[0].http_status = None;
    let f = crate::health::evaluate(&obs, &crate::health::Thresholds::default(), t(12, 0))
        .into_iter()
        .find(|f| f.kind == FindingKind::GraphBlind)
        .unwrap();
    assert!(f.action.contains("network"), "{}", f.action);
}

#[test]
fn it_round_trips_as_json() {
    let h = StreamHealth::failed(
        None,
        GraphStream::Logs,
        StreamProblem::Throttled,
        Some(429),
        "x",
        t(12, 10),
        t(12, 0),
    );
    let s = serde_json::to_string(&h).unwrap();
    assert!(s.contains("\"graph_logs\""), "{s}");
    assert!(s.contains("\"throttled\""), "{s}");
    let back: StreamHealth = serde_json::from_str(&s).unwrap();
    assert_eq!(back, h);
    // A record with fields missing still parses.
    let min: StreamHealth = serde_json::from_str(r#"{"stream":"graph_job"}"#).unwrap();
    assert!(!min.is_failing());
}
