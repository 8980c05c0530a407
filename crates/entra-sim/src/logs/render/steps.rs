//! The `provisioningSteps` of an event (and the `modifiedProperties` of a
//! synthetic one).

use super::*;

/// `modifiedProperties` of a synthetic event: every attribute for a create,
/// `objectId` and `jobTitle` for an update, `IsSoftDeleted` for a disable,
/// `objectId` otherwise.
pub(super) fn synthetic_modified<'a>(
    action: Action,
    attributes: Vec<(&'static str, Text<'a>)>,
) -> Vec<Property<'a>> {
    let keep = |i: usize| match action {
        Action::Create => true,
        Action::Update => i == 0 || i == 8,
        _ => i == 0,
    };
    if action == Action::Disable {
        return vec![Property {
            display_name: "IsSoftDeleted",
            old_value: Some(Text::Str("False")),
            new_value: Some(Text::Str("True")),
        }];
    }
    attributes
        .into_iter()
        .enumerate()
        .filter(|&(i, _)| keep(i))
        .map(|(_, (name, value))| Property::set(name, value))
        .collect()
}

/// `provisioningSteps`: import, scoping, then a skip, or matching and export.
pub(super) fn steps<'a>(
    kind: Kind,
    display: &str,
    ident: &'a str,
    e: &EventRecord,
    target: &str,
) -> Vec<Step<'a>> {
    let target = if target.is_empty() {
        "customappsso"
    } else {
        target
    };
    let kind_name = kind.as_str();
    let mut out = Vec::with_capacity(4);
    let (import_name, change) = match e.action {
        Action::Create => ("EntryImportAdd", "Add"),
        Action::Delete => ("EntryImportDelete", "Delete"),
        _ => ("EntryImportUpdate", "Update"),
    };
    out.push(Step {
        name: import_name,
        provisioning_step_type: "import",
        status: "success",
        description: format!(
            "Received {kind_name} '{ident}' change of type ({change}) from Azure Active Directory"
        ),
        details: StepDetails::None,
    });
    let assigned = e.error != Some(ErrorKind::NotEffectivelyEntitled)
        && e.action != Action::Disable
        && e.action != Action::Delete;
    out.push(Step {
        name: "EntrySynchronizationScoping",
        provisioning_step_type: "scoping",
        status: "success",
        description: format!(
            "Determine if {kind_name} in scope by evaluating against each scoping filter"
        ),
        details: StepDetails::Scoping { kind, assigned },
    });
    if e.outcome == Outcome::Skipped {
        out.push(Step {
            name: "EntrySynchronizationSkip",
            provisioning_step_type: "export",
            status: "skipped",
            description: skip_description(kind_name, ident, e.error),
            details: StepDetails::SkipReason(e.error.map_or("RedundantExport", ErrorKind::code)),
        });
        return out;
    }
    let k = kind_name;
    let (sync_name, sync_desc) = match e.action {
        Action::Create => ("EntrySynchronizationAdd", format!("{k} '{display}' will be created in {target} ({k} is active and assigned in Azure Active Directory, but no matching {k} was found in {target})")),
        Action::Disable => ("EntrySynchronizationUpdate", format!("{k} '{display}' will be disabled in {target} ({k} is no longer assigned to the application in Azure Active Directory)")),
        Action::Delete => ("EntrySynchronizationDelete", format!("{k} '{display}' will be deleted from {target} ({k} is no longer assigned to the application in Azure Active Directory)")),
        _ => ("EntrySynchronizationUpdate", format!("{k} '{display}' will be updated in {target} (a matching {k} was found in {target})")),
    };
    out.push(Step {
        name: sync_name,
        provisioning_step_type: "matching",
        status: "success",
        description: sync_desc,
        details: StepDetails::None,
    });
    let (export_name, verb, past) = match e.action {
        Action::Create => ("EntryExportAdd", "create", "created in"),
        Action::Delete => ("EntryExportDelete", "delete", "deleted from"),
        Action::Disable => ("EntryExportUpdate", "disable", "disabled in"),
        _ => ("EntryExportUpdate", "update", "updated in"),
    };
    let (status, description) = if e.outcome == Outcome::Success {
        ("success", format!("{k} '{display}' was {past} {target}"))
    } else {
        let from = if e.action == Action::Delete {
            "from"
        } else {
            "in"
        };
        (
            "failure",
            format!("Failed to {verb} {k} '{display}' {from} {target}"),
        )
    };
    out.push(Step {
        name: export_name,
        provisioning_step_type: "export",
        status,
        description,
        details: StepDetails::ReportableIdentifier(ident),
    });
    out
}

/// `provisioningSteps` of a failure that was retried: an `EntryEscrowRetry`
/// step, then the export that failed again (a real 2026 event of a retried
/// create has exactly these two).
pub(super) fn retry_steps<'a>(
    kind: Kind,
    display: &str,
    (id, ident): (Text<'a>, &'a str),
    e: &EventRecord,
    since: chrono::DateTime<chrono::Utc>,
    target: &str,
) -> Vec<Step<'a>> {
    let k = kind.as_str();
    let modification = match e.action {
        Action::Create => "Add",
        Action::Delete => "Delete",
        _ => "Update",
    };
    let retry = Step {
        name: "EntryEscrowRetry",
        provisioning_step_type: "import",
        status: "success",
        description: format!(
            "We are retrying an operation that previously failed.\r\nIdentifier: {}\r\nObject type: {k}\r\nDirectory: {SOURCE_SYSTEM}",
            ident
        ),
        details: StepDetails::EscrowRetry {
            since: crate::logs::render::dotnet_time(since),
            identifier: id,
            modification,
            next_attempt: e.at.format("%-m/%-d/%Y %-I:%M:%S %p").to_string(),
        },
    };
    let mut out = steps(kind, display, ident, e, target);
    out.retain(|s| s.provisioning_step_type == "export");
    out.insert(0, retry);
    out
}
