// Which connection a per-connection screen shows. The choice lives in the
// route (`#/token/<id>`), so it survives reloads and can be linked to.
import { useId } from "react";
import type { Connection } from "../bindings/Connection";
import { useConnections } from "../lib/connections";
import { navigate, type ScreenId } from "../lib/router";

/** Which connections a screen can show: those with an Entra side, a SCIM side, or any. */
export type ConnectionSide = "entra" | "scim" | "any";

const QUALIFIES: Record<ConnectionSide, (c: Connection) => boolean> = {
  entra: (c) => !!c.entra,
  scim: (c) => !!c.scim,
  any: () => true,
};

/** The connections that have `side`, and the one the route selects (the first by default). */
export function useSideConnection(side: ConnectionSide, rest: string[]): { eligible: Connection[] | null; current: Connection | null } {
  const { state } = useConnections();
  const list = state.connections;
  if (!list) return { eligible: null, current: null };
  const eligible = list.filter(QUALIFIES[side]);
  const current = eligible.find((c) => c.id === rest[0]) ?? eligible[0] ?? null;
  return { eligible, current };
}

/** One group of the picker: connections outside any all-apps tenant
 *  (`label` null), or one tenant's apps under its name. */
export interface PickerGroup {
  label: string | null;
  items: Connection[];
}

/** The picker's options: one-app connections (and all-apps tenants) as they
 *  are, each all-apps tenant's apps grouped under it, watched ones first by
 *  name, retired ones last. */
export function pickerGroups(eligible: Connection[]): PickerGroup[] {
  const loose: Connection[] = [];
  const tenants = new Map<string, PickerGroup>();
  for (const c of eligible) {
    const g = c.group;
    if (g && g.role === "app") {
      const group = tenants.get(g.tenant_id) ?? { label: `${g.tenant_name}: every app`, items: [] };
      group.items.push(c);
      tenants.set(g.tenant_id, group);
    } else {
      loose.push(c);
    }
  }
  const retired = (c: Connection) => (c.group?.retired ? 1 : 0);
  const byName = (a: Connection, b: Connection) => a.name.localeCompare(b.name, undefined, { sensitivity: "base" });
  const groups = [...tenants.values()].sort((a, b) => (a.label ?? "").localeCompare(b.label ?? ""));
  for (const g of groups) g.items.sort((a, b) => retired(a) - retired(b) || byName(a, b));
  return [{ label: null, items: loose }, ...groups].filter((g) => g.items.length > 0);
}

function optionText(c: Connection): string {
  return c.group?.retired ? `${c.name} (retired)` : c.name;
}

/** An option a connection, its value the id, its text the name (or `text`). */
export function ConnectionOptions({ connections, text = (c) => c.name }: { connections: Connection[]; text?: (c: Connection) => string }) {
  return (
    <>
      {connections.map((c) => (
        <option key={c.id} value={c.id}>
          {text(c)}
        </option>
      ))}
    </>
  );
}

export function ConnectionPicker({
  screen,
  eligible,
  current,
  extra = [],
}: {
  screen: ScreenId;
  eligible: Connection[];
  current: Connection;
  /** Route segments to keep after the id (e.g. the tab). */
  extra?: string[];
}) {
  const id = useId();
  if (eligible.length < 2) return null;
  return (
    <div className="picker">
      <label htmlFor={id} className="picker-label">
        Connection
      </label>
      <select id={id} className="input select picker-select" value={current.id} onChange={(e) => navigate(screen, e.target.value, ...extra)}>
        {pickerGroups(eligible).map((g) =>
          g.label === null ? (
            <ConnectionOptions key="loose" connections={g.items} text={optionText} />
          ) : (
            <optgroup key={g.label} label={g.label}>
              <ConnectionOptions connections={g.items} text={optionText} />
            </optgroup>
          ),
        )}
      </select>
    </div>
  );
}
