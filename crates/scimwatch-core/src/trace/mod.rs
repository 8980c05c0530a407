//! The per-user trace ("when will user X show up?"): what scimwatch has read
//! about one user — the app's assignments, the job's scope, the provisioning
//! events about them, the SaaS's latest inventory snapshot and the job's next
//! cycle — judged into one verdict line and one line per fact.
//!
//! Pure: the engine gathers the evidence and passes `now`. Every line says
//! "could not check" (and why) when its evidence is missing; nothing is
//! claimed without it. Times in the texts are RFC 3339, which the UI shows
//! in local time (`RichText`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use ts_rs::TS;

use crate::health::format::{fmt_duration, fmt_time};
use crate::health::{CycleTiming, JobObservation, JobStatusCode};

mod lines;
#[cfg(test)]
mod tests;

use lines::{assignment_line, events_line, saas_line, scope_line};

/// Whether the user is assigned to the app, as the stored assignments say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignmentEvidence {
    /// The app's assignments were never read.
    NotRead,
    /// Read at `read_at`, but stored without the per-user details (before
    /// they were kept): membership cannot be checked.
    WithoutDetails { read_at: DateTime<Utc> },
    /// Assigned to the app directly.
    Direct { read_at: DateTime<Utc> },
    /// A direct member of an assigned group. `groups`: the names of every
    /// assigned group (scimwatch keeps their members together).
    ThroughGroup {
        read_at: DateTime<Utc>,
        groups: Vec<String>,
    },
    /// Neither assigned directly nor a direct member of an assigned group.
    NotAssigned {
        read_at: DateTime<Utc>,
        users: u64,
        groups: u64,
        members: u64,
    },
}

/// The user in the SaaS's latest complete inventory snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaasEvidence {
    /// The connection has no SCIM side.
    NoScimSide,
    /// No complete snapshot yet.
    NoSnapshot,
    Present {
        snapshot_at: DateTime<Utc>,
        user_name: Option<String>,
        active: Option<bool>,
    },
    Absent {
        snapshot_at: DateTime<Utc>,
        users: u64,
    },
}

/// Whether the provisioning logs were read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogsEvidence {
    Read,
    /// Read, but the tenant does not offer them (no Entra ID P1/P2).
    Unavailable,
    NotRead,
}

/// One provisioning event about the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEvent {
    pub at: DateTime<Utc>,
    /// `create`, `update`, `delete`, `disable`, `stagedDelete`, `other`.
    pub action: String,
    /// `success`, `failure`, `skipped`, `warning`.
    pub status: String,
    pub error_code: Option<String>,
    pub error_reason: Option<String>,
}

/// When Entra's next cycle can reach the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextCycle {
    /// Steady state: the last cycle's end + the interval.
    Expected { at: DateTime<Utc> },
    /// The initial cycle is running.
    InitialRunning { started: DateTime<Utc> },
    Quarantined {
        next_attempt: Option<DateTime<Utc>>,
        reason: Option<String>,
    },
    /// The job is not running on its schedule (off, paused, never run).
    Off { status: String },
    /// The job has no schedule.
    NoSchedule,
    /// Not known (the job not read, scimwatch blind, no cycle yet).
    Unknown { why: String },
}

/// The next cycle from core's cycle timing and the job as read.
pub fn next_cycle(timing: &CycleTiming, job: Option<&JobObservation>) -> NextCycle {
    match timing {
        CycleTiming::Steady {
            next_expected: Some(at),
            ..
        } => NextCycle::Expected { at: *at },
        CycleTiming::Steady { .. } => NextCycle::Unknown {
            why: "the schedule's next time is out of range".into(),
        },
        CycleTiming::Initial { started, .. } => NextCycle::InitialRunning { started: *started },
        CycleTiming::NoSchedule => NextCycle::NoSchedule,
        CycleTiming::Unknown { why } | CycleTiming::Blind { why } => {
            NextCycle::Unknown { why: why.clone() }
        }
        CycleTiming::NotActive { status } => match job {
            Some(j) if j.status_code == JobStatusCode::Quarantine => {
                let q = j.quarantine.clone().unwrap_or_default();
                NextCycle::Quarantined {
                    next_attempt: q.next_attempt,
                    reason: q.reason.map(|r| r.to_string()),
                }
            }
            _ => NextCycle::Off {
                status: status.clone(),
            },
        },
    }
}

/// Everything the trace judges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceInput {
    pub assignment: AssignmentEvidence,
    /// The job's `SyncAll`: `Some(false)` = only assigned users and groups;
    /// `None` = not read.
    pub sync_all: Option<bool>,
    /// Whether the User object mapping is enabled; `None` = not read.
    pub users_mapping_enabled: Option<bool>,
    /// The user's events, newest first.
    pub events: Vec<TraceEvent>,
    pub logs: LogsEvidence,
    pub saas: SaasEvidence,
    pub next: NextCycle,
}

/// How a line reads: fine, waiting, a problem, or not known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TraceTone {
    Ok,
    Waiting,
    Problem,
    Unknown,
}

/// One line of the trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct TraceLine {
    pub tone: TraceTone,
    pub text: String,
}

fn line(tone: TraceTone, text: impl Into<String>) -> TraceLine {
    TraceLine {
        tone,
        text: text.into(),
    }
}

/// The trace judged: the verdict and one line per fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct TraceJudgement {
    pub verdict: TraceLine,
    pub assignment: TraceLine,
    pub scope: TraceLine,
    pub events: TraceLine,
    pub saas: TraceLine,
    pub next_cycle: TraceLine,
}

/// A failure's reason in one line: the `Message:` of Entra's
/// `StatusCode: …\r\nMessage: …\r\nWeb Response: …` form, else the first
/// line, with the error code in front; at most 240 characters.
pub fn short_reason(code: Option<&str>, reason: Option<&str>) -> String {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let text = reason.map(|r| {
        let msg = r
            .lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix("Message:"))
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| r.lines().next().unwrap_or(r).trim());
        // Backticks would be read as code by the UI.
        msg.replace('`', "'")
    });
    let code = code.map(str::trim).filter(|c| !c.is_empty());
    let out = match (code, text) {
        (Some(c), Some(t)) if t.contains(c) => t,
        (Some(c), Some(t)) => format!("{c} — {t}"),
        (Some(c), None) => c.to_string(),
        (None, Some(t)) => t,
        (None, None) => "Entra gave no reason".to_string(),
    };
    if out.chars().count() > 240 {
        let cut: String = out.chars().take(239).collect();
        format!("{cut}…")
    } else {
        out
    }
}

fn is_removal(action: &str) -> bool {
    matches!(
        action.to_ascii_lowercase().as_str(),
        "delete" | "disable" | "stageddelete"
    )
}

fn removal_words(action: &str) -> &'static str {
    match action.to_ascii_lowercase().as_str() {
        "delete" => "Deleted from the SaaS",
        "stageddelete" => "Marked for deletion in the SaaS",
        _ => "Disabled in the SaaS",
    }
}

/// The next cycle in words (`Waiting for the next cycle at …`), with its tone.
fn next_text(next: &NextCycle, now: DateTime<Utc>) -> TraceLine {
    match next {
        NextCycle::Expected { at } if *at > now => line(
            TraceTone::Waiting,
            format!("the next cycle at ~{}", fmt_time(*at)),
        ),
        NextCycle::Expected { at } => line(
            TraceTone::Problem,
            format!(
                "the next cycle, expected at {}: overdue by {}",
                fmt_time(*at),
                fmt_duration(now - *at)
            ),
        ),
        NextCycle::InitialRunning { started } => line(
            TraceTone::Waiting,
            format!(
                "the initial cycle, running since {}: it provisions users as it reaches them",
                fmt_time(*started)
            ),
        ),
        NextCycle::Quarantined {
            next_attempt,
            reason,
        } => {
            let why = reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            line(
                TraceTone::Problem,
                match next_attempt {
                    Some(t) => format!(
                        "not until the quarantine{why} is cleared: next attempt at {}",
                        fmt_time(*t)
                    ),
                    None => format!(
                        "not until the quarantine{why} is cleared: Entra did not say when it retries"
                    ),
                },
            )
        }
        NextCycle::Off { status } => line(
            TraceTone::Problem,
            format!("not while provisioning is not running: the job is {status}"),
        ),
        NextCycle::NoSchedule => line(
            TraceTone::Waiting,
            "no scheduled cycle: the job has no schedule, only Provision on demand or a restart \
             reaches them",
        ),
        NextCycle::Unknown { why } => {
            line(TraceTone::Unknown, format!("could not check when: {why}"))
        }
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The verdict line: the one sentence that answers "when will they show up?".
fn verdict(input: &TraceInput, now: DateTime<Utc>) -> TraceLine {
    let next = next_text(&input.next, now);
    let newest = input.events.first();
    if input.users_mapping_enabled == Some(false) {
        return line(
            TraceTone::Problem,
            "Not provisioned: the job's User mapping is disabled — Entra provisions no user until \
             it is enabled again",
        );
    }
    let in_scope_unknown = matches!(
        input.assignment,
        AssignmentEvidence::NotRead | AssignmentEvidence::WithoutDetails { .. }
    );
    if matches!(input.assignment, AssignmentEvidence::NotAssigned { .. })
        && input.sync_all != Some(true)
    {
        let scope = if input.sync_all.is_none() {
            " (the job's scope could not be checked; with \u{201c}sync all users\u{201d} \
             assignment would not matter)"
        } else {
            ""
        };
        return match newest {
            Some(e) if e.status == "success" && !is_removal(&e.action) => line(
                TraceTone::Waiting,
                format!(
                    "No longer assigned: provisioned at {}, Entra removes them from the SaaS. \
                     Next: {}{scope}",
                    fmt_time(e.at),
                    next.text
                ),
            ),
            _ => line(
                TraceTone::Problem,
                format!(
                    "Not assigned — Entra will never provision this user; assign them or a \
                     group they're in{scope}"
                ),
            ),
        };
    }
    if let Some(e) = newest {
        let at = fmt_time(e.at);
        match e.status.as_str() {
            "failure" => {
                return line(
                    TraceTone::Problem,
                    format!(
                        "Failed at {at}: {}. Next: {}",
                        short_reason(e.error_code.as_deref(), e.error_reason.as_deref())
                            .trim_end_matches('.'),
                        next.text
                    ),
                )
            }
            "success" if is_removal(&e.action) => {
                return line(
                    TraceTone::Waiting,
                    format!("{} at {at}", removal_words(&e.action)),
                )
            }
            "success" => {
                let saas = match &input.saas {
                    SaasEvidence::Present {
                        active: Some(false),
                        ..
                    } => " — in the SaaS but inactive",
                    SaasEvidence::Present { .. } => " — present in the SaaS",
                    SaasEvidence::Absent { snapshot_at, .. } if *snapshot_at > e.at => {
                        return line(
                            TraceTone::Problem,
                            format!(
                                "Provisioned at {at} — but not in the SaaS snapshot of {}, taken \
                                 after",
                                fmt_time(*snapshot_at)
                            ),
                        )
                    }
                    SaasEvidence::Absent { .. } => {
                        " — the latest SaaS snapshot predates it (crawl again to see them)"
                    }
                    SaasEvidence::NoSnapshot | SaasEvidence::NoScimSide => {
                        " — in the SaaS: could not check"
                    }
                };
                return line(TraceTone::Ok, format!("Provisioned at {at}{saas}"));
            }
            "skipped" => {
                return line(
                    TraceTone::Problem,
                    format!(
                        "Skipped at {at}: {}",
                        short_reason(e.error_code.as_deref(), e.error_reason.as_deref())
                    ),
                )
            }
            _ => {
                return line(
                    TraceTone::Waiting,
                    format!(
                        "{} at {at}: {}",
                        capitalize(&e.status),
                        short_reason(e.error_code.as_deref(), e.error_reason.as_deref())
                    ),
                )
            }
        }
    }
    if let SaasEvidence::Present { snapshot_at, .. } = &input.saas {
        return line(
            TraceTone::Ok,
            format!(
                "Present in the SaaS (snapshot of {}); no provisioning event about them is stored",
                fmt_time(*snapshot_at)
            ),
        );
    }
    if in_scope_unknown && input.sync_all != Some(true) {
        return line(
            TraceTone::Unknown,
            "Could not check: the app's assignments are not known well enough to say whether \
             Entra will provision this user",
        );
    }
    match input.next {
        NextCycle::Expected { .. } | NextCycle::InitialRunning { .. } => {
            line(next.tone, format!("Waiting for {}", next.text))
        }
        _ => line(next.tone, capitalize(&next.text)),
    }
}

/// Judge the trace at `now`.
pub fn judge(input: &TraceInput, now: DateTime<Utc>) -> TraceJudgement {
    let next = next_text(&input.next, now);
    TraceJudgement {
        verdict: verdict(input, now),
        assignment: assignment_line(&input.assignment, input.sync_all),
        scope: scope_line(input),
        events: events_line(input),
        saas: saas_line(input),
        next_cycle: TraceLine {
            tone: next.tone,
            text: capitalize(&next.text),
        },
    }
}
