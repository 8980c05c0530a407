//! The probe's report as Markdown, ready to send to the SaaS vendor.

use scimwatch_core::scim::write_probe::{ProbeVerdict, StepOutcome};
use scimwatch_core::scim::Severity;

use super::ProbeReport;

fn fence(text: &str) -> String {
    format!("```\n{}\n```\n\n", text.replace("```", "`\u{200b}``"))
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

impl ProbeReport {
    /// The report as Markdown: verdict, one row per Entra operation, then
    /// the evidence of each failure.
    pub fn to_markdown(&self) -> String {
        let mut md = String::from("# Entra write probe\n\n");
        md.push_str(&format!("- Tenant URL: `{}`\n", self.url));
        md.push_str(&format!(
            "- Checked: {}\n",
            self.checked_at.format("%Y-%m-%d %H:%M UTC")
        ));
        md.push_str(&format!("- Verdict: **{}**", self.verdict.as_str()));
        match (&self.could_not_probe, self.verdict) {
            (Some(why), _) => md.push_str(&format!(" — {why}")),
            (None, ProbeVerdict::CouldNotProbe) if !self.write_probe_run => md.push_str(
                " — the write probe was not run (it needs --write --i-understand-this-writes): \
                 nothing is claimed about how the SaaS handles Entra's writes",
            ),
            _ => {}
        }
        let not_checked: Vec<&str> = self
            .steps
            .iter()
            .filter(|s| s.outcome == StepOutcome::NotChecked)
            .map(|s| s.code.as_str())
            .collect();
        if !not_checked.is_empty() && self.verdict != ProbeVerdict::CouldNotProbe {
            md.push_str(&format!(
                " (not checked: {} — see below)",
                not_checked
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        md.push('\n');
        if let Some(r) = &self.read_side {
            let problems: Vec<_> = r
                .findings
                .iter()
                .filter(|f| f.severity != Severity::Info)
                .collect();
            md.push_str(&format!(
                "- Read side (Test Connection, lookups, paging): {}\n",
                match (&r.could_not_examine, problems.len()) {
                    (Some(why), _) => format!("could not examine — {why}"),
                    // Nothing found is only "no deviation" when every check looked.
                    (None, 0) if !r.not_examined().is_empty() => format!(
                        "no deviation in what could be examined; not examined: {}",
                        r.not_examined().join("; ")
                    ),
                    (None, 0) => "no deviation".to_string(),
                    (None, n) => format!(
                        "{n} deviation(s): {}",
                        problems
                            .iter()
                            .map(|f| format!("`{}`", f.code))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }
            ));
        }
        md.push_str("\n## Entra's operations\n\n| # | Operation | Result | What was seen |\n|---|---|---|---|\n");
        for (i, s) in self.steps.iter().enumerate() {
            md.push_str(&format!(
                "| {} | {} (`{}`) | {} | {} |\n",
                i + 1,
                cell(&s.title),
                s.code,
                s.outcome.as_str(),
                cell(&s.message)
            ));
        }
        let failed: Vec<_> = self
            .steps
            .iter()
            .filter(|s| s.outcome == StepOutcome::Fail)
            .collect();
        if !failed.is_empty() {
            md.push_str("\n## Failures\n\n");
        }
        for s in failed {
            md.push_str(&format!(
                "### {} (`{}`)\n\n{}\n\n",
                s.title, s.code, s.message
            ));
            if let Some(w) = &s.entra_would {
                md.push_str(&format!("What Entra does: {w}.\n\n"));
            }
            if let Some(r) = &s.request {
                md.push_str(&format!("Request: `{} {}`\n\n", r.method, r.url));
                if let Some(b) = &r.body {
                    md.push_str(&fence(b));
                }
            }
            if let Some(x) = &s.response {
                md.push_str(&format!(
                    "Response: {}\n\n",
                    x.status
                        .map(|c| format!("HTTP {c}"))
                        .or_else(|| x.error.clone())
                        .unwrap_or_default()
                ));
                if !x.body_excerpt.is_empty() {
                    md.push_str(&fence(&x.body_excerpt));
                }
            }
            if let Some(x) = &s.read_back {
                md.push_str(&format!(
                    "Read back: `GET {}` → {}\n\n",
                    x.url,
                    x.status.map(|c| format!("HTTP {c}")).unwrap_or_default()
                ));
                if !x.body_excerpt.is_empty() {
                    md.push_str(&fence(&x.body_excerpt));
                }
            }
        }
        if !self.cleaned_up.is_empty() {
            md.push_str("\n## Cleaned up\n\n");
            for c in &self.cleaned_up {
                md.push_str(&format!("- deleted {c}\n"));
            }
        }
        if !self.leftovers.is_empty() {
            md.push_str("\n## Left in the SaaS (delete these by hand)\n\n");
            for l in &self.leftovers {
                md.push_str(&format!(
                    "- {}/{} ({}): {}\n",
                    l.resource,
                    l.id.as_deref().unwrap_or("id unknown"),
                    l.names.join(", "),
                    l.reason
                ));
            }
        }
        md
    }
}
