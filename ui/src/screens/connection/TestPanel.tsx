// The connection form's "Test" results (as Entra's Admin Credentials page has
// them): Test Connection against the Tenant URL and the Graph sign-in, with
// what is typed, unsaved; and the warning before saving a host name that does
// not resolve.
import type { ReactNode } from "react";
import type { CommandError } from "../../bindings/CommandError";
import type { TestResult } from "../../bindings/TestResult";
import type { UnresolvedHost } from "../../bindings/UnresolvedHost";
import type { Verdict } from "../../bindings/Verdict";
import { Alert, ErrorAlert } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { RichText } from "../../components/RichText";
import { VerdictBadge, formatLatency } from "../../components/Verdict";

const SIGN_IN_LABELS: Partial<Record<Verdict, string>> = {
  ok: "Signed in",
  unauthorized: "Sign-in refused",
  not_scim: "Unusable answer",
  server_error: "Sign-in service error",
  html: "Web page, not the sign-in service",
};

/** One side's verdict and its one-line message. */
function ResultRow({ title, badge, message, extra }: { title: string; badge: ReactNode; message: string; extra?: ReactNode }) {
  return (
    <li className="test-result">
      <div className="test-result-head">
        <span className="test-result-title">{title}</span>
        {badge}
        {extra}
      </div>
      <p className="test-result-message">
        <RichText text={message} />
      </p>
    </li>
  );
}

export function TestPanel({
  result,
  error,
  testing,
  stale,
}: {
  result: TestResult | null;
  error: CommandError | null;
  testing: boolean;
  /** The form changed since the test ran. */
  stale: boolean;
}) {
  if (!result && !error && !testing) return null;
  return (
    <section className="form-section test-panel" aria-labelledby="connection-test-title" aria-busy={testing || undefined}>
      <h3 id="connection-test-title" className="section-legend">
        <Icon name="check" size={16} /> Test results
      </h3>
      <div aria-live="polite">
        {testing ? (
          <p className="muted">
            <span className="spinner spinner-sm" aria-hidden="true" /> Testing with what is typed… nothing is saved.
          </p>
        ) : error ? (
          <ErrorAlert error={error} />
        ) : result ? (
          <>
            {stale ? (
              <p className="field-hint">
                <Icon name="info" size={14} /> The form changed since this test; test again to check the new values.
              </p>
            ) : null}
            <ul className="plain-list test-results">
              {result.scim ? (
                <ResultRow
                  title="SCIM Test Connection"
                  badge={<VerdictBadge verdict={result.scim.verdict} status={result.scim.http_status} />}
                  message={result.scim.message}
                  extra={result.scim.latency_ms != null ? <span className="muted small">{formatLatency(result.scim.latency_ms)}</span> : null}
                />
              ) : null}
              {result.graph ? (
                <ResultRow
                  title="Microsoft Graph sign-in"
                  badge={<VerdictBadge verdict={result.graph.verdict} label={SIGN_IN_LABELS[result.graph.verdict]} />}
                  message={result.graph.message}
                  extra={result.graph.latency_ms != null ? <span className="muted small">{formatLatency(result.graph.latency_ms)}</span> : null}
                />
              ) : null}
              {result.skipped.map((s, i) => (
                <li key={i} className="test-result test-result-skipped">
                  <p className="test-result-message muted">
                    <Icon name="info" size={14} /> <RichText text={s} />
                  </p>
                </li>
              ))}
            </ul>
            {result.scim?.suggested_url ? (
              <p className="field-hint">
                Suggested Tenant URL: <code>{result.scim.suggested_url}</code>
              </p>
            ) : null}
          </>
        ) : null}
      </div>
    </section>
  );
}

/** Before saving: a host name that does not resolve; "Save anyway" only on an explicit choice. */
export function UnresolvedWarning({
  hosts,
  onSaveAnyway,
  onReview,
  saving,
}: {
  hosts: UnresolvedHost[];
  onSaveAnyway: () => void;
  onReview: () => void;
  saving: boolean;
}) {
  return (
    <div className="unresolved-warning">
      <Alert tone="warning" title={hosts.length === 1 ? "A host name cannot be resolved" : "Host names cannot be resolved"}>
        <ul className="plain-list">
          {hosts.map((h) => (
            <li key={h.field}>
              <RichText text={h.message} capitalize />
            </li>
          ))}
        </ul>
        <p>Saved like this, every check would fail. Fix the address, or save anyway if it only resolves on another network (VPN).</p>
        <div className="button-row">
          <button type="button" className="button button-sm" onClick={onReview}>
            Review the address
          </button>
          <button type="button" className="button button-sm" onClick={onSaveAnyway} disabled={saving}>
            Save anyway
          </button>
        </div>
      </Alert>
    </div>
  );
}
