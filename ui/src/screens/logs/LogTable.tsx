// The Logs screen's windowed table: only the rows in view are rendered; a
// whole row opens the event (click, or Enter/Space on the focused row).
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import type { EventRow } from "../../bindings/EventRow";
import { formatLocalDateTime, formatUtc } from "../../lib/time";

export const ROW_HEIGHT = 44;
export const OVERSCAN = 8;
const VIEWPORT_FALLBACK = 528;

export function visibleRange(scrollTop: number, height: number, count: number, rowHeight = ROW_HEIGHT, overscan = OVERSCAN): [number, number] {
  const start = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const end = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  return [start, end];
}

const STATUS_LABELS: Record<string, string> = { success: "Success", failure: "Failure", skipped: "Skipped", warning: "Warning" };
const STATUS_TONE: Record<string, string> = { success: "ok", failure: "bad", skipped: "off", warning: "warn" };

export function LogTable({
  items,
  onEndReached,
  onOpen,
  loadingMore = false,
  hasMore = false,
}: {
  items: EventRow[];
  onEndReached: () => void;
  onOpen: (row: EventRow) => void;
  loadingMore?: boolean;
  hasMore?: boolean;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(VIEWPORT_FALLBACK);
  const [focusIndex, setFocusIndex] = useState<number | null>(null);
  const [start, end] = visibleRange(scrollTop, height, items.length);

  useEffect(() => {
    const el = scroller.current;
    if (el && el.clientHeight > 0) setHeight(el.clientHeight);
  }, []);

  useEffect(() => {
    if (end >= items.length - OVERSCAN && hasMore) onEndReached();
  }, [end, items.length, hasMore, onEndReached]);

  useEffect(() => {
    if (focusIndex === null) return;
    scroller.current?.querySelector<HTMLElement>(`[data-index="${focusIndex}"]`)?.focus();
  }, [focusIndex, start, end]);

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    const target = e.target as HTMLElement;
    const row = target.closest<HTMLElement>("[data-index]");
    if (!row) return;
    const i = Number(row.dataset.index);
    if ((e.key === "Enter" || e.key === " ") && target === row) {
      e.preventDefault();
      const r = items[i];
      if (r) onOpen(r);
      return;
    }
    let next = -1;
    if (e.key === "ArrowDown") next = Math.min(items.length - 1, i + 1);
    else if (e.key === "ArrowUp") next = Math.max(0, i - 1);
    else if (e.key === "Home" && e.ctrlKey) next = 0;
    else if (e.key === "End" && e.ctrlKey) next = items.length - 1;
    else if (e.key === "PageDown") next = Math.min(items.length - 1, i + Math.floor(height / ROW_HEIGHT));
    else if (e.key === "PageUp") next = Math.max(0, i - Math.floor(height / ROW_HEIGHT));
    if (next < 0) return;
    e.preventDefault();
    const el = scroller.current;
    if (el) {
      const top = next * ROW_HEIGHT;
      if (top < el.scrollTop) el.scrollTop = top;
      else if (top + ROW_HEIGHT > el.scrollTop + height) el.scrollTop = top + ROW_HEIGHT - height;
      setScrollTop(el.scrollTop);
    }
    setFocusIndex(next);
  }

  const rows = [];
  for (let i = start; i < end; i++) {
    const r = items[i]!;
    const tone = STATUS_TONE[r.status] ?? "off";
    rows.push(
      // The whole row opens the event: click anywhere on it, or Enter/Space on
      // the focused row (one tab stop, arrows move between rows).
      <div
        key={r.id}
        role="row"
        aria-rowindex={i + 2}
        aria-haspopup="dialog"
        aria-label={`${STATUS_LABELS[r.status] ?? r.status} ${r.action} of ${r.target_name ?? r.source_name ?? r.source_id ?? r.event_id}, ${formatLocalDateTime(new Date(r.activity_ms))}: open details`}
        data-index={i}
        className={`log-row log-row-${tone} log-row-open`}
        style={{ top: i * ROW_HEIGHT, height: ROW_HEIGHT }}
        tabIndex={focusIndex === i || (focusIndex === null && i === start) ? 0 : -1}
        onClick={() => onOpen(r)}
      >
        <div role="cell" className="log-time">
          <time dateTime={new Date(r.activity_ms).toISOString()} title={formatUtc(new Date(r.activity_ms))}>
            {formatLocalDateTime(new Date(r.activity_ms))}
          </time>
        </div>
        <div role="cell">
          <span className={tone === "off" ? "badge badge-skipped" : `badge badge-tone-${tone}`}>{STATUS_LABELS[r.status] ?? r.status}</span>
        </div>
        <div role="cell" className="log-action">
          {r.action}
        </div>
        <div role="cell" className="log-who truncate">
          <span className="log-open">{r.target_name ?? r.source_name ?? r.source_id ?? r.event_id}</span>
          {r.identity_type ? <span className="muted small"> · {r.identity_type}</span> : null}
        </div>
        <div role="cell" className="log-error truncate" title={r.error_reason ?? undefined}>
          {r.error_code ? <span className="mono">{r.error_code}</span> : <span className="muted">—</span>}
        </div>
      </div>,
    );
  }

  return (
    <div className="card log-table" role="table" aria-label="Provisioning events, newest first" aria-rowcount={hasMore ? -1 : items.length + 1}>
      <div role="rowgroup" className="log-head">
        <div role="row" aria-rowindex={1} className="log-row log-row-head">
          <div role="columnheader">Time</div>
          <div role="columnheader">Status</div>
          <div role="columnheader">Action</div>
          <div role="columnheader">Identity</div>
          <div role="columnheader">Error</div>
        </div>
      </div>
      <div
        ref={scroller}
        role="rowgroup"
        className="log-body"
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        onKeyDown={onKeyDown}
      >
        <div className="log-spacer" style={{ height: items.length * ROW_HEIGHT }}>
          {rows}
        </div>
      </div>
      <div className="log-foot muted small" aria-live="polite">
        {loadingMore ? (
          <>
            <span className="spinner spinner-sm" aria-hidden="true" /> Loading more…
          </>
        ) : hasMore ? (
          "Scroll for older events"
        ) : (
          `End of the log · ${items.length.toLocaleString()} event${items.length === 1 ? "" : "s"}`
        )}
      </div>
    </div>
  );
}

