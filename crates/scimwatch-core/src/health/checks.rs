//! One definition per check: the judgements that a health rule and a
//! checklist step both make are made here, once, with their evidence. The
//! rule turns a failing judgement into a finding; the step shows every
//! judgement (pass, fail, could not check) — so the two cannot disagree
//! (`tests/it/one_definition.rs` walks every combination of what can be known).

use super::{Evidence, EvidenceValue, MappingsObservation, Observations};

/// What a shared check concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judged {
    Pass,
    Fail,
    /// Could not check; why.
    CouldNotCheck(String),
}

/// A judgement with its one-line summary and its evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    pub judged: Judged,
    pub summary: String,
    pub evidence: Vec<Evidence>,
}

impl Judgement {
    fn new(judged: Judged, summary: impl Into<String>) -> Self {
        Self {
            judged,
            summary: summary.into(),
            evidence: Vec::new(),
        }
    }

    fn could_not(why: impl Into<String>) -> Self {
        let why = why.into();
        Self::new(
            Judged::CouldNotCheck(why.clone()),
            format!("Could not check: {why}"),
        )
    }

    fn with(mut self, label: &str, value: impl Into<EvidenceValue>) -> Self {
        self.evidence.push(Evidence::new(label, value));
        self
    }

    /// Whether the check failed.
    pub fn failed(&self) -> bool {
        self.judged == Judged::Fail
    }
}

/// Which object mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MappingOf {
    Users,
    Groups,
}

impl MappingOf {
    fn name(self) -> &'static str {
        match self {
            MappingOf::Users => "Users",
            MappingOf::Groups => "Groups",
        }
    }

    fn pick(self, m: &MappingsObservation) -> Option<bool> {
        match self {
            MappingOf::Users => m.users_enabled,
            MappingOf::Groups => m.groups_enabled,
        }
    }
}

/// "The users (groups) mapping is enabled": the step `users_mapping`
/// (`groups_mapping`) and the rule `users_mapping_disabled`
/// (`groups_mapping_disabled`).
pub fn mapping_enabled(obs: &Observations, which: MappingOf) -> Judgement {
    let what = which.name();
    let Some(m) = &obs.mappings else {
        return Judgement::could_not(
            "scimwatch has not read the job's attribute mappings (schema)",
        );
    };
    let label = format!("{what} mapping enabled");
    match which.pick(m) {
        Some(true) => Judgement::new(Judged::Pass, format!("The {what} mapping is enabled"))
            .with(&label, "yes"),
        Some(false) => Judgement::new(Judged::Fail, format!("The {what} mapping is disabled"))
            .with(&label, "no"),
        None => Judgement::could_not(format!(
            "the schema has no mapping for {what} (sourceObjectName)"
        )),
    }
}

/// "Groups are assigned (when the scope requires assignment)": the step
/// `groups_assigned` and the rule `no_groups_assigned`. It fails only on
/// what was read: with the scope or the groups mapping unknown, "no groups
/// assigned" could not be judged.
pub fn groups_assigned(obs: &Observations) -> Judgement {
    let Some(a) = &obs.assignments else {
        return Judgement::could_not("scimwatch has not read the app's assignments");
    };
    let m = obs.mappings.clone().unwrap_or_default();
    let scope = match m.scope_assigned_only {
        Some(true) => "only assigned users and groups",
        Some(false) => "all users and groups",
        None => "could not be read",
    };
    let groups_mapping = match m.groups_enabled {
        Some(true) => "enabled",
        Some(false) => "disabled",
        None => "could not be read",
    };
    let j = if m.scope_assigned_only == Some(false) {
        Judgement::new(
            Judged::Pass,
            "Scope is \"Sync all users and groups\": assignment is not required",
        )
    } else if a.groups > 0 {
        Judgement::new(Judged::Pass, format!("{} groups are assigned", a.groups))
    } else if a.users == 0 && m.scope_assigned_only == Some(true) {
        Judgement::new(
            Judged::Fail,
            "Nobody is assigned to the app: nothing is in scope",
        )
    } else if m.groups_enabled == Some(false) {
        Judgement::new(
            Judged::Pass,
            "No groups assigned, and the groups mapping is off: groups are not synced",
        )
    } else if m.scope_assigned_only.is_none() {
        Judgement::could_not(
            "no groups are assigned, and whether the scope requires assignment (\"Sync only \
assigned users and groups\") could not be read from the job's settings",
        )
    } else if m.groups_enabled.is_none() {
        Judgement::could_not(
            "no groups are assigned, and whether the groups mapping is enabled could not be read \
from the job's schema",
        )
    } else {
        Judgement::new(
            Judged::Fail,
            "No groups are assigned to the app, so no groups are provisioned",
        )
    };
    j.with("Groups assigned", EvidenceValue::Count(a.groups))
        .with("Users assigned directly", EvidenceValue::Count(a.users))
        .with(
            "Members of assigned groups",
            EvidenceValue::Count(a.group_members),
        )
        .with("Scope", scope)
        .with("Groups mapping", groups_mapping)
}
