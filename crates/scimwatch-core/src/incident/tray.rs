//! What the tray shows: the open incidents worst first (each item opens its
//! incident in the window), a tooltip of counts ("2 critical, 1 warning")
//! and an accessible name. Pure: the shell turns it into a Tauri menu.

use super::IncidentState;
use crate::health::Severity;

/// At most this many incidents are listed; the rest are "N more…".
pub const MAX_ITEMS: usize = 8;
/// Menu labels are cut to this many characters.
const LABEL_MAX: usize = 72;
/// The prefix of an incident item's menu id (`incident:<id>`).
pub const ITEM_PREFIX: &str = "incident:";

/// One open incident as the tray needs it.
#[derive(Debug, Clone, Copy)]
pub struct TrayIncident<'a> {
    pub id: i64,
    pub connection_name: &'a str,
    pub state: &'a IncidentState,
}

/// One menu item that opens an incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayItem {
    /// `incident:<id>` (see [`incident_id`]).
    pub menu_id: String,
    pub label: String,
}

/// The tray's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayModel {
    pub worst: Option<Severity>,
    /// "2 critical, 1 warning", or "No open incidents".
    pub counts: String,
    /// "scimwatch — 2 critical, 1 warning".
    pub tooltip: String,
    /// Read by assistive technology: "scimwatch: 3 open incidents, 2 critical, 1 warning".
    pub accessible_name: String,
    /// Worst first, at most [`MAX_ITEMS`].
    pub items: Vec<TrayItem>,
    /// Open incidents not listed.
    pub more: usize,
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out = out.trim_end().to_string();
    out.push('…');
    out
}

fn label_of(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical => "Critical",
        Severity::Warning => "Warning",
        Severity::Info => "Info",
    }
}

/// Build the tray's content from the open incidents (resolved ones are
/// ignored). Order: severity, then the longest open, then id.
pub fn tray_model(incidents: &[TrayIncident<'_>]) -> TrayModel {
    let mut open: Vec<&TrayIncident<'_>> =
        incidents.iter().filter(|i| i.state.is_active()).collect();
    open.sort_by(|a, b| {
        b.state
            .severity
            .cmp(&a.state.severity)
            .then(a.state.opened_at.cmp(&b.state.opened_at))
            .then(a.id.cmp(&b.id))
    });
    let count = |s: Severity| open.iter().filter(|i| i.state.severity == s).count();
    let parts: Vec<String> = [Severity::Critical, Severity::Warning, Severity::Info]
        .into_iter()
        .map(|s| (count(s), s.as_str()))
        .filter(|(n, _)| *n > 0)
        .map(|(n, s)| format!("{n} {s}"))
        .collect();
    let counts = if parts.is_empty() {
        "No open incidents".to_string()
    } else {
        parts.join(", ")
    };
    let tooltip = if parts.is_empty() {
        "scimwatch — all quiet".to_string()
    } else {
        format!("scimwatch — {counts}")
    };
    let accessible_name = match open.len() {
        0 => "scimwatch: no open incidents".to_string(),
        1 => format!("scimwatch: 1 open incident, {counts}"),
        n => format!("scimwatch: {n} open incidents, {counts}"),
    };
    let items = open
        .iter()
        .take(MAX_ITEMS)
        .map(|i| TrayItem {
            menu_id: format!("{ITEM_PREFIX}{}", i.id),
            label: cut(
                &format!(
                    "{}: {} — {}",
                    label_of(i.state.severity),
                    i.connection_name,
                    i.state.title
                ),
                LABEL_MAX,
            ),
        })
        .collect();
    TrayModel {
        worst: open.first().map(|i| i.state.severity),
        counts,
        tooltip,
        accessible_name,
        items,
        more: open.len().saturating_sub(MAX_ITEMS),
    }
}

/// The incident id of a menu id made by [`tray_model`].
pub fn incident_id(menu_id: &str) -> Option<i64> {
    menu_id.strip_prefix(ITEM_PREFIX)?.parse().ok()
}
