// Drift: who Entra assigns against the latest complete snapshot of the SaaS.
import type { ReactNode } from "react";
import type { AssignedUser } from "../../bindings/AssignedUser";
import type { Connection } from "../../bindings/Connection";
import type { DriftResult } from "../../bindings/DriftResult";
import type { MatchingAttribute } from "../../bindings/MatchingAttribute";
import type { RemediationStatus } from "../../bindings/RemediationStatus";
import type { SaasUserRef } from "../../bindings/SaasUserRef";
import { Alert, RetryAlert } from "../../components/Feedback";
import { ProvisionOnDemandButton, useRemediation } from "../../components/RemediationActions";
import { PortalFallback } from "../../components/RemediationParts";
import { RichText } from "../../components/RichText";
import { LocalTime } from "../../components/Time";
import { driftReport } from "../../lib/ipc";
import { useCommand } from "../../lib/useCommand";
import { TableSkeleton } from "../../components/Skeletons";
import { ListSection, n, PagedSection } from "./common";

const MATCHING: Record<MatchingAttribute, string> = {
  user_name: "userName",
  external_id: "externalId",
  primary_email: "primary email",
  id: "id",
};

export function DriftTab({ c }: { c: Connection }) {
  const drift = useCommand(`drift:${c.id}`, () => driftReport(c.id));
  if (drift.error?.kind === "not_found")
    return (
      <Alert
        tone="info"
        title="Drift needs Entra's assignments"
        action={
          <button type="button" className="button button-sm" onClick={() => void drift.reload()} disabled={drift.loading}>
            Check again
          </button>
        }
      >
        <p>
          <RichText text={drift.error.message} capitalize />
        </p>
        <p>
          Drift compares who Entra assigns to the enterprise app with the latest complete snapshot of the SaaS.
          {c.entra ? " Once Entra's assignments have been polled for this connection, the report appears here." : " This connection has no Entra side: add the tenant and enterprise app in Connections → Edit."}
        </p>
      </Alert>
    );
  if (drift.error)
    return (
      <RetryAlert error={drift.error} onRetry={drift.reload} busy={drift.loading} />
    );
  if (!drift.data) return <TableSkeleton label="Loading drift report" />;
  return <DriftView result={drift.data} connectionId={c.id} />;
}

function activeText(v: boolean | null): string {
  return v == null ? "not set" : v ? "active" : "inactive";
}

/**
 * Remediation's state for the drift lists: with the switch on, each missing
 * user offers Provision on demand; off, one line says where the portal does it.
 */
function OnDemandHint({ status, show }: { status: RemediationStatus | null; show: boolean }) {
  if (!show || !status?.available || status.enabled) return null;
  return <PortalFallback portal={status.portal} action="Provision a missing user on demand" />;
}

export function DriftView({ result, connectionId }: { result: DriftResult; connectionId: string }) {
  const remediation = useRemediation(connectionId);
  const onDemand = !!remediation.status?.enabled;
  const r = result.report;
  const k = r.counts;
  const orphans = [...r.orphans].sort((x, y) => Number(y.active ?? false) - Number(x.active ?? false));
  const clean = k.missing + k.active_orphans + k.duplicates + k.active_mismatches + k.unmatchable === 0;
  return (
    <div className="stack">
      <p className="muted small">
        Against snapshot #{result.snapshot_id}
        {result.snapshot_completed_at ? (
          <>
            {" "}
            (completed <LocalTime iso={result.snapshot_completed_at} />)
          </>
        ) : null}{" "}
        · matching Entra's value with the SaaS's <code>{MATCHING[r.matching_attribute] ?? r.matching_attribute}</code>
      </p>
      <dl className="stat-row">
        <Stat label="Assigned in Entra" value={k.assigned} />
        <Stat label="Users in the SaaS" value={k.saas} />
        <Stat label="Matched" value={k.matched} />
        <Stat label="Missing in SaaS" value={k.missing} bad />
        <Stat label="Orphans" value={k.orphans} extra={`${n(k.active_orphans)} active`} bad={k.active_orphans > 0} />
        <Stat label="Duplicates" value={k.duplicates} bad />
        <Stat label="Active mismatches" value={k.active_mismatches} bad />
      </dl>
      {clean ? (
        <Alert tone="success" title="No drift">
          <p>Every assigned user is in the SaaS, with the expected active state, and no active account is left over.</p>
        </Alert>
      ) : null}
      <PagedSection
        title="Missing in the SaaS"
        hint="Assigned in Entra but absent from the SaaS: Entra has not created them, or creating them failed (see Provisioning logs)."
        items={r.missing}
        render={(u) => (
          <AssignedItem key={u.principal_id} u={u} matching>
            {onDemand ? <ProvisionOnDemandButton connectionId={connectionId} user={u.principal_id} name={u.display_name ?? u.matching_value} /> : null}
          </AssignedItem>
        )}
      >
        <OnDemandHint status={remediation.status} show={r.missing.length > 0} />
      </PagedSection>
      <PagedSection
        title="Orphans"
        hint="In the SaaS but not assigned in Entra. Active ones still have access that should probably be gone."
        items={orphans}
        render={(u) => <SaasItem key={u.id ?? u.user_name ?? ""} u={u} />}
      />
      <ListSection title="Duplicates" count={r.duplicates.length} hint="SaaS users sharing a userName or externalId: Entra cannot tell which one to update.">
        <ul className="item-list" aria-label="Duplicates">
          {r.duplicates.map((d) => (
            <li key={`${d.attribute}:${d.value}`} className="item item-wrap">
              <span className="item-label">
                <code>{d.attribute}</code> = <span className="mono">{d.value}</span>
              </span>
              <span className="muted small">{d.users.length} users</span>
              <ul className="sub-list">
                {d.users.map((u, i) => (
                  <SaasItem key={u.id ?? i} u={u} />
                ))}
              </ul>
            </li>
          ))}
        </ul>
      </ListSection>
      <PagedSection
        title="Active state differs"
        hint="Matched users whose active flag in the SaaS is not what Entra expects (disabled in Entra but active in the SaaS, or the reverse)."
        items={r.active_mismatches}
        render={(m) => (
          <li key={m.assigned.principal_id} className="item">
            <span className="item-label">{m.assigned.display_name ?? m.saas.user_name ?? m.assigned.principal_id}</span>
            <span className="small">
              Entra expects <strong>{activeText(m.assigned.expected_active)}</strong>, the SaaS has <strong>{activeText(m.saas.active)}</strong>
            </span>
            <span className="mono muted small item-id">{m.saas.user_name ?? m.saas.id}</span>
          </li>
        )}
      />
      <PagedSection
        title="Cannot be matched"
        hint="Assigned users without a value for the matching attribute: Entra cannot match them either."
        items={r.unmatchable}
        render={(u) => <AssignedItem key={u.principal_id} u={u} />}
      />
    </div>
  );
}

/** A user Entra assigns: name, its matching value (with `matching`), object id, then `children`. */
function AssignedItem({ u, matching = false, children }: { u: AssignedUser; matching?: boolean; children?: ReactNode }) {
  return (
    <li className="item">
      <span className="item-label">{u.display_name ?? <span className="muted">(no name)</span>}</span>
      {matching ? <span className="mono small">{u.matching_value ?? "—"}</span> : null}
      <span className="mono muted small item-id">{u.principal_id}</span>
      {children}
    </li>
  );
}

function SaasItem({ u }: { u: SaasUserRef }) {
  return (
    <li className="item">
      <span className="item-label mono">{u.user_name ?? <span className="muted">(no userName)</span>}</span>
      {u.external_id ? <span className="mono muted small">externalId {u.external_id}</span> : null}
      <span className={u.active ? "badge badge-tone-warn" : "badge badge-off"}>{activeText(u.active)}</span>
      <span className="mono muted small item-id">{u.id ?? "—"}</span>
    </li>
  );
}

function Stat({ label, value, extra, bad }: { label: string; value: number; extra?: string; bad?: boolean }) {
  return (
    <div className={bad && value > 0 ? "stat stat-bad" : "stat"}>
      <dt>{label}</dt>
      <dd>
        {n(value)}
        {extra ? <span className="muted small"> · {extra}</span> : null}
      </dd>
    </div>
  );
}
