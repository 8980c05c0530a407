// The guided checklist: every usual cause of a stalled or failing sync, one
// step at a time, with live evidence, the fix and a link to the right page.
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import type { ChecklistView } from "../bindings/ChecklistView";
import type { CommandError } from "../bindings/CommandError";
import type { Connection } from "../bindings/Connection";
import type { StepResult } from "../bindings/StepResult";
import type { StepStatus } from "../bindings/StepStatus";
import { ConnectionScreen } from "../components/ConnectionScreen";
import { CopyButton } from "../components/CopyButton";
import { EvidenceList } from "../components/EvidenceList";
import { ExternalLink } from "../components/ExternalLink";
import { ErrorAlert, Skeleton, RetryAlert } from "../components/Feedback";
import { Icon } from "../components/Icon";
import { RichText } from "../components/RichText";
import { SeverityBadge } from "../components/Severity";
import { LocalTime, useNow } from "../components/Time";
import { confirmStep, runChecklist, toCommandError } from "../lib/ipc";
import { useCommand } from "../lib/useCommand";
import { PROBE_STEP_ID, ProbeStepHelp } from "./inventory/ProbeHelp";

const STATUS_LABELS: Record<StepStatus, string> = {
  pass: "Pass",
  fail: "Fail",
  unknown: "Could not check",
  confirmed: "Confirmed",
  not_applicable: "Not applicable",
};

export function TroubleshootingScreen({ rest }: { rest: string[] }) {
  // Every connection qualifies, so the empty state means none at all: "Add a connection".
  return (
    <ConnectionScreen
      screen="troubleshooting"
      side="any"
      rest={rest}
      title="Troubleshooting"
      subtitle="A guided checklist for a sync that stalls or fails."
      skeleton={<ChecklistSkeleton />}
      empty={{
        icon: "troubleshooting",
        title: "Nothing to troubleshoot yet",
        body: <p>The checklist walks through the token, the Tenant URL, the job's state, quarantine, scope and mappings of a connection.</p>,
      }}
    >
      {(c) => <Checklist c={c} />}
    </ConnectionScreen>
  );
}

function ChecklistSkeleton() {
  return (
    <div className="checklist" role="status" aria-label="Running the checklist">
      <div className="card stack-sm">
        {[0, 1, 2, 3, 4, 5].map((i) => (
          <Skeleton key={i} width={`${70 + (i % 3) * 10}%`} height={18} />
        ))}
      </div>
      <div className="card stack-sm">
        <Skeleton width="40%" height={20} />
        <Skeleton width="90%" />
        <Skeleton width="80%" />
      </div>
    </div>
  );
}

export function StatusIcon({ status }: { status: StepStatus }) {
  return (
    <span className={`step-icon step-icon-${status === "not_applicable" ? "unknown" : status}`} aria-hidden="true">
      <Icon name={status === "pass" || status === "confirmed" ? "check" : status === "fail" ? "close" : "info"} size={14} />
    </span>
  );
}

function Checklist({ c }: { c: Connection }) {
  const view = useCommand(`checklist:${c.id}`, () => runChecklist(c.id));
  const [selected, setSelected] = useState<string | null>(null);
  const [rechecking, setRechecking] = useState(false);
  const focusFirst = useRef(true);
  const stepRefs = useRef<Record<string, HTMLButtonElement | null>>({});
  const v = view.data;
  const steps = v?.run.steps ?? [];
  const current = steps.find((s) => s.id === selected) ?? steps.find((s) => s.id === v?.run.first_failing) ?? steps[0] ?? null;

  // Land on the first failing step (`current` falls back to it while nothing is
  // selected) and move focus there once. The effect must not select: it can run
  // after a click that came in right as the checklist rendered, and would undo it.
  useEffect(() => {
    if (!v || !focusFirst.current) return;
    focusFirst.current = false;
    const first = v.run.first_failing;
    if (first) window.setTimeout(() => stepRefs.current[first]?.focus(), 0);
  }, [v]);

  async function recheck() {
    setRechecking(true);
    setSelected(null);
    focusFirst.current = true;
    await view.reload();
    setRechecking(false);
  }

  function onKeyDown(e: KeyboardEvent<HTMLOListElement>) {
    const i = steps.findIndex((s) => s.id === current?.id);
    let next = -1;
    if (e.key === "ArrowDown") next = Math.min(steps.length - 1, i + 1);
    else if (e.key === "ArrowUp") next = Math.max(0, i - 1);
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = steps.length - 1;
    if (next < 0) return;
    e.preventDefault();
    setSelected(steps[next]!.id);
    stepRefs.current[steps[next]!.id]?.focus();
  }

  const counts = steps.reduce<Record<string, number>>((acc, s) => ({ ...acc, [s.status]: (acc[s.status] ?? 0) + 1 }), {});

  return (
    <>
      <div className="toolbar">
        <div className="toolbar-text">
          <span className="toolbar-title">{c.name}</span>
          {v ? (
            <span className="muted small">
              <OverallBadge overall={v.run.overall} /> {counts.pass ?? 0} passed · {counts.fail ?? 0} failed · {counts.unknown ?? 0} could not check
              {counts.confirmed ? ` · ${counts.confirmed} confirmed by you` : ""}
              {counts.not_applicable ? ` · ${counts.not_applicable} not applicable` : ""} · checked <LocalTime iso={v.run.evaluated_at} />
            </span>
          ) : null}
        </div>
        <div className="toolbar-actions">
          {v ? <CopyButton text={() => v.report_markdown} label="Copy report" className="button" /> : null}
          <button type="button" className="button button-primary" onClick={() => void recheck()} disabled={rechecking || view.loading} aria-busy={rechecking || undefined}>
            {rechecking ? <span className="spinner spinner-sm" aria-hidden="true" /> : <Icon name="refresh" size={14} />}
            {rechecking ? "Checking…" : "Re-check"}
          </button>
        </div>
      </div>
      {view.error ? (
        <RetryAlert error={view.error} onRetry={view.reload} />
      ) : null}
      {view.loading && !v ? <ChecklistSkeleton /> : null}
      {v && v.findings.length > 0 ? (
        <section className="card" aria-labelledby="findings-title">
          <h2 id="findings-title" className="card-title">
            Findings
          </h2>
          <ul className="finding-list">
            {v.findings.map((f, i) => (
              <li key={i} className={`finding-item finding-item-${f.severity}`}>
                <SeverityBadge severity={f.severity} />
                <div>
                  <p className="finding-title">
                    <RichText text={f.title} capitalize />
                  </p>
                  <p className="small muted">
                    <RichText text={f.action} capitalize />
                  </p>
                </div>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {v && v.findings.length === 0 && v.run.overall === "pass" ? (
        <div className="card hint-card hint-ok">
          <Icon name="check" size={16} />
          <p>Every check passes and nothing is wrong that scimwatch can see.</p>
        </div>
      ) : null}
      {v && current ? (
        <div className="checklist" aria-busy={view.loading || undefined}>
          <nav className="card step-nav" aria-label="Checklist steps">
            <ol className="step-list" onKeyDown={onKeyDown}>
              {steps.map((s, i) => (
                <li key={s.id}>
                  <button
                    ref={(el) => {
                      stepRefs.current[s.id] = el;
                    }}
                    type="button"
                    className={`step-item step-item-${s.status}${s.id === v.run.first_failing ? " step-first-failing" : ""}`}
                    aria-current={s.id === current.id ? "step" : undefined}
                    tabIndex={s.id === current.id ? 0 : -1}
                    onClick={() => setSelected(s.id)}
                  >
                    <StatusIcon status={s.status} />
                    <span className="step-number">{i + 1}.</span>
                    <span className="step-name">{s.title}</span>
                    <span className="visually-hidden"> — {STATUS_LABELS[s.status]}</span>
                    {s.id === v.run.first_failing ? <span className="badge badge-tone-bad step-start">Start here</span> : null}
                  </button>
                </li>
              ))}
            </ol>
          </nav>
          <StepDetail key={current.id} c={c} step={current} index={steps.indexOf(current)} onView={(next) => view.set(next)} />
        </div>
      ) : null}
    </>
  );
}

function OverallBadge({ overall }: { overall: ChecklistView["run"]["overall"] }) {
  const map = { pass: ["badge-tone-ok", "All clear"], fail: ["badge-tone-bad", "Problems found"], incomplete: ["badge-tone-warn", "Incomplete"] } as const;
  const [cls, label] = map[overall];
  return <span className={`badge ${cls}`}>{label}</span>;
}

function StepDetail({ c, step, index, onView }: { c: Connection; step: StepResult; index: number; onView: (v: ChecklistView) => void }) {
  const now = useNow();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<CommandError | null>(null);
  const o = step.outcome;

  async function confirm() {
    setBusy(true);
    setError(null);
    try {
      onView(await confirmStep(c.id, step.id));
    } catch (e) {
      setError(toCommandError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className={`card step-detail step-detail-${step.status}`} aria-labelledby="step-title" aria-live="polite">
      <header className="step-detail-header">
        <StatusIcon status={step.status} />
        <div>
          <p className="section-kicker">
            Step {index + 1} · {STATUS_LABELS[step.status]}
          </p>
          <h2 id="step-title" className="card-title">
            {step.title}
          </h2>
        </div>
      </header>
      <p>
        <RichText text={step.explains} capitalize />
      </p>
      {step.id === PROBE_STEP_ID ? <ProbeStepHelp c={c} /> : null}
      <p className={`step-summary step-summary-${step.status}`}>
        <RichText text={o.summary} capitalize />
      </p>
      {o.evidence.length > 0 ? (
        <div>
          <h3 className="section-kicker">Evidence</h3>
          <EvidenceList evidence={o.evidence} now={now} />
          {o.observed_at ? (
            <p className="small muted">
              Observed <LocalTime iso={o.observed_at} now={now} />
            </p>
          ) : null}
        </div>
      ) : null}
      {o.why_unknown ? (
        <div className="callout">
          <Icon name="info" size={16} />
          <div className="callout-content">
            <p className="callout-title">Why scimwatch could not check</p>
            <p>
              <RichText text={o.why_unknown} capitalize />
            </p>
          </div>
        </div>
      ) : null}
      {step.status !== "pass" && step.status !== "confirmed" && step.status !== "not_applicable" && step.fix_steps.length > 0 ? (
        <div>
          <h3 className="section-kicker">How to fix it</h3>
          <ol className="steps fix-steps">
            {step.fix_steps.map((f, i) => (
              <li key={i}>
                <RichText text={f} capitalize />
              </li>
            ))}
          </ol>
        </div>
      ) : null}
      {step.deep_link ? (
        <div className="deep-link">
          {/* Opens in the default browser, only on the portal host of this connection's cloud. */}
          <ExternalLink url={step.deep_link} cloud={c.entra?.cloud}>
            {step.deep_link_label ?? "Open in the browser"}
          </ExternalLink>
        </div>
      ) : null}
      {step.status === "confirmed" && step.confirmed_at ? (
        <p className="ok-text">
          <Icon name="check" size={14} /> You confirmed this <LocalTime iso={step.confirmed_at} now={now} />
        </p>
      ) : null}
      {step.confirmation_note ? (
        <div className="callout" role="note">
          <Icon name="info" size={16} />
          <div className="callout-content">
            <p className="callout-title">Your confirmation does not override the live evidence</p>
            <p>
              <RichText text={step.confirmation_note} capitalize />
            </p>
          </div>
        </div>
      ) : null}
      {step.manual_confirmation && step.status !== "confirmed" && step.status !== "pass" && step.status !== "not_applicable" && !step.confirmation_note ? (
        <div className="callout callout-action">
          <Icon name="check" size={16} />
          <div className="callout-content">
            <p className="callout-title">Check it yourself</p>
            <p>
              <RichText text={step.manual_confirmation} capitalize />
            </p>
          </div>
          <div className="callout-actions">
            <button type="button" className="button button-sm button-primary" onClick={() => void confirm()} disabled={busy} aria-busy={busy || undefined}>
              {busy ? <span className="spinner spinner-sm" aria-hidden="true" /> : null}
              I've checked this
            </button>
          </div>
        </div>
      ) : null}
      {error ? <ErrorAlert error={error} /> : null}
    </section>
  );
}
