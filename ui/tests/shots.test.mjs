// Screenshots of every screen, rendered by Debian's Chromium from the
// production bundle (`ui/dist`) with the app's Content Security Policy. The
// Tauri IPC is replaced by `mockIPC` from `@tauri-apps/api/mocks`, injected as
// an init script, so the bundle itself is unchanged.
//
//   npm run shots            (builds ui/dist first, then writes <repo>/target/ui-shots/*.png)
//   SHOTS_SKIP_BUILD=1 npm run shots
//   SHOTS_NOW=2026-12-07T12:00:00Z npm run shots   (the pages' clock stands still at that
//     instant, so two runs compare pixel for pixel, e.g. before and after a CSS change)
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { chromium } from "playwright-core";
import { remediationBackend, remediationTour } from "./shots-remediation.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const uiDir = resolve(here, "..");
const dist = join(uiDir, "dist");
const outDir = resolve(uiDir, "..", "target", "ui-shots");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

// The policy the Tauri shell applies: read from <repo>/tauri.conf.json when it
// is there, so violations of the real CSP show up here as console errors.
const FALLBACK_CSP = {
  "default-src": "'self'",
  "connect-src": "ipc: http://ipc.localhost",
  "script-src": "'self'",
  "style-src": "'self' 'unsafe-inline'",
  "img-src": "'self'",
};
function loadTauriConf() {
  const path = resolve(uiDir, "..", "tauri.conf.json");
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return null;
  }
}
const tauriConf = loadTauriConf();
const cspConf = tauriConf?.app?.security?.csp ?? FALLBACK_CSP;
const CSP =
  typeof cspConf === "string"
    ? cspConf
    : Object.entries(cspConf)
        .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(" ") : v}`)
        .join("; ");
// Tauri's `freezePrototype` freezes Object.prototype before the app runs.
const FREEZE = tauriConf?.app?.security?.freezePrototype ? "Object.freeze(Object.prototype);" : "";

const SCREENS = [
  "overview",
  "connections",
  "mappings",
  "token",
  "logs",
  "inventory",
  "troubleshooting",
  "incidents",
  "settings",
];

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
};

let server;
let baseUrl;
let browser;
let mocksBundle;

/**
 * The monitoring commands (token checks, inventory, drift, compliance,
 * incidents), run in the page. Serialised with toString(): it must not use
 * anything from this module.
 */
function monitorBackend(db, scenario) {
  const DAY = 86400000;
  const HOUR = 3600000;
  const MIN = 60000;
  const now = Date.now();
  const iso = (ms) => new Date(ms).toISOString();
  const err = (kind, message) => ({ kind, message, fields: [] });
  const conn = (id) => {
    const c = db.find((x) => x.id === id);
    if (!c) throw err("not_found", "no such connection");
    return c;
  };
  const usersUrl = (base) => base + "/Users?filter=userName%20eq%20%22scimwatch-probe-7f3a%22";
  function exchange(base, status, body, latency) {
    return {
      method: "GET",
      url: usersUrl(base),
      request_headers: [
        { name: "Authorization", value: "Bearer <redacted>" },
        { name: "Accept", value: "application/scim+json" },
        { name: "User-Agent", value: "scimwatch/0.1 (Entra Test Connection replay)" },
      ],
      status,
      response_headers: status == null ? [] : [
        { name: "Content-Type", value: status === 200 ? "application/scim+json; charset=utf-8" : "application/json" },
        { name: "Date", value: new Date(now).toUTCString() },
        ...(status === 401 ? [{ name: "WWW-Authenticate", value: 'Bearer error="invalid_token", error_description="The access token has been revoked"' }] : []),
        { name: "X-Request-Id", value: "9b1c2f0e-4d5a-4c1b-a0f3-77c2d1e5b8aa" },
      ],
      body_excerpt: body,
      body_bytes: body.length,
      truncated: false,
      latency_ms: latency,
      error: null,
    };
  }
  function check(id, when) {
    const c = conn(id);
    const base = c.scim.url;
    if (id === "c2") {
      return {
        ok: false,
        verdict: "unauthorized",
        message: "The SaaS rejected the Secret Token (HTTP 401): it has expired or been revoked. Entra's Test Connection fails the same way, and provisioning is stopped until a new token is saved in Entra.",
        http_status: 401,
        latency_ms: 214,
        checked_at: iso(when),
        url: base,
        notes: ["Token: removed a trailing newline pasted with it"],
        suggested_url: null,
        exchanges: [
          exchange(base, 401, JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "401", detail: "Bearer token is invalid or has been revoked" }, null, 2), 214),
        ],
      };
    }
    return {
      ok: true,
      verdict: "ok",
      message: "Entra's Test Connection would pass: the token is accepted and the Users filter query returns an empty list.",
      http_status: 200,
      latency_ms: 143,
      checked_at: iso(when),
      url: base,
      notes: [],
      suggested_url: null,
      exchanges: [
        exchange(base, 200, JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] }, null, 2), 143),
      ],
    };
  }
  const checks = {};
  function history(id) {
    if (!checks[id]) {
      const list = [];
      const bad = id === "c2";
      for (let i = 0; i < 9; i++) {
        const when = now - (2 * HOUR + i * 6 * HOUR);
        const verdict = bad && i < 3 ? "unauthorized" : i === 5 ? "timeout" : "ok";
        list.push({
          id: 100 - i,
          checked_at: iso(when),
          ok: verdict === "ok",
          verdict,
          http_status: verdict === "ok" ? 200 : verdict === "unauthorized" ? 401 : null,
          latency_ms: verdict === "timeout" ? 30000 : 120 + ((i * 37) % 90),
        });
      }
      checks[id] = id === "c3" ? [] : list;
    }
    return checks[id];
  }
  const latest = {};
  function endOfDay(ms) {
    return new Date(ms).toISOString().slice(0, 10) + "T23:59:59Z";
  }
  function tokenStatus(id) {
    const c = conn(id);
    const h = history(id);
    const last = latest[id] ?? (h[0] ? { verdict: h[0].verdict, checked_at: h[0].checked_at } : null);
    const verified = h.find((x) => x.ok);
    const expires = id === "c1" ? iso(now + 23 * DAY + 5 * HOUR) : c.scim.token_expires_at;
    const days = expires ? Math.floor((new Date(expires).getTime() - now) / DAY) : null;
    return {
      expires_at: expires,
      source: id === "c1" ? "jwt" : expires ? "admin" : "unknown",
      days_left: days,
      last_verified_at: verified ? verified.checked_at : null,
      last_check_verdict: last ? last.verdict : null,
      last_checked_at: last ? last.checked_at : null,
      token_set: c.has_scim_token,
      summary: !last ? "not checked yet" : last.verdict === "ok" ? "the token works" : "token expired or revoked: the SaaS answers 401",
    };
  }
  const snapshots = {
    c1: [
      { id: 12, base_id: 8, full: false, state: "complete", started_at: iso(now - 50 * MIN), completed_at: iso(now - 49 * MIN), user_count: 1284, group_count: 46, changes: 14, error: null },
      { id: 11, base_id: 8, full: false, state: "complete", started_at: iso(now - DAY - 50 * MIN), completed_at: iso(now - DAY - 48 * MIN), user_count: 1283, group_count: 46, changes: 9, error: null },
      { id: 10, base_id: 8, full: false, state: "failed", started_at: iso(now - 2 * DAY), completed_at: null, user_count: null, group_count: null, changes: 0, error: "HTTP 503 from /Users?startIndex=401: service unavailable (after 3 retries)" },
      { id: 9, base_id: 8, full: false, state: "cancelled", started_at: iso(now - 3 * DAY), completed_at: null, user_count: null, group_count: null, changes: 0, error: null },
      { id: 8, base_id: null, full: true, state: "complete", started_at: iso(now - 4 * DAY), completed_at: iso(now - 4 * DAY + 3 * MIN), user_count: 1279, group_count: 45, changes: 1324, error: null },
    ],
    c2: [],
    c3: [],
  };
  const names = ["amelia.hart", "bruno.silva", "chen.wei", "dana.okafor", "elif.kaya", "farah.nasser", "gus.lindqvist", "hana.sato", "ivan.petrov", "jules.martin"];
  const uid = (i) => "2819c223-7f76-453a-919d-" + String(413861904646 + i).padStart(12, "0");
  const chg = (path, old, now) => ({ path, old, new: now, added: [], removed: [], omitted: 0, redacted: false });
  const diff = {
    users: {
      added: names.slice(0, 3).map((n, i) => ({ id: uid(100 + i), label: n + "@contoso.com" })),
      removed: names.slice(3, 5).map((n, i) => ({ id: uid(200 + i), label: n + "@contoso.com" })),
      changed: [
        { id: uid(300), label: "farah.nasser@contoso.com", changed_paths: ["active"], changes: [chg("active", "true", "false")] },
        {
          id: uid(301),
          label: "gus.lindqvist@contoso.com",
          changed_paths: ["displayName", "emails[type eq \"work\"].value", "name.familyName"],
          changes: [chg("displayName", "Gus Lind", "Gus Lindqvist"), chg('emails[type eq "work"].value', "gus.lind@contoso.com", "gus.lindqvist@contoso.com"), chg("name.familyName", "Lind", "Lindqvist")],
        },
        {
          id: uid(302),
          label: "hana.sato@contoso.com",
          changed_paths: ["title", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"],
          changes: [chg("title", "Analyst II", "Team Lead"), chg("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "Finance", "Finance Operations EMEA")],
        },
        {
          id: uid(303),
          label: "ivan.petrov@contoso.com",
          changed_paths: ["phoneNumbers"],
          changes: [{ path: "phoneNumbers", old: null, new: null, added: ['{"type":"mobile","value":"+44 7700 900123"}'], removed: ['{"type":"work","value":"+44 20 7946 0000"}'], omitted: 0, redacted: false }],
        },
      ],
    },
    groups: {
      added: [{ id: "g-9001", label: "Project Falcon" }],
      removed: [],
      changed: [
        { id: "g-1002", label: "Sales EMEA", changed_paths: [], members_added: [uid(100), uid(101)], members_removed: [uid(200)] },
        { id: "g-1007", label: "All Staff", changed_paths: ["displayName"], members_added: [uid(100), uid(101), uid(102)], members_removed: [uid(200), uid(201)] },
      ],
    },
    counts: { users_added: 3, users_removed: 2, users_changed: 4, groups_added: 1, groups_removed: 0, groups_changed: 2, memberships_added: 5, memberships_removed: 3 },
    member_labels: Object.fromEntries([...names.slice(0, 3).map((n, i) => [uid(100 + i), n + "@contoso.com"]), ...names.slice(3, 5).map((n, i) => [uid(200 + i), n + "@contoso.com"])]),
  };
  const drift = {
    snapshot_id: 12,
    snapshot_completed_at: iso(now - 49 * MIN),
    report: {
      matching_attribute: "user_name",
      missing: [
        { principal_id: "5f1e0c7a-2b3d-4e5f-8a9b-0c1d2e3f4a5b", display_name: "Priya Raman", matching_value: "priya.raman@contoso.com", expected_active: true },
        { principal_id: "6a2f1d8b-3c4e-5f6a-9b0c-1d2e3f4a5b6c", display_name: "Tom Becker", matching_value: "tom.becker@contoso.com", expected_active: true },
      ],
      orphans: [
        { id: uid(900), user_name: "old.contractor@contoso.com", external_id: "c0ffee00-1111-2222-3333-444455556666", active: true },
        { id: uid(901), user_name: "svc-reporting@contoso.com", external_id: null, active: true },
        { id: uid(902), user_name: "left.in.2025@contoso.com", external_id: "aa00bb11-2222-3333-4444-555566667777", active: false },
      ],
      duplicates: [
        {
          attribute: "userName",
          value: "j.doe@contoso.com",
          users: [
            { id: uid(910), user_name: "j.doe@contoso.com", external_id: "7b3a0f9e-1111-4e4e-9a9a-0123456789ab", active: true },
            { id: uid(911), user_name: "J.Doe@contoso.com", external_id: null, active: true },
          ],
        },
      ],
      active_mismatches: [
        {
          assigned: { principal_id: "7c3e2f9d-4d5f-6a7b-0c1d-2e3f4a5b6c7d", display_name: "Marta Nowak", matching_value: "marta.nowak@contoso.com", expected_active: false },
          saas: { id: uid(920), user_name: "marta.nowak@contoso.com", external_id: "7c3e2f9d-4d5f-6a7b-0c1d-2e3f4a5b6c7d", active: true },
        },
      ],
      unmatchable: [],
      counts: { assigned: 1281, saas: 1284, matched: 1279, missing: 2, orphans: 3, active_orphans: 2, duplicates: 1, active_mismatches: 1, unmatchable: 0 },
    },
  };
  /** The stored compliance (issue 17, defect 18): the latest discovery's report, as both Inventory and Mappings read it. */
  function storedCompliance(id) {
    const report = compliance(id);
    const at = Date.parse(report.checked_at) || now - MIN;
    const deviations = [
      ...report.findings.map((f) => ({ code: f.code, message: f.message, severity: f.severity, source: "discover", checked_ms: at, concerns_schemas: /\/Schemas/.test(f.message) })),
      { code: "mapping_target_undeclared", message: "2 target attributes Entra maps are not declared in the SaaS's /Schemas: title, urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter", severity: "info", source: "discover", checked_ms: at, concerns_schemas: true },
    ];
    return { verdict: { state: "deviations", count: deviations.length }, deviations, report, discover_ms: at, crawl_ms: null, crawl_could_not_examine: null };
  }

  /** "Test with Entra's requests" (issue 20): c1's write probe found Acme refusing a group rename; the others were never probed. */
  function storedProbe(id) {
    if (id !== "c1") return { write: null, read_only: null, pending: [], running: false };
    const base = conn(id).scim.url;
    const ops = [
      ["query_user_before_create", "Look the new user up before creating it (userName eq)"],
      ["create_user", "Create the user (POST with the enterprise extension, roles: [])"],
      ["get_user", "Get the user by id"],
      ["query_user_by_user_name", "Find the user by userName (matching)"],
      ["query_user_by_external_id", "Find the user by externalId (matching)"],
      ["update_user_multi_valued", 'Update mail and surname (Replace emails[type eq "work"].value, name.familyName)'],
      ["update_user_name", "Update userName (Replace userName)"],
      ["disable_user", "Disable the user (Replace active: false)"],
      ["disable_user_lower_case_op", "Disable the user with a lower-case op (replace active: false, aadOptscim062020)"],
      ["disable_user_string_false", 'Disable the user with the string "False" (Entra without aadOptscim062020)'],
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
    const steps = ops.map(([code, title]) =>
      code === "rename_group"
        ? {
            code, title, outcome: "fail", message: "refused: HTTP 501 (Not Implemented)", entra_reaction: "retry",
            entra_would: "Entra retries the object at the next cycles (escrowed until it goes through)",
            request: { method: "PATCH", url: `${base}/Groups/g-17`, body: '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"displayName","value":"scimwatch-probe-7f3a9c21d4-group-renamed"}]}' },
            response: {
              method: "PATCH", url: `${base}/Groups/g-17`, request_headers: [{ name: "Authorization", value: "Bearer <redacted>" }], status: 501,
              response_headers: [{ name: "content-type", value: "application/scim+json" }],
              body_excerpt: '{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"501","detail":"PATCH on Groups is not implemented"}',
              body_bytes: 118, truncated: false, latency_ms: 42, error: null,
            },
            read_back: null,
          }
        : { code, title, outcome: "pass", message: "HTTP 200, and the change reads back", entra_reaction: null, entra_would: null, request: null, response: null, read_back: null },
    );
    return {
      write: { url: base, checked_at: iso(now - 20 * MIN), write_probe_run: true, read_side: null, steps, cleaned_up: [], leftovers: [], could_not_probe: null, verdict: "problems" },
      read_only: null,
      pending: [],
      running: false,
    };
  }

  function compliance(id) {
    const c = conn(id);
    const base = c.scim.url;
    return {
      url: base,
      checked_at: iso(now),
      test_connection: check(id, now),
      discovery: [
        { path: "/ServiceProviderConfig", status: 200, ok: true, summary: "patch, filter (max 200), bulk not supported, etag not supported" },
        { path: "/ResourceTypes", status: 200, ok: true, summary: "User, Group" },
        { path: "/Schemas", status: 404, ok: false, summary: "HTTP 404: not served" },
      ],
      features: ["patch", "filter", "changePassword"],
      findings: [
        {
          code: "ignores_start_index",
          severity: "error",
          message: "The endpoint returns the first page whatever startIndex asks for: Entra and scimwatch can never read past the first 100 users.",
          evidence: {
            request: "GET " + base + "/Users?startIndex=101&count=100",
            status: 200,
            response_excerpt: "{\n  \"totalResults\": 1284,\n  \"startIndex\": 1,\n  \"itemsPerPage\": 100,\n  \"Resources\": [ { \"id\": \"" + uid(0) + "\", \"userName\": \"amelia.hart@contoso.com\" }, … ]\n}",
          },
        },
        {
          code: "non_scim_error_body",
          severity: "warning",
          message: "Errors come back as plain JSON without the SCIM Error schema, so Entra's provisioning logs show only the status code.",
          evidence: {
            request: "GET " + base + "/Users/does-not-exist",
            status: 404,
            response_excerpt: "{ \"error\": \"Not Found\" }",
          },
        },
        { code: "discovery_missing", severity: "info", message: "/Schemas is not served. Entra does not need it, but some SCIM clients do.", evidence: null },
      ],
    };
  }
  const incidents = [
    {
      id: 41,
      connection_id: "c2",
      connection_name: "Fabrikam (GCC High) → Ticketing",
      incident: {
        kind: "scim_test_failed",
        severity: "critical",
        state: "escalated",
        title: "The SaaS rejects the Secret Token (HTTP 401)",
        action: "Create a new token in the Ticketing admin console, test it on the Token screen, then paste it into Entra (Provisioning → Admin Credentials → Secret Token) and save.",
        evidence: [
          { label: "Last Test Connection", value: { kind: "time", value: iso(now - 2 * HOUR) } },
          { label: "HTTP status", value: { kind: "text", value: "401 Unauthorized" } },
          { label: "Response", value: { kind: "text", value: "Bearer token is invalid or has been revoked" } },
          { label: "Last success", value: { kind: "time", value: iso(now - 20 * HOUR) } },
        ],
        threshold_days: null,
        opened_at: iso(now - 14 * HOUR),
        updated_at: iso(now - 2 * HOUR),
        last_notified_at: iso(now - 2 * HOUR),
        snoozed_until: null,
        pending_notification: null,
        resolved_at: null,
      },
    },
    {
      id: 38,
      connection_id: "c2",
      connection_name: "Fabrikam (GCC High) → Ticketing",
      incident: {
        kind: "token_expiring",
        severity: "warning",
        state: "open",
        title: "The SCIM token expires in 4 days",
        action: "Rotate the token before it expires: Token → Rotate the token.",
        evidence: [
          { label: "Expires", value: ((t) => (t ? { kind: "time", value: t } : { kind: "text", value: "unknown" }))(db.find((c) => c.id === "c2")?.scim?.token_expires_at) },
          { label: "Source", value: { kind: "text", value: "date entered in the connection" } },
          { label: "Threshold crossed", value: { kind: "text", value: "7 days" } },
        ],
        threshold_days: 7,
        opened_at: iso(now - 3 * DAY),
        updated_at: iso(now - 3 * HOUR),
        last_notified_at: iso(now - 3 * HOUR),
        snoozed_until: iso(now + 3 * HOUR),
        pending_notification: null,
        resolved_at: null,
      },
    },
    {
      id: 35,
      connection_id: "c1",
      connection_name: "Contoso → Acme HR",
      incident: {
        kind: "scim_non_compliant",
        severity: "warning",
        state: "open",
        title: "Acme HR's SCIM endpoint ignores startIndex",
        action: "Send the SCIM compliance report (Inventory → SCIM compliance → Copy report) to Acme HR support: users beyond the first page are invisible to Entra.",
        evidence: [
          { label: "Deviation", value: { kind: "text", value: "ignores_start_index" } },
          { label: "Seen", value: { kind: "time", value: iso(now - 49 * MIN) } },
        ],
        threshold_days: null,
        opened_at: iso(now - 4 * DAY),
        updated_at: iso(now - 49 * MIN),
        last_notified_at: iso(now - 4 * DAY),
        snoozed_until: null,
        pending_notification: null,
        resolved_at: null,
      },
    },
    {
      id: 30,
      connection_id: "c1",
      connection_name: "Contoso → Acme HR",
      incident: {
        kind: "scim_down",
        severity: "critical",
        state: "resolved",
        title: "Acme HR's SCIM endpoint was unreachable",
        action: "Nothing to do: the endpoint answers again.",
        evidence: [{ label: "Down for", value: { kind: "text", value: "47 minutes" } }],
        threshold_days: null,
        opened_at: iso(now - 6 * DAY),
        updated_at: iso(now - 6 * DAY + 47 * MIN),
        last_notified_at: iso(now - 6 * DAY + 47 * MIN),
        snoozed_until: null,
        pending_notification: null,
        resolved_at: iso(now - 6 * DAY + 47 * MIN),
      },
    },
  ];
  // ---------- Entra status, cycles, logs, mappings, checklist, demo ----------
  const noEntra = (id) => {
    const c = conn(id);
    if (!c.entra) throw err("not_found", "this connection has no Entra side");
    return c;
  };
  function report(id) {
    const c = noEntra(id);
    const base = {
      connection_id: id, connection: c.name, app_display_name: c.entra.app, job_id: "scim.1c2f0e4d5a",
      graph: "ok", blind_reason: null, blind_since: null, job_read_at: iso(now - 2 * MIN),
      status_code: "Active", schedule_state: "Active", interval_minutes: 40,
      last_cycle_began: iso(now - 14 * MIN), last_cycle_ended: iso(now - 12 * MIN), last_cycle_state: "completed",
      last_successful_ended: iso(now - 12 * MIN), next_expected: iso(now + 28 * MIN),
      timing: "steady: a cycle about every 40 minutes", stalled: false, quarantine: null,
      users_mapping_enabled: true, groups_mapping_enabled: !scenario.groupsOff, assigned_users: 12, assigned_groups: 4,
      group_members: 1271, in_scope_users: 1280, scope: "assigned users and groups only",
      tenant_url: c.scim ? c.scim.url : null, logs_available: true, events_stored: 25000, last_cycle: null,
      glance: {
        users_provisioned: 1264, groups_provisioned: 4, cycle_kind: "incremental", progress_completed: null,
        progress_total: null, progress_units: null, steady_state_first: iso(now - 30 * DAY),
        steady_state_last: iso(now - 12 * MIN), steady_state_known: true,
      },
      streams: ["job", "configuration", "logs"].map((stream) => ({
        stream, state: "ok", problem: null, http_status: null, reason: null, last_read: iso(now - 2 * MIN),
        failing_since: null, delayed_until: null, hint: null,
      })),
    };
    if (id === "c2") {
      return {
        ...base,
        status_code: "Quarantine", schedule_state: "Active", last_cycle_ended: iso(now - 27 * HOUR), last_successful_ended: iso(now - 4 * DAY),
        next_expected: iso(now + 3 * HOUR + 20 * MIN), timing: "in quarantine: Entra retries less and less often",
        quarantine: {
          reason: "every request to the SCIM endpoint answered HTTP 401: the Secret Token is invalid or revoked",
          error_code: "SystemForCrossDomainIdentityManagementUnauthorized", since: iso(now - 4 * DAY), next_attempt: iso(now + 3 * HOUR), days_left: 24,
        },
        events_stored: 3120,
      };
    }
    return base;
  }
  function rand(seed) {
    let x = seed * 9301 + 49297;
    return () => ((x = (x * 9301 + 49297) % 233280) / 233280);
  }
  function cycles(id) {
    noEntra(id);
    const r = rand(id === "c1" ? 7 : 3);
    const n = id === "c1" ? 24 : 14;
    const out = [];
    for (let i = 0; i < n; i++) {
      const ended = now - 12 * MIN - i * 40 * MIN - (id === "c2" ? 27 * HOUR : 0);
      const bad = id === "c2" && i < 6;
      const counts = bad
        ? { update: { failure: 30 + Math.round(r() * 20) }, create: { failure: Math.round(r() * 6) } }
        : {
            create: { success: Math.round(r() * 6) },
            update: { success: 8 + Math.round(r() * 30), failure: r() > 0.8 ? 1 + Math.round(r() * 3) : 0 },
            disable: { success: r() > 0.7 ? 1 : 0 },
            other: { skipped: Math.round(r() * 12) },
          };
      if (i === 3 && id === "c1") counts.create.success = 42;
      const total = Object.values(counts).reduce((s, st) => s + Object.values(st).reduce((a, b) => a + b, 0), 0);
      out.push({ cycle_id: "cyc-" + id + "-" + (1000 - i), started_ms: ended - 3 * MIN, ended_ms: ended, total, failures: 0, counts, top_errors: [] });
    }
    return out;
  }
  const PEOPLE = ["amelia.hart", "priya.raman", "tom.becker", "marta.nowak", "li.wei", "jonas.berg", "sara.okafor", "diego.alvarez", "noor.haddad", "kenji.sato", "emma.larsen", "omar.farouk"];
  function eventAt(id, i) {
    const person = PEOPLE[i % PEOPLE.length] + (i >= PEOPLE.length ? "." + Math.floor(i / PEOPLE.length) : "");
    const failed = id === "c2" ? i % 3 !== 2 : i % 9 === 4;
    const skipped = !failed && i % 5 === 3;
    const action = skipped ? "other" : i % 11 === 0 ? "create" : i % 17 === 5 ? "disable" : "update";
    const code = failed ? (id === "c2" ? "SystemForCrossDomainIdentityManagementUnauthorized" : "SystemForCrossDomainIdentityManagementBadRequest") : null;
    return {
      id: i + 1, event_id: "ev-" + id + "-" + i, activity_ms: now - 12 * MIN - i * 37000 - (id === "c2" ? 27 * HOUR : 0),
      job_id: "scim.1c2f0e4d5a", cycle_id: "cyc-" + id + "-" + (1000 - Math.floor(i / 60)), change_id: "chg-" + i,
      action, status: failed ? "failure" : skipped ? "skipped" : "success",
      source_id: "5f1e0c7a-2b3d-4e5f-8a9b-" + String(100000000000 + i).slice(-12), source_name: person.split(".").map((p) => p[0].toUpperCase() + p.slice(1)).join(" "),
      target_id: failed ? null : "u-" + i, target_name: person + "@contoso.com", identity_type: "User",
      error_code: code,
      error_reason: failed ? (id === "c2" ? "The SCIM endpoint answered 401 Unauthorized." : "The SCIM endpoint answered 400: emails[type eq \"work\"].value is not a valid address.") : null,
      error_category: failed ? "NonServiceFailure" : null, duration_ms: 80 + (i % 7) * 40,
    };
  }
  function matches(e, f) {
    if (f.status && e.status !== f.status) return false;
    if (f.action && e.action !== f.action) return false;
    if (f.since_ms != null && e.activity_ms < f.since_ms) return false;
    if (f.until_ms != null && e.activity_ms >= f.until_ms) return false;
    if (f.cycle_id && e.cycle_id !== f.cycle_id) return false;
    if (f.error_code && e.error_code !== f.error_code) return false;
    return true;
  }
  function queryLogs({ id, filter, cursor, limit }) {
    const total = report(id).events_stored;
    const items = [];
    let i = cursor ? Number(cursor) : 0;
    const max = limit ?? 200;
    for (; i < total && items.length < max; i++) {
      const e = eventAt(id, i);
      if (matches(e, filter)) items.push(e);
    }
    return { items, next_cursor: i < total ? String(i) : null };
  }
  function eventDetail({ id, eventId }) {
    const i = Number(eventId.split("-").pop());
    const e = eventAt(id, i);
    const failed = e.status === "failure";
    return {
      id: e.event_id, activityDateTime: iso(e.activity_ms), cycleId: e.cycle_id, changeId: e.change_id, jobId: e.job_id,
      durationInMilliseconds: e.duration_ms, provisioningAction: e.action,
      provisioningStatusInfo: { status: e.status, errorInformation: failed ? { errorCode: e.error_code, reason: e.error_reason, additionalDetails: null, errorCategory: e.error_category, recommendedAction: id === "c2" ? "Create a new Secret Token in the SaaS, paste it in Entra (Provisioning → Admin Credentials), Test Connection and Save." : "Check the mapping of emails[type eq \"work\"].value: the source attribute is empty or malformed for this user." } : null },
      sourceSystem: { id: "s1", displayName: "Microsoft Entra ID", details: {} },
      targetSystem: { id: "t1", displayName: conn(id).entra.app, details: {} },
      sourceIdentity: { id: e.source_id, displayName: e.source_name, identityType: "User", details: {} },
      targetIdentity: { id: e.target_id, displayName: e.target_name, identityType: "urn:ietf:params:scim:schemas:core:2.0:User", details: {} },
      modifiedProperties: e.action === "update" ? [
        { displayName: "displayName", oldValue: null, newValue: e.source_name },
        { displayName: "emails[type eq \"work\"].value", oldValue: e.target_name.replace("@", "@old."), newValue: e.target_name },
        { displayName: "active", oldValue: "True", newValue: "True" },
      ] : [],
      provisioningSteps: [
        { name: "EntryImport", provisioningStepType: "import", status: "success", description: "Retrieved " + e.source_name + " from Microsoft Entra ID", details: {} },
        { name: "EntrySynchronizationScoping", provisioningStepType: "scoping", status: "success", description: "The user is in scope: assigned through the group Acme users", details: { ScopeEvaluationResult: "{}" } },
        { name: "EntryImportByMatching", provisioningStepType: "matchingRule", status: "success", description: "Found the user in the target: userName eq \"" + e.target_name + "\"", details: {} },
        { name: "EntryExport", provisioningStepType: "export", status: failed ? "failure" : e.status === "skipped" ? "skipped" : "success", description: failed ? e.error_reason : "Updated the user in the target", details: failed ? { ReportableIdentifier: e.target_name, StatusCode: id === "c2" ? "401" : "400" } : {} },
      ],
    };
  }
  function mappingsView({ id }) {
    const schemas = true; // compared with the /Schemas of the recorded discovery
    const c = noEntra(id);
    const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    const undeclared = new Set(["title", ENTERPRISE + ":costCenter"]);
    const row = (text, i, groups) => {
      const matching = text.includes("*");
      const [target, source] = text.replace("*", "").split("←").map((x) => x.trim());
      return { target, source, matching, declared: !schemas ? null : groups ? null : !undeclared.has(target) };
    };
    const users = [
      "userName ← userPrincipalName *", "active ← Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")", "displayName ← displayName",
      "title ← jobTitle", "emails[type eq \"work\"].value ← mail", "name.givenName ← givenName", "name.familyName ← surname", "externalId ← mailNickname",
      ENTERPRISE + ":costCenter ← extension_5f1c_costCenter",
    ];
    const groups = ["displayName ← displayName *", "externalId ← objectId", "members ← members"];
    return {
      compliance: conn(id).scim ? storedCompliance(id) : null,
      attributes: [users.map((t, i) => row(t, i, false)), groups.map((t, i) => row(t, i, true))],
      schemas: !schemas
        ? { state: "not_checked" }
        : { state: "read", checked_ms: now - MIN, schema_ids: ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:core:2.0:Group", ENTERPRISE], without_attributes: ["urn:ietf:params:scim:schemas:core:2.0:Group"], undeclared: 2 },
      mappings: { mappings: [
        { name: "Provision Microsoft Entra ID Users", source: "User", target: "urn:ietf:params:scim:schemas:core:2.0:User", enabled: true, attributes: users },
        { name: "Provision Microsoft Entra ID Groups", source: "Group", target: "urn:ietf:params:scim:schemas:core:2.0:Group", enabled: !scenario.groupsOff, attributes: groups },
      ] },
      assignments: {
        users: [{ id: "u1", name: "Priya Raman" }, { id: "u2", name: "Tom Becker" }, { id: "u3", name: "Marta Nowak" }, { id: "u4", name: "Li Wei" }, { id: "u5", name: "Sara Okafor" }, { id: "u6", name: "svc-hr-sync" }],
        groups: [{ id: "g1", name: "Acme HR — all staff", members: 1184 }, { id: "g2", name: "Acme HR — managers", members: 61 }, { id: "g3", name: "Contractors (EU)", members: 26 }, { id: "g4", name: "New joiners", members: 0 }],
        user_count: 6, group_count: 4, group_member_count: 1271, in_scope_users: 1280,
      },
      settings: { base_address: id === "c2" ? "https://tickets.example.net/api/scim/v1" : c.scim.url, sync_all: false, secret_token_set: true },
      tenant_url_matches: id !== "c2",
      mappings_seen_ms: now - 2 * MIN, assignments_seen_ms: now - 2 * MIN,
      changes: [
        ...(scenario.groupsOff ? [{ kind: "schema", observed_ms: now - 3 * HOUR, summary: "Provision Microsoft Entra ID Groups: disabled" }] : []),
        { kind: "assignments", observed_ms: now - 26 * HOUR, summary: "Group “New joiners” assigned; 2 users removed" },
        { kind: "settings", observed_ms: now - 6 * DAY, summary: "Notification email changed" },
        { kind: "schema", observed_ms: now - 9 * DAY, summary: "Attribute mapping added: title ← jobTitle" },
      ],
    };
  }
  const confirmed = {};
  function checklist(id) {
    const c = conn(id);
    const fail = id === "c2";
    const st = (sid, status, over) => ({
      id: sid, title: over.title, explains: over.explains, fix_steps: over.fix || [], deep_link: over.link || null, deep_link_label: over.linkLabel || null,
      manual_confirmation: over.manual || null,
      outcome: { status, summary: over.summary, evidence: over.evidence || [], why_unknown: over.why || null, observed_at: iso(now - 2 * MIN) },
      status: confirmed[id + sid] ? "confirmed" : status, confirmed_at: confirmed[id + sid] || null, confirmation_invalidated: false, confirmation_note: null,
    });
    const steps = [
      st("provisioning_on", "pass", { title: "Provisioning is switched on", explains: "Entra only provisions while the job's Provisioning Status is On.", summary: "the job is active", evidence: [{ label: "Job status", value: { kind: "text", value: fail ? "Quarantine" : "Active" } }] }),
      st("token_valid", fail ? "fail" : "pass", {
        title: "The SaaS accepts the Secret Token",
        explains: "Entra authenticates every SCIM request with the Secret Token. A revoked or expired token makes every request fail with 401 and sends the job into quarantine.",
        summary: fail ? "the SaaS answered HTTP 401 to Test Connection" : "Test Connection passed 4 min ago",
        evidence: fail ? [{ label: "Last Test Connection", value: { kind: "time", value: iso(now - 2 * HOUR) } }, { label: "HTTP status", value: { kind: "text", value: "401 Unauthorized" } }, { label: "Response", value: { kind: "text", value: "Bearer token is invalid or has been revoked" } }, { label: "Last success", value: { kind: "time", value: iso(now - 4 * DAY) } }] : [{ label: "Last Test Connection", value: { kind: "time", value: iso(now - 4 * MIN) } }, { label: "HTTP status", value: { kind: "text", value: "200 OK" } }],
        fix: ["Create a new token in the Ticketing admin console (keep the old one for now).", "Test it on the Token screen with “Test new token”.", "Paste it into Entra: Provisioning → Admin Credentials → Secret Token, then Test Connection and Save.", "Restart provisioning in Entra to leave quarantine sooner."],
        link: "https://portal.azure.us/#view/Microsoft_AAD_IAM/ManagedAppMenuBlade/~/ProvisioningManagement", linkLabel: "Open Provisioning in Entra",
      }),
      st("tenant_url", fail ? "fail" : "pass", { title: "Entra sends to the right Tenant URL", explains: "The Tenant URL in Entra's Admin Credentials must be the SaaS's SCIM base URL.", summary: fail ? "Entra's Tenant URL differs from this connection's" : "same Tenant URL in Entra and scimwatch", evidence: [{ label: "In Entra", value: { kind: "text", value: fail ? "https://tickets.example.net/api/scim/v1" : c.scim.url } }, { label: "In scimwatch", value: { kind: "text", value: c.scim.url } }], fix: ["Decide which URL is right (Token → Test Connection tells).", "Fix the other one."] }),
      st("quarantine", fail ? "fail" : "pass", { title: "The job is not in quarantine", explains: "After repeated failures Entra slows the job down and disables it after four weeks.", summary: fail ? "in quarantine for 4 days: 24 days left" : "not in quarantine", evidence: fail ? [{ label: "Since", value: { kind: "time", value: iso(now - 4 * DAY) } }, { label: "Reason", value: { kind: "text", value: "SystemForCrossDomainIdentityManagementUnauthorized" } }] : [] }),
      st("scope", "pass", { title: "Users are in scope", explains: "With “assigned users and groups only”, only assigned users are provisioned.", summary: "1,280 users in scope through 4 groups and 6 direct assignments", evidence: [{ label: "Scope", value: { kind: "text", value: "assigned users and groups only" } }, { label: "Users in scope", value: { kind: "text", value: "1,280" } }] }),
      st("mappings", scenario.groupsOff ? "fail" : "pass", { title: "Users and groups mappings are enabled", explains: "A disabled object mapping means Entra never sends those objects.", summary: "both mappings are enabled", evidence: [{ label: "Users", value: { kind: "text", value: "enabled" } }, { label: "Groups", value: { kind: "text", value: "enabled" } }] }),
      st("consent", "unknown", { title: "Admin consent is granted for the SaaS's own scopes", explains: "Some SaaS apps need extra admin consent in their own console before SCIM writes succeed.", summary: "cannot be checked from Microsoft Graph", why: "the SaaS does not expose its consent state over SCIM", manual: "Open the SaaS's admin console → Integrations → SCIM and check that the Entra integration is authorised.", fix: ["Open the SaaS admin console.", "Authorise the Entra integration."] }),
    ];
    if (!fail) steps[6] = { ...steps[6], status: confirmed[id + "consent"] || scenario.allPass !== false ? "confirmed" : "unknown", confirmed_at: iso(now - 3 * DAY) };
    const first = steps.find((s) => s.status === "fail");
    return {
      connection_id: id, connection_name: c.name,
      run: { evaluated_at: iso(now - 10000), steps, first_failing: first ? first.id : null, overall: first ? "fail" : steps.some((s) => s.status === "unknown") ? "incomplete" : "pass" },
      findings: fail ? [
        { kind: "quarantine", severity: "critical", title: "The provisioning job is in quarantine (24 days left)", evidence: [], action: "Fix the token (step 2), then restart provisioning in Entra.", days_left: 24, threshold_days: null, since: iso(now - 4 * DAY) },
        { kind: "scim_test_failed", severity: "critical", title: "The SaaS rejects the Secret Token (HTTP 401)", evidence: [], action: "Rotate the token: Token → Rotate the token.", days_left: null, threshold_days: null, since: iso(now - 14 * HOUR) },
        { kind: "tenant_url_mismatch", severity: "warning", title: "Entra's Tenant URL differs from the connection's", evidence: [], action: "Make both the SaaS's SCIM base URL.", days_left: null, threshold_days: null, since: null },
      ] : [],
      report_markdown: "# scimwatch checklist: " + c.name + "\n",
    };
  }
  const demo = {
    running: !!scenario.demo,
    connection_id: scenario.demo ? "c1" : null,
    faults: [
      { kind: "token_revoked", description: "Revoke the SCIM Secret Token", active: scenario.demo === "fault" },
      { kind: "quarantine", description: "Send the job into quarantine", active: false },
      { kind: "groups_mapping_off", description: "Disable the groups mapping", active: false },
      { kind: "scim_down", description: "Take the SCIM endpoint down (HTTP 503)", active: false },
      { kind: "stall", description: "Stall provisioning cycles", active: false },
      { kind: "graph_forbidden", description: "Revoke scimwatch's Graph consent", active: false },
    ],
  };
  let crawl = null;
  return {
    token_status: ({ id }) => tokenStatus(id),
    latest_check: ({ id }) => {
      const h = history(id);
      return h[0] ? check(id, new Date(h[0].checked_at).getTime()) : null;
    },
    check_history: ({ id }) => history(id).slice(),
    test_connection: ({ id }) => {
      const r = check(id, Date.now());
      latest[id] = r;
      history(id).unshift({ id: Date.now(), checked_at: r.checked_at, ok: r.ok, verdict: r.verdict, http_status: r.http_status, latency_ms: r.latency_ms });
      return r;
    },
    test_new_token: ({ id }) => ({ ...check("c1", Date.now()), url: conn(id).scim.url }),
    list_snapshots: ({ id }) => (snapshots[id] ?? []).slice(),
    diff_snapshots: () => diff,
    browse_snapshot: ({ snapshot, kind, search, offset, limit }) => {
      const snap = (snapshots.c1 ?? []).find((x) => x.id === snapshot) ?? (snapshots.c1 ?? [])[0];
      const all = kind === "Group"
        ? [{ id: "g-1002", label: "Sales EMEA", display_name: null, external_id: "sales-emea", active: null, members: 3 }, { id: "g-1007", label: "All Staff", display_name: null, external_id: null, active: null, members: 1284 }]
        : names.map((n, i) => ({ id: uid(100 + i), label: n + "@contoso.com", display_name: n.split(".").map((p) => p[0].toUpperCase() + p.slice(1)).join(" "), external_id: `E-${2040 + i}`, active: i % 5 !== 4, members: null }));
      const hits = search ? all.filter((r) => JSON.stringify(r).toLowerCase().includes(search.toLowerCase())) : all;
      return { snapshot: snap, resource_type: kind, search: search ?? null, offset, total: hits.length, items: hits.slice(offset, offset + limit) };
    },
    group_members: ({ snapshot, group }) => ({
      snapshot: (snapshots.c1 ?? [])[0],
      group: { id: group, label: "Sales EMEA", display_name: null, external_id: "sales-emea", active: null, members: 3 },
      offset: 0,
      total: 3,
      members: [
        { id: uid(100), display: null, member_type: "User", resolved: { id: uid(100), label: names[0] + "@contoso.com", display_name: null, external_id: null, active: true, members: null }, resolved_type: "User" },
        { id: uid(101), display: null, member_type: "User", resolved: { id: uid(101), label: names[1] + "@contoso.com", display_name: null, external_id: null, active: true, members: null }, resolved_type: "User" },
        { id: uid(999), display: "Former Contractor", member_type: "User", resolved: null, resolved_type: null },
      ],
    }),
    resource_history: ({ kind, resource }) => ({
      resource_type: kind,
      id: resource,
      label: "hana.sato@contoso.com",
      snapshots: 12,
      versions: [
        { kind: "first_seen", snapshot_id: 1, at: iso(now - 30 * 24 * 60 * MIN), last_snapshot_id: 9, changes: [], body: '{\n  "title": "Analyst",\n  "userName": "hana.sato@contoso.com"\n}' },
        { kind: "changed", snapshot_id: 10, at: iso(now - 3 * 24 * 60 * MIN), last_snapshot_id: 11, changes: [chg("title", "Analyst", "Analyst II")], body: '{\n  "title": "Analyst II",\n  "userName": "hana.sato@contoso.com"\n}' },
        { kind: "changed", snapshot_id: 12, at: iso(now - 49 * MIN), last_snapshot_id: 12, changes: diff.users.changed[2].changes, body: '{\n  "title": "Team Lead",\n  "userName": "hana.sato@contoso.com"\n}' },
      ],
    }),
    drift_report: ({ id }) => {
      if (id !== "c1") throw err("not_found", "Entra assignments were not polled yet for this connection: drift compares them with the latest snapshot");
      return drift;
    },
    scim_compliance: ({ id }) => storedCompliance(id),
    stored_probe: ({ id }) => storedProbe(id),
    start_crawl: () =>
      new Promise((resolve, reject) => {
        crawl = { resolve, reject };
      }),
    cancel_crawl: () => {
      if (!crawl) return false;
      crawl.reject(err("internal", "crawl cancelled"));
      crawl = null;
      return true;
    },
    list_incidents: ({ connection, activeOnly }) =>
      scenario.incidents === "empty"
        ? []
        : scenario.incidents === "c2only"
        ? incidents.filter((v) => v.connection_id === "c2" && (!connection || connection === "c2") && (!activeOnly || v.incident.state !== "resolved"))
        : incidents.filter((v) => (!connection || v.connection_id === connection) && (!activeOnly || v.incident.state !== "resolved")),
    snooze_incident: ({ id, until }) => {
      const v = incidents.find((x) => x.id === id);
      if (!v) throw err("not_found", "no such incident");
      v.incident.snoozed_until = until;
      return v;
    },
    acknowledge_incident: ({ id }) => {
      const v = incidents.find((x) => x.id === id);
      if (!v) throw err("not_found", "no such incident");
      v.incident.acknowledged = { by: "alex", at: new Date(now).toISOString() };
      return v;
    },
    resolve_incident: ({ id, note }) => {
      const v = incidents.find((x) => x.id === id);
      if (!v) throw err("not_found", "no such incident");
      const at = new Date(now).toISOString();
      v.incident.state = "resolved";
      v.incident.resolved_at = at;
      v.incident.resolution = { at, by_hand: true, by: "alex", note, evidence: v.incident.evidence, action: v.incident.action, followed_up: false, reopened: false };
      return v;
    },
    incident_chain: ({ id }) => incidents.filter((v) => v.id === id),
    incident_history: ({ connection }) => ({
      items: incidents
        .filter((v) => !connection || v.connection_id === connection)
        .map((v) => ({
          id: v.id,
          connection_id: v.connection_id,
          connection_name: v.connection_name,
          kind: v.incident.kind,
          severity: v.incident.severity,
          state: v.incident.state,
          title: v.incident.title,
          opened_at: v.incident.opened_at,
          resolved_at: v.incident.resolved_at,
          duration_ms: new Date(v.incident.resolved_at ?? now).getTime() - new Date(v.incident.opened_at).getTime(),
          resolved_by_hand: Boolean(v.incident.resolution?.by_hand),
          resolved_by: v.incident.resolution?.by ?? null,
          note: v.incident.resolution?.note ?? null,
          reopened_from: null,
        }))
        .sort((a, b) => b.opened_at.localeCompare(a.opened_at)),
      next_cursor: null,
    }),
    send_test_notification: () => {
      if (scenario.notifications === "fail") throw err("internal", "no notification service in this session (org.freedesktop.Notifications is not running)");
      return null;
    },
    job_status: ({ id }) => report(id),
    poll_now: () => null,
    list_cycles: ({ id }) => cycles(id),
    // A delegated connection signed in through the app an hour ago.
    sign_in_state: ({ id }) => ({
      connection_id: id, delegated: true, signed_in: true, problem: null, problem_since: null,
      last_sign_in: new Date(Date.now() - 3600e3).toISOString(), session: null,
    }),
    query_logs: queryLogs,
    event_detail: eventDetail,
    export_logs: ({ id, filter, format, path }) => ({ path: path ?? "/home/admin/Downloads/scimwatch-logs-" + id + "." + format, rows: Math.min(report(id).events_stored, filter.status ? 2778 : 25000) }),
    "plugin:dialog|save": ({ options }) => "/home/admin/Documents/" + options.defaultPath,
    reveal_export: () => null,
    test_connection_input: ({ input, resolveOnly }) => ({
      scim: resolveOnly || !input.scim_url ? null : {
        ok: true, verdict: "ok", message: "HTTP 200 with empty ListResponses for Users and Groups: Entra's Test Connection would pass.",
        http_status: 200, latency_ms: 84, checked_at: new Date().toISOString(), url: input.scim_url, notes: [], suggested_url: null, exchanges: [],
      },
      graph: resolveOnly || !input.tenant_id || input.auth_mode === "delegated" ? null : {
        ok: true, verdict: "ok", message: "Signed in to Microsoft Graph with the app registration's credential.", aadsts: null, latency_ms: 120,
        url: "https://login.microsoftonline.com/" + input.tenant_id + "/oauth2/v2.0/token", checked_at: new Date().toISOString(),
      },
      unresolved: [],
      skipped: !resolveOnly && input.tenant_id && input.auth_mode === "delegated" ? ["The Graph sign-in was not tested: a delegated sign-in needs an admin in the browser; sign in after saving"] : [],
    }),
    mappings_view: mappingsView,
    run_checklist: ({ id }) => checklist(id),
    confirm_step: ({ id, step }) => {
      confirmed[id + step] = new Date().toISOString();
      return checklist(id);
    },
    demo_status: () => JSON.parse(JSON.stringify(demo)),
    start_demo: () => {
      demo.running = true;
      const c = {
        id: "demo", name: "Demo tenant (simulated)", entra: { cloud: "global", login_url: "https://login.microsoftonline.com", graph_url: "https://graph.microsoft.com", tenant_id: "demo.scimwatch.invalid", client_id: "00000000-0000-0000-0000-000000000000", auth_mode: "delegated", app: "Demo SCIM app", service_principal_id: null, app_id: null, app_display_name: "Demo SCIM app", job_id: null },
        scim: { url: "http://127.0.0.1:0/scim/v2", token_expires_at: null }, has_scim_token: true, has_client_secret: false, created_at: iso(now), updated_at: iso(now),
      };
      db.push(c);
      demo.connection_id = "demo";
      return c;
    },
    set_demo_fault: ({ kind }) => {
      for (const f of demo.faults) f.active = kind === null ? false : f.active || f.kind === kind;
      return JSON.parse(JSON.stringify(demo));
    },
  };
}

/** The in-page mock back end: an in-memory list of connections. */
function backendScript(seed, scenario = {}) {
  return `
(() => {
  const DAY = 86400000;
  const now = Date.now();
  const iso = (ms) => new Date(ms).toISOString();
  const endOfDay = (ms) => new Date(ms).toISOString().slice(0, 10) + "T23:59:59Z";
  const seed = ${JSON.stringify(seed)};
  const scenario = ${JSON.stringify(scenario)};
  const db = seed.map((c) => ({
    ...c,
    created_at: iso(now - c.created_days_ago * DAY),
    updated_at: iso(now - c.updated_days_ago * DAY),
    scim: c.scim ? { url: c.scim.url, token_expires_at: c.scim.expires_in_days == null ? null : endOfDay(now + c.scim.expires_in_days * DAY) } : null,
  }));
  for (const c of db) { delete c.created_days_ago; delete c.updated_days_ago; }
  let next = 100;
  const hosts = {
    global: ["https://login.microsoftonline.com", "https://graph.microsoft.com"],
    usgov: ["https://login.microsoftonline.us", "https://graph.microsoft.us"],
    china: ["https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"],
  };
  const blank = (v) => v == null || String(v).trim() === "";
  function validate(input, secrets, existing) {
    const fields = [];
    const notes = [];
    if (blank(input.name)) fields.push({ field: "name", message: "give the connection a name" });
    if (blank(input.tenant_id) && blank(input.scim_url)) {
      fields.push({ field: "tenant_id", message: "enter an Entra tenant, a SCIM Tenant URL, or both" });
      fields.push({ field: "scim_url", message: "enter a SCIM Tenant URL, an Entra tenant, or both" });
    }
    if (!blank(input.tenant_id) && ["common", "organizations", "consumers"].includes(input.tenant_id.trim().toLowerCase())) {
      fields.push({ field: "tenant_id", message: "\`" + input.tenant_id.trim() + "\` is not a tenant: a monitor needs one specific tenant ID or domain" });
    }
    let url = null;
    if (!blank(input.scim_url)) {
      url = input.scim_url.trim();
      if (url.startsWith("http://")) fields.push({ field: "scim_url", message: "plain http is refused: the token would travel unencrypted; use https" });
      if (url.endsWith("/")) { url = url.replace(/\\/+$/, ""); notes.push("Tenant URL: removed the trailing slash"); }
      if (blank(secrets.scim_token) && !(existing && existing.has_scim_token)) {
        fields.push({ field: "scim_token", message: "paste the Secret Token the SaaS gave you (the same one entered in Entra)" });
      }
    }
    return { fields, notes, url };
  }
  function save(input, secrets, existing) {
    const v = validate(input, secrets, existing);
    if (v.fields.length) {
      throw { kind: "validation", message: v.fields.map((f) => f.field + ": " + f.message).join("; "), fields: v.fields };
    }
    if (db.some((c) => c.name.toLowerCase() === input.name.trim().toLowerCase() && (!existing || c.id !== existing.id))) {
      throw { kind: "conflict", message: "a connection named \\u201c" + input.name.trim() + "\\u201d already exists", fields: [] };
    }
    const cloud = input.cloud;
    const entra = blank(input.tenant_id) ? null : {
      cloud,
      login_url: cloud === "custom" ? input.login_url : hosts[cloud][0],
      graph_url: cloud === "custom" ? input.graph_url : hosts[cloud][1],
      tenant_id: input.tenant_id.trim().toLowerCase(),
      client_id: blank(input.client_id) ? "14d82eec-204b-4c2f-b7e8-296a70dab67e" : input.client_id.trim(),
      auth_mode: input.auth_mode,
      app: blank(input.app) ? null : input.app.trim(),
      service_principal_id: null, app_id: null, app_display_name: null, job_id: null,
    };
    const scim = v.url ? { url: v.url, token_expires_at: blank(input.scim_token_expires) ? null : input.scim_token_expires + "T23:59:59Z" } : null;
    const stamp = new Date().toISOString();
    const conn = {
      id: existing ? existing.id : "c" + (next++),
      name: input.name.trim(),
      entra,
      scim,
      has_scim_token: !!scim && (!blank(secrets.scim_token) || !!(existing && existing.has_scim_token)),
      has_client_secret: !!entra && input.auth_mode === "client_secret" && (!blank(secrets.client_secret) || !!(existing && existing.has_client_secret)),
      created_at: existing ? existing.created_at : stamp,
      updated_at: stamp,
    };
    if (existing) db[db.indexOf(existing)] = conn; else db.push(conn);
    return { connection: conn, notes: v.notes };
  }
  // Settings, validated like scimwatch-core's Settings::validate.
  let settings = {
    job_poll_minutes: 2, config_poll_minutes: 30, logs_poll_minutes: 5, scim_check_minutes: 5, crawl_hours: 6,
    stall_factor: 3, failure_rate_pct: 10, failure_count: 100, drift_threshold_pct: 1, notifications_enabled: true,
    reminder_hours: 4, quiet_start: "22:00", quiet_end: "07:00", critical_ignores_quiet_hours: true, retention_days: 90,
  };
  function saveSettings(s) {
    const fields = [];
    const range = (f, lo, hi, unit) => {
      const v = s[f];
      if (!(typeof v === "number" && v >= lo && v <= hi)) fields.push({ field: f, message: "must be between " + lo + " and " + hi + " " + unit });
    };
    range("job_poll_minutes", 1, 60, "minutes");
    range("config_poll_minutes", 5, 1440, "minutes");
    range("logs_poll_minutes", 1, 120, "minutes");
    range("scim_check_minutes", 1, 120, "minutes");
    range("crawl_hours", 0, 168, "hours (0 = on demand only)");
    range("stall_factor", 2, 10, "intervals");
    range("failure_rate_pct", 1, 100, "%");
    range("failure_count", 1, 1000000, "entries");
    range("drift_threshold_pct", 0, 100, "%");
    range("reminder_hours", 1, 168, "hours");
    range("retention_days", 7, 3650, "days");
    const hhmm = /^([01]\\d|2[0-3]):[0-5]\\d$/;
    for (const f of ["quiet_start", "quiet_end"]) {
      if (s[f] != null && !hhmm.test(s[f])) fields.push({ field: f, message: "use HH:MM, for example 22:00" });
    }
    if (s.quiet_start != null && s.quiet_end == null) fields.push({ field: "quiet_end", message: "set when quiet hours end too" });
    if (s.quiet_end != null && s.quiet_start == null) fields.push({ field: "quiet_start", message: "set when quiet hours start too" });
    if (fields.length) throw { kind: "validation", message: "some settings are out of range", fields };
    settings = JSON.parse(JSON.stringify(s));
    return JSON.parse(JSON.stringify(settings));
  }
  const monitor = {
    ...(${monitorBackend.toString()})(db, scenario),
    ...(${remediationBackend.toString()})(db, scenario),
  };
  window.__SHOT_CALLS__ = [];
  window.__TAURI_MOCKS__.mockIPC(async (cmd, args) => {
    window.__SHOT_CALLS__.push({ cmd, args });
    await new Promise((r) => setTimeout(r, 60));
    switch (cmd) {
      case "list_connections": return JSON.parse(JSON.stringify(db));
      case "add_connection": return save(args.input, args.secrets, null);
      case "update_connection": {
        const existing = db.find((c) => c.id === args.id);
        if (!existing) throw { kind: "not_found", message: "no such connection", fields: [] };
        return save(args.input, args.secrets, existing);
      }
      case "remove_connection": {
        const i = db.findIndex((c) => c.id === args.id);
        if (i < 0) throw { kind: "not_found", message: "no such connection", fields: [] };
        return db.splice(i, 1)[0];
      }
      case "get_settings": return JSON.parse(JSON.stringify(settings));
      case "save_settings": await new Promise((r) => setTimeout(r, 400)); return saveSettings(args.settings);
      case "app_info": return {
        version: "0.1.0",
        data_dir: "/home/admin/.local/share/scimwatch",
        database: "/home/admin/.local/share/scimwatch/scimwatch.db",
        secret_store: "keychain",
        secret_store_path: null,
        dev_build: true,
        notes: [],
        proxies: [],
        trust: ["bundled webpki roots", "the operating system's certificate store"],
      };
      default: {
        const m = monitor[cmd];
        if (m) return m(args);
        throw { kind: "internal", message: "unknown command " + cmd, fields: [] };
      }
    }
  }, { shouldMockEvents: true });
})();
`;
}

const SEED = [
  {
    id: "c1",
    name: "Contoso → Acme HR",
    created_days_ago: 12,
    updated_days_ago: 2,
    entra: {
      cloud: "global",
      login_url: "https://login.microsoftonline.com",
      graph_url: "https://graph.microsoft.com",
      tenant_id: "contoso.onmicrosoft.com",
      client_id: "14d82eec-204b-4c2f-b7e8-296a70dab67e",
      auth_mode: "delegated",
      app: "Acme HR (SCIM)",
      service_principal_id: null,
      app_id: null,
      app_display_name: null,
      job_id: null,
    },
    scim: { url: "https://api.acme-hr.example/scim/v2", expires_in_days: 23 },
    has_scim_token: true,
    has_client_secret: false,
  },
  {
    id: "c2",
    name: "Fabrikam (GCC High) → Ticketing",
    created_days_ago: 40,
    updated_days_ago: 40,
    entra: {
      cloud: "usgov",
      login_url: "https://login.microsoftonline.us",
      graph_url: "https://graph.microsoft.us",
      tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47",
      client_id: "3f1c2e4a-9b7d-4c1e-8a2f-5d6e7f809a1b",
      auth_mode: "client_secret",
      app: "Ticketing SCIM",
      service_principal_id: null,
      app_id: null,
      app_display_name: null,
      job_id: null,
    },
    scim: { url: "https://tickets.example.net/api/scim", expires_in_days: 4 },
    has_scim_token: true,
    has_client_secret: true,
  },
  {
    id: "c3",
    name: "Wiki SCIM only",
    created_days_ago: 1,
    updated_days_ago: 1,
    entra: null,
    scim: { url: "https://wiki.example.org/scim/v2", expires_in_days: null },
    has_scim_token: true,
    has_client_secret: false,
  },
];

function isLoopback(url) {
  try {
    const u = new URL(url);
    if (u.protocol === "data:" || u.protocol === "blob:" || u.protocol === "about:") return true;
    return ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname);
  } catch {
    return false;
  }
}

async function openPage({ seed, scenario = {}, colorScheme = "light", hash = "#/overview", width = 1280, height = 820 }) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme, deviceScaleFactor: 1 });
  if (process.env.SHOTS_NOW) await context.clock.setFixedTime(new Date(process.env.SHOTS_NOW));
  const page = await context.newPage();
  const problems = { console: [], external: [], failed: [] };
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.console.push(msg.text());
  });
  page.on("pageerror", (err) => problems.console.push(String(err)));
  page.on("request", (req) => {
    if (!isLoopback(req.url())) problems.external.push(req.url());
  });
  page.on("requestfailed", (req) => problems.failed.push(`${req.url()} ${req.failure()?.errorText ?? ""}`));
  // One script: the mocks bundle defines a local `__TAURI_MOCKS__`, the back end uses it.
  await page.addInitScript({
    content: `${mocksBundle}\nwindow.__TAURI_MOCKS__ = __TAURI_MOCKS__;\n${backendScript(seed, scenario)}\n${FREEZE}`,
  });
  await page.goto(`${baseUrl}/index.html${hash}`);
  return { page, context, problems };
}

function assertClean(problems, what) {
  assert.deepEqual(problems.console, [], `console errors on ${what}`);
  assert.deepEqual(problems.external, [], `requests to non-loopback hosts on ${what}`);
  assert.deepEqual(
    problems.failed.filter((f) => !isLoopback(f.split(" ")[0])),
    [],
    `failed requests on ${what}`,
  );
}

async function shot(page, name) {
  // Let animations settle (they are short) and fonts load.
  await page.waitForTimeout(250);
  await page.screenshot({ path: join(outDir, `${name}.png`) });
}

async function gotoScreen(page, screen) {
  await page.evaluate((s) => (window.location.hash = `#/${s}`), screen);
  await page.locator("h1.page-title").filter({ hasText: /./ }).first().waitFor();
  // Wait until no skeleton is left (the list or app info has loaded).
  await page.waitForFunction(() => document.querySelectorAll(".skeleton").length === 0);
}

before(async () => {
  if (!process.env.SHOTS_SKIP_BUILD) {
    execFileSync(join(uiDir, "node_modules", ".bin", "vite"), ["build", "--logLevel", "warn"], {
      cwd: uiDir,
      stdio: "inherit",
    });
  }
  assert.ok(existsSync(join(dist, "index.html")), "ui/dist is missing: run npm run build");
  mkdirSync(outDir, { recursive: true });

  const built = await esbuild.build({
    stdin: {
      contents: 'export { mockIPC, clearMocks } from "@tauri-apps/api/mocks";\nexport { emit } from "@tauri-apps/api/event";',
      resolveDir: uiDir,
      loader: "js",
    },
    bundle: true,
    format: "iife",
    globalName: "__TAURI_MOCKS__",
    write: false,
    platform: "browser",
    logLevel: "warning",
  });
  mocksBundle = built.outputFiles[0].text;

  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://127.0.0.1").pathname);
    const file = normalize(join(dist, path === "/" ? "index.html" : path));
    if (!file.startsWith(dist + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "content-security-policy": CSP,
      "cache-control": "no-store",
    });
    res.end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  baseUrl = `http://127.0.0.1:${server.address().port}`;

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

after(async () => {
  await browser?.close();
  await new Promise((r) => (server ? server.close(r) : r()));
});

describe("screens with connections", () => {
  for (const scheme of ["light", "dark"]) {
    test(`every screen renders (${scheme})`, async () => {
      const { page, context, problems } = await openPage({ seed: SEED, colorScheme: scheme });
      try {
        for (const screen of SCREENS) {
          await gotoScreen(page, screen);
          const current = await page.locator('nav[aria-label="Main"] [aria-current="page"]').getAttribute("href");
          assert.equal(current, `#/${screen}`);
          await shot(page, scheme === "light" ? screen : `${screen}-dark`);
        }
        assertClean(problems, `screens (${scheme})`);
      } finally {
        await context.close();
      }
    });
  }
});

async function gotoHash(page, hash) {
  await page.evaluate((h) => (window.location.hash = h), hash);
  await page.locator("h1.page-title").filter({ hasText: /./ }).first().waitFor();
  await page.waitForFunction(() => document.querySelectorAll(".skeleton").length === 0);
}

/** Scroll the main column so `locator` is near the top of the window. */
async function scrollTo(locator) {
  await locator.evaluate((el) => {
    const main = document.querySelector("main");
    const top = el.getBoundingClientRect().top - (main?.getBoundingClientRect().top ?? 0) + (main?.scrollTop ?? 0) - 16;
    main?.scrollTo({ top });
  });
}

describe("monitoring screens", () => {
  for (const scheme of ["light", "dark"]) {
    const name = (n) => (scheme === "light" ? n : `${n}-dark`);

    test(`token: healthy, then a 401 with the exchange open (${scheme})`, async () => {
      const { page, context, problems } = await openPage({ seed: SEED, colorScheme: scheme, hash: "#/token/c1" });
      try {
        await gotoHash(page, "#/token/c1");
        await page.getByRole("heading", { name: "Latest check: Working" }).waitFor();
        await shot(page, name("token-healthy"));
        await scrollTo(page.getByRole("heading", { name: "Rotate the token" }));
        await shot(page, name("token-rotate"));

        await gotoHash(page, "#/token/c2");
        await page.getByRole("button", { name: "Test Connection" }).click();
        const result = page.getByRole("heading", { name: "Test Connection result: Token rejected" });
        await result.waitFor();
        await shot(page, name("token-401"));
        const card = page.locator(".result-card");
        await card.locator("summary", { hasText: "Full exchange" }).click();
        await scrollTo(card.locator("details"));
        await shot(page, name("token-401-exchange"));
        // The page never shows a token.
        const html = await page.content();
        assert.ok(!/Bearer (?!&lt;redacted&gt;|<redacted>)[A-Za-z0-9._-]{8,}/.test(html), "no bearer token on the page");
        assertClean(problems, `token (${scheme})`);
      } finally {
        await context.close();
      }
    });

    test(`inventory: snapshots, crawling, diff, drift, compliance (${scheme})`, async () => {
      const { page, context, problems } = await openPage({ seed: SEED, colorScheme: scheme, hash: "#/inventory/c1" });
      try {
        await gotoHash(page, "#/inventory/c1/snapshots");
        await page.getByRole("table", { name: /Snapshots/ }).waitFor();
        await shot(page, name("inventory-snapshots"));

        await page.getByRole("button", { name: "Crawl now" }).click();
        await page.getByRole("region", { name: "Crawl in progress" }).waitFor();
        await page.evaluate(() =>
          window.__TAURI_MOCKS__.emit("crawl-progress", { connection_id: "c1", progress: { phase: "users", done: 700, total: 1284, in_flight: 4 } }),
        );
        await page.waitForFunction(() => document.querySelector('[role="progressbar"]')?.getAttribute("aria-valuenow") === "55");
        await shot(page, name("inventory-crawling"));
        await page.getByRole("button", { name: "Cancel" }).click();
        await page.getByText("Crawl cancelled").waitFor();

        await gotoHash(page, "#/inventory/c1/compare");
        await page.getByRole("button", { name: "Compare" }).click();
        await page.getByRole("list", { name: "Users added" }).waitFor();
        await shot(page, name("inventory-diff"));
        await scrollTo(page.getByRole("region", { name: /^Groups changed/ }));
        await shot(page, name("inventory-diff-groups"));
        await page.getByRole("button", { name: "Versions of hana.sato@contoso.com" }).click();
        await page.getByRole("dialog", { name: "Versions of hana.sato@contoso.com" }).getByText("Team Lead").first().waitFor();
        await shot(page, name("inventory-versions"));
        await page.keyboard.press("Escape");

        await gotoHash(page, "#/inventory/c1/browse");
        await page.getByRole("list", { name: /^Users in snapshot #/ }).waitFor();
        await shot(page, name("inventory-browse"));
        await page.locator("label.seg", { hasText: "Groups" }).click();
        await page.getByRole("button", { name: "Members of Sales EMEA" }).click();
        await page.getByRole("dialog", { name: "Members of Sales EMEA" }).getByText("not in this snapshot").waitFor();
        await shot(page, name("inventory-members"));
        await page.keyboard.press("Escape");

        await gotoHash(page, "#/inventory/c1/drift");
        await page.getByRole("list", { name: "Missing in the SaaS" }).waitFor();
        await shot(page, name("inventory-drift"));
        await gotoHash(page, "#/inventory/c2/drift");
        await page.getByText("Drift needs Entra's assignments").waitFor();
        await shot(page, name("inventory-drift-not-polled"));

        await gotoHash(page, "#/inventory/c1/compliance");
        await shot(page, name("inventory-compliance-intro"));
        // The stored compliance shows at once; Re-examine runs a discovery.
        await page.getByRole("button", { name: "Re-examine" }).click();
        await page.getByRole("heading", { name: "Deviations" }).waitFor();
        await page.locator(".finding details summary").first().click();
        await shot(page, name("inventory-compliance"));
        // "Test with Entra's requests": the stored write probe, a failing operation's evidence open.
        await page.getByTestId("probe-evidence-rename_group").locator("summary").click();
        await scrollTo(page.getByTestId("probe-evidence-rename_group"));
        await shot(page, name("inventory-compliance-probe"));
        assertClean(problems, `inventory (${scheme})`);
      } finally {
        await context.close();
      }
    });

    test(`incidents and settings (${scheme})`, async () => {
      const { page, context, problems } = await openPage({ seed: SEED, colorScheme: scheme, hash: "#/incidents", scenario: { notifications: scheme === "light" ? "ok" : "fail" } });
      try {
        await gotoHash(page, "#/incidents");
        await page.getByRole("list", { name: "Incidents" }).waitFor();
        await shot(page, name("incidents-active"));
        await page.getByRole("button", { name: /Snooze reminders for “The SaaS rejects/ }).click();
        await page.getByRole("menu").waitFor();
        await shot(page, name("incidents-snooze-menu"));
        await page.getByRole("menuitem", { name: "For 1 hour" }).click();
        await page.getByText(/Snoozed for 1 hour/).waitFor();
        await page.getByText("All", { exact: true }).click();
        await page.getByText("Resolved", { exact: true }).waitFor();
        await shot(page, name("incidents-all"));
        await page.getByText("History", { exact: true }).click();
        await page.getByRole("table", { name: /Incident history/ }).waitFor();
        await shot(page, name("incidents-history"));

        await gotoHash(page, "#/settings");
        await scrollTo(page.getByRole("heading", { level: 2, name: "About scimwatch" }));
        await page.getByRole("button", { name: "Send a test notification" }).click();
        if (scheme === "light") {
          await page.getByRole("status", { name: "Notifications" }).getByText("Sent — you should see it now").waitFor();
        } else {
          await page.getByText("The test notification was not shown").waitFor();
        }
        await shot(page, name(scheme === "light" ? "settings-notification-sent" : "settings-notification-failed"));
        assertClean(problems, `incidents and settings (${scheme})`);
      } finally {
        await context.close();
      }
    });

    test(`settings: monitoring form, saving, validation errors (${scheme})`, async () => {
      const { page, context, problems } = await openPage({ seed: SEED, colorScheme: scheme, hash: "#/settings", height: 900 });
      try {
        await gotoHash(page, "#/settings");
        const form = page.getByRole("form", { name: "Monitoring settings" });
        await form.getByRole("spinbutton", { name: /Provisioning job/ }).waitFor();
        await shot(page, name("settings-form"));

        // Thresholds and notifications, with an unsaved edit.
        await form.getByRole("spinbutton", { name: /Stalled after/ }).fill("4");
        await scrollTo(form.getByRole("heading", { name: "Detection thresholds" }));
        await shot(page, name("settings-form-notifications"));

        // Save: the spinner, then the toast.
        await form.getByRole("button", { name: "Save settings" }).click();
        await form.getByRole("button", { name: "Saving…" }).waitFor();
        await page.getByRole("status", { name: "Notifications" }).getByText("Settings saved — monitoring uses them now").waitFor();
        await shot(page, name("settings-form-saved"));

        // Out-of-range values: errors under each field, the first one focused.
        await page.locator(".toast button").first().click();
        await page.locator(".toast").waitFor({ state: "detached" });
        await form.getByRole("spinbutton", { name: /Provisioning job/ }).fill("90");
        await form.getByRole("spinbutton", { name: /Inventory crawl/ }).fill("200");
        await form.getByRole("spinbutton", { name: /Keep events and checks for/ }).fill("3");
        await form.getByRole("button", { name: "Save settings" }).click();
        await page.waitForFunction(() => document.activeElement?.getAttribute("name") === "job_poll_minutes");
        await page.locator("main").evaluate((m) => m.scrollTo({ top: 0 }));
        await shot(page, name("settings-form-errors"));
        assertClean(problems, `settings form (${scheme})`);
      } finally {
        await context.close();
      }
    });

    test(`incidents: empty (${scheme})`, async () => {
      const { page, context, problems } = await openPage({ seed: SEED, colorScheme: scheme, hash: "#/incidents", scenario: { incidents: "empty" } });
      try {
        await gotoHash(page, "#/incidents");
        await page.getByRole("heading", { name: "No active incidents" }).waitFor();
        await shot(page, name("incidents-empty"));
        assertClean(problems, `incidents empty (${scheme})`);
      } finally {
        await context.close();
      }
    });
  }
});

describe("entra screens", () => {
  for (const scheme of ["light", "dark"]) {
    const name = (n) => (scheme === "light" ? n : `${n}-dark`);

    test(`overview: health cards, cycles and the demo panel (${scheme})`, async () => {
      const { page, context, problems } = await openPage({ seed: SEED, colorScheme: scheme, scenario: { demo: "fault", incidents: "c2only" } });
      try {
        await gotoHash(page, "#/overview");
        await page.getByRole("region", { name: "Demo faults" }).waitFor();
        await page.getByRole("img", { name: /Cycles of Contoso/ }).waitFor();
        await page.waitForFunction(() => document.querySelectorAll("[aria-busy='true']").length === 0);
        await shot(page, name("overview-health"));
        await scrollTo(page.getByRole("region", { name: "Demo faults" }));
        await shot(page, name("overview-demo"));
        await scrollTo(page.getByRole("heading", { name: "Provisioning cycles" }));
        await shot(page, name("overview-cycles"));
        await page.getByRole("switch", { name: "Send the job into quarantine" }).click();
        await page.waitForFunction(() => document.querySelector('[role="switch"][aria-label="Send the job into quarantine"]')?.getAttribute("aria-checked") === "true");
        await page.getByRole("button", { name: "Show as table" }).first().click();
        await shot(page, name("overview-cycles-table"));
        // With every incident: the warning on Contoso makes it "Needs attention".
        const other = await openPage({ seed: SEED, colorScheme: scheme });
        try {
          await gotoHash(other.page, "#/overview");
          await other.page.waitForFunction(() => document.querySelectorAll(".skeleton").length === 0);
          await shot(other.page, name("overview-attention"));
          assertClean(other.problems, `overview attention (${scheme})`);
        } finally {
          await other.context.close();
        }
        assertClean(problems, `overview (${scheme})`);
      } finally {
        await context.close();
      }
    });

    test(`first launch (${scheme})`, async () => {
      const { page, context, problems } = await openPage({ seed: [], colorScheme: scheme });
      try {
        await gotoScreen(page, "overview");
        await page.getByRole("button", { name: "Open the demo tenant" }).waitFor();
        await shot(page, name("first-launch"));
        await page.getByRole("button", { name: "Open the demo tenant" }).click();
        await page.getByRole("region", { name: "Demo faults" }).waitFor();
        await page.waitForFunction(() => document.querySelectorAll(".skeleton").length === 0);
        await shot(page, name("first-launch-demo-started"));
        assertClean(problems, `first launch (${scheme})`);
      } finally {
        await context.close();
      }
    });

    test(`logs: table, drawer, filtered (${scheme})`, async () => {
      const { page, context, problems } = await openPage({ seed: SEED, colorScheme: scheme, hash: "#/logs/c1" });
      try {
        await gotoHash(page, "#/logs/c1");
        const table = page.getByRole("table", { name: "Provisioning events, newest first" });
        await table.waitFor();
        await shot(page, name("logs-table"));
        // Scrolling far loads more pages, never everything.
        await page.locator(".log-body").evaluate((el) => (el.scrollTop = el.scrollHeight));
        await page.waitForFunction(() => /loaded/.test(document.querySelector(".filter-actions")?.textContent ?? "") && !/^200 loaded/.test(document.querySelector(".filter-actions [aria-live]")?.textContent ?? ""));
        const rendered = await page.locator(".log-spacer > [role=row]").count();
        assert.ok(rendered < 60, `windowing renders ${rendered} rows`);
        await page.locator(".log-body").evaluate((el) => (el.scrollTop = 0));
        await page.locator(".log-row-bad .log-open").first().click();
        const drawer = page.getByRole("dialog");
        await drawer.getByText("Recommended action:").waitFor();
        await shot(page, name("logs-drawer"));
        await page.keyboard.press("Escape");
        await page.getByLabel("Status").selectOption("failure");
        await page.getByLabel("Time range").selectOption("24h");
        await page.getByRole("button", { name: "Apply filters" }).click();
        // Filtered rows are in (an empty table would pass `every` vacuously).
        await page.waitForFunction(() => {
          const badges = [...document.querySelectorAll(".log-spacer .badge")];
          return badges.length > 0 && badges.every((b) => b.textContent?.toLowerCase() === "failure");
        });
        assert.match(await page.evaluate(() => location.hash), /status=failure/, "the filters are in the address");
        await page.getByRole("button", { name: "Export CSV" }).click();
        await page.getByRole("status", { name: "Notifications" }).getByText(/Exported/).waitFor();
        await page.getByRole("button", { name: "Show in folder" }).waitFor();
        await shot(page, name("logs-filtered"));
        await page.getByLabel("Time range").selectOption("custom");
        // Exact labels: rows' names contain "to" (contoso).
        await page.getByLabel("From", { exact: true }).fill("2026-11-20T10:00");
        await page.getByLabel("To", { exact: true }).fill("2026-11-20T09:00");
        await page.getByRole("button", { name: "Apply filters" }).click();
        await page.getByText("From must be before To.").waitFor();
        await shot(page, name("logs-filter-error"));
        assertClean(problems, `logs (${scheme})`);
      } finally {
        await context.close();
      }
    });

    test(`mappings: healthy and groups disabled (${scheme})`, async () => {
      for (const [scenario, shotName] of [[{}, "mappings-healthy"], [{ groupsOff: true }, "mappings-groups-disabled"]]) {
        const { page, context, problems } = await openPage({ seed: SEED, colorScheme: scheme, hash: "#/mappings/c1", scenario });
        try {
          await gotoHash(page, "#/mappings/c1");
          await page.getByRole("group", { name: "Object mappings" }).waitFor();
          await shot(page, name(shotName));
          if (!scenario.groupsOff) {
            // The targets compared with the SaaS's /Schemas: one undeclared extension attribute.
            await page.getByText("Not in the SaaS's /Schemas").first().waitFor();
            await scrollTo(page.getByRole("alert").filter({ hasText: "not in the SaaS's /Schemas" }));
            await shot(page, name("mappings-schemas"));
            await scrollTo(page.getByRole("heading", { name: "Assigned groups" }));
            await shot(page, name("mappings-assignments"));
          }
          assertClean(problems, `${shotName} (${scheme})`);
        } finally {
          await context.close();
        }
      }
    });

    test(`troubleshooting: failing and all passing (${scheme})`, async () => {
      const { page, context, problems } = await openPage({ seed: SEED, colorScheme: scheme, hash: "#/troubleshooting/c2" });
      try {
        await gotoHash(page, "#/troubleshooting/c2");
        await page.getByRole("navigation", { name: "Checklist steps" }).waitFor();
        await scrollTo(page.getByRole("navigation", { name: "Checklist steps" }));
        await shot(page, name("troubleshooting-failing"));
        await page.locator(".page-title").evaluate(() => document.querySelector("main")?.scrollTo({ top: 0 }));
        await shot(page, name("troubleshooting-findings"));
        await gotoHash(page, "#/troubleshooting/c1");
        await page.getByText("Every check passes").waitFor();
        await shot(page, name("troubleshooting-pass"));
        assertClean(problems, `troubleshooting (${scheme})`);
      } finally {
        await context.close();
      }
    });
  }
});

describe("remediation and Find a user", () => {
  for (const scheme of ["light", "dark"]) {
    test(`switch, on demand, restart, actions taken, trace (${scheme})`, async () => {
      const { page, context, problems } = await openPage({ seed: SEED, colorScheme: scheme, hash: "#/connections" });
      try {
        const name = (n) => (scheme === "light" ? n : `${n}-dark`);
        await remediationTour(page, { gotoHash, scrollTo, shot, name });
        assertClean(problems, `remediation (${scheme})`);
      } finally {
        await context.close();
      }
    });
  }
});

describe("without connections", () => {
  test("overview and connections show their empty states", async () => {
    const { page, context, problems } = await openPage({ seed: [] });
    try {
      await gotoScreen(page, "overview");
      await page.getByRole("heading", { name: "Add your first connection" }).waitFor();
      await shot(page, "overview-empty");
      await gotoScreen(page, "connections");
      await page.getByRole("heading", { name: "No connections yet" }).waitFor();
      await shot(page, "connections-empty");
      await gotoScreen(page, "logs");
      await shot(page, "logs-empty");
      assertClean(problems, "empty screens");
    } finally {
      await context.close();
    }
  });
});

describe("connection form", () => {
  test("add shows server validation errors, then saves", async () => {
    const { page, context, problems } = await openPage({ seed: [] });
    try {
      await gotoScreen(page, "overview");
      await page.getByRole("button", { name: "Add your first connection" }).click();
      const dialog = page.getByRole("dialog", { name: "Add connection" });
      await dialog.waitFor();
      await shot(page, "connection-form-add");

      await dialog.getByLabel("Name").fill("Contoso → Acme HR");
      await dialog.getByLabel("Tenant ID or domain").fill("common");
      await dialog.getByLabel("Tenant URL").fill("http://api.acme-hr.example/scim/v2");
      await dialog.getByLabel("Tenant URL").press("Enter");
      await dialog.locator('[aria-invalid="true"]').first().waitFor();
      const focusedId = await page.evaluate(() => document.activeElement?.getAttribute("name"));
      assert.equal(focusedId, "tenant_id", "the first invalid field has focus");
      await page.waitForTimeout(100);
      await shot(page, "connection-form-errors");
      await dialog.evaluate((el) => el.querySelector(".dialog-body")?.scrollTo({ top: 10000 }));
      await shot(page, "connection-form-errors-scim");

      await dialog.getByLabel("Tenant ID or domain").fill("contoso.onmicrosoft.com");
      await dialog.getByLabel("Tenant URL").fill("https://api.acme-hr.example/scim/v2/");
      await dialog.getByLabel("Secret Token", { exact: true }).fill("s3cr3t-token");
      await dialog.getByRole("button", { name: "Add connection" }).click();
      await page.getByRole("status", { name: "Notifications" }).getByText("Tenant URL: removed the trailing slash").waitFor();
      await dialog.waitFor({ state: "detached" });
      await page.locator(".connection-card").first().waitFor();
      await shot(page, "connections-after-add");
      assertClean(problems, "add form");
    } finally {
      await context.close();
    }
  });

  test("edit keeps secrets, remove asks first", async () => {
    const { page, context, problems } = await openPage({ seed: SEED, hash: "#/connections" });
    try {
      await gotoScreen(page, "connections");
      await page.getByRole("link", { name: "Edit Fabrikam (GCC High) → Ticketing" }).click();
      const dialog = page.getByRole("dialog", { name: /Edit/ });
      await dialog.waitFor();
      assert.equal(
        await dialog.getByLabel("Secret Token", { exact: true }).getAttribute("placeholder"),
        "Stored in the OS keychain — leave empty to keep",
      );
      await shot(page, "connection-form-edit");
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "detached" });

      await page.getByRole("button", { name: "Remove Wiki SCIM only" }).click();
      const confirm = page.getByRole("alertdialog");
      await confirm.waitFor();
      await shot(page, "connection-remove-confirm");
      await confirm.getByRole("button", { name: "Remove connection" }).click();
      await confirm.waitFor({ state: "detached" });
      await page.waitForFunction(() => document.querySelectorAll(".connection-card").length === 2);
      assertClean(problems, "edit and remove");
    } finally {
      await context.close();
    }
  });

  test("keyboard: Tab through the navigation, Enter opens the form, Escape closes it", async () => {
    const { page, context, problems } = await openPage({ seed: SEED, hash: "#/connections" });
    try {
      await gotoScreen(page, "connections");
      // Clicking the (unfocusable) brand sets where sequential focus navigation starts.
      await page.locator(".brand").click();
      const focused = async () =>
        page.evaluate(() => {
          const el = document.activeElement;
          return el ? (el.getAttribute("aria-label") ?? el.textContent ?? "").trim() : "";
        });
      await page.keyboard.press("Tab");
      assert.equal(await focused(), "Overview");
      await page.keyboard.press("Shift+Tab");
      assert.equal(await focused(), "Skip to content");
      await page.keyboard.press("Tab");
      await page.keyboard.press("Tab");
      assert.match(await focused(), /^Connections/);
      // The focus ring is visible.
      const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
      assert.equal(ring, "solid");
      await shot(page, "keyboard-focus");

      const add = page.getByRole("button", { name: "Add connection" });
      await add.focus();
      await page.keyboard.press("Enter");
      const dialog = page.getByRole("dialog", { name: "Add connection" });
      await dialog.waitFor();
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("name")), "name");
      await page.keyboard.type("Keyboard only");
      await page.keyboard.press("Enter");
      await dialog.locator('[aria-invalid="true"]').first().waitFor();
      // Something was typed: Escape asks first, with focus on Keep editing.
      await page.keyboard.press("Escape");
      await page.getByRole("alertdialog", { name: "Discard unsaved changes?" }).waitFor();
      assert.equal(await focused(), "Keep editing");
      await page.keyboard.press("Tab");
      assert.equal(await focused(), "Discard");
      await page.keyboard.press("Enter");
      await dialog.waitFor({ state: "detached" });
      assert.equal(await focused(), "Add connection", "focus returns to the opener");
      assertClean(problems, "keyboard");
    } finally {
      await context.close();
    }
  });

  test("leaving with unsaved changes asks first", async () => {
    const { page, context, problems } = await openPage({ seed: SEED, hash: "#/connections/c1/edit" });
    try {
      const form = page.getByRole("dialog", { name: /Edit/ });
      await form.waitFor();
      await form.getByLabel("Name").fill("Contoso → Acme HR (production)");
      await form.getByRole("button", { name: "Cancel" }).click();
      const ask = page.getByRole("alertdialog", { name: "Discard unsaved changes?" });
      await ask.waitFor();
      await shot(page, "connection-form-discard");
      await ask.getByRole("button", { name: "Keep editing" }).click();
      await ask.waitFor({ state: "detached" });
      assertClean(problems, "discard question");
    } finally {
      await context.close();
    }
  });

  test("narrow window", async () => {
    const { page, context, problems } = await openPage({ seed: SEED, width: 760, height: 900 });
    try {
      await gotoScreen(page, "connections");
      await shot(page, "connections-narrow");
      assertClean(problems, "narrow window");
    } finally {
      await context.close();
    }
  });
});

// ---------- the smallest window ----------
// Every screen at 800×600, the smallest window size asked for. Besides the
// pictures (top and bottom of each screen), nothing may stick out of the main
// column unless it sits in a horizontally scrolling container (tables), and
// the page itself must not scroll sideways.

/** Elements that poke out of the main column without a scrolling container to hold them. */
async function overflowing(page) {
  return page.evaluate(() => {
    const main = document.querySelector("main");
    if (!main) return ["no main"];
    const limit = main.getBoundingClientRect().right + 1;
    const out = [];
    for (const el of main.querySelectorAll("*")) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.right <= limit) continue;
      let held = false;
      for (let p = el.parentElement; p && p !== main; p = p.parentElement) {
        const ox = getComputedStyle(p).overflowX;
        if (ox === "auto" || ox === "scroll" || ox === "hidden") {
          held = true;
          break;
        }
      }
      if (!held) out.push(`${el.tagName.toLowerCase()}.${[...el.classList].join(".")} right=${Math.round(r.right)} > ${Math.round(limit)}`);
    }
    const doc = document.documentElement;
    if (doc.scrollWidth > window.innerWidth + 1) out.push(`page scrolls sideways: ${doc.scrollWidth} > ${window.innerWidth}`);
    return out.slice(0, 10);
  });
}

async function shotTopAndBottom(page, name) {
  await page.evaluate(() => document.querySelector("main")?.scrollTo({ top: 0 }));
  await shot(page, name);
  const scrolls = await page.evaluate(() => {
    const m = document.querySelector("main");
    return m ? m.scrollHeight > m.clientHeight + 4 : false;
  });
  if (scrolls) {
    await page.evaluate(() => {
      const m = document.querySelector("main");
      m?.scrollTo({ top: m.scrollHeight });
    });
    await shot(page, `${name}-end`);
  }
}

describe("800×600", () => {
  const SMALL = { width: 800, height: 600 };
  const EXTRA = [
    ["#/connections/new", "connection-form", () => ({ role: "dialog", name: "Add connection" })],
    ["#/inventory/c1/compliance", "inventory-compliance", null],
    ["#/troubleshooting/c2", "troubleshooting-failing", null],
    ["#/logs/c1?status=failure", "logs-filtered", null],
  ];
  for (const scheme of ["light", "dark"]) {
    test(`every screen fits (${scheme})`, async () => {
      const { page, context, problems } = await openPage({ seed: SEED, colorScheme: scheme, ...SMALL });
      const suffix = scheme === "light" ? "" : "-dark";
      const found = {};
      try {
        for (const screen of SCREENS) {
          await gotoScreen(page, screen);
          await page.waitForTimeout(150);
          found[screen] = await overflowing(page);
          await shotTopAndBottom(page, `small-${screen}${suffix}`);
        }
        for (const [hash, shotName, dialog] of EXTRA) {
          await gotoHash(page, hash);
          if (dialog) await page.getByRole(dialog().role, { name: dialog().name }).waitFor();
          await page.waitForTimeout(150);
          found[shotName] = await overflowing(page);
          await shot(page, `small-${shotName}${suffix}`);
          await gotoHash(page, "#/overview");
        }
        for (const [k, v] of Object.entries(found)) assert.deepEqual(v, [], `${k} overflows at 800×600 (${scheme})`);
        assertClean(problems, `800×600 (${scheme})`);
      } finally {
        await context.close();
      }
    });
  }
});
