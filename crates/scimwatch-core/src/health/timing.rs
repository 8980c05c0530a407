//! Cycle timing: is the job keeping its schedule, still in its initial cycle,
//! or stalled? Shared by the `stalled` rule and the "changes take time" step.
//!
//! Boundary choice: a job is stalled only when the time since the last
//! completed cycle is *strictly greater* than `k × interval`; at exactly
//! `k × interval` it is not yet stalled. The same holds for the initial-cycle
//! estimate: elapsed time equal to the estimate's upper bound is still
//! "running", strictly more is overdue.

use chrono::{DateTime, Duration, Utc};

use super::format::{minutes, minutes_f64};
use super::observations::{
    JobObservation, JobStatusCode, Observations, Reachability, ScheduleState,
};
use super::Thresholds;

/// Intervals this long mean "no schedule" (Graph's `P10675199DT…` sentinel).
const NO_SCHEDULE_DAYS: i64 = 10_000;

/// What can be said about the timing of the job's cycles.
#[derive(Debug, Clone, PartialEq)]
pub enum CycleTiming {
    /// The job's status is not known well enough (not read, no cycle yet).
    Unknown { why: String },
    /// The monitor cannot read the job status (or its reading is stale):
    /// stall verdicts are suppressed.
    Blind { why: String },
    /// The job is not running on its schedule (off, quarantined, not
    /// configured, never started): other rules report that.
    NotActive { status: String },
    /// The job has no schedule (on-demand only).
    NoSchedule,
    /// The initial cycle (steady state never reached) is running.
    Initial {
        started: DateTime<Utc>,
        elapsed: Duration,
        /// Microsoft's estimate window (0.01–0.08 min per object, floored);
        /// `None` when assignments were not read.
        estimate: Option<(Duration, Duration)>,
        /// Assigned users + groups + members, when known.
        objects: Option<u64>,
        /// `(completed, total)` units, when known.
        progress: Option<(u64, u64)>,
        /// Elapsed strictly beyond the estimate's upper bound.
        overdue: bool,
    },
    /// Incremental cycles: compare the last completed cycle with the schedule.
    Steady {
        last_end: DateTime<Utc>,
        interval: Duration,
        /// `k × interval`.
        limit: Duration,
        /// `now − last_end`.
        since: Duration,
        /// `last_end + interval`.
        next_expected: Option<DateTime<Utc>>,
        /// `since > limit`.
        stalled: bool,
    },
}

/// Whether the job's status was read recently enough to judge a stall.
/// `Err` explains why not.
pub fn job_freshness(
    obs: &Observations,
    cfg: &Thresholds,
    now: DateTime<Utc>,
) -> Result<(), String> {
    if let Some(d) = obs.graph_denied.iter().find(|d| d.job) {
        return Err(format!(
            "scimwatch is not allowed to read {} since {}: {}",
            d.what,
            super::format::fmt_time(d.since),
            d.reason
        ));
    }
    if let Reachability::Blind { since, reason } = &obs.graph_reachability {
        return Err(format!(
            "scimwatch cannot read the provisioning job from Microsoft Graph since {} ({reason})",
            super::format::fmt_time(*since)
        ));
    }
    match obs.job_observed_at {
        None => Err("the time the job status was read is not known".into()),
        Some(at) if now - at > minutes(cfg.job_stale_after_minutes) => Err(format!(
            "the job status was last read {} ago, longer than the {} min staleness window",
            super::format::fmt_duration(now - at),
            cfg.job_stale_after_minutes
        )),
        Some(_) => Ok(()),
    }
}

/// Whether the job is switched on and not quarantined.
pub fn job_is_active(job: &JobObservation) -> bool {
    job.status_code == JobStatusCode::Active
        && !matches!(
            job.schedule_state,
            ScheduleState::Disabled | ScheduleState::Paused
        )
}

/// The job's effective interval: its schedule, `None` when it has none.
pub fn effective_interval(job: &JobObservation) -> Option<Duration> {
    job.interval
        .filter(|d| *d > Duration::zero() && d.num_days() < NO_SCHEDULE_DAYS)
}

/// Microsoft's initial-cycle estimate window for `objects` assigned users,
/// groups and members, both bounds floored at `initial_cycle_floor_minutes`.
pub fn initial_cycle_estimate(objects: u64, cfg: &Thresholds) -> (Duration, Duration) {
    let floor = minutes(cfg.initial_cycle_floor_minutes);
    let n = objects as f64;
    let lo = minutes_f64(n * cfg.initial_cycle_min_minutes_per_object).max(floor);
    let hi = minutes_f64(n * cfg.initial_cycle_max_minutes_per_object).max(floor);
    (lo, hi.max(lo))
}

/// Classify the timing of the job's cycles at `now`.
pub fn cycle_timing(obs: &Observations, cfg: &Thresholds, now: DateTime<Utc>) -> CycleTiming {
    let Some(job) = &obs.job else {
        return match &obs.graph_reachability {
            Reachability::Blind { .. } => CycleTiming::Blind {
                why: job_freshness(obs, cfg, now).err().unwrap_or_default(),
            },
            _ => CycleTiming::Unknown {
                why: "the provisioning job has not been read".into(),
            },
        };
    };
    if let Err(why) = job_freshness(obs, cfg, now) {
        return CycleTiming::Blind { why };
    }
    if !job_is_active(job) {
        return CycleTiming::NotActive {
            status: format!("{} (schedule {})", job.status_code, job.schedule_state),
        };
    }
    let Some(interval) = effective_interval(job) else {
        return CycleTiming::NoSchedule;
    };
    let progress = job
        .progress
        .as_ref()
        .filter(|p| p.total_units > 0)
        .map(|p| (p.completed_units, p.total_units));
    let in_progress = job.progress.as_ref().is_some_and(|p| p.incomplete());
    let last_end = job.last_completed_end();
    let initial = job.steady_state().is_none() && (in_progress || last_end.is_none());
    if initial {
        let Some(started) = job.last_execution.as_ref().and_then(|e| e.began) else {
            return CycleTiming::Unknown {
                why: "the initial cycle has no recorded start time yet".into(),
            };
        };
        let elapsed = now - started;
        let objects = obs.assignments.as_ref().map(|a| a.objects());
        let estimate = objects.map(|n| initial_cycle_estimate(n, cfg));
        let overdue = estimate.is_some_and(|(_, hi)| elapsed > hi);
        return CycleTiming::Initial {
            started,
            elapsed,
            estimate,
            objects,
            progress,
            overdue,
        };
    }
    let Some(last_end) = last_end else {
        return CycleTiming::Unknown {
            why: "no completed provisioning cycle is recorded".into(),
        };
    };
    let factor = i32::try_from(cfg.stall_factor.max(1)).unwrap_or(i32::MAX);
    let limit = interval.checked_mul(factor).unwrap_or(Duration::MAX);
    let since = now - last_end;
    CycleTiming::Steady {
        last_end,
        interval,
        limit,
        since,
        next_expected: last_end.checked_add_signed(interval),
        stalled: since > limit,
    }
}
