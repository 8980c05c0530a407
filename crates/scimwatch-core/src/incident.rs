//! Incidents: the pure state machine that turns a stream of findings into as
//! few notifications as possible. Storage lives in the engine.
//!
//! One incident per connection and [`FindingKind`]: the caller passes the
//! incidents of one connection. Lifecycle: `open → escalated → resolved`.
//!
//! - A finding whose kind has no open incident opens one (and notifies).
//! - The same finding again: no notification; an `Update` when its title,
//!   evidence or severity (downwards) changed.
//! - A higher severity, or a lower token-expiry threshold (30 → 14 days),
//!   escalates (and notifies).
//! - While open, a reminder every `reminder_every_minutes` (default 4 h),
//!   counted from the last notification; none while snoozed.
//! - A kind with no finding any more resolves its incident, with a recovery
//!   notification when the incident had notified.
//! - Quiet hours defer notifications, never incidents: the incident records
//!   `pending_notification`, delivered by the first reconcile after quiet
//!   hours end. Reminders are not queued: they simply fall due again.
//! - Acknowledged ([`acknowledge`]): no reminders; escalation (which clears
//!   the acknowledgement), recovery and its notice go on as before.
//! - Resolved by hand ([`resolve_by_hand`]): the next reconcile checks the
//!   live evidence — still failing opens a new incident that `reopens` it
//!   (and notifies), gone confirms the resolution.
//!
//! Use [`group_related`] first (one problem, one incident: related findings
//! become evidence of the one that explains them), then [`reconcile`] to get
//! the actions and [`apply`] to get the new states.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, FixedOffset, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::health::{Evidence, Finding, FindingKind, Severity};

pub mod manual;
pub mod related;
pub mod tray;
pub use manual::{acknowledge, resolve_by_hand, Acknowledgement, ManualError, Resolution};
pub use related::group_related;

/// Where an incident is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    Open,
    /// Its severity (or urgency) went up since it opened.
    Escalated,
    Resolved,
}

/// Which notification an incident sent or still owes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    Opened,
    Escalated,
    Reminder,
    Recovered,
}

/// One incident of one connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct IncidentState {
    pub kind: FindingKind,
    pub severity: Severity,
    pub state: IncidentStatus,
    pub title: String,
    /// The recommended fix from the latest finding.
    pub action: String,
    pub evidence: Vec<Evidence>,
    /// Token expiry threshold crossed, if any (see [`Finding::threshold_days`]).
    pub threshold_days: Option<u32>,
    #[ts(type = "string")]
    pub opened_at: DateTime<Utc>,
    #[ts(type = "string")]
    pub updated_at: DateTime<Utc>,
    #[ts(type = "string | null")]
    pub last_notified_at: Option<DateTime<Utc>>,
    /// Reminders are suppressed until then.
    #[ts(type = "string | null")]
    pub snoozed_until: Option<DateTime<Utc>>,
    /// A notification deferred by quiet hours, to send when they end.
    pub pending_notification: Option<NotificationKind>,
    #[ts(type = "string | null")]
    pub resolved_at: Option<DateTime<Utc>>,
    /// Someone acknowledged it: no reminders while it stays open.
    #[serde(default)]
    pub acknowledged: Option<Acknowledgement>,
    /// How it ended, with the evidence as of then (absent while active, and
    /// in incidents resolved before it was recorded).
    #[serde(default)]
    pub resolution: Option<Resolution>,
    /// The `opened_at` of the hand-resolved incident of the same kind this
    /// one re-opens (its evidence still failed at the next diagnosis).
    #[serde(default)]
    #[ts(type = "string | null")]
    pub reopens: Option<DateTime<Utc>>,
}

impl IncidentState {
    /// Whether the incident is not resolved.
    pub fn is_active(&self) -> bool {
        self.state != IncidentStatus::Resolved
    }

    /// Whether reminders are snoozed at `now`.
    pub fn is_snoozed(&self, now: DateTime<Utc>) -> bool {
        self.snoozed_until.is_some_and(|u| now < u)
    }
}

/// A daily quiet window in local time. `start == end` is an empty window;
/// `start > end` spans midnight (e.g. 22:00–07:00). Start is inclusive, end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct QuietHours {
    #[ts(type = "string")]
    pub start: NaiveTime,
    #[ts(type = "string")]
    pub end: NaiveTime,
}

impl QuietHours {
    /// Whether the local time `t` falls in the window.
    pub fn contains(&self, t: NaiveTime) -> bool {
        if self.start <= self.end {
            self.start <= t && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }
}

/// When and what to notify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct NotifyPolicy {
    /// Minutes between reminders while an incident is open (default 240).
    pub reminder_every_minutes: u32,
    /// Local quiet hours; the local offset is a parameter of [`reconcile`].
    pub quiet_hours: Option<QuietHours>,
    /// Findings below this severity never notify (default warning).
    pub notify_min_severity: Severity,
    /// Findings below this severity open no incident (default warning: info
    /// findings stay on the dashboard only).
    pub open_min_severity: Severity,
    /// Critical notifications are sent even in quiet hours (default false).
    pub critical_ignores_quiet_hours: bool,
    /// Send a notification when a notified incident resolves (default true).
    pub notify_recovery: bool,
}

impl Default for NotifyPolicy {
    fn default() -> Self {
        Self {
            reminder_every_minutes: 240,
            quiet_hours: None,
            notify_min_severity: Severity::Warning,
            open_min_severity: Severity::Warning,
            critical_ignores_quiet_hours: false,
            notify_recovery: true,
        }
    }
}

impl NotifyPolicy {
    /// Whether `now` falls in quiet hours at the given local offset.
    pub fn is_quiet(&self, now: DateTime<Utc>, local_offset: FixedOffset) -> bool {
        self.quiet_hours
            .is_some_and(|q| q.contains(now.with_timezone(&local_offset).time()))
    }

    fn can_send(&self, severity: Severity, quiet: bool) -> bool {
        !quiet || (self.critical_ignores_quiet_hours && severity == Severity::Critical)
    }
}

/// What to do with the incidents of one connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum IncidentAction {
    /// Open an incident for a new problem.
    Open {
        finding: Finding,
        /// Send the "new problem" notification now.
        notify: bool,
        /// The notification is owed but quiet hours defer it.
        deferred: bool,
        /// The hand-resolved incident (its `opened_at`) whose problem is
        /// still there: this one re-opens it.
        #[ts(type = "string | null")]
        reopens: Option<DateTime<Utc>>,
    },
    /// The problem got worse.
    Escalate {
        finding: Finding,
        from: Severity,
        notify: bool,
        deferred: bool,
    },
    /// The problem persists; new evidence, no notification.
    Update { finding: Finding },
    /// Still open: remind the admin.
    Remind {
        kind: FindingKind,
        severity: Severity,
        title: String,
    },
    /// Send a notification deferred by quiet hours.
    DeliverPending {
        kind: FindingKind,
        severity: Severity,
        title: String,
        notification: NotificationKind,
    },
    /// The problem is gone.
    Resolve {
        kind: FindingKind,
        title: String,
        notify_recovery: bool,
        deferred: bool,
    },
    /// An incident resolved by hand stays resolved: the live evidence no
    /// longer shows its problem.
    ConfirmResolved {
        kind: FindingKind,
        #[ts(type = "string")]
        opened_at: DateTime<Utc>,
    },
}

impl IncidentAction {
    /// The kind the action is about.
    pub fn kind(&self) -> FindingKind {
        match self {
            IncidentAction::Open { finding, .. }
            | IncidentAction::Escalate { finding, .. }
            | IncidentAction::Update { finding } => finding.kind,
            IncidentAction::Remind { kind, .. }
            | IncidentAction::DeliverPending { kind, .. }
            | IncidentAction::Resolve { kind, .. }
            | IncidentAction::ConfirmResolved { kind, .. } => *kind,
        }
    }

    /// The notification to send now, if any.
    pub fn notification(&self) -> Option<NotificationKind> {
        match self {
            IncidentAction::Open { notify: true, .. } => Some(NotificationKind::Opened),
            IncidentAction::Escalate { notify: true, .. } => Some(NotificationKind::Escalated),
            IncidentAction::Remind { .. } => Some(NotificationKind::Reminder),
            IncidentAction::DeliverPending { notification, .. } => Some(*notification),
            IncidentAction::Resolve {
                notify_recovery: true,
                ..
            } => Some(NotificationKind::Recovered),
            _ => None,
        }
    }
}

fn worse(inc: &IncidentState, f: &Finding) -> bool {
    f.severity > inc.severity
        || matches!((inc.threshold_days, f.threshold_days), (Some(old), Some(new)) if new < old)
}

fn changed(inc: &IncidentState, f: &Finding) -> bool {
    inc.severity != f.severity
        || inc.title != f.title
        || inc.evidence != f.evidence
        || inc.action != f.action
        || inc.threshold_days != f.threshold_days
}

/// Compare the open incidents of one connection with its current findings.
///
/// `local_offset` is the user's current UTC offset (quiet hours are local).
/// Incidents in `active` that are resolved are only looked at for a pending
/// recovery notification. Several findings of one kind count as one (the
/// most severe).
pub fn reconcile(
    active: &[IncidentState],
    findings: &[Finding],
    policy: &NotifyPolicy,
    local_offset: FixedOffset,
    now: DateTime<Utc>,
) -> Vec<IncidentAction> {
    let quiet = policy.is_quiet(now, local_offset);
    let reminder_every = Duration::minutes(i64::from(policy.reminder_every_minutes.max(1)));
    let mut current: BTreeMap<FindingKind, &Finding> = BTreeMap::new();
    for f in findings
        .iter()
        .filter(|f| f.severity >= policy.open_min_severity)
    {
        let keep = current
            .get(&f.kind)
            .is_none_or(|old| f.severity > old.severity);
        if keep {
            current.insert(f.kind, f);
        }
    }

    let mut actions = Vec::new();
    let mut seen: Vec<FindingKind> = Vec::new();
    for inc in active {
        if inc.awaits_check() {
            continue; // after the active ones, below
        }
        if !inc.is_active() {
            if inc.pending_notification == Some(NotificationKind::Recovered)
                && policy.can_send(Severity::Info, quiet)
            {
                actions.push(IncidentAction::DeliverPending {
                    kind: inc.kind,
                    severity: inc.severity,
                    title: inc.title.clone(),
                    notification: NotificationKind::Recovered,
                });
            }
            continue;
        }
        if seen.contains(&inc.kind) {
            continue; // a duplicate row: one incident per kind
        }
        seen.push(inc.kind);
        match current.remove(&inc.kind) {
            Some(f) => {
                let wants = f.severity >= policy.notify_min_severity;
                let sendable = policy.can_send(f.severity, quiet);
                if worse(inc, f) {
                    actions.push(IncidentAction::Escalate {
                        finding: f.clone(),
                        from: inc.severity,
                        notify: wants && sendable,
                        deferred: wants && !sendable,
                    });
                } else if let (Some(n), true) = (inc.pending_notification, sendable) {
                    if changed(inc, f) {
                        actions.push(IncidentAction::Update { finding: f.clone() });
                    }
                    actions.push(IncidentAction::DeliverPending {
                        kind: inc.kind,
                        severity: f.severity,
                        title: f.title.clone(),
                        notification: n,
                    });
                } else {
                    if changed(inc, f) {
                        actions.push(IncidentAction::Update { finding: f.clone() });
                    }
                    let basis = inc.last_notified_at.unwrap_or(inc.opened_at);
                    let due = wants
                        && sendable
                        && inc.pending_notification.is_none()
                        && !inc.is_snoozed(now)
                        && inc.acknowledged.is_none()
                        && now - basis >= reminder_every;
                    if due {
                        actions.push(IncidentAction::Remind {
                            kind: inc.kind,
                            severity: f.severity,
                            title: f.title.clone(),
                        });
                    }
                }
            }
            None => {
                let notified = inc.last_notified_at.is_some()
                    || matches!(
                        inc.pending_notification,
                        Some(NotificationKind::Escalated | NotificationKind::Reminder)
                    );
                let wants = policy.notify_recovery && notified;
                let sendable = policy.can_send(Severity::Info, quiet);
                actions.push(IncidentAction::Resolve {
                    kind: inc.kind,
                    title: inc.title.clone(),
                    notify_recovery: wants && sendable,
                    deferred: wants && !sendable,
                });
            }
        }
    }
    // Resolved by hand: the live evidence decides, once.
    let mut reopened: BTreeMap<FindingKind, DateTime<Utc>> = BTreeMap::new();
    for inc in active.iter().filter(|i| i.awaits_check()) {
        let still_failing = current.contains_key(&inc.kind) && !reopened.contains_key(&inc.kind);
        if still_failing {
            reopened.insert(inc.kind, inc.opened_at);
        } else {
            actions.push(IncidentAction::ConfirmResolved {
                kind: inc.kind,
                opened_at: inc.opened_at,
            });
        }
    }
    for f in current.into_values() {
        let wants = f.severity >= policy.notify_min_severity;
        let sendable = policy.can_send(f.severity, quiet);
        actions.push(IncidentAction::Open {
            finding: f.clone(),
            notify: wants && sendable,
            deferred: wants && !sendable,
            reopens: reopened.get(&f.kind).copied(),
        });
    }
    actions
}

fn refresh(inc: &mut IncidentState, f: &Finding, now: DateTime<Utc>) {
    inc.severity = f.severity;
    inc.title = f.title.clone();
    inc.action = f.action.clone();
    inc.evidence = f.evidence.clone();
    inc.threshold_days = f.threshold_days;
    inc.updated_at = now;
}

/// Apply actions from [`reconcile`] and return the new list of incidents
/// (resolved ones are kept, for history and pending recoveries).
pub fn apply(
    incidents: &[IncidentState],
    actions: &[IncidentAction],
    now: DateTime<Utc>,
) -> Vec<IncidentState> {
    let mut out = incidents.to_vec();
    for a in actions {
        let kind = a.kind();
        let active = out.iter().position(|i| i.kind == kind && i.is_active());
        match a {
            IncidentAction::Open {
                finding,
                notify,
                deferred,
                reopens,
            } => {
                if let Some(old) = reopens.and_then(|at| {
                    out.iter()
                        .position(|i| i.kind == kind && i.opened_at == at && i.awaits_check())
                }) {
                    if let Some(r) = out.get_mut(old).and_then(|i| i.resolution.as_mut()) {
                        r.followed_up = true;
                        r.reopened = true;
                    }
                }
                out.push(IncidentState {
                    kind,
                    severity: finding.severity,
                    state: IncidentStatus::Open,
                    title: finding.title.clone(),
                    action: finding.action.clone(),
                    evidence: finding.evidence.clone(),
                    threshold_days: finding.threshold_days,
                    opened_at: now,
                    updated_at: now,
                    last_notified_at: notify.then_some(now),
                    snoozed_until: None,
                    pending_notification: deferred.then_some(NotificationKind::Opened),
                    resolved_at: None,
                    acknowledged: None,
                    resolution: None,
                    reopens: *reopens,
                })
            }
            IncidentAction::Escalate {
                finding,
                notify,
                deferred,
                ..
            } => {
                if let Some(inc) = active.and_then(|i| out.get_mut(i)) {
                    refresh(inc, finding, now);
                    inc.state = IncidentStatus::Escalated;
                    // Worse than what was acknowledged: reminders resume.
                    inc.acknowledged = None;
                    if *notify {
                        inc.last_notified_at = Some(now);
                        inc.pending_notification = None;
                    }
                    if *deferred {
                        // An "opened" notice still owed stays one: it carries the new severity.
                        inc.pending_notification = match inc.pending_notification {
                            Some(NotificationKind::Opened) => Some(NotificationKind::Opened),
                            _ => Some(NotificationKind::Escalated),
                        };
                    }
                }
            }
            IncidentAction::Update { finding } => {
                if let Some(inc) = active.and_then(|i| out.get_mut(i)) {
                    if finding.severity < inc.severity {
                        inc.state = IncidentStatus::Open;
                    }
                    refresh(inc, finding, now);
                }
            }
            IncidentAction::Remind { .. } => {
                if let Some(inc) = active.and_then(|i| out.get_mut(i)) {
                    inc.last_notified_at = Some(now);
                }
            }
            IncidentAction::DeliverPending { notification, .. } => {
                let idx = out
                    .iter()
                    .position(|i| i.kind == kind && i.pending_notification == Some(*notification));
                if let Some(inc) = idx.and_then(|i| out.get_mut(i)) {
                    inc.pending_notification = None;
                    inc.last_notified_at = Some(now);
                }
            }
            IncidentAction::Resolve {
                notify_recovery,
                deferred,
                ..
            } => {
                if let Some(inc) = active.and_then(|i| out.get_mut(i)) {
                    inc.state = IncidentStatus::Resolved;
                    inc.resolved_at = Some(now);
                    inc.updated_at = now;
                    inc.pending_notification = deferred.then_some(NotificationKind::Recovered);
                    if *notify_recovery {
                        inc.last_notified_at = Some(now);
                    }
                    inc.resolution = Some(Resolution {
                        at: now,
                        by_hand: false,
                        by: None,
                        note: None,
                        evidence: inc.evidence.clone(),
                        action: inc.action.clone(),
                        followed_up: true,
                        reopened: false,
                    });
                }
            }
            IncidentAction::ConfirmResolved { opened_at, .. } => {
                let idx = out
                    .iter()
                    .position(|i| i.kind == kind && i.opened_at == *opened_at && i.awaits_check());
                if let Some(r) = idx
                    .and_then(|i| out.get_mut(i))
                    .and_then(|i| i.resolution.as_mut())
                {
                    r.followed_up = true;
                }
            }
        }
    }
    out
}

/// Snooze an incident's reminders until `until` (`None` clears the snooze).
pub fn snooze(incident: &IncidentState, until: Option<DateTime<Utc>>) -> IncidentState {
    IncidentState {
        snoozed_until: until,
        ..incident.clone()
    }
}
