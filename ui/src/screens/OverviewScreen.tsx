// The health of every connection at a glance: what Entra's job is doing, the
// recent cycles, open incidents, the token, and the demo tenant's switches.
import { useEffect, useState, type ReactNode } from "react";
import type { CommandError } from "../bindings/CommandError";
import type { Connection } from "../bindings/Connection";
import type { DemoStatus } from "../bindings/DemoStatus";
import type { IncidentView } from "../bindings/IncidentView";
import type { StatusReport } from "../bindings/StatusReport";
import type { StreamView } from "../bindings/StreamView";
import type { TokenStatus } from "../bindings/TokenStatus";
import { SideBadges } from "../components/ConnectionFacts";
import { CycleChart } from "../components/CycleChart";
import { Alert, ErrorAlert, Skeleton, RetryAlert } from "../components/Feedback";
import { Icon } from "../components/Icon";
import { Page } from "../components/Page";
import { RichText } from "../components/RichText";
import { SeverityBadge } from "../components/Severity";
import { LocalTime, useNow } from "../components/Time";
import { useToasts } from "../components/Toasts";
import { useConnections } from "../lib/connections";
import { deriveHealth, worstSeverity } from "../lib/health";
import {
  demoStatus,
  jobStatus,
  listCycles,
  listIncidents,
  onIncidentsChanged,
  onPollEvent,
  pollNow,
  setDemoFault,
  tokenStatus,
  toCommandError,
} from "../lib/ipc";
import { href, navigate } from "../lib/router";
import { formatRelative, formatUtc, overdueText } from "../lib/time";
import { OpenDemoButton } from "../components/OpenDemoButton";
import { useCommand } from "../lib/useCommand";

const STREAM_NAMES: Record<string, string> = { job: "Job", configuration: "Configuration", logs: "Logs" };

/**
 * One Graph stream that was not read, in words: "Logs delayed until 14:05
 * (throttled)" (local time), "Job could not be read — Graph answered 404: …".
 */
function streamText(s: StreamView): ReactNode {
  const name = STREAM_NAMES[s.stream] ?? s.stream;
  if (s.state === "unavailable") return `${name} unavailable in this tenant`;
  if (s.problem === "throttled") {
    return s.delayed_until ? (
      <>
        {name} delayed until <LocalTime iso={s.delayed_until} /> (throttled)
      </>
    ) : (
      `${name} throttled by Microsoft Graph: read again at the next poll`
    );
  }
  const answered = s.http_status != null ? `Graph answered ${s.http_status}` : "no usable answer from Microsoft Graph";
  return `${name} could not be read — ${answered}${s.reason ? `: ${s.reason}` : ""}`;
}

/** Each Graph stream has its own health: the ones not read, one line each. */
function StreamNotes({ report }: { report: StatusReport }) {
  // A job that cannot be read is the blind callout's subject already.
  const notes = report.streams.filter((s) => s.state !== "ok" && !(s.stream === "job" && report.graph === "blind"));
  if (notes.length === 0) return null;
  return (
    <ul className="plain-list" aria-label="Streams not read">
      {notes.map((s) => (
        <li key={s.stream} className="small warn-text">
          {streamText(s)}
          {s.hint ? (
            <span className="muted">
              {" · "}
              <RichText text={s.hint} />
            </span>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

/** A `job_status` rejection that means "this connection has no Entra side". */
function noEntra(e: CommandError | null): boolean {
  return e?.kind === "not_found" || e?.kind === "validation";
}

export function OverviewScreen() {
  const { state, reload, refreshing } = useConnections();
  const list = state.connections;
  const incidents = useCommand("overview-incidents", () => listIncidents(null, true));
  const demo = useCommand("demo-status", () => demoStatus());
  const [ticks, setTicks] = useState<Record<string, number>>({});

  useEffect(() => {
    let stopIncidents = () => {};
    let stopPoll = () => {};
    let live = true;
    void onIncidentsChanged(() => void incidents.reload()).then((u) => (live ? (stopIncidents = u) : u()));
    void onPollEvent((e) => setTicks((t) => ({ ...t, [e.connection]: (t[e.connection] ?? 0) + 1 }))).then((u) =>
      live ? (stopPoll = u) : u(),
    );
    return () => {
      live = false;
      stopIncidents();
      stopPoll();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const open = incidents.data ?? [];
  return (
    <Page
      title="Overview"
      subtitle="The health of every provisioning pipeline scimwatch watches."
      actions={list && list.length > 0 ? <PollAllButton onDone={() => void incidents.reload()} /> : null}
    >
      {state.status === "error" ? <RetryAlert error={state.error} onRetry={reload} busy={refreshing} /> : null}
      {state.status === "loading" ? (
        <div className="overview-grid" role="status" aria-label="Loading connections">
          {[0, 1, 2].map((i) => (
            <div key={i} className="card overview-card stack-sm">
              <Skeleton width="60%" height={16} />
              <Skeleton width="40%" />
              <Skeleton width="80%" />
            </div>
          ))}
        </div>
      ) : null}
      {list && list.length === 0 ? <FirstLaunch onStarted={() => void Promise.all([reload(), demo.reload()])} /> : null}
      {incidents.error && list && list.length > 0 ? (
        <ErrorAlert
          error={incidents.error}
          action={
            <button type="button" className="button button-sm" onClick={() => void incidents.reload()}>
              Try again
            </button>
          }
        />
      ) : null}
      {list && list.length > 0 ? (
        <>
          <ul className="overview-grid" aria-label="Connections">
            {list.map((c) => (
              <li key={c.id}>
                <OverviewCard
                  c={c}
                  open={open.filter((v) => v.connection_id === c.id)}
                  incidentsLoaded={!!incidents.data}
                  tick={ticks[c.id] ?? 0}
                  simulated={!!demo.data?.running && demo.data.connection_id === c.id}
                />
              </li>
            ))}
          </ul>
          {demo.data?.running ? <DemoPanel status={demo.data} onChange={(s) => demo.set(s)} /> : null}
          <section className="stack" aria-labelledby="cycles-title">
            <h2 id="cycles-title" className="section-title">
              Provisioning cycles
            </h2>
            {list.filter((c) => c.entra).length === 0 ? (
              <p className="muted">Cycles come from Entra's provisioning logs: add an Entra side to a connection to see them.</p>
            ) : (
              list.filter((c) => c.entra).map((c) => <CyclesCard key={c.id} c={c} tick={ticks[c.id] ?? 0} />)
            )}
          </section>
        </>
      ) : null}
    </Page>
  );
}

function PollAllButton({ onDone }: { onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  const { push } = useToasts();
  async function run() {
    setBusy(true);
    try {
      await pollNow(null);
      push({ tone: "success", title: "Polled every connection" });
      onDone();
    } catch (e) {
      const err = toCommandError(e);
      push({ tone: "warning", title: "Polling failed", lines: [err.message] });
    } finally {
      setBusy(false);
    }
  }
  return (
    <button type="button" className="button" onClick={() => void run()} disabled={busy} aria-busy={busy || undefined}>
      {busy ? <span className="spinner spinner-sm" aria-hidden="true" /> : <Icon name="refresh" size={14} />}
      {busy ? "Polling…" : "Poll all now"}
    </button>
  );
}

function FirstLaunch({ onStarted }: { onStarted: () => void }) {
  return (
    <section className="first-launch" aria-labelledby="first-launch-title">
      <h2 id="first-launch-title" className="first-launch-title">
        Add your first connection
      </h2>
      <p className="muted">
        scimwatch watches Entra ID's provisioning job and your SaaS's SCIM endpoint, and tells you when sync stalls.
      </p>
      <div className="paths-2">
        <article className="card path-card" aria-labelledby="path-add">
          <div className="empty-icon">
            <Icon name="connections" size={22} />
          </div>
          <h3 id="path-add" className="card-title">
            Add a connection
          </h3>
          <p>Watch a real pipeline. Either side alone is enough to start:</p>
          <ul className="plain-list muted">
            <li>
              <strong>Entra side</strong>: the tenant and the enterprise app that provisions users.
            </li>
            <li>
              <strong>SCIM side</strong>: the SaaS's Tenant URL and Secret Token.
            </li>
          </ul>
          <div className="path-action">
            <button type="button" className="button button-primary" onClick={() => navigate("connections", "new")}>
              <Icon name="plus" size={16} /> Add your first connection
            </button>
          </div>
        </article>
        <article className="card path-card" aria-labelledby="path-demo">
          <div className="empty-icon empty-icon-demo">
            <Icon name="play" size={22} />
          </div>
          <h3 id="path-demo" className="card-title">
            Open the demo tenant
          </h3>
          <p>
            A built-in simulated Entra tenant and SCIM app, running inside scimwatch. Switch faults on and watch
            incidents, notifications and troubleshooting react.
          </p>
          <p className="demo-label">
            <Icon name="info" size={14} /> Simulated — no real tenant is touched
          </p>
          <div className="path-action">
            <OpenDemoButton onStarted={onStarted} />
          </div>
        </article>
      </div>
    </section>
  );
}

function HealthPill({ level, label }: { level: string; label: string }) {
  return (
    <span className={`health health-${level}`}>
      <span className="health-dot" aria-hidden="true" />
      {label}
    </span>
  );
}

function OverviewCard({
  c,
  open,
  incidentsLoaded,
  tick,
  simulated,
}: {
  c: Connection;
  open: IncidentView[];
  incidentsLoaded: boolean;
  tick: number;
  simulated: boolean;
}) {
  const now = useNow();
  const id = `ov-${c.id}`;
  const status = useCommand(c.entra ? `job:${c.id}` : null, () => jobStatus(c.id));
  const token = useCommand(c.scim ? `tok:${c.id}` : null, () => tokenStatus(c.id));
  const [polling, setPolling] = useState(false);
  const [pollError, setPollError] = useState<CommandError | null>(null);

  useEffect(() => {
    if (tick > 0) {
      void status.reload();
      void token.reload();
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [tick]);

  async function poll() {
    setPolling(true);
    setPollError(null);
    try {
      await pollNow(c.id);
      await Promise.all([status.reload(), token.reload()]);
    } catch (e) {
      setPollError(toCommandError(e));
    } finally {
      setPolling(false);
    }
  }

  const entraMissing = !c.entra || noEntra(status.error);
  const report: StatusReport | null = entraMissing ? null : status.data;
  const loading = (!!c.entra && status.loading && !status.data) || !incidentsLoaded;
  const health = deriveHealth(report, open, token.data ? token.data.last_check_verdict === "ok" : null);
  const jobHint = report?.streams.find((s) => s.stream === "job" && s.state === "failing")?.hint ?? null;
  const worst = worstSeverity(open);

  return (
    <article className={`card overview-card health-card-${loading ? "loading" : health.level}`} aria-labelledby={id} aria-busy={loading || undefined}>
      <header className="overview-card-header">
        <div className="card-title-row">
          <h2 id={id} className="card-title">
            <a className="card-link" href={href("connections", c.id, "edit")}>
              {c.name}
            </a>
          </h2>
          {loading ? <Skeleton width={70} height={20} /> : <HealthPill level={health.level} label={health.label} />}
        </div>
        <span className="badges">
          <SideBadges c={c} />
          {simulated ? (
            <span className="badge badge-demo" title="The built-in demo tenant: no real tenant is touched">
              <Icon name="play" size={12} />
              Simulated
            </span>
          ) : null}
        </span>
      </header>

      {loading ? (
        <div className="stack-sm" role="status" aria-label={`Loading ${c.name}`}>
          <Skeleton width="70%" />
          <Skeleton width="55%" />
          <Skeleton width="80%" />
        </div>
      ) : (
        <>
          <p className="health-reason">{health.reason}</p>
          {status.error && !entraMissing ? <ErrorAlert error={status.error} /> : null}
          {report?.quarantine ? (
            <div className="quarantine" role="alert">
              <Icon name="alert" size={16} />
              <div>
                <p className="quarantine-title">
                  In quarantine
                  {report.quarantine.days_left != null ? (
                    <span className="quarantine-days">
                      {" "}
                      · {report.quarantine.days_left === 0 ? "Entra disables the job today" : `${report.quarantine.days_left} day${report.quarantine.days_left === 1 ? "" : "s"} left before Entra disables the job`}
                    </span>
                  ) : null}
                </p>
                <p>
                  <RichText text={report.quarantine.reason ?? "Entra did not give a reason."} capitalize />
                  {report.quarantine.error_code ? <span className="mono small"> ({report.quarantine.error_code})</span> : null}
                </p>
                {report.quarantine.error_message ? (
                  <p className="small">
                    {report.quarantine.error_source === "last_execution" ? "Last run's error: " : "Error: "}
                    <RichText text={report.quarantine.error_message} />
                  </p>
                ) : null}
                {report.quarantine.since ? (
                  <p className="small muted">
                    Since <LocalTime iso={report.quarantine.since} now={now} />
                  </p>
                ) : null}
              </div>
            </div>
          ) : null}
          {report?.graph === "blind" ? (
            <div className="callout callout-blind">
              <Icon name="eyeOff" size={16} />
              <div className="callout-content">
                <p className="callout-title">scimwatch cannot read the provisioning job</p>
                <p>
                  <RichText text={report.blind_reason ?? "Microsoft Graph refused or did not answer."} capitalize />
                </p>
                {jobHint ? (
                  <p className="small">
                    <RichText text={jobHint} capitalize />
                  </p>
                ) : null}
                {report.blind_since ? (
                  <p className="small muted">
                    Since <LocalTime iso={report.blind_since} now={now} />
                  </p>
                ) : null}
              </div>
            </div>
          ) : null}
          {report ? <StreamNotes report={report} /> : null}
          <dl className="facts facts-compact">
            {report ? (
              <>
                <dt>Job</dt>
                <dd>
                  {report.status_code ?? <span className="muted">Not read yet</span>}
                  {report.schedule_state ? <span className="muted"> · schedule {report.schedule_state.toLowerCase()}</span> : null}
                  {report.interval_minutes ? <span className="muted"> · every {report.interval_minutes} min</span> : null}
                </dd>
                <dt>Last cycle</dt>
                <dd>{report.last_cycle_ended ? <LocalTime iso={report.last_cycle_ended} now={now} /> : <span className="muted">None completed yet</span>}</dd>
                <dt>Next</dt>
                <dd className={report.next_expected && overdueText(report.next_expected, now) ? "warn-text" : undefined}>
                  {report.next_expected ? (
                    <LocalTime iso={report.next_expected} now={now} approx hint={overdueText(report.next_expected, now)} />
                  ) : (
                    <span className="muted">Not expected</span>
                  )}
                </dd>
                <Glance report={report} now={now} />
                <dt>Timing</dt>
                <dd className={report.stalled ? "warn-text" : undefined}>
                  <RichText text={report.timing} capitalize />
                </dd>
              </>
            ) : c.entra ? null : (
              <>
                <dt>Entra</dt>
                <dd className="muted">Not watched: SCIM checks only</dd>
              </>
            )}
            <dt>Incidents</dt>
            <dd>
              {open.length === 0 ? (
                <span className="muted">None open</span>
              ) : (
                <a href={href("incidents", c.id)} className="incident-count">
                  {open.length} open
                  {worst ? <SeverityBadge severity={worst} /> : null}
                </a>
              )}
            </dd>
            {c.scim ? (
              <>
                <dt>Token</dt>
                <dd>
                  <TokenCountdown t={token.data} error={token.error} now={now} />
                </dd>
              </>
            ) : null}
          </dl>
          {pollError ? <ErrorAlert error={pollError} /> : null}
          <footer className="overview-card-footer">
            <button type="button" className="button button-sm" onClick={() => void poll()} disabled={polling} aria-busy={polling || undefined} aria-label={`Poll ${c.name} now`}>
              {polling ? <span className="spinner spinner-sm" aria-hidden="true" /> : <Icon name="refresh" size={14} />}
              {polling ? "Polling…" : "Poll now"}
            </button>
            {health.level === "problem" || health.level === "blind" || health.level === "attention" ? (
              <a className="button button-sm button-primary" href={href("troubleshooting", c.id)}>
                Troubleshoot
              </a>
            ) : null}
            {report?.job_read_at ? (
              <span className="small muted footer-note">
                Read {formatRelative(report.job_read_at, now)}
              </span>
            ) : null}
          </footer>
        </>
      )}
    </article>
  );
}

/** What the job says of itself: provisioned counts, cycle kind and progress, steady state. */
function Glance({ report, now }: { report: StatusReport; now: Date }) {
  const g = report.glance;
  const counts =
    g.users_provisioned != null || g.groups_provisioned != null
      ? [
          g.users_provisioned != null ? `${g.users_provisioned.toLocaleString()} user${g.users_provisioned === 1 ? "" : "s"}` : null,
          g.groups_provisioned != null ? `${g.groups_provisioned.toLocaleString()} group${g.groups_provisioned === 1 ? "" : "s"}` : null,
        ]
          .filter(Boolean)
          .join(" · ")
      : null;
  const progress =
    g.progress_total != null && g.progress_completed != null && g.progress_total > 0
      ? `${g.progress_completed.toLocaleString()} of ${g.progress_total.toLocaleString()} ${g.progress_units ?? "units"} (${Math.min(100, Math.round((100 * g.progress_completed) / g.progress_total))} %)`
      : null;
  return (
    <>
      <dt>Provisioned</dt>
      <dd>{counts ?? <span className="muted">Not reported by Entra</span>}</dd>
      {g.cycle_kind ? (
        <>
          <dt>Cycle</dt>
          <dd>
            {g.cycle_kind === "initial" ? "Initial cycle" : "Incremental cycles"}
            {progress ? <span className="muted"> · {progress}</span> : null}
          </dd>
        </>
      ) : null}
      {g.steady_state_known ? (
        <>
          <dt>Steady state</dt>
          <dd>
            {g.steady_state_last ?? g.steady_state_first ? (
              <>
                Reached <LocalTime iso={(g.steady_state_last ?? g.steady_state_first)!} now={now} />
              </>
            ) : (
              <span className="muted">Not reached yet</span>
            )}
          </dd>
        </>
      ) : null}
    </>
  );
}

function TokenCountdown({ t, error, now }: { t: TokenStatus | null; error: CommandError | null; now: Date }) {
  if (error) return <span className="muted">Unknown ({error.message})</span>;
  if (!t) return <Skeleton width={90} />;
  // The latest Test Connection was refused: whatever the expiry says, the token does not work.
  if (t.last_check_verdict === "unauthorized") {
    return (
      <span className="expiry expiry-expired">
        <span className="expiry-dot" aria-hidden="true" />
        <span>
          Refused
          {t.last_checked_at ? (
            <span className="muted">
              {" "}
              · tested <LocalTime iso={t.last_checked_at} now={now} />
            </span>
          ) : null}
        </span>
      </span>
    );
  }
  if (t.days_left == null) return <span className="muted">Expiry not known</span>;
  const level = t.days_left < 0 ? "expired" : t.days_left <= 7 ? "urgent" : t.days_left <= 30 ? "soon" : "ok";
  return (
    <span className={`expiry expiry-${level}`}>
      <span className="expiry-dot" aria-hidden="true" />
      <span className="relative-hint" title={t.expires_at ? formatUtc(t.expires_at) : undefined}>
        {t.days_left < 0
          ? `Expired ${-t.days_left} day${t.days_left === -1 ? "" : "s"} ago`
          : t.days_left === 0
            ? "Expires today"
            : `${t.days_left} day${t.days_left === 1 ? "" : "s"} left`}
      </span>
    </span>
  );
}

function CyclesCard({ c, tick }: { c: Connection; tick: number }) {
  const cycles = useCommand(`cycles:${c.id}`, () => listCycles(c.id));
  const titleId = `cycles-${c.id}`;
  useEffect(() => {
    if (tick > 0) void cycles.reload();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [tick]);
  const list = cycles.data;
  return (
    <section className="card" aria-labelledby={titleId}>
      <header className="table-card-header chart-header">
        <h3 id={titleId} className="card-title">
          {c.name}
        </h3>
        {list && list.length > 0 ? (
          <span className="muted small">
            Last {Math.min(list.length, 30)} cycle{list.length === 1 ? "" : "s"} · <a href={href("logs", c.id)}>Open the logs</a>
          </span>
        ) : null}
      </header>
      {cycles.error ? (
        noEntra(cycles.error) ? (
          <p className="muted">No cycle read for this connection.</p>
        ) : (
          <ErrorAlert
            error={cycles.error}
            action={
              <button type="button" className="button button-sm" onClick={() => void cycles.reload()}>
                Try again
              </button>
            }
          />
        )
      ) : null}
      {cycles.loading && !list ? (
        <div role="status" aria-label={`Loading cycles of ${c.name}`}>
          <Skeleton width="100%" height={160} />
        </div>
      ) : null}
      {list && list.length === 0 ? (
        <p className="muted">
          No provisioning cycle recorded yet. Cycles appear once Entra's provisioning logs have been read (they need Entra
          ID P1 or P2).
        </p>
      ) : null}
      {list && list.length > 0 ? <CycleChart cycles={list} title={`Cycles of ${c.name}`} /> : null}
    </section>
  );
}

function DemoPanel({ status, onChange }: { status: DemoStatus; onChange: (s: DemoStatus) => void }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  async function apply(kind: string | null, on: boolean) {
    setBusy(kind ?? "clear");
    setError(null);
    try {
      if (kind && on) {
        onChange(await setDemoFault(kind));
      } else {
        // Switching one off: clear all, then switch the others back on.
        const keep = status.faults.filter((f) => f.active && f.kind !== kind).map((f) => f.kind);
        let next = await setDemoFault(null);
        for (const k of kind ? keep : []) next = await setDemoFault(k);
        onChange(next);
      }
    } catch (e) {
      setError(toCommandError(e));
    } finally {
      setBusy(null);
    }
  }
  const anyActive = status.faults.some((f) => f.active);
  return (
    <section className="card demo-panel" aria-labelledby="demo-title">
      <header className="demo-header">
        <div>
          <p className="demo-kicker">
            <Icon name="play" size={12} /> Demo tenant · Simulated — no real tenant is touched
          </p>
          <h2 id="demo-title" className="card-title">
            Demo faults
          </h2>
          <p className="muted">
            Switch one on, then watch: an incident opens, a desktop notification appears and Troubleshooting points at
            the failing step.
          </p>
        </div>
        <button type="button" className="button button-sm" onClick={() => void apply(null, false)} disabled={!!busy || !anyActive}>
          Clear all faults
        </button>
      </header>
      {error ? <ErrorAlert error={error} /> : null}
      <ul className="fault-list" aria-label="Demo faults">
        {status.faults.map((f) => (
          <li key={f.kind} className="fault">
            <button
              type="button"
              role="switch"
              aria-checked={f.active}
              className="switch"
              disabled={!!busy}
              onClick={() => void apply(f.kind, !f.active)}
              aria-label={f.description}
            >
              <span className="switch-track" aria-hidden="true">
                <span className="switch-thumb" />
              </span>
            </button>
            <span className="fault-text">
              <span className="fault-name">{f.description}</span>
              <span className="mono small muted">{f.kind}</span>
            </span>
            {busy === f.kind ? <span className="spinner spinner-sm" aria-hidden="true" /> : null}
          </li>
        ))}
      </ul>
      {status.connection_id ? (
        <p className="small muted">
          <a href={href("troubleshooting", status.connection_id)}>Open Troubleshooting for the demo tenant</a>
          <span aria-hidden="true"> · </span>
          <a href={href("incidents", status.connection_id)}>Its incidents</a>
        </p>
      ) : null}
      {!anyActive ? <Alert tone="info" title="No fault is on: the demo tenant provisions normally." /> : null}
    </section>
  );
}
