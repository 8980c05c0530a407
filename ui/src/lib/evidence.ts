// Typed evidence values (bindings/EvidenceValue): the text the Rust side's
// `Display` gives (the CLI, notifications and reports show the same), for
// copying and searching. Screens render values with `EvidenceList`.
import type { EvidenceValue } from "../bindings/EvidenceValue";

/** A duration in words, as the Rust side writes it: "less than a minute", "45 min", "2 h 05 min", "3 d 4 h". */
export function formatDurationWords(seconds: number): string {
  const mins = Math.floor(Math.abs(seconds) / 60);
  const hours = Math.floor(mins / 60);
  const days = Math.floor(hours / 24);
  if (mins === 0) return "less than a minute";
  if (hours === 0) return `${mins} min`;
  if (days === 0) return `${hours} h ${String(mins % 60).padStart(2, "0")} min`;
  return `${days} d ${hours % 24} h`;
}

/** RFC 3339 in UTC with whole seconds: "2026-03-01T10:00:00Z". */
function utcSeconds(iso: string): string {
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? iso : `${t.toISOString().slice(0, 19)}Z`;
}

/** "~14:05 UTC+02:00" at the offset the estimate was made for. */
function estimateText(at: string, offsetMinutes: number): string {
  const t = new Date(at);
  if (Number.isNaN(t.getTime())) return at;
  const local = new Date(t.getTime() + offsetMinutes * 60_000);
  const hhmm = `${String(local.getUTCHours()).padStart(2, "0")}:${String(local.getUTCMinutes()).padStart(2, "0")}`;
  const abs = Math.abs(offsetMinutes);
  const sign = offsetMinutes < 0 ? "-" : "+";
  return `~${hhmm} UTC${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

/** The value as text, the same as the Rust side's `Display`. */
export function evidenceText(v: EvidenceValue): string {
  switch (v.kind) {
    case "text":
    case "code":
      return v.value;
    case "time":
      return utcSeconds(v.value);
    case "estimate": {
      const base = estimateText(v.value.at, v.value.utc_offset_minutes);
      return v.value.overdue_seconds == null ? base : `${base} (overdue by ${formatDurationWords(v.value.overdue_seconds)})`;
    }
    case "count":
      return String(v.value);
    case "duration":
      return formatDurationWords(v.value.seconds);
    case "link":
      return v.value.text === v.value.url ? v.value.url : `${v.value.text} (${v.value.url})`;
  }
}
