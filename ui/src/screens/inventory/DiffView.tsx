// What changed between two snapshots: users and groups added and removed
// (with their key attributes), and for each changed one every attribute
// with its old → new value (entries of multi-valued attributes as added and
// removed items; secrets arrive redacted). Each resource opens its versions.
import { useState, type ReactNode } from "react";
import type { AttributeChange } from "../../bindings/AttributeChange";
import type { GroupChange } from "../../bindings/GroupChange";
import type { ResourceChange } from "../../bindings/ResourceChange";
import type { ResourceRef } from "../../bindings/ResourceRef";
import type { ResourceType } from "../../bindings/ResourceType";
import type { SnapshotDiff } from "../../bindings/SnapshotDiff";
import { Alert } from "../../components/Feedback";
import { n, PAGE, PagedSection } from "./common";

export type OpenVersions = (kind: ResourceType, id: string) => void;

function VersionsButton({ kind, id, label, onVersions }: { kind: ResourceType; id: string; label: string | null; onVersions?: OpenVersions }) {
  if (!onVersions) return null;
  return (
    <button type="button" className="button button-sm item-action" aria-label={`Versions of ${label ?? id}`} onClick={() => onVersions(kind, id)}>
      Versions
    </button>
  );
}

/** The key attributes of a user or group, as a line of small facts. */
export function KeyFacts({ r, kind }: { r: ResourceRef; kind: ResourceType }) {
  const facts: ReactNode[] = [];
  if (kind === "User" && r.display_name) facts.push(<span key="dn">{r.display_name}</span>);
  if (r.external_id)
    facts.push(
      <span key="ext">
        externalId <span className="mono">{r.external_id}</span>
      </span>,
    );
  if (kind === "User" && r.active != null)
    facts.push(
      <span key="active" className={r.active ? "badge badge-tone-ok" : "badge badge-off"}>
        {r.active ? "active" : "inactive"}
      </span>,
    );
  if (kind === "Group" && r.members != null) facts.push(<span key="m">{`${n(r.members)} member${r.members === 1 ? "" : "s"}`}</span>);
  return facts.length ? <span className="key-facts muted small">{facts}</span> : null;
}

function RefItem({ r, kind, onVersions }: { r: ResourceRef; kind: ResourceType; onVersions?: OpenVersions }) {
  return (
    <li className="item item-wrap">
      <span className="item-label">{r.label ?? <span className="muted">(no name)</span>}</span>
      <KeyFacts r={r} kind={kind} />
      <span className="mono muted small item-id">{r.id}</span>
      <VersionsButton kind={kind} id={r.id} label={r.label} onVersions={onVersions} />
    </li>
  );
}

/** A kind's resources added, removed and changed (`changed` renders one of the last). */
function KindSections<C extends ResourceChange | GroupChange>({
  kind,
  d,
  onVersions,
  changed,
}: {
  kind: ResourceType;
  d: { added: ResourceRef[]; removed: ResourceRef[]; changed: C[] };
  onVersions?: OpenVersions;
  changed: (c: C) => ReactNode;
}) {
  const what = kind === "User" ? "Users" : "Groups";
  const ref = (r: ResourceRef) => <RefItem key={r.id} r={r} kind={kind} onVersions={onVersions} />;
  return (
    <>
      <PagedSection title={`${what} added`} tone="add" items={d.added} render={ref} />
      <PagedSection title={`${what} removed`} tone="remove" items={d.removed} render={ref} />
      <PagedSection title={`${what} changed`} tone="change" items={d.changed} render={changed} />
    </>
  );
}

/** A changed user or group: its name, id and Versions, then each changed attribute (or `paths`, from a diff without the values). */
function ChangedItem({
  r,
  kind,
  className,
  onVersions,
  paths,
  children,
}: {
  r: ResourceChange | GroupChange;
  kind: ResourceType;
  className?: string;
  onVersions?: OpenVersions;
  paths: ReactNode;
  children?: ReactNode;
}) {
  return (
    <li className={["item item-wrap", className, "diff-resource"].filter(Boolean).join(" ")}>
      <span className="item-label">{r.label ?? <span className="muted">(no name)</span>}</span>
      <span className="mono muted small item-id">{r.id}</span>
      <VersionsButton kind={kind} id={r.id} label={r.label} onVersions={onVersions} />
      {r.changes?.length ? <AttributeChanges changes={r.changes} label={`Changes of ${r.label ?? r.id}`} /> : paths}
      {children}
    </li>
  );
}

function Value({ v, tone }: { v: string | null; tone: "old" | "new" }) {
  return v == null ? <span className={`attr-value attr-${tone} muted`}>(none)</span> : <span className={`attr-value attr-${tone} mono`}>{v}</span>;
}

/** Each changed attribute: `path  old → new`, or the entries added and removed. */
export function AttributeChanges({ changes, label }: { changes: AttributeChange[]; label: string }) {
  return (
    <dl className="attr-changes" aria-label={label}>
      {changes.map((c) => (
        <div key={c.path} className="attr-change">
          <dt>
            <code className="path">{c.path}</code>
            {c.redacted ? <span className="muted small"> (value hidden)</span> : null}
          </dt>
          <dd>
            {c.added.length || c.removed.length ? (
              <ul className="attr-items">
                {c.removed.map((v, i) => (
                  <li key={`r${i}`} className="attr-removed">
                    <span aria-hidden="true">− </span>
                    <span className="visually-hidden">removed </span>
                    <span className="attr-value mono">{v}</span>
                  </li>
                ))}
                {c.added.map((v, i) => (
                  <li key={`a${i}`} className="attr-added">
                    <span aria-hidden="true">+ </span>
                    <span className="visually-hidden">added </span>
                    <span className="attr-value mono">{v}</span>
                  </li>
                ))}
                {c.omitted ? <li className="muted small">{n(c.omitted)} more not shown</li> : null}
              </ul>
            ) : (
              <span className="attr-old-new">
                <Value v={c.old} tone="old" />
                <span className="attr-arrow" aria-label="changed to">
                  →
                </span>
                <Value v={c.new} tone="new" />
              </span>
            )}
          </dd>
        </div>
      ))}
    </dl>
  );
}

function Paths({ paths }: { paths: string[] }) {
  return (
    <span className="paths">
      {paths.map((p) => (
        <code key={p} className="path">
          {p}
        </code>
      ))}
    </span>
  );
}

export function DiffView({ a, b, diff, onVersions }: { a: number; b: number; diff: SnapshotDiff; onVersions?: OpenVersions }) {
  const k = diff.counts;
  const total =
    k.users_added + k.users_removed + k.users_changed + k.groups_added + k.groups_removed + k.groups_changed + k.memberships_added + k.memberships_removed;
  const labels = diff.member_labels ?? {};
  return (
    <div className="stack" aria-label={`Differences between snapshot #${a} and #${b}`} role="region">
      <div className="card diff-summary">
        <p className="diff-summary-title">
          Snapshot #{a} → #{b}
        </p>
        <dl className="summary-chips">
          <Chip label="Users added" value={k.users_added} tone="add" />
          <Chip label="Users removed" value={k.users_removed} tone="remove" />
          <Chip label="Users changed" value={k.users_changed} tone="change" />
          <Chip label="Groups added" value={k.groups_added} tone="add" />
          <Chip label="Groups removed" value={k.groups_removed} tone="remove" />
          <Chip label="Groups changed" value={k.groups_changed} tone="change" />
          <Chip label="Memberships added" value={k.memberships_added} tone="add" />
          <Chip label="Memberships removed" value={k.memberships_removed} tone="remove" />
        </dl>
      </div>
      {total === 0 ? (
        <Alert tone="success" title="No differences">
          <p>The SaaS held the same users, groups and memberships in both snapshots.</p>
        </Alert>
      ) : null}
      <KindSections
        kind="User"
        d={diff.users}
        onVersions={onVersions}
        changed={(r) => <ChangedItem key={r.id} r={r} kind="User" onVersions={onVersions} paths={<Paths paths={r.changed_paths} />} />}
      />
      <KindSections
        kind="Group"
        d={diff.groups}
        onVersions={onVersions}
        changed={(g) => (
          <ChangedItem
            key={g.id}
            r={g}
            kind="Group"
            className="group-change"
            onVersions={onVersions}
            paths={g.changed_paths.length ? <Paths paths={g.changed_paths} /> : null}
          >
            {g.members_added.length || g.members_removed.length ? (
              <div className="members">
                {g.members_added.length ? <MemberList tone="add" ids={g.members_added} labels={labels} group={g.label ?? g.id} /> : null}
                {g.members_removed.length ? <MemberList tone="remove" ids={g.members_removed} labels={labels} group={g.label ?? g.id} /> : null}
              </div>
            ) : null}
          </ChangedItem>
        )}
      />
    </div>
  );
}

function MemberList({ tone, ids, labels, group }: { tone: "add" | "remove"; ids: string[]; labels: Partial<Record<string, string>>; group: string }) {
  const [shown, setShown] = useState(PAGE);
  const label = `${tone === "add" ? "Members added to" : "Members removed from"} ${group}`;
  return (
    <div className={`member-list member-${tone}`}>
      <p className="small member-title">
        {tone === "add" ? "+" : "−"} {n(ids.length)} member{ids.length === 1 ? "" : "s"} {tone === "add" ? "added" : "removed"}
      </p>
      <ul aria-label={label} className="member-ids">
        {ids.slice(0, shown).map((id) => (
          <li key={id} className="small">
            {labels[id] ? (
              <>
                <span className="member-name">{labels[id]}</span> <span className="mono muted">{id}</span>
              </>
            ) : (
              <span className="mono">{id}</span>
            )}
          </li>
        ))}
      </ul>
      {ids.length > shown ? (
        <button type="button" className="button button-sm show-more" onClick={() => setShown((s) => s + PAGE)}>
          Show more ({n(ids.length - shown)} not shown)
        </button>
      ) : null}
    </div>
  );
}

function Chip({ label, value, tone }: { label: string; value: number; tone: "add" | "remove" | "change" }) {
  return (
    <div className={value ? `chip chip-${tone}` : "chip chip-zero"}>
      <dt>{label}</dt>
      <dd>{n(value)}</dd>
    </div>
  );
}
