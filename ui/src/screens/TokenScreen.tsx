// The SCIM Secret Token of one connection: when it expires, whether it still
// works (Entra's Test Connection, replayed), the checks so far, and how to
// rotate it without breaking provisioning.
import { useId, useRef, useState, type FormEvent } from "react";
import type { CheckResult } from "../bindings/CheckResult";
import type { CheckSummary } from "../bindings/CheckSummary";
import type { CommandError } from "../bindings/CommandError";
import type { Connection } from "../bindings/Connection";
import type { TokenSource } from "../bindings/TokenSource";
import type { TokenStatus } from "../bindings/TokenStatus";
import { hostOf } from "../components/ConnectionFacts";
import { ConnectionScreen } from "../components/ConnectionScreen";
import { CopyButton } from "../components/CopyButton";
import { DataTable } from "../components/DataTable";
import { ExchangesPanel } from "../components/Exchanges";
import { Alert, ErrorAlert, Skeleton, RetryAlert } from "../components/Feedback";
import { Icon } from "../components/Icon";
import { RichText } from "../components/RichText";
import { StatsSkeleton } from "../components/Skeletons";
import { LocalTime, useNow } from "../components/Time";
import { useToasts } from "../components/Toasts";
import { formatLatency, verdictLabel, verdictTone, VerdictBadge } from "../components/Verdict";
import { secretTooLong } from "../lib/connectionForm";
import { checkHistory, latestCheck, testConnection, testNewToken, tokenStatus, toCommandError } from "../lib/ipc";
import { href } from "../lib/router";
import { formatExpiryDate, formatLocalDateTime, formatRelative, formatUtc } from "../lib/time";
import { useCommand, type CommandState } from "../lib/useCommand";

export function TokenScreen({ rest }: { rest: string[] }) {
  return (
    <ConnectionScreen
      screen="token"
      side="scim"
      rest={rest}
      title="Token"
      subtitle="The SCIM Secret Token Entra uses: when it expires, whether it still works, and how to rotate it."
      skeleton={<StatsSkeleton label="Loading connections" />}
      empty={{
        icon: "token",
        title: "No SCIM endpoint to check",
        body: (
          <p>
            This screen tests the Secret Token Entra sends to the SaaS, warns before it expires and walks you through
            rotating it. It needs a connection with the SaaS's Tenant URL and Secret Token (the same ones entered in
            Entra's Provisioning page).
          </p>
        ),
      }}
    >
      {(c) => <TokenView c={c} />}
    </ConnectionScreen>
  );
}

function TokenView({ c }: { c: Connection }) {
  const status = useCommand(`status:${c.id}`, () => tokenStatus(c.id));
  const latest = useCommand(`latest:${c.id}`, () => latestCheck(c.id));
  const history = useCommand(`history:${c.id}`, () => checkHistory(c.id));
  const [testing, setTesting] = useState(false);
  const [testError, setTestError] = useState<CommandError | null>(null);
  const [fresh, setFresh] = useState(false);
  const { push } = useToasts();
  const now = useNow();

  async function runTest() {
    setTesting(true);
    setTestError(null);
    try {
      const result = await testConnection(c.id);
      latest.set(result);
      setFresh(true);
      push({
        tone: result.ok ? "success" : "warning",
        title: result.ok ? "Test Connection passed" : `Test Connection failed: ${verdictLabel(result.verdict)}`,
      });
      void status.reload();
      void history.reload();
    } catch (e) {
      setTestError(toCommandError(e));
    } finally {
      setTesting(false);
    }
  }

  const tokenMissing = status.data ? !status.data.token_set : !c.has_scim_token;

  return (
    <>
      <div className="toolbar">
        <div className="toolbar-text">
          <span className="toolbar-title">{c.name}</span>
          <span className="mono muted small" title={c.scim!.url}>
            {c.scim!.url}
          </span>
        </div>
        <button type="button" className="button button-primary" onClick={() => void runTest()} disabled={testing || tokenMissing} aria-busy={testing || undefined}>
          {testing ? <span className="spinner spinner-sm" aria-hidden="true" /> : <Icon name="play" size={14} />}
          {testing ? "Testing…" : "Test Connection"}
        </button>
      </div>

      {tokenMissing ? (
        <Alert
          tone="warning"
          title="No Secret Token is stored for this connection"
          action={
            <a className="button button-sm" href={href("connections", c.id, "edit")}>
              Edit connection
            </a>
          }
        >
          <p>Paste the Secret Token (the one entered in Entra) into the connection to test it and follow its expiry.</p>
        </Alert>
      ) : null}

      {status.error ? (
        <RetryAlert error={status.error} onRetry={status.reload} busy={status.loading} />
      ) : null}
      {status.loading && !status.data ? <StatsSkeleton label="Loading token status" /> : null}
      {status.data ? <TokenStats s={status.data} now={now} /> : null}

      {testError ? <ErrorAlert error={testError} /> : null}
      <div aria-live="polite">
        {latest.error ? <ErrorAlert error={latest.error} /> : null}
        {testing && !latest.data ? (
          <div className="card stack-sm" role="status" aria-label="Testing the connection">
            <Skeleton width="35%" height={18} />
            <Skeleton width="70%" />
          </div>
        ) : null}
        {latest.data ? <CheckResultCard result={latest.data} title={fresh ? "Test Connection result" : "Latest check"} connection={c} /> : null}
        {!latest.loading && !latest.error && !latest.data && !testing ? (
          <div className="card hint-card">
            <Icon name="info" size={16} />
            <p>
              No check recorded yet. <strong>Test Connection</strong> sends the same requests Entra sends when you
              press Test Connection on the Provisioning page, and keeps the result here.
            </p>
          </div>
        ) : null}
      </div>

      <HistoryCard history={history} />
      <RotateCard c={c} />
    </>
  );
}

const SOURCE_LABELS: Record<TokenSource, string> = {
  jwt: "Read from the token (JWT exp)",
  admin: "Entered in the connection",
  unknown: "Not known",
};

type Urgency = "ok" | "notice" | "soon" | "urgent" | "critical" | "expired" | "unknown";

export function tokenUrgency(daysLeft: number | null): Urgency {
  if (daysLeft == null) return "unknown";
  if (daysLeft < 0) return "expired";
  if (daysLeft <= 1) return "critical";
  if (daysLeft <= 7) return "urgent";
  if (daysLeft <= 14) return "soon";
  if (daysLeft <= 30) return "notice";
  return "ok";
}

const URGENCY_HINTS: Record<Urgency, string> = {
  ok: "No action needed yet.",
  notice: "Plan the rotation: under 30 days left.",
  soon: "Rotate within the next days: under two weeks left.",
  urgent: "Rotate now: under a week left.",
  critical: "Rotate today: provisioning stops when it expires.",
  expired: "Provisioning fails until a new token is in Entra.",
  unknown: "",
};

function TokenStats({ s, now }: { s: TokenStatus; now: Date }) {
  const level = tokenUrgency(s.days_left);
  const expiryDate = s.expires_at ? (s.source === "admin" ? formatExpiryDate(s.expires_at) : formatLocalDateTime(s.expires_at)) : null;
  return (
    <div className="stat-grid">
      <section className={`card stat-card countdown countdown-${level}`} aria-labelledby="token-expiry-title">
        <h2 id="token-expiry-title" className="stat-label">
          Expiry
        </h2>
        {s.days_left == null ? (
          <p className="stat-value stat-value-muted">Unknown</p>
        ) : level === "expired" ? (
          <p className="stat-value">Expired</p>
        ) : (
          <p className="stat-value">
            {s.days_left}
            <span className="stat-unit"> {s.days_left === 1 ? "day left" : "days left"}</span>
          </p>
        )}
        {s.expires_at ? (
          <p className="stat-detail">
            {level === "expired" ? "Expired on " : "Expires on "}
            <time dateTime={s.expires_at} title={formatUtc(s.expires_at)}>
              {expiryDate}
            </time>
            <span className="relative-hint"> · {formatRelative(s.expires_at, now)}</span>
          </p>
        ) : (
          <p className="stat-detail">
            The token does not say when it expires. Ask the SaaS vendor and record the date in the{" "}
            <a href="#/connections">connection</a>.
          </p>
        )}
        <p className="stat-foot">
          <span className={`badge ${s.source === "unknown" ? "badge-off" : "badge-scim"}`}>{SOURCE_LABELS[s.source]}</span>
          {URGENCY_HINTS[level] ? <span className="countdown-hint">{URGENCY_HINTS[level]}</span> : null}
        </p>
      </section>
      <section className="card stat-card" aria-labelledby="token-verified-title">
        <h2 id="token-verified-title" className="stat-label">
          Last verified working
        </h2>
        {s.last_verified_at ? (
          <>
            <p className="stat-value stat-value-sm">{formatRelative(s.last_verified_at, now).replace(/^./, (ch) => ch.toUpperCase())}</p>
            <p className="stat-detail">
              <LocalTime iso={s.last_verified_at} hint="" />
            </p>
          </>
        ) : (
          <>
            <p className="stat-value stat-value-sm stat-value-muted">Never</p>
            <p className="stat-detail">No check has passed yet.</p>
          </>
        )}
      </section>
      <section className="card stat-card" aria-labelledby="token-last-title">
        <h2 id="token-last-title" className="stat-label">
          Last check
        </h2>
        {s.last_check_verdict ? (
          <p className="stat-value stat-value-sm">
            <VerdictBadge verdict={s.last_check_verdict} />
          </p>
        ) : (
          <p className="stat-value stat-value-sm stat-value-muted">Not checked</p>
        )}
        <p className="stat-detail">
          <RichText text={s.summary} capitalize />
        </p>
        {s.last_checked_at ? (
          <p className="stat-foot muted small">
            <LocalTime iso={s.last_checked_at} now={now} />
          </p>
        ) : null}
      </section>
    </div>
  );
}

export function CheckResultCard({
  result,
  title,
  connection,
  headingLevel = 2,
  openExchange,
}: {
  result: CheckResult;
  title: string;
  connection?: Connection;
  headingLevel?: 2 | 3;
  openExchange?: boolean;
}) {
  const tone = verdictTone(result.verdict);
  const id = useId();
  const H = headingLevel === 2 ? "h2" : "h3";
  return (
    <section className={`card result-card result-${tone}`} aria-labelledby={id}>
      <header className="result-header">
        <span className={`result-icon result-icon-${tone}`} aria-hidden="true">
          <Icon name={tone === "ok" ? "check" : "alert"} size={20} />
        </span>
        <div className="result-heading">
          <H id={id} className="card-title">
            {title}: {verdictLabel(result.verdict)}
          </H>
          <p className="result-message">
            <RichText text={result.message} capitalize />
          </p>
        </div>
      </header>
      <dl className="facts facts-inline">
        <div>
          <dt>HTTP status</dt>
          <dd className="mono">{result.http_status ?? "no response"}</dd>
        </div>
        <div>
          <dt>Latency</dt>
          <dd>{formatLatency(result.latency_ms)}</dd>
        </div>
        <div>
          <dt>Checked</dt>
          <dd>
            <LocalTime iso={result.checked_at} />
          </dd>
        </div>
        <div className="facts-inline-wide">
          <dt>Tenant URL</dt>
          <dd className="mono selectable">{result.url}</dd>
        </div>
      </dl>
      {result.notes.length > 0 ? (
        <div className="result-notes">
          <h3 className="section-kicker">Fixed on the fly</h3>
          <ul className="plain-list">
            {result.notes.map((n, i) => (
              <li key={i}>
                <RichText text={n} capitalize />
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {result.suggested_url ? (
        <div className="callout">
          <Icon name="arrowRight" size={16} />
          <div className="callout-content">
            <p className="callout-title">SCIM answers at a different Tenant URL</p>
            <p className="mono selectable">{result.suggested_url}</p>
            <p className="muted small">
              Use this URL as the Tenant URL in Entra (Provisioning → Admin Credentials) and in this connection.
            </p>
          </div>
          <div className="callout-actions">
            <CopyButton text={() => result.suggested_url ?? ""} label="Copy URL" />
            {connection ? (
              <a className="button button-sm button-primary" href={href("connections", connection.id, "edit")}>
                Edit connection
              </a>
            ) : null}
          </div>
        </div>
      ) : null}
      <ExchangesPanel exchanges={result.exchanges} open={openExchange} />
    </section>
  );
}

function HistoryCard({ history }: { history: CommandState<CheckSummary[]> }) {
  const list = history.data;
  return (
    <section className="card table-card" aria-labelledby="history-title">
      <header className="table-card-header">
        <h2 id="history-title" className="card-title">
          Check history
        </h2>
        {list && list.length ? <span className="muted small">{list.length} recorded, newest first</span> : null}
      </header>
      {history.error ? (
        <div className="table-card-body">
          <RetryAlert error={history.error} onRetry={history.reload} />
        </div>
      ) : null}
      {history.loading && !list ? (
        <div className="table-card-body stack-sm" role="status" aria-label="Loading check history">
          <Skeleton width="90%" />
          <Skeleton width="85%" />
        </div>
      ) : null}
      {list && list.length === 0 ? <p className="table-card-body muted">No checks yet. Each Test Connection is recorded here.</p> : null}
      {list && list.length > 0 ? (
        <div className="table-scroll">
          <DataTable caption="Test Connection history, newest first" columns={["Time", "Verdict", "HTTP status", { label: "Latency", num: true }]}>
            {list.slice(0, 50).map((h) => (
              <tr key={h.id}>
                <td>
                  <LocalTime iso={h.checked_at} stacked />
                </td>
                <td>
                  <VerdictBadge verdict={h.verdict} />
                </td>
                <td className="mono">{h.http_status ?? "—"}</td>
                <td className="num">{formatLatency(h.latency_ms)}</td>
              </tr>
            ))}
          </DataTable>
        </div>
      ) : null}
    </section>
  );
}

function RotateCard({ c }: { c: Connection }) {
  const [value, setValue] = useState("");
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<CheckResult | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  const [empty, setEmpty] = useState(false);
  /** Why the last paste was refused (too big: a text box would cut it silently). */
  const [tooLong, setTooLong] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const inputId = useId();
  const hintId = useId();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const token = value;
    const why = secretTooLong("scim_token", token);
    if (why) {
      setTooLong(why.replace(" Nothing was pasted.", ""));
      input.current?.focus();
      return;
    }
    if (!token.trim()) {
      setEmpty(true);
      input.current?.focus();
      return;
    }
    setEmpty(false);
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      setResult(await testNewToken(c.id, token));
    } catch (err) {
      setError(toCommandError(err));
    } finally {
      // The token never stays on screen, whatever the outcome.
      setValue("");
      setBusy(false);
    }
  }

  return (
    <section className="card rotate-card" aria-labelledby="rotate-title">
      <header>
        <h2 id="rotate-title" className="card-title">
          Rotate the token
        </h2>
        <p className="muted">
          Do it in this order and provisioning never sees a broken token. Entra keeps using the old one until you save
          the new one there.
        </p>
      </header>
      <ol className="rotate-steps">
        <li>
          <span className="step-title">Create a new token in the SaaS's admin console</span>
          <span className="step-body">Keep the old one for now: Entra still uses it.</span>
        </li>
        <li>
          <span className="step-title">Test it here before touching Entra</span>
          <form className="new-token-form" onSubmit={(e) => void submit(e)} noValidate>
            <label htmlFor={inputId} className="field-label">
              New Secret Token
            </label>
            <div className="new-token-row">
              <input
                ref={input}
                id={inputId}
                className="input mono"
                type="password"
                autoComplete="off"
                spellCheck={false}
                value={value}
                onChange={(e) => {
                  setValue(e.target.value);
                  setTooLong(null);
                }}
                onPaste={(e) => {
                  const why = secretTooLong("scim_token", e.clipboardData.getData("text"));
                  if (why) {
                    e.preventDefault();
                    setTooLong(why);
                  }
                }}
                aria-describedby={hintId}
                aria-invalid={empty || tooLong !== null || undefined}
                disabled={busy}
                placeholder="Paste the new token"
              />
              <button type="submit" className="button" disabled={busy} aria-busy={busy || undefined}>
                {busy ? <span className="spinner spinner-sm" aria-hidden="true" /> : null}
                {busy ? "Testing…" : "Test new token"}
              </button>
            </div>
            <p id={hintId} className={empty || tooLong ? "field-error" : "field-hint"}>
              {tooLong
                ? tooLong.charAt(0).toUpperCase() + tooLong.slice(1)
                : empty
                ? "Paste the new token first."
                : `Sent only to ${hostOf(c.scim!.url)}, never stored; the field clears after the test.`}
            </p>
          </form>
          <div aria-live="polite">
            {error ? <ErrorAlert error={error} /> : null}
            {result ? (
              <div className="new-token-result">
                {result.ok ? (
                  <Alert tone="success" title="The new token works">
                    <p>
                      <RichText text={result.message} capitalize />
                    </p>
                    <p>Go on with step 3.</p>
                  </Alert>
                ) : (
                  <Alert tone="error" title={`The new token does not work: ${verdictLabel(result.verdict)}`}>
                    <p>
                      <RichText text={result.message} capitalize />
                    </p>
                    <p>Do not paste it into Entra. Check it was copied whole, or create another one.</p>
                  </Alert>
                )}
                <ExchangesPanel exchanges={result.exchanges} />
              </div>
            ) : null}
          </div>
        </li>
        <li>
          <span className="step-title">Paste it into Entra</span>
          <span className="step-body">
            Enterprise applications → your app → <strong>Provisioning</strong> → <strong>Admin Credentials</strong> →{" "}
            <strong>Secret Token</strong>, then <strong>Test Connection</strong> and <strong>Save</strong>.
          </span>
        </li>
        <li>
          <span className="step-title">Update it in scimwatch</span>
          <span className="step-body">
            <a href={href("connections", c.id, "edit")}>Connections → Edit “{c.name}”</a>, paste it into Secret Token and
            record its expiry date if the SaaS told you.
          </span>
        </li>
        <li>
          <span className="step-title">Revoke the old token in the SaaS</span>
          <span className="step-body">Then press Test Connection above to confirm everything still works.</span>
        </li>
      </ol>
    </section>
  );
}
