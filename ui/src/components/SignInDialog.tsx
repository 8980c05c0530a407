// Signing a delegated connection in from the app (issue 18), as
// `scimwatch-cli sign-in` does it: the browser on this computer (Microsoft's
// page opens in the default browser and comes back to scimwatch), or a
// device code typed on any device. `SignInStatusRow` is the connection's
// sign-in on its card (and the refusal the poller recorded, with the same
// button); `SignInDialog` runs one sign-in: choose, wait (the code large,
// or the URL to copy when no browser opened), the result — signed in, or
// Microsoft's message with its AADSTS code. Closing it while it waits
// cancels the sign-in. In remediation mode (the remediation switch's "Sign
// in and consent…") it also asks consent for Synchronization.ReadWrite.All
// and tells its caller when the sign-in succeeded.
import { useEffect, useId, useRef, useState } from "react";
import type { CommandError } from "../bindings/CommandError";
import type { SignInFailure } from "../bindings/SignInFailure";
import type { SignInFailureKind } from "../bindings/SignInFailureKind";
import type { SignInMethod } from "../bindings/SignInMethod";
import type { SignInSession } from "../bindings/SignInSession";
import { CopyButton } from "./CopyButton";
import { Dialog } from "./Dialog";
import { Alert, ErrorAlert } from "./Feedback";
import { Icon } from "./Icon";
import { RichText } from "./RichText";
import { LocalTime } from "./Time";
import { cancelSignIn, pollNow, signInState, startSignIn, toCommandError } from "../lib/ipc";
import { useStatus } from "../lib/useCommand";

const METHODS: { value: SignInMethod; label: string; hint: string }[] = [
  {
    value: "browser",
    label: "Browser on this computer",
    hint: "Microsoft's sign-in page opens in your default browser and comes back to scimwatch.",
  },
  {
    value: "device_code",
    label: "Device code",
    hint: "Type a code at Microsoft's sign-in page on any device, e.g. your phone.",
  },
];

const FAILURE_TITLES: Record<SignInFailureKind, string> = {
  refused: "Microsoft refused the sign-in",
  declined: "The sign-in was declined",
  consent_declined: "The permissions were declined",
  consent_required: "An administrator must consent first",
  timed_out: "The sign-in timed out",
  unreachable: "Microsoft's sign-in service could not be reached",
  local: "The sign-in failed on this computer",
};

/** Microsoft's refusal: its AADSTS code, its text (one line), what to do. */
export function FailureAlert({ failure }: { failure: SignInFailure }) {
  return (
    <Alert tone={failure.kind === "timed_out" ? "warning" : "error"} title={FAILURE_TITLES[failure.kind]}>
      <p className="selectable" data-testid="sign-in-failure">
        {failure.aadsts != null ? <span className="mono">AADSTS{failure.aadsts}: </span> : null}
        <RichText text={failure.message} />
      </p>
      {failure.kind === "consent_required" ? (
        <p className="muted">Ask a Global or Privileged Role Administrator to grant the read-only permissions, then sign in again.</p>
      ) : null}
    </Alert>
  );
}

/** The connection's sign-in on its card: signed in or not, a refusal, "Sign in…". */
export function SignInStatusRow({ connectionId, name }: { connectionId: string; name: string }) {
  const { status, error, reload } = useStatus(connectionId, signInState);
  if (error) return <p className="small error-text">{error.message}</p>;
  if (!status || !status.delegated) return null;
  return (
    <div className="stack-sm" data-testid="sign-in-status">
      {status.problem ? (
        <Alert tone="warning" title="The sign-in no longer works">
          <p className="selectable">
            <RichText text={status.problem} capitalize />
          </p>
          {status.problem_since ? (
            <p className="muted small">
              Since <LocalTime iso={status.problem_since} />
            </p>
          ) : null}
        </Alert>
      ) : null}
      <div className="sign-in-row">
        <span className="small">
          {status.signed_in ? (
            <span className="ok-text">Signed in</span>
          ) : (
            <span className="warn-text">Not signed in</span>
          )}
          {status.last_sign_in ? (
            <span className="muted">
              {" "}
              · last sign-in here <LocalTime iso={status.last_sign_in} />
            </span>
          ) : null}
        </span>
        <SignInButton connectionId={connectionId} name={name} again={status.signed_in} primary={!status.signed_in || !!status.problem} onEnded={reload} />
      </div>
    </div>
  );
}

/** "Sign in…" and the dialog it opens; `onEnded` after the dialog closes. */
export function SignInButton({
  connectionId,
  name,
  again = false,
  primary = true,
  onEnded,
}: {
  connectionId: string;
  name: string;
  again?: boolean;
  /** Drawn as the thing to do (not signed in, or refused); a plain button otherwise. */
  primary?: boolean;
  onEnded?: () => void;
}) {
  const [isOpen, set] = useState(false);
  return (
    <>
      <button type="button" className={primary ? "button button-sm button-primary" : "button button-sm"} onClick={() => set(true)} aria-label={`${again ? "Sign in again" : "Sign in"} to ${name}`}>
        <Icon name="entra" size={14} /> {again ? "Sign in again…" : "Sign in…"}
      </button>
      {isOpen ? (
        <SignInDialog
          connectionId={connectionId}
          name={name}
          onClose={() => {
            set(false);
            onEnded?.();
          }}
        />
      ) : null}
    </>
  );
}

/** The delegated permission the remediation actions need. */
export const WRITE_PERMISSION = "Synchronization.ReadWrite.All";

export function SignInDialog({
  connectionId,
  name,
  onClose,
  pollMs = 1000,
  remediation = false,
  onSucceeded,
}: {
  connectionId: string;
  name: string;
  onClose: () => void;
  /** How often a waiting sign-in is asked about (tests shorten it). */
  pollMs?: number;
  /** Also ask consent for the remediation actions' write permission. */
  remediation?: boolean;
  /** Called once when the sign-in succeeded. */
  onSucceeded?: () => void;
}) {
  const uid = useId();
  const [method, setMethod] = useState<SignInMethod>("browser");
  const [session, setSession] = useState<SignInSession | null>(null);
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<CommandError | null>(null);
  const waiting = session?.phase === "waiting";

  // Follow a waiting sign-in until it ends.
  useEffect(() => {
    if (!waiting) return;
    let live = true;
    const timer = window.setInterval(() => {
      signInState(connectionId).then(
        (s) => {
          if (live && s.session) setSession(s.session);
        },
        (e) => live && setError(toCommandError(e)),
      );
    }, pollMs);
    return () => {
      live = false;
      window.clearInterval(timer);
    };
  }, [waiting, connectionId, pollMs]);

  // Signed in: read the connection's Graph side now rather than at the next poll.
  const told = useRef(false);
  useEffect(() => {
    if (session?.phase !== "succeeded") return;
    void pollNow(connectionId).catch(() => undefined);
    if (!told.current) {
      told.current = true;
      onSucceeded?.();
    }
  }, [session?.phase, connectionId, onSucceeded]);

  async function start() {
    setStarting(true);
    setError(null);
    try {
      setSession(await startSignIn(connectionId, method, remediation));
    } catch (e) {
      setError(toCommandError(e));
    } finally {
      setStarting(false);
    }
  }

  function close() {
    // Closing a waiting sign-in cancels it: nothing is stored.
    if (waiting) void cancelSignIn(connectionId).catch(() => undefined);
    onClose();
  }

  const phase = session?.phase ?? null;
  const footer =
    phase === null ? (
      <>
        <button type="button" className="button" onClick={onClose} disabled={starting}>
          Cancel
        </button>
        <button type="button" className="button button-primary" onClick={() => void start()} disabled={starting} aria-busy={starting || undefined}>
          {starting ? <span className="spinner spinner-sm" aria-hidden="true" /> : null}
          {starting ? "Starting…" : "Sign in"}
        </button>
      </>
    ) : phase === "waiting" ? (
      <button type="button" className="button" onClick={close}>
        Cancel sign-in
      </button>
    ) : phase === "succeeded" ? (
      <button type="button" className="button button-primary" onClick={onClose}>
        Done
      </button>
    ) : (
      <>
        <button type="button" className="button" onClick={onClose}>
          Close
        </button>
        <button type="button" className="button button-primary" onClick={() => setSession(null)}>
          Try again
        </button>
      </>
    );

  return (
    <Dialog
      title={remediation ? `Sign in and consent — ${name}` : `Sign in to Microsoft Graph — ${name}`}
      description={
        remediation
          ? `Microsoft asks you to consent to ${WRITE_PERMISSION} for the remediation actions (Provision on demand, Restart provisioning); your account also needs a role that may change provisioning. The sign-in is kept in your OS keychain.`
          : "scimwatch reads provisioning as you, with read-only permissions; the sign-in is kept in your OS keychain."
      }
      onClose={close}
      footer={footer}
      dismissOnBackdrop={false}
    >
      <div className="stack" aria-live="polite" data-testid="sign-in-dialog" data-phase={phase ?? "choose"}>
        {phase === null ? (
          <fieldset className="field">
            <legend className="field-label">How do you want to sign in?</legend>
            <div className="segmented segmented-2">
              {METHODS.map((m) => (
                <label key={m.value} className={method === m.value ? "segment segment-on" : "segment"}>
                  <input type="radio" name={`${uid}-method`} value={m.value} checked={method === m.value} onChange={() => setMethod(m.value)} />
                  <span className="segment-title">{m.label}</span>
                  <span className="segment-hint">{m.hint}</span>
                </label>
              ))}
            </div>
          </fieldset>
        ) : null}
        {error ? <ErrorAlert error={error} /> : null}
        {session && phase === "waiting" ? <Waiting session={session} /> : null}
        {session && phase === "succeeded" ? (
          <Alert tone="success" title="Signed in">
            <p>
              scimwatch reads this connection's provisioning with your sign-in
              {session.finished_at ? (
                <>
                  {" "}
                  as of <LocalTime iso={session.finished_at} />
                </>
              ) : null}
              .
            </p>
          </Alert>
        ) : null}
        {session && (phase === "failed" || phase === "timed_out") && session.failure ? <FailureAlert failure={session.failure} /> : null}
        {phase === "cancelled" ? (
          <Alert tone="info" title="Sign-in cancelled">
            <p>Nothing was stored.</p>
          </Alert>
        ) : null}
      </div>
    </Dialog>
  );
}

/** What the admin does now: type the code, or finish in the browser. */
function Waiting({ session }: { session: SignInSession }) {
  const dc = session.device_code;
  if (session.method === "device_code") {
    if (!dc) {
      return (
        <p className="muted">
          <span className="spinner spinner-sm" aria-hidden="true" /> Asking Microsoft for a code…
        </p>
      );
    }
    return (
      <div className="stack-sm">
        <p>
          On any device, open <span className="mono selectable" data-testid="verification-uri">{dc.verification_uri}</span> and enter this code:
        </p>
        <div className="sign-in-actions">
          <span className="device-code selectable" data-testid="device-code">
            {dc.user_code}
          </span>
          <CopyButton text={() => dc.user_code} label="Copy code" />
          <CopyButton text={() => dc.verification_uri} label="Copy address" />
        </div>
        <p className="muted small">{dc.message}</p>
        <p className="muted small">
          <span className="spinner spinner-sm" aria-hidden="true" /> Waiting for you to finish · the code expires <LocalTime iso={session.deadline} />
        </p>
      </div>
    );
  }
  return (
    <div className="stack-sm">
      <p>
        <strong>Finish signing in in your browser.</strong> scimwatch is waiting for Microsoft to send you back.
      </p>
      {session.browser_opened === false ? (
        <Alert tone="warning" title="No browser opened">
          <p>
            Copy this address into a browser on this computer{session.browser_error ? ` (${session.browser_error})` : ""}.
          </p>
        </Alert>
      ) : (
        <p className="muted small">If no browser window opened, copy this address into one on this computer:</p>
      )}
      {session.sign_in_url ? (
        <div className="sign-in-actions">
          <span className="mono small truncate sign-in-url" title={session.sign_in_url} data-testid="sign-in-url">
            {session.sign_in_url}
          </span>
          <CopyButton text={() => session.sign_in_url ?? ""} label="Copy sign-in address" />
        </div>
      ) : null}
      <p className="muted small">
        <span className="spinner spinner-sm" aria-hidden="true" /> Waiting until <LocalTime iso={session.deadline} />
      </p>
    </div>
  );
}
