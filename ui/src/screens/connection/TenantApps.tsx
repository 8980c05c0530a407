// The apps of an all-apps tenant, under its card on the Connections screen:
// worst first (the engine's order: quarantined, failing, refused, unreadable,
// not read yet, paused, fine, retired), each with its state in words.
import { useEffect, useState, type ReactNode } from "react";
import type { Connection } from "../../bindings/Connection";
import type { TenantApp } from "../../bindings/TenantApp";
import { tenantApps } from "../../lib/ipc";

/** Whether `c` is one app of an all-apps tenant (shown under its tenant). */
export function isTenantApp(c: Connection): boolean {
  return c.group?.role === "app";
}

export function TenantApps({
  tenant,
  connections,
  card,
}: {
  tenant: Connection;
  connections: Connection[];
  card: (c: Connection) => ReactNode;
}) {
  const [apps, setApps] = useState<TenantApp[] | null>(null);
  const mine = connections.filter((c) => c.group?.role === "app" && c.group.tenant_id === tenant.id);
  // Read again when the list changes (a discovery added or retired an app).
  const version = mine.map((c) => `${c.id}:${c.updated_at}`).join(",");
  useEffect(() => {
    let live = true;
    tenantApps(tenant.id).then(
      (list) => live && setApps(list),
      () => live && setApps(null),
    );
    return () => {
      live = false;
    };
  }, [tenant.id, version]);
  // Until the order arrives (or if it cannot be read): the apps by name.
  const rows = apps
    ? apps.map((a) => ({ c: a.connection, state: a.state as string | null }))
    : mine.map((c) => ({ c, state: null as string | null }));
  if (rows.length === 0) {
    return <p className="muted small">No app with a provisioning job found yet: the next poll looks for them.</p>;
  }
  return (
    <ul className="card-list" aria-label={`Apps of ${tenant.name}, worst first`}>
      {rows.map(({ c, state }) => (
        <li key={c.id}>
          {state ? <p className="small">{state}</p> : null}
          {card(c)}
        </li>
      ))}
    </ul>
  );
}
