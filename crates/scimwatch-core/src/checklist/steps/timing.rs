//! The checklist's steps about time: changes take a cycle, the stall
//! arithmetic, and quarantine.

use super::*;
use crate::health::format::{fmt_progress, fmt_window};
/// A duration to the second below an hour ("3 min 20 s"), to the minute
/// below a day ("2 h 10 min"), else to the hour: precise enough that "more
/// than 3 × the interval" is visibly true.
fn fmt_exact(d: chrono::Duration) -> String {
    let secs = d.num_seconds().unsigned_abs();
    let (days, hours, mins, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let parts: Vec<String> = if days > 0 {
        vec![format!("{days} d"), format!("{hours} h")]
    } else if secs >= 3600 {
        vec![format!("{hours} h"), format!("{mins} min")]
    } else if secs >= 60 {
        vec![format!("{mins} min"), format!("{s} s")]
    } else {
        vec![format!("{s} s")]
    };
    let kept: Vec<&String> = parts
        .iter()
        .enumerate()
        .filter(|(i, p)| *i == 0 || !p.starts_with("0 "))
        .map(|(_, p)| p)
        .collect();
    kept.iter()
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// "No cycle has completed for 2 h 10 min, more than 3 × the 40-min
/// interval (2 h)": the job's own interval and the limit it gives.
fn stall_summary(since: chrono::Duration, interval: chrono::Duration, factor: u32) -> String {
    let secs = interval.num_seconds().max(0);
    let each = if secs > 0 && secs % 3600 == 0 {
        format!("{}-h interval", secs / 3600)
    } else if secs > 0 && secs % 60 == 0 {
        format!("{}-min interval", secs / 60)
    } else {
        format!("interval of {}", fmt_exact(interval))
    };
    let limit = interval
        .checked_mul(i32::try_from(factor).unwrap_or(i32::MAX))
        .unwrap_or(chrono::Duration::MAX);
    format!(
        "No cycle has completed for {}, more than {factor} × the {each} ({})",
        fmt_exact(since),
        fmt_exact(limit)
    )
}

pub(super) fn check_changes_take_time(
    obs: &Observations,
    ctx: &Context,
    now: DateTime<Utc>,
) -> CheckOutcome {
    let offset = ctx.offset();
    match cycle_timing(obs, &ctx.thresholds, now) {
        CycleTiming::Steady {
            last_end,
            interval,
            limit,
            since,
            next_expected,
            stalled,
        } => {
            let mut o = if stalled {
                CheckOutcome::fail(stall_summary(since, interval, ctx.thresholds.stall_factor))
            } else {
                CheckOutcome::pass("Cycles are running on schedule")
            };
            o = o
                .with("Last cycle ended at", last_end)
                .with("Interval", fmt_exact(interval));
            if let Some(n) = next_expected {
                o = o.with(
                    "Next cycle expected at",
                    EvidenceValue::estimate(n, offset, now),
                );
            }
            o.with("Stalled after", fmt_exact(limit))
                .at(obs.job_observed_at)
        }
        CycleTiming::Initial {
            started,
            elapsed,
            estimate,
            objects,
            progress,
            overdue,
        } => {
            let mut o = if overdue {
                CheckOutcome::fail("The initial cycle is taking longer than Microsoft's estimate")
            } else {
                CheckOutcome::pass("The initial cycle is still running: changes appear when it ends")
            };
            o = o
                .with("Initial cycle started at", started)
                .with("Running for", EvidenceValue::duration(elapsed));
            if let Some(n) = objects {
                o = o.with("Assigned users + groups + members", EvidenceValue::count(n));
            }
            if let Some((lo, hi)) = estimate {
                o = o.with(
                    "Expected duration (0.01–0.08 min per object)",
                    fmt_window((lo, hi)),
                );
                if let Some(end) = started.checked_add_signed(hi) {
                    // An end time, never "overdue": `overdue` judges it.
                    o = o.with(
                        "Expected to end by",
                        EvidenceValue::estimate(end, offset, end),
                    );
                }
            }
            if let Some(p) = progress {
                o = o.with("Progress", fmt_progress(p));
            }
            o.at(obs.job_observed_at)
        }
        CycleTiming::NoSchedule => {
            CheckOutcome::fail("The job has no schedule: Entra will not run cycles on its own")
                .at(obs.job_observed_at)
        }
        CycleTiming::NotActive { status } => CheckOutcome::unknown(format!(
            "provisioning is not running ({status}): see the Provisioning Status and quarantine steps"
        )),
        CycleTiming::Blind { why } | CycleTiming::Unknown { why } => CheckOutcome::unknown(why),
    }
}

pub(super) fn check_quarantine(
    obs: &Observations,
    ctx: &Context,
    now: DateTime<Utc>,
) -> CheckOutcome {
    let job = match job_or_why(obs, ctx, now) {
        Ok(j) => j,
        Err(why) => return CheckOutcome::unknown(why),
    };
    if job.status_code != JobStatusCode::Quarantine {
        return CheckOutcome::pass("The job is not in quarantine")
            .with("Job status", EvidenceValue::code(job.status_code.as_str()))
            .at(obs.job_observed_at);
    }
    let q = job.quarantine.clone().unwrap_or_default();
    let reason = q.reason.as_ref().map(|r| r.as_str().to_string());
    let mut o = CheckOutcome::fail(format!(
        "The job is in quarantine ({})",
        reason.as_deref().unwrap_or("not given")
    ))
    .with(
        "Reason",
        reason.map_or_else(|| EvidenceValue::text("not given"), EvidenceValue::Code),
    );
    for (label, value) in
        crate::health::rules::quarantine_error_evidence(job.quarantine_error().as_ref())
    {
        o = o.with(&label, value);
    }
    if let Some(t) = q.series_began {
        o = o.with("Quarantine series began", t);
    }
    if let Some(t) = q.next_attempt {
        o = o.with("Next attempt", t);
    }
    let left = quarantine_days_left(&q, ctx.thresholds.quarantine_disable_days, now);
    o = o.with(
        "Days left before Entra disables the job",
        match left {
            Some(0) => EvidenceValue::text("0 (disabled)"),
            Some(d) => u64::try_from(d).map_or_else(|_| d.to_string().into(), EvidenceValue::Count),
            None => EvidenceValue::text("unknown"),
        },
    );
    o.at(obs.job_observed_at)
}
