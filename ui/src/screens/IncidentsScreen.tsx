// Incidents across connections: what broke, when, how bad, what to do;
// acknowledge, resolve with a note, snooze; and the history of every
// incident with its start, end and duration. The card and the history live
// in ./incidents/.
import { useEffect, useId, useRef, useState } from "react";
import { ConnectionOptions } from "../components/ConnectionPicker";
import { EmptyState, Skeleton, RetryAlert } from "../components/Feedback";
import { Page } from "../components/Page";
import { useConnections } from "../lib/connections";
import { listIncidents, onIncidentsChanged } from "../lib/ipc";
import { href, navigate, useRoute } from "../lib/router";
import { useCommand } from "../lib/useCommand";
import { IncidentCard } from "./incidents/IncidentCard";
import { IncidentHistory } from "./incidents/History";

export { snoozeChoices } from "./incidents/IncidentCard";

type Scope = "active" | "all" | "history";

export function IncidentsScreen({ rest = [] }: { rest?: string[] }) {
  const { state } = useConnections();
  const [scope, setScope] = useState<Scope>("active");
  const activeOnly = scope === "active";
  // The connection filter lives in the route (`#/incidents/<id>`), so a notification can open it.
  const connection = rest[0] ?? "";
  const setConnection = (id: string) => (id ? navigate("incidents", id) : navigate("incidents"));
  const incidents = useCommand(scope === "history" ? null : `incidents:${connection}:${activeOnly}`, () => listIncidents(connection || null, activeOnly));
  const list = scope === "history" ? null : incidents.data;
  // A diagnosis opened, changed or resolved incidents: show them.
  const reload = incidents.reload;
  useEffect(() => {
    let stop = () => {};
    let live = true;
    void onIncidentsChanged(() => void reload()).then((u) => (live ? (stop = u) : u()));
    return () => {
      live = false;
      stop();
    };
  }, [reload]);
  // `?incident=<id>` (the tray's incident item): scroll to that card and focus it, once.
  const focusId = useRoute().query.get("incident");
  const focused = useRef<string | null>(null);
  useEffect(() => {
    if (!focusId || !list || focused.current === focusId) return;
    const el = document.getElementById(`incident-${focusId}`);
    if (!el) return;
    focused.current = focusId;
    el.scrollIntoView?.({ block: "nearest" });
    el.focus();
  }, [focusId, list]);
  const connections = state.connections ?? [];
  const selectId = useId();
  const filtered = connection !== "" || !activeOnly;

  return (
    <Page title="Incidents" subtitle="Problems scimwatch detected on your connections, and what to do about them.">
      <div className="filter-bar" role="group" aria-label="Filter incidents">
        <div className="segmented-inline" role="radiogroup" aria-label="Which incidents">
          {(
            [
              { v: "active", label: "Active" },
              { v: "all", label: "All" },
              { v: "history", label: "History" },
            ] as const
          ).map((o) => (
            <label key={o.label} className={scope === o.v ? "seg seg-on" : "seg"}>
              <input type="radio" name="incident-scope" checked={scope === o.v} onChange={() => setScope(o.v)} />
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
              <ConnectionOptions connections={connections} />
            </select>
          </div>
        ) : null}
        {list && list.length > 0 ? (
          <span className="muted small filter-count" aria-live="polite">
            {list.length} {activeOnly ? "active " : ""}incident{list.length === 1 ? "" : "s"}
          </span>
        ) : null}
      </div>

      {scope === "history" ? <IncidentHistory connection={connection} /> : null}
      {scope !== "history" && incidents.error ? (
        <RetryAlert error={incidents.error} onRetry={incidents.reload} busy={incidents.loading} />
      ) : null}
      {scope !== "history" && incidents.loading && !list ? (
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
            <li
              key={String(v.id)}
              id={`incident-${String(v.id)}`}
              tabIndex={-1}
              className={focusId === String(v.id) ? "incident-focused" : undefined}
              aria-current={focusId === String(v.id) ? "true" : undefined}
            >
              <IncidentCard v={v} onChange={(next) => incidents.set(list.map((x) => (String(x.id) === String(next.id) ? next : x)))} />
            </li>
          ))}
        </ul>
      ) : null}
    </Page>
  );
}
