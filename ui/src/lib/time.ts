// Times are stored and sent as RFC 3339 UTC. One style everywhere: local
// time (24-hour) plus a relative hint ("12 min ago", "in 23 days"), and UTC in
// the tooltip (`LocalTime` in components/Time.tsx).

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

/** "just now", "12 min ago", "3 hours ago", "in 23 days", "in 2 months". */
export function formatRelative(when: Date | string, now: Date = new Date()): string {
  const t = typeof when === "string" ? new Date(when) : when;
  if (Number.isNaN(t.getTime())) return "";
  const diff = t.getTime() - now.getTime();
  const abs = Math.abs(diff);
  const future = diff > 0;
  let text: string;
  if (abs < 45_000) return "just now";
  if (Math.round(abs / MINUTE) < 60) {
    // "59 min", never "60 min": that reads as "1 hour".
    text = `${Math.max(1, Math.round(abs / MINUTE))} min`;
  } else if (abs < DAY) {
    text = plural(Math.round(abs / HOUR), "hour");
  } else if (abs < 45 * DAY) {
    const days = Math.round(abs / DAY);
    if (days === 1) return future ? "tomorrow" : "yesterday";
    text = plural(days, "day");
  } else if (abs < 365 * DAY) {
    text = plural(Math.round(abs / (30 * DAY)), "month");
  } else {
    text = plural(Math.round(abs / (365 * DAY)), "year");
  }
  return future ? `in ${text}` : `${text} ago`;
}

const dateTimeFmt = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});
const clockFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const utcDateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" });

/** Local date and time, e.g. "28 Nov 2026, 14:05". */
export function formatLocalDateTime(when: string | Date): string {
  const t = typeof when === "string" ? new Date(when) : when;
  return Number.isNaN(t.getTime()) ? String(when) : dateTimeFmt.format(t);
}

/** Local time of day, 24-hour: "14:05". */
export function formatClock(when: string | Date): string {
  const t = typeof when === "string" ? new Date(when) : when;
  return Number.isNaN(t.getTime()) ? String(when) : clockFmt.format(t);
}

/** The same instant in UTC, for tooltips: "2026-12-06 21:09:17 UTC". */
export function formatUtc(when: string | Date): string {
  const t = typeof when === "string" ? new Date(when) : when;
  if (Number.isNaN(t.getTime())) return String(when);
  return `${t.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** "overdue by 5 min" for a time already past, else null. */
export function overdueText(when: string | Date, now: Date = new Date()): string | null {
  const t = typeof when === "string" ? new Date(when) : when;
  const late = now.getTime() - t.getTime();
  if (Number.isNaN(late) || late < 45_000) return null;
  return `overdue by ${formatRelative(new Date(now.getTime() + late), now).replace(/^in /, "")}`;
}

/** A piece of server text: plain, or a time (as RFC 3339) to show with `LocalTime`. */
export type TextPart = { text: string } | { iso: string };

// RFC 3339 in UTC or with an offset. (Evidence values are typed, so a time
// there is never guessed from text: see components/EvidenceList.tsx.)
const TIME_IN_TEXT = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})/g;

/** Split server text (a summary, a title) at the RFC 3339 times it quotes, so each is shown in the one date style. */
export function splitTimes(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const m of text.matchAll(TIME_IN_TEXT)) {
    const at = m.index ?? 0;
    const t = new Date(m[0]);
    if (Number.isNaN(t.getTime())) continue;
    if (at > last) parts.push({ text: text.slice(last, at) });
    parts.push({ iso: t.toISOString() });
    last = at + m[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

/**
 * A token expiry as a date. The Rust side stores a typed date (YYYY-MM-DD) as
 * the end of that day in UTC, so such a value is shown as the date the admin
 * typed rather than shifted into the next local day.
 */
export function formatExpiryDate(when: string): string {
  const t = new Date(when);
  if (Number.isNaN(t.getTime())) return when;
  if (isEndOfUtcDay(t)) return utcDateFmt.format(t);
  return dateFmt.format(t);
}

function isEndOfUtcDay(t: Date): boolean {
  return t.getUTCHours() === 23 && t.getUTCMinutes() === 59 && t.getUTCSeconds() === 59;
}

/** The YYYY-MM-DD an `<input type=date>` should show for a stored expiry. */
export function expiryToDateInput(when: string | null): string {
  if (!when) return "";
  const t = new Date(when);
  if (Number.isNaN(t.getTime())) return "";
  if (isEndOfUtcDay(t)) return t.toISOString().slice(0, 10);
  const y = t.getFullYear();
  const m = String(t.getMonth() + 1).padStart(2, "0");
  const d = String(t.getDate()).padStart(2, "0");
  return `${y}-${m}-${d}`;
}

export type ExpiryLevel = "ok" | "soon" | "urgent" | "expired";

/** How worried to be about a token that expires at `when`. */
export function expiryLevel(when: string, now: Date = new Date()): ExpiryLevel {
  const ms = new Date(when).getTime() - now.getTime();
  if (ms <= 0) return "expired";
  if (ms < 7 * DAY) return "urgent";
  if (ms < 30 * DAY) return "soon";
  return "ok";
}

/** "expires in 23 days" / "expired 3 days ago". */
export function expiryPhrase(when: string, now: Date = new Date()): string {
  const rel = formatRelative(when, now);
  return expiryLevel(when, now) === "expired" ? `expired ${rel}` : `expires ${rel}`;
}
