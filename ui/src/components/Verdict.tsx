// How a Test Connection verdict reads to an admin.
import type { Verdict } from "../bindings/Verdict";
import { Icon } from "./Icon";

const LABELS: Record<Verdict, string> = {
  ok: "Working",
  unauthorized: "Token rejected",
  forbidden: "Access forbidden",
  not_found: "Wrong Tenant URL",
  filter_not_found: "404 for an empty filter",
  filter_refused: "Filter refused",
  html: "Web page, not SCIM",
  server_error: "SaaS server error",
  timeout: "Timed out",
  unreachable: "Unreachable",
  not_scim: "Not a SCIM answer",
  non_empty_result: "Filter ignored",
  other_status: "Unexpected status",
};

export function verdictLabel(v: Verdict): string {
  return LABELS[v] ?? v;
}

export type Tone = "ok" | "warn" | "bad";

export function verdictTone(v: Verdict): Tone {
  if (v === "ok") return "ok";
  if (v === "non_empty_result" || v === "timeout" || v === "server_error") return "warn";
  return "bad";
}

/** `label` replaces the SCIM wording (the Graph sign-in says "Sign-in refused", not "Token rejected"). */
export function VerdictBadge({ verdict, status, label }: { verdict: Verdict; status?: number | null; label?: string }) {
  const tone = verdictTone(verdict);
  return (
    <span className={`badge badge-tone-${tone}`}>
      <Icon name={tone === "ok" ? "check" : "alert"} size={12} />
      {label ?? verdictLabel(verdict)}
      {status != null ? <span className="badge-extra">HTTP {status}</span> : null}
    </span>
  );
}

export function formatLatency(ms: number | null | undefined): string {
  if (ms == null) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}
