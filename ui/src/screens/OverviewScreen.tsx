// The health of every connection at a glance: what Entra's job is doing, the
// recent cycles, open incidents, the token, and the demo tenant's switches.
import { useEffect, useState, type ReactNode } from "react";
import type { CommandError } from "../bindings/CommandError";
import type { Connection } from "../bindings/Connection";
import type { IncidentView } from "../bindings/IncidentView";
import type { StatusReport } from "../bindings/StatusReport";
import type { StreamView } from "../bindings/StreamView";
import { SideBadges } from "../components/ConnectionFacts";
import { CycleChart } from "../components/CycleChart";
import { ErrorAlert, Skeleton, RetryAlert } from "../components/Feedback";
import { Icon } from "../components/Icon";
import { Page } from "../components/Page";
import { RichText } from "../components/RichText";
import { SeverityBadge } from "../components/Severity";
import { SignInButton } from "../components/SignInDialog";
import { LocalTime, useNow } from "../components/Time";
import { useToasts } from "../components/Toasts";
import { useConnections } from "../lib/connections";
import { useDemoStart } from "../lib/demoStart";
import { deriveHealth, deriveTenantHealth, worstSeverity } from "../lib/health";
import {
  demoStatus,
  jobStatus,
  listCycles,
  listIncidents,
  onIncidentsChanged,
  onPollEvent,
  pollNow,
  tenantSummary,
  tokenStatus,
  toCommandError,
} from "../lib/ipc";
import { href } from "../lib/router";
import { formatRelative, overdueText } from "../lib/time";
import { RestartButton } from "../components/RemediationActions";
import { DemoPanel } from "./overview/DemoPanel";
import { Glance, TokenCountdown } from "./overview/Facts";
import { DemoSkeleton } from "./overview/DemoSkeleton";
import { FirstLaunch } from "./overview/FirstLaunch";
import { TenantFacts } from "./overview/TenantFacts";
import { FindUser } from "./trace/FindUser";
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
  const reason = s.reason ? `: ${s.reason}` : "";
  // scimwatch's own database or secret store failed: never Graph's fault.
  if (s.problem === "local") return `${name} not updated — a problem on this computer, not in Microsoft Graph${reason}`;
  const answered =
    s.http_status != null
      ? `Graph answered ${s.http_status}`
      : s.problem === "unreachable"
        ? "no answer from Microsoft Graph"
        : s.problem === "bad_answer"
          ? "no usable answer from Microsoft Graph"
          : "not read";
  return `${name} could not be read — ${answered}${reason}`;
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
  const demoStart = useDemoStart();

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
      wide
      title="Overview"
      subtitle="The health of every provisioning pipeline scimwatch watches."
      actions={list && list.length > 0 ? <PollAllButton onDone={() => void incidents.reload()} /> : null}
    >
      {state.status === "error" ? <RetryAlert error={state.error} onRetry={reload} busy={refreshing} /> : null}
      {state.status === "loading" && demoStart.state !== "starting" ? (
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
      {demoStart.state === "starting" && !(list && list.length > 0) ? <DemoSkeleton /> : null}
      {list && list.length === 0 && demoStart.state !== "starting" ? (
        <FirstLaunch onStarted={() => void Promise.all([reload(), demo.reload()])} />
      ) : null}
      {incidents.error && list && list.length > 0 ? (
        <RetryAlert error={incidents.error} onRetry={incidents.reload} />
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
          <FindUser connections={list} />
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
  // An all-apps tenant has no job of its own: its card summarises its apps.
  const isTenant = c.group?.role === "tenant";
  const tenant = useCommand(isTenant ? `tenant:${c.id}` : null, () => tenantSummary(c.id));
  const [polling, setPolling] = useState(false);
  const [pollError, setPollError] = useState<CommandError | null>(null);

  useEffect(() => {
    if (tick > 0) {
      void status.reload();
      void token.reload();
      void tenant.reload();
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [tick]);

  async function poll() {
    setPolling(true);
    setPollError(null);
    try {
      await pollNow(c.id);
      await Promise.all([status.reload(), token.reload(), tenant.reload()]);
    } catch (e) {
      setPollError(toCommandError(e));
    } finally {
      setPolling(false);
    }
  }

  const entraMissing = !c.entra || noEntra(status.error);
  const report: StatusReport | null = entraMissing ? null : status.data;
  const loading = (!!c.entra && status.loading && !status.data) || (isTenant && tenant.loading && !tenant.data) || !incidentsLoaded;
  const health = isTenant
    ? tenant.data
      ? deriveTenantHealth(tenant.data, open)
      : { level: "not_polled" as const, label: "Could not check", reason: "The tenant's apps could not be read." }
    : deriveHealth(report, open, token.data ? token.data.last_check_verdict === "ok" : null);
  const jobHint = report?.streams.find((s) => s.stream === "job" && s.state === "failing")?.hint ?? null;
  // The admin's own sign-in was refused (expired, revoked): sign in again from here.
  const signInRefused =
    c.entra?.auth_mode === "delegated" &&
    !!report?.streams.some((s) => s.stream === "job" && s.state === "failing" && s.problem === "refused" && s.http_status == null);
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
          {tenant.error ? <ErrorAlert error={tenant.error} /> : null}
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
                <RestartButton connectionId={c.id} />
              </div>
            </div>
          ) : null}
          {report?.graph === "blind" ? (
            <div className="callout callout-blind">
              <Icon name="eyeOff" size={16} />
              <div className="callout-content">
                <p className="callout-title">{isTenant ? "scimwatch cannot read the tenant's apps" : "scimwatch cannot read the provisioning job"}</p>
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
                {signInRefused ? <SignInButton connectionId={c.id} name={c.name} onEnded={() => void status.reload()} /> : null}
              </div>
            </div>
          ) : null}
          {report ? <StreamNotes report={report} /> : null}
          <dl className="facts facts-compact">
            {isTenant ? (
              tenant.data ? (
                <TenantFacts summary={tenant.data} />
              ) : null
            ) : report ? (
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
          <RetryAlert error={cycles.error} onRetry={cycles.reload} />
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

