// The opt-in remediation actions where admins reach for them:
// `ProvisionOnDemandButton` (the Logs drawer, an incident, the per-user
// trace) and `RestartButton` (a quarantine incident, the Overview job card),
// and `RemediationSettings` (the switch and the actions taken, on the
// connection). Each action shows the exact Graph request first and sends it
// only on confirmation; while the switch is off, the same places show where
// to do it in the portal instead. A delegated sign-in refused for a missing
// consent is offered "Sign in and consent…" (the in-app sign-in asking for
// Synchronization.ReadWrite.All too), then the switch goes on by itself.
import { useId, useState } from "react";
import type { CommandError } from "../bindings/CommandError";
import type { Evidence } from "../bindings/Evidence";
import type { RemediationStatus } from "../bindings/RemediationStatus";
import {
  disableRemediation,
  enableRemediation,
  pollNow,
  previewProvisionOnDemand,
  previewRestart,
  provisionOnDemand,
  remediationStatus,
  restartProvisioning,
  toCommandError,
} from "../lib/ipc";
import { useStatus } from "../lib/useCommand";
import { SignInDialog } from "./SignInDialog";
import { Dialog } from "./Dialog";
import { LocalTime } from "./Time";
import { ConfirmGraphCall, OnDemandSteps, PortalFallback } from "./RemediationParts";

/** The reset scopes of `restart`, in Microsoft's spelling, with what each does. */
export const RESET_SCOPES: { flag: string; label: string; on: boolean }[] = [
  { flag: "Watermark", label: "Watermark — re-read every object (the next cycle is a full one)", on: true },
  { flag: "Escrows", label: "Escrows — forget the entries waiting for a retry", on: true },
  { flag: "QuarantineState", label: "QuarantineState — leave quarantine now", on: true },
  { flag: "ConnectorDataStore", label: "ConnectorDataStore — forget what was provisioned (matching starts over)", on: false },
  { flag: "ForceDeletes", label: "ForceDeletes — apply deletions held back by the accidental-deletion threshold", on: false },
  { flag: "Full", label: "Full — everything above", on: false },
];

/** The connection's remediation switch, refreshed on demand. */
export function useRemediation(connectionId: string) {
  return useStatus(connectionId, remediationStatus);
}

/**
 * "Provision on demand" for one user (userPrincipalName or object id).
 * Without the switch: where to do it in the portal.
 */
/**
 * "Provision on demand" for one user (`user`: their Entra object id, what
 * Graph takes). `name` is how the confirmation names them (a UPN or a
 * display name; the id when there is none).
 */
export function ProvisionOnDemandButton({ connectionId, user, name }: { connectionId: string; user: string; name?: string | null }) {
  const { status, reload } = useRemediation(connectionId);
  const [open, setOpen] = useState(false);
  if (!status || !status.available) return null;
  if (!status.enabled) return <PortalFallback portal={status.portal} action="Provision this user on demand" />;
  return (
    <>
      <button type="button" className="button button-sm" onClick={() => setOpen(true)}>
        Provision on demand
      </button>
      {open ? (
        <ConfirmGraphCall
          title={`Provision ${name?.trim() || user} on demand`}
          intro="Entra imports the user, checks the scope, matches them in the SaaS and creates or updates them there now, instead of at the next cycle."
          preview={() => previewProvisionOnDemand(connectionId, user)}
          send={(call) => provisionOnDemand(connectionId, user, call)}
          renderResult={(r) => <OnDemandSteps result={r.result} />}
          onDone={reload}
          onClose={() => setOpen(false)}
        />
      ) : null}
    </>
  );
}

/** "Restart provisioning" with the reset scope chosen. Without the switch: the portal. */
export function RestartButton({ connectionId, label = "Restart provisioning" }: { connectionId: string; label?: string }) {
  const { status, reload } = useRemediation(connectionId);
  const [open, setOpen] = useState(false);
  if (!status || !status.available) return null;
  if (!status.enabled) return <PortalFallback portal={status.portal} action="Restart provisioning" />;
  return (
    <>
      <button type="button" className="button button-sm" onClick={() => setOpen(true)}>
        {label}
      </button>
      {open ? (
        <RestartDialog
          connectionId={connectionId}
          onClose={() => setOpen(false)}
          onDone={() => {
            reload();
            void pollNow(connectionId).catch(() => undefined);
          }}
        />
      ) : null}
    </>
  );
}

/** Choose the reset scope, then confirm the exact request. */
export function RestartDialog({ connectionId, onClose, onDone }: { connectionId: string; onClose: () => void; onDone?: () => void }) {
  const uid = useId();
  const [scope, setScope] = useState<string[]>(RESET_SCOPES.filter((s) => s.on).map((s) => s.flag));
  const [review, setReview] = useState(false);
  if (review) {
    return (
      <ConfirmGraphCall
        title="Restart provisioning"
        intro={`Reset: ${scope.join(", ")}.`}
        preview={() => previewRestart(connectionId, scope)}
        send={(call) => restartProvisioning(connectionId, scope, call)}
        renderResult={(r) => (
          <p className="alert alert-success" role="status">
            {r.summary}
          </p>
        )}
        onDone={onDone}
        onClose={onClose}
      />
    );
  }
  return (
    <Dialog
      title="Restart provisioning"
      onClose={onClose}
      size="md"
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="button button-primary" disabled={scope.length === 0} onClick={() => setReview(true)}>
            Review the request
          </button>
        </>
      }
    >
      <fieldset className="field" aria-describedby={`${uid}-hint`}>
        <legend className="field-label">What to reset</legend>
        <p className="field-hint" id={`${uid}-hint`}>
          Microsoft's reset scope for the restart; the job runs again at once. Nothing is sent before you review and
          confirm the request.
        </p>
        {RESET_SCOPES.map((s) => (
          <label key={s.flag} className="check-row">
            <input
              type="checkbox"
              className="checkbox"
              name={s.flag}
              checked={scope.includes(s.flag)}
              onChange={(e) =>
                setScope((list) => (e.target.checked ? [...list, s.flag] : list.filter((f) => f !== s.flag)))
              }
            />
            <span className="check-text">{s.label}</span>
          </label>
        ))}
      </fieldset>
    </Dialog>
  );
}

/** The switch, what it asks for, and the connection's actions taken. */
export function RemediationSettings({
  connectionId,
  name,
  signInPollMs,
}: {
  connectionId: string;
  name: string;
  /** How often the consent sign-in is followed (tests shorten it). */
  signInPollMs?: number;
}) {
  const { status, error, setStatus } = useRemediation(connectionId);
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<CommandError | null>(null);
  const [consenting, setConsenting] = useState(false);
  const [consentedOn, setConsentedOn] = useState(false);
  const uid = useId();
  if (error) return <p className="small error-text">{error.message}</p>;
  if (!status) return null;
  async function switchTo(on: boolean, afterConsent = false) {
    setBusy(true);
    setRefusal(null);
    setConsentedOn(false);
    try {
      const s = on ? await enableRemediation(connectionId) : await disableRemediation(connectionId);
      setStatus(s);
      setConsentedOn(afterConsent && s.enabled);
    } catch (e) {
      setRefusal(toCommandError(e));
      remediationStatus(connectionId).then(setStatus, () => undefined);
    } finally {
      setBusy(false);
    }
  }
  // A delegated sign-in without consent to the write permission: signing in
  // again asking for it is the app's way. (A missing role is `auth`: a new
  // sign-in would not fix it, so it is not offered then.)
  const offerConsent = status.auth_mode === "delegated" && refusal?.kind === "consent";
  return (
    <section className="remediation stack-sm" aria-label={`Remediation actions of ${name}`}>
      <div className="switch-row">
        <div className="switch-text">
          <span className="field-label" id={`${uid}-label`}>
            Remediation actions
          </span>
          <p className="field-hint" id={`${uid}-hint`}>
            {status.enabled
              ? "On: Provision on demand and Restart provisioning are offered; each shows its Graph request before sending."
              : "Off: scimwatch is read-only here. Switching on asks for Synchronization.ReadWrite.All and checks it with Microsoft Graph."}
          </p>
          {!status.available && status.unavailable_reason ? <p className="field-hint">{status.unavailable_reason}</p> : null}
          {status.evidence ? <p className="field-hint selectable">{status.evidence}</p> : null}
        </div>
        <button
          type="button"
          role="switch"
          aria-checked={status.enabled}
          aria-labelledby={`${uid}-label`}
          aria-describedby={`${uid}-hint`}
          aria-busy={busy || undefined}
          className="switch switch-accent"
          disabled={busy || !status.available}
          onClick={() => void switchTo(!status.enabled)}
        >
          <span className="switch-track" aria-hidden="true">
            <span className="switch-thumb" />
          </span>
        </button>
      </div>
      {refusal ? (
        <div className="alert alert-warning" role="alert">
          <div className="alert-content">
            <p className="alert-title">Not switched on</p>
            <p className="alert-body selectable">{refusal.message}</p>
            {status.portal.admin_consent ? (
              <p className="alert-body small">
                Admin consent for the app registration: <span className="mono selectable">{status.portal.admin_consent}</span>
              </p>
            ) : null}
            {offerConsent ? (
              <p className="alert-body">
                <button type="button" className="button button-sm button-primary" onClick={() => setConsenting(true)}>
                  Sign in and consent…
                </button>
              </p>
            ) : null}
          </div>
        </div>
      ) : null}
      {consentedOn ? (
        <p className="alert alert-success" role="status">
          Consent given: remediation actions on.
        </p>
      ) : null}
      {consenting ? (
        <SignInDialog
          connectionId={connectionId}
          name={name}
          remediation
          pollMs={signInPollMs}
          onSucceeded={() => {
            setConsenting(false);
            void switchTo(true, true);
          }}
          onClose={() => setConsenting(false)}
        />
      ) : null}
      <ActionsTaken status={status} />
    </section>
  );
}

function ActionsTaken({ status }: { status: RemediationStatus }) {
  if (status.actions.length === 0) return null;
  return (
    <details className="disclosure" open>
      <summary className="disclosure-summary">Actions taken ({status.actions.length})</summary>
      <ul className="action-list small" aria-label="Actions taken">
        {status.actions.map((a) => (
          <li key={a.id} data-testid="remediation-action">
            <LocalTime iso={a.at} /> · <strong>{a.action.replace(/_/g, " ")}</strong> ·{" "}
            <span className={a.outcome === "success" ? "ok-text" : a.outcome === "skipped" ? "" : "warn-text"}>{a.outcome}</span>
            {a.http_status ? <span className="mono"> HTTP {a.http_status}</span> : null} · {a.actor}
            <div className="muted selectable">{a.summary}</div>
            {a.url ? (
              <div className="mono muted selectable truncate" title={`${a.method} ${a.url}`}>
                {a.method} {a.url}
              </div>
            ) : null}
          </li>
        ))}
      </ul>
    </details>
  );
}

const USER_LIKE = /^[^\s@]+@[^\s@]+\.[^\s@]+$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * On an open incident: Restart provisioning for a quarantine; Provision on
 * demand for the user an incident names (a userPrincipalName or object id
 * in its evidence).
 */
export function IncidentRemediation({ connectionId, kind, evidence }: { connectionId: string; kind: string; evidence: Evidence[] }) {
  if (kind === "quarantine") {
    return (
      <div className="incident-remediation">
        <RestartButton connectionId={connectionId} />
      </div>
    );
  }
  const user = evidence
    .flatMap((e) => (e.value.kind === "text" || e.value.kind === "code" ? [e.value.value.trim()] : []))
    .find((v) => USER_LIKE.test(v));
  if (!user) return null;
  return (
    <div className="incident-remediation">
      <ProvisionOnDemandButton connectionId={connectionId} user={user} />
    </div>
  );
}
