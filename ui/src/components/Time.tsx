import { useEffect, useState } from "react";
import { formatLocalDateTime, formatRelative } from "../lib/time";

/** The current time, refreshed every `intervalMs` so relative hints stay true. */
export function useNow(intervalMs = 30_000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const t = window.setInterval(() => setNow(new Date()), intervalMs);
    return () => window.clearInterval(t);
  }, [intervalMs]);
  return now;
}

/** "28 Nov 2026, 14:05 · 12 min ago", with the full ISO time as a tooltip. */
export function LocalTime({ iso, now, stacked = false }: { iso: string; now?: Date; stacked?: boolean }) {
  const current = useNow();
  if (stacked) {
    return (
      <time dateTime={iso} title={new Date(iso).toString()} className="time-stacked">
        <span className="time-main">{formatLocalDateTime(iso)}</span>
        <span className="relative-hint">
          <span className="visually-hidden">, </span>
          {formatRelative(iso, now ?? current)}
        </span>
      </time>
    );
  }
  return (
    <time dateTime={iso} title={new Date(iso).toString()}>
      {formatLocalDateTime(iso)}
      <span className="relative-hint"> · {formatRelative(iso, now ?? current)}</span>
    </time>
  );
}
