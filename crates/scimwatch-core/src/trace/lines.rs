//! The trace's fact lines: assignment, scope, events, the SaaS.

use super::{
    is_removal, line, AssignmentEvidence, LogsEvidence, SaasEvidence, TraceInput, TraceLine,
    TraceTone,
};
use crate::health::format::fmt_time;

pub(super) fn assignment_line(a: &AssignmentEvidence, sync_all: Option<bool>) -> TraceLine {
    match a {
        AssignmentEvidence::NotRead => line(
            TraceTone::Unknown,
            "Could not check: scimwatch has not read the app's assignments yet (Poll now)",
        ),
        AssignmentEvidence::WithoutDetails { read_at } => line(
            TraceTone::Unknown,
            format!(
                "Could not check: the assignments stored at {} predate per-user details; Poll \
                 now to read them again",
                fmt_time(*read_at)
            ),
        ),
        AssignmentEvidence::Direct { read_at } => line(
            TraceTone::Ok,
            format!(
                "Assigned to the app directly (assignments read at {})",
                fmt_time(*read_at)
            ),
        ),
        AssignmentEvidence::ThroughGroup { read_at, groups } => {
            let text = match groups.as_slice() {
                [one] => format!(
                    "Assigned through the group \u{201c}{one}\u{201d}, as a direct member \
                     (assignments read at {})",
                    fmt_time(*read_at)
                ),
                many => format!(
                    "Assigned through a group: a direct member of one of the {} assigned groups \
                     ({}); scimwatch keeps their members together, not which group each came \
                     from (assignments read at {})",
                    many.len(),
                    many.iter()
                        .map(|g| format!("\u{201c}{g}\u{201d}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    fmt_time(*read_at)
                ),
            };
            line(TraceTone::Ok, text)
        }
        AssignmentEvidence::NotAssigned {
            read_at,
            users,
            groups,
            members,
        } => {
            let base = format!(
                "Not assigned: not among the {users} users assigned directly nor the {members} \
                 direct members of the {groups} assigned groups (assignments read at {}); \
                 members of nested groups are not provisioned",
                fmt_time(*read_at)
            );
            if sync_all == Some(true) {
                line(
                    TraceTone::Ok,
                    format!("{base}. Not needed: the scope is all users and groups"),
                )
            } else {
                line(TraceTone::Problem, base)
            }
        }
    }
}

pub(super) fn scope_line(input: &TraceInput) -> TraceLine {
    let filters =
        " Scoping filters on the mappings are not read by scimwatch: could not check them.";
    let mapping_off = input.users_mapping_enabled == Some(false);
    let (tone, text) = match input.sync_all {
        Some(false) => (
            if matches!(input.assignment, AssignmentEvidence::NotAssigned { .. }) {
                TraceTone::Problem
            } else {
                TraceTone::Ok
            },
            "Sync only assigned users and groups: a user is provisioned only when assigned \
             directly or as a direct member of an assigned group."
                .to_string(),
        ),
        Some(true) => (
            TraceTone::Ok,
            "Sync all users and groups: every user in the directory is in scope, assigned or \
             not."
                .to_string(),
        ),
        None => (
            TraceTone::Unknown,
            "Could not check the job's scope (sync only assigned, or all users): scimwatch has \
             not read the job's settings, or Graph refused them."
                .to_string(),
        ),
    };
    if mapping_off {
        return line(
            TraceTone::Problem,
            format!(
                "The job's User mapping is disabled: Entra provisions no user until it is \
                 enabled again. {text}{filters}"
            ),
        );
    }
    line(tone, format!("{text}{filters}"))
}

pub(super) fn events_line(input: &TraceInput) -> TraceLine {
    match (input.events.first(), &input.logs) {
        (Some(e), _) => line(
            match e.status.as_str() {
                "failure" => TraceTone::Problem,
                "success" => TraceTone::Ok,
                _ => TraceTone::Waiting,
            },
            format!(
                "{} stored; the newest: {} {} at {}",
                match input.events.len() {
                    1 => "1 event".to_string(),
                    n => format!("{n} events"),
                },
                e.action,
                e.status,
                fmt_time(e.at)
            ),
        ),
        (None, LogsEvidence::Read) => line(
            TraceTone::Waiting,
            "No provisioning event about them is stored: Entra has not acted on this user since \
             scimwatch started reading the logs",
        ),
        (None, LogsEvidence::Unavailable) => line(
            TraceTone::Unknown,
            "Could not check: the tenant's provisioning logs are unavailable (they need \
             Microsoft Entra ID P1 or P2)",
        ),
        (None, LogsEvidence::NotRead) => line(
            TraceTone::Unknown,
            "Could not check: scimwatch has not read the provisioning logs yet",
        ),
    }
}

pub(super) fn saas_line(input: &TraceInput) -> TraceLine {
    let provisioned_at = input
        .events
        .first()
        .filter(|e| e.status == "success" && !is_removal(&e.action))
        .map(|e| e.at);
    match &input.saas {
        SaasEvidence::NoScimSide => line(
            TraceTone::Unknown,
            "Could not check: this connection has no SCIM side to look in",
        ),
        SaasEvidence::NoSnapshot => line(
            TraceTone::Unknown,
            "Could not check: no complete inventory snapshot of the SaaS yet (Inventory → Crawl \
             now)",
        ),
        SaasEvidence::Present {
            snapshot_at,
            user_name,
            active,
        } => {
            let who = user_name
                .as_deref()
                .map(|u| format!(" as \u{201c}{u}\u{201d}"))
                .unwrap_or_default();
            let (tone, state) = match active {
                Some(true) => (TraceTone::Ok, "active"),
                Some(false) => (TraceTone::Waiting, "inactive"),
                None => (TraceTone::Ok, "active not stated"),
            };
            line(
                tone,
                format!(
                    "In the SaaS{who}, {state}, in the snapshot of {}",
                    fmt_time(*snapshot_at)
                ),
            )
        }
        SaasEvidence::Absent { snapshot_at, users } => line(
            if provisioned_at.is_some_and(|p| p < *snapshot_at) {
                TraceTone::Problem
            } else {
                TraceTone::Waiting
            },
            format!(
                "Not in the SaaS snapshot of {} ({users} users)",
                fmt_time(*snapshot_at)
            ),
        ),
    }
}
