// Browse one snapshot: its users or groups a page at a time, searched by
// userName, displayName, externalId or id (the engine pages and searches in
// SQL; the UI never holds more than a page). A group opens its members, any
// resource its versions. An incomplete snapshot can be browsed, labelled so.
import { useEffect, useId, useState } from "react";
import type { Connection } from "../../bindings/Connection";
import type { ResourceRef } from "../../bindings/ResourceRef";
import type { ResourceType } from "../../bindings/ResourceType";
import type { SnapshotPage } from "../../bindings/SnapshotPage";
import type { SnapshotSummary } from "../../bindings/SnapshotSummary";
import { Alert, EmptyState, ErrorAlert } from "../../components/Feedback";
import { Field } from "../../components/Field";
import { RichText } from "../../components/RichText";
import { browseSnapshot } from "../../lib/ipc";
import { navigate } from "../../lib/router";
import { useCommand } from "../../lib/useCommand";
import { TableSkeleton } from "../../components/Skeletons";
import { n, SnapshotSelect } from "./common";
import { KeyFacts } from "./DiffView";
import { GroupMembersDialog } from "./GroupMembersDialog";
import { ResourceHistoryDialog } from "./ResourceHistoryDialog";

export const BROWSE_PAGE = 50;

type Open = { what: "versions"; kind: ResourceType; r: ResourceRef } | { what: "members"; r: ResourceRef } | null;

export function BrowseTab({
  c,
  snapshots,
  loading,
  picked,
}: {
  c: Connection;
  snapshots: SnapshotSummary[] | null;
  loading: boolean;
  /** The snapshot named in the route (`#/inventory/<id>/browse/<snapshot>`). */
  picked: number | null;
}) {
  const browsable = (snapshots ?? []).filter((s) => s.state === "complete" || s.state === "incomplete");
  const fallback = browsable.find((s) => s.state === "complete") ?? browsable[0];
  const sid = picked != null && browsable.some((s) => s.id === picked) ? picked : (fallback?.id ?? null);
  const [kind, setKind] = useState<ResourceType>("User");
  const [text, setText] = useState("");
  const [search, setSearch] = useState("");
  const [offset, setOffset] = useState(0);
  const [open, setOpen] = useState<Open>(null);
  const searchId = useId();

  // Typing searches after a short pause; Enter searches at once. Only a
  // changed search goes back to the first page (the timer armed at mount
  // used to reset a page the admin had just turned to).
  useEffect(() => {
    const next = text.trim();
    if (next === search) return;
    const t = setTimeout(() => {
      setSearch(next);
      setOffset(0);
    }, 300);
    return () => clearTimeout(t);
  }, [text, search]);

  const key = sid == null ? null : `browse:${c.id}:${sid}:${kind}:${offset}:${search}`;
  const page = useCommand(key, () => browseSnapshot(c.id, sid!, kind, search || null, offset, BROWSE_PAGE));

  if (!snapshots) return loading ? <TableSkeleton label="Loading snapshots" /> : null;
  if (sid == null)
    return (
      <EmptyState icon="inventory" title="No snapshot to browse">
        <p>
          Press <strong>Crawl now</strong> to read every User and Group the SaaS returns; the snapshot can then be
          browsed and searched here.
        </p>
      </EmptyState>
    );

  const p = page.data;
  return (
    <div className="stack">
      <form
        className="card browse-form"
        role="search"
        aria-label="Browse a snapshot"
        onSubmit={(e) => {
          e.preventDefault();
          setSearch(text.trim());
          setOffset(0);
        }}
      >
        <SnapshotSelect
          label="Snapshot"
          snapshots={browsable}
          value={sid}
          onChange={(id) => {
            setOffset(0);
            navigate("inventory", c.id, "browse", id);
          }}
        />
        <div className="segmented-inline" role="radiogroup" aria-label="Show">
          {(["User", "Group"] as const).map((k) => (
            <label key={k} className={kind === k ? "seg seg-on" : "seg"}>
              <input
                type="radio"
                name="browse-kind"
                checked={kind === k}
                onChange={() => {
                  // Users and groups are searched by different attributes: start afresh.
                  setKind(k);
                  setText("");
                  setSearch("");
                  setOffset(0);
                }}
              />
              {k === "User" ? "Users" : "Groups"}
            </label>
          ))}
        </div>
        <Field id={searchId} label={<>Search {kind === "User" ? "userName, displayName, externalId or id" : "displayName, externalId or id"}</>} className="browse-search">
          <input id={searchId} className="input" type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder={kind === "User" ? "e.g. ada@" : "e.g. Sales"} />
        </Field>
        <button type="submit" className="button">
          Search
        </button>
      </form>
      {p?.snapshot.state === "incomplete" ? (
        <Alert tone="warning" title={`Snapshot #${p.snapshot.id} is incomplete`}>
          <p>
            {p.snapshot.error ? (
              <>
                <RichText text={p.snapshot.error} capitalize />.{" "}
              </>
            ) : null}
            It lists only what the crawl read, not the SaaS's whole inventory.
          </p>
        </Alert>
      ) : null}
      {page.error ? <ErrorAlert error={page.error} /> : null}
      {!p && !page.error ? <TableSkeleton label="Loading the snapshot" /> : null}
      {p ? <ResultList p={p} busy={page.loading} onOffset={setOffset} onOpen={setOpen} /> : null}
      {open?.what === "versions" ? <ResourceHistoryDialog connectionId={c.id} kind={open.kind} resource={open.r.id} onClose={() => setOpen(null)} /> : null}
      {open?.what === "members" ? (
        <GroupMembersDialog
          connectionId={c.id}
          snapshot={sid}
          group={open.r}
          onClose={() => setOpen(null)}
          onVersions={(k, r) => setOpen({ what: "versions", kind: k, r })}
        />
      ) : null}
    </div>
  );
}

function ResultList({ p, busy, onOffset, onOpen }: { p: SnapshotPage; busy: boolean; onOffset: (o: number) => void; onOpen: (o: Open) => void }) {
  const users = p.resource_type === "User";
  const what = users ? "users" : "groups";
  if (p.total === 0)
    return (
      <p className="muted" role="status">
        {p.search ? `No ${what} match “${p.search}” in snapshot #${p.snapshot.id}.` : `Snapshot #${p.snapshot.id} holds no ${what}.`}
      </p>
    );
  const first = p.items.length ? p.offset + 1 : 0;
  const last = p.offset + p.items.length;
  return (
    <div className="card browse-results" aria-busy={busy || undefined}>
      <ul className="item-list" aria-label={`${users ? "Users" : "Groups"} in snapshot #${p.snapshot.id}`}>
        {p.items.map((r) => (
          <li key={r.id} className="item item-wrap browse-item">
            <span className="item-label">{r.label ?? <span className="muted">(no {users ? "userName" : "displayName"})</span>}</span>
            <KeyFacts r={r} kind={p.resource_type} />
            <span className="mono muted small item-id">{r.id}</span>
            <span className="item-actions">
              {users ? null : (
                <button type="button" className="button button-sm" aria-label={`Members of ${r.label ?? r.id}`} onClick={() => onOpen({ what: "members", r })}>
                  Members
                </button>
              )}
              <button
                type="button"
                className="button button-sm"
                aria-label={`Versions of ${r.label ?? r.id}`}
                onClick={() => onOpen({ what: "versions", kind: p.resource_type, r })}
              >
                Versions
              </button>
            </span>
          </li>
        ))}
      </ul>
      <div className="pager">
        <span className="muted small" role="status">
          {`${n(first)}–${n(last)} of ${n(p.total)} ${what}`}
          {p.search ? ` matching “${p.search}”` : ""}
        </span>
        <button type="button" className="button button-sm" disabled={p.offset === 0 || busy} onClick={() => onOffset(Math.max(0, p.offset - BROWSE_PAGE))}>
          Previous
        </button>
        <button type="button" className="button button-sm" disabled={last >= p.total || busy} onClick={() => onOffset(p.offset + BROWSE_PAGE)}>
          Next
        </button>
      </div>
    </div>
  );
}
