import { useEffect, useState } from "react";
import { formatLocalDateTime, formatRelative, formatUtc } from "../lib/time";

/** The current time, refreshed every `intervalMs` so relative hints stay true. */
export function useNow(intervalMs = 30_000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const t = window.setInterval(() => setNow(new Date()), intervalMs);
    return () => window.clearInterval(t);
  }, [intervalMs]);
  return now;
}

/**
 * The one date style: "28 Nov 2026, 14:05 · 12 min ago" (local, 24-hour),
 * with the UTC time as a tooltip. `approx` prefixes "~" (an estimate);
 * `hint` replaces the relative hint (e.g. "overdue by 5 min").
 */
export function LocalTime({
  iso,
  now,
  stacked = false,
  approx = false,
  hint,
}: {
  iso: string;
  now?: Date;
  stacked?: boolean;
  approx?: boolean;
  hint?: string | null;
}) {
  const current = useNow();
  const relative = hint ?? formatRelative(iso, now ?? current);
  const main = `${approx ? "~" : ""}${formatLocalDateTime(iso)}`;
  if (stacked) {
    return (
      <time dateTime={iso} title={formatUtc(iso)} className="time-stacked">
        <span className="time-main">{main}</span>
        <span className="relative-hint">
          <span className="visually-hidden">, </span>
          {relative}
        </span>
      </time>
    );
  }
  return (
    <time dateTime={iso} title={formatUtc(iso)}>
      {main}
      {relative ? <span className="relative-hint"> · {relative}</span> : null}
    </time>
  );
}
