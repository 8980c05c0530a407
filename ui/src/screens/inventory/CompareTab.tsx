// Compare two complete snapshots: who was added, removed or changed, with
// old → new values; each changed resource opens its versions.
import { useState } from "react";
import type { CommandError } from "../../bindings/CommandError";
import type { Connection } from "../../bindings/Connection";
import type { ResourceType } from "../../bindings/ResourceType";
import type { SnapshotDiff } from "../../bindings/SnapshotDiff";
import type { SnapshotSummary } from "../../bindings/SnapshotSummary";
import { EmptyState, ErrorAlert } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { diffSnapshots, toCommandError } from "../../lib/ipc";
import { TableSkeleton } from "../../components/Skeletons";
import { SnapshotSelect } from "./common";
import { DiffView } from "./DiffView";
import { ResourceHistoryDialog } from "./ResourceHistoryDialog";

export function CompareTab({ c, snapshots, loading }: { c: Connection; snapshots: SnapshotSummary[] | null; loading: boolean }) {
  const complete = (snapshots ?? []).filter((s) => s.state === "complete");
  const [olderPick, setOlder] = useState<number | null>(null);
  const [newerPick, setNewer] = useState<number | null>(null);
  // Until the admin picks, the two newest complete snapshots (known in the
  // same render the list arrives in, so Compare is never briefly disabled).
  const older = olderPick ?? complete[1]?.id ?? null;
  const newer = newerPick ?? complete[0]?.id ?? null;
  const [diff, setDiff] = useState<{ a: number; b: number; diff: SnapshotDiff } | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  const [busy, setBusy] = useState(false);
  const [history, setHistory] = useState<{ kind: ResourceType; id: string } | null>(null);

  if (!snapshots) return loading ? <TableSkeleton label="Loading snapshots" /> : null;
  if (complete.length < 2)
    return (
      <EmptyState icon="inventory" title="Two complete snapshots are needed">
        <p>
          Compare shows who was added, removed or changed in the SaaS between two snapshots.{" "}
          {complete.length === 0 ? "There is no complete snapshot yet" : "There is only one complete snapshot so far"}:
          press <strong>Crawl now</strong> to take {complete.length === 0 ? "them" : "another"}.
        </p>
      </EmptyState>
    );

  async function compare() {
    if (older == null || newer == null) return;
    const a = Math.min(older, newer);
    const b = Math.max(older, newer);
    setBusy(true);
    setError(null);
    try {
      setDiff({ a, b, diff: await diffSnapshots(c.id, a, b) });
    } catch (e) {
      setError(toCommandError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="stack">
      <form
        className="card compare-form"
        onSubmit={(e) => {
          e.preventDefault();
          void compare();
        }}
      >
        <SnapshotSelect label="Older snapshot" snapshots={complete} value={older ?? ""} onChange={(id) => setOlder(Number(id))} />
        <Icon name="arrowRight" className="compare-arrow" />
        <SnapshotSelect label="Newer snapshot" snapshots={complete} value={newer ?? ""} onChange={(id) => setNewer(Number(id))} />
        <button type="submit" className="button button-primary" disabled={busy || older === newer} aria-busy={busy || undefined}>
          {busy ? <span className="spinner spinner-sm" aria-hidden="true" /> : null}
          Compare
        </button>
      </form>
      {older === newer ? <p className="muted small">Pick two different snapshots.</p> : null}
      {error ? <ErrorAlert error={error} /> : null}
      {busy && !diff ? <TableSkeleton label="Comparing snapshots" /> : null}
      {diff ? <DiffView a={diff.a} b={diff.b} diff={diff.diff} onVersions={(kind, id) => setHistory({ kind, id })} /> : null}
      {history ? <ResourceHistoryDialog connectionId={c.id} kind={history.kind} resource={history.id} onClose={() => setHistory(null)} /> : null}
    </div>
  );
}
