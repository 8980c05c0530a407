// Incidents across connections: what broke, when, how bad, what to do, and
// a snooze for the reminders.
import { useId, useState } from "react";
import type { CommandError } from "../bindings/CommandError";
import type { IncidentStatus } from "../bindings/IncidentStatus";
import type { IncidentView } from "../bindings/IncidentView";
import { EmptyState, ErrorAlert, Skeleton } from "../components/Feedback";
import { Icon } from "../components/Icon";
import { Menu, type MenuItem } from "../components/Menu";
import { Page } from "../components/Page";
import { RichText } from "../components/RichText";
import { SeverityBadge } from "../components/Severity";
import { LocalTime, useNow } from "../components/Time";
import { useToasts } from "../components/Toasts";
import { useConnections } from "../lib/connections";
import { listIncidents, snoozeIncident, toCommandError } from "../lib/ipc";
import { href, navigate } from "../lib/router";
import { formatLocalDateTime, formatRelative } from "../lib/time";
import { useCommand } from "../lib/useCommand";

const STATE_LABELS: Record<IncidentStatus, string> = { open: "Open", escalated: "Escalated", resolved: "Resolved" };
const STATE_CLASSES: Record<IncidentStatus, string> = {
  open: "badge badge-tone-warn",
  escalated: "badge badge-tone-bad",
  resolved: "badge badge-tone-ok",
};

const HOUR = 3_600_000;

/** The snooze choices, computed from `now` (local time for "tomorrow 09:00"). */
export function snoozeChoices(now: Date): { label: string; until: string }[] {
  const tomorrow9 = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 9, 0, 0, 0);
  return [
    { label: "For 1 hour", until: new Date(now.getTime() + HOUR).toISOString() },
    { label: "For 4 hours", until: new Date(now.getTime() + 4 * HOUR).toISOString() },
    { label: "For 1 day", until: new Date(now.getTime() + 24 * HOUR).toISOString() },
    { label: "Until tomorrow 09:00", until: tomorrow9.toISOString() },
  ];
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export function IncidentsScreen({ rest = [] }: { rest?: string[] }) {
  const { state } = useConnections();
  const [activeOnly, setActiveOnly] = useState(true);
  // The connection filter lives in the route (`#/incidents/<id>`), so a notification can open it.
  const connection = rest[0] ?? "";
  const setConnection = (id: string) => (id ? navigate("incidents", id) : navigate("incidents"));
  const incidents = useCommand(`incidents:${connection}:${activeOnly}`, () => listIncidents(connection || null, activeOnly));
  const list = incidents.data;
  const connections = state.connections ?? [];
  const selectId = useId();
  const filtered = connection !== "" || !activeOnly;

  return (
    <Page title="Incidents" subtitle="Problems scimwatch detected on your connections, and what to do about them.">
      <div className="filter-bar" role="group" aria-label="Filter incidents">
        <div className="segmented-inline" role="radiogroup" aria-label="Which incidents">
          {[
            { v: true, label: "Active" },
            { v: false, label: "All" },
          ].map((o) => (
            <label key={o.label} className={activeOnly === o.v ? "seg seg-on" : "seg"}>
              <input type="radio" name="incident-scope" checked={activeOnly === o.v} onChange={() => setActiveOnly(o.v)} />
              {o.label}
            </label>
          ))}
        </div>
        {connections.length > 1 || connection !== "" ? (
          <div className="picker">
            <label htmlFor={selectId} className="picker-label">
              Connection
            </label>
            <select id={selectId} className="input select picker-select" value={connection} onChange={(e) => setConnection(e.target.value)}>
              <option value="">All connections</option>
              {connections.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        {list && list.length > 0 ? (
          <span className="muted small filter-count" aria-live="polite">
            {list.length} {activeOnly ? "active " : ""}incident{list.length === 1 ? "" : "s"}
          </span>
        ) : null}
      </div>

      {incidents.error ? (
        <ErrorAlert
          error={incidents.error}
          action={
            <button type="button" className="button button-sm" onClick={() => void incidents.reload()} disabled={incidents.loading}>
              Try again
            </button>
          }
        />
      ) : null}
      {incidents.loading && !list ? (
        <div className="card-list" role="status" aria-label="Loading incidents">
          {[0, 1].map((i) => (
            <div key={i} className="card stack-sm">
              <Skeleton width="20%" />
              <Skeleton width="55%" height={18} />
              <Skeleton width="80%" />
            </div>
          ))}
        </div>
      ) : null}
      {list && list.length === 0 ? (
        filtered ? (
          <EmptyState icon="incidents" title={activeOnly ? "No active incident here" : "No incident recorded for this connection"}>
            <p>{activeOnly ? "Nothing is wrong that scimwatch knows of. Switch to All to see resolved incidents." : "scimwatch has not detected a problem on this connection."}</p>
          </EmptyState>
        ) : (
          <EmptyState icon="incidents" title="No active incidents">
            <p>
              Incidents open automatically when scimwatch detects a problem: a stalled or quarantined provisioning job, a
              rejected or expiring token, an unreachable SCIM endpoint, drift between Entra and the SaaS. Each one
              sends a desktop notification and closes itself once the problem is gone.
            </p>
            <p>
              Make sure notifications reach you: <a href={href("settings")}>Settings → Send a test notification</a>.
            </p>
          </EmptyState>
        )
      ) : null}
      {list && list.length > 0 ? (
        <ul className="card-list" aria-label="Incidents" aria-busy={incidents.loading || undefined}>
          {list.map((v) => (
            <li key={String(v.id)}>
              <IncidentCard v={v} onChange={(next) => incidents.set(list.map((x) => (String(x.id) === String(next.id) ? next : x)))} />
            </li>
          ))}
        </ul>
      ) : null}
    </Page>
  );
}

function IncidentCard({ v, onChange }: { v: IncidentView; onChange: (v: IncidentView) => void }) {
  const i = v.incident;
  const now = useNow();
  const { push } = useToasts();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<CommandError | null>(null);
  const titleId = useId();
  const snoozed = i.snoozed_until && new Date(i.snoozed_until).getTime() > now.getTime() ? i.snoozed_until : null;

  async function snooze(until: string | null) {
    setBusy(true);
    setError(null);
    try {
      const next = await snoozeIncident(v.id, until);
      onChange(next);
      push({
        tone: "success",
        title: until ? `Reminders snoozed until ${formatLocalDateTime(until)}` : "Reminders are back on",
        lines: [i.title],
      });
    } catch (e) {
      setError(toCommandError(e));
    } finally {
      setBusy(false);
    }
  }

  const items: MenuItem[] = snoozeChoices(now).map((c) => ({ label: c.label, onSelect: () => void snooze(c.until) }));
  if (i.snoozed_until) items.push({ label: "Un-snooze", onSelect: () => void snooze(null) });

  return (
    <article className={`card incident-card incident-${i.state} incident-sev-${i.severity}`} aria-labelledby={titleId}>
      <header className="incident-header">
        <div className="incident-badges">
          <SeverityBadge severity={i.severity} />
          <span className={STATE_CLASSES[i.state]}>{STATE_LABELS[i.state]}</span>
          {snoozed ? (
            <span className="badge badge-off" title={new Date(snoozed).toString()}>
              <Icon name="clock" size={12} />
              Snoozed {formatRelative(snoozed, now).replace(/^in /, "for ")}
            </span>
          ) : null}
        </div>
        {i.state !== "resolved" ? (
          <Menu
            label={
              <>
                <Icon name="clock" size={14} /> Snooze
              </>
            }
            accessibleLabel={`Snooze reminders for “${i.title}”`}
            items={items}
            disabled={busy}
          />
        ) : null}
      </header>
      <h2 id={titleId} className="incident-title">
        <RichText text={i.title} capitalize />
      </h2>
      <p className="incident-meta">
        <a href={href("connections", v.connection_id, "edit")}>{v.connection_name}</a>
        <span aria-hidden="true"> · </span>
        <span>
          Opened <LocalTime iso={i.opened_at} now={now} />
        </span>
        <span aria-hidden="true"> · </span>
        <span>
          Updated <LocalTime iso={i.updated_at} now={now} />
        </span>
        {i.resolved_at ? (
          <>
            <span aria-hidden="true"> · </span>
            <span>
              Resolved <LocalTime iso={i.resolved_at} now={now} />
            </span>
          </>
        ) : null}
      </p>
      {i.action ? (
        <div className="callout callout-action">
          <Icon name="arrowRight" size={16} />
          <div className="callout-content">
            <p className="callout-title">{i.state === "resolved" ? "What was recommended" : "What to do"}</p>
            <p>
              <RichText text={i.action} capitalize />
            </p>
          </div>
        </div>
      ) : null}
      {i.evidence.length > 0 ? (
        <dl className="facts evidence">
          {i.evidence.map((e, k) => (
            <div key={k} className="evidence-row">
              <dt>{e.label}</dt>
              <dd className={RFC3339.test(e.value) ? undefined : "selectable"}>
                {RFC3339.test(e.value) ? <LocalTime iso={e.value} now={now} /> : <RichText text={e.value} />}
              </dd>
            </div>
          ))}
        </dl>
      ) : null}
      {error ? <ErrorAlert error={error} /> : null}
    </article>
  );
}
