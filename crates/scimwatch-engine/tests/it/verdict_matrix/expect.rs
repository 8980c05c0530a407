//! What each scenario must conclude, reviewed against what Microsoft and
//! the SaaS really do (issue 17). `covers` names the defect or principle
//! of issue 17 the scenario is the regression test of.

use super::Row;

/// The verdict a scenario must reach.
pub struct Expect {
    /// The one incident opened (kind), or none.
    pub incident: Option<&'static str>,
    /// "Start here", or none.
    pub start: Option<&'static str>,
    /// `check`'s exit code (`None`: not run for this scenario).
    pub check: Option<u8>,
    /// Phrases that what "Start here" says (or, for an error body, the
    /// message the admin reads) must contain.
    pub says: &'static [&'static str],
    /// Phrases it must not contain.
    pub never: &'static [&'static str],
    pub covers: &'static str,
}

impl Expect {
    pub fn matches(&self, r: &Row) -> Result<(), String> {
        let incident = r.incidents.first().map(|(k, _)| k.as_str());
        if incident != self.incident {
            return Err(format!(
                "incident {incident:?}, expected {:?}",
                self.incident
            ));
        }
        if r.start.as_deref() != self.start {
            return Err(format!("start {:?}, expected {:?}", r.start, self.start));
        }
        if r.check != self.check {
            return Err(format!("check {:?}, expected {:?}", r.check, self.check));
        }
        let text = r
            .message
            .as_deref()
            .or(r.start_says.as_deref())
            .unwrap_or_default();
        for p in self.says {
            if !text.contains(p) {
                return Err(format!("says {text:?}, expected it to contain {p:?}"));
            }
        }
        for p in self.never {
            if text.contains(p) {
                return Err(format!("says {text:?}, which must not contain {p:?}"));
            }
        }
        Ok(())
    }
}

type Entry = (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Option<u8>,
    &'static [&'static str],
    &'static [&'static str],
    &'static str,
);

const NONE: &[&str] = &[];

#[rustfmt::skip]
const TABLE: &[Entry] = &[
    // (scenario, incident, start here, check, says, never, covers)
    ("scim_token_expired", Some("scim_test_failed"), Some("token_valid"), Some(1), &["refused its credentials"], NONE, "defect 17: one token fault, one incident"),
    ("scim_token_revoked", Some("quarantine"), Some("token_valid"), Some(1), &["stored token passes"], NONE, "contradictions: Entra refused, scimwatch's token works"),
    ("scim_invalid_credentials", Some("quarantine"), Some("token_valid"), Some(1), &["stored token passes"], NONE, "defect 6: quarantine without error"),
    ("wrong_tenant_url", Some("tenant_url_mismatch"), Some("tenant_url"), Some(1), &["differs"], NONE, "root cause first"),
    ("users_mapping_disabled", Some("users_mapping_disabled"), Some("users_mapping"), Some(1), NONE, NONE, "one definition per check"),
    ("groups_mapping_disabled", Some("groups_mapping_disabled"), Some("groups_mapping"), Some(1), NONE, NONE, "one definition per check"),
    ("provisioning_paused", Some("provisioning_off"), Some("provisioning_on"), Some(1), NONE, NONE, "root cause first"),
    ("groups_not_assigned", Some("no_groups_assigned"), Some("groups_assigned"), Some(1), NONE, NONE, "one definition per check"),
    ("user_unassigned", None, None, Some(2), NONE, NONE, "no verdict without evidence: skipped users could not be judged"),
    ("scim_endpoint_down", Some("scim_down"), Some("tenant_url"), Some(1), &["cannot be reached"], &["token"], "defect 15: down for everyone, not a token problem"),
    ("scim_server_error", Some("escrows_rising"), Some("last_cycle_errors"), Some(1), NONE, NONE, "defect 8: every entry failed"),
    ("scim_html_page", Some("scim_test_failed"), Some("tenant_url"), Some(1), &["HTML page"], NONE, "defect 13"),
    ("scim_slow", None, None, Some(0), NONE, NONE, "the monitor copes"),
    ("scim_ignores_start_index", None, Some("scim_compliance"), Some(1), NONE, NONE, "defect 9: check uses SCIM compliance"),
    ("duplicate_user_conflict", Some("conflicts"), Some("conflicts_duplicates"), Some(1), NONE, NONE, "defect 16"),
    ("mass_deletes", Some("quarantine"), Some("groups_assigned"), Some(1), NONE, NONE, "root cause first"),
    ("stalled_job", Some("stalled"), Some("changes_take_time"), Some(1), &["more than 3 ×"], NONE, "defect 18: the stall's arithmetic"),
    ("synchronization_permission_missing", Some("graph_blind"), None, Some(2), NONE, NONE, "defect 2"),
    ("non_premium_tenant", None, None, Some(2), NONE, NONE, "defect 4: a 403 on the logs is not blindness"),
    ("scim_ignores_paging", None, Some("scim_compliance"), Some(1), NONE, NONE, "defects 10, 11: incomplete crawl, ignored startIndex"),
    ("scim_ignores_count", None, Some("scim_compliance"), Some(1), NONE, NONE, "defect 14"),
    ("scim_user_name_case_sensitive", None, Some("scim_compliance"), Some(1), NONE, NONE, "defect 14: duplicates in Entra"),
    ("scim_attribute_names_case_sensitive", None, Some("scim_compliance"), Some(1), NONE, NONE, "defect 14"),
    ("scim_filter_declared_unsupported", None, Some("scim_compliance"), Some(1), NONE, NONE, "defect 14"),
    ("scim_discovery_without_totals", None, None, Some(0), NONE, NONE, "defect 14 (info: Entra does not need it)"),
    ("scim_schemas_without_schemas", None, None, Some(0), NONE, NONE, "defect 14 (info)"),
    ("scim_absolute_resource_type_endpoints", None, None, Some(0), NONE, NONE, "defect 14 (info)"),
    ("scim_items_per_page_too_large", None, None, Some(0), NONE, NONE, "defect 14 (info)"),
    ("scim_unauthorized_empty_html", None, Some("scim_compliance"), Some(1), NONE, NONE, "defect 14"),
    ("scim_html_not_found", Some("scim_test_failed"), Some("scim_compliance"), Some(1), &["404 to a filter that matches nobody"], NONE, "defect 13: a framework's 404 is not a wrong URL"),
    ("scim_start_index_zero_refused", None, Some("scim_compliance"), Some(1), NONE, NONE, "defect 14"),
    ("scim_conflict_without_scim_type", None, None, Some(0), NONE, NONE, "defect 14 (a 409 body: the write probe's fresh names meet no conflict)"),
    ("scim_ignores_excluded_attributes", None, Some("scim_compliance"), Some(1), NONE, NONE, "defect 14"),
    ("scim_filter_refused", Some("scim_test_failed"), Some("scim_compliance"), Some(1), &["invalidFilter"], NONE, "defect 13: 400 invalidFilter"),
    ("scim_group_rename_unsupported", None, Some("entra_updates"), Some(1), &["failed when replayed"], NONE, "issue 20: only the write probe sees it"),
    ("scim_member_removal_refused", None, Some("entra_updates"), Some(1), &["failed when replayed"], NONE, "issue 20: only the write probe sees it"),
    ("scim_active_string_refused", None, Some("entra_updates"), Some(1), &["failed when replayed"], NONE, "issue 20: only the write probe sees it"),
    ("scim_group_filter_finds_nothing", None, Some("scim_compliance"), Some(1), NONE, NONE, "issue 20 read side"),
    ("scim_external_id_filter_ignored", None, Some("scim_compliance"), Some(1), NONE, NONE, "issue 20 read side"),
    ("scim_patch_ignored", None, Some("entra_updates"), Some(1), &["failed when replayed"], NONE, "issue 20: only the write probe sees it"),
    ("graph_throttling", Some("graph_blind"), None, Some(2), NONE, NONE, "no verdict without evidence"),
    ("graph_server_error", Some("graph_blind"), None, Some(2), NONE, NONE, "no verdict without evidence"),
    ("graph_slow", None, None, Some(0), NONE, NONE, "the monitor copes"),
    ("graph_html_page", Some("graph_blind"), None, Some(2), NONE, NONE, "no verdict without evidence"),
    ("graph_malformed_json", Some("graph_blind"), None, Some(2), NONE, NONE, "no verdict without evidence"),
    ("graph_truncated_json", Some("graph_blind"), None, Some(2), NONE, NONE, "no verdict without evidence"),
    ("graph_next_link_loop", None, None, Some(2), NONE, NONE, "a loop is broken, and said"),
    ("job_not_found", Some("graph_blind"), None, Some(2), NONE, NONE, "defect 5"),
    ("app_prefixed_error_codes", None, None, Some(0), NONE, NONE, "real codes are app-prefixed: nothing fails, nothing to say"),
    ("beta_log_shape", None, None, Some(0), NONE, NONE, "real 2019 beta events (action/statusInfo only) are ingested like v1.0"),
    ("logs_throttled_long_retry_after", None, None, Some(2), NONE, NONE, "defect 4: each stream its own health"),
    ("token_revoked_and_groups_unassigned", Some("quarantine"), Some("token_valid"), Some(1), &["stored token passes"], NONE, "defect 7: the credential before the groups warning"),
    ("box_prefixed_duplicate_conflict", Some("conflicts"), Some("conflicts_duplicates"), Some(1), &["conflict"], NONE, "defect 3: BoxEntryConflict from the sim is a conflict (by family)"),
    ("beta_box_conflict_statusinfo_only", Some("conflicts"), Some("conflicts_duplicates"), Some(1), &["conflict"], NONE, "defect 3: the real 2019 Box page, live: beta shape and BoxEntryConflict"),
    ("scim_only_connection", None, None, Some(0), NONE, NONE, "SCIM-only: the Entra steps are not applicable"),
    ("entra_only_connection", None, None, Some(0), NONE, NONE, "Entra-only: the token is judged on Entra's cycle"),
    ("real_job_quarantine_invalid_credentials", Some("quarantine"), Some("token_valid"), None, NONE, NONE, "defect 6: the real 2021 quarantine"),
    ("real_job_quarantine_without_error", Some("quarantine"), Some("token_valid"), None, NONE, NONE, "defect 6: cause from lastExecution.error"),
    ("real_log_page_box_conflict", Some("conflicts"), Some("conflicts_duplicates"), None, &["conflicts or duplicates"], NONE, "defect 3: app-prefixed conflicts"),
    ("real_schema_aws_template", None, None, None, NONE, NONE, "a real schema: only what it maps is judged"),
    ("real_error_401_unknownerror_empty_message", None, None, None, &["Synchronization.Read.All"], &["refused the access token"], "defect 2"),
    ("real_error_429_toomanyrequests", None, None, None, &["throttl"], NONE, "Microsoft's 429 body"),
    ("real_error_aadsts7000215_invalid_client", None, None, None, &["AADSTS7000215", "Invalid client secret is provided."], &["Trace ID", "Correlation ID", "Timestamp"], "defect 1"),
];

/// The expectation of a scenario, if it has one.
pub fn expected(name: &str) -> Option<Expect> {
    TABLE
        .iter()
        .find(|e| e.0 == name)
        .map(|&(_, incident, start, check, says, never, covers)| Expect {
            incident,
            start,
            check,
            says,
            never,
            covers,
        })
}

/// The write probe's failing operations per scenario (in the probe's
/// order); every scenario not listed: none. Each is the operation the
/// fault breaks for Entra (`crates/scimwatch-engine/tests/it/probe_sim.rs`
/// asserts the same per misbehaviour, with Entra's reaction).
#[rustfmt::skip]
const PROBE_FAILS: &[(&str, &[&str])] = &[
    ("scim_server_error", &["create_user", "create_group"]),
    // The sim's conflict fault answers 409 to every user create and hides
    // every user from `userName eq` (its SaaS "cannot find" the existing
    // account): the probe's own create meets the same 409.
    ("duplicate_user_conflict", &["create_user"]),
    ("scim_user_name_case_sensitive", &["query_user_by_user_name_other_case"]),
    ("scim_html_not_found", &["query_user_before_create", "query_group_before_create"]),
    ("scim_filter_refused", &["query_user_before_create", "query_user_by_user_name", "query_user_by_user_name_other_case", "query_user_by_external_id", "query_group_before_create", "query_group_by_display_name"]),
    ("scim_group_rename_unsupported", &["rename_group"]),
    ("scim_member_removal_refused", &["remove_member"]),
    ("scim_active_string_refused", &["disable_user_string_false"]),
    ("scim_group_filter_finds_nothing", &["query_group_by_display_name"]),
    ("scim_external_id_filter_ignored", &["query_user_by_external_id"]),
    ("scim_patch_ignored", &["update_user_multi_valued", "update_user_name", "disable_user", "disable_user_lower_case_op", "disable_user_string_false", "rename_group"]),
    ("box_prefixed_duplicate_conflict", &["create_user"]),
    ("beta_box_conflict_statusinfo_only", &["create_user"]),
];

/// The operations the write probe must fail in a scenario.
pub fn probe_fails(name: &str) -> Vec<String> {
    PROBE_FAILS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, f)| f.iter().map(|c| (*c).to_string()).collect())
        .unwrap_or_default()
}
