// "Find a user" on the Overview: when will user X show up? A search by name,
// UPN, mail or object id on one connection, traced through what scimwatch has
// read (the app's assignments, the provisioning logs, the SaaS's latest
// snapshot, the job's next cycle). `#/overview?trace=<search>&c=<connection>`
// opens it with a search (the Logs drawer's "Trace this user").
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import type { CommandError } from "../../bindings/CommandError";
import type { Connection } from "../../bindings/Connection";
import type { UserTrace } from "../../bindings/UserTrace";
import { ConnectionOptions } from "../../components/ConnectionPicker";
import { ErrorAlert, Skeleton } from "../../components/Feedback";
import { Field } from "../../components/Field";
import { Icon } from "../../components/Icon";
import { toCommandError, traceUser } from "../../lib/ipc";
import { useRoute } from "../../lib/router";
import { Candidates, TracePanel } from "./TracePanel";

export function FindUser({ connections }: { connections: Connection[] }) {
  const route = useRoute();
  const fromAddress = route.query.get("trace");
  const addressConnection = route.query.get("c");
  const [connectionId, setConnectionId] = useState<string>(
    connections.find((c) => c.id === addressConnection)?.id ?? connections[0]?.id ?? "",
  );
  const [query, setQuery] = useState(fromAddress ?? "");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<CommandError | null>(null);
  const [result, setResult] = useState<UserTrace | null>(null);
  const seq = useRef(0);
  const inputId = useId();
  const selectId = useId();
  const titleId = useId();
  const connection = connections.find((c) => c.id === connectionId) ?? connections[0];

  async function run(search: string, id: string = connectionId) {
    const mine = ++seq.current;
    setBusy(true);
    setError(null);
    try {
      const r = await traceUser(id, search);
      if (mine === seq.current) setResult(r);
    } catch (e) {
      if (mine === seq.current) {
        setResult(null);
        setError(toCommandError(e));
      }
    } finally {
      if (mine === seq.current) setBusy(false);
    }
  }

  // A search in the address (from the Logs drawer) runs once it arrives.
  useEffect(() => {
    if (!fromAddress) return;
    const id = connections.find((c) => c.id === addressConnection)?.id ?? connectionId;
    setQuery(fromAddress);
    setConnectionId(id);
    void run(fromAddress, id);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [fromAddress, addressConnection]);

  function submit(e: FormEvent) {
    e.preventDefault();
    const q = query.trim();
    if (!q) {
      setResult(null);
      setError({ kind: "validation", message: "Enter a name, a user principal name, a mail address or an object id.", fields: [] });
      return;
    }
    void run(q);
  }

  if (!connection) return null;
  return (
    <section className="card stack find-user" aria-labelledby={titleId}>
      <header className="stack-xs">
        <h2 id={titleId} className="card-title">
          Find a user
        </h2>
        <p className="small muted">When will they show up in the SaaS? Search by name, user principal name, mail or object id.</p>
      </header>
      <form className="find-user-form" onSubmit={submit} role="search" aria-label="Find a user">
        {connections.length > 1 ? (
          <Field id={selectId} label="Connection">
            <select
              id={selectId}
              className="input"
              value={connection.id}
              onChange={(e) => {
                setConnectionId(e.target.value);
                setResult(null);
              }}
            >
              <ConnectionOptions connections={connections} />
            </select>
          </Field>
        ) : null}
        <Field id={inputId} label="User" className="find-user-query">
          <input
            id={inputId}
            className="input"
            type="search"
            value={query}
            maxLength={200}
            placeholder="e.g. ada@contoso.com"
            onChange={(e) => setQuery(e.target.value)}
            autoComplete="off"
            spellCheck={false}
          />
        </Field>
        <button type="submit" className="button button-primary" disabled={busy} aria-busy={busy || undefined}>
          {busy ? <span className="spinner spinner-sm" aria-hidden="true" /> : <Icon name="arrowRight" size={14} />}
          Trace
        </button>
      </form>
      {error ? <ErrorAlert error={error} /> : null}
      {busy && !result ? (
        <div className="stack-sm" role="status" aria-label="Tracing">
          <Skeleton width="60%" height={16} />
          <Skeleton width="80%" />
          <Skeleton width="70%" />
        </div>
      ) : null}
      {result && !busy && !result.traced && result.candidates.length === 0 ? (
        <p className="trace-nobody" role="status">
          Nobody matches “{result.query}” in what scimwatch has read: the users assigned to the app (directly or as
          direct members of an assigned group), the stored provisioning events and the SaaS's latest snapshot. A user
          nobody assigned is not read by scimwatch, so they are not found here.
        </p>
      ) : null}
      {result && !result.traced && result.candidates.length > 0 ? (
        <Candidates trace={result} onPick={(key) => void run(key)} />
      ) : null}
      {result?.traced ? <TracePanel trace={result} connection={connection} /> : null}
    </section>
  );
}
