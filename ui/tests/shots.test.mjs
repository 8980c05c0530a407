// Screenshots of every screen, rendered by Debian's Chromium from the
// production bundle (`ui/dist`) with the app's Content Security Policy. The
// Tauri IPC is replaced by `mockIPC` from `@tauri-apps/api/mocks`, injected as
// an init script, so the bundle itself is unchanged.
//
//   npm run shots            (builds ui/dist first, then writes <repo>/target/ui-shots/*.png)
//   SHOTS_SKIP_BUILD=1 npm run shots
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { chromium } from "playwright-core";

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
  const diff = {
    users: {
      added: names.slice(0, 3).map((n, i) => ({ id: uid(100 + i), label: n + "@contoso.com" })),
      removed: names.slice(3, 5).map((n, i) => ({ id: uid(200 + i), label: n + "@contoso.com" })),
      changed: [
        { id: uid(300), label: "farah.nasser@contoso.com", changed_paths: ["active"] },
        { id: uid(301), label: "gus.lindqvist@contoso.com", changed_paths: ["name.familyName", "displayName", "emails[type eq \"work\"].value"] },
        { id: uid(302), label: "hana.sato@contoso.com", changed_paths: ["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "title"] },
        { id: uid(303), label: "ivan.petrov@contoso.com", changed_paths: ["phoneNumbers"] },
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
          severity: "critical",
          message: "The endpoint returns the first page whatever startIndex asks for: Entra and scimwatch can never read past the first 100 users.",
          evidence: {
            label: "GET " + base + "/Users?startIndex=101&count=100",
            value: "HTTP 200 (312 ms)\nContent-Type: application/scim+json\n\n{\n  \"totalResults\": 1284,\n  \"startIndex\": 1,\n  \"itemsPerPage\": 100,\n  \"Resources\": [ { \"id\": \"" + uid(0) + "\", \"userName\": \"amelia.hart@contoso.com\" }, … ]\n}",
          },
        },
        {
          code: "non_scim_error_body",
          severity: "warning",
          message: "Errors come back as plain JSON without the SCIM Error schema, so Entra's provisioning logs show only the status code.",
          evidence: {
            label: "GET " + base + "/Users/does-not-exist",
            value: "HTTP 404 (88 ms)\nContent-Type: application/json\n\n{ \"error\": \"Not Found\" }",
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
          { label: "Last Test Connection", value: iso(now - 2 * HOUR) },
          { label: "HTTP status", value: "401 Unauthorized" },
          { label: "Response", value: "Bearer token is invalid or has been revoked" },
          { label: "Last success", value: iso(now - 20 * HOUR) },
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
          { label: "Expires", value: db.find((c) => c.id === "c2")?.scim?.token_expires_at ?? "unknown" },
          { label: "Source", value: "date entered in the connection" },
          { label: "Threshold crossed", value: "7 days" },
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
          { label: "Deviation", value: "ignores_start_index" },
          { label: "Seen", value: iso(now - 49 * MIN) },
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
        evidence: [{ label: "Down for", value: "47 minutes" }],
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
    drift_report: ({ id }) => {
      if (id !== "c1") throw err("not_found", "Entra assignments were not polled yet for this connection: drift compares them with the latest snapshot");
      return drift;
    },
    scim_compliance: ({ id }) => compliance(id),
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
        : incidents.filter((v) => (!connection || v.connection_id === connection) && (!activeOnly || v.incident.state !== "resolved")),
    snooze_incident: ({ id, until }) => {
      const v = incidents.find((x) => x.id === id);
      if (!v) throw err("not_found", "no such incident");
      v.incident.snoozed_until = until;
      return v;
    },
    send_test_notification: () => {
      if (scenario.notifications === "fail") throw err("internal", "no notification service in this session (org.freedesktop.Notifications is not running)");
      return null;
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
  const monitor = (${monitorBackend.toString()})(db, scenario);
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
      case "app_info": return {
        version: "0.1.0",
        data_dir: "/home/admin/.local/share/scimwatch",
        database: "/home/admin/.local/share/scimwatch/scimwatch.db",
        secret_store: "keychain",
        dev_build: true,
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

        await gotoHash(page, "#/inventory/c1/drift");
        await page.getByRole("list", { name: "Missing in the SaaS" }).waitFor();
        await shot(page, name("inventory-drift"));
        await gotoHash(page, "#/inventory/c2/drift");
        await page.getByText("Drift needs Entra's assignments").waitFor();
        await shot(page, name("inventory-drift-not-polled"));

        await gotoHash(page, "#/inventory/c1/compliance");
        await shot(page, name("inventory-compliance-intro"));
        await page.getByRole("button", { name: "Check compliance" }).click();
        await page.getByRole("heading", { name: "Deviations" }).waitFor();
        await page.locator(".finding details summary").first().click();
        await shot(page, name("inventory-compliance"));
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

        await gotoHash(page, "#/settings");
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
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "detached" });
      assert.equal(await focused(), "Add connection", "focus returns to the opener");
      assertClean(problems, "keyboard");
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
