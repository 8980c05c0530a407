//! What the admin does to an incident by hand: acknowledge it (reminders
//! stop, recovery detection does not) and resolve it with a note (who, when,
//! why, and the evidence as it was at that moment).
//!
//! A hand-resolved incident is *awaiting its check*: the next diagnosis looks
//! at the live evidence. If the problem is still there, [`super::reconcile`]
//! opens a new incident linked to it (`reopens`); if it is gone, the
//! resolution is confirmed. Either way it is followed up once.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{IncidentState, IncidentStatus, NotificationKind};
use crate::error::ValidationError;
use crate::health::Evidence;

/// The longest note kept with a resolution, in characters.
pub const NOTE_MAX_CHARS: usize = 2_000;
/// The longest name recorded as who acknowledged or resolved.
pub const BY_MAX_CHARS: usize = 128;

/// Someone said "I'm on it": reminders stop until the incident resolves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Acknowledgement {
    pub by: String,
    #[ts(type = "string")]
    pub at: DateTime<Utc>,
}

/// How an incident ended, with its evidence as of that moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Resolution {
    #[ts(type = "string")]
    pub at: DateTime<Utc>,
    /// Resolved by an admin (else scimwatch saw the problem go away).
    pub by_hand: bool,
    /// Who resolved it by hand.
    pub by: Option<String>,
    /// What the admin wrote when resolving.
    pub note: Option<String>,
    /// The evidence as it was when the incident resolved (never refreshed).
    pub evidence: Vec<Evidence>,
    /// The recommendation as it was when the incident resolved.
    pub action: String,
    /// A diagnosis has looked at the live evidence since (always true for an
    /// automatic resolution).
    pub followed_up: bool,
    /// The live evidence still failed at that diagnosis: a new incident
    /// re-opened the problem.
    pub reopened: bool,
}

/// Why a manual action was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManualError {
    #[error("the incident is already resolved")]
    AlreadyResolved,
    #[error(transparent)]
    Invalid(#[from] ValidationError),
}

fn clean_by(by: &str) -> Result<String, ValidationError> {
    let by = by.trim();
    if by.is_empty() {
        return Err(ValidationError::single(
            "by",
            "who is acting is unknown: scimwatch records a name with every acknowledgement and resolution",
        ));
    }
    if by.chars().count() > BY_MAX_CHARS || by.chars().any(char::is_control) {
        return Err(ValidationError::single(
            "by",
            format!("a name of at most {BY_MAX_CHARS} characters, without control characters"),
        ));
    }
    Ok(by.to_string())
}

/// The note as stored: trimmed, required, at most [`NOTE_MAX_CHARS`]
/// characters, no control characters other than line breaks and tabs.
pub fn validate_note(note: &str) -> Result<String, ValidationError> {
    let note = note.trim();
    if note.is_empty() {
        return Err(ValidationError::single(
            "note",
            "say what was done (or why it needs nothing): the note is kept in the incident's history",
        ));
    }
    let n = note.chars().count();
    if n > NOTE_MAX_CHARS {
        return Err(ValidationError::single(
            "note",
            format!("the note has {n} characters; at most {NOTE_MAX_CHARS}"),
        ));
    }
    if note
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
    {
        return Err(ValidationError::single(
            "note",
            "the note contains control characters",
        ));
    }
    Ok(note.replace("\r\n", "\n"))
}

/// Acknowledge an active incident: reminders and a deferred "opened" or
/// "reminder" notification are dropped (the admin knows); escalations,
/// recovery detection and the recovery notice carry on. Acknowledging twice
/// keeps the first acknowledgement.
pub fn acknowledge(
    incident: &IncidentState,
    by: &str,
    now: DateTime<Utc>,
) -> Result<IncidentState, ManualError> {
    if !incident.is_active() {
        return Err(ManualError::AlreadyResolved);
    }
    let by = clean_by(by)?;
    let mut next = incident.clone();
    if next.acknowledged.is_none() {
        next.acknowledged = Some(Acknowledgement { by, at: now });
        next.updated_at = now;
    }
    if matches!(
        next.pending_notification,
        Some(NotificationKind::Opened | NotificationKind::Reminder)
    ) {
        next.pending_notification = None;
    }
    Ok(next)
}

/// Resolve an active incident by hand: records who, when and the note, and
/// keeps the evidence as it is now. No recovery notification (the admin did
/// it); the next diagnosis checks the live evidence.
pub fn resolve_by_hand(
    incident: &IncidentState,
    by: &str,
    note: &str,
    now: DateTime<Utc>,
) -> Result<IncidentState, ManualError> {
    if !incident.is_active() {
        return Err(ManualError::AlreadyResolved);
    }
    let by = clean_by(by)?;
    let note = validate_note(note)?;
    let mut next = incident.clone();
    next.state = IncidentStatus::Resolved;
    next.resolved_at = Some(now);
    next.updated_at = now;
    next.pending_notification = None;
    next.resolution = Some(Resolution {
        at: now,
        by_hand: true,
        by: Some(by),
        note: Some(note),
        evidence: incident.evidence.clone(),
        action: incident.action.clone(),
        followed_up: false,
        reopened: false,
    });
    Ok(next)
}

impl IncidentState {
    /// Whether reminders are off because someone acknowledged the incident.
    pub fn is_acknowledged(&self) -> bool {
        self.is_active() && self.acknowledged.is_some()
    }

    /// Resolved by hand and not yet checked against the live evidence.
    pub fn awaits_check(&self) -> bool {
        !self.is_active()
            && self
                .resolution
                .as_ref()
                .is_some_and(|r| r.by_hand && !r.followed_up)
    }

    /// How long the incident lasted (to `now` while it is active).
    pub fn duration(&self, now: DateTime<Utc>) -> Duration {
        let end = self.resolved_at.unwrap_or(now);
        (end - self.opened_at).max(Duration::zero())
    }
}
