// The two confirmations before "Test with Entra's requests" writes to the
// SaaS: first the endpoint host and the exact requests (with what they create
// and always delete), then an explicit acknowledgement — the host typed back.
// Nothing is sent before the second is confirmed; the engine refuses a write
// without the plan's token and the host as well.
import { useId, useRef, useState } from "react";
import type { ProbePlan } from "../../bindings/ProbePlan";
import { CodeDisclosure } from "../../components/CodeDisclosure";
import { Dialog } from "../../components/Dialog";
import { Field } from "../../components/Field";

/** First confirmation: where, what is sent, what is created. */
export function ProbeRequestsDialog({ plan, onCancel, onContinue }: { plan: ProbePlan; onCancel: () => void; onContinue: () => void }) {
  const writes = plan.requests.filter((r) => r.method !== "GET").length;
  return (
    <Dialog
      title="Test with Entra's requests: what will be sent"
      description={
        <>
          To <strong className="mono">{plan.host}</strong> — {plan.requests.length} requests, {writes} of them writes. Nothing has been sent yet.
        </>
      }
      onClose={onCancel}
      size="lg"
      dismissOnBackdrop={false}
      footer={
        <>
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="button" className="button button-primary" onClick={onContinue}>
            Continue…
          </button>
        </>
      }
    >
      <div className="stack" data-testid="probe-plan">
        <p>
          Endpoint: <span className="mono selectable">{plan.url}</span>
        </p>
        <div>
          <p>It creates, in this SaaS — and always deletes afterwards, also after a failure or a cancel:</p>
          <ul>
            {plan.creates.map((c) => (
              <li key={c} className="mono small selectable">
                {c}
              </li>
            ))}
          </ul>
          <p className="muted small">
            Each object is put on scimwatch's clean-up list before the request that creates it; what cannot be deleted is shown with its id on
            this tab and deleted again when scimwatch next starts.
          </p>
        </div>
        <div>
          <p>The requests, in order (each with the connection's token; ids are the ones the SaaS assigns):</p>
          <ol className="probe-plan-list" aria-label="Requests the probe sends">
            {plan.requests.map((r, i) => (
              <li key={i} className="small">
                <span className="mono selectable">
                  {r.method} {r.url}
                </span>{" "}
                <span className="muted">({r.note.replace(/_/g, " ")})</span>
                {r.body ? (
                  <CodeDisclosure summary="Body" small>
                    {r.body}
                  </CodeDisclosure>
                ) : null}
              </li>
            ))}
          </ol>
        </div>
      </div>
    </Dialog>
  );
}

/** Second confirmation: the host typed back. `onConfirm` gets what was typed. */
export function ProbeAcknowledgeDialog({ plan, onCancel, onConfirm }: { plan: ProbePlan; onCancel: () => void; onConfirm: (host: string) => void }) {
  const [typed, setTyped] = useState("");
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const matches = typed.trim().toLowerCase() === plan.host.toLowerCase();
  return (
    <Dialog
      title={`Write to ${plan.host}?`}
      onClose={onCancel}
      size="sm"
      role="alertdialog"
      dismissOnBackdrop={false}
      initialFocus={input}
      form={{
        onSubmit: (e) => {
          e.preventDefault();
          if (matches) onConfirm(typed.trim());
        },
      }}
      footer={
        <>
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="button button-danger" disabled={!matches}>
            Send Entra's requests
          </button>
        </>
      }
    >
      <p>
        The probe creates, changes and deletes a <span className="mono">scimwatch-probe-{plan.token}</span> user and group in the SaaS at{" "}
        <strong className="mono">{plan.host}</strong>. Use a sandbox of the SaaS, or production only if you may write to it.
      </p>
      <Field id={id} label={<>I understand this writes to {plan.host} — type the host to confirm</>}>
        <input
          id={id}
          ref={input}
          className="input mono"
          autoComplete="off"
          spellCheck={false}
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          placeholder={plan.host}
        />
      </Field>
    </Dialog>
  );
}
