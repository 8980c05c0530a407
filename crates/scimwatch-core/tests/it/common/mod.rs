//! Fixtures the core tests share: a fixed `now` and a healthy, steady
//! connection — every rule quiet, every checklist step passing — that each
//! test changes one fact of.

use chrono::{DateTime, Duration, Utc};
use scimwatch_core::health::{
    AssignmentsObservation, CycleObservation, DriftObservation, ExecutionObservation,
    JobObservation, JobStatusCode, MappingsObservation, Observations, Reachability, ScheduleState,
    ScimCheckObservation, Verdict,
};
use scimwatch_core::scim::write_probe::{ProbeObservation, ProbeVerdict};

/// The tests' "now": 2026-03-10 12:00 UTC.
pub fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-10T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

pub fn mins(m: i64) -> Duration {
    Duration::minutes(m)
}

/// A healthy, steady connection at [`now`]: the job active with a cycle
/// ten minutes ago, both mappings on, assignments in scope, the SCIM
/// endpoint answering, the token far from expiry, the Tenant URL equal to
/// the SCIM URL, no drift, no compliance deviation, logs available and
/// "Test with Entra's requests" passed a day ago. A test file that needs a
/// fact richer or absent says so in its own `healthy()` over this one.
pub fn healthy() -> Observations {
    let now = now();
    Observations {
        job: Some(JobObservation {
            status_code: JobStatusCode::Active,
            schedule_state: ScheduleState::Active,
            interval: Some(mins(40)),
            last_execution: Some(ExecutionObservation {
                began: Some(now - mins(15)),
                ended: Some(now - mins(10)),
                ..Default::default()
            }),
            steady_state_first_achieved: Some(now - Duration::days(30)),
            ..Default::default()
        }),
        job_observed_at: Some(now - mins(1)),
        mappings: Some(MappingsObservation {
            users_enabled: Some(true),
            groups_enabled: Some(true),
            scope_assigned_only: Some(true),
        }),
        assignments: Some(AssignmentsObservation {
            users: 10,
            groups: 2,
            group_members: 20,
        }),
        last_cycle: Some(CycleObservation {
            cycle_id: Some("c1".into()),
            ended: Some(now - mins(10)),
            total: 100,
            ..Default::default()
        }),
        scim_check: Some(ScimCheckObservation {
            ok: true,
            verdict: Verdict::Ok,
            http_status: Some(200),
            checked_at: now - mins(2),
            message: None,
        }),
        token_expires_at: Some(now + Duration::days(200)),
        entra_tenant_url: Some("https://acme.example.com/scim/v2".into()),
        scim_url: Some("https://acme.example.com/scim/v2".into()),
        drift: Some(DriftObservation {
            assigned: 30,
            ..Default::default()
        }),
        compliance_deviations: Some(vec![]),
        graph_reachability: Reachability::Ok,
        graph_denied: vec![],
        scim_reachability: Reachability::Ok,
        logs_available: Some(true),
        graph_streams: vec![],
        probe: Some(ProbeObservation {
            url: "https://acme.example.com/scim/v2".into(),
            checked_at: now - Duration::days(1),
            write_probe_run: true,
            verdict: ProbeVerdict::ReadyForEntra,
            could_not_probe: None,
            failures: vec![],
            passed: 19,
            operations: 19,
            leftovers: vec![],
            read_side_deviations: vec![],
            not_checked: vec![],
        }),
    }
}

/// The job of `o`, which the fixture has.
pub fn job(o: &mut Observations) -> &mut JobObservation {
    o.job.as_mut().unwrap()
}

/// The SCIM check of `o` with another verdict and HTTP status.
pub fn scim(o: &mut Observations, verdict: Verdict, status: Option<u16>) {
    let c = o.scim_check.as_mut().unwrap();
    c.ok = verdict == Verdict::Ok;
    c.verdict = verdict;
    c.http_status = status;
}
