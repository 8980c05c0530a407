// "Test with Entra's requests" on Inventory → Compliance: the stored report
// (the last write probe, else the last read-only one), the read-only probe
// (no confirmation: it only reads), the write probe behind two confirmations,
// progress and Cancel while it runs (the run still cleans up), and the
// throwaway objects an interrupted probe left, with their ids and a clean-up.
import { useEffect, useState } from "react";
import type { CommandError } from "../../bindings/CommandError";
import type { Connection } from "../../bindings/Connection";
import type { ProbePlan } from "../../bindings/ProbePlan";
import type { ProbeStep } from "../../bindings/ProbeStep";
import type { StoredProbe } from "../../bindings/StoredProbe";
import { Alert, ErrorAlert } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { LocalTime } from "../../components/Time";
import { cancelProbe, onProbeProgress, probeCleanup, probePlan, runProbe, storedProbe, toCommandError } from "../../lib/ipc";
import { useCommand } from "../../lib/useCommand";
import { ProbeAcknowledgeDialog, ProbeRequestsDialog } from "./ProbeDialogs";
import { OUTCOME_LABEL, ProbeReportView } from "./ProbeReport";

/** Entra's operations the probe replays (one result each). */
const OPERATIONS = 21;

type Phase =
  | { kind: "idle" }
  | { kind: "planning" }
  | { kind: "requests"; plan: ProbePlan }
  | { kind: "acknowledge"; plan: ProbePlan }
  | { kind: "running"; write: boolean };

export function ProbeSection({ c, onFinished }: { c: Connection; onFinished?: () => void }) {
  const stored = useCommand(`probe:${c.id}`, () => storedProbe(c.id));
  const [phase, setPhase] = useState<Phase>({ kind: "idle" });
  const [steps, setSteps] = useState<ProbeStep[]>([]);
  const [error, setError] = useState<CommandError | null>(null);
  const [cancelling, setCancelling] = useState(false);
  const [cleaning, setCleaning] = useState(false);
  const running = phase.kind === "running";

  useEffect(() => {
    if (!running) return;
    let stop: (() => void) | null = null;
    let gone = false;
    void onProbeProgress((e) => {
      if (e.connection_id === c.id) setSteps((list) => [...list, e.step]);
    }).then((f) => {
      if (gone) f();
      else stop = f;
    });
    return () => {
      gone = true;
      stop?.();
    };
  }, [running, c.id]);

  async function run(plan: ProbePlan | null, host: string | null) {
    setPhase({ kind: "running", write: plan !== null });
    setSteps([]);
    setError(null);
    setCancelling(false);
    try {
      const s = await runProbe(c.id, plan && host ? { token: plan.token, host } : null);
      stored.set(s);
      onFinished?.();
    } catch (e) {
      setError(toCommandError(e));
    } finally {
      setPhase({ kind: "idle" });
    }
  }

  async function plan() {
    setPhase({ kind: "planning" });
    setError(null);
    try {
      setPhase({ kind: "requests", plan: await probePlan(c.id) });
    } catch (e) {
      setError(toCommandError(e));
      setPhase({ kind: "idle" });
    }
  }

  async function cancel() {
    setCancelling(true);
    try {
      await cancelProbe(c.id);
    } catch (e) {
      setError(toCommandError(e));
    }
  }

  async function cleanUp() {
    setCleaning(true);
    setError(null);
    try {
      stored.set(await probeCleanup(c.id));
    } catch (e) {
      setError(toCommandError(e));
    } finally {
      setCleaning(false);
    }
  }

  const s: StoredProbe | null = stored.data;
  const report = s?.write ?? s?.read_only ?? null;
  const busy = phase.kind !== "idle" || s?.running === true;
  const noToken = !c.has_scim_token;
  return (
    <section className="card" aria-labelledby="probe-title" data-testid="probe-section">
      <div className="compliance-head-row">
        <div className="stack-sm">
          <h3 id="probe-title" className="card-title">
            Test with Entra's requests
          </h3>
          <p className="muted small">
            The checks above only read. Entra also writes: it creates users, changes their mail and userName, disables them, renames groups and
            adds and removes members — failures there show only days later, as escrows, quarantine or duplicates. The write probe replays
            those requests exactly as Entra sends them, with a throwaway <span className="mono">scimwatch-probe-…</span> user and group it
            always deletes. Run it before switching provisioning on, against a sandbox of the SaaS (or production with consent), and after the
            vendor changes its SCIM server.
          </p>
        </div>
        <div className="card-actions">
          <button type="button" className="button" onClick={() => void run(null, null)} disabled={busy || noToken}>
            <Icon name="play" size={14} />
            Read-only checks
          </button>
          <button type="button" className="button button-primary" onClick={() => void plan()} disabled={busy || noToken} aria-busy={phase.kind === "planning" || undefined}>
            {phase.kind === "planning" ? <span className="spinner spinner-sm" aria-hidden="true" /> : <Icon name="play" size={14} />}
            Test with Entra's requests…
          </button>
        </div>
      </div>

      {running ? (
        <div className="stack-sm" role="status" data-testid="probe-progress">
          <p>
            <span className="spinner spinner-sm" aria-hidden="true" />{" "}
            {phase.write
              ? `Sending Entra's requests: ${steps.length} of ${OPERATIONS} operations done${steps.length ? ` (last: ${steps[steps.length - 1]!.title} — ${OUTCOME_LABEL[steps[steps.length - 1]!.outcome]})` : ""}…`
              : "Running the read-only checks…"}
          </p>
          {phase.write ? (
            <p>
              <button type="button" className="button" onClick={() => void cancel()} disabled={cancelling}>
                <Icon name="stop" size={14} />
                {cancelling ? "Cancelling — cleaning up…" : "Cancel"}
              </button>
            </p>
          ) : null}
        </div>
      ) : null}

      {error ? <ErrorAlert error={error} /> : null}
      {stored.error && !s ? <ErrorAlert error={stored.error} /> : null}

      {s && s.pending.length ? (
        <Alert
          tone="warning"
          title={`${s.pending.length} throwaway object${s.pending.length === 1 ? "" : "s"} of an interrupted probe ${s.pending.length === 1 ? "is" : "are"} still in the SaaS`}
          action={
            <button type="button" className="button" onClick={() => void cleanUp()} disabled={cleaning || busy}>
              {cleaning ? "Cleaning up…" : "Clean up now"}
            </button>
          }
        >
          <ul data-testid="probe-leftovers">
            {s.pending.map((l, i) => (
              <li key={i} className="small">
                <span className="mono selectable">
                  {l.resource}/{l.id ?? "id unknown"}
                </span>{" "}
                ({l.names.join(", ")}): {l.reason}
              </li>
            ))}
          </ul>
        </Alert>
      ) : null}

      {report ? (
        <ProbeReportView report={report} connectionId={c.id} connectionName={c.name} />
      ) : s && !running ? (
        <p className="muted" data-testid="probe-never">
          Never probed: how this SaaS handles Entra's writes is unknown.
        </p>
      ) : null}
      {s?.write && s.read_only && s.read_only.checked_at > s.write.checked_at ? (
        <p className="muted small">
          A read-only probe ran later (<LocalTime iso={s.read_only.checked_at} />); it sends none of Entra's writes, so the write probe's result
          above still stands.
        </p>
      ) : null}

      {phase.kind === "requests" ? (
        <ProbeRequestsDialog plan={phase.plan} onCancel={() => setPhase({ kind: "idle" })} onContinue={() => setPhase({ kind: "acknowledge", plan: phase.plan })} />
      ) : null}
      {phase.kind === "acknowledge" ? (
        <ProbeAcknowledgeDialog plan={phase.plan} onCancel={() => setPhase({ kind: "idle" })} onConfirm={(host) => void run(phase.plan, host)} />
      ) : null}
    </section>
  );
}
