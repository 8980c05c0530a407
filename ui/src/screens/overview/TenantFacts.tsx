// An all-apps tenant on the Overview: it has no job of its own, so its card
// shows its apps — how many need attention, the worst few with their state —
// and what its Graph request budget is spent on.
import type { TenantSummary } from "../../bindings/TenantSummary";
import { href } from "../../lib/router";

/** How many of the worst apps the card names (the rest: Connections). */
const SHOWN = 5;

export function TenantFacts({ summary }: { summary: TenantSummary }) {
  const watched = summary.apps.filter((a) => !a.connection.group?.retired);
  const shown = watched.slice(0, SHOWN);
  return (
    <>
      <dt>Apps</dt>
      <dd>
        {summary.watched} watched
        {summary.in_trouble > 0 ? <span className="warn-text"> · {summary.in_trouble} need attention</span> : null}
        {summary.retired > 0 ? <span className="muted"> · {summary.retired} retired</span> : null}
      </dd>
      {shown.length > 0 ? (
        <>
          <dt>Worst first</dt>
          <dd>
            <ul className="plain-list" aria-label="Apps, worst first">
              {shown.map((a) => (
                <li key={a.connection.id} className="small">
                  <a href={href("connections", a.connection.id, "edit")}>{a.connection.name}</a>
                  <span className="muted"> · {a.state}</span>
                </li>
              ))}
              {watched.length > SHOWN ? (
                <li className="small muted">
                  and {watched.length - SHOWN} more (<a href={href("connections")}>Connections</a>)
                </li>
              ) : null}
            </ul>
          </dd>
        </>
      ) : null}
      <dt>Graph budget</dt>
      <dd title="One provisioning-log stream for the whole tenant; each app's job read less often while it is steady">
        {summary.planned_per_hour} of {summary.budget_per_hour} requests an hour
        <span className="muted">
          {" "}
          · jobs in trouble every {summary.trouble_every_minutes} min, steady every {summary.steady_every_minutes} min
        </span>
      </dd>
    </>
  );
}
