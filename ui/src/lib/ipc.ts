// Typed wrappers around the Tauri commands. The web view never talks to Graph
// or SCIM itself: everything goes through these functions.
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { AppInfo } from "../bindings/AppInfo";
import type { AddedChannel } from "../bindings/AddedChannel";
import type { AlertChannel } from "../bindings/AlertChannel";
import type { AlertChannelInput } from "../bindings/AlertChannelInput";
import type { AlertTestResult } from "../bindings/AlertTestResult";
import type { DeadLetter } from "../bindings/DeadLetter";
import type { CheckResult } from "../bindings/CheckResult";
import type { CheckSummary } from "../bindings/CheckSummary";
import type { StoredCompliance } from "../bindings/StoredCompliance";
import type { ProbeExportFormat } from "../bindings/ProbeExportFormat";
import type { ProbePlan } from "../bindings/ProbePlan";
import type { ProbeStep } from "../bindings/ProbeStep";
import type { StoredProbe } from "../bindings/StoredProbe";
import type { CrawlOutcome } from "../bindings/CrawlOutcome";
import type { CrawlProgress } from "../bindings/CrawlProgress";
import type { DriftResult } from "../bindings/DriftResult";
import type { HistoryPage } from "../bindings/HistoryPage";
import type { IncidentView } from "../bindings/IncidentView";
import type { SnapshotDiff } from "../bindings/SnapshotDiff";
import type { GroupMembers } from "../bindings/GroupMembers";
import type { ResourceHistory } from "../bindings/ResourceHistory";
import type { ResourceType } from "../bindings/ResourceType";
import type { SnapshotPage } from "../bindings/SnapshotPage";
import type { SnapshotSummary } from "../bindings/SnapshotSummary";
import type { TokenStatus } from "../bindings/TokenStatus";
import type { CommandError } from "../bindings/CommandError";
import type { Connection } from "../bindings/Connection";
import type { ConnectionInput } from "../bindings/ConnectionInput";
import type { ErrorKind } from "../bindings/ErrorKind";
import type { SaveOutcome } from "../bindings/SaveOutcome";
import type { SecretsPayload } from "../bindings/SecretsPayload";
import type { TenantApp } from "../bindings/TenantApp";
import type { TenantSummary } from "../bindings/TenantSummary";
import type { ChecklistView } from "../bindings/ChecklistView";
import type { CycleRow } from "../bindings/CycleRow";
import type { DemoStatus } from "../bindings/DemoStatus";
import type { Event as PollerEvent } from "../bindings/Event";
import type { EventFilter } from "../bindings/EventFilter";
import type { EventRow } from "../bindings/EventRow";
import type { ExportFormat } from "../bindings/ExportFormat";
import type { ExportResult } from "../bindings/ExportResult";
import type { MappingsView } from "../bindings/MappingsView";
import type { Notification } from "../bindings/Notification";
import type { Page } from "../bindings/Page";
import type { StatusReport } from "../bindings/StatusReport";
import type { UserTrace } from "../bindings/UserTrace";
import type { Settings } from "../bindings/Settings";
import type { Theme } from "../bindings/Theme";
import type { TestResult } from "../bindings/TestResult";
import type { AuditEntry } from "../bindings/AuditEntry";
import type { GraphCall } from "../bindings/GraphCall";
import type { OnDemandOutcome } from "../bindings/OnDemandOutcome";
import type { RemediationStatus } from "../bindings/RemediationStatus";
import type { RestartOutcome } from "../bindings/RestartOutcome";
import type { SignInMethod } from "../bindings/SignInMethod";
import type { SignInSession } from "../bindings/SignInSession";
import type { SignInStatus } from "../bindings/SignInStatus";

const ERROR_KINDS: ReadonlySet<string> = new Set<ErrorKind>([
  "validation",
  "not_found",
  "conflict",
  "keychain",
  "storage",
  "network",
  "auth",
  "consent",
  "internal",
]);

/** Whether a rejected command's value is the Rust side's `CommandError`. */
export function isCommandError(value: unknown): value is CommandError {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.kind === "string" &&
    ERROR_KINDS.has(v.kind) &&
    typeof v.message === "string" &&
    Array.isArray(v.fields)
  );
}

/**
 * Turn anything a command rejected with into a `CommandError`, so callers can
 * always branch on `kind`. A string rejection (Tauri's own errors, e.g. an
 * unknown command) becomes `internal`.
 */
export function toCommandError(value: unknown): CommandError {
  if (isCommandError(value)) return value;
  const message =
    typeof value === "string"
      ? value
      : value instanceof Error
        ? value.message
        : "The app's back end returned an unexpected error.";
  return { kind: "internal", message, fields: [] };
}

/** Whether the Tauri IPC bridge (or a test mock of it) is present. */
function hasBridge(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  if (!hasBridge()) {
    throw {
      kind: "internal",
      message: "The scimwatch back end is not available: this page only works inside the scimwatch app.",
      fields: [],
    } satisfies CommandError;
  }
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toCommandError(e);
  }
}

/**
 * "Test" on the connection form: Test Connection and the Graph sign-in with
 * what is typed, unsaved (`id`: the connection being edited, whose stored
 * secrets stand in for empty fields while their endpoint is unchanged).
 * `resolveOnly`: before a save, every problem a save would report and whether
 * the host names resolve; nothing is sent to the endpoints.
 */
export function testConnectionInput(
  id: string | null,
  input: ConnectionInput,
  secrets: SecretsPayload,
  resolveOnly = false,
): Promise<TestResult> {
  return call<TestResult>("test_connection_input", { id, input, secrets, resolveOnly });
}

export function listConnections(): Promise<Connection[]> {
  return call<Connection[]>("list_connections");
}

/** The apps of an all-apps tenant (its connection id), worst first. */
export function tenantApps(tenant: string): Promise<TenantApp[]> {
  return call<TenantApp[]>("tenant_apps", { tenant });
}

/** An all-apps tenant at a glance (null for another connection). */
export function tenantSummary(tenant: string): Promise<TenantSummary | null> {
  return call<TenantSummary | null>("tenant_summary", { tenant });
}

export function addConnection(input: ConnectionInput, secrets: SecretsPayload): Promise<SaveOutcome> {
  return call<SaveOutcome>("add_connection", { input, secrets });
}

export function updateConnection(
  id: string,
  input: ConnectionInput,
  secrets: SecretsPayload,
): Promise<SaveOutcome> {
  return call<SaveOutcome>("update_connection", { id, input, secrets });
}

export function removeConnection(id: string): Promise<Connection> {
  return call<Connection>("remove_connection", { id });
}

export function appInfo(): Promise<AppInfo> {
  return call<AppInfo>("app_info");
}

// ---------- settings ----------

export function getSettings(): Promise<Settings> {
  return call<Settings>("get_settings", {});
}

/**
 * Validates and stores the whole object, then applies it to the running
 * monitor. Rejects with kind `validation` and one `FieldError` per bad field
 * (named like the `Settings` keys). Resolves to the stored settings.
 */
export function saveSettings(settings: Settings): Promise<Settings> {
  return call<Settings>("save_settings", { settings });
}

// ---------- SCIM token and Test Connection ----------

export function tokenStatus(id: string): Promise<TokenStatus> {
  return call<TokenStatus>("token_status", { id });
}

/** Entra's Test Connection replayed against the saved Tenant URL and token; stored as history. */
export function testConnection(id: string): Promise<CheckResult> {
  return call<CheckResult>("test_connection", { id });
}

/** Tests a new token against the connection's Tenant URL. Nothing is stored. */
export function testNewToken(id: string, token: string): Promise<CheckResult> {
  return call<CheckResult>("test_new_token", { id, token });
}

/** Stored checks, newest first. */
export function checkHistory(id: string): Promise<CheckSummary[]> {
  return call<CheckSummary[]>("check_history", { id });
}

export function latestCheck(id: string): Promise<CheckResult | null> {
  return call<CheckResult | null>("latest_check", { id });
}

// ---------- inventory ----------

/** Resolves when the crawl ends; progress arrives through `onCrawlProgress`. */
export function startCrawl(id: string): Promise<CrawlOutcome> {
  return call<CrawlOutcome>("start_crawl", { id });
}

export function cancelCrawl(id: string): Promise<boolean> {
  return call<boolean>("cancel_crawl", { id });
}

/** Snapshots, newest first. */
export function listSnapshots(id: string): Promise<SnapshotSummary[]> {
  return call<SnapshotSummary[]>("list_snapshots", { id });
}

/** `a` is the older snapshot, `b` the newer; both must be complete. */
export function diffSnapshots(id: string, a: number, b: number): Promise<SnapshotDiff> {
  return call<SnapshotDiff>("diff_snapshots", { id, a, b });
}

/** A page of a snapshot's users or groups, searched by userName, displayName, externalId or id. */
export function browseSnapshot(
  id: string,
  snapshot: number,
  kind: ResourceType,
  search: string | null,
  offset: number,
  limit: number,
): Promise<SnapshotPage> {
  return call<SnapshotPage>("browse_snapshot", { id, snapshot, kind, search, offset, limit });
}

/** A page of a group's members, resolved against the same snapshot. */
export function groupMembers(id: string, snapshot: number, group: string, offset: number, limit: number): Promise<GroupMembers> {
  return call<GroupMembers>("group_members", { id, snapshot, group, offset, limit });
}

/** Every stored version of a user or group, with what changed. */
export function resourceHistory(id: string, kind: ResourceType, resource: string): Promise<ResourceHistory> {
  return call<ResourceHistory>("resource_history", { id, kind, resource });
}

export function driftReport(id: string): Promise<DriftResult> {
  return call<DriftResult>("drift_report", { id });
}

export function scimCompliance(id: string, reexamine = false): Promise<StoredCompliance> {
  return call<StoredCompliance>("scim_compliance", reexamine ? { id, reexamine: true } : { id });
}

/** The exact requests "Test with Entra's requests" sends, shown before anything is sent. */
export function probePlan(id: string): Promise<ProbePlan> {
  return call<ProbePlan>("probe_plan", { id });
}

/**
 * Runs the probe: the read side only, or with `consent` (the plan's token and the host the admin typed) the
 * write probe. The engine refuses a write without both.
 */
export function runProbe(id: string, consent: { token: string; host: string } | null): Promise<StoredProbe> {
  return call<StoredProbe>("run_probe", consent ? { id, write: true, token: consent.token, host: consent.host } : { id, write: false });
}

/** Stops the running probe before its next request; it still cleans up. */
export function cancelProbe(id: string): Promise<boolean> {
  return call<boolean>("cancel_probe", { id });
}

/** Deletes what interrupted probes left in the SaaS. */
export function probeCleanup(id: string): Promise<StoredProbe> {
  return call<StoredProbe>("probe_cleanup", { id });
}

export function storedProbe(id: string): Promise<StoredProbe> {
  return call<StoredProbe>("stored_probe", { id });
}

/** Writes the latest probe report to the file chosen in the save dialog. */
export function exportProbe(id: string, format: ProbeExportFormat, path: string): Promise<ExportResult> {
  return call<ExportResult>("export_probe", { id, format, path });
}

export interface ProbeProgressEvent {
  connection_id: string;
  step: ProbeStep;
}

export const PROBE_PROGRESS_EVENT = "probe-progress";

/** Calls `cb` after each operation of a running probe; resolves to the unlisten function. */
export async function onProbeProgress(cb: (e: ProbeProgressEvent) => void): Promise<() => void> {
  if (!hasBridge()) return () => {};
  const unlisten = await listen<ProbeProgressEvent>(PROBE_PROGRESS_EVENT, (event) => cb(event.payload));
  return () => {
    try {
      unlisten();
    } catch {
      // The window is going away: nothing to stop.
    }
  };
}

export interface CrawlProgressEvent {
  connection_id: string;
  progress: CrawlProgress;
}

export const CRAWL_PROGRESS_EVENT = "crawl-progress";

/**
 * Calls `cb` for every `crawl-progress` event. Resolves to the function that
 * stops listening (a no-op outside the app).
 */
export async function onCrawlProgress(cb: (e: CrawlProgressEvent) => void): Promise<() => void> {
  if (!hasBridge()) return () => {};
  const unlisten = await listen<CrawlProgressEvent>(CRAWL_PROGRESS_EVENT, (event) => cb(event.payload));
  return () => {
    try {
      void Promise.resolve(unlisten()).catch(() => {});
    } catch {
      // The bridge is gone (window closing): nothing to stop.
    }
  };
}

// ---------- incidents and notifications ----------

export function listIncidents(connection: string | null, activeOnly: boolean): Promise<IncidentView[]> {
  return call<IncidentView[]>("list_incidents", { connection, activeOnly });
}

/** `until` is RFC 3339 or YYYY-MM-DD; `null` un-snoozes. */
export function snoozeIncident(id: number | bigint, until: string | null): Promise<IncidentView> {
  return call<IncidentView>("snooze_incident", { id: Number(id), until });
}

/** Reminders stop; recovery is still detected. */
export function acknowledgeIncident(id: number | bigint): Promise<IncidentView> {
  return call<IncidentView>("acknowledge_incident", { id: Number(id) });
}

/** Resolve by hand with a note (required); re-opens if still failing at the next diagnosis. */
export function resolveIncident(id: number | bigint, note: string): Promise<IncidentView> {
  return call<IncidentView>("resolve_incident", { id: Number(id), note });
}

/** Incidents by start time, newest first; `cursor` is the previous page's `next_cursor`. */
export function incidentHistory(connection: string | null, cursor: string | null, limit: number): Promise<HistoryPage> {
  return call<HistoryPage>("incident_history", { connection, cursor, limit });
}

/** One incident's history: the hand-resolved incidents it re-opens, itself
 * and those that re-opened it, oldest first. */
export function incidentChain(id: number): Promise<IncidentView[]> {
  return call<IncidentView[]>("incident_chain", { id });
}

export function sendTestNotification(): Promise<null> {
  return call<null>("send_test_notification", {});
}

// ---------- Settings → Alert channels (Teams, Slack, webhooks, e-mail) ----------

export function listAlertChannels(): Promise<AlertChannel[]> {
  return call<AlertChannel[]>("list_alert_channels", {});
}

/** Secrets (URL, signing secret, SMTP password) go in and never come back. */
export function addAlertChannel(input: AlertChannelInput): Promise<AddedChannel> {
  return call<AddedChannel>("add_alert_channel", { input });
}

export function removeAlertChannel(id: string): Promise<AlertChannel> {
  return call<AlertChannel>("remove_alert_channel", { id });
}

/** Sends a test alert now (not through the outbox); says whether the receiver took it. */
export function testAlertChannel(id: string): Promise<AlertTestResult> {
  return call<AlertTestResult>("test_alert_channel", { id });
}

/** Alerts given up on, newest first. */
export function listDeadLetters(): Promise<DeadLetter[]> {
  return call<DeadLetter[]>("list_dead_letters", {});
}

/** Queue dead letters again: one (`id`), or every one of a channel, or all. */
export function retryDeadLetters(id: number | null, channel: string | null): Promise<number> {
  return call<number>("retry_dead_letters", { id, channel });
}

// ---------- Entra status, cycles, logs, mappings, checklist, demo ----------

export function jobStatus(id: string): Promise<StatusReport> {
  return call<StatusReport>("job_status", { id });
}

/** "When will user X show up?": the person a search names, traced through the assignments, the logs, the SaaS and the next cycle. */
export function traceUser(id: string, query: string): Promise<UserTrace> {
  return call<UserTrace>("trace_user", { id, query });
}

/** Poll Entra, test SCIM and diagnose now; `null` = every connection. */
export function pollNow(id: string | null): Promise<null> {
  return call<null>("poll_now", { id });
}

/** Cycles, newest first. */
export function listCycles(id: string): Promise<CycleRow[]> {
  return call<CycleRow[]>("list_cycles", { id });
}

/** One page of provisioning events, newest first (keyset pagination). */
export function queryLogs(id: string, filter: EventFilter, cursor: string | null, limit: number | null): Promise<Page<EventRow>> {
  return call<Page<EventRow>>("query_logs", { id, filter, cursor, limit });
}

/** The raw Graph `provisioningObjectSummary` of one event: its Graph id at its activity time, as listed. */
export function eventDetail(id: string, eventId: string, activityMs: number): Promise<unknown> {
  return call<unknown>("event_detail", { id, eventId, activityMs });
}

/** Writes the filtered events to `path` (chosen in the save dialog), else to the Downloads folder. */
export function exportLogs(id: string, filter: EventFilter, format: ExportFormat, path: string | null = null): Promise<ExportResult> {
  return call<ExportResult>("export_logs", path === null ? { id, filter, format } : { id, filter, format, path });
}

/** Opens the folder holding an exported file in the file manager. */
export function revealExport(path: string): Promise<null> {
  return call<null>("reveal_export", { path });
}

/** The native save dialog (tauri-plugin-dialog, `dialog:allow-save` only); `null` when cancelled. */
export function chooseSavePath(options: { title: string; defaultPath: string; filters: { name: string; extensions: string[] }[] }): Promise<string | null> {
  return call<string | null>("plugin:dialog|save", { options });
}

/**
 * Opens an Entra portal URL in the default browser (tauri-plugin-opener; the
 * capability allows only the portal hosts). Rejects when no browser could be
 * started or the URL is not allowed.
 */
export function openInBrowser(url: string): Promise<null> {
  return call<null>("plugin:opener|open_url", { url });
}

/** Settings → Appearance: the stored theme. */
export function getTheme(): Promise<Theme> {
  return call<Theme>("get_theme", {});
}

/** Stores the theme (the caller applies it to the window itself). */
export function setTheme(theme: Theme): Promise<Theme> {
  return call<Theme>("set_theme", { theme });
}

/** The targets compared with the `/Schemas` of the latest recorded discovery, and the stored compliance (nothing is asked of the SaaS). */
export function mappingsView(id: string): Promise<MappingsView> {
  return call<MappingsView>("mappings_view", { id });
}

export function runChecklist(id: string): Promise<ChecklistView> {
  return call<ChecklistView>("run_checklist", { id });
}

export function confirmStep(id: string, step: string): Promise<ChecklistView> {
  return call<ChecklistView>("confirm_step", { id, step });
}

export function demoStatus(): Promise<DemoStatus> {
  return call<DemoStatus>("demo_status", {});
}

/** Starts the built-in simulated tenant and creates (or updates) its connection. */
export function startDemo(): Promise<Connection> {
  return call<Connection>("start_demo", {});
}

/** Switches one fault on; `null` clears all of them. */
export function setDemoFault(kind: string | null): Promise<DemoStatus> {
  return call<DemoStatus>("set_demo_fault", { kind });
}

export const INCIDENTS_CHANGED_EVENT = "incidents-changed";
export const POLL_EVENT = "poll-event";
export const OPEN_INCIDENT_EVENT = "open-incident";
export const SHOW_INCIDENT_EVENT = "show-incident";

/** The tray's incident item: which incident, and its connection while it is open. */
export interface ShowIncident {
  id: number;
  connection_id: string | null;
}

async function subscribe<T>(name: string, cb: (payload: T) => void): Promise<() => void> {
  if (!hasBridge()) return () => {};
  let unlisten: () => void;
  try {
    unlisten = await listen<T>(name, (event) => cb(event.payload));
  } catch {
    // No event bridge (or it refused): the screen still works, without live refreshes.
    return () => {};
  }
  return () => {
    try {
      void Promise.resolve(unlisten()).catch(() => {});
    } catch {
      // The bridge is gone (window closing): nothing to stop.
    }
  };
}

/** `incidents-changed`: the ids of the connections whose incidents changed. */
export function onIncidentsChanged(cb: (connectionIds: string[]) => void): Promise<() => void> {
  return subscribe<string[]>(INCIDENTS_CHANGED_EVENT, cb);
}

/** `poll-event`: one event out of the poller. */
export function onPollEvent(cb: (event: PollerEvent) => void): Promise<() => void> {
  return subscribe<PollerEvent>(POLL_EVENT, cb);
}

/** `show-incident`: the tray menu's item for an open incident was chosen. */
export function onShowIncident(cb: (e: ShowIncident) => void): Promise<() => void> {
  return subscribe<ShowIncident>(SHOW_INCIDENT_EVENT, cb);
}

/** `open-incident`: a desktop notification was clicked. */
export function onOpenIncident(cb: (n: Notification) => void): Promise<() => void> {
  return subscribe<Notification>(OPEN_INCIDENT_EVENT, cb);
}

// ---- Opt-in remediation actions (provision on demand, restart) ----

export function remediationStatus(id: string): Promise<RemediationStatus> {
  return call<RemediationStatus>("remediation_status", { id });
}

/** Switch the actions on: the engine checks the permission with Graph first. */
export function enableRemediation(id: string): Promise<RemediationStatus> {
  return call<RemediationStatus>("enable_remediation", { id });
}

export function disableRemediation(id: string): Promise<RemediationStatus> {
  return call<RemediationStatus>("disable_remediation", { id });
}

export function remediationActions(id: string): Promise<AuditEntry[]> {
  return call<AuditEntry[]>("remediation_actions", { id });
}

/** The exact request Provision on demand would send (nothing is sent). */
export function previewProvisionOnDemand(id: string, user: string): Promise<GraphCall> {
  return call<GraphCall>("preview_provision_on_demand", { id, user });
}

/** Send the confirmed request; refused when it no longer matches. */
export function provisionOnDemand(id: string, user: string, confirmed: GraphCall): Promise<OnDemandOutcome> {
  return call<OnDemandOutcome>("provision_on_demand", { id, user, confirmed });
}

/** The exact request Restart provisioning would send (nothing is sent). */
export function previewRestart(id: string, scope: string[]): Promise<GraphCall> {
  return call<GraphCall>("preview_restart", { id, scope });
}

export function restartProvisioning(id: string, scope: string[], confirmed: GraphCall): Promise<RestartOutcome> {
  return call<RestartOutcome>("restart_provisioning", { id, scope, confirmed });
}

// ---- Signing a delegated connection in (Connections → "Sign in…") ----

/** Start a sign-in; answers once the browser was handed the page or the device code is there. */
export function startSignIn(id: string, method: SignInMethod, remediation = false): Promise<SignInSession> {
  return call<SignInSession>("start_sign_in", { id, method, remediation });
}

/** The connection's sign-in: stored or not, a refusal recorded since, the running (or last) sign-in. */
export function signInState(id: string): Promise<SignInStatus> {
  return call<SignInStatus>("sign_in_state", { id });
}

/** Cancel the running sign-in (nothing is stored); `null` when none ran. */
export function cancelSignIn(id: string): Promise<SignInSession | null> {
  return call<SignInSession | null>("cancel_sign_in", { id });
}
