// The live progress of a crawl, with Cancel.
import type { CrawlProgress } from "../../bindings/CrawlProgress";
import { Icon } from "../../components/Icon";
import { n } from "./common";

export interface CrawlState {
  running: boolean;
  progress: CrawlProgress | null;
  cancelling: boolean;
}

const PHASES: Record<string, string> = {
  users: "Reading users",
  groups: "Reading groups",
  storing: "Storing the snapshot",
  done: "Finishing",
};

export function CrawlProgressCard({ crawl, onCancel }: { crawl: CrawlState; onCancel: () => void }) {
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
