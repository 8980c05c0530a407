// Pure derivations for the Overview: a connection's health from what was
// actually read, and a cycle's bar from its `{action: {status: count}}`.
import type { CycleRow } from "../bindings/CycleRow";
import type { IncidentView } from "../bindings/IncidentView";
import type { Severity } from "../bindings/Severity";
import type { StatusReport } from "../bindings/StatusReport";
import type { TenantSummary } from "../bindings/TenantSummary";

export const BAR_KEYS = ["created", "updated", "deleted", "failed", "skipped", "other"] as const;
export type BarKey = (typeof BAR_KEYS)[number];
export type CycleBar = Record<BarKey, number>;

export const BAR_LABELS: Record<BarKey, string> = {
  created: "Created",
  updated: "Updated",
  deleted: "Deleted or disabled",
  failed: "Failed",
  skipped: "Skipped",
  other: "Other",
};

/**
 * Successful create / update / delete+disable → created / updated / deleted;
 * any failure → failed; skipped → skipped; anything else (warnings, staged
 * deletes, other actions) → other, so the bar still adds up to the total.
 */
export function cycleBar(counts: CycleRow["counts"]): CycleBar {
  const bar: CycleBar = { created: 0, updated: 0, deleted: 0, failed: 0, skipped: 0, other: 0 };
  for (const [action, statuses] of Object.entries(counts)) {
    for (const [status, raw] of Object.entries(statuses ?? {})) {
      const n = Number(raw) || 0;
      const s = status.toLowerCase();
      const a = action.toLowerCase();
      if (s === "failure") bar.failed += n;
      else if (s === "skipped") bar.skipped += n;
      else if (s === "success" && a === "create") bar.created += n;
      else if (s === "success" && a === "update") bar.updated += n;
      else if (s === "success" && (a === "delete" || a === "disable")) bar.deleted += n;
      else bar.other += n;
    }
  }
  return bar;
}

export function barTotal(bar: CycleBar): number {
  return BAR_KEYS.reduce((sum, k) => sum + bar[k], 0);
}

export type HealthLevel = "healthy" | "attention" | "problem" | "blind" | "not_polled";

export interface Health {
  level: HealthLevel;
  label: string;
  /** One line saying why. */
  reason: string;
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

export function worstSeverity(incidents: IncidentView[]): Severity | null {
  let worst: Severity | null = null;
  for (const v of incidents) {
    if (worst === null || SEVERITY_RANK[v.incident.severity] > SEVERITY_RANK[worst]) worst = v.incident.severity;
  }
  return worst;
}

/** "groups mapping disabled; token expires soon" (titles, lower-cased first letter). */
export function nameIncidents(list: IncidentView[]): string {
  const titles = list.map((v) => {
    const t = v.incident.title.trim().replace(/\.$/, "");
    return /^[A-Z][a-z]/.test(t) ? t[0]!.toLowerCase() + t.slice(1) : t;
  });
  const shown = titles.slice(0, 2).join("; ");
  return titles.length > 2 ? `${shown} and ${titles.length - 2} more` : shown;
}

/**
 * Health from the Entra status (null when the connection has no Entra side)
 * and its open incidents. Never "healthy" without something read.
 */
export function deriveHealth(report: StatusReport | null, open: IncidentView[], scimVerified: boolean | null): Health {
  const relevant = open.filter((v) => v.incident.severity !== "info" && v.incident.kind !== "graph_blind");
  const problems = relevant.filter((v) => v.incident.severity === "critical" || v.incident.state === "escalated");
  const warningList = relevant.filter((v) => !problems.includes(v));
  const warnings = warningList.length;
  if (report?.quarantine) {
    return { level: "problem", label: "Problem", reason: "The provisioning job is in quarantine." };
  }
  if (report?.stalled) {
    return { level: "problem", label: "Problem", reason: "Provisioning cycles have stalled." };
  }
  if (problems.length > 0) {
    return {
      level: "problem",
      label: "Problem",
      reason: `${problems.length} open incident${problems.length === 1 ? "" : "s"}: ${nameIncidents(problems)}.`,
    };
  }
  const blind = report?.graph === "blind";
  if (warnings > 0 && !blind) {
    return { level: "attention", label: "Needs attention", reason: `${warnings} open warning${warnings === 1 ? "" : "s"}: ${nameIncidents(warningList)}.` };
  }
  if (report) {
    if (blind) {
      return { level: "blind", label: "Blind", reason: "scimwatch cannot read the provisioning job right now." };
    }
    if (report.graph !== "ok" || !report.job_read_at) {
      return { level: "not_polled", label: "Not polled yet", reason: "Entra's provisioning job has not been read yet." };
    }
    return { level: "healthy", label: "Healthy", reason: "The job runs and no incident is open." };
  }
  if (scimVerified) return { level: "healthy", label: "Healthy", reason: "The SCIM endpoint answers and no incident is open." };
  return { level: "not_polled", label: "Not checked yet", reason: "The SCIM endpoint has not been tested yet." };
}

/**
 * Health of an all-apps tenant from its apps (worst first) and the incidents
 * open on the tenant itself (its log stream, its discovery). Never "healthy"
 * while an app's job is unread: an app not read yet counts as needing
 * attention in the summary.
 */
export function deriveTenantHealth(summary: TenantSummary, open: IncidentView[]): Health {
  const watched = summary.apps.filter((a) => !a.connection.group?.retired);
  const quarantined = watched.filter((a) => a.rank === 0);
  if (quarantined.length > 0) {
    const names = quarantined.slice(0, 3).map((a) => a.connection.name).join(", ");
    return {
      level: "problem",
      label: "Problem",
      reason: `${quarantined.length} app${quarantined.length === 1 ? "" : "s"} in quarantine: ${names}${quarantined.length > 3 ? ", …" : ""}.`,
    };
  }
  const tenantHealth = deriveHealth(null, open, true);
  if (tenantHealth.level === "problem" || tenantHealth.level === "attention") return tenantHealth;
  if (watched.length === 0) {
    return { level: "not_polled", label: "No app yet", reason: "No app with a provisioning job found in the tenant yet: the next poll looks again." };
  }
  const unread = watched.filter((a) => a.state === "not read yet").length;
  if (unread === watched.length) {
    return { level: "not_polled", label: "Not polled yet", reason: `${watched.length} app${watched.length === 1 ? "" : "s"} found; no job read yet.` };
  }
  const worst = watched[0];
  if (summary.in_trouble > 0 && worst) {
    return {
      level: "attention",
      label: "Needs attention",
      reason: `${summary.in_trouble} of ${summary.watched} apps need attention — ${worst.connection.name}: ${worst.state}.`,
    };
  }
  return { level: "healthy", label: "Healthy", reason: `All ${summary.watched} apps' jobs read and running; no incident open on the tenant.` };
}
