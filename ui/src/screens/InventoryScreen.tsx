// Users and groups as the SaaS's SCIM endpoint returns them: snapshots taken
// on this computer, browsed and searched, the difference between two (old →
// new values), drift against what Entra assigns, and how closely the
// endpoint follows SCIM. The tabs live in screens/inventory/.
import { useEffect, useRef, useState } from "react";
import type { CommandError } from "../bindings/CommandError";
import type { Connection } from "../bindings/Connection";
import { ConnectionScreen } from "../components/ConnectionScreen";
import { Alert, ErrorAlert } from "../components/Feedback";
import { Icon } from "../components/Icon";
import { RichText } from "../components/RichText";
import { Tabs } from "../components/Tabs";
import { useToasts } from "../components/Toasts";
import { formatLatency } from "../components/Verdict";
import { cancelCrawl, listSnapshots, onCrawlProgress, startCrawl, toCommandError } from "../lib/ipc";
import { navigate } from "../lib/router";
import { useCommand } from "../lib/useCommand";
import { BrowseTab } from "./inventory/BrowseTab";
import { TableSkeleton } from "../components/Skeletons";
import { n } from "./inventory/common";
import { CompareTab } from "./inventory/CompareTab";
import { ComplianceTab } from "./inventory/ComplianceTab";
import { CrawlProgressCard, type CrawlState } from "./inventory/CrawlProgressCard";
import { DriftTab } from "./inventory/DriftTab";
import { SnapshotsTab } from "./inventory/SnapshotsTab";

export { complianceMarkdown } from "./inventory/ComplianceTab";
export { DiffView } from "./inventory/DiffView";
export { DriftView } from "./inventory/DriftTab";

const TABS = [
  { id: "snapshots", label: "Snapshots" },
  { id: "browse", label: "Browse" },
  { id: "compare", label: "Compare" },
  { id: "drift", label: "Drift" },
  { id: "compliance", label: "SCIM compliance" },
] as const;
type TabId = (typeof TABS)[number]["id"];
const isTab = (s: string | undefined): s is TabId => TABS.some((t) => t.id === s);

export function InventoryScreen({ rest }: { rest: string[] }) {
  const tab: TabId = isTab(rest[1]) ? rest[1] : "snapshots";
  const picked = tab === "browse" && rest[2] && /^\d+$/.test(rest[2]) ? Number(rest[2]) : null;
  return (
    <ConnectionScreen
      screen="inventory"
      side="scim"
      rest={rest}
      extra={[tab]}
      title="Inventory"
      subtitle="Users and groups as the SaaS's SCIM endpoint returns them, kept as snapshots on this computer."
      skeleton={<TableSkeleton label="Loading connections" />}
      empty={{
        icon: "inventory",
        title: "No SCIM endpoint to read",
        body: (
          <p>
            scimwatch lists the Users and Groups the SaaS's SCIM endpoint returns, keeps snapshots on this computer and
            compares them with what Entra assigns. It needs a connection with a Tenant URL and Secret Token.
          </p>
        ),
        // The demo tenant has a SCIM side: its inventory can be crawled at once.
        demoStaysHere: true,
      }}
    >
      {(c) => <InventoryView c={c} tab={tab} picked={picked} />}
    </ConnectionScreen>
  );
}

function InventoryView({ c, tab, picked }: { c: Connection; tab: TabId; picked: number | null }) {
  const snapshots = useCommand(`snapshots:${c.id}`, () => listSnapshots(c.id));
  const [crawl, setCrawl] = useState<CrawlState>({ running: false, progress: null, cancelling: false });
  const [crawlError, setCrawlError] = useState<CommandError | null>(null);
  const [cancelled, setCancelled] = useState(false);
  const cancelRequested = useRef(false);
  // Whether the crawl shown was started here (its end is the command's
  // answer) rather than by the monitor's schedule (its end is an event).
  const ownCrawl = useRef(false);
  const reloadSnapshots = useRef(snapshots.reload);
  reloadSnapshots.current = snapshots.reload;
  const { push } = useToasts();

  // Progress of any crawl of this connection, started here or by the schedule.
  useEffect(() => {
    let stop: (() => void) | null = null;
    let alive = true;
    void onCrawlProgress((e) => {
      if (e.connection_id !== c.id) return;
      const phase = e.progress.phase;
      if (!ownCrawl.current && (phase === "done" || phase === "cancelled" || phase === "failed")) {
        // A scheduled crawl ended: its snapshot is in the list now.
        setCrawl({ running: false, progress: null, cancelling: false });
        setCancelled(phase === "cancelled");
        void reloadSnapshots.current();
        return;
      }
      setCrawl((s) => ({ ...s, running: s.running || phase !== "done", progress: e.progress }));
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
    ownCrawl.current = true;
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
      ownCrawl.current = false;
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
        {tab === "snapshots" ? <SnapshotsTab state={snapshots} connectionId={c.id} /> : null}
        {tab === "browse" ? <BrowseTab c={c} snapshots={list} loading={snapshots.loading} picked={picked} /> : null}
        {tab === "compare" ? <CompareTab c={c} snapshots={list} loading={snapshots.loading} /> : null}
        {tab === "drift" ? <DriftTab c={c} /> : null}
        {tab === "compliance" ? <ComplianceTab c={c} /> : null}
      </Tabs>
    </>
  );
}
