//! The scheduling half of an all-apps tenant: how a job looks for its next
//! read, where an app stands in its tenant's list, and how often each job
//! is read within the tenant's Graph request budget. Pure: no clock.

use std::time::Duration;

/// How a job looks for scheduling its next read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobCondition {
    /// Active or paused, not quarantined, the last cycle did not fail, and
    /// reading it works: read less often.
    Steady,
    /// Anything else (quarantined, failing, not read yet, unreadable).
    Trouble,
}

/// The condition of a job from its latest stored status.
pub fn job_condition(
    status_code: Option<&str>,
    quarantined: bool,
    last_execution_state: Option<&str>,
    reading_fails: bool,
) -> JobCondition {
    let code_ok = status_code.is_some_and(|c| {
        let c = c.to_ascii_lowercase();
        c == "active" || c == "paused"
    });
    let run_ok = last_execution_state.is_none_or(|s| {
        let s = s.to_ascii_lowercase();
        !(s.contains("fail") || s.contains("error") || s.contains("escrow"))
    });
    if code_ok && run_ok && !quarantined && !reading_fails {
        JobCondition::Steady
    } else {
        JobCondition::Trouble
    }
}

/// Whether an app that discovery just added (or brought back) reads its
/// own provisioning events once (filtered by its service principal, from
/// its own watermark: everything retained for a new app, as a one-app
/// connection's first read). Only when the tenant's one log stream was
/// already read: its watermark moved past the app's events, which named no
/// watched app then and were not stored. Before the tenant's first read,
/// that read brings them; a tenant without logs to offer has none to read.
pub fn new_app_reads_own_logs(tenant_stream_read: bool, tenant_logs_unavailable: bool) -> bool {
    tenant_stream_read && !tenant_logs_unavailable
}

/// What is known of one app connection for listing a tenant's apps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppFacts<'a> {
    /// Why it was retired, when it was.
    pub retired: Option<&'a str>,
    /// Graph refuses to let scimwatch read its job (permission or role).
    pub denied: bool,
    /// Why its job cannot be read, while it cannot.
    pub blind: Option<&'a str>,
    /// The latest job reading, if any: `status.code`, the quarantine
    /// reason, `lastExecution.state`.
    pub read: bool,
    pub status_code: Option<&'a str>,
    pub quarantine_reason: Option<&'a str>,
    pub last_execution_state: Option<&'a str>,
}

/// Where an app stands in its tenant's list (lower is worse) and how to
/// say it: quarantined, failing, refused, unreadable, not read yet,
/// paused or not running, watched and fine, retired.
pub fn app_standing(f: &AppFacts<'_>) -> (u8, String) {
    if let Some(why) = f.retired {
        return (7, format!("retired: {why}"));
    }
    let code = f.status_code.unwrap_or("").to_ascii_lowercase();
    if code == "quarantine" || f.quarantine_reason.is_some() {
        return (
            0,
            match f.quarantine_reason {
                Some(r) => format!("quarantined ({r})"),
                None => "quarantined".into(),
            },
        );
    }
    if f.denied {
        return (
            2,
            "no permission to read this app's provisioning job".into(),
        );
    }
    if let Some(why) = f.blind {
        return (3, format!("cannot be read: {why}"));
    }
    if !f.read {
        return (4, "not read yet".into());
    }
    let failing = f.last_execution_state.is_some_and(|s| {
        let s = s.to_ascii_lowercase();
        s.contains("fail") || s.contains("error")
    });
    if failing {
        return (
            1,
            format!("last cycle: {}", f.last_execution_state.unwrap_or("failed")),
        );
    }
    match code.as_str() {
        "active" => (6, "active".into()),
        "" => (5, "status unknown".into()),
        _ => (5, format!("status {}", f.status_code.unwrap_or(""))),
    }
}

/// A tenant's Graph request budget and the intervals it starts from.
#[derive(Debug, Clone, PartialEq)]
pub struct Budget {
    /// Requests per hour the whole tenant may cost (all its apps).
    pub per_hour: u32,
    /// The tenant-wide provisioning-log stream (one request per read when
    /// nothing new; more pages when busy).
    pub logs_every: Duration,
    /// Re-discovery of the tenant's apps…
    pub discover_every: Duration,
    /// …counted as this many requests (a page of service principals and
    /// the jobs of the ones not seen before).
    pub discover_requests: u32,
    /// Each app's configuration (schema, assignments, secrets)…
    pub config_every: Duration,
    /// …counted as this many requests.
    pub config_requests: u32,
    /// A steady job is read this often (at most)…
    pub steady_every: Duration,
    /// …a job in trouble this often.
    pub trouble_every: Duration,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            per_hour: 1200,
            logs_every: Duration::from_secs(5 * 60),
            discover_every: Duration::from_secs(60 * 60),
            discover_requests: 4,
            config_every: Duration::from_secs(30 * 60),
            config_requests: 3,
            steady_every: Duration::from_secs(10 * 60),
            trouble_every: Duration::from_secs(2 * 60),
        }
    }
}

/// The intervals one tenant's apps are read at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollPlan {
    pub steady_every: Duration,
    pub trouble_every: Duration,
    pub config_every: Duration,
    /// Requests per hour the plan costs (logs counted as one page a read).
    pub per_hour: f64,
}

fn per_hour(every: Duration) -> f64 {
    3600.0 / every.as_secs_f64().max(1.0)
}

fn stretch(d: Duration, factor: f64) -> Duration {
    if factor <= 1.0 {
        d
    } else {
        Duration::from_secs_f64((d.as_secs_f64() * factor).ceil())
    }
}

/// Plan the intervals for `steady` and `trouble` jobs within `b.per_hour`.
///
/// The log stream and discovery are fixed costs. When the apps' reads at
/// the starting intervals do not fit the rest, steady jobs and every
/// app's configuration are read less often first; jobs in trouble keep
/// their interval while they need at most half the room, and share the
/// stretch beyond that.
pub fn plan_polls(b: &Budget, steady: usize, trouble: usize) -> PollPlan {
    let fixed =
        per_hour(b.logs_every) + per_hour(b.discover_every) * f64::from(b.discover_requests);
    let room = (f64::from(b.per_hour) - fixed).max(1.0);
    let apps = (steady + trouble) as f64;
    let trouble_cost = trouble as f64 * per_hour(b.trouble_every);
    let steady_cost = steady as f64 * per_hour(b.steady_every)
        + apps * per_hour(b.config_every) * f64::from(b.config_requests);
    let (steady_factor, trouble_factor) = if trouble_cost + steady_cost <= room {
        (1.0, 1.0)
    } else if trouble_cost <= room / 2.0 {
        (steady_cost / (room - trouble_cost), 1.0)
    } else {
        (steady_cost / (room / 2.0), trouble_cost / (room / 2.0))
    };
    let plan = PollPlan {
        steady_every: stretch(b.steady_every, steady_factor),
        trouble_every: stretch(b.trouble_every, trouble_factor),
        config_every: stretch(b.config_every, steady_factor),
        per_hour: 0.0,
    };
    let cost = fixed
        + steady as f64 * per_hour(plan.steady_every)
        + trouble as f64 * per_hour(plan.trouble_every)
        + apps * per_hour(plan.config_every) * f64::from(b.config_requests);
    PollPlan {
        per_hour: cost,
        ..plan
    }
}

/// The share of one core the monitor's round over every connection may
/// take: a large fleet's round is spaced out to stay within it.
pub const ROUND_SHARE: f64 = 0.005;
/// The longest wait between two rounds over every connection, whatever
/// they cost (what only time changes — a stall, a token's expiry — is
/// seen at most this late; what a poll changes is diagnosed at once).
pub const ROUND_EVERY_MAX: Duration = Duration::from_secs(5 * 60);

/// How long after a round over every connection that took `took` the next
/// is due: `base` (the watch's round, a minute), or longer when rounds that
/// often would take more than [`ROUND_SHARE`] of a core, up to
/// [`ROUND_EVERY_MAX`] (never shorter than `base`).
pub fn round_every(base: Duration, took: Duration) -> Duration {
    let spaced = took.div_f64(ROUND_SHARE);
    base.max(spaced.min(ROUND_EVERY_MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cheap_round_keeps_its_minute_and_a_costly_one_is_spaced_to_its_share() {
        let s = Duration::from_secs;
        let ms = Duration::from_millis;
        // A desktop's few connections: well under the share.
        assert_eq!(round_every(s(60), ms(20)), s(60));
        // 300 ms a round every minute is exactly the share.
        assert_eq!(round_every(s(60), ms(300)), s(60));
        // 600 ms: twice as far apart.
        assert_eq!(round_every(s(60), ms(600)), s(120));
        // However long a round takes, one runs within the maximum.
        assert_eq!(round_every(s(60), s(30)), ROUND_EVERY_MAX);
        // A base above the maximum (a test's or an admin's) is kept.
        assert_eq!(round_every(s(600), ms(10)), s(600));
    }

    #[test]
    fn a_new_app_reads_its_own_logs_only_once_the_tenant_stream_moved_on() {
        assert!(new_app_reads_own_logs(true, false));
        assert!(
            !new_app_reads_own_logs(false, false),
            "the tenant's first read brings them"
        );
        assert!(!new_app_reads_own_logs(true, true), "no logs to offer");
        assert!(!new_app_reads_own_logs(false, true));
    }

    #[test]
    fn apps_are_listed_worst_first() {
        let read = |code: &'static str| AppFacts {
            read: true,
            status_code: Some(code),
            ..AppFacts::default()
        };
        let mut list = [
            ("fine", app_standing(&read("Active"))),
            (
                "retired",
                app_standing(&AppFacts {
                    retired: Some("the enterprise app is no longer in the tenant"),
                    ..read("Active")
                }),
            ),
            ("unread", app_standing(&AppFacts::default())),
            (
                "refused",
                app_standing(&AppFacts {
                    denied: true,
                    ..AppFacts::default()
                }),
            ),
            (
                "quarantined",
                app_standing(&AppFacts {
                    quarantine_reason: Some("EncounteredQuarantineException"),
                    ..read("Quarantine")
                }),
            ),
            (
                "failing",
                app_standing(&AppFacts {
                    last_execution_state: Some("EntryLevelErrors"),
                    ..read("Active")
                }),
            ),
            (
                "blind",
                app_standing(&AppFacts {
                    blind: Some("HTTP 404"),
                    ..read("Active")
                }),
            ),
            ("paused", app_standing(&read("Paused"))),
        ];
        list.sort_by_key(|(_, (rank, _))| *rank);
        let order: Vec<&str> = list.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            order,
            [
                "quarantined",
                "failing",
                "refused",
                "blind",
                "unread",
                "paused",
                "fine",
                "retired"
            ]
        );
        assert_eq!(list[0].1 .1, "quarantined (EncounteredQuarantineException)");
        assert_eq!(
            list[2].1 .1,
            "no permission to read this app's provisioning job"
        );
        assert!(list[7].1 .1.starts_with("retired: the enterprise app"));
    }

    #[test]
    fn conditions() {
        use JobCondition::*;
        assert_eq!(
            job_condition(Some("Active"), false, Some("Succeeded"), false),
            Steady
        );
        assert_eq!(job_condition(Some("Paused"), false, None, false), Steady);
        assert_eq!(
            job_condition(Some("Quarantine"), true, None, false),
            Trouble
        );
        assert_eq!(
            job_condition(Some("Active"), false, Some("Failed"), false),
            Trouble
        );
        assert_eq!(
            job_condition(Some("Active"), false, Some("EscrowCallFailed"), false),
            Trouble
        );
        assert_eq!(job_condition(Some("Active"), false, None, true), Trouble);
        assert_eq!(job_condition(None, false, None, false), Trouble);
    }

    #[test]
    fn a_small_tenant_is_read_at_the_starting_intervals() {
        let b = Budget::default();
        let p = plan_polls(&b, 9, 1);
        assert_eq!(p.steady_every, Duration::from_secs(600));
        assert_eq!(p.trouble_every, Duration::from_secs(120));
        assert_eq!(p.config_every, Duration::from_secs(1800));
        // 12 log reads + 4 discovery + 9×6 steady + 1×30 trouble + 10×6 config.
        assert!((p.per_hour - 160.0).abs() < 0.01, "{}", p.per_hour);
    }

    #[test]
    fn a_large_tenant_stretches_steady_jobs_first_and_stays_within_budget() {
        let b = Budget::default();
        for (steady, trouble) in [
            (100, 0),
            (200, 5),
            (150, 30),
            (10, 400),
            (0, 1000),
            (1000, 1000),
        ] {
            let p = plan_polls(&b, steady, trouble);
            assert!(
                p.per_hour <= f64::from(b.per_hour) + 1.0,
                "{steady}+{trouble}: {p:?}"
            );
            assert!(
                p.trouble_every <= p.steady_every,
                "{steady}+{trouble}: {p:?}"
            );
        }
        // Few in trouble: they keep two minutes while the steady ones wait longer.
        let p = plan_polls(&b, 200, 5);
        assert_eq!(p.trouble_every, Duration::from_secs(120));
        assert!(p.steady_every > Duration::from_secs(600));
    }
}
