// A group's members in one snapshot, a page at a time: each resolved to the
// user (or group) the same snapshot holds, or marked "not in this snapshot".
import { useState } from "react";
import type { ResourceRef } from "../../bindings/ResourceRef";
import type { ResourceType } from "../../bindings/ResourceType";
import { Dialog } from "../../components/Dialog";
import { ErrorAlert } from "../../components/Feedback";
import { groupMembers } from "../../lib/ipc";
import { useCommand } from "../../lib/useCommand";
import { TableSkeleton } from "../../components/Skeletons";
import { n } from "./common";

export const MEMBERS_PAGE = 100;

export function GroupMembersDialog({
  connectionId,
  snapshot,
  group,
  onClose,
  onVersions,
}: {
  connectionId: string;
  snapshot: number;
  group: ResourceRef;
  onClose: () => void;
  onVersions: (kind: ResourceType, r: ResourceRef) => void;
}) {
  const [offset, setOffset] = useState(0);
  const page = useCommand(`members:${connectionId}:${snapshot}:${group.id}:${offset}`, () => groupMembers(connectionId, snapshot, group.id, offset, MEMBERS_PAGE));
  const m = page.data;
  const last = m ? m.offset + m.members.length : 0;
  return (
    <Dialog
      title={`Members of ${group.label ?? group.id}`}
      description={
        <span>
          In snapshot #{snapshot}
          {m ? ` · ${n(m.total)} member${m.total === 1 ? "" : "s"}` : null}
        </span>
      }
      onClose={onClose}
      size="drawer"
    >
      {page.error ? <ErrorAlert error={page.error} /> : null}
      {!m && !page.error ? <TableSkeleton label="Loading members" /> : null}
      {m && m.total === 0 ? <p className="muted">This group has no members in snapshot #{snapshot}.</p> : null}
      {m && m.total > 0 ? (
        <>
          <ul className="item-list" aria-label={`Members of ${group.label ?? group.id}`}>
            {m.members.map((x, i) => (
              <li key={`${x.id}-${i}`} className="item item-wrap">
                {x.resolved ? (
                  <>
                    <span className="item-label">{x.resolved.label ?? <span className="muted">(no name)</span>}</span>
                    {x.resolved_type === "Group" ? <span className="badge badge-off">group</span> : null}
                    {x.resolved.display_name ? <span className="muted small">{x.resolved.display_name}</span> : null}
                  </>
                ) : (
                  <>
                    <span className="item-label">{x.display ?? <span className="mono">{x.id}</span>}</span>
                    <span className="badge badge-tone-warn">not in this snapshot</span>
                  </>
                )}
                <span className="mono muted small item-id">{x.id}</span>
                {x.resolved ? (
                  <button
                    type="button"
                    className="button button-sm item-action"
                    aria-label={`Versions of ${x.resolved.label ?? x.id}`}
                    onClick={() => onVersions(x.resolved_type ?? "User", x.resolved!)}
                  >
                    Versions
                  </button>
                ) : null}
              </li>
            ))}
          </ul>
          {m.total > MEMBERS_PAGE ? (
            <div className="pager">
              <span className="muted small" role="status">{`${n(m.offset + 1)}–${n(last)} of ${n(m.total)}`}</span>
              <button type="button" className="button button-sm" disabled={m.offset === 0 || page.loading} onClick={() => setOffset(Math.max(0, m.offset - MEMBERS_PAGE))}>
                Previous
              </button>
              <button type="button" className="button button-sm" disabled={last >= m.total || page.loading} onClick={() => setOffset(m.offset + MEMBERS_PAGE)}>
                Next
              </button>
            </div>
          ) : null}
        </>
      ) : null}
    </Dialog>
  );
}
