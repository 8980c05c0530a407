// Users and groups as the SaaS's SCIM endpoint returns them: snapshots taken
// on this computer, the difference between two, drift against what Entra
// assigns, and how closely the endpoint follows SCIM.
import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import type { CommandError } from "../bindings/CommandError";
import type { Connection } from "../bindings/Connection";
import type { CrawlProgress } from "../bindings/CrawlProgress";
import type { DriftResult } from "../bindings/DriftResult";
import type { MatchingAttribute } from "../bindings/MatchingAttribute";
import type { SaasUserRef } from "../bindings/SaasUserRef";
import type { SnapshotDiff } from "../bindings/SnapshotDiff";
import type { SnapshotSummary } from "../bindings/SnapshotSummary";
import { ConnectionPicker, useScimConnection } from "../components/ConnectionPicker";
import { Alert, EmptyState, ErrorAlert, Skeleton, RetryAlert } from "../components/Feedback";
import { Icon } from "../components/Icon";
import { Page } from "../components/Page";
import { RichText } from "../components/RichText";
import { Tabs } from "../components/Tabs";
import { LocalTime } from "../components/Time";
import { useToasts } from "../components/Toasts";
import { formatLatency } from "../components/Verdict";
import { useConnections } from "../lib/connections";
import {
  cancelCrawl,
  diffSnapshots,
  driftReport,
  listSnapshots,
  onCrawlProgress,
  startCrawl,
  toCommandError,
} from "../lib/ipc";
import { navigate } from "../lib/router";
import { formatLocalDateTime } from "../lib/time";
import { useCommand, type CommandState } from "../lib/useCommand";
import { ComplianceTab } from "./inventory/ComplianceTab";

export { complianceMarkdown } from "./inventory/ComplianceTab";

const TABS = [
  { id: "snapshots", label: "Snapshots" },
  { id: "compare", label: "Compare" },
  { id: "drift", label: "Drift" },
  { id: "compliance", label: "SCIM compliance" },
] as const;
type TabId = (typeof TABS)[number]["id"];
const isTab = (s: string | undefined): s is TabId => TABS.some((t) => t.id === s);

const n = (v: number) => v.toLocaleString();

export function InventoryScreen({ rest }: { rest: string[] }) {
  const { state, reload, refreshing } = useConnections();
  const { eligible, current } = useScimConnection(rest);
  const tab: TabId = isTab(rest[1]) ? rest[1] : "snapshots";
  return (
    <Page
      title="Inventory"
      subtitle="Users and groups as the SaaS's SCIM endpoint returns them, kept as snapshots on this computer."
      actions={eligible && current ? <ConnectionPicker screen="inventory" eligible={eligible} current={current} extra={[tab]} /> : null}
    >
      {state.status === "error" ? <RetryAlert error={state.error} onRetry={reload} busy={refreshing} /> : null}
      {state.status === "loading" ? <TableSkeleton label="Loading connections" /> : null}
      {eligible && eligible.length === 0 ? (
        <EmptyState
          icon="inventory"
          title="No SCIM endpoint to read"
          action={
            <button
              type="button"
              className="button button-primary"
              onClick={() => (state.connections?.length ? navigate("connections") : navigate("connections", "new"))}
            >
              {state.connections?.length ? "Open Connections" : "Add a connection"}
            </button>
          }
        >
          <p>
            scimwatch lists the Users and Groups the SaaS's SCIM endpoint returns, keeps snapshots on this computer and
            compares them with what Entra assigns. It needs a connection with a Tenant URL and Secret Token.
          </p>
        </EmptyState>
      ) : null}
      {current ? <InventoryView key={current.id} c={current} tab={tab} /> : null}
    </Page>
  );
}

function TableSkeleton({ label }: { label: string }) {
  return (
    <div className="card stack-sm" role="status" aria-label={label}>
      <Skeleton width="30%" height={16} />
      <Skeleton width="95%" />
      <Skeleton width="90%" />
      <Skeleton width="92%" />
    </div>
  );
}

interface CrawlState {
  running: boolean;
  progress: CrawlProgress | null;
  cancelling: boolean;
}

function InventoryView({ c, tab }: { c: Connection; tab: TabId }) {
  const snapshots = useCommand(`snapshots:${c.id}`, () => listSnapshots(c.id));
  const [crawl, setCrawl] = useState<CrawlState>({ running: false, progress: null, cancelling: false });
  const [crawlError, setCrawlError] = useState<CommandError | null>(null);
  const [cancelled, setCancelled] = useState(false);
  const cancelRequested = useRef(false);
  const { push } = useToasts();

  // Progress of any crawl of this connection, started here or by the poller.
  useEffect(() => {
    let stop: (() => void) | null = null;
    let alive = true;
    void onCrawlProgress((e) => {
      if (e.connection_id !== c.id) return;
      setCrawl((s) => ({ ...s, running: s.running || e.progress.phase !== "done", progress: e.progress }));
    })
      .then((un) => {
        if (alive) stop = un;
        else un();
      })
      // Without events the crawl still runs; only the live bar is missing.
      .catch(() => {});
    return () => {
      alive = false;
      stop?.();
    };
  }, [c.id]);

  async function crawlNow() {
    cancelRequested.current = false;
    setCancelled(false);
    setCrawlError(null);
    setCrawl({ running: true, progress: null, cancelling: false });
    try {
      const out = await startCrawl(c.id);
      const findings = out.findings.length;
      push({
        tone: out.incomplete || findings ? "warning" : "success",
        title: out.incomplete
          ? `Snapshot #${out.snapshot_id} is incomplete: ${n(out.users)} users, ${n(out.groups)} groups read`
          : `Snapshot #${out.snapshot_id} stored: ${n(out.users)} users, ${n(out.groups)} groups`,
        lines: [
          ...(out.incomplete ? [`Not the SaaS's whole inventory (${out.incomplete}): it is kept, but never compared or used for drift.`] : []),
          `Took ${formatLatency(out.elapsed_ms)}; ${n(out.changes)} change${out.changes === 1 ? "" : "s"} since the previous snapshot.`,
          ...(findings ? [`${findings} SCIM deviation${findings === 1 ? "" : "s"} seen while paging: see SCIM compliance.`] : []),
        ],
      });
    } catch (e) {
      if (cancelRequested.current) setCancelled(true);
      else setCrawlError(toCommandError(e));
    } finally {
      setCrawl({ running: false, progress: null, cancelling: false });
      void snapshots.reload();
    }
  }

  async function cancel() {
    cancelRequested.current = true;
    setCrawl((s) => ({ ...s, cancelling: true }));
    try {
      const stopped = await cancelCrawl(c.id);
      if (!stopped) {
        push({ tone: "info", title: "No crawl was running" });
        setCrawl({ running: false, progress: null, cancelling: false });
      }
    } catch (e) {
      setCrawlError(toCommandError(e));
      setCrawl((s) => ({ ...s, cancelling: false }));
    }
  }

  const list = snapshots.data;
  const crawlButton = (
    <button type="button" className="button button-primary" onClick={() => void crawlNow()} disabled={crawl.running || !c.has_scim_token} aria-busy={crawl.running || undefined}>
      {crawl.running ? <span className="spinner spinner-sm" aria-hidden="true" /> : <Icon name="refresh" size={14} />}
      {crawl.running ? "Crawling…" : "Crawl now"}
    </button>
  );

  return (
    <>
      <div className="toolbar">
        <div className="toolbar-text">
          <span className="toolbar-title">{c.name}</span>
          <span className="mono muted small">{c.scim!.url}</span>
        </div>
        {crawlButton}
      </div>
      {!c.has_scim_token ? (
        <Alert tone="warning" title="No Secret Token is stored for this connection">
          <p>
            Add it in <a href={`#/connections/${encodeURIComponent(c.id)}/edit`}>Connections → Edit</a> to read the SaaS's users and groups.
          </p>
        </Alert>
      ) : null}
      {crawl.running || crawl.progress ? <CrawlProgressCard crawl={crawl} onCancel={() => void cancel()} /> : null}
      {cancelled ? (
        <Alert tone="info" title="Crawl cancelled">
          <p>The crawl stopped before it finished; the previous snapshots are unchanged.</p>
        </Alert>
      ) : null}
      {crawlError?.kind === "conflict" ? (
        <Alert tone="info" title="A crawl of this connection is already running">
          <p>
            <RichText text={crawlError.message} capitalize />. Its snapshot appears in the list when it ends.
          </p>
        </Alert>
      ) : crawlError ? (
        <ErrorAlert error={crawlError} />
      ) : null}

      <Tabs label="Inventory views" tabs={[...TABS]} active={tab} onSelect={(t) => navigate("inventory", c.id, t)} idPrefix="inventory">
        {tab === "snapshots" ? <SnapshotsTab state={snapshots} /> : null}
        {tab === "compare" ? <CompareTab c={c} snapshots={list} loading={snapshots.loading} /> : null}
        {tab === "drift" ? <DriftTab c={c} /> : null}
        {tab === "compliance" ? <ComplianceTab c={c} /> : null}
      </Tabs>
    </>
  );
}

const PHASES: Record<string, string> = {
  users: "Reading users",
  groups: "Reading groups",
  storing: "Storing the snapshot",
  done: "Finishing",
};

function CrawlProgressCard({ crawl, onCancel }: { crawl: CrawlState; onCancel: () => void }) {
  const p = crawl.progress;
  const phase = p ? (PHASES[p.phase] ?? p.phase) : "Starting";
  const pct = p && p.total ? Math.min(100, Math.round((p.done / Math.max(p.total, 1)) * 100)) : null;
  const text = p ? (p.total != null ? `${n(p.done)} of ${n(p.total)}` : `${n(p.done)} received`) : "Connecting to the SCIM endpoint";
  return (
    <section className="card crawl-card" aria-label="Crawl in progress">
      <div className="crawl-head">
        <div>
          <p className="crawl-phase">
            <span className="spinner spinner-sm" aria-hidden="true" /> {phase}
          </p>
          <p className="muted small">
            {text}
            {p ? ` · ${p.in_flight} request${p.in_flight === 1 ? "" : "s"} in flight` : null}
          </p>
        </div>
        <button type="button" className="button button-sm" onClick={onCancel} disabled={crawl.cancelling}>
          <Icon name="stop" size={12} />
          {crawl.cancelling ? "Cancelling…" : "Cancel"}
        </button>
      </div>
      <div
        className={pct == null ? "progress progress-indeterminate" : "progress"}
        role="progressbar"
        aria-label={phase}
        aria-valuemin={0}
        aria-valuemax={pct == null ? undefined : 100}
        aria-valuenow={pct ?? undefined}
        aria-valuetext={text}
      >
        <span className="progress-bar" style={pct == null ? undefined : { width: `${pct}%` }} />
      </div>
    </section>
  );
}

// ---------- snapshots ----------

const STATE_CLASSES: Record<string, string> = {
  complete: "badge badge-tone-ok",
  incomplete: "badge badge-tone-warn",
  running: "badge badge-entra",
  failed: "badge badge-tone-bad",
  cancelled: "badge badge-off",
};

function StateBadge({ state }: { state: string }) {
  return <span className={STATE_CLASSES[state] ?? "badge badge-off"}>{state[0]?.toUpperCase() + state.slice(1)}</span>;
}

function SnapshotsTab({ state }: { state: CommandState<SnapshotSummary[]> }) {
  const list = state.data;
  if (state.error)
    return (
      <ErrorAlert
        error={state.error}
        action={
          <button type="button" className="button button-sm" onClick={() => void state.reload()}>
            Try again
          </button>
        }
      />
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
        <table className="table">
          <caption className="visually-hidden">Snapshots, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Snapshot</th>
              <th scope="col">Started</th>
              <th scope="col">Completed</th>
              <th scope="col">State</th>
              <th scope="col" className="num">
                Users
              </th>
              <th scope="col" className="num">
                Groups
              </th>
              <th scope="col" className="num">
                Changes
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((s) => (
              <tr key={s.id}>
                <th scope="row">
                  #{s.id}
                  <span className="muted small cell-sub">{s.full ? "Full" : `Delta on #${s.base_id ?? "?"}`}</span>
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
          </tbody>
        </table>
      </div>
    </div>
  );
}

// ---------- compare ----------

function snapshotLabel(s: SnapshotSummary): string {
  return `#${s.id} · ${formatLocalDateTime(s.completed_at ?? s.started_at)}${s.user_count != null ? ` · ${n(s.user_count)} users` : ""}`;
}

function CompareTab({ c, snapshots, loading }: { c: Connection; snapshots: SnapshotSummary[] | null; loading: boolean }) {
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
  const olderId = useId();
  const newerId = useId();

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
        <div className="field">
          <label className="field-label" htmlFor={olderId}>
            Older snapshot
          </label>
          <select id={olderId} className="input select" value={older ?? ""} onChange={(e) => setOlder(Number(e.target.value))}>
            {complete.map((s) => (
              <option key={s.id} value={s.id}>
                {snapshotLabel(s)}
              </option>
            ))}
          </select>
        </div>
        <Icon name="arrowRight" className="compare-arrow" />
        <div className="field">
          <label className="field-label" htmlFor={newerId}>
            Newer snapshot
          </label>
          <select id={newerId} className="input select" value={newer ?? ""} onChange={(e) => setNewer(Number(e.target.value))}>
            {complete.map((s) => (
              <option key={s.id} value={s.id}>
                {snapshotLabel(s)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button button-primary" disabled={busy || older === newer} aria-busy={busy || undefined}>
          {busy ? <span className="spinner spinner-sm" aria-hidden="true" /> : null}
          Compare
        </button>
      </form>
      {older === newer ? <p className="muted small">Pick two different snapshots.</p> : null}
      {error ? <ErrorAlert error={error} /> : null}
      {busy && !diff ? <TableSkeleton label="Comparing snapshots" /> : null}
      {diff ? <DiffView a={diff.a} b={diff.b} diff={diff.diff} /> : null}
    </div>
  );
}

const PAGE = 100;

/** Shows 100 items at a time, with "Show more". */
function Paged<T>({ items, render, label }: { items: T[]; render: (item: T) => ReactNode; label: string }) {
  const [shown, setShown] = useState(PAGE);
  return (
    <>
      <ul className="item-list" aria-label={label}>
        {items.slice(0, shown).map(render)}
      </ul>
      {items.length > shown ? (
        <button type="button" className="button button-sm show-more" onClick={() => setShown((s) => s + PAGE)}>
          Show {Math.min(PAGE, items.length - shown)} more ({n(items.length - shown)} not shown)
        </button>
      ) : null}
    </>
  );
}

function DiffSection({ title, count, tone, children }: { title: string; count: number; tone: "add" | "remove" | "change"; children: ReactNode }) {
  if (count === 0) return null;
  return (
    <section className="card diff-section" aria-label={`${title}: ${count}`}>
      <h3 className="diff-title">
        <span className={`diff-mark diff-${tone}`} aria-hidden="true">
          {tone === "add" ? "+" : tone === "remove" ? "−" : "~"}
        </span>
        {title}
        <span className="count-pill">{n(count)}</span>
      </h3>
      {children}
    </section>
  );
}

function RefItem({ id, label }: { id: string; label: string | null }) {
  return (
    <li key={id} className="item">
      <span className="item-label">{label ?? <span className="muted">(no name)</span>}</span>
      <span className="mono muted small item-id">{id}</span>
    </li>
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

export function DiffView({ a, b, diff }: { a: number; b: number; diff: SnapshotDiff }) {
  const k = diff.counts;
  const total =
    k.users_added + k.users_removed + k.users_changed + k.groups_added + k.groups_removed + k.groups_changed + k.memberships_added + k.memberships_removed;
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
      <DiffSection title="Users added" count={diff.users.added.length} tone="add">
        <Paged label="Users added" items={diff.users.added} render={(r) => <RefItem key={r.id} id={r.id} label={r.label} />} />
      </DiffSection>
      <DiffSection title="Users removed" count={diff.users.removed.length} tone="remove">
        <Paged label="Users removed" items={diff.users.removed} render={(r) => <RefItem key={r.id} id={r.id} label={r.label} />} />
      </DiffSection>
      <DiffSection title="Users changed" count={diff.users.changed.length} tone="change">
        <Paged
          label="Users changed"
          items={diff.users.changed}
          render={(r) => (
            <li key={r.id} className="item item-wrap">
              <span className="item-label">{r.label ?? <span className="muted">(no name)</span>}</span>
              <span className="mono muted small item-id">{r.id}</span>
              <Paths paths={r.changed_paths} />
            </li>
          )}
        />
      </DiffSection>
      <DiffSection title="Groups added" count={diff.groups.added.length} tone="add">
        <Paged label="Groups added" items={diff.groups.added} render={(r) => <RefItem key={r.id} id={r.id} label={r.label} />} />
      </DiffSection>
      <DiffSection title="Groups removed" count={diff.groups.removed.length} tone="remove">
        <Paged label="Groups removed" items={diff.groups.removed} render={(r) => <RefItem key={r.id} id={r.id} label={r.label} />} />
      </DiffSection>
      <DiffSection title="Groups changed" count={diff.groups.changed.length} tone="change">
        <Paged
          label="Groups changed"
          items={diff.groups.changed}
          render={(g) => (
            <li key={g.id} className="item item-wrap group-change">
              <span className="item-label">{g.label ?? <span className="muted">(no name)</span>}</span>
              <span className="mono muted small item-id">{g.id}</span>
              {g.changed_paths.length ? <Paths paths={g.changed_paths} /> : null}
              {g.members_added.length || g.members_removed.length ? (
                <div className="members">
                  {g.members_added.length ? <MemberList tone="add" ids={g.members_added} group={g.label ?? g.id} /> : null}
                  {g.members_removed.length ? <MemberList tone="remove" ids={g.members_removed} group={g.label ?? g.id} /> : null}
                </div>
              ) : null}
            </li>
          )}
        />
      </DiffSection>
    </div>
  );
}

function MemberList({ tone, ids, group }: { tone: "add" | "remove"; ids: string[]; group: string }) {
  const [shown, setShown] = useState(PAGE);
  const label = `${tone === "add" ? "Members added to" : "Members removed from"} ${group}`;
  return (
    <div className={`member-list member-${tone}`}>
      <p className="small member-title">
        {tone === "add" ? "+" : "−"} {n(ids.length)} member{ids.length === 1 ? "" : "s"} {tone === "add" ? "added" : "removed"}
      </p>
      <ul aria-label={label} className="member-ids">
        {ids.slice(0, shown).map((id) => (
          <li key={id} className="mono small">
            {id}
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

// ---------- drift ----------

const MATCHING: Record<MatchingAttribute, string> = {
  user_name: "userName",
  external_id: "externalId",
  primary_email: "primary email",
  id: "id",
};

function DriftTab({ c }: { c: Connection }) {
  const drift = useCommand(`drift:${c.id}`, () => driftReport(c.id));
  if (drift.error?.kind === "not_found")
    return (
      <Alert
        tone="info"
        title="Drift needs Entra's assignments"
        action={
          <button type="button" className="button button-sm" onClick={() => void drift.reload()} disabled={drift.loading}>
            Check again
          </button>
        }
      >
        <p>
          <RichText text={drift.error.message} capitalize />
        </p>
        <p>
          Drift compares who Entra assigns to the enterprise app with the latest complete snapshot of the SaaS.
          {c.entra ? " Once Entra's assignments have been polled for this connection, the report appears here." : " This connection has no Entra side: add the tenant and enterprise app in Connections → Edit."}
        </p>
      </Alert>
    );
  if (drift.error)
    return (
      <ErrorAlert
        error={drift.error}
        action={
          <button type="button" className="button button-sm" onClick={() => void drift.reload()} disabled={drift.loading}>
            Try again
          </button>
        }
      />
    );
  if (!drift.data) return <TableSkeleton label="Loading drift report" />;
  return <DriftView result={drift.data} />;
}

function activeText(v: boolean | null): string {
  return v == null ? "not set" : v ? "active" : "inactive";
}

export function DriftView({ result }: { result: DriftResult }) {
  const r = result.report;
  const k = r.counts;
  const orphans = [...r.orphans].sort((x, y) => Number(y.active ?? false) - Number(x.active ?? false));
  const clean = k.missing + k.active_orphans + k.duplicates + k.active_mismatches + k.unmatchable === 0;
  return (
    <div className="stack">
      <p className="muted small">
        Against snapshot #{result.snapshot_id}
        {result.snapshot_completed_at ? (
          <>
            {" "}
            (completed <LocalTime iso={result.snapshot_completed_at} />)
          </>
        ) : null}{" "}
        · matching Entra's value with the SaaS's <code>{MATCHING[r.matching_attribute] ?? r.matching_attribute}</code>
      </p>
      <dl className="stat-row">
        <Stat label="Assigned in Entra" value={k.assigned} />
        <Stat label="Users in the SaaS" value={k.saas} />
        <Stat label="Matched" value={k.matched} />
        <Stat label="Missing in SaaS" value={k.missing} bad />
        <Stat label="Orphans" value={k.orphans} extra={`${n(k.active_orphans)} active`} bad={k.active_orphans > 0} />
        <Stat label="Duplicates" value={k.duplicates} bad />
        <Stat label="Active mismatches" value={k.active_mismatches} bad />
      </dl>
      {clean ? (
        <Alert tone="success" title="No drift">
          <p>Every assigned user is in the SaaS, with the expected active state, and no active account is left over.</p>
        </Alert>
      ) : null}
      <DriftSection title="Missing in the SaaS" count={r.missing.length} hint="Assigned in Entra but absent from the SaaS: Entra has not created them, or creating them failed (see Provisioning logs).">
        <Paged
          label="Missing in the SaaS"
          items={r.missing}
          render={(u) => (
            <li key={u.principal_id} className="item">
              <span className="item-label">{u.display_name ?? <span className="muted">(no name)</span>}</span>
              <span className="mono small">{u.matching_value ?? "—"}</span>
              <span className="mono muted small item-id">{u.principal_id}</span>
            </li>
          )}
        />
      </DriftSection>
      <DriftSection title="Orphans" count={orphans.length} hint="In the SaaS but not assigned in Entra. Active ones still have access that should probably be gone.">
        <Paged label="Orphans" items={orphans} render={(u) => <SaasItem key={u.id ?? u.user_name ?? ""} u={u} />} />
      </DriftSection>
      <DriftSection title="Duplicates" count={r.duplicates.length} hint="SaaS users sharing a userName or externalId: Entra cannot tell which one to update.">
        <ul className="item-list" aria-label="Duplicates">
          {r.duplicates.map((d) => (
            <li key={`${d.attribute}:${d.value}`} className="item item-wrap">
              <span className="item-label">
                <code>{d.attribute}</code> = <span className="mono">{d.value}</span>
              </span>
              <span className="muted small">{d.users.length} users</span>
              <ul className="sub-list">
                {d.users.map((u, i) => (
                  <SaasItem key={u.id ?? i} u={u} />
                ))}
              </ul>
            </li>
          ))}
        </ul>
      </DriftSection>
      <DriftSection title="Active state differs" count={r.active_mismatches.length} hint="Matched users whose active flag in the SaaS is not what Entra expects (disabled in Entra but active in the SaaS, or the reverse).">
        <Paged
          label="Active state differs"
          items={r.active_mismatches}
          render={(m) => (
            <li key={m.assigned.principal_id} className="item">
              <span className="item-label">{m.assigned.display_name ?? m.saas.user_name ?? m.assigned.principal_id}</span>
              <span className="small">
                Entra expects <strong>{activeText(m.assigned.expected_active)}</strong>, the SaaS has <strong>{activeText(m.saas.active)}</strong>
              </span>
              <span className="mono muted small item-id">{m.saas.user_name ?? m.saas.id}</span>
            </li>
          )}
        />
      </DriftSection>
      <DriftSection title="Cannot be matched" count={r.unmatchable.length} hint="Assigned users without a value for the matching attribute: Entra cannot match them either.">
        <Paged
          label="Cannot be matched"
          items={r.unmatchable}
          render={(u) => (
            <li key={u.principal_id} className="item">
              <span className="item-label">{u.display_name ?? <span className="muted">(no name)</span>}</span>
              <span className="mono muted small item-id">{u.principal_id}</span>
            </li>
          )}
        />
      </DriftSection>
    </div>
  );
}

function SaasItem({ u }: { u: SaasUserRef }) {
  return (
    <li className="item">
      <span className="item-label mono">{u.user_name ?? <span className="muted">(no userName)</span>}</span>
      {u.external_id ? <span className="mono muted small">externalId {u.external_id}</span> : null}
      <span className={u.active ? "badge badge-tone-warn" : "badge badge-off"}>{activeText(u.active)}</span>
      <span className="mono muted small item-id">{u.id ?? "—"}</span>
    </li>
  );
}

function Stat({ label, value, extra, bad }: { label: string; value: number; extra?: string; bad?: boolean }) {
  return (
    <div className={bad && value > 0 ? "stat stat-bad" : "stat"}>
      <dt>{label}</dt>
      <dd>
        {n(value)}
        {extra ? <span className="muted small"> · {extra}</span> : null}
      </dd>
    </div>
  );
}

function DriftSection({ title, count, hint, children }: { title: string; count: number; hint: string; children: ReactNode }) {
  if (count === 0) return null;
  return (
    <section className="card diff-section" aria-label={`${title}: ${count}`}>
      <h3 className="diff-title">
        {title}
        <span className="count-pill">{n(count)}</span>
      </h3>
      <p className="muted small">{hint}</p>
      {children}
    </section>
  );
}
