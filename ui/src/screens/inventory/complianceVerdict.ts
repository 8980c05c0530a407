// What the stored compliance (latest discovery and crawl) allows a screen to
// say. The Inventory's SCIM compliance tab and the Mappings screen both word
// it here, so they never disagree: "No deviation found" only when a
// discovery examined everything and no source recorded a deviation.
import type { ComplianceSource } from "../../bindings/ComplianceSource";
import type { StoredCompliance } from "../../bindings/StoredCompliance";

export const SOURCE_LABEL: Record<ComplianceSource, string> = { discover: "discovery", crawl: "crawl" };

export interface VerdictText {
  tone: "ok" | "warn" | "unknown";
  text: string;
  /** When the examination it rests on ran, ms since the epoch. */
  at: number | null;
}

export function verdictText(s: StoredCompliance): VerdictText {
  const v = s.verdict;
  switch (v.state) {
    case "not_examined":
      return { tone: "unknown", text: "Not examined yet", at: null };
    case "could_not_examine":
      return { tone: "warn", text: `Could not examine (${SOURCE_LABEL[v.source]}): ${v.reason}`, at: v.checked_ms };
    case "deviations":
      return { tone: "warn", text: `${v.count} deviation${v.count === 1 ? "" : "s"} recorded`, at: s.discover_ms ?? s.crawl_ms };
    case "partial":
      return {
        tone: "unknown",
        text: `No deviation in what was examined; ${v.reason}${v.not_examined.length ? `: ${v.not_examined.join("; ")}` : ""}`,
        at: v.checked_ms,
      };
    case "no_deviation":
      return { tone: "ok", text: "No deviation found", at: v.checked_ms };
  }
}
