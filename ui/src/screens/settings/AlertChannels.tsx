// Settings → Alert channels: Teams, Slack, a signed webhook and e-mail, fed
// by the same incident policy as desktop notifications through the engine's
// persistent outbox. Webhook URLs, signing secrets and SMTP passwords go to
// the engine once and are never shown again; dead letters can be retried.
import { type FormEvent, useCallback, useEffect, useId, useState } from "react";
import type { AlertChannel } from "../../bindings/AlertChannel";
import type { AlertChannelInput } from "../../bindings/AlertChannelInput";
import type { AlertChannelKind } from "../../bindings/AlertChannelKind";
import type { CommandError } from "../../bindings/CommandError";
import type { Connection } from "../../bindings/Connection";
import type { DeadLetter } from "../../bindings/DeadLetter";
import type { Severity } from "../../bindings/Severity";
import { Alert, ErrorAlert } from "../../components/Feedback";
import { Field, FieldErrorLine } from "../../components/Field";
import { Icon } from "../../components/Icon";
import { RichText } from "../../components/RichText";
import { LocalTime } from "../../components/Time";
import { useToasts } from "../../components/Toasts";
import {
  addAlertChannel,
  listAlertChannels,
  listConnections,
  listDeadLetters,
  removeAlertChannel,
  retryDeadLetters,
  testAlertChannel,
  toCommandError,
} from "../../lib/ipc";

const KINDS: { value: AlertChannelKind; label: string; hint: string }[] = [
  {
    value: "teams",
    label: "Microsoft Teams",
    hint: "In the channel, add the workflow “Post to a channel when a webhook request is received” and paste the URL it shows. Alerts arrive as Adaptive Cards.",
  },
  { value: "slack", label: "Slack", hint: "An incoming webhook URL (https://hooks.slack.com/services/…). Alerts arrive as Block Kit messages." },
  {
    value: "webhook",
    label: "Webhook (signed JSON)",
    hint: "Any HTTPS receiver. Each request carries X-Scimwatch-Timestamp and X-Scimwatch-Signature (HMAC-SHA256 of timestamp.body with the signing secret) and an Idempotency-Key.",
  },
  { value: "email", label: "E-mail (SMTP)", hint: "Sent with STARTTLS (port 587); plain SMTP only to a relay on this machine." },
];

const SEVERITIES: { value: Severity; label: string }[] = [
  { value: "critical", label: "Critical only" },
  { value: "warning", label: "Warning and critical" },
  { value: "info", label: "Everything" },
];

interface Form {
  name: string;
  kind: AlertChannelKind;
  url: string;
  signingSecret: string;
  host: string;
  port: string;
  username: string;
  password: string;
  from: string;
  to: string;
  minSeverity: Severity;
  connections: string[];
}

const EMPTY: Form = {
  name: "",
  kind: "teams",
  url: "",
  signingSecret: "",
  host: "",
  port: "587",
  username: "",
  password: "",
  from: "",
  to: "",
  minSeverity: "warning",
  connections: [],
};

function toInput(f: Form): AlertChannelInput {
  const email = f.kind === "email";
  return {
    name: f.name,
    kind: f.kind,
    url: email ? null : f.url,
    signing_secret: f.kind === "webhook" ? f.signingSecret : null,
    email: email
      ? {
          host: f.host,
          port: Number.parseInt(f.port, 10) || 0,
          username: f.username.trim() ? f.username : null,
          from: f.from,
          to: f.to
            .split(/[,;\s]+/)
            .map((t) => t.trim())
            .filter(Boolean),
        }
      : null,
    smtp_password: email && f.password ? f.password : null,
    min_severity: f.minSeverity,
    connections: f.connections,
  };
}

function kindLabel(k: AlertChannelKind): string {
  return KINDS.find((x) => x.value === k)?.label ?? k;
}

function routing(c: AlertChannel, names: Map<string, string>): string {
  const sev = SEVERITIES.find((s) => s.value === c.min_severity)?.label ?? c.min_severity;
  const conns = c.connections.length === 0 ? "every connection" : c.connections.map((id) => names.get(id) ?? "a removed connection").join(", ");
  return `${sev} · ${conns}`;
}

export function AlertChannels() {
  const uid = useId();
  const { push } = useToasts();
  const [channels, setChannels] = useState<AlertChannel[] | null>(null);
  const [dead, setDead] = useState<DeadLetter[]>([]);
  const [connections, setConnections] = useState<Connection[]>([]);
  const [error, setError] = useState<CommandError | null>(null);
  const [adding, setAdding] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const [tests, setTests] = useState<Record<string, { ok: boolean; message: string }>>({});

  const reload = useCallback(async () => {
    try {
      const [list, letters] = await Promise.all([listAlertChannels(), listDeadLetters()]);
      setChannels(list);
      setDead(letters);
      setError(null);
    } catch (e) {
      setError(toCommandError(e));
    }
  }, []);

  useEffect(() => {
    void reload();
    listConnections()
      .then(setConnections)
      .catch(() => setConnections([]));
  }, [reload]);

  const names = new Map(connections.map((c) => [c.id, c.name]));

  async function test(c: AlertChannel) {
    setBusy(`test-${c.id}`);
    try {
      const r = await testAlertChannel(c.id);
      setTests((t) => ({ ...t, [c.id]: { ok: r.delivered, message: r.message } }));
    } catch (e) {
      setTests((t) => ({ ...t, [c.id]: { ok: false, message: toCommandError(e).message } }));
    } finally {
      setBusy(null);
    }
  }

  async function remove(c: AlertChannel) {
    if (!window.confirm(`Remove the alert channel “${c.name}”? Its queued alerts are dropped.`)) return;
    setBusy(`remove-${c.id}`);
    try {
      await removeAlertChannel(c.id);
      push({ tone: "success", title: `Removed ${c.name}` });
      await reload();
    } catch (e) {
      setError(toCommandError(e));
    } finally {
      setBusy(null);
    }
  }

  async function retry(id: number | null) {
    setBusy(`retry-${id ?? "all"}`);
    try {
      const n = await retryDeadLetters(id, null);
      push({ tone: "success", title: n === 1 ? "Queued 1 alert again" : `Queued ${n} alerts again` });
      await reload();
    } catch (e) {
      setError(toCommandError(e));
    } finally {
      setBusy(null);
    }
  }

  return (
    <section className="card settings-card" aria-labelledby={`${uid}-title`}>
      <div className="card-header">
        <div className="stack-sm">
          <h2 id={`${uid}-title`} className="card-title">
            Alert channels
          </h2>
          <p className="muted">
            Incidents also go to Teams, Slack, a webhook or e-mail — opened, worse, reminders and recovered, with the same
            quiet hours and reminders as desktop notifications. Alerts wait in a queue that survives restarts and are
            retried until the receiver takes them.
          </p>
        </div>
        {!adding ? (
          <button type="button" className="button" onClick={() => setAdding(true)}>
            <Icon name="plus" size={16} />
            Add a channel
          </button>
        ) : null}
      </div>
      {error ? <ErrorAlert error={error} /> : null}
      {adding ? (
        <AddChannelForm
          connections={connections}
          onCancel={() => setAdding(false)}
          onAdded={(notes, name) => {
            setAdding(false);
            push({ tone: "success", title: `Added ${name}`, lines: notes });
            void reload();
          }}
        />
      ) : null}
      {channels === null ? (
        <p className="muted">Loading alert channels…</p>
      ) : channels.length === 0 ? (
        <p className="muted">No alert channels yet: incidents are shown on this desktop only.</p>
      ) : (
        <ul className="plain-list alert-channels" aria-label="Alert channels">
          {channels.map((c) => (
            <li key={c.id} className="alert-channel" aria-label={c.name}>
              <div className="alert-channel-main">
                <strong>{c.name}</strong> <span className="badge">{kindLabel(c.kind)}</span>
                <div className="muted small mono selectable">{c.target}</div>
                <div className="muted small">{routing(c, names)}</div>
                <div className="small">
                  {c.pending > 0 ? `${c.pending} waiting for delivery. ` : null}
                  {c.dead > 0 ? `${c.dead} given up (below). ` : null}
                  {c.last_delivered_at ? (
                    <>
                      Last delivered <LocalTime iso={c.last_delivered_at} />.
                    </>
                  ) : (
                    "Nothing delivered yet."
                  )}
                </div>
                {c.last_error && (c.pending > 0 || c.dead > 0) ? (
                  <FieldErrorLine text={c.last_error} />
                ) : null}
                <TestOutcome result={tests[c.id]} />
              </div>
              <div className="button-row">
                <button type="button" className="button button-sm" onClick={() => void test(c)} disabled={busy !== null} aria-busy={busy === `test-${c.id}` || undefined}>
                  Send a test alert
                </button>
                <button type="button" className="button button-sm button-danger" onClick={() => void remove(c)} disabled={busy !== null}>
                  Remove
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      {dead.length > 0 ? (
        <Alert
          tone="warning"
          title={dead.length === 1 ? "1 alert was given up" : `${dead.length} alerts were given up`}
          action={
            <button type="button" className="button button-sm" onClick={() => void retry(null)} disabled={busy !== null}>
              Retry all
            </button>
          }
        >
          <ul className="plain-list dead-letters" aria-label="Dead letters">
            {dead.map((d) => (
              <li key={d.id}>
                <div>
                  <strong>{d.channel_name}</strong>: {d.summary}
                </div>
                <div className="muted small">
                  {d.attempts} {d.attempts === 1 ? "attempt" : "attempts"} since <LocalTime iso={d.created_at} /> — <RichText text={d.last_error} />
                </div>
                <button type="button" className="button button-sm" onClick={() => void retry(d.id)} disabled={busy !== null} aria-label={`Retry ${d.summary} to ${d.channel_name}`}>
                  Retry
                </button>
              </li>
            ))}
          </ul>
        </Alert>
      ) : null}
    </section>
  );
}

function TestOutcome({ result }: { result: { ok: boolean; message: string } | undefined }) {
  if (!result) return null;
  return (
    <p className={result.ok ? "small" : "field-error"} role="status">
      <RichText text={result.message} capitalize />
    </p>
  );
}

function AddChannelForm({
  connections,
  onCancel,
  onAdded,
}: {
  connections: Connection[];
  onCancel: () => void;
  onAdded: (notes: string[], name: string) => void;
}) {
  const uid = useId();
  const [form, setForm] = useState<Form>(EMPTY);
  const [error, setError] = useState<CommandError | null>(null);
  const [saving, setSaving] = useState(false);
  const set = <K extends keyof Form>(k: K, v: Form[K]) => setForm((f) => ({ ...f, [k]: v }));
  const id = (f: string) => `${uid}-${f}`;
  const fieldError = (...fields: string[]) => error?.fields.find((x) => fields.includes(x.field))?.message;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSaving(true);
    setError(null);
    try {
      const added = await addAlertChannel(toInput(form));
      onAdded(added.notes, added.channel.name);
    } catch (err) {
      setError(toCommandError(err));
    } finally {
      setSaving(false);
    }
  }

  function text(f: keyof Form, label: string, opts: { type?: string; hint?: string; errors?: string[]; placeholder?: string } = {}) {
    const err = fieldError(...(opts.errors ?? [f]));
    return (
      <Field id={id(f)} label={label} className={err ? "field-invalid" : undefined}>
        <input
          id={id(f)}
          className="input"
          type={opts.type ?? "text"}
          value={form[f] as string}
          placeholder={opts.placeholder}
          autoComplete="off"
          spellCheck={false}
          aria-invalid={err ? true : undefined}
          aria-describedby={opts.hint || err ? `${id(f)}-hint` : undefined}
          onChange={(e) => set(f, e.target.value as never)}
        />
        {err || opts.hint ? (
          <p className={err ? "field-error" : "field-hint"} id={`${id(f)}-hint`}>
            {err ? <RichText text={err} capitalize /> : opts.hint}
          </p>
        ) : null}
      </Field>
    );
  }

  const kind = KINDS.find((k) => k.value === form.kind);
  return (
    <form className="settings-form alert-channel-form" onSubmit={(e) => void submit(e)} aria-label="Add an alert channel">
      <div className="settings-fields">
        {text("name", "Name", { placeholder: "Ops channel" })}
        <Field id={id("kind")} label="Type">
          <select id={id("kind")} className="input" value={form.kind} onChange={(e) => set("kind", e.target.value as AlertChannelKind)} aria-describedby={`${id("kind")}-hint`}>
            {KINDS.map((k) => (
              <option key={k.value} value={k.value}>
                {k.label}
              </option>
            ))}
          </select>
          <p className="field-hint" id={`${id("kind")}-hint`}>
            {kind?.hint}
          </p>
        </Field>
        {form.kind !== "email"
          ? text("url", "Webhook URL", { type: "password", hint: "Kept in the keychain (or the secrets file), never shown again: it carries the webhook's token." })
          : null}
        {form.kind === "webhook" ? text("signingSecret", "Signing secret", { type: "password", errors: ["signing_secret"], hint: "At least 16 characters; the receiver verifies the signature with it." }) : null}
        {form.kind === "email" ? (
          <>
            {text("host", "SMTP server", { errors: ["email"], placeholder: "smtp.example.com" })}
            {text("port", "Port", { hint: "587: submission with STARTTLS." })}
            {text("username", "User name", { hint: "Leave empty if the server takes mail without signing in." })}
            {text("password", "Password", { type: "password", errors: ["smtp_password"], hint: "Kept in the keychain (or the secrets file), never shown again." })}
            {text("from", "From", { placeholder: "scimwatch@example.com" })}
            {text("to", "To", { placeholder: "ops@example.com, oncall@example.com", hint: "One or more addresses, separated by commas." })}
          </>
        ) : null}
        <Field id={id("severity")} label="Send">
          <select id={id("severity")} className="input" value={form.minSeverity} onChange={(e) => set("minSeverity", e.target.value as Severity)}>
            {SEVERITIES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </Field>
        {connections.length > 1 ? (
          <fieldset className="field">
            <legend className="field-label">Connections</legend>
            <p className="field-hint">None ticked: every connection, also ones added later.</p>
            {connections.map((c) => (
              <label key={c.id} className="checkbox-row">
                <input
                  type="checkbox"
                  checked={form.connections.includes(c.id)}
                  onChange={(e) => set("connections", e.target.checked ? [...form.connections, c.id] : form.connections.filter((x) => x !== c.id))}
                />
                {c.name}
              </label>
            ))}
          </fieldset>
        ) : null}
      </div>
      {error && error.kind !== "validation" ? <ErrorAlert error={error} /> : null}
      {error && error.kind === "validation" && !fieldError("name", "url", "signing_secret", "email", "smtp_password", "username", "connections") ? (
        <ErrorAlert error={error} />
      ) : null}
      {error && fieldError("username", "connections") ? (
        <p className="field-error">
          <RichText text={fieldError("username", "connections") ?? ""} capitalize />
        </p>
      ) : null}
      <div className="button-row">
        <button type="submit" className="button button-primary" disabled={saving} aria-busy={saving || undefined}>
          {saving ? <span className="spinner spinner-sm" aria-hidden="true" /> : null}
          Add channel
        </button>
        <button type="button" className="button" onClick={onCancel} disabled={saving}>
          Cancel
        </button>
      </div>
    </form>
  );
}
