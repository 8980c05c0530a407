// One person's trace: the verdict, then assignment, scope, the SaaS, the next
// cycle and their newest events, with the Logs filtered to them and the
// on-demand action (remediation's button for a user with an Entra object id:
// it shows the portal's way when remediation is off; else a portal link). Every line's words come from the Rust side (core's
// `trace::judge`), including each "could not check".
import type { Connection } from "../../bindings/Connection";
import type { TraceCandidate } from "../../bindings/TraceCandidate";
import type { TraceLine } from "../../bindings/TraceLine";
import type { TraceTone } from "../../bindings/TraceTone";
import type { UserTrace } from "../../bindings/UserTrace";
import { DataTable } from "../../components/DataTable";
import { ExternalLink } from "../../components/ExternalLink";
import { Icon } from "../../components/Icon";
import { ProvisionOnDemandButton } from "../../components/RemediationActions";
import { RichText } from "../../components/RichText";
import { LocalTime, useNow } from "../../components/Time";
import { hrefWithQuery } from "../../lib/router";

const TONE_LABEL: Record<TraceTone, string> = {
  ok: "OK",
  waiting: "Waiting",
  problem: "Problem",
  unknown: "Could not check",
};

const TONE_BADGE: Record<TraceTone, string> = {
  ok: "badge badge-tone-ok",
  waiting: "badge",
  problem: "badge badge-tone-bad",
  unknown: "badge badge-tone-warn",
};

function Line({ label, line }: { label: string; line: TraceLine }) {
  return (
    <>
      <dt>{label}</dt>
      <dd data-tone={line.tone}>
        <span className={TONE_BADGE[line.tone]}>{TONE_LABEL[line.tone]}</span> <RichText text={line.text} />
      </dd>
    </>
  );
}

/** Who a candidate is, in one line. */
export function candidateName(c: TraceCandidate): string {
  return c.display_name ?? c.user_principal_name ?? c.scim_user_name ?? c.mail ?? c.object_id ?? c.key;
}

function candidateDetail(c: TraceCandidate): string {
  const parts = [c.user_principal_name ?? c.mail, c.scim_user_name && c.scim_user_name !== c.user_principal_name ? `SaaS: ${c.scim_user_name}` : null];
  return parts.filter(Boolean).join(" · ");
}

const PLACES: Record<string, string> = { assignments: "assignments", logs: "logs", saas: "SaaS" };

export function Candidates({ trace, onPick }: { trace: UserTrace; onPick: (key: string) => void }) {
  return (
    <div className="stack-sm">
      <p>
        {trace.candidates.length}
        {trace.more_candidates ? "+" : ""} people match “{trace.query}” — pick one to trace:
      </p>
      <ul className="plain-list trace-candidates" aria-label="Matching people">
        {trace.candidates.map((c) => (
          <li key={c.key}>
            <button type="button" className="button button-sm" onClick={() => onPick(c.key)}>
              {candidateName(c)}
            </button>{" "}
            <span className="small muted">
              {candidateDetail(c)}
              {candidateDetail(c) ? " · " : ""}found in {c.found_in.map((p) => PLACES[p] ?? p).join(", ")}
            </span>
          </li>
        ))}
      </ul>
      {trace.more_candidates ? <p className="small muted">More match than are listed: search for more of the name.</p> : null}
    </div>
  );
}

export function TracePanel({ trace, connection }: { trace: UserTrace; connection: Connection }) {
  const now = useNow();
  const who = trace.traced;
  const j = trace.judgement;
  if (!who || !j) return null;
  const logsHref = trace.logs_filter ? hrefWithQuery("logs", [connection.id], { who: trace.logs_filter }) : null;
  return (
    <section className="stack trace-panel" aria-label={`Trace of ${candidateName(who)}`}>
      <div className={`callout trace-verdict trace-verdict-${j.verdict.tone}`} role="status">
        <Icon name={j.verdict.tone === "ok" ? "check" : j.verdict.tone === "problem" ? "alert" : "info"} size={16} />
        <div className="callout-content">
          <p className="callout-title">{candidateName(who)}</p>
          <p data-testid="trace-verdict">
            <RichText text={j.verdict.text} />
          </p>
          <p className="small muted">
            {[who.user_principal_name, who.object_id ? `object id ${who.object_id}` : null, who.scim_user_name ? `SaaS userName ${who.scim_user_name}` : null]
              .filter(Boolean)
              .join(" · ")}
          </p>
        </div>
      </div>
      <dl className="facts facts-wide trace-facts">
        <Line label="Assignment" line={j.assignment} />
        <Line label="Scope" line={j.scope} />
        <Line label="In the SaaS" line={j.saas} />
        <Line label="Next cycle" line={j.next_cycle} />
        <Line label="Events" line={j.events} />
      </dl>
      {trace.events.length > 0 ? (
        <div className="table-scroll">
          <DataTable className="trace-events" label={`Newest events about ${candidateName(who)}`} columns={["Time", "Action", "Status", "Error"]}>
            {trace.events.map((e) => (
              <tr key={`${e.activity_ms}-${e.id}`}>
                <td>
                  <LocalTime iso={new Date(e.activity_ms).toISOString()} now={now} />
                </td>
                <td>{e.action}</td>
                <td>{e.status}</td>
                <td className="trace-error">
                  {e.error_code ? <span className="mono small">{e.error_code}</span> : null}
                  {e.error_reason ? <span className="small muted"> {e.error_reason.split(/\r?\n/)[0]}</span> : null}
                  {!e.error_code && !e.error_reason ? <span className="muted">—</span> : null}
                </td>
              </tr>
            ))}
          </DataTable>
        </div>
      ) : null}
      <div className="trace-actions">
        {logsHref ? (
          <a className="button button-sm" href={logsHref}>
            <Icon name="logs" size={14} /> All their events in the Logs
          </a>
        ) : null}
        {who.object_id ? (
          <ProvisionOnDemandButton connectionId={connection.id} user={who.object_id} name={who.user_principal_name ?? who.display_name} />
        ) : trace.provisioning_link ? (
          <ExternalLink url={trace.provisioning_link} cloud={connection.entra?.cloud}>
            Provision on demand in the Entra admin center
          </ExternalLink>
        ) : connection.entra ? (
          <span className="small muted">Provision on demand: the app's ids are not known yet, so there is no portal link.</span>
        ) : null}
      </div>
    </section>
  );
}
