// One incident: what broke, when, how bad, what to do; Acknowledge, Resolve…
// (with a note) and Snooze while it is open. A resolved incident shows its
// evidence as of resolution, labelled with the time — never live text.
import { useId, useState } from "react";
import type { CommandError } from "../../bindings/CommandError";
import type { Evidence } from "../../bindings/Evidence";
import type { IncidentStatus } from "../../bindings/IncidentStatus";
import type { IncidentView } from "../../bindings/IncidentView";
import { EvidenceList } from "../../components/EvidenceList";
import { ErrorAlert } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { Menu, type MenuItem } from "../../components/Menu";
import { RichText } from "../../components/RichText";
import { IncidentRemediation } from "../../components/RemediationActions";
import { SeverityBadge } from "../../components/Severity";
import { LocalTime, useNow } from "../../components/Time";
import { useToasts } from "../../components/Toasts";
import { acknowledgeIncident, snoozeIncident, toCommandError } from "../../lib/ipc";
import { href } from "../../lib/router";
import { formatLocalDateTime, formatRelative, formatUtc } from "../../lib/time";
import { formatClock } from "./format";
import { ResolveDialog } from "./ResolveDialog";

const STATE_LABELS: Record<IncidentStatus, string> = { open: "Open", escalated: "Escalated", resolved: "Resolved" };
const STATE_CLASSES: Record<IncidentStatus, string> = {
  open: "badge badge-tone-warn",
  escalated: "badge badge-tone-bad",
  resolved: "badge badge-tone-ok",
};

const HOUR = 3_600_000;
/** The snooze choices, computed from `now` (local time for "tomorrow 09:00"). */
export function snoozeChoices(now: Date): { label: string; until: string }[] {
  const tomorrow9 = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 9, 0, 0, 0);
  return [
    { label: "For 1 hour", until: new Date(now.getTime() + HOUR).toISOString() },
    { label: "For 4 hours", until: new Date(now.getTime() + 4 * HOUR).toISOString() },
    { label: "For 1 day", until: new Date(now.getTime() + 24 * HOUR).toISOString() },
    { label: "Until tomorrow 09:00", until: tomorrow9.toISOString() },
  ];
}

export function IncidentCard({ v, onChange }: { v: IncidentView; onChange: (v: IncidentView) => void }) {
  const i = v.incident;
  const now = useNow();
  const { push } = useToasts();
  const [busy, setBusy] = useState(false);
  const [resolving, setResolving] = useState(false);
  const [error, setError] = useState<CommandError | null>(null);
  const titleId = useId();
  const active = i.state !== "resolved";
  const snoozed = i.snoozed_until && new Date(i.snoozed_until).getTime() > now.getTime() ? i.snoozed_until : null;
  const r = i.resolution;

  async function act(run: () => Promise<IncidentView>, done: (next: IncidentView) => string) {
    setBusy(true);
    setError(null);
    try {
      const next = await run();
      onChange(next);
      push({ tone: "success", title: done(next), lines: [i.title] });
    } catch (e) {
      setError(toCommandError(e));
    } finally {
      setBusy(false);
    }
  }

  const snooze = (until: string | null) =>
    act(
      () => snoozeIncident(v.id, until),
      () => (until ? `Reminders snoozed until ${formatLocalDateTime(until)}` : "Reminders are back on"),
    );
  const items: MenuItem[] = snoozeChoices(now).map((c) => ({ label: c.label, onSelect: () => void snooze(c.until) }));
  if (i.snoozed_until) items.push({ label: "Un-snooze", onSelect: () => void snooze(null) });

  // A resolved incident: the evidence and advice as they were when it resolved.
  const evidence: Evidence[] = active ? i.evidence : (r?.evidence ?? i.evidence);
  const action = active ? i.action : (r?.action ?? i.action);
  const resolvedAt = r?.at ?? i.resolved_at;

  return (
    <article className={`card incident-card incident-${i.state} incident-sev-${i.severity}`} aria-labelledby={titleId}>
      <header className="incident-header">
        <div className="incident-badges">
          <SeverityBadge severity={i.severity} />
          <span className={STATE_CLASSES[i.state]}>{STATE_LABELS[i.state]}</span>
          {active && i.acknowledged ? (
            <span className="badge badge-off" title={`Acknowledged ${formatLocalDateTime(i.acknowledged.at)} (${formatUtc(i.acknowledged.at)})`}>
              <Icon name="check" size={12} />
              Acknowledged by {i.acknowledged.by}
            </span>
          ) : null}
          {active && snoozed ? (
            <span className="badge badge-off" title={`Until ${formatLocalDateTime(snoozed)} (${formatUtc(snoozed)})`}>
              <Icon name="clock" size={12} />
              Snoozed {formatRelative(snoozed, now).replace(/^in /, "for ")}
            </span>
          ) : null}
        </div>
        {active ? (
          <div className="incident-actions">
            {!i.acknowledged ? (
              <button
                type="button"
                className="button button-sm"
                disabled={busy}
                aria-label={`Acknowledge “${i.title}”`}
                onClick={() => void act(() => acknowledgeIncident(v.id), () => "Acknowledged: no more reminders")}
              >
                Acknowledge
              </button>
            ) : null}
            <button type="button" className="button button-sm" disabled={busy} aria-label={`Resolve “${i.title}”…`} onClick={() => setResolving(true)}>
              Resolve…
            </button>
            <Menu
              label={
                <>
                  <Icon name="clock" size={14} /> Snooze
                </>
              }
              accessibleLabel={`Snooze reminders for “${i.title}”`}
              items={items}
              disabled={busy}
            />
          </div>
        ) : null}
      </header>
      <h2 id={titleId} className="incident-title">
        <RichText text={i.title} capitalize />
      </h2>
      <p className="incident-meta">
        <a href={href("connections", v.connection_id, "edit")}>{v.connection_name}</a>
        <span aria-hidden="true"> · </span>
        <span>
          Opened <LocalTime iso={i.opened_at} now={now} />
        </span>
        {active ? (
          <>
            <span aria-hidden="true"> · </span>
            <span>
              Updated <LocalTime iso={i.updated_at} now={now} />
            </span>
          </>
        ) : null}
        {resolvedAt ? (
          <>
            <span aria-hidden="true"> · </span>
            <span>
              Resolved <LocalTime iso={resolvedAt} hint="" />
            </span>
          </>
        ) : null}
      </p>
      {v.reopened_from != null ? (
        <p className="callout callout-warn small">
          Re-opened: it was resolved by hand, but the problem was still there at the next check.
        </p>
      ) : null}
      {!active && r ? (
        <div className="incident-resolution">
          <p>
            {r.by_hand ? (
              <>
                Resolved by <strong>{r.by}</strong> at {formatClock(r.at)}
                {v.reopened_as != null ? " — still failing at the next check, so it re-opened as a new incident." : r.followed_up ? " — confirmed at the next check." : " — scimwatch checks at its next diagnosis."}
              </>
            ) : (
              <>Resolved at {formatClock(r.at)}: scimwatch no longer saw the problem.</>
            )}
          </p>
          {r.note ? <blockquote className="incident-note selectable">{r.note}</blockquote> : null}
        </div>
      ) : null}
      {action ? (
        <div className="callout callout-action">
          <Icon name="arrowRight" size={16} />
          <div className="callout-content">
            <p className="callout-title">{active ? "What to do" : "What was recommended"}</p>
            <p>
              <RichText text={action} capitalize />
            </p>
          </div>
        </div>
      ) : null}
      {active ? <IncidentRemediation connectionId={v.connection_id} kind={i.kind} evidence={i.evidence} /> : null}
      {evidence.length > 0 ? (
        <section aria-label={active ? "Evidence" : "Evidence when resolved"}>
          {!active ? (
            <p className="evidence-caption muted small">
              {resolvedAt ? `Evidence when resolved, ${formatClock(resolvedAt)}` : "Evidence when resolved"}
            </p>
          ) : null}
          <EvidenceList evidence={evidence} now={now} frozen={!active} />
        </section>
      ) : null}
      {error ? <ErrorAlert error={error} /> : null}
      {resolving ? (
        <ResolveDialog
          v={v}
          onClose={() => setResolving(false)}
          onResolved={(next) => {
            setResolving(false);
            onChange(next);
            push({ tone: "success", title: "Resolved", lines: [i.title] });
          }}
        />
      ) : null}
    </article>
  );
}
