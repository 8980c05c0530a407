// Alerts, spinners, skeletons and empty states: the loading and error states
// every screen uses.
import type { ReactNode } from "react";
import type { CommandError } from "../bindings/CommandError";
import type { ErrorKind } from "../bindings/ErrorKind";
import { Icon, type IconName } from "./Icon";
import { RichText } from "./RichText";

export function Spinner({ label, size = "md" }: { label?: string; size?: "sm" | "md" }) {
  return (
    <span className="spinner-wrap" role={label ? "status" : undefined}>
      <span className={`spinner spinner-${size}`} aria-hidden="true" />
      {label ? <span className="spinner-label">{label}</span> : null}
    </span>
  );
}

export function Skeleton({ width, height = 14 }: { width?: string | number; height?: number }) {
  return <span className="skeleton" style={{ width, height }} aria-hidden="true" />;
}

/** What the admin should know about each kind of failure. */
const KIND_TITLES: Record<ErrorKind, string> = {
  validation: "Some values need attention",
  not_found: "Not found",
  conflict: "Already exists",
  keychain: "The OS keychain refused the request",
  storage: "The local database failed",
  network: "Could not reach the service",
  auth: "Sign-in was refused",
  consent: "Consent is needed",
  internal: "Something went wrong inside scimwatch",
};

const KIND_HINTS: Partial<Record<ErrorKind, string>> = {
  keychain: "Unlock the keychain (or allow scimwatch access) and try again.",
  storage: "Check that the data folder (Settings) is writable and the disk is not full.",
  not_found: "It may have been removed elsewhere; the list has been refreshed.",
};

export function errorTitle(kind: ErrorKind): string {
  return KIND_TITLES[kind];
}

export function Alert({
  tone = "error",
  title,
  children,
  action,
}: {
  tone?: "error" | "warning" | "info" | "success";
  title: ReactNode;
  children?: ReactNode;
  action?: ReactNode;
}) {
  const icon: IconName = tone === "info" ? "info" : tone === "success" ? "check" : "alert";
  return (
    <div className={`alert alert-${tone}`} role={tone === "error" || tone === "warning" ? "alert" : "status"}>
      <Icon name={icon} className="alert-icon" />
      <div className="alert-content">
        <p className="alert-title">{title}</p>
        {children ? <div className="alert-body">{children}</div> : null}
      </div>
      {action ? <div className="alert-action">{action}</div> : null}
    </div>
  );
}

/** A failed command, titled by its kind. */
export function ErrorAlert({ error, action }: { error: CommandError; action?: ReactNode }) {
  const hint = KIND_HINTS[error.kind];
  return (
    <Alert title={errorTitle(error.kind)} action={action}>
      <p>
        <RichText text={error.message} />
      </p>
      {hint ? <p className="muted">{hint}</p> : null}
    </Alert>
  );
}

export function EmptyState({
  icon,
  title,
  children,
  action,
}: {
  icon: IconName;
  title: string;
  children: ReactNode;
  action?: ReactNode;
}) {
  return (
    <section className="empty-state" aria-label={title}>
      <div className="empty-icon">
        <Icon name={icon} size={24} />
      </div>
      <h2 className="empty-title">{title}</h2>
      <div className="empty-body">{children}</div>
      {action ? <div className="empty-action">{action}</div> : null}
    </section>
  );
}

/** A failed load with a "Try again" button (the screens' shared pattern). */
export function RetryAlert({ error, onRetry, busy }: { error: CommandError; onRetry: () => unknown; busy?: boolean }) {
  return (
    <ErrorAlert
      error={error}
      action={
        <button type="button" className="button button-sm" onClick={() => void onRetry()} disabled={busy}>
          Try again
        </button>
      }
    />
  );
}
