// The pieces the remediation actions share: the exact Graph request, the
// portal-like steps of a provision-on-demand run, the confirm-then-send
// dialog (nothing is sent before "Send"), and the portal fallback shown
// while the actions are off.
import { useEffect, useState, type ReactNode } from "react";
import type { CommandError } from "../bindings/CommandError";
import type { GraphCall } from "../bindings/GraphCall";
import type { OnDemandResult } from "../bindings/OnDemandResult";
import type { PortalLinks } from "../bindings/PortalLinks";
import { toCommandError } from "../lib/ipc";
import { CopyButton } from "./CopyButton";
import { Dialog } from "./Dialog";

/** Method, URL and body, exactly as they will be (or were) sent. */
export function GraphCallView({ call }: { call: GraphCall }) {
  return (
    <div className="exchange" aria-label="Microsoft Graph request">
      <div className="exchange-header">
        <span className="exchange-method">{call.method}</span>
        <span className="exchange-url mono selectable" data-testid="graph-call-url">
          {call.url}
        </span>
      </div>
      <pre className="code-block code-block-sm selectable" data-testid="graph-call-body">
        {call.body}
      </pre>
    </div>
  );
}

function tone(status: string): string {
  const s = status.toLowerCase();
  if (s === "success") return "badge badge-tone-ok";
  if (s === "skipped" || s === "warning") return "badge badge-tone-warn";
  return "badge badge-tone-bad";
}

/** A provision-on-demand result as the portal lists it: numbered steps. */
export function OnDemandSteps({ result }: { result: OnDemandResult }) {
  return (
    <div className="stack-sm" data-testid="on-demand-result">
      <p>
        <span className={tone(result.result)}>{result.result}</span>{" "}
        {result.action ? <span className="muted">{result.action} · </span> : null}
        <span className="mono">{result.reportable_identifier ?? ""}</span>
      </p>
      {result.error_code ? (
        <p className="small">
          <span className="mono">{result.error_code}</span>
          {result.error_message ? `: ${result.error_message}` : null}
        </p>
      ) : null}
      <ol className="steps" aria-label="Provisioning steps">
        {result.steps.map((s, i) => (
          <li key={`${i}-${s.name}`} className="stack-sm">
            <div>
              <strong>{s.title}</strong> <span className={tone(s.status)}>{s.status}</span>{" "}
              <span className="muted small mono">{s.name}</span>
            </div>
            {s.description ? <div className="small">{s.description}</div> : null}
            {s.details.length > 0 ? (
              <details className="disclosure">
                <summary className="disclosure-summary">Details</summary>
                <dl className="facts facts-compact">
                  {s.details.map(([k, v]) => (
                    <div key={k} style={{ display: "contents" }}>
                      <dt>{k}</dt>
                      <dd className="mono selectable">{v}</dd>
                    </div>
                  ))}
                </dl>
              </details>
            ) : null}
          </li>
        ))}
      </ol>
    </div>
  );
}

type Phase<R> =
  | { step: "loading" }
  | { step: "confirm"; call: GraphCall }
  | { step: "sending"; call: GraphCall }
  | { step: "done"; call: GraphCall; result: R }
  | { step: "error"; call: GraphCall | null; error: CommandError };

/**
 * Shows the exact request (`preview`), sends it only on "Send to Microsoft
 * Graph" (`send` with the previewed call), then shows `renderResult`.
 */
export function ConfirmGraphCall<R>({
  title,
  intro,
  preview,
  send,
  renderResult,
  onClose,
  onDone,
}: {
  title: string;
  intro?: ReactNode;
  preview: () => Promise<GraphCall>;
  send: (call: GraphCall) => Promise<R>;
  renderResult: (r: R) => ReactNode;
  onClose: () => void;
  onDone?: (r: R) => void;
}) {
  const [phase, setPhase] = useState<Phase<R>>({ step: "loading" });
  useEffect(() => {
    let live = true;
    preview().then(
      (call) => live && setPhase({ step: "confirm", call }),
      (e) => live && setPhase({ step: "error", call: null, error: toCommandError(e) }),
    );
    return () => {
      live = false;
    };
    // The request is previewed once, when the dialog opens.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  async function onSend(call: GraphCall) {
    setPhase({ step: "sending", call });
    try {
      const result = await send(call);
      setPhase({ step: "done", call, result });
      onDone?.(result);
    } catch (e) {
      setPhase({ step: "error", call, error: toCommandError(e) });
    }
  }

  const busy = phase.step === "sending";
  const footer =
    phase.step === "confirm" || phase.step === "sending" ? (
      <>
        <button type="button" className="button" onClick={onClose} disabled={busy}>
          Cancel
        </button>
        <button
          type="button"
          className="button button-primary"
          onClick={() => void onSend(phase.call)}
          disabled={busy}
          aria-busy={busy || undefined}
        >
          {busy ? <span className="spinner spinner-sm" aria-hidden="true" /> : null}
          {busy ? "Sending…" : "Send to Microsoft Graph"}
        </button>
      </>
    ) : (
      <button type="button" className="button" onClick={onClose}>
        Close
      </button>
    );
  return (
    <Dialog title={title} onClose={onClose} size="lg" busy={busy} footer={footer} dismissOnBackdrop={!busy}>
      {intro ? <div className="small">{intro}</div> : null}
      {phase.step === "loading" ? (
        <p className="muted" role="status">
          <span className="spinner spinner-sm" aria-hidden="true" /> Preparing the request…
        </p>
      ) : null}
      {phase.step !== "loading" && phase.call ? (
        <section className="stack-sm" aria-label={phase.step === "done" ? "Request sent" : "Request to send"}>
          <p className="section-kicker">
            {phase.step === "done" ? "Sent to Microsoft Graph" : "scimwatch will send exactly this request — nothing is sent until you confirm:"}
          </p>
          <p className="small">{phase.call.summary}</p>
          <GraphCallView call={phase.call} />
        </section>
      ) : null}
      {phase.step === "done" ? <section aria-label="Result">{renderResult(phase.result)}</section> : null}
      {phase.step === "error" ? (
        <div className="alert alert-error" role="alert">
          <div className="alert-content">
            <p className="alert-title">{phase.call ? "Not done" : "Cannot prepare the request"}</p>
            <p className="alert-body selectable">{phase.error.message}</p>
          </div>
        </div>
      ) : null}
    </Dialog>
  );
}

/** Where to do it in the portal while the actions are off. */
export function PortalFallback({ portal, action }: { portal: PortalLinks; action: string }) {
  return (
    <div className="small stack-sm" data-testid="portal-fallback">
      <span className="muted">
        {action} in the Entra admin center (scimwatch's remediation actions are off for this connection):
      </span>
      {portal.provisioning ? (
        <span className="input-group">
          <span className="mono selectable truncate" title={portal.provisioning}>
            {portal.provisioning}
          </span>
          <CopyButton text={() => portal.provisioning ?? ""} label="Copy portal link" />
        </span>
      ) : (
        <span>{portal.click_path}</span>
      )}
    </div>
  );
}
