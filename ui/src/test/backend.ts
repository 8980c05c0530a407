// A fake back end for component tests: an in-memory list behind mockIPC.
import { mockIPC } from "@tauri-apps/api/mocks";
import type { CommandError } from "../bindings/CommandError";
import type { Connection } from "../bindings/Connection";
import type { ConnectionInput } from "../bindings/ConnectionInput";
import type { SecretsPayload } from "../bindings/SecretsPayload";
import { DEFAULT_SETTINGS } from "../lib/settingsForm";

export interface Call {
  cmd: string;
  args: Record<string, unknown>;
}

export interface FakeBackend {
  db: Connection[];
  calls: Call[];
  /** The next save fails with this error instead of saving. */
  failNextSave: CommandError | null;
  notes: string[];
  count: (cmd: string) => number;
  last: (cmd: string) => Call | undefined;
  /** Per-command answers for the monitoring commands (token, inventory, incidents…). */
  handlers: Record<string, (args: Record<string, unknown>) => unknown>;
}

/** A command rejection, as the Rust side sends it. */
export function reject(kind: CommandError["kind"], message: string): never {
  throw { kind, message, fields: [] } satisfies CommandError;
}

export function fakeBackend(initial: Connection[] = []): FakeBackend {
  const b: FakeBackend = {
    db: [...initial],
    calls: [],
    failNextSave: null,
    notes: [],
    count: (cmd) => b.calls.filter((c) => c.cmd === cmd).length,
    last: (cmd) => [...b.calls].reverse().find((c) => c.cmd === cmd),
    handlers: { ...defaultHandlers() },
  };
  let next = 1;
  mockIPC(
    (cmd, raw) => {
    const args = (raw ?? {}) as Record<string, unknown>;
    b.calls.push({ cmd, args });
    const handler = b.handlers[cmd];
    if (handler) return handler(args);
    switch (cmd) {
      case "list_connections":
        return structuredClone(b.db);
      case "add_connection":
      case "update_connection": {
        if (b.failNextSave) {
          const e = b.failNextSave;
          b.failNextSave = null;
          throw e;
        }
        const input = args.input as ConnectionInput;
        const secrets = args.secrets as SecretsPayload;
        const existing = cmd === "update_connection" ? b.db.find((c) => c.id === args.id) : undefined;
        if (cmd === "update_connection" && !existing) {
          throw { kind: "not_found", message: "no such connection", fields: [] } satisfies CommandError;
        }
        const conn: Connection = {
          id: existing?.id ?? `new${next++}`,
          name: input.name.trim(),
          entra: null,
          scim: input.scim_url ? { url: input.scim_url, token_expires_at: null } : null,
          has_scim_token: Boolean(secrets.scim_token) || Boolean(existing?.has_scim_token),
          has_client_secret: false,
          created_at: existing?.created_at ?? new Date().toISOString(),
          updated_at: new Date().toISOString(),
        };
        b.db = existing ? b.db.map((c) => (c.id === conn.id ? conn : c)) : [...b.db, conn];
        return { connection: conn, notes: b.notes };
      }
      case "remove_connection": {
        const gone = b.db.find((c) => c.id === args.id);
        if (!gone) throw { kind: "not_found", message: "no such connection", fields: [] } satisfies CommandError;
        b.db = b.db.filter((c) => c !== gone);
        return gone;
      }
      case "app_info":
        return {
          version: "0.1.0",
          data_dir: "/home/admin/.local/share/scimwatch",
          database: "/home/admin/.local/share/scimwatch/scimwatch.db",
          secret_store: "keychain",
          secret_store_path: null,
          dev_build: true,
          notes: [],
          proxies: ["HTTPS_PROXY=http://proxy.corp.example:3128"],
          trust: ["bundled webpki roots", "the operating system's certificate store"],
        };
      default:
        throw { kind: "internal", message: `unknown command ${cmd}`, fields: [] } satisfies CommandError;
    }
    },
    { shouldMockEvents: true },
  );
  return b;
}

/** Empty, honest answers: nothing checked, no snapshot, no incident. */
function defaultHandlers(): FakeBackend["handlers"] {
  return {
    token_status: () => ({
      expires_at: null,
      source: "unknown",
      days_left: null,
      last_verified_at: null,
      last_check_verdict: null,
      last_checked_at: null,
      token_set: true,
      summary: "not checked yet",
    }),
    latest_check: () => null,
    list_alert_channels: () => [],
    list_dead_letters: () => [],
    tenant_apps: () => [],
    tenant_summary: () => null,
    test_connection_input: () => ({ scim: null, graph: null, unresolved: [], skipped: [] }),
    "plugin:dialog|save": () => null,
    // No browser in a test: what an unconfigured desktop answers.
    "plugin:opener|open_url": () => reject("internal", "Failed to open URL: no launcher succeeded"),
    get_theme: () => "system",
    set_theme: (args) => args.theme,
    reveal_export: () => null,
    check_history: () => [],
    list_snapshots: () => [],
    browse_snapshot: (args) => reject("not_found", `no snapshot #${String(args.snapshot)} for this connection`),
    group_members: (args) => reject("not_found", `no snapshot #${String(args.snapshot)} for this connection`),
    resource_history: (args) => ({ resource_type: args.kind, id: args.resource, label: null, versions: [], snapshots: 0 }),
    drift_report: () => reject("not_found", "Entra assignments were not polled yet"),
    list_incidents: () => [],
    incident_history: () => ({ items: [], next_cursor: null }),
    incident_chain: () => [],
    job_status: () => ({
      connection_id: "c1", connection: "Contoso → Acme", app_display_name: null, job_id: null, graph: "unknown",
      blind_reason: null, blind_since: null, job_read_at: null, status_code: null, schedule_state: null,
      interval_minutes: null, last_cycle_began: null, last_cycle_ended: null, last_cycle_state: null,
      last_successful_ended: null, next_expected: null, timing: "not read yet", stalled: false, quarantine: null,
      users_mapping_enabled: null, groups_mapping_enabled: null, assigned_users: null, assigned_groups: null,
      group_members: null, in_scope_users: null, scope: null, tenant_url: null, logs_available: null,
      events_stored: 0, last_cycle: null, streams: [],
      glance: {
        users_provisioned: null, groups_provisioned: null, cycle_kind: null, progress_completed: null,
        progress_total: null, progress_units: null, steady_state_first: null, steady_state_last: null,
        steady_state_known: false,
      },
    }),
    list_cycles: () => [],
    // Remediation actions off: read-only, the portal's click path instead.
    remediation_status: (args) => ({
      connection_id: args.id, enabled: false, auth_mode: "client_secret", available: true, unavailable_reason: null,
      changed_at: null, changed_by: null, evidence: null, actions: [],
      portal: { provisioning: null, api_permissions: null, admin_consent: null, click_path: "Entra admin center → Enterprise applications → the app → Provisioning" },
    }),
    get_settings: () => ({ ...DEFAULT_SETTINGS }),
    save_settings: (args) => structuredClone(args.settings),
    poll_now: () => null,
    // A delegated connection never signed in through the app.
    sign_in_state: (args) => ({
      connection_id: args.id, delegated: true, signed_in: false, problem: null, problem_since: null, last_sign_in: null, session: null,
    }),
    demo_status: () => ({ running: false, connection_id: null, faults: [] }),
    query_logs: () => ({ items: [], next_cursor: null }),
    trace_user: (args) => ({
      connection_id: args.id, query: args.query, candidates: [], more_candidates: false, traced: null,
      judgement: null, events: [], logs_filter: null, provisioning_link: null,
    }),
    stored_probe: () => ({ write: null, read_only: null, pending: [], running: false }),
    scim_compliance: () => ({ verdict: { state: "not_examined" }, deviations: [], report: null, discover_ms: null, crawl_ms: null, crawl_could_not_examine: null }),
    mappings_view: () => ({ mappings: null, assignments: null, settings: null, tenant_url_matches: null, mappings_seen_ms: null, assignments_seen_ms: null, changes: [], attributes: [], schemas: { state: "not_checked" }, compliance: null }),
    run_checklist: () => ({
      connection_id: "c1", connection_name: "Contoso → Acme",
      run: { evaluated_at: "2026-11-20T10:00:00Z", steps: [], first_failing: null, overall: "incomplete" },
      findings: [], report_markdown: "",
    }),
  };
}
