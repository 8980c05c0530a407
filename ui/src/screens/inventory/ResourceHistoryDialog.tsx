// A user's or group's versions: every state stored across the complete
// snapshots, newest first, each with what changed from the one before
// (old → new values) and the attributes as stored.
import type { ResourceHistory } from "../../bindings/ResourceHistory";
import type { ResourceType } from "../../bindings/ResourceType";
import type { ResourceVersion } from "../../bindings/ResourceVersion";
import type { VersionKind } from "../../bindings/VersionKind";
import { Dialog } from "../../components/Dialog";
import { Alert, ErrorAlert } from "../../components/Feedback";
import { LocalTime } from "../../components/Time";
import { resourceHistory } from "../../lib/ipc";
import { useCommand } from "../../lib/useCommand";
import { TableSkeleton } from "../../components/Skeletons";
import { n } from "./common";
import { AttributeChanges } from "./DiffView";

const KINDS: Record<VersionKind, { text: string; className: string }> = {
  first_seen: { text: "First seen", className: "badge badge-off" },
  added: { text: "Added", className: "badge badge-tone-ok" },
  changed: { text: "Changed", className: "badge badge-entra" },
  removed: { text: "Removed", className: "badge badge-tone-bad" },
};

export function ResourceHistoryDialog({
  connectionId,
  kind,
  resource,
  onClose,
}: {
  connectionId: string;
  kind: ResourceType;
  resource: string;
  onClose: () => void;
}) {
  const history = useCommand(`history:${connectionId}:${kind}:${resource}`, () => resourceHistory(connectionId, kind, resource));
  const h = history.data;
  const name = h?.label ?? resource;
  return (
    <Dialog
      title={`Versions of ${name}`}
      description={
        <span>
          {kind === "User" ? "User" : "Group"} <span className="mono">{resource}</span>
          {h ? ` · ${n(h.versions.length)} version${h.versions.length === 1 ? "" : "s"} across ${n(h.snapshots)} complete snapshot${h.snapshots === 1 ? "" : "s"}` : null}
        </span>
      }
      onClose={onClose}
      size="drawer"
    >
      {history.error ? <ErrorAlert error={history.error} /> : null}
      {!h && !history.error ? <TableSkeleton label="Loading versions" /> : null}
      {h ? <HistoryBody h={h} /> : null}
    </Dialog>
  );
}

function HistoryBody({ h }: { h: ResourceHistory }) {
  if (h.versions.length === 0)
    return (
      <Alert tone="info" title="Not in any complete snapshot">
        <p>No complete snapshot of this connection holds this {h.resource_type === "User" ? "user" : "group"}. Incomplete snapshots are not part of a history.</p>
      </Alert>
    );
  const newestFirst = [...h.versions].reverse();
  return (
    <ol className="version-list" aria-label="Versions, newest first">
      {newestFirst.map((v) => (
        <VersionItem key={`${v.snapshot_id}-${v.kind}`} v={v} />
      ))}
    </ol>
  );
}

function VersionItem({ v }: { v: ResourceVersion }) {
  const k = KINDS[v.kind];
  return (
    <li className="version card">
      <div className="version-head">
        <span className={k.className}>{k.text}</span>
        <span>
          Snapshot #{v.snapshot_id}
          {v.last_snapshot_id !== v.snapshot_id ? ` (unchanged until #${v.last_snapshot_id})` : null}
        </span>
        <span className="muted small">
          <LocalTime iso={v.at} />
        </span>
      </div>
      {v.kind === "changed" || (v.kind === "added" && v.changes.length) ? (
        v.changes.length ? (
          <AttributeChanges changes={v.changes} label={`Changed in snapshot #${v.snapshot_id}`} />
        ) : (
          <p className="muted small">Only attributes scimwatch ignores changed (meta.lastModified, meta.version).</p>
        )
      ) : null}
      {v.kind === "removed" ? <p className="muted small">The SaaS no longer returned it.</p> : null}
      {v.body ? (
        <details className="version-body">
          <summary>Attributes as stored</summary>
          <pre className="mono small code-block">{v.body}</pre>
        </details>
      ) : null}
    </li>
  );
}
