// Typed wrappers around the Tauri commands. The web view never talks to Graph
// or SCIM itself: everything goes through these functions.
import { invoke } from "@tauri-apps/api/core";
import type { AppInfo } from "../bindings/AppInfo";
import type { CommandError } from "../bindings/CommandError";
import type { Connection } from "../bindings/Connection";
import type { ConnectionInput } from "../bindings/ConnectionInput";
import type { ErrorKind } from "../bindings/ErrorKind";
import type { SaveOutcome } from "../bindings/SaveOutcome";
import type { SecretsPayload } from "../bindings/SecretsPayload";

const ERROR_KINDS: ReadonlySet<string> = new Set<ErrorKind>([
  "validation",
  "not_found",
  "conflict",
  "keychain",
  "storage",
  "network",
  "auth",
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

export function listConnections(): Promise<Connection[]> {
  return call<Connection[]>("list_connections");
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
