//! `/metrics`: a [`MetricsSnapshot`] rendered in the Prometheus text
//! exposition format, version 0.0.4. Pure: the snapshot is collected
//! elsewhere (`serve::collect`), rendering only formats it.
//!
//! Every series carries `connection` (the connection's name) and, where it
//! is about the Entra app, `app`. Label values come from a small set
//! (statuses, actions, severities, endpoint families, HTTP codes): no user
//! ids, no URLs, never a secret.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The `Content-Type` of the text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Every metric family `/metrics` exports (the rules, the dashboard and the
/// tests hold to this list).
pub const FAMILIES: &[(&str, &str, &str)] = &[
    (
        "scimwatch_build_info",
        "gauge",
        "Always 1; the version of scimwatch serving these metrics.",
    ),
    (
        "scimwatch_connections",
        "gauge",
        "Connections scimwatch watches.",
    ),
    (
        "scimwatch_graph_up",
        "gauge",
        "1 when the provisioning job was read from Microsoft Graph, 0 while scimwatch is blind to it.",
    ),
    (
        "scimwatch_job_quarantined",
        "gauge",
        "1 when the provisioning job is in quarantine, as last read.",
    ),
    (
        "scimwatch_job_stalled",
        "gauge",
        "1 when the provisioning job's cycles are overdue (stalled), as last read.",
    ),
    (
        "scimwatch_job_last_cycle_end_timestamp_seconds",
        "gauge",
        "When the job's last provisioning cycle ended (Unix time).",
    ),
    (
        "scimwatch_provisioning_events_total",
        "counter",
        "Provisioning events read from Entra's provisioning logs, by status and action.",
    ),
    (
        "scimwatch_scim_up",
        "gauge",
        "1 when the last SCIM Test Connection passed, 0 when it failed.",
    ),
    (
        "scimwatch_scim_last_check_timestamp_seconds",
        "gauge",
        "When the SCIM endpoint was last tested (Unix time).",
    ),
    (
        "scimwatch_scim_token_expiry_timestamp_seconds",
        "gauge",
        "When the SCIM token expires (Unix time), where the admin recorded it.",
    ),
    (
        "scimwatch_incidents_open",
        "gauge",
        "Incidents not resolved, by severity.",
    ),
    (
        "scimwatch_graph_requests_total",
        "counter",
        "Microsoft Graph requests made by this process, by endpoint family and HTTP status (code \"error\": no answer).",
    ),
];

/// The severities `scimwatch_incidents_open` always has a series for.
pub const SEVERITIES: &[&str] = &["info", "warning", "critical"];

/// Everything `/metrics` shows, at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricsSnapshot {
    pub version: String,
    pub connections: Vec<ConnectionMetrics>,
    /// `(connection name, endpoint family, code) → requests`.
    pub graph_requests: BTreeMap<(String, String, String), u64>,
}

/// One connection's figures. A side the connection does not watch, or a
/// value never observed, is `None` and exports no sample (no evidence, no
/// number).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConnectionMetrics {
    pub name: String,
    /// The Entra side, when the connection watches one.
    pub entra: Option<EntraMetrics>,
    /// The SCIM side, when the connection watches one.
    pub scim: Option<ScimMetrics>,
    /// Open incidents per severity (`info`, `warning`, `critical`).
    pub incidents_open: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct EntraMetrics {
    /// The enterprise app's display name (label `app`).
    pub app: Option<String>,
    /// `None`: the job status was never read.
    pub graph_up: Option<bool>,
    pub quarantined: Option<bool>,
    pub stalled: Option<bool>,
    /// Unix milliseconds.
    pub last_cycle_end_ms: Option<i64>,
    /// `(status, action) → events`.
    pub events: BTreeMap<(String, String), u64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScimMetrics {
    /// `None`: never tested.
    pub up: Option<bool>,
    pub last_check_ms: Option<i64>,
    pub token_expiry_ms: Option<i64>,
}

/// A label value escaped for the text format: `\` → `\\`, `"` → `\"`,
/// newline → `\n`.
pub fn escape_label(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// A `# HELP` text escaped: `\` → `\\`, newline → `\n`.
fn escape_help(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\n', "\\n")
}

/// A value from Graph used as a label (status, action): kept when it is a
/// short word, else `other`, so a strange value cannot add series without end.
pub fn bounded_label(v: &str) -> String {
    if !v.is_empty() && v.len() <= 32 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        v.to_string()
    } else {
        "other".to_string()
    }
}

/// Milliseconds as seconds, exactly (`1718000000.123`).
fn seconds(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let a = ms.unsigned_abs();
    if a.is_multiple_of(1000) {
        format!("{sign}{}", a / 1000)
    } else {
        format!("{sign}{}.{:03}", a / 1000, a % 1000)
    }
}

fn flag(b: bool) -> &'static str {
    if b {
        "1"
    } else {
        "0"
    }
}

/// Samples of one family, collected before the family is written.
struct Family<'a> {
    name: &'a str,
    samples: Vec<(Vec<(&'static str, String)>, String)>,
}

impl<'a> Family<'a> {
    fn new(name: &'a str) -> Self {
        Self {
            name,
            samples: Vec::new(),
        }
    }

    fn add(&mut self, labels: Vec<(&'static str, String)>, value: impl Into<String>) {
        self.samples.push((labels, value.into()));
    }

    fn write(&self, out: &mut String) {
        let (_, kind, help) = FAMILIES
            .iter()
            .find(|(n, _, _)| *n == self.name)
            .copied()
            .unwrap_or((self.name, "untyped", ""));
        let _ = writeln!(out, "# HELP {} {}", self.name, escape_help(help));
        let _ = writeln!(out, "# TYPE {} {kind}", self.name);
        for (labels, value) in &self.samples {
            out.push_str(self.name);
            if !labels.is_empty() {
                out.push('{');
                for (i, (k, v)) in labels.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let _ = write!(out, "{k}=\"{}\"", escape_label(v));
                }
                out.push('}');
            }
            let _ = writeln!(out, " {value}");
        }
    }
}

fn conn_labels(c: &ConnectionMetrics) -> Vec<(&'static str, String)> {
    vec![("connection", c.name.clone())]
}

fn app_labels(c: &ConnectionMetrics, e: &EntraMetrics) -> Vec<(&'static str, String)> {
    let mut l = conn_labels(c);
    if let Some(app) = e.app.as_deref().filter(|a| !a.is_empty()) {
        l.push(("app", app.to_string()));
    }
    l
}

/// The exposition text of `s`.
pub fn render(s: &MetricsSnapshot) -> String {
    let mut fam: BTreeMap<&str, Family<'_>> = FAMILIES
        .iter()
        .map(|(n, _, _)| (*n, Family::new(n)))
        .collect();
    let mut add = |name: &str, labels: Vec<(&'static str, String)>, value: String| {
        if let Some(f) = fam.get_mut(name) {
            f.add(labels, value);
        }
    };
    add(
        "scimwatch_build_info",
        vec![("version", s.version.clone())],
        "1".into(),
    );
    add(
        "scimwatch_connections",
        Vec::new(),
        s.connections.len().to_string(),
    );
    for c in &s.connections {
        if let Some(e) = &c.entra {
            let l = app_labels(c, e);
            if let Some(up) = e.graph_up {
                add("scimwatch_graph_up", l.clone(), flag(up).into());
            }
            if let Some(q) = e.quarantined {
                add("scimwatch_job_quarantined", l.clone(), flag(q).into());
            }
            if let Some(st) = e.stalled {
                add("scimwatch_job_stalled", l.clone(), flag(st).into());
            }
            if let Some(ms) = e.last_cycle_end_ms {
                add(
                    "scimwatch_job_last_cycle_end_timestamp_seconds",
                    l.clone(),
                    seconds(ms),
                );
            }
            for ((status, action), n) in &e.events {
                let mut l = l.clone();
                l.push(("status", bounded_label(status)));
                l.push(("action", bounded_label(action)));
                add("scimwatch_provisioning_events_total", l, n.to_string());
            }
        }
        if let Some(sc) = &c.scim {
            let l = conn_labels(c);
            if let Some(up) = sc.up {
                add("scimwatch_scim_up", l.clone(), flag(up).into());
            }
            if let Some(ms) = sc.last_check_ms {
                add(
                    "scimwatch_scim_last_check_timestamp_seconds",
                    l.clone(),
                    seconds(ms),
                );
            }
            if let Some(ms) = sc.token_expiry_ms {
                add(
                    "scimwatch_scim_token_expiry_timestamp_seconds",
                    l,
                    seconds(ms),
                );
            }
        }
        for sev in SEVERITIES {
            let mut l = conn_labels(c);
            l.push(("severity", (*sev).to_string()));
            let n = c.incidents_open.get(*sev).copied().unwrap_or(0);
            add("scimwatch_incidents_open", l, n.to_string());
        }
    }
    for ((conn, endpoint, code), n) in &s.graph_requests {
        add(
            "scimwatch_graph_requests_total",
            vec![
                ("connection", conn.clone()),
                ("endpoint", endpoint.clone()),
                ("code", code.clone()),
            ],
            n.to_string(),
        );
    }
    let mut out = String::new();
    for (name, _, _) in FAMILIES {
        if let Some(f) = fam.get(name) {
            f.write(&mut out);
        }
    }
    out
}

/// The endpoint family of a Graph path (`/v1.0/servicePrincipals/{id}/
/// synchronization/jobs/{id}/schema` → `schema`): never an id.
pub fn endpoint_family(path: &str) -> &'static str {
    let p = path.to_ascii_lowercase();
    if p.contains("/auditlogs/provisioning") {
        "logs"
    } else if p.contains("/synchronization/jobs") && p.contains("/schema") {
        "schema"
    } else if p.contains("/synchronization/jobs") {
        "jobs"
    } else if p.contains("/synchronization/secrets") {
        "secrets"
    } else if p.contains("/synchronization/templates") {
        "templates"
    } else if p.contains("/approleassignedto") || p.contains("/approleassignments") {
        "assignments"
    } else if p.contains("/groups") {
        "groups"
    } else if p.contains("/users") {
        "users"
    } else if p.contains("/serviceprincipals") {
        "servicePrincipals"
    } else if p.contains("/oauth2/") {
        "token"
    } else {
        "other"
    }
}

#[cfg(test)]
#[path = "metrics_tests.rs"]
mod tests;
