// The snapshots taken of a connection, newest first; each complete (or
// incomplete) one can be browsed.
import type { SnapshotSummary } from "../../bindings/SnapshotSummary";
import { DataTable } from "../../components/DataTable";
import { EmptyState, RetryAlert } from "../../components/Feedback";
import { RichText } from "../../components/RichText";
import { LocalTime } from "../../components/Time";
import type { CommandState } from "../../lib/useCommand";
import { TableSkeleton } from "../../components/Skeletons";
import { n, StateBadge } from "./common";

export function SnapshotsTab({ state, connectionId }: { state: CommandState<SnapshotSummary[]>; connectionId: string }) {
  const list = state.data;
  if (state.error)
    return (
      <RetryAlert error={state.error} onRetry={state.reload} />
    );
  if (!list) return <TableSkeleton label="Loading snapshots" />;
  if (list.length === 0)
    return (
      <EmptyState icon="inventory" title="No snapshot yet">
        <p>
          <strong>Crawl now</strong> reads every User and Group the SaaS returns and stores them here as the first
          snapshot. Later snapshots store only what changed, so they are quick to compare.
        </p>
      </EmptyState>
    );
  return (
    <div className="card table-card">
      <div className="table-scroll">
        <DataTable
          caption="Snapshots, newest first"
          columns={["Snapshot", "Started", "Completed", "State", { label: "Users", num: true }, { label: "Groups", num: true }, { label: "Changes", num: true }]}
        >
          {list.map((s) => (
            <tr key={s.id}>
              <th scope="row">
                #{s.id}
                <span className="muted small cell-sub">{s.full ? "Full" : `Delta on #${s.base_id ?? "?"}`}</span>
                {s.state === "complete" || s.state === "incomplete" ? (
                  <a
                    className="cell-sub small"
                    href={`#/inventory/${encodeURIComponent(connectionId)}/browse/${s.id}`}
                    aria-label={`Browse snapshot #${s.id}`}
                  >
                    Browse
                  </a>
                ) : null}
              </th>
              <td>
                <LocalTime iso={s.started_at} stacked />
              </td>
              <td>{s.completed_at ? <LocalTime iso={s.completed_at} stacked /> : <span className="muted">—</span>}</td>
              <td>
                <StateBadge state={s.state} />
                {s.error ? (
                  <span className="cell-sub cell-error small error-text">
                    <RichText text={s.error} capitalize />
                  </span>
                ) : null}
              </td>
              <td className="num">{s.user_count == null ? "—" : n(s.user_count)}</td>
              <td className="num">{s.group_count == null ? "—" : n(s.group_count)}</td>
              <td className="num">{n(s.changes)}</td>
            </tr>
          ))}
        </DataTable>
      </div>
    </div>
  );
}
