// Facts of an Overview card: what the job says of itself, and the token.
import type { CommandError } from "../../bindings/CommandError";
import type { StatusReport } from "../../bindings/StatusReport";
import type { TokenStatus } from "../../bindings/TokenStatus";
import { Skeleton } from "../../components/Feedback";
import { LocalTime } from "../../components/Time";
import { formatUtc } from "../../lib/time";

/** What the job says of itself: provisioned counts, cycle kind and progress, steady state. */
export function Glance({ report, now }: { report: StatusReport; now: Date }) {
  const g = report.glance;
  const counts =
    g.users_provisioned != null || g.groups_provisioned != null
      ? [
          g.users_provisioned != null ? `${g.users_provisioned.toLocaleString()} user${g.users_provisioned === 1 ? "" : "s"}` : null,
          g.groups_provisioned != null ? `${g.groups_provisioned.toLocaleString()} group${g.groups_provisioned === 1 ? "" : "s"}` : null,
        ]
          .filter(Boolean)
          .join(" · ")
      : null;
  const progress =
    g.progress_total != null && g.progress_completed != null && g.progress_total > 0
      ? `${g.progress_completed.toLocaleString()} of ${g.progress_total.toLocaleString()} ${g.progress_units ?? "units"} (${Math.min(100, Math.round((100 * g.progress_completed) / g.progress_total))} %)`
      : null;
  return (
    <>
      <dt>Provisioned</dt>
      <dd>{counts ?? <span className="muted">Not reported by Entra</span>}</dd>
      {g.cycle_kind ? (
        <>
          <dt>Cycle</dt>
          <dd>
            {g.cycle_kind === "initial" ? "Initial cycle" : "Incremental cycles"}
            {progress ? <span className="muted"> · {progress}</span> : null}
          </dd>
        </>
      ) : null}
      {g.steady_state_known ? (
        <>
          <dt>Steady state</dt>
          <dd>
            {g.steady_state_last ?? g.steady_state_first ? (
              <>
                Reached <LocalTime iso={(g.steady_state_last ?? g.steady_state_first)!} now={now} />
              </>
            ) : (
              <span className="muted">Not reached yet</span>
            )}
          </dd>
        </>
      ) : null}
    </>
  );
}

export function TokenCountdown({ t, error, now }: { t: TokenStatus | null; error: CommandError | null; now: Date }) {
  if (error) return <span className="muted">Unknown ({error.message})</span>;
  if (!t) return <Skeleton width={90} />;
  // The latest Test Connection was refused: whatever the expiry says, the token does not work.
  if (t.last_check_verdict === "unauthorized") {
    return (
      <span className="expiry expiry-expired">
        <span className="expiry-dot" aria-hidden="true" />
        <span>
          Refused
          {t.last_checked_at ? (
            <span className="muted">
              {" "}
              · tested <LocalTime iso={t.last_checked_at} now={now} />
            </span>
          ) : null}
        </span>
      </span>
    );
  }
  if (t.days_left == null) return <span className="muted">Expiry not known</span>;
  const level = t.days_left < 0 ? "expired" : t.days_left <= 7 ? "urgent" : t.days_left <= 30 ? "soon" : "ok";
  return (
    <span className={`expiry expiry-${level}`}>
      <span className="expiry-dot" aria-hidden="true" />
      <span className="relative-hint" title={t.expires_at ? formatUtc(t.expires_at) : undefined}>
        {t.days_left < 0
          ? `Expired ${-t.days_left} day${t.days_left === -1 ? "" : "s"} ago`
          : t.days_left === 0
            ? "Expires today"
            : `${t.days_left} day${t.days_left === 1 ? "" : "s"} left`}
      </span>
    </span>
  );
}
