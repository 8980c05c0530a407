import type { Connection } from "../bindings/Connection";
import type { CheckResult } from "../bindings/CheckResult";
import type { ComplianceReport } from "../bindings/ComplianceReport";
import type { StoredCompliance } from "../bindings/StoredCompliance";
import type { ProbePlan } from "../bindings/ProbePlan";
import type { ProbeReport } from "../bindings/ProbeReport";
import type { ProbeStep } from "../bindings/ProbeStep";
import type { StoredProbe } from "../bindings/StoredProbe";
import type { DriftResult } from "../bindings/DriftResult";
import type { HistoryEntry } from "../bindings/HistoryEntry";
import type { IncidentView } from "../bindings/IncidentView";
import type { SnapshotDiff } from "../bindings/SnapshotDiff";
import type { SnapshotSummary } from "../bindings/SnapshotSummary";
import type { TokenStatus } from "../bindings/TokenStatus";

export function connection(over: Partial<Connection> = {}): Connection {
  return {
    id: "c1",
    name: "Contoso → Acme",
    entra: {
      cloud: "global",
      login_url: "https://login.microsoftonline.com",
      graph_url: "https://graph.microsoft.com",
      tenant_id: "contoso.onmicrosoft.com",
      client_id: "14d82eec-204b-4c2f-b7e8-296a70dab67e",
      auth_mode: "delegated",
      app: "Acme (SCIM)",
      service_principal_id: null,
      app_id: null,
      app_display_name: null,
      job_id: null,
    },
    scim: { url: "https://api.acme.example/scim/v2", token_expires_at: "2099-03-31T23:59:59Z" },
    has_scim_token: true,
    has_client_secret: false,
    created_at: "2026-11-01T10:00:00Z",
    updated_at: "2026-11-20T10:00:00Z",
    ...over,
  };
}


export function tokenStatus(over: Partial<TokenStatus> = {}): TokenStatus {
  return {
    expires_at: "2099-03-31T23:59:59Z",
    source: "jwt",
    days_left: 23,
    last_verified_at: "2026-11-20T10:00:00Z",
    last_check_verdict: "ok",
    last_checked_at: "2026-11-20T10:00:00Z",
    token_set: true,
    summary: "token works",
    ...over,
  };
}

export function checkResult(over: Partial<CheckResult> = {}): CheckResult {
  return {
    ok: true,
    verdict: "ok",
    message: "Entra's Test Connection would pass.",
    http_status: 200,
    latency_ms: 182,
    checked_at: "2026-11-20T10:00:00Z",
    url: "https://api.acme.example/scim/v2",
    notes: [],
    suggested_url: null,
    exchanges: [
      {
        method: "GET",
        url: "https://api.acme.example/scim/v2/Users?filter=userName+eq+%22probe%22",
        request_headers: [
          { name: "Authorization", value: "Bearer <redacted>" },
          { name: "Accept", value: "application/scim+json" },
        ],
        status: 200,
        response_headers: [{ name: "Content-Type", value: "application/scim+json" }],
        body_excerpt: '{"totalResults":0,"Resources":[]}',
        body_bytes: 34,
        truncated: false,
        latency_ms: 182,
        error: null,
      },
    ],
    ...over,
  };
}

export function checkUnauthorized(): CheckResult {
  const base = checkResult();
  return {
    ...base,
    ok: false,
    verdict: "unauthorized",
    message: "The SaaS rejected the token (HTTP 401): it is expired, revoked or mistyped.",
    http_status: 401,
    exchanges: [
      { ...base.exchanges[0]!, status: 401, body_excerpt: '{"detail":"invalid_token","status":"401"}', body_bytes: 40 },
    ],
  };
}

export function snapshot(over: Partial<SnapshotSummary> = {}): SnapshotSummary {
  return {
    id: 1,
    base_id: null,
    full: true,
    state: "complete",
    started_at: "2026-11-19T10:00:00Z",
    completed_at: "2026-11-19T10:01:00Z",
    user_count: 120,
    group_count: 8,
    changes: 0,
    error: null,
    ...over,
  };
}

export function snapshotDiff(): SnapshotDiff {
  const ref = { display_name: null, external_id: null, active: null, members: null };
  return {
    users: {
      added: [{ ...ref, id: "u-new", label: "new.hire@contoso.com", display_name: "New Hire", external_id: "E-2041", active: true }],
      removed: [{ ...ref, id: "u-gone", label: "leaver@contoso.com", display_name: "Lee Leaver", active: false }],
      changed: [
        {
          id: "u-chg",
          label: "mover@contoso.com",
          changed_paths: ["active", "name.givenName"],
          changes: [
            { path: "active", old: "true", new: "false", added: [], removed: [], omitted: 0, redacted: false },
            { path: "name.givenName", old: "Mo", new: "Morgan", added: [], removed: [], omitted: 0, redacted: false },
          ],
        },
      ],
    },
    groups: {
      added: [],
      removed: [],
      changed: [{ id: "g1", label: "Sales", changed_paths: [], changes: [], members_added: ["u-new"], members_removed: ["u-gone"] }],
    },
    counts: {
      users_added: 1,
      users_removed: 1,
      users_changed: 1,
      groups_added: 0,
      groups_removed: 0,
      groups_changed: 1,
      memberships_added: 1,
      memberships_removed: 1,
    },
    member_labels: { "u-new": "new.hire@contoso.com", "u-gone": "leaver@contoso.com" },
  };
}

export function driftResult(): DriftResult {
  return {
    snapshot_id: 2,
    snapshot_completed_at: "2026-11-20T10:01:00Z",
    report: {
      matching_attribute: "user_name",
      missing: [{ principal_id: "p1", display_name: "Ada Lovelace", matching_value: "ada@contoso.com", expected_active: true }],
      orphans: [{ id: "s9", user_name: "old.contractor@contoso.com", external_id: null, active: true }],
      duplicates: [],
      active_mismatches: [],
      unmatchable: [],
      counts: { assigned: 10, saas: 10, matched: 9, missing: 1, orphans: 1, active_orphans: 1, duplicates: 0, active_mismatches: 0, unmatchable: 0 },
    },
  };
}

export function complianceReport(): ComplianceReport {
  return {
    url: "https://api.acme.example/scim/v2",
    checked_at: "2026-11-20T10:00:00Z",
    test_connection: checkResult(),
    discovery: [
      { path: "/ServiceProviderConfig", status: 200, ok: true, summary: "patch, filter" },
      { path: "/Schemas", status: 404, ok: false, summary: "not found" },
    ],
    features: ["patch", "filter"],
    findings: [
      {
        code: "ignores_start_index",
        severity: "error",
        message: "The endpoint returns the first page for every startIndex.",
        evidence: { request: "GET /Users?startIndex=101&count=100", status: 200, response_excerpt: "{\"startIndex\":1}" },
      },
      { code: "discovery_missing", severity: "info", message: "/Schemas is not served.", evidence: null },
    ],
    could_not_examine: null,
  };
}

export function incident(over: Partial<IncidentView["incident"]> = {}, id = 7): IncidentView {
  return {
    id: id as unknown as bigint,
    connection_id: "c1",
    connection_name: "Contoso → Acme",
    incident: {
      kind: "token_expiring",
      severity: "warning",
      state: "open",
      title: "The SCIM token expires in 6 days",
      action: "Rotate the token: Token → Rotate the token.",
      evidence: [
        { label: "Expires at", value: { kind: "time", value: "2026-11-26T23:59:59Z" } },
        { label: "Source", value: { kind: "text", value: "JWT exp claim" } },
      ],
      threshold_days: 7,
      opened_at: "2026-11-19T09:00:00Z",
      updated_at: "2026-11-20T09:00:00Z",
      last_notified_at: null,
      snoozed_until: null,
      pending_notification: null,
      resolved_at: null,
      acknowledged: null,
      resolution: null,
      reopens: null,
      ...over,
    },
    reopened_from: null,
    reopened_as: null,
  };
}

/** One line of the incident history: resolved by hand after 1 h 30 min. */
export function historyEntry(over: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    id: 7,
    connection_id: "c1",
    connection_name: "Contoso → Acme",
    kind: "scim_down",
    severity: "critical",
    state: "resolved",
    title: "The SCIM endpoint is down",
    opened_at: "2026-11-19T09:00:00Z",
    resolved_at: "2026-11-19T10:30:00Z",
    duration_ms: 90 * 60_000,
    resolved_by_hand: true,
    resolved_by: "alex",
    note: "Restarted the gateway.",
    reopened_from: null,
    ...over,
  };
}

// ---------- Entra status, cycles, logs, mappings, checklist ----------

import type { ChecklistView } from "../bindings/ChecklistView";
import type { CycleRow } from "../bindings/CycleRow";
import type { EventRow } from "../bindings/EventRow";
import type { MappingsView } from "../bindings/MappingsView";
import type { JobGlance } from "../bindings/JobGlance";
import type { StatusReport } from "../bindings/StatusReport";
import type { StreamView } from "../bindings/StreamView";
import type { StepResult } from "../bindings/StepResult";

/** A job never read: what `job_status` says before the first poll. */
export function statusReport(over: Partial<StatusReport> = {}): StatusReport {
  return {
    connection_id: "c1",
    connection: "Contoso → Acme",
    app_display_name: null,
    job_id: null,
    graph: "unknown",
    blind_reason: null,
    blind_since: null,
    job_read_at: null,
    status_code: null,
    schedule_state: null,
    interval_minutes: null,
    last_cycle_began: null,
    last_cycle_ended: null,
    last_cycle_state: null,
    last_successful_ended: null,
    next_expected: null,
    timing: "not read yet",
    stalled: false,
    quarantine: null,
    users_mapping_enabled: null,
    groups_mapping_enabled: null,
    assigned_users: null,
    assigned_groups: null,
    group_members: null,
    in_scope_users: null,
    scope: null,
    tenant_url: null,
    logs_available: null,
    events_stored: 0,
    last_cycle: null,
    streams: [],
    glance: jobGlance(),
    ...over,
  };
}

/** What the job says of itself: nothing, unless overridden. */
export function jobGlance(over: Partial<JobGlance> = {}): JobGlance {
  return {
    users_provisioned: null,
    groups_provisioned: null,
    cycle_kind: null,
    progress_completed: null,
    progress_total: null,
    progress_units: null,
    steady_state_first: null,
    steady_state_last: null,
    steady_state_known: false,
    ...over,
  };
}

/** One Graph stream's health, read fine a minute ago unless overridden. */
export function streamView(stream: string, over: Partial<StreamView> = {}): StreamView {
  return {
    stream,
    state: "ok",
    problem: null,
    http_status: null,
    reason: null,
    last_read: new Date(Date.now() - 60_000).toISOString(),
    failing_since: null,
    delayed_until: null,
    hint: null,
    ...over,
  };
}

/** A job read a minute ago, running steadily. */
export function healthyReport(over: Partial<StatusReport> = {}): StatusReport {
  const now = Date.now();
  return statusReport({
    graph: "ok",
    job_read_at: new Date(now - 60_000).toISOString(),
    status_code: "Active",
    schedule_state: "Active",
    interval_minutes: 40,
    last_cycle_ended: new Date(now - 12 * 60_000).toISOString(),
    next_expected: new Date(now + 28 * 60_000).toISOString(),
    timing: "steady: cycles every ~40 min",
    logs_available: true,
    events_stored: 1200,
    ...over,
  });
}

export function cycle(i: number, counts: CycleRow["counts"] = { create: { success: 3 }, update: { success: 10, failure: 1 } }): CycleRow {
  const ended = Date.UTC(2026, 10, 20, 10, 0) - i * 40 * 60_000;
  const total = Object.values(counts).reduce((s, st) => s + Object.values(st).reduce((a, b) => a + b, 0), 0);
  return { cycle_id: `cyc-${i}`, started_ms: ended - 60_000, ended_ms: ended, total, failures: counts.update?.failure ?? 0, counts, top_errors: [] };
}

export function eventRow(i: number, over: Partial<EventRow> = {}): EventRow {
  return {
    id: i,
    event_id: `ev-${i}`,
    activity_ms: Date.UTC(2026, 10, 20, 10, 0) - i * 1000,
    job_id: "job1",
    cycle_id: "cyc-0",
    change_id: null,
    action: "update",
    status: "success",
    source_id: `src-${i}`,
    source_name: `User ${i}`,
    target_id: null,
    target_name: `user${i}@contoso.com`,
    identity_type: "User",
    error_code: null,
    error_reason: null,
    error_category: null,
    duration_ms: 120,
    ...over,
  };
}

export function mappingsViewFixture(over: Partial<MappingsView> = {}): MappingsView {
  return {
    mappings: {
      mappings: [
        {
          name: "Provision Microsoft Entra ID Users",
          source: "User",
          target: "urn:ietf:params:scim:schemas:core:2.0:User",
          enabled: true,
          attributes: ["userName ← userPrincipalName *", "active ← Switch([IsSoftDeleted], , \"False\", \"True\")", "displayName ← displayName"],
        },
        {
          name: "Provision Microsoft Entra ID Groups",
          source: "Group",
          target: "urn:ietf:params:scim:schemas:core:2.0:Group",
          enabled: true,
          attributes: ["displayName ← displayName *", "members ← members"],
        },
      ],
    },
    assignments: {
      users: [{ id: "u1", name: "Priya Raman" }],
      groups: [{ id: "g1", name: "Acme users", members: 42 }],
      user_count: 1,
      group_count: 1,
      group_member_count: 42,
      in_scope_users: 43,
    },
    settings: { base_address: "https://api.acme.example/scim/v2", sync_all: false, secret_token_set: true },
    tenant_url_matches: true,
    mappings_seen_ms: Date.UTC(2026, 10, 20, 10, 0),
    assignments_seen_ms: Date.UTC(2026, 10, 20, 10, 0),
    changes: [{ kind: "assignments", observed_ms: Date.UTC(2026, 10, 19, 9, 0), summary: "1 group assigned" }],
    attributes: [
      [
        { target: "userName", source: "userPrincipalName", matching: true, declared: null },
        { target: "active", source: 'Switch([IsSoftDeleted], , "False", "True")', matching: false, declared: null },
        { target: "displayName", source: "displayName", matching: false, declared: null },
      ],
      [
        { target: "displayName", source: "displayName", matching: true, declared: null },
        { target: "members", source: "members", matching: false, declared: null },
      ],
    ],
    schemas: { state: "not_checked" },
    compliance: null,
    ...over,
  };
}

export function step(id: string, status: StepResult["status"], over: Partial<StepResult> = {}): StepResult {
  return {
    id,
    title: `Step ${id}`,
    explains: `Why ${id} matters.`,
    fix_steps: [`Fix ${id} first`, `Then save`],
    deep_link: null,
    deep_link_label: null,
    manual_confirmation: null,
    outcome: {
      status: status === "confirmed" ? "unknown" : status,
      summary: `${id} is ${status}`,
      evidence: [{ label: `${id} evidence`, value: { kind: "text", value: "some value" } }],
      why_unknown: status === "unknown" ? "scimwatch cannot read this." : null,
      observed_at: null,
    },
    status,
    confirmed_at: null,
    confirmation_invalidated: false,
    confirmation_note: null,
    ...over,
  };
}

export function checklistView(steps: StepResult[], over: Partial<ChecklistView> = {}): ChecklistView {
  const failing = steps.find((s) => s.status === "fail")?.id ?? null;
  return {
    connection_id: "c1",
    connection_name: "Contoso → Acme",
    run: {
      evaluated_at: "2026-11-20T10:00:00Z",
      steps,
      first_failing: failing,
      overall: failing ? "fail" : steps.some((s) => s.status === "unknown") ? "incomplete" : "pass",
    },
    findings: [],
    report_markdown: "# Checklist\n- all good",
    ...over,
  };
}

/** The stored compliance: nothing recorded yet. */
export function notExaminedCompliance(): StoredCompliance {
  return { verdict: { state: "not_examined" }, deviations: [], report: null, discover_ms: null, crawl_ms: null, crawl_could_not_examine: null };
}

/** The stored compliance after a discovery that recorded a /Schemas deviation (and the report's findings). */
export function storedCompliance(over: Partial<StoredCompliance> = {}): StoredCompliance {
  const at = Date.UTC(2026, 10, 20, 10, 0);
  const report = complianceReport();
  const deviations: StoredCompliance["deviations"] = [
    ...report.findings.map((f) => ({
      code: f.code,
      message: f.message,
      severity: f.severity,
      source: "discover" as const,
      checked_ms: at,
      concerns_schemas: f.code === "discovery_missing",
    })),
    {
      code: "mapping_target_undeclared",
      message: "1 target attribute Entra maps is not declared in the SaaS's /Schemas: title",
      severity: "info",
      source: "discover",
      checked_ms: at,
      concerns_schemas: true,
    },
  ];
  return {
    verdict: { state: "deviations", count: deviations.length },
    deviations,
    report,
    discover_ms: at,
    crawl_ms: null,
    crawl_could_not_examine: null,
    ...over,
  };
}

/** The 21 Entra operations the write probe replays, in order. */
export const PROBE_OPERATIONS: [string, string][] = [
  ["query_user_before_create", "Look the new user up before creating it (userName eq)"],
  ["create_user", "Create the user (POST with the enterprise extension, roles: [])"],
  ["get_user", "Get the user by id"],
  ["query_user_by_user_name", "Find the user by userName (matching)"],
  ["query_user_by_user_name_other_case", "Find the user by userName in another case (Entra matches case-insensitively)"],
  ["query_user_by_external_id", "Find the user by externalId (matching)"],
  ["update_user_multi_valued", 'Update mail and surname (Replace emails[type eq "work"].value, name.familyName)'],
  ["update_user_name", "Update userName (Replace userName)"],
  ["disable_user", "Disable the user (Replace active: false)"],
  ["disable_user_lower_case_op", "Disable the user with a lower-case op (replace active: false, aadOptscim062020)"],
  ["disable_user_string_false", 'Disable the user with the string "False" (Entra without aadOptscim062020)'],
  ["create_user_with_role", 'Create a user with an app role (roles[].type WindowsAzureActiveDirectoryRole; sent when the Users mapping maps app roles)'],
  ["query_group_before_create", "Look the new group up before creating it (displayName eq, excludedAttributes=members)"],
  ["create_group", "Create the group (no members)"],
  ["get_group", "Get the group by id (excludedAttributes=members)"],
  ["query_group_by_display_name", "Find the group by displayName (excludedAttributes=members)"],
  ["rename_group", "Rename the group (Replace displayName)"],
  ["add_member", "Add a member (Add members)"],
  ["remove_member", "Remove a member (Remove members, value list)"],
  ["delete_group", "Delete the group"],
  ["delete_user", "Delete the user"],
];

const PROBE_URL = "https://acme.example.com/scim/v2";

/** A write probe's report: every operation passed, unless `failing` names some (rename_group answered 501). */
export function probeReport(over: Partial<ProbeReport> = {}, failing: string[] = []): ProbeReport {
  const steps: ProbeStep[] = PROBE_OPERATIONS.map(([code, title]) =>
    failing.includes(code)
      ? {
          code,
          title,
          outcome: "fail",
          message: "refused: HTTP 501 (Not Implemented)",
          entra_reaction: "retry",
          entra_would: "Entra retries the object at the next cycles (escrowed until it goes through)",
          request: { method: "PATCH", url: `${PROBE_URL}/Groups/g-17`, body: '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"displayName","value":"scimwatch-probe-a1b2c3d4e5-group-renamed"}]}' },
          response: {
            method: "PATCH",
            url: `${PROBE_URL}/Groups/g-17`,
            request_headers: [{ name: "Authorization", value: "Bearer <redacted>" }],
            status: 501,
            response_headers: [{ name: "content-type", value: "application/scim+json" }],
            body_excerpt: '{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"501","detail":"PATCH on Groups is not implemented"}',
            body_bytes: 118,
            truncated: false,
            latency_ms: 42,
            error: null,
          },
          read_back: null,
        }
      : { code, title, outcome: "pass", message: "HTTP 200, and the change reads back", entra_reaction: null, entra_would: null, request: null, response: null, read_back: null },
  );
  return {
    url: PROBE_URL,
    checked_at: "2026-11-20T10:05:00Z",
    write_probe_run: true,
    read_side: null,
    steps,
    cleaned_up: [],
    leftovers: [],
    could_not_probe: null,
    verdict: failing.length ? "problems" : "ready_for_entra",
    ...over,
  };
}

export function storedProbe(over: Partial<StoredProbe> = {}): StoredProbe {
  return { write: null, read_only: null, pending: [], running: false, ...over };
}

export function probePlan(over: Partial<ProbePlan> = {}): ProbePlan {
  return {
    url: PROBE_URL,
    host: "acme.example.com",
    token: "a1b2c3d4e5",
    requests: [
      { method: "GET", url: `${PROBE_URL}/Users?filter=userName eq "scimwatch-probe-a1b2c3d4e5"`, body: null, note: "query_user_before_create" },
      { method: "POST", url: `${PROBE_URL}/Users`, body: '{\n  "userName": "scimwatch-probe-a1b2c3d4e5"\n}', note: "create_user" },
      { method: "DELETE", url: `${PROBE_URL}/Users/{user id}`, body: null, note: "delete_user" },
    ],
    creates: [
      "a user scimwatch-probe-a1b2c3d4e5 (externalId scimwatch-probe-a1b2c3d4e5-ext, email scimwatch-probe-a1b2c3d4e5@example.com), renamed to scimwatch-probe-a1b2c3d4e5-renamed, disabled, then deleted",
      "a group scimwatch-probe-a1b2c3d4e5-group (externalId scimwatch-probe-a1b2c3d4e5-group-ext), renamed to scimwatch-probe-a1b2c3d4e5-group-renamed, given that user as a member and back, then deleted",
    ],
    ...over,
  };
}
