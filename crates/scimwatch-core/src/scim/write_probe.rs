//! The Entra write probe's vocabulary and its pure judgements: what one
//! replayed Entra operation concluded, what Entra does when the SaaS answers
//! that way, how a read-back is judged, and the overall verdict.
//!
//! The engine (`scim::probe`) sends the requests and reads the objects back;
//! everything here is data in, data out.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

/// The prefix of every throwaway object the probe creates: a leftover is
/// recognisable in the SaaS by its name, and clean-up only ever deletes
/// objects whose name starts with it.
pub const PROBE_PREFIX: &str = "scimwatch-probe-";

/// What one replayed operation concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum StepOutcome {
    /// Sent, answered as Entra expects, and the effect read back.
    Pass,
    /// Refused, answered in a way Entra cannot use, or a 2xx whose effect is
    /// not there when read back.
    Fail,
    /// Entra would not send it to this SaaS (e.g. group operations when the
    /// SaaS has no /Groups): neither passed nor failed.
    NotApplicable,
    /// Not sent: the write probe was not requested, it was cancelled, or an
    /// operation it depends on failed. Never a pass.
    NotRun,
    /// Sent and accepted (2xx), but the effect cannot be read back (a group
    /// returned without `members`): neither passed nor failed.
    Unverified,
    /// Not sent: Entra sends it only under a configuration scimwatch cannot
    /// see for this connection (app roles in the Users mapping, when no
    /// attribute mappings are stored). Neither passed nor failed: it does
    /// not keep "ready for Entra", which names it beside the verdict.
    NotChecked,
}

impl StepOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            StepOutcome::Pass => "pass",
            StepOutcome::Fail => "FAIL",
            StepOutcome::NotApplicable => "not applicable",
            StepOutcome::NotRun => "not run",
            StepOutcome::Unverified => "not verified",
            StepOutcome::NotChecked => "not checked",
        }
    }
}

/// What Entra's provisioning service does when the SaaS answers an
/// operation the way it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EntraReaction {
    /// No answer, a timeout, 429 or a 5xx: Entra retries the object at the
    /// next cycles (it stays escrowed until it goes through).
    Retry,
    /// A 4xx refusal of this change: the object is escrowed — retried every
    /// cycle and counted as a failure; enough of them quarantine the job.
    Escrow,
    /// The token refused (401/403): the whole job is quarantined.
    Quarantine,
    /// A lookup Entra matches with found nothing (or the wrong objects):
    /// Entra creates the object again — a duplicate, a 409 `EntryConflict`,
    /// or `DuplicateTargetEntries` when several match.
    Duplicate,
    /// Accepted (2xx) but nothing changed: Entra records a success and never
    /// resends it; the SaaS silently keeps the old value.
    SilentDrift,
}

impl EntraReaction {
    /// What Entra does, in a sentence for the admin.
    pub fn describe(self) -> &'static str {
        match self {
            EntraReaction::Retry => {
                "Entra retries the object at the next cycles (escrowed until it goes through)"
            }
            EntraReaction::Escrow => {
                "Entra escrows the object: it retries it every cycle and counts a failure each \
                 time; enough failures quarantine the provisioning job"
            }
            EntraReaction::Quarantine => {
                "Entra quarantines the provisioning job (the token is refused)"
            }
            EntraReaction::Duplicate => {
                "Entra cannot find the object it provisioned: it creates it again (a duplicate, \
                 or a 409 EntryConflict), or reports DuplicateTargetEntries when several match"
            }
            EntraReaction::SilentDrift => {
                "Entra records a success and never resends the change: the SaaS silently keeps \
                 the old value"
            }
        }
    }
}

/// What Entra does with a refused or missing answer (`None`: no answer).
pub fn reaction_for_status(status: Option<u16>) -> EntraReaction {
    match status {
        None | Some(408 | 429) => EntraReaction::Retry,
        Some(401 | 403) => EntraReaction::Quarantine,
        Some(s) if s >= 500 => EntraReaction::Retry,
        Some(s) if (200..300).contains(&s) => EntraReaction::SilentDrift,
        Some(_) => EntraReaction::Escrow,
    }
}

/// How a user's `active` reads back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActiveRead {
    Bool(bool),
    /// A string such as `"False"`: the server stored Entra's string as sent.
    Text(String),
    Missing,
}

/// `active` of a SCIM user as sent back.
pub fn active_of(user: &Value) -> ActiveRead {
    match attr(user, "active") {
        Some(Value::Bool(b)) => ActiveRead::Bool(*b),
        Some(Value::String(s)) => ActiveRead::Text(s.clone()),
        _ => ActiveRead::Missing,
    }
}

/// Whether a disable took effect: `Ok` when `active` reads back as the
/// boolean `false`, else why not.
pub fn judge_disabled(user: &Value) -> Result<(), String> {
    match active_of(user) {
        ActiveRead::Bool(false) => Ok(()),
        ActiveRead::Bool(true) => Err("the user still reads back as active: true".into()),
        ActiveRead::Text(s) => Err(format!(
            "active reads back as the string \"{s}\", not the boolean false (RFC 7643 §4.1.1): \
             the SaaS stored Entra's text instead of disabling the user"
        )),
        ActiveRead::Missing => Err("the user reads back without an active attribute".into()),
    }
}

/// A top-level attribute, its name in any case (RFC 7643 §2.1).
pub fn attr<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    let o = v.as_object()?;
    o.get(name).or_else(|| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// A string attribute (`name.familyName` style paths allowed).
pub fn str_at<'a>(v: &'a Value, path: &str) -> Option<&'a str> {
    let mut cur = v;
    for p in path.split('.') {
        cur = attr(cur, p)?;
    }
    cur.as_str()
}

/// The `value` of the `emails` entry of `type` `kind`.
pub fn email_of<'a>(user: &'a Value, kind: &str) -> Option<&'a str> {
    attr(user, "emails")?
        .as_array()?
        .iter()
        .find(|e| str_at(e, "type").is_some_and(|t| t.eq_ignore_ascii_case(kind)))
        .and_then(|e| str_at(e, "value"))
}

/// Whether a user's `roles` hold an entry whose `value` is `role` (any
/// case: a SaaS may store a role's name in its own case).
pub fn has_role(user: &Value, role: &str) -> bool {
    attr(user, "roles")
        .and_then(Value::as_array)
        .is_some_and(|a| {
            a.iter()
                .any(|r| str_at(r, "value").is_some_and(|v| v.eq_ignore_ascii_case(role)))
        })
}

/// Whether a group lists `member` among its `members`; `None` when the
/// group came back without a `members` attribute (Entra does not need one
/// returned, so nothing can be concluded from it).
pub fn has_member(group: &Value, member: &str) -> Option<bool> {
    let members = attr(group, "members")?.as_array()?;
    Some(members.iter().any(|m| str_at(m, "value") == Some(member)))
}

/// The overall verdict of a probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ProbeVerdict {
    /// The write probe ran and every applicable operation passed, the read
    /// side showed no deviation, and nothing was left behind.
    ReadyForEntra,
    /// At least one operation failed, a read-side deviation, or a throwaway
    /// object could not be deleted.
    Problems,
    /// Nothing could be concluded: unreachable, the token refused,
    /// cancelled, or the write probe was not run.
    CouldNotProbe,
}

impl ProbeVerdict {
    /// `probe`'s exit code: 0 ready, 1 problems, 2 could not probe.
    pub fn exit_code(self) -> u8 {
        match self {
            ProbeVerdict::ReadyForEntra => 0,
            ProbeVerdict::Problems => 1,
            ProbeVerdict::CouldNotProbe => 2,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ProbeVerdict::ReadyForEntra => "ready for Entra",
            ProbeVerdict::Problems => "problems found",
            ProbeVerdict::CouldNotProbe => "could not probe",
        }
    }
}

/// The verdict from what was seen. A problem seen is reported even when the
/// probe could not finish (a failure is evidence); "ready" needs the write
/// probe to have run with every applicable step passed. A step *not
/// checked* (Entra sends it only under a mapping scimwatch cannot see) is
/// neither: the report names it beside the verdict.
pub fn overall(
    could_not_probe: bool,
    read_side_problems: bool,
    write_probe_run: bool,
    outcomes: &[StepOutcome],
    leftovers: usize,
) -> ProbeVerdict {
    let failed = outcomes.contains(&StepOutcome::Fail);
    if failed || read_side_problems || leftovers > 0 {
        return ProbeVerdict::Problems;
    }
    let all_examined = outcomes.iter().all(|o| {
        matches!(
            o,
            StepOutcome::Pass | StepOutcome::NotApplicable | StepOutcome::NotChecked
        )
    });
    let any_pass = outcomes.contains(&StepOutcome::Pass);
    if could_not_probe || !write_probe_run || !all_examined || !any_pass {
        return ProbeVerdict::CouldNotProbe;
    }
    ProbeVerdict::ReadyForEntra
}

/// A failing operation of a stored probe, as the checklist shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeFailure {
    /// The operation's stable code (`rename_group`, …).
    pub code: String,
    /// The Entra operation, for the admin.
    pub title: String,
    /// What was seen.
    pub message: String,
    /// What Entra does when the SaaS answers so.
    pub entra_would: Option<String>,
}

/// The latest stored probe ("Test with Entra's requests") of a connection:
/// what the checklist step "The SaaS handles Entra's updates" judges on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeObservation {
    /// The Tenant URL probed.
    pub url: String,
    pub checked_at: chrono::DateTime<chrono::Utc>,
    /// Whether the write probe ran (a read-only probe proves nothing here).
    pub write_probe_run: bool,
    pub verdict: ProbeVerdict,
    /// Why nothing (or not everything) could be probed.
    #[serde(default)]
    pub could_not_probe: Option<String>,
    /// The operations that failed.
    #[serde(default)]
    pub failures: Vec<ProbeFailure>,
    /// Operations that passed, of those sent.
    #[serde(default)]
    pub passed: u32,
    #[serde(default)]
    pub operations: u32,
    /// Throwaway objects left in the SaaS (`Users/<id> (name)`).
    #[serde(default)]
    pub leftovers: Vec<String>,
    /// Read-side deviations (warning and above) the probe's discovery saw.
    #[serde(default)]
    pub read_side_deviations: Vec<String>,
    /// Operations not checked (Entra sends them only under a mapping
    /// scimwatch cannot see): `title: why`, named beside a pass.
    #[serde(default)]
    pub not_checked: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reactions_follow_the_status() {
        assert_eq!(reaction_for_status(None), EntraReaction::Retry);
        assert_eq!(reaction_for_status(Some(503)), EntraReaction::Retry);
        assert_eq!(reaction_for_status(Some(429)), EntraReaction::Retry);
        assert_eq!(reaction_for_status(Some(401)), EntraReaction::Quarantine);
        assert_eq!(reaction_for_status(Some(400)), EntraReaction::Escrow);
        assert_eq!(reaction_for_status(Some(501)), EntraReaction::Retry);
        assert_eq!(reaction_for_status(Some(204)), EntraReaction::SilentDrift);
    }

    #[test]
    fn disabled_means_the_boolean_false() {
        assert!(judge_disabled(&json!({"active": false})).is_ok());
        assert!(judge_disabled(&json!({"Active": false})).is_ok());
        let e = judge_disabled(&json!({"active": "False"})).unwrap_err();
        assert!(e.contains("string"), "{e}");
        assert!(judge_disabled(&json!({"active": true})).is_err());
        assert!(judge_disabled(&json!({})).is_err());
    }

    #[test]
    fn read_backs() {
        let u = json!({"name": {"familyName": "F"}, "emails": [{"type": "home", "value": "h"}, {"Type": "Work", "value": "w"}]});
        assert_eq!(str_at(&u, "name.familyName"), Some("F"));
        assert_eq!(email_of(&u, "work"), Some("w"));
        let r = json!({"roles": [{"primary": true, "type": "WindowsAzureActiveDirectoryRole", "value": "admin"}]});
        assert!(has_role(&r, "Admin"));
        assert!(!has_role(&r, "User"));
        assert!(!has_role(&json!({"roles": []}), "Admin"));
        assert!(!has_role(&json!({}), "Admin"));
        let g = json!({"members": [{"value": "1"}]});
        assert_eq!(has_member(&g, "1"), Some(true));
        assert_eq!(has_member(&g, "2"), Some(false));
        assert_eq!(has_member(&json!({}), "1"), None);
    }

    #[test]
    fn ready_needs_every_applicable_step_passed() {
        use StepOutcome::*;
        assert_eq!(
            overall(false, false, true, &[Pass, NotApplicable], 0),
            ProbeVerdict::ReadyForEntra
        );
        assert_eq!(
            overall(false, false, true, &[Pass, Fail], 0),
            ProbeVerdict::Problems
        );
        assert_eq!(
            overall(false, false, false, &[NotRun], 0),
            ProbeVerdict::CouldNotProbe
        );
        assert_eq!(
            overall(true, false, true, &[Pass, NotRun], 0),
            ProbeVerdict::CouldNotProbe
        );
        assert_eq!(
            overall(false, false, true, &[NotApplicable], 0),
            ProbeVerdict::CouldNotProbe,
            "nothing examined is no pass"
        );
        assert_eq!(
            overall(false, false, true, &[Pass, NotChecked], 0),
            ProbeVerdict::ReadyForEntra,
            "a step Entra may not send is named, not a blocker"
        );
        assert_eq!(
            overall(false, false, true, &[NotChecked], 0),
            ProbeVerdict::CouldNotProbe
        );
        assert_eq!(
            overall(false, false, true, &[Pass, NotChecked, Fail], 0),
            ProbeVerdict::Problems
        );
        assert_eq!(
            overall(false, false, true, &[Pass], 1),
            ProbeVerdict::Problems
        );
        assert_eq!(
            overall(false, true, false, &[NotRun], 0),
            ProbeVerdict::Problems
        );
    }
}
