//! The compliance report and its findings: what was checked, what departs
//! from the RFCs in a way that matters to Entra, and the evidence.

use super::*;

/// What was sent and an excerpt of what came back. (`ScimEvidence` in the
/// UI's bindings: `Evidence` there is the health rules' label and value.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(rename = "ScimEvidence")]
pub struct Evidence {
    /// `GET https://…/Users?…` (the token is never included).
    pub request: String,
    pub status: Option<u16>,
    /// The start of the response body, token scrubbed.
    pub response_excerpt: String,
}

/// One deviation in the compliance report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ComplianceFinding {
    /// Stable code: core's deviation kind (`total_results_missing`, …) or one
    /// of `ignores_start_index`, `zero_based_paging`, `filter_not_honoured`,
    /// `non_scim_error_body`, `duplicate_ids_across_pages`, `discovery_missing`,
    /// `page_cap_reached`, `groups_unavailable`; the read-side probes'
    /// `filter_refused`, `filter_case_sensitive`,
    /// `filter_attribute_case_sensitive`, `group_filter_not_honoured`,
    /// `excluded_members_ignored`, `excluded_attributes_ignored`,
    /// `external_id_filter_not_honoured`,
    /// `group_external_id_filter_not_honoured`, `start_index_zero_refused`,
    /// `unauthorized_without_scim_error`, `wrong_token_accepted`,
    /// `filter_support_misdeclared`, `discovery_list_without_totals`,
    /// `schema_without_schemas`, `resource_type_endpoint_not_relative`;
    /// the TLS checks' `tls_version`, `tls_certificate`, `tls_key_size`,
    /// `tls12_cipher_suites` (Entra will refuse the endpoint) and
    /// `tls_old_versions_refused` (a warning).
    pub code: String,
    pub severity: Severity,
    pub message: String,
    pub evidence: Option<Evidence>,
}

impl ComplianceFinding {
    pub fn engine(
        code: &str,
        severity: Severity,
        message: String,
        evidence: Option<Evidence>,
    ) -> Self {
        Self {
            code: code.to_string(),
            severity,
            message,
            evidence,
        }
    }

    pub fn from_deviation(d: &Deviation, evidence: Option<Evidence>) -> Self {
        let code = serde_json::to_value(d)
            .ok()
            .and_then(|v| v.get("kind").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_else(|| "deviation".to_string());
        Self {
            code,
            severity: d.severity(),
            message: d.describe(),
            evidence,
        }
    }

    /// The health rules' view.
    pub fn to_observation(&self) -> ComplianceDeviation {
        ComplianceDeviation {
            code: self.code.clone(),
            message: self.message.clone(),
        }
    }
}

/// A discovery endpoint's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DiscoveryEndpoint {
    pub path: String,
    pub status: Option<u16>,
    pub ok: bool,
    /// Names found (resource types, schema ids) or a short summary.
    pub summary: String,
}

/// The compliance report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ComplianceReport {
    pub url: String,
    pub checked_at: DateTime<Utc>,
    /// Entra's Test Connection replayed.
    pub test_connection: CheckResult,
    pub discovery: Vec<DiscoveryEndpoint>,
    /// Features the ServiceProviderConfig declares (`patch`, `filter`, …).
    pub features: Vec<String>,
    pub findings: Vec<ComplianceFinding>,
    /// Why the endpoint could not be examined (unreachable, the token
    /// refused, no readable Users list): the report then claims nothing
    /// about compliance, and `findings` holds only what was seen before.
    pub could_not_examine: Option<String>,
    /// Checks that had nothing to look at (no user, no group, no
    /// externalId): neither passed nor failed, and named so that the report
    /// never claims them.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub not_examined: Option<Vec<String>>,
    /// The `/Schemas` body as read, when it answered SCIM JSON: what the
    /// Mappings screen compares Entra's target attributes with.
    #[serde(default)]
    #[ts(optional = nullable, type = "unknown")]
    pub schemas: Option<Value>,
    /// TLS as Entra requires it: version, certificate, key size, TLS 1.2
    /// suites — each pass, fail, not applicable (plain http) or not
    /// performed; a failure is also in `findings`.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub tls: Option<Vec<scimwatch_core::scim::tls::TlsCheck>>,
}

impl ComplianceReport {
    /// A report of `client`'s endpoint with only the Test Connection replay.
    pub(super) fn empty(client: &ScimClient, now: DateTime<Utc>, check: CheckResult) -> Self {
        Self {
            url: client.base_url().to_string(),
            checked_at: now,
            test_connection: check,
            discovery: Vec::new(),
            features: Vec::new(),
            findings: Vec::new(),
            could_not_examine: None,
            not_examined: None,
            schemas: None,
            tls: None,
        }
    }

    /// Examined, and no finding above `info`.
    pub fn compliant(&self) -> bool {
        self.could_not_examine.is_none()
            && self.findings.iter().all(|f| f.severity == Severity::Info)
    }

    /// `discover`'s exit code: 0 compliant, 1 deviations found, 2 could not
    /// examine.
    pub fn exit_code(&self) -> u8 {
        if self.could_not_examine.is_some() {
            2
        } else if self.compliant() {
            0
        } else {
            1
        }
    }

    pub fn observations(&self) -> Vec<ComplianceDeviation> {
        self.findings
            .iter()
            .map(ComplianceFinding::to_observation)
            .collect()
    }

    /// The report as Markdown, ready to send to the SaaS vendor.
    pub fn to_markdown(&self) -> String {
        let mut md = String::new();
        md.push_str("# SCIM compliance report\n\n");
        md.push_str(&format!("- Tenant URL: `{}`\n", self.url));
        md.push_str(&format!(
            "- Checked: {}\n",
            self.checked_at.format("%Y-%m-%d %H:%M UTC")
        ));
        md.push_str(&format!(
            "- Entra Test Connection replay: **{}** — {}\n",
            self.test_connection.verdict.as_str(),
            self.test_connection.message
        ));
        md.push_str("\n## Discovery\n\n| Endpoint | Status | Summary |\n|---|---|---|\n");
        for d in &self.discovery {
            md.push_str(&format!(
                "| `{}` | {} | {} |\n",
                d.path,
                d.status
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "—".into()),
                d.summary.replace('|', "\\|")
            ));
        }
        if !self.features.is_empty() {
            md.push_str(&format!(
                "\nDeclared features: {}\n",
                self.features.join(", ")
            ));
        }
        md.push_str("\n## Deviations\n\n");
        if let Some(why) = &self.could_not_examine {
            md.push_str(&format!(
                "**Could not examine the endpoint**: {why}. Nothing is claimed about its \
                 compliance until it can be read.\n\n"
            ));
        } else if self.findings.is_empty() && self.not_examined().is_empty() {
            md.push_str("None found: the endpoint behaves as RFC 7643/7644 and Entra expect.\n");
        } else if self.findings.is_empty() {
            md.push_str("No deviation in what could be examined (see *Not examined* below).\n");
        }
        for (i, f) in self.findings.iter().enumerate() {
            let sev = match f.severity {
                Severity::Info => "info",
                Severity::Warning => "warning",
                Severity::Error => "error",
            };
            md.push_str(&format!(
                "### {}. {} ({sev}, `{}`)\n\n",
                i + 1,
                f.message,
                f.code
            ));
            if let Some(e) = &f.evidence {
                md.push_str(&format!("Request: `{}`\n\n", e.request));
                if let Some(s) = e.status {
                    md.push_str(&format!("Status: {s}\n\n"));
                }
                if !e.response_excerpt.is_empty() {
                    md.push_str("```\n");
                    md.push_str(&e.response_excerpt.replace("```", "`\u{200b}``"));
                    md.push_str("\n```\n\n");
                }
            }
        }
        md.push_str(&tls::markdown(self.tls.as_deref()));
        if self.could_not_examine.is_none() && !self.not_examined().is_empty() {
            md.push_str(
                "\n## Not examined\n\nNothing to look at, so neither passed nor failed:\n\n",
            );
            for n in self.not_examined() {
                md.push_str(&format!("- {n}\n"));
            }
        }
        md
    }

    /// Checks that had nothing to look at.
    pub fn not_examined(&self) -> &[String] {
        self.not_examined.as_deref().unwrap_or_default()
    }
}
