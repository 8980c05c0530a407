// Entra's provisioning logs as scimwatch stored them: a filterable, windowed
// table (keyset pages fetched as you scroll), a detail drawer and exports.
import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from "react";
import type { CommandError } from "../bindings/CommandError";
import type { Connection } from "../bindings/Connection";
import type { EventFilter } from "../bindings/EventFilter";
import type { EventRow } from "../bindings/EventRow";
import type { ExportFormat } from "../bindings/ExportFormat";
import { ConnectionScreen } from "../components/ConnectionScreen";
import { Alert, EmptyState, RetryAlert } from "../components/Feedback";
import { Field } from "../components/Field";
import { TableSkeleton } from "../components/Skeletons";
import { useFileExport } from "../components/useFileExport";
import { exportLogs, jobStatus, queryLogs, toCommandError } from "../lib/ipc";
import { go, hrefWithQuery, type Query } from "../lib/router";
import { useCommand } from "../lib/useCommand";
import { EventDrawer } from "./logs/EventDrawer";
import { LogTable } from "./logs/LogTable";

export { LogTable, OVERSCAN, ROW_HEIGHT, visibleRange } from "./logs/LogTable";

const PAGE_SIZE = 200;

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
  return (
    <ConnectionScreen
      screen="logs"
      side="entra"
      rest={rest}
      title="Provisioning logs"
      subtitle="Entra's record of every create, update, disable and skip."
      skeleton={<TableSkeleton label="Loading connections" />}
      empty={{
        icon: "logs",
        title: "No Entra side to read logs from",
        body: (
          <p>
            Provisioning logs are read from Microsoft Graph for the enterprise app that provisions users. Add the Entra
            side (tenant and enterprise app) to a connection to see them here.
          </p>
        ),
      }}
    >
      {(c) => <LogsView c={c} query={query} />}
    </ConnectionScreen>
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
  const generation = useRef(0);
  const { exporting, exported, setExported, runExport, showInFolder } = useFileExport((format: ExportFormat) => {
    const ext = format === "csv" ? "csv" : "jsonl";
    return {
      dialog: {
        title: `Export provisioning logs as ${format.toUpperCase()}`,
        defaultPath: exportFileName(c.name, ext),
        filters: [{ name: format === "csv" ? "CSV" : "JSON lines", extensions: [ext] }],
      },
      write: (path) => exportLogs(c.id, filter, format, path),
      done: (r) => `Exported ${r.rows.toLocaleString()} row${r.rows === 1 ? "" : "s"} as ${format.toUpperCase()}`,
    };
  });
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

      {exported ? (
        <Alert
          tone="success"
          title={`Exported ${exported.rows.toLocaleString()} row${exported.rows === 1 ? "" : "s"}`}
          action={
            <div className="button-row">
              <button type="button" className="button button-sm" onClick={() => void showInFolder(exported.path)}>
                Show in folder
              </button>
              <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => setExported(null)}>
                ×
              </button>
            </div>
          }
        >
          <p className="mono small truncate" title={exported.path}>
            {exported.path}
          </p>
        </Alert>
      ) : null}

      {error ? (
        <RetryAlert error={error} onRetry={() => load(filter, items && cursor ? cursor : null)} />
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
    <Field id={id} label={label}>
      <select id={id} className="input select" value={value} onChange={onChange}>
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </Field>
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
    <Field id={id} label={label}>
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
    </Field>
  );
}

/** The rows to render for a scroll position: the visible ones plus an overscan either side. */

/** The save dialog's suggested file name: `scimwatch-<connection>-logs-<YYYYMMDD-HHMMSS>.<ext>`. */
export function exportFileName(connection: string, ext: string, now = new Date()): string {
  const safe = connection.replace(/[^A-Za-z0-9-]/g, "_");
  const p = (n: number) => String(n).padStart(2, "0");
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return `scimwatch-${safe}-logs-${stamp}.${ext}`;
}
