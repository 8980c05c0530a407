// The demo tenant's fault switches (Overview).
import { useState } from "react";
import type { CommandError } from "../../bindings/CommandError";
import type { DemoStatus } from "../../bindings/DemoStatus";
import { Alert, ErrorAlert } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { setDemoFault, toCommandError } from "../../lib/ipc";
import { href } from "../../lib/router";

export function DemoPanel({ status, onChange }: { status: DemoStatus; onChange: (s: DemoStatus) => void }) {
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
