// Screens whose data arrives with polling. Each says what it will show and
// what it needs, checked against what is actually configured. No made-up data.
import type { ReactNode } from "react";
import type { Connection } from "../bindings/Connection";
import { ErrorAlert, Skeleton } from "../components/Feedback";
import { Icon, type IconName } from "../components/Icon";
import { Page } from "../components/Page";
import { useConnections } from "../lib/connections";
import { href, navigate, type ScreenId } from "../lib/router";

interface Need {
  label: ReactNode;
  /** true = in place, false = missing, null = not available in this build yet. */
  met: boolean | null;
}

function Needs({ needs }: { needs: Need[] }) {
  return (
    <ul className="needs" aria-label="What this screen needs">
      {needs.map((n, i) => (
        <li key={i} className={n.met === true ? "need need-met" : n.met === false ? "need need-missing" : "need need-later"}>
          <span className="need-mark" aria-hidden="true">
            {n.met === true ? <Icon name="check" size={14} /> : n.met === false ? <Icon name="alert" size={14} /> : <Icon name="clock" size={14} />}
          </span>
          <span>
            {n.label}
            <span className="visually-hidden">
              {n.met === true ? " (in place)" : n.met === false ? " (missing)" : " (not available yet)"}
            </span>
          </span>
        </li>
      ))}
    </ul>
  );
}

function Planned({
  id,
  title,
  subtitle,
  icon,
  headline,
  children,
  needs,
}: {
  id: ScreenId;
  title: string;
  subtitle: string;
  icon: IconName;
  headline: string;
  children: ReactNode;
  needs: (list: Connection[]) => Need[];
}) {
  const { state, reload, refreshing } = useConnections();
  const list = state.connections;
  return (
    <Page title={title} subtitle={subtitle}>
      {state.status === "error" ? (
        <ErrorAlert
          error={state.error}
          action={
            <button type="button" className="button button-sm" onClick={() => void reload()} disabled={refreshing}>
              Try again
            </button>
          }
        />
      ) : null}
      <section className="planned card" aria-labelledby={`${id}-headline`} data-screen={id}>
        <div className="empty-icon">
          <Icon name={icon} size={24} />
        </div>
        <div className="planned-content">
          <h2 id={`${id}-headline`} className="empty-title">
            {headline}
          </h2>
          <div className="empty-body">{children}</div>
          <h3 className="planned-subtitle">What it needs</h3>
          {list ? (
            <Needs needs={needs(list)} />
          ) : state.status === "loading" ? (
            <div className="stack-sm" role="status" aria-label="Loading">
              <Skeleton width="60%" />
              <Skeleton width="45%" />
            </div>
          ) : null}
          {list && list.length === 0 ? (
            <div className="empty-action">
              <button type="button" className="button button-primary" onClick={() => navigate("connections", "new")}>
                <Icon name="plus" size={16} /> Add a connection
              </button>
            </div>
          ) : null}
        </div>
      </section>
    </Page>
  );
}

const polling: Need = { label: "Polling, which arrives in a later version of scimwatch", met: null };
const anyEntra = (l: Connection[]): Need => ({
  label: (
    <>
      A <a href={href("connections")}>connection</a> with an Entra ID side
    </>
  ),
  met: l.some((c) => c.entra),
});

export function MappingsScreen() {
  return (
    <Planned
      id="mappings"
      title="Mappings & assignments"
      subtitle="What Entra sends to the SaaS, and for whom."
      icon="mappings"
      headline="Attribute mappings and scope will appear here"
      needs={(l) => [anyEntra(l), { label: "Read access to the enterprise app and its provisioning job in Microsoft Graph", met: null }, polling]}
    >
      <p>
        This screen will show the provisioning job's attribute mappings (Entra attribute → SCIM attribute, matching
        rules) and who is in scope: the users and groups assigned to the enterprise app, with the scope setting
        (assigned only or all users).
      </p>
    </Planned>
  );
}

export function LogsScreen() {
  return (
    <Planned
      id="logs"
      title="Provisioning logs"
      subtitle="Entra's record of every create, update, disable and skip."
      icon="logs"
      headline="No provisioning logs read yet"
      needs={(l) => [anyEntra(l), { label: "Permission to read audit logs in the tenant (AuditLog.Read.All)", met: null }, polling]}
    >
      <p>
        Here you will find the provisioning log entries Entra writes for the enterprise app, newest first, filterable
        by status (success, failure, skipped) and by user or group, with the SCIM request and response that failed.
      </p>
    </Planned>
  );
}

export function TroubleshootingScreen() {
  return (
    <Planned
      id="troubleshooting"
      title="Troubleshooting"
      subtitle="A guided checklist for a sync that stalls or fails."
      icon="troubleshooting"
      headline="The checklist runs against live data"
      needs={(l) => [{ label: "At least one connection", met: l.length > 0 }, polling]}
    >
      <p>
        When a connection misbehaves, this screen walks through the usual causes one check at a time (the token, the
        Tenant URL, the provisioning job's state, quarantine, scope and mappings) and says what to change and where.
      </p>
    </Planned>
  );
}
