//! The fleet figures from what a run measured (`super::measure`): names,
//! targets and verdicts, apart from the running of the fleet.

use std::time::Duration;

use super::Plan;
use crate::Figure;

/// What one fleet run measured.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    /// From starting `serve` to a job state for every app (`None`: not
    /// within the plan's limit; `seen` had one then).
    pub first_full: Option<Duration>,
    pub seen: usize,
    /// From the first full status until the first pass's configuration
    /// reads were done (the steady window starts after it); `None`: they
    /// were not done within the limit and the window started anyway.
    pub settled: Option<Duration>,
    /// `serve`'s CPU over the steady window, % of one core.
    pub cpu_percent: f64,
    /// The steady window's length.
    pub window: Duration,
    /// Graph requests per tenant-hour over the window, by endpoint, most first.
    pub per_endpoint: Vec<(String, f64)>,
    /// Quarantine injected → `incident.opened` received (`None`: not within `alert_wait`).
    pub alert: Option<Duration>,
    pub alert_wait: Duration,
    pub quarantined: bool,
    /// The engine's planned steady-job interval.
    pub job_interval: Duration,
    /// Webhooks received meanwhile when the alert did not come.
    pub received_meanwhile: Vec<String>,
    /// The victim tenant's name.
    pub victim: String,
    /// `serve`'s peak resident memory, MiB.
    pub peak_mib: f64,
    /// The whole run.
    pub run: Duration,
    /// `/api/v1/status` of every connection: the slowest of a few reads
    /// after the window (`None`: it did not answer).
    pub status_read: Option<Duration>,
}

/// The fleet's figures for `plan` from `m`.
pub fn figures(plan: &Plan, m: &Measured) -> Vec<Figure> {
    let jobs = plan.jobs();
    let size = format!("{} tenants × {} apps", plan.tenants, plan.apps_per_tenant);
    let latency_ms = plan.graph_latency.as_millis();
    let mut out = Vec::new();
    out.push(match m.first_full {
        Some(d) => Figure {
            name: format!(
                "fleet {size}: first full status of all {jobs} jobs after `serve` starts (`/api/v1/status` polled each second; entra-sim adds {latency_ms} ms to every Graph request)"
            ),
            value: d.as_secs_f64(),
            unit: "s",
            baseline: None,
            target: "< 60 s".into(),
            pass: d.as_secs_f64() < 60.0,
        },
        None => Figure {
            name: format!(
                "fleet {size}: first full status — only {} of {jobs} jobs had a state after {} s",
                m.seen,
                plan.first_status_limit.as_secs()
            ),
            value: plan.first_status_limit.as_secs_f64(),
            unit: "s",
            baseline: None,
            target: "< 60 s".into(),
            pass: false,
        },
    });
    let mins = m.window.as_secs_f64() / 60.0;
    let settled = match m.settled {
        Some(d) => format!(
            "the window starts {:.0} s after the first full status, once the first pass's configuration reads were done",
            d.as_secs_f64()
        ),
        None => "the first pass's configuration reads were NOT done when the window started: not steady".into(),
    };
    out.push(Figure {
        name: format!(
            "fleet {size}: `serve` CPU over {mins:.1} min of real time after the first full status (share of one core; {settled})"
        ),
        value: m.cpu_percent,
        unit: "%",
        baseline: None,
        target: "< 2 %".into(),
        pass: m.cpu_percent < 2.0 && m.settled.is_some(),
    });
    let all = m.per_endpoint.iter().fold(0.0, |a, (_, r)| a + r);
    let breakdown = m
        .per_endpoint
        .iter()
        .map(|(ep, r)| format!("{ep} {r:.1}"))
        .collect::<Vec<_>>()
        .join("; ");
    out.push(Figure {
        name: format!(
            "fleet {size}: Graph requests per tenant-hour over the same window, counted by entra-sim per tenant and endpoint ({breakdown})"
        ),
        value: all,
        unit: "requests/h",
        baseline: Some(("the per-tenant budget".into(), 1200.0)),
        target: "≤ 1,200 (the budget)".into(),
        pass: all <= 1200.0,
    });
    let limit = m.job_interval + Duration::from_secs(10);
    let target = format!("≤ job poll interval + 10 s ({} s)", limit.as_secs());
    let vname = &m.victim;
    out.push(match m.alert {
        Some(d) => Figure {
            name: format!(
                "fleet {size}: quarantine injected in {vname}'s job → `incident.opened` received by the webhook receiver (job quarantined in the sim: {})",
                m.quarantined
            ),
            value: d.as_secs_f64(),
            unit: "s",
            baseline: Some((
                "the job poll interval (the engine's planned steady-job interval)".into(),
                m.job_interval.as_secs_f64(),
            )),
            target,
            pass: d <= limit,
        },
        None => Figure {
            name: format!(
                "fleet {size}: quarantine → webhook — no `incident.opened` for {vname} within {} s (job quarantined in the sim: {}; webhooks received meanwhile: {:?})",
                m.alert_wait.as_secs(),
                m.quarantined,
                m.received_meanwhile
            ),
            value: m.alert_wait.as_secs_f64(),
            unit: "s",
            baseline: None,
            target,
            pass: false,
        },
    });
    out.push(Figure {
        name: format!(
            "fleet {size}: `serve` peak resident memory (VmHWM) over the whole run ({:.1} min)",
            m.run.as_secs_f64() / 60.0
        ),
        value: m.peak_mib,
        unit: "MiB",
        baseline: None,
        target: "< 200 MB".into(),
        pass: m.peak_mib < 200.0 * 1_000_000.0 / 1_048_576.0,
    });
    out.push(match m.status_read {
        Some(d) => Figure {
            name: format!(
                "fleet {size}: one `/api/v1/status` of all {} connections (tenants and apps), the slowest of 3 reads after the window",
                jobs + plan.tenants
            ),
            value: d.as_secs_f64() * 1000.0,
            unit: "ms",
            baseline: None,
            target: "< 1,000 ms".into(),
            pass: d < Duration::from_secs(1),
        },
        None => Figure {
            name: format!("fleet {size}: `/api/v1/status` did not answer after the window"),
            value: 0.0,
            unit: "ms",
            baseline: None,
            target: "< 1,000 ms".into(),
            pass: false,
        },
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Size;

    #[test]
    fn verdicts_follow_the_targets() {
        let plan = Plan::for_size(Size::Small);
        let m = Measured {
            first_full: Some(Duration::from_secs(30)),
            settled: Some(Duration::from_secs(5)),
            cpu_percent: 1.5,
            window: Duration::from_secs(600),
            per_endpoint: vec![("/v1.0/auditLogs/provisioning".into(), 12.0)],
            alert: Some(Duration::from_secs(5)),
            job_interval: Duration::from_secs(60),
            victim: "Tenant 002".into(),
            peak_mib: 80.0,
            status_read: Some(Duration::from_millis(200)),
            ..Measured::default()
        };
        let f = figures(&plan, &m);
        assert_eq!(f.len(), 6);
        assert!(f.iter().all(|f| f.pass), "{f:#?}");
        // Not steady: the CPU figure cannot pass, however low.
        let f = figures(
            &plan,
            &Measured {
                settled: None,
                ..m.clone()
            },
        );
        assert!(!f[1].pass && f[1].name.contains("not steady"), "{:?}", f[1]);
        let f = figures(
            &plan,
            &Measured {
                first_full: None,
                seen: 3,
                status_read: None,
                ..m
            },
        );
        assert!(
            !f[0].pass && f[0].name.contains("only 3 of 6"),
            "{:?}",
            f[0]
        );
        assert!(!f[5].pass);
    }
}
