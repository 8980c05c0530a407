// The connection form's state and its translation to the IPC payload.
import type { AuthMode } from "../bindings/AuthMode";
import type { Cloud } from "../bindings/Cloud";
import type { Connection } from "../bindings/Connection";
import type { ConnectionInput } from "../bindings/ConnectionInput";
import type { FieldError } from "../bindings/FieldError";
import type { SecretsPayload } from "../bindings/SecretsPayload";
import { expiryToDateInput } from "./time";

export interface FormState {
  name: string;
  cloud: Cloud;
  login_url: string;
  graph_url: string;
  tenant_id: string;
  auth_mode: AuthMode;
  client_id: string;
  client_secret: string;
  /** PEM text: the app registration's certificate with its private key. */
  client_certificate: string;
  app: string;
  scim_url: string;
  scim_token: string;
  scim_token_expires: string;
}

export type FieldName = keyof FormState;

/** Form order: the first invalid field in this order gets focus. */
export const FIELD_ORDER: FieldName[] = [
  "name",
  "cloud",
  "login_url",
  "graph_url",
  "tenant_id",
  "auth_mode",
  "client_id",
  "client_secret",
  "client_certificate",
  "app",
  "scim_url",
  "scim_token",
  "scim_token_expires",
];

export function isFieldName(s: string): s is FieldName {
  return (FIELD_ORDER as string[]).includes(s);
}

export const CLOUDS: { value: Cloud; label: string; login?: string; graph?: string }[] = [
  { value: "global", label: "Global (Azure commercial)", login: "login.microsoftonline.com", graph: "graph.microsoft.com" },
  { value: "usgov", label: "US Government (GCC High / DoD)", login: "login.microsoftonline.us", graph: "graph.microsoft.us" },
  { value: "china", label: "China (operated by 21Vianet)", login: "login.chinacloudapi.cn", graph: "microsoftgraph.chinacloudapi.cn" },
  { value: "custom", label: "Custom hosts" },
];

export const AUTH_MODES: { value: AuthMode; label: string; hint: string }[] = [
  { value: "delegated", label: "Delegated", hint: "An admin signs in interactively." },
  { value: "client_secret", label: "Client secret", hint: "Unattended, with an app registration's secret." },
  { value: "certificate", label: "Certificate", hint: "Unattended, with an app registration's certificate." },
];

export function cloudLabel(c: Cloud): string {
  return CLOUDS.find((x) => x.value === c)?.label ?? c;
}

export function authModeLabel(m: AuthMode): string {
  return AUTH_MODES.find((x) => x.value === m)?.label ?? m;
}

export function emptyForm(): FormState {
  return {
    name: "",
    cloud: "global",
    login_url: "",
    graph_url: "",
    tenant_id: "",
    auth_mode: "delegated",
    client_id: "",
    client_secret: "",
    client_certificate: "",
    app: "",
    scim_url: "",
    scim_token: "",
    scim_token_expires: "",
  };
}

/** The Microsoft Graph Command Line Tools public client used when no client ID is given. */
export const DEFAULT_PUBLIC_CLIENT_ID = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

/** Prefill for editing. Secrets are never sent to the web view, so they start empty. */
export function formFromConnection(c: Connection): FormState {
  const e = c.entra;
  const custom = e?.cloud === "custom";
  const clientId =
    e && !(e.auth_mode === "delegated" && e.client_id.toLowerCase() === DEFAULT_PUBLIC_CLIENT_ID) ? e.client_id : "";
  return {
    name: c.name,
    cloud: e?.cloud ?? "global",
    login_url: custom ? e.login_url : "",
    graph_url: custom ? e.graph_url : "",
    tenant_id: e?.tenant_id ?? "",
    auth_mode: e?.auth_mode ?? "delegated",
    client_id: clientId,
    client_secret: "",
    client_certificate: "",
    app: e?.app ?? "",
    scim_url: c.scim?.url ?? "",
    scim_token: "",
    scim_token_expires: expiryToDateInput(c.scim?.token_expires_at ?? null),
  };
}

function opt(v: string): string | null {
  return v.trim() === "" ? null : v;
}

/**
 * What to send. Empty text becomes `null`; an empty secret is `null`, which
 * keeps the stored one. Values for hidden fields (custom hosts when the cloud
 * is not custom, a client secret for another sign-in mode) are not sent.
 */
export function toPayload(
  f: FormState,
  opts: { keepSecretsForNewEndpoint?: boolean } = {},
): { input: ConnectionInput; secrets: SecretsPayload } {
  const custom = f.cloud === "custom";
  const hasTenant = f.tenant_id.trim() !== "";
  const hasScim = f.scim_url.trim() !== "";
  return {
    input: {
      name: f.name,
      cloud: f.cloud,
      login_url: custom ? opt(f.login_url) : null,
      graph_url: custom ? opt(f.graph_url) : null,
      tenant_id: opt(f.tenant_id),
      client_id: opt(f.client_id),
      auth_mode: f.auth_mode,
      app: opt(f.app),
      scim_url: opt(f.scim_url),
      scim_token_expires: hasScim ? opt(f.scim_token_expires) : null,
      keep_secrets_for_new_endpoint: opts.keepSecretsForNewEndpoint ?? false,
    },
    secrets: {
      scim_token: hasScim ? opt(f.scim_token) : null,
      client_secret: hasTenant && f.auth_mode === "client_secret" ? opt(f.client_secret) : null,
      client_certificate: hasTenant && f.auth_mode === "certificate" ? opt(f.client_certificate) : null,
    },
  };
}

/**
 * The longest secret each field accepts, as Rust checks it (core's
 * `MAX_TOKEN_LEN`, the engine's client secret and certificate limits), in
 * UTF-8 bytes.
 */
export const SECRET_LIMITS = {
  scim_token: { bytes: 16 * 1024, what: "a SCIM token" },
  client_secret: { bytes: 1024, what: "a client secret" },
  client_certificate: { bytes: 64 * 1024, what: "a certificate with its key" },
} as const;

export type SecretField = keyof typeof SECRET_LIMITS;

function kb(bytes: number): string {
  return bytes < 1024 ? `${bytes} bytes` : `${Math.ceil(bytes / 1024)} KB`;
}

/**
 * Why `text` cannot be this secret because of its size, or null. Checked on
 * paste, before the text box takes it: a text box silently cuts what is
 * pasted at 512 KB, so a pasted file would otherwise arrive shortened.
 */
export function secretTooLong(field: SecretField, text: string): string | null {
  const { bytes, what } = SECRET_LIMITS[field];
  // Cheap bound first: UTF-8 takes at most 3 bytes per UTF-16 unit.
  if (text.length * 3 <= bytes) return null;
  const size = new TextEncoder().encode(text).length;
  if (size <= bytes) return null;
  return `that is ${kb(size)}; ${what} is at most ${kb(bytes)}. Did you paste a file? Nothing was pasted.`;
}

/** The secrets an edit keeps while it moves the endpoint they are sent to. */
export interface MovedSecrets {
  /** Secret fields kept (left empty) whose endpoint changed. */
  fields: SecretField[];
  /** What changed, for the question ("the Tenant URL", "the tenant"). */
  changes: string[];
}

function changedText(a: string, b: string): boolean {
  return a.trim().replace(/\/+$/, "") !== b.trim().replace(/\/+$/, "");
}

/**
 * Which stored secrets this edit would send to a new endpoint: the Secret
 * Token when the Tenant URL changed, the client secret or certificate when
 * the cloud, login or Graph URL, tenant or client ID changed — each only when
 * it is stored for the sign-in kept and no new one was typed.
 */
export function movedSecrets(f: FormState, initial: FormState, existing: Connection | undefined): MovedSecrets {
  const fields: SecretField[] = [];
  const changes: string[] = [];
  if (!existing) return { fields, changes };
  if (existing.has_scim_token && existing.scim && f.scim_url.trim() !== "" && f.scim_token.trim() === "") {
    if (changedText(f.scim_url, initial.scim_url)) {
      fields.push("scim_token");
      changes.push("the Tenant URL");
    }
  }
  const e = existing.entra;
  const keptCredential: SecretField | null =
    e && existing.has_client_secret && f.tenant_id.trim() !== "" && f.auth_mode === e.auth_mode
      ? f.auth_mode === "client_secret" && f.client_secret.trim() === ""
        ? "client_secret"
        : f.auth_mode === "certificate" && f.client_certificate.trim() === ""
          ? "client_certificate"
          : null
      : null;
  if (keptCredential) {
    const entraChanges: string[] = [];
    if (f.cloud !== initial.cloud) entraChanges.push("the cloud");
    if (f.cloud === "custom" && changedText(f.login_url, initial.login_url)) entraChanges.push("the login URL");
    if (f.cloud === "custom" && changedText(f.graph_url, initial.graph_url)) entraChanges.push("the Graph URL");
    if (changedText(f.tenant_id, initial.tenant_id)) entraChanges.push("the tenant");
    if (changedText(f.client_id, initial.client_id)) entraChanges.push("the client ID");
    if (entraChanges.length > 0) {
      fields.push(keptCredential);
      changes.push(...entraChanges);
    }
  }
  return { fields, changes };
}

/** Light checks before calling Rust; its verdict is the one that counts. */
export function clientChecks(f: FormState): FieldError[] {
  const errors: FieldError[] = [];
  for (const field of Object.keys(SECRET_LIMITS) as SecretField[]) {
    const why = secretTooLong(field, f[field]);
    if (why) errors.push({ field, message: why.replace(" Nothing was pasted.", "") });
  }
  if (f.name.trim() === "") errors.push({ field: "name", message: "give the connection a name" });
  if (f.tenant_id.trim() === "" && f.scim_url.trim() === "") {
    errors.push({ field: "tenant_id", message: "enter an Entra tenant, a SCIM Tenant URL, or both" });
    errors.push({ field: "scim_url", message: "enter a SCIM Tenant URL, an Entra tenant, or both" });
  }
  return errors;
}

/** Field errors by field, first message wins; and those no visible field can show. */
export function splitFieldErrors(
  fields: FieldError[],
  visible: (f: FieldName) => boolean,
): { byField: Partial<Record<FieldName, string>>; other: FieldError[] } {
  const byField: Partial<Record<FieldName, string>> = {};
  const other: FieldError[] = [];
  for (const fe of fields) {
    if (isFieldName(fe.field) && visible(fe.field)) {
      byField[fe.field] ??= fe.message;
    } else {
      other.push(fe);
    }
  }
  return { byField, other };
}

export function firstInvalid(byField: Partial<Record<FieldName, string>>): FieldName | null {
  return FIELD_ORDER.find((f) => byField[f] !== undefined) ?? null;
}

/**
 * Whether the admin changed anything since the form opened (`initial`).
 * Surrounding spaces do not count; a typed secret always does.
 */
export function isFormDirty(f: FormState, initial: FormState): boolean {
  return FIELD_ORDER.some((k) => {
    const a = f[k];
    const b = initial[k];
    return typeof a === "string" && typeof b === "string" ? a.trim() !== b.trim() : a !== b;
  });
}
