// The compact history: start, end and duration of every incident, newest
// first, a page at a time ("Show older").
import { useState } from "react";
import type { CommandError } from "../../bindings/CommandError";
import type { HistoryEntry } from "../../bindings/HistoryEntry";
import type { HistoryPage } from "../../bindings/HistoryPage";
import { DataTable } from "../../components/DataTable";
import { EmptyState, ErrorAlert, Skeleton } from "../../components/Feedback";
import { SeverityBadge } from "../../components/Severity";
import { incidentHistory, toCommandError } from "../../lib/ipc";
import { LocalTime } from "../../components/Time";
import { useCommand } from "../../lib/useCommand";
import { formatDuration } from "./format";

export const HISTORY_PAGE = 25;

export function IncidentHistory({ connection }: { connection: string }) {
  const first = useCommand<HistoryPage>(`history:${connection}`, () => incidentHistory(connection || null, null, HISTORY_PAGE));
  const [older, setOlder] = useState<{ key: string; items: HistoryEntry[]; cursor: string | null } | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<CommandError | null>(null);

  const page = first.data;
  const mine = older && older.key === connection ? older : null;
  const items = page ? [...page.items, ...(mine?.items ?? [])] : [];
  const cursor = mine ? mine.cursor : (page?.next_cursor ?? null);

  async function showOlder() {
    if (!cursor) return;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const next = await incidentHistory(connection || null, cursor, HISTORY_PAGE);
      setOlder({ key: connection, items: [...(mine?.items ?? []), ...next.items], cursor: next.next_cursor });
    } catch (e) {
      setMoreError(toCommandError(e));
    } finally {
      setLoadingMore(false);
    }
  }

  if (first.error) return <ErrorAlert error={first.error} />;
  if (!page) {
    return (
      <div className="card stack-sm" role="status" aria-label="Loading history">
        <Skeleton width="60%" />
        <Skeleton width="80%" />
      </div>
    );
  }
  if (items.length === 0) {
    return (
      <EmptyState icon="incidents" title="No incident recorded">
        <p>scimwatch has not detected a problem {connection ? "on this connection" : "yet"}.</p>
      </EmptyState>
    );
  }
  return (
    <div className="stack-sm">
      <div className="card table-card incident-history">
        <DataTable caption="Incident history, newest first" columns={["Incident", "Started", "Ended", "Duration", "Resolution"]}>
          {items.map((e) => (
            <tr key={e.id}>
              <th scope="row">
                <span className="history-title">
                  <SeverityBadge severity={e.severity} /> {e.title}
                </span>
                <span className="muted small">{e.connection_name}</span>
              </th>
              <td>
                <LocalTime iso={e.opened_at} hint="" />
              </td>
              <td>{e.resolved_at ? <LocalTime iso={e.resolved_at} hint="" /> : <span className="badge badge-tone-warn">Ongoing</span>}</td>
              <td className="numeric">{formatDuration(e.duration_ms)}</td>
              <td>
                {e.resolved_by_hand ? (
                  <>
                    By {e.resolved_by}
                    {e.note ? <span className="history-note muted small">“{e.note}”</span> : null}
                  </>
                ) : e.resolved_at ? (
                  <span className="muted">Recovered</span>
                ) : e.reopened_from != null ? (
                  <span className="muted">Re-opened</span>
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      </div>
      {moreError ? <ErrorAlert error={moreError} /> : null}
      {cursor ? (
        <button type="button" className="button button-sm" onClick={() => void showOlder()} disabled={loadingMore}>
          {loadingMore ? "Loading…" : "Show older"}
        </button>
      ) : null}
    </div>
  );
}
