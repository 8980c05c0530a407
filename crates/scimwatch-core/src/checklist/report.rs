//! A checklist run with its evidence, as Markdown and JSON, ready to attach
//! to a ticket for the SaaS vendor or Microsoft. Contains no secrets: the
//! inputs never hold any.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{ChecklistRun, Context, Overall, StepStatus};
use crate::health::format::fmt_time;
use crate::health::Finding;

/// Everything a report holds (the JSON form).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Report {
    #[ts(type = "string")]
    pub generated_at: DateTime<Utc>,
    pub connection_name: Option<String>,
    pub tenant_id: Option<String>,
    pub app_display_name: Option<String>,
    pub app_id: Option<String>,
    pub service_principal_id: Option<String>,
    pub findings: Vec<Finding>,
    pub checklist: ChecklistRun,
}

/// Assemble a report.
pub fn build_report(
    run: &ChecklistRun,
    ctx: &Context,
    findings: &[Finding],
    now: DateTime<Utc>,
) -> Report {
    Report {
        generated_at: now,
        connection_name: ctx.connection_name.clone(),
        tenant_id: ctx.tenant_id.clone(),
        app_display_name: ctx.app_display_name.clone(),
        app_id: ctx.app_id.clone(),
        service_principal_id: ctx.service_principal_id.clone(),
        findings: findings.to_vec(),
        checklist: run.clone(),
    }
}

/// The report as pretty JSON.
pub fn report_json(
    run: &ChecklistRun,
    ctx: &Context,
    findings: &[Finding],
    now: DateTime<Utc>,
) -> String {
    serde_json::to_string_pretty(&build_report(run, ctx, findings, now)).unwrap_or_default()
}

/// Escape text for Markdown: one line, no table breaks, no markup.
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\r' | '\n' | '\t' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn status_label(s: StepStatus) -> &'static str {
    match s {
        StepStatus::Pass => "PASS",
        StepStatus::Fail => "FAIL",
        StepStatus::Unknown => "COULD NOT CHECK",
        StepStatus::NotApplicable => "NOT APPLICABLE",
        StepStatus::Confirmed => "CONFIRMED (manual)",
    }
}

fn opt(v: &Option<String>) -> String {
    v.as_deref().map(md).unwrap_or_else(|| "unknown".into())
}

/// The report as Markdown: context, findings, then every step with its
/// status, evidence, fix steps and deep link.
pub fn report_markdown(
    run: &ChecklistRun,
    ctx: &Context,
    findings: &[Finding],
    now: DateTime<Utc>,
) -> String {
    let mut s = String::new();
    let name = ctx
        .connection_name
        .as_deref()
        .or(ctx.app_display_name.as_deref())
        .unwrap_or("connection");
    s.push_str(&format!(
        "# scimwatch provisioning report: {}\n\n",
        md(name)
    ));
    s.push_str(&format!("- Generated: {}\n", fmt_time(now)));
    s.push_str(&format!(
        "- Checklist evaluated: {}\n",
        fmt_time(run.evaluated_at)
    ));
    s.push_str(&format!("- Tenant: {}\n", opt(&ctx.tenant_id)));
    s.push_str(&format!(
        "- Enterprise app: {}\n",
        opt(&ctx.app_display_name)
    ));
    s.push_str(&format!(
        "- Application (client) ID: {}\n",
        opt(&ctx.app_id)
    ));
    s.push_str(&format!(
        "- Object ID: {}\n",
        opt(&ctx.service_principal_id)
    ));
    let overall = match run.overall {
        Overall::Pass => "all steps pass",
        Overall::Fail => "at least one step fails",
        Overall::Incomplete => "nothing fails, but some steps could not be checked",
    };
    s.push_str(&format!("- Overall: {overall}\n"));
    if let Some(id) = &run.first_failing {
        let title = run.step(id).map(|st| st.title.as_str()).unwrap_or(id);
        s.push_str(&format!("- Start with: {}\n", md(title)));
    }

    s.push_str("\n## Findings\n\n");
    if findings.is_empty() {
        let unchecked = run
            .steps
            .iter()
            .filter(|st| st.status == StepStatus::Unknown)
            .count();
        if unchecked == 0 {
            s.push_str("No problems found in what scimwatch observed.\n");
        } else {
            s.push_str(&format!(
                "No problems found in what scimwatch observed; {unchecked} checklist step{} could \
not be checked (see below), so this is not an all-clear.\n",
                if unchecked == 1 { "" } else { "s" }
            ));
        }
    }
    for f in findings {
        s.push_str(&format!(
            "### [{}] {}\n\n",
            f.severity.as_str().to_uppercase(),
            md(&f.title)
        ));
        s.push_str(&format!("- Kind: {}\n", f.kind.as_str()));
        for e in &f.evidence {
            s.push_str(&format!(
                "- {}: {}\n",
                md(&e.label),
                md(&e.value.to_string())
            ));
        }
        s.push_str(&format!("\nRecommended action: {}\n\n", md(&f.action)));
    }

    s.push_str("## Checklist\n\n| # | Step | Status |\n|---|---|---|\n");
    for (i, st) in run.steps.iter().enumerate() {
        s.push_str(&format!(
            "| {} | {} | {} |\n",
            i + 1,
            md(&st.title),
            status_label(st.status)
        ));
    }
    s.push('\n');
    for (i, st) in run.steps.iter().enumerate() {
        s.push_str(&format!(
            "### {}. {} — {}\n\n",
            i + 1,
            md(&st.title),
            status_label(st.status)
        ));
        s.push_str(&format!("Step id: `{}`\n\n", st.id));
        match &st.outcome.why_unknown {
            Some(why) => s.push_str(&format!("Could not check: {}\n\n", md(why))),
            None => s.push_str(&format!("{}\n\n", md(&st.outcome.summary))),
        }
        if let (Some(c), None) = (st.confirmed_at, &st.confirmation_note) {
            s.push_str(&format!("Confirmed manually at {}.\n\n", fmt_time(c)));
        }
        if let Some(note) = &st.confirmation_note {
            s.push_str(&format!("{}\n\n", md(note)));
        } else if st.confirmation_invalidated {
            s.push_str("A manual confirmation was overridden by this later failing check.\n\n");
        }
        if !st.outcome.evidence.is_empty() {
            s.push_str("Evidence:\n\n");
            for e in &st.outcome.evidence {
                s.push_str(&format!(
                    "- {}: {}\n",
                    md(&e.label),
                    md(&e.value.to_string())
                ));
            }
            s.push('\n');
        }
        s.push_str(&format!("Why it matters: {}\n\n", md(&st.explains)));
        if !matches!(st.status, StepStatus::Pass | StepStatus::NotApplicable) {
            s.push_str("How to fix:\n\n");
            for (n, f) in st.fix_steps.iter().enumerate() {
                s.push_str(&format!("{}. {}\n", n + 1, md(f)));
            }
            s.push('\n');
            if let Some(link) = &st.deep_link {
                let label = st
                    .deep_link_label
                    .as_deref()
                    .unwrap_or("Open in the Entra admin center");
                s.push_str(&format!("{}: <{}>\n\n", md(label), link));
            }
        }
    }
    s.push_str("---\nGenerated by scimwatch. Contains no tokens or passwords.\n");
    s
}
