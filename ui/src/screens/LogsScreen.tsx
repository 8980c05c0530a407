// Entra's provisioning logs as scimwatch stored them: a filterable, windowed
// table (keyset pages fetched as you scroll), a detail drawer and exports.
import { Fragment, useCallback, useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import type { CommandError } from "../bindings/CommandError";
import type { Connection } from "../bindings/Connection";
import type { EventFilter } from "../bindings/EventFilter";
import type { EventRow } from "../bindings/EventRow";
import type { ExportFormat } from "../bindings/ExportFormat";
import { ConnectionPicker, useEntraConnection } from "../components/ConnectionPicker";
import { Dialog } from "../components/Dialog";
import { Alert, EmptyState, ErrorAlert, Skeleton, RetryAlert } from "../components/Feedback";
import { Icon } from "../components/Icon";
import { Page } from "../components/Page";
import { RichText } from "../components/RichText";
import { LocalTime } from "../components/Time";
import { useToasts } from "../components/Toasts";
import { useConnections } from "../lib/connections";
import { eventDetail, exportLogs, jobStatus, queryLogs, toCommandError } from "../lib/ipc";
import { go, hrefWithQuery, navigate, type Query } from "../lib/router";
import { formatLocalDateTime } from "../lib/time";
import { useCommand } from "../lib/useCommand";

export const ROW_HEIGHT = 44;
export const OVERSCAN = 8;
const PAGE_SIZE = 200;
const VIEWPORT_FALLBACK = 528;

export const EMPTY_FILTER: EventFilter = {
  status: null,
  action: null,
  since_ms: null,
  until_ms: null,
  cycle_id: null,
  error_code: null,
  identity: null,
};

const STATUSES = [
  ["", "Any status"],
  ["success", "Success"],
  ["failure", "Failure"],
  ["skipped", "Skipped"],
  ["warning", "Warning"],
] as const;
const ACTIONS = [
  ["", "Any action"],
  ["create", "Create"],
  ["update", "Update"],
  ["delete", "Delete"],
  ["disable", "Disable"],
  ["stagedDelete", "Staged delete"],
  ["other", "Other"],
] as const;
const RANGES = [
  ["any", "Any time"],
  ["1h", "Last hour"],
  ["24h", "Last 24 hours"],
  ["7d", "Last 7 days"],
  ["30d", "Last 30 days"],
  ["custom", "Custom…"],
] as const;
type Range = (typeof RANGES)[number][0];
const RANGE_MS: Record<string, number> = { "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000 };

export interface FilterDraft {
  status: string;
  action: string;
  range: Range;
  from: string;
  to: string;
  cycle: string;
  code: string;
  /** Who: part of a display name, or an object id. */
  who: string;
}

export const EMPTY_DRAFT: FilterDraft = { status: "", action: "", range: "any", from: "", to: "", cycle: "", code: "", who: "" };

export type DraftErrors = Partial<Record<"from" | "to" | "cycle" | "code" | "who", string>>;

/** Validates the filter form; on success returns the `EventFilter` to send. */
export function buildFilter(d: FilterDraft, now: number = Date.now()): { filter: EventFilter | null; errors: DraftErrors } {
  const errors: DraftErrors = {};
  let since: number | null = null;
  let until: number | null = null;
  if (d.range === "custom") {
    const from = d.from ? new Date(d.from).getTime() : null;
    const to = d.to ? new Date(d.to).getTime() : null;
    if (!d.from && !d.to) errors.from = "Enter a start, an end, or both.";
    if (d.from && (from === null || Number.isNaN(from))) errors.from = "From is not a valid date and time.";
    if (d.to && (to === null || Number.isNaN(to))) errors.to = "To is not a valid date and time.";
    if (!errors.from && !errors.to && from !== null && to !== null && from >= to) errors.to = "From must be before To.";
    if (!errors.from && from !== null && from > now) errors.from = "From is in the future: no event can match.";
    since = from;
    until = to;
  } else if (d.range !== "any") {
    since = now - RANGE_MS[d.range]!;
  }
  const cycle = d.cycle.trim();
  if (cycle && !/^[A-Za-z0-9_.:-]+$/.test(cycle)) errors.cycle = "A cycle ID has no spaces, e.g. 3c1b2a90-… from a log entry.";
  const code = d.code.trim();
  if (code && !/^[A-Za-z0-9_.-]+$/.test(code)) errors.code = "An error code is one word, e.g. SystemForCrossDomainIdentityManagementBadRequest.";
  const who = d.who.trim();
  if (who.length > 200) errors.who = "Search for at most 200 characters of a name or an ID.";
  if (Object.keys(errors).length > 0) return { filter: null, errors };
  return {
    filter: {
      status: d.status || null,
      action: d.action || null,
      since_ms: since,
      until_ms: until,
      cycle_id: cycle || null,
      error_code: code || null,
      identity: who || null,
    },
    errors,
  };
}

// ---------- filters in the address ----------
// `#/logs/<id>?status=failure&action=create&range=24h&who=…&cycle=…&code=…`, and for
// a custom range `range=custom&from=<ISO>&to=<ISO>` (absolute UTC instants, so a
// shared link means the same window everywhere). Reload, Back and a pasted
// link show the same filtered view.

const STATUS_VALUES = new Set<string>(STATUSES.map(([v]) => v));
const ACTION_VALUES = new Set<string>(ACTIONS.map(([v]) => v));
const RANGE_VALUES = new Set<string>(RANGES.map(([v]) => v));

/** `2026-11-20T09:00:00.000Z` → `2026-11-20T10:00` in local time (for datetime-local); "" if unreadable. */
export function isoToLocalInput(iso: string): string {
  const d = new Date(iso);
  if (!iso || Number.isNaN(d.getTime())) return "";
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

function localInputToIso(local: string): string | null {
  const d = new Date(local);
  return local && !Number.isNaN(d.getTime()) ? d.toISOString() : null;
}

/** The filter form as the address describes it; unknown values are dropped. */
export function draftFromQuery(q: URLSearchParams): FilterDraft {
  const pick = (k: string, allowed: Set<string>) => {
    const v = q.get(k) ?? "";
    return allowed.has(v) ? v : "";
  };
  const range = (pick("range", RANGE_VALUES) || "any") as Range;
  return {
    status: pick("status", STATUS_VALUES),
    action: pick("action", ACTION_VALUES),
    range,
    from: range === "custom" ? isoToLocalInput(q.get("from") ?? "") : "",
    to: range === "custom" ? isoToLocalInput(q.get("to") ?? "") : "",
    cycle: q.get("cycle") ?? "",
    code: q.get("code") ?? "",
    who: q.get("who") ?? "",
  };
}

/** The address's query for a filter form (empty fields left out). */
export function queryFromDraft(d: FilterDraft): Query {
  const custom = d.range === "custom";
  return {
    status: d.status,
    action: d.action,
    range: d.range === "any" ? null : d.range,
    from: custom ? localInputToIso(d.from) : null,
    to: custom ? localInputToIso(d.to) : null,
    cycle: d.cycle.trim(),
    code: d.code.trim(),
    who: d.who.trim(),
  };
}

export function LogsScreen({ rest, query = new URLSearchParams() }: { rest: string[]; query?: URLSearchParams }) {
  const { state, reload, refreshing } = useConnections();
  const { eligible, current } = useEntraConnection(rest);
  return (
    <Page
      title="Provisioning logs"
      subtitle="Entra's record of every create, update, disable and skip."
      actions={eligible && current ? <ConnectionPicker screen="logs" eligible={eligible} current={current} /> : null}
    >
      {state.status === "error" ? <RetryAlert error={state.error} onRetry={reload} busy={refreshing} /> : null}
      {state.status === "loading" ? <TableSkeleton label="Loading connections" /> : null}
      {eligible && eligible.length === 0 ? (
        <EmptyState
          icon="logs"
          title="No Entra side to read logs from"
          action={
            <button type="button" className="button button-primary" onClick={() => (state.connections?.length ? navigate("connections") : navigate("connections", "new"))}>
              {state.connections?.length ? "Open Connections" : "Add a connection"}
            </button>
          }
        >
          <p>
            Provisioning logs are read from Microsoft Graph for the enterprise app that provisions users. Add the Entra
            side (tenant and enterprise app) to a connection to see them here.
          </p>
        </EmptyState>
      ) : null}
      {current ? <LogsView key={current.id} c={current} query={query} /> : null}
    </Page>
  );
}

function TableSkeleton({ label }: { label: string }) {
  return (
    <div className="card stack-sm" role="status" aria-label={label}>
      {[90, 80, 85, 70, 88].map((w, i) => (
        <Skeleton key={i} width={`${w}%`} />
      ))}
    </div>
  );
}

function LogsView({ c, query }: { c: Connection; query: URLSearchParams }) {
  const status = useCommand(`logs-status:${c.id}`, () => jobStatus(c.id));
  const queryKey = query.toString();
  const [draft, setDraft] = useState<FilterDraft>(() => draftFromQuery(query));
  const [errors, setErrors] = useState<DraftErrors>({});
  const [filter, setFilter] = useState<EventFilter>(EMPTY_FILTER);
  const [items, setItems] = useState<EventRow[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<CommandError | null>(null);
  const [open, setOpen] = useState<EventRow | null>(null);
  const [exporting, setExporting] = useState<ExportFormat | null>(null);
  const generation = useRef(0);
  const { push } = useToasts();
  const formId = useId();

  const load = useCallback(
    async (f: EventFilter, after: string | null) => {
      const mine = after ? generation.current : ++generation.current;
      setLoading(true);
      setError(null);
      try {
        const page = await queryLogs(c.id, f, after, PAGE_SIZE);
        if (mine !== generation.current) return;
        setItems((prev) => (after && prev ? [...prev, ...page.items] : page.items));
        setCursor(page.next_cursor);
      } catch (e) {
        if (mine !== generation.current) return;
        setError(toCommandError(e));
      } finally {
        if (mine === generation.current) setLoading(false);
      }
    },
    [c.id],
  );

  // The address holds the applied filters: load whatever it says (first
  // render, Apply, Clear, Back/Forward, a pasted link).
  useEffect(() => {
    const fromUrl = draftFromQuery(new URLSearchParams(queryKey));
    setDraft(fromUrl);
    const { filter: next, errors: errs } = buildFilter(fromUrl);
    setErrors(errs);
    setItems(null);
    if (!next) {
      // A link with a filter that does not hold up: show why, load nothing.
      ++generation.current;
      setLoading(false);
      return;
    }
    setFilter(next);
    void load(next, null);
  }, [load, queryKey]);

  function apply(e: FormEvent) {
    e.preventDefault();
    const { filter: next, errors: errs } = buildFilter(draft);
    setErrors(errs);
    if (!next) {
      const first = Object.keys(errs)[0];
      document.getElementById(`${formId}-${first}`)?.focus();
      return;
    }
    const to = hrefWithQuery("logs", [c.id], queryFromDraft(draft));
    if (new URLSearchParams(to.split("?")[1] ?? "").toString() === queryKey) {
      // Same filters (e.g. "Last hour" again): refresh in place.
      setFilter(next);
      setItems(null);
      void load(next, null);
    } else {
      go(to);
    }
  }

  function clear() {
    setErrors({});
    if (queryKey === "") {
      setDraft(EMPTY_DRAFT);
    } else {
      go(hrefWithQuery("logs", [c.id], {}));
    }
  }

  async function runExport(format: ExportFormat) {
    setExporting(format);
    try {
      const r = await exportLogs(c.id, filter, format);
      push({ tone: "success", title: `Exported ${r.rows.toLocaleString()} row${r.rows === 1 ? "" : "s"} as ${format.toUpperCase()}`, lines: [`Saved to \`${r.path}\``] });
    } catch (e) {
      const err = toCommandError(e);
      push({ tone: "warning", title: "Export failed", lines: [err.message] });
    } finally {
      setExporting(null);
    }
  }

  const endReached = useCallback(() => {
    if (cursor && !loading && !error) void load(filter, cursor);
  }, [cursor, loading, error, filter, load]);

  const logsUnavailable = status.data?.logs_available === false;
  const filtered = JSON.stringify(filter) !== JSON.stringify(EMPTY_FILTER);
  const set = (k: keyof FilterDraft) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [k]: e.target.value }));

  return (
    <>
      {logsUnavailable ? (
        <Alert tone="warning" title="Logs need Entra ID P1/P2">
          <p>
            Microsoft Graph does not return provisioning logs for this tenant. Reading them needs an Entra ID P1 or P2
            licence and the <span className="mono">AuditLog.Read.All</span> permission. Status, quarantine and
            mappings are still watched.
          </p>
        </Alert>
      ) : null}
      <form className="card log-filters" aria-label="Filter provisioning logs" onSubmit={apply} noValidate>
        <div className="filter-grid">
          <FilterSelect id={`${formId}-status`} label="Status" value={draft.status} onChange={set("status")} options={STATUSES} />
          <FilterSelect id={`${formId}-action`} label="Action" value={draft.action} onChange={set("action")} options={ACTIONS} />
          <FilterSelect id={`${formId}-range`} label="Time range" value={draft.range} onChange={set("range")} options={RANGES} />
          <FilterInput id={`${formId}-who`} label="User or group" value={draft.who} onChange={set("who")} error={errors.who} />
          <FilterInput id={`${formId}-cycle`} label="Cycle ID" value={draft.cycle} onChange={set("cycle")} error={errors.cycle} mono />
          <FilterInput id={`${formId}-code`} label="Error code" value={draft.code} onChange={set("code")} error={errors.code} mono />
          {draft.range === "custom" ? (
            <>
              <FilterInput id={`${formId}-from`} label="From" type="datetime-local" value={draft.from} onChange={set("from")} error={errors.from} />
              <FilterInput id={`${formId}-to`} label="To" type="datetime-local" value={draft.to} onChange={set("to")} error={errors.to} />
            </>
          ) : null}
        </div>
        <div className="filter-actions">
          <button type="submit" className="button button-primary button-sm">
            Apply filters
          </button>
          {filtered || JSON.stringify(draft) !== JSON.stringify(EMPTY_DRAFT) ? (
            <button type="button" className="button button-sm" onClick={clear}>
              Clear
            </button>
          ) : null}
          <span className="filter-spacer" />
          <span className="muted small filter-count" aria-live="polite">
            {items ? `${items.length.toLocaleString()} loaded${cursor ? ", more as you scroll" : ""}` : ""}
            {status.data ? ` · ${status.data.events_stored.toLocaleString()} stored` : ""}
          </span>
          <button type="button" className="button button-sm" onClick={() => void runExport("csv")} disabled={!!exporting} aria-busy={exporting === "csv" || undefined}>
            {exporting === "csv" ? <span className="spinner spinner-sm" aria-hidden="true" /> : null}Export CSV
          </button>
          <button type="button" className="button button-sm" onClick={() => void runExport("json")} disabled={!!exporting} aria-busy={exporting === "json" || undefined}>
            {exporting === "json" ? <span className="spinner spinner-sm" aria-hidden="true" /> : null}Export JSON
          </button>
        </div>
      </form>

      {error ? (
        <ErrorAlert
          error={error}
          action={
            <button type="button" className="button button-sm" onClick={() => void load(filter, items && cursor ? cursor : null)}>
              Try again
            </button>
          }
        />
      ) : null}
      {loading && !items ? <TableSkeleton label="Loading provisioning logs" /> : null}
      {items && items.length === 0 ? (
        filtered ? (
          <EmptyState icon="logs" title="No event matches these filters">
            <p>Widen the time range or clear a filter.</p>
          </EmptyState>
        ) : (
          <EmptyState icon="logs" title="No provisioning logs stored yet">
            <p>
              {logsUnavailable
                ? "This tenant does not expose provisioning logs (Entra ID P1/P2 needed)."
                : "Entries appear after scimwatch reads Entra's provisioning logs; they follow each provisioning cycle, usually every 40 minutes."}
            </p>
          </EmptyState>
        )
      ) : null}
      {items && items.length > 0 ? <LogTable items={items} onEndReached={endReached} onOpen={setOpen} loadingMore={loading} hasMore={!!cursor} /> : null}
      {open ? <EventDrawer c={c} row={open} onClose={() => setOpen(null)} /> : null}
    </>
  );
}

function FilterSelect({
  id,
  label,
  value,
  onChange,
  options,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (e: { target: { value: string } }) => void;
  options: readonly (readonly [string, string])[];
}) {
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <select id={id} className="input select" value={value} onChange={onChange}>
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </div>
  );
}

function FilterInput({
  id,
  label,
  value,
  onChange,
  error,
  type = "text",
  mono = false,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (e: { target: { value: string } }) => void;
  error?: string;
  type?: string;
  mono?: boolean;
}) {
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <input
        id={id}
        className={mono ? "input mono" : "input"}
        type={type}
        value={value}
        onChange={onChange}
        spellCheck={false}
        autoComplete="off"
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-err` : undefined}
      />
      {error ? (
        <p id={`${id}-err`} className="field-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** The rows to render for a scroll position: the visible ones plus an overscan either side. */
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
    scroller.current?.querySelector<HTMLElement>(`[data-index="${focusIndex}"] .log-open`)?.focus();
  }, [focusIndex, start, end]);

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    const target = e.target as HTMLElement;
    const row = target.closest<HTMLElement>("[data-index]");
    if (!row) return;
    const i = Number(row.dataset.index);
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
      <div key={r.id} role="row" aria-rowindex={i + 2} data-index={i} className={`log-row log-row-${tone}`} style={{ top: i * ROW_HEIGHT, height: ROW_HEIGHT }}>
        <div role="cell" className="log-time">
          {formatLocalDateTime(new Date(r.activity_ms))}
        </div>
        <div role="cell">
          <span className={tone === "off" ? "badge badge-skipped" : `badge badge-tone-${tone}`}>{STATUS_LABELS[r.status] ?? r.status}</span>
        </div>
        <div role="cell" className="log-action">
          {r.action}
        </div>
        <div role="cell" className="log-who truncate">
          <button type="button" className="log-open" onClick={() => onOpen(r)} tabIndex={focusIndex === i || (focusIndex === null && i === start) ? 0 : -1}>
            {r.target_name ?? r.source_name ?? r.source_id ?? r.event_id}
          </button>
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

// ---------- detail drawer ----------

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | null => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : null);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : null);

function EventDrawer({ c, row, onClose }: { c: Connection; row: EventRow; onClose: () => void }) {
  const detail = useCommand(`event:${c.id}:${row.event_id}`, () => eventDetail(c.id, row.event_id, row.activity_ms));
  const d = obj(detail.data);
  const info = obj(d?.provisioningStatusInfo);
  const err = obj(info?.errorInformation);
  const steps = arr(d?.provisioningSteps).map(obj).filter((x): x is Json => !!x);
  const props = arr(d?.modifiedProperties).map(obj).filter((x): x is Json => !!x);
  const title = `${row.action.charAt(0).toUpperCase()}${row.action.slice(1)} · ${row.target_name ?? row.source_name ?? row.event_id}`;
  return (
    <Dialog title={title} description={<LocalTime iso={new Date(row.activity_ms).toISOString()} />} onClose={onClose} size="drawer">
      {detail.error ? <ErrorAlert error={detail.error} /> : null}
      {detail.loading && !d ? (
        <div className="stack-sm" role="status" aria-label="Loading event details">
          <Skeleton width="60%" />
          <Skeleton width="80%" />
          <Skeleton width="70%" />
        </div>
      ) : null}
      {d ? (
        <div className="stack drawer-body">
          {err && (str(err.errorCode) || str(err.reason)) ? (
            <Alert title={str(err.errorCode) ?? "Error"}>
              {str(err.reason) ? (
                <p>
                  <RichText text={str(err.reason)!} />
                </p>
              ) : null}
              {str(err.additionalDetails) ? <p className="muted">{str(err.additionalDetails)}</p> : null}
              {str(err.recommendedAction) ? (
                <p>
                  <strong>Recommended action:</strong> {str(err.recommendedAction)}
                </p>
              ) : null}
              {str(err.errorCategory) ? <p className="small muted">Category: {str(err.errorCategory)}</p> : null}
            </Alert>
          ) : null}
          <section aria-labelledby="drawer-ids">
            <h3 id="drawer-ids" className="section-kicker">
              Identities
            </h3>
            <div className="identity-pair">
              <Identity label={str(obj(d.sourceSystem)?.displayName) ?? "Source"} v={obj(d.sourceIdentity)} />
              <Icon name="arrowRight" size={16} className="identity-arrow" />
              <Identity label={str(obj(d.targetSystem)?.displayName) ?? "Target"} v={obj(d.targetIdentity)} />
            </div>
            <dl className="facts facts-compact">
              <dt>Status</dt>
              <dd>{str(info?.status) ?? row.status}</dd>
              <dt>Action</dt>
              <dd>{str(d.provisioningAction) ?? row.action}</dd>
              {str(d.cycleId) ?? row.cycle_id ? (
                <>
                  <dt>Cycle</dt>
                  <dd className="mono selectable">{str(d.cycleId) ?? row.cycle_id}</dd>
                </>
              ) : null}
              {str(d.changeId) ?? row.change_id ? (
                <>
                  <dt>Change</dt>
                  <dd className="mono selectable">{str(d.changeId) ?? row.change_id}</dd>
                </>
              ) : null}
              {row.duration_ms != null ? (
                <>
                  <dt>Duration</dt>
                  <dd>{row.duration_ms.toLocaleString()} ms</dd>
                </>
              ) : null}
            </dl>
          </section>
          <section aria-labelledby="drawer-steps">
            <h3 id="drawer-steps" className="section-kicker">
              Steps
            </h3>
            {steps.length === 0 ? (
              <p className="muted small">Entra recorded no step for this event.</p>
            ) : (
              <ol className="step-timeline">
                {steps.map((s, i) => {
                  const st = (str(s.status) ?? "").toLowerCase();
                  const tone = st === "success" ? "ok" : st === "failure" ? "bad" : st === "skipped" ? "off" : "warn";
                  const details = obj(s.details);
                  return (
                    <li key={i} className={`timeline-step timeline-${tone}`}>
                      <span className="timeline-dot" aria-hidden="true" />
                      <div>
                        <p className="timeline-title">
                          {str(s.name) ?? `Step ${i + 1}`}
                          <span className="muted small"> · {str(s.provisioningStepType) ?? "step"} · {str(s.status) ?? "unknown"}</span>
                        </p>
                        {str(s.description) ? (
                          <p className="small">
                            <RichText text={str(s.description)!} />
                          </p>
                        ) : null}
                        {details && Object.keys(details).length > 0 ? (
                          <dl className="facts facts-compact small">
                            {Object.entries(details).map(([k, v]) => (
                              <Fragment key={k}>
                                <dt>{k}</dt>
                                <dd className="selectable mono">{typeof v === "string" ? v : JSON.stringify(v)}</dd>
                              </Fragment>
                            ))}
                          </dl>
                        ) : null}
                      </div>
                    </li>
                  );
                })}
              </ol>
            )}
          </section>
          <section aria-labelledby="drawer-props">
            <h3 id="drawer-props" className="section-kicker">
              Modified properties
            </h3>
            {props.length === 0 ? (
              <p className="muted small">No property changed.</p>
            ) : (
              <div className="table-scroll">
                <table className="table">
                  <caption className="visually-hidden">Modified properties, old and new values</caption>
                  <thead>
                    <tr>
                      <th scope="col">Property</th>
                      <th scope="col">Old value</th>
                      <th scope="col">New value</th>
                    </tr>
                  </thead>
                  <tbody>
                    {props.map((p, i) => (
                      <tr key={i}>
                        <th scope="row" className="mono">
                          {str(p.displayName) ?? "—"}
                        </th>
                        <td className="mono selectable diff-old">{str(p.oldValue) ?? <span className="muted">empty</span>}</td>
                        <td className="mono selectable diff-new">{str(p.newValue) ?? <span className="muted">empty</span>}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
          <details className="disclosure disclosure-sm">
            <summary className="disclosure-summary">Raw JSON from Microsoft Graph</summary>
            <pre className="code-block code-block-sm selectable">{JSON.stringify(d, null, 2)}</pre>
          </details>
        </div>
      ) : null}
    </Dialog>
  );
}

function Identity({ label, v }: { label: string; v: Json | null }) {
  return (
    <div className="identity">
      <p className="identity-system">{label}</p>
      <p className="identity-name">{str(v?.displayName) ?? <span className="muted">Not recorded</span>}</p>
      {str(v?.id) ? <p className="mono small muted selectable">{str(v?.id)}</p> : null}
      {str(v?.identityType) ? <p className="small muted">{str(v?.identityType)}</p> : null}
    </div>
  );
}
