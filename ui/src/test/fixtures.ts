import type { Connection } from "../bindings/Connection";
import type { CheckResult } from "../bindings/CheckResult";
import type { ComplianceReport } from "../bindings/ComplianceReport";
import type { DriftResult } from "../bindings/DriftResult";
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
  return {
    users: {
      added: [{ id: "u-new", label: "new.hire@contoso.com" }],
      removed: [{ id: "u-gone", label: "leaver@contoso.com" }],
      changed: [{ id: "u-chg", label: "mover@contoso.com", changed_paths: ["active", "name.givenName"] }],
    },
    groups: {
      added: [],
      removed: [],
      changed: [{ id: "g1", label: "Sales", changed_paths: [], members_added: ["u-new"], members_removed: ["u-gone"] }],
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
        severity: "critical",
        message: "The endpoint returns the first page for every startIndex.",
        evidence: { label: "GET /Users?startIndex=101&count=100", value: "HTTP 200\n{\"startIndex\":1}" },
      },
      { code: "discovery_missing", severity: "info", message: "/Schemas is not served.", evidence: null },
    ],
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
        { label: "Expires at", value: "2026-11-26T23:59:59Z" },
        { label: "Source", value: "JWT exp claim" },
      ],
      threshold_days: 7,
      opened_at: "2026-11-19T09:00:00Z",
      updated_at: "2026-11-20T09:00:00Z",
      last_notified_at: null,
      snoozed_until: null,
      pending_notification: null,
      resolved_at: null,
      ...over,
    },
  };
}
