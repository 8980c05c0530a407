//! Faults an admin meets in real life, injectable over HTTP (`/_sim/faults`)
//! and from Rust ([`crate::SimHandle::inject`]).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The page size of a server that ignores the client's `count`, unless the
/// fault gives one (`crate::scim::misbehave`).
pub const DEFAULT_SERVER_PAGE: usize = 10;

/// Which Graph endpoints a Graph-side fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GraphFamily {
    /// Every Graph endpoint.
    #[default]
    All,
    /// `servicePrincipals`, `appRoleAssignedTo`, `groups/{id}/members`.
    Directory,
    /// `synchronization/jobs`, `schema`, `secrets` and the job actions.
    Synchronization,
    /// `auditLogs/provisioning`.
    ProvisioningLogs,
}

impl GraphFamily {
    /// Whether a fault for `self` applies to a request in `family`.
    pub fn covers(self, family: GraphFamily) -> bool {
        self == GraphFamily::All || self == family
    }
}

/// A fault to inject. Serialized with a `kind` tag in snake_case, e.g.
/// `{"kind":"graph_throttling","retry_after_secs":2.5}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    // ---- the app's provisioning configuration ----
    /// The SCIM secret token has expired at the SaaS. The built-in target
    /// rejects it with 401; for an external target the sim sends a stale token.
    /// Symptom: quarantine, `EncounteredQuarantineException`,
    /// `SystemForCrossDomainIdentityManagementCredentialValidationFailure`.
    ScimTokenExpired,
    /// The SaaS revoked the token (the sim sends a token the target never issued). Same symptom.
    ScimTokenRevoked,
    /// The SaaS refuses Entra's credentials, and Entra reports it as a real tenant did
    /// (2021): code `SystemForCrossDomainIdentityManagementInvalidCredentials`, message
    /// "Please provide a valid tenant URL for your application.", a quarantine **without**
    /// `error` (the cause only in `lastExecution.error`), the first retry 5 minutes later,
    /// `troubleshootingUrl: ""`.
    ScimInvalidCredentials,
    /// The Tenant URL (`BaseAddress`) is wrong (a path the target answers 404 to). Same symptom.
    WrongTenantUrl,
    /// "Provision Microsoft Entra ID Users" mapping disabled: users stop flowing.
    UsersMappingDisabled,
    /// "Provision Microsoft Entra ID Groups" mapping disabled: groups stop flowing.
    GroupsMappingDisabled,
    /// Provisioning Status = Off: `schedule.state` Disabled, `status.code` Paused, no cycles.
    ProvisioningPaused,
    /// No group is assigned to the app (their assignments are removed until the fault is cleared).
    GroupsNotAssigned,
    /// One user loses their assignment (the given one, or the first directly assigned user).
    /// Next cycle: `PATCH active=false` (`disable`).
    UserUnassigned {
        /// Object id of the user; default: the first directly assigned user.
        #[serde(default)]
        user_id: Option<Uuid>,
    },
    /// The SCIM endpoint is down: the built-in target drops every connection without an
    /// answer, for Entra and for scimwatch alike. Quarantine at the next cycle with work,
    /// `SystemForCrossDomainIdentityManagementCredentialValidationUnavailable` as real tenants
    /// report an endpoint they cannot connect to.
    ScimEndpointDown,
    /// The built-in SCIM target answers 500 to everything but the connection test.
    ScimServerError,
    /// The built-in SCIM target answers with an HTML page (a proxy's login page).
    ScimHtmlPage,
    /// The built-in SCIM target is slow.
    ScimSlow {
        /// Added latency per request, in milliseconds.
        #[serde(default = "default_slow_ms")]
        latency_ms: u64,
    },
    /// The built-in SCIM target ignores `startIndex` (always returns the first page).
    ScimIgnoresStartIndex,
    /// A newly assigned user (Jordan Reyes) already has an account in the SaaS that the
    /// built-in target cannot find by filter: lookups return nothing and `POST /Users`
    /// answers 409 `uniqueness` (`EntryConflict` in the logs) at the next cycle.
    DuplicateUserConflict,
    /// Mass unassignment: `count` in-scope users lose their assignment (default: more than the
    /// 500-delete threshold), so the next cycle quarantines with `TooManyDeletes`.
    MassDeletes {
        /// How many users to unassign (default 501, or every in-scope user if fewer).
        #[serde(default)]
        count: Option<u32>,
    },
    /// The job stalls: the status stays `Active` but no cycle runs any more.
    StalledJob,
    /// scimwatch's sign-in lacks the permission (Synchronization.Read.All) or the directory
    /// role to read provisioning: every `synchronization/*` request answers what real Graph
    /// answers then, **401 `UnknownError` with an empty message** (not 403); the directory
    /// and the provisioning logs still work with the same token.
    SynchronizationPermissionMissing,
    /// The tenant has no Entra ID P1/P2 licence: `auditLogs/provisioning` answers 403
    /// `Authentication_RequestFromNonPremiumTenantOrB2CTenant`; everything else works.
    NonPremiumTenant,

    // ---- the built-in SCIM target misbehaves as real open-source servers do ----
    // (tests/fixtures/graph-real/README.md, "What independent SCIM servers do";
    // applied by crate::scim::misbehave in front of the target)
    /// `startIndex` and `count` ignored: every page is the same first page of `page_size`
    /// resources while `totalResults` says the true total.
    ScimIgnoresPaging {
        /// The server's own page size (default 10).
        #[serde(default = "default_server_page")]
        page_size: usize,
    },
    /// `count` ignored (`startIndex` honoured): every page holds `page_size` resources.
    ScimIgnoresCount {
        /// The server's own page size (default 10).
        #[serde(default = "default_server_page")]
        page_size: usize,
    },
    /// `userName eq` compares values case-sensitively (RFC 7643: `userName` is not case-exact).
    ScimUserNameCaseSensitive,
    /// Filter attribute names are case-sensitive: `USERNAME eq …` finds nobody.
    ScimAttributeNamesCaseSensitive,
    /// `/ServiceProviderConfig` announces `filter.supported: false` while filtering works.
    ScimFilterDeclaredUnsupported,
    /// `/Schemas` and `/ResourceTypes` lists without `totalResults`/`itemsPerPage`/`startIndex`.
    ScimDiscoveryWithoutTotals,
    /// Schema resources without their own `schemas` attribute.
    ScimSchemasWithoutSchemas,
    /// ResourceType `endpoint`s as absolute paths (`/scim/v2/Users`, not `/Users`).
    ScimAbsoluteResourceTypeEndpoints,
    /// `itemsPerPage` is the configured page size (100), larger than the items returned.
    ScimItemsPerPageTooLarge,
    /// A refused token gets 401 with an empty `text/html` body, not a SCIM error.
    ScimUnauthorizedEmptyHtml,
    /// Every 404 — and a filter that matches nobody — is the web framework's HTML
    /// "Not Found" page (not a SCIM error, not a login page).
    ScimHtmlNotFound,
    /// `startIndex=0` answers 400 (RFC 7644 §3.4.2.4: treat it as 1).
    ScimStartIndexZeroRefused,
    /// A 409 (`POST` of an existing userName) without `scimType`.
    ScimConflictWithoutScimType,
    /// `excludedAttributes` ignored (groups come back with their members).
    ScimIgnoresExcludedAttributes,
    /// Every filter answers 400 `invalidFilter` (while `/ServiceProviderConfig` says
    /// `filter.supported: true`).
    ScimFilterRefused,
    /// A group rename (`PATCH` of `displayName` on a group) answers 501 Not Implemented.
    ScimGroupRenameUnsupported,
    /// Removing group members (`PATCH` `Remove` on `members`) answers 400.
    ScimMemberRemovalRefused,
    /// `active` sent as a string (`"False"`, as Entra does without `aadOptscim062020`)
    /// answers 400 `invalidValue`.
    ScimActiveStringRefused,
    /// `GET /Groups?filter=displayName eq "…"` finds nothing, even for a group that exists.
    ScimGroupFilterFindsNothing,
    /// `filter=externalId eq "…"` is ignored: the unfiltered list comes back.
    ScimExternalIdFilterIgnored,
    /// Every `PATCH` answers 204 No Content and changes nothing.
    ScimPatchIgnored,

    // ---- Graph itself ----
    /// Graph answers 429 with `Retry-After` (seconds, may be fractional).
    GraphThrottling {
        /// Which endpoints.
        #[serde(default)]
        family: GraphFamily,
        /// The `Retry-After` value in seconds.
        #[serde(default = "default_retry_after")]
        retry_after_secs: f64,
        /// Only the next `count` requests (default: until cleared).
        #[serde(default)]
        count: Option<u32>,
    },
    /// Graph answers 500 or 503 (or any given 5xx) in the error envelope.
    GraphServerError {
        /// Which endpoints.
        #[serde(default)]
        family: GraphFamily,
        /// The status code (default 503).
        #[serde(default = "default_5xx")]
        status: u16,
        /// Only the next `count` requests (default: until cleared).
        #[serde(default)]
        count: Option<u32>,
    },
    /// Graph is slow.
    GraphSlow {
        /// Which endpoints.
        #[serde(default)]
        family: GraphFamily,
        /// Added latency per request, in milliseconds.
        #[serde(default = "default_slow_ms")]
        latency_ms: u64,
    },
    /// Graph answers 502 with an HTML page (a gateway's error page).
    GraphHtmlPage {
        /// Which endpoints.
        #[serde(default)]
        family: GraphFamily,
    },
    /// Graph answers 200 with a body that is not JSON.
    GraphMalformedJson {
        /// Which endpoints.
        #[serde(default)]
        family: GraphFamily,
    },
    /// Graph answers 200 with the real body cut in half.
    GraphTruncatedJson {
        /// Which endpoints.
        #[serde(default)]
        family: GraphFamily,
    },
    /// `@odata.nextLink` points back at the page that carried it, for ever.
    GraphNextLinkLoop,
    /// The app's own connector reports its failures with app-prefixed codes, as a
    /// real Box tenant did (`BoxEntryConflict`,
    /// tests/fixtures/graph-real/provisioning-page-beta-box-statusinfo-only-2019.json):
    /// failure events recorded while it is active carry `<prefix><code>` and a reason
    /// naming the app (codes of the generic SCIM connector,
    /// `SystemForCrossDomainIdentityManagement…`, stay as they are).
    AppPrefixedErrorCodes {
        /// The app's name as its codes start (default `Box`; ASCII letters and digits).
        #[serde(default = "default_app_prefix")]
        prefix: String,
    },
    /// `auditLogs/provisioning` answers in the 2019 beta shape of the same fixture:
    /// each event with only the deprecated `action` and flat `statusInfo` (no
    /// `provisioningAction`, `provisioningStatusInfo`, `servicePrincipal`),
    /// `errorCategory` capitalised, `sourceSystem` "Azure Active Directory".
    BetaLogShape,
    /// The watched provisioning job was deleted (or the job id is stale):
    /// `GET …/synchronization/jobs/{id}` answers Graph's 404 envelope
    /// (`ResourceNotFound`) and the app's job list is empty; the directory,
    /// the schema reads and the logs still answer.
    JobNotFound,
}

fn default_slow_ms() -> u64 {
    2_000
}
fn default_server_page() -> usize {
    DEFAULT_SERVER_PAGE
}
fn default_app_prefix() -> String {
    crate::logs::real::DEFAULT_APP_PREFIX.to_string()
}
fn default_retry_after() -> f64 {
    2.5
}
fn default_5xx() -> u16 {
    503
}

/// One entry of `GET /_sim/faults`.
#[derive(Debug, Clone, Serialize)]
pub struct FaultKind {
    /// The `kind` tag.
    pub kind: &'static str,
    /// Optional parameters (name: meaning).
    pub params: &'static [&'static str],
    /// What the admin sees.
    pub description: &'static str,
}

/// Every fault kind with its parameters and symptom.
pub fn fault_kinds() -> Vec<FaultKind> {
    const NONE: &[&str] = &[];
    const FAM: &[&str] = &["family: all|directory|synchronization|provisioning_logs"];
    vec![
        FaultKind { kind: "scim_token_expired", params: NONE, description: "SCIM token expired: quarantine with SystemForCrossDomainIdentityManagementCredentialValidationFailure" },
        FaultKind { kind: "scim_token_revoked", params: NONE, description: "SCIM token revoked: same quarantine" },
        FaultKind { kind: "scim_invalid_credentials", params: NONE, description: "Credentials refused, reported as a real 2021 tenant did: quarantine without error, cause SystemForCrossDomainIdentityManagementInvalidCredentials in lastExecution.error, first retry after 5 minutes" },
        FaultKind { kind: "wrong_tenant_url", params: NONE, description: "Tenant URL (BaseAddress) wrong: 404 from the target, same quarantine" },
        FaultKind { kind: "users_mapping_disabled", params: NONE, description: "Users object mapping disabled: users stop flowing" },
        FaultKind { kind: "groups_mapping_disabled", params: NONE, description: "Groups object mapping disabled: groups stop flowing" },
        FaultKind { kind: "provisioning_paused", params: NONE, description: "Provisioning Status Off: schedule Disabled, status Paused" },
        FaultKind { kind: "groups_not_assigned", params: NONE, description: "No group assigned to the app" },
        FaultKind { kind: "user_unassigned", params: &["user_id: uuid (optional)"], description: "A user is unassigned: disabled (active=false) at the next cycle" },
        FaultKind { kind: "scim_endpoint_down", params: NONE, description: "SCIM endpoint down: every connection dropped without an answer; quarantine with SystemForCrossDomainIdentityManagementCredentialValidationUnavailable" },
        FaultKind { kind: "scim_server_error", params: NONE, description: "Built-in SCIM target answers 500: entry-level failures" },
        FaultKind { kind: "scim_html_page", params: NONE, description: "Built-in SCIM target answers an HTML page" },
        FaultKind { kind: "scim_slow", params: &["latency_ms: u64"], description: "Built-in SCIM target is slow" },
        FaultKind { kind: "scim_ignores_start_index", params: NONE, description: "Built-in SCIM target ignores startIndex" },
        FaultKind { kind: "duplicate_user_conflict", params: NONE, description: "A new hire already has an account in the SaaS: POST /Users answers 409 uniqueness (EntryConflict)" },
        FaultKind { kind: "mass_deletes", params: &["count: u32 (optional)"], description: "Many users unassigned at once: quarantine TooManyDeletes" },
        FaultKind { kind: "stalled_job", params: NONE, description: "Cycles stop while the status still says Active" },
        FaultKind { kind: "synchronization_permission_missing", params: NONE, description: "Missing permission or role for the synchronization API: 401 UnknownError with an empty message; directory and logs still work" },
        FaultKind { kind: "non_premium_tenant", params: NONE, description: "No P1/P2: auditLogs/provisioning answers 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant" },
        FaultKind { kind: "scim_ignores_paging", params: &["page_size: usize (10)"], description: "SCIM target ignores startIndex and count: every page is the first page, totalResults the true total" },
        FaultKind { kind: "scim_ignores_count", params: &["page_size: usize (10)"], description: "SCIM target ignores count: every page holds its own page size" },
        FaultKind { kind: "scim_user_name_case_sensitive", params: NONE, description: "SCIM target compares userName filter values case-sensitively" },
        FaultKind { kind: "scim_attribute_names_case_sensitive", params: NONE, description: "SCIM target recognises filter attribute names only as spelled in the schema (USERNAME eq finds nobody)" },
        FaultKind { kind: "scim_filter_declared_unsupported", params: NONE, description: "SCIM target's ServiceProviderConfig says filter.supported false while filtering works" },
        FaultKind { kind: "scim_discovery_without_totals", params: NONE, description: "SCIM target's /Schemas and /ResourceTypes lists lack totalResults, itemsPerPage, startIndex" },
        FaultKind { kind: "scim_schemas_without_schemas", params: NONE, description: "SCIM target's Schema resources lack schemas" },
        FaultKind { kind: "scim_absolute_resource_type_endpoints", params: NONE, description: "SCIM target's ResourceType endpoints are absolute paths" },
        FaultKind { kind: "scim_items_per_page_too_large", params: NONE, description: "SCIM target's itemsPerPage is larger than the items returned" },
        FaultKind { kind: "scim_unauthorized_empty_html", params: NONE, description: "SCIM target answers a refused token with 401 and an empty text/html body" },
        FaultKind { kind: "scim_html_not_found", params: NONE, description: "SCIM target answers 404, and a filter matching nobody, with a web framework's HTML page" },
        FaultKind { kind: "scim_start_index_zero_refused", params: NONE, description: "SCIM target answers startIndex=0 with 400" },
        FaultKind { kind: "scim_conflict_without_scim_type", params: NONE, description: "SCIM target's 409 has no scimType" },
        FaultKind { kind: "scim_ignores_excluded_attributes", params: NONE, description: "SCIM target ignores excludedAttributes" },
        FaultKind { kind: "scim_filter_refused", params: NONE, description: "SCIM target answers every filter with 400 invalidFilter" },
        FaultKind { kind: "scim_group_rename_unsupported", params: NONE, description: "Built-in SCIM target answers 501 to a group rename (PATCH displayName)" },
        FaultKind { kind: "scim_member_removal_refused", params: NONE, description: "Built-in SCIM target answers 400 to removing group members" },
        FaultKind { kind: "scim_active_string_refused", params: NONE, description: "Built-in SCIM target answers 400 to active sent as the string \"False\"" },
        FaultKind { kind: "scim_group_filter_finds_nothing", params: NONE, description: "Built-in SCIM target's displayName eq group filter finds nothing" },
        FaultKind { kind: "scim_external_id_filter_ignored", params: NONE, description: "Built-in SCIM target ignores an externalId eq filter (returns the whole list)" },
        FaultKind { kind: "scim_patch_ignored", params: NONE, description: "Built-in SCIM target answers 204 to every PATCH and changes nothing" },
        FaultKind { kind: "graph_throttling", params: &["family", "retry_after_secs: f64", "count: u32"], description: "Graph 429 with Retry-After" },
        FaultKind { kind: "graph_server_error", params: &["family", "status: u16 (503)", "count: u32"], description: "Graph 5xx" },
        FaultKind { kind: "graph_slow", params: &["family", "latency_ms: u64"], description: "Graph slow" },
        FaultKind { kind: "graph_html_page", params: FAM, description: "Graph answers an HTML error page" },
        FaultKind { kind: "graph_malformed_json", params: FAM, description: "Graph answers 200 with a body that is not JSON" },
        FaultKind { kind: "graph_truncated_json", params: FAM, description: "Graph answers 200 with truncated JSON" },
        FaultKind { kind: "graph_next_link_loop", params: NONE, description: "@odata.nextLink points back at the same page" },
        FaultKind { kind: "job_not_found", params: NONE, description: "The provisioning job was deleted: GET synchronization/jobs/{id} answers 404 ResourceNotFound, the job list is empty" },
        FaultKind { kind: "app_prefixed_error_codes", params: &["prefix: string (Box)"], description: "The app's connector prefixes its failure codes, as a real Box tenant did: EntryConflict becomes BoxEntryConflict in the provisioning logs" },
        FaultKind { kind: "beta_log_shape", params: NONE, description: "auditLogs/provisioning answers in the 2019 beta shape: only action and statusInfo, no provisioningAction, provisioningStatusInfo or servicePrincipal" },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_serialize_with_a_kind_tag() {
        let f = Fault::GraphThrottling {
            family: GraphFamily::ProvisioningLogs,
            retry_after_secs: 1.5,
            count: None,
        };
        let v = serde_json::to_value(&f).unwrap();
        assert_eq!(v["kind"], "graph_throttling");
        assert_eq!(v["family"], "provisioning_logs");
        let back: Fault = serde_json::from_str(r#"{"kind":"scim_slow"}"#).unwrap();
        assert_eq!(back, Fault::ScimSlow { latency_ms: 2000 });
        let unit: Fault = serde_json::from_str(r#"{"kind":"stalled_job"}"#).unwrap();
        assert_eq!(unit, Fault::StalledJob);
        for k in fault_kinds() {
            // every listed kind parses with defaults
            let parsed: Result<Fault, _> =
                serde_json::from_value(serde_json::json!({ "kind": k.kind }));
            assert!(parsed.is_ok(), "{}", k.kind);
        }
    }
}
