// Which connection a per-connection screen shows. The choice lives in the
// route (`#/token/<id>`), so it survives reloads and can be linked to.
import { useId } from "react";
import type { Connection } from "../bindings/Connection";
import { useConnections } from "../lib/connections";
import { navigate, type ScreenId } from "../lib/router";

/** The connections that have a SCIM side, and the one the route selects (the first by default). */
export function useScimConnection(rest: string[]): { eligible: Connection[] | null; current: Connection | null } {
  const { state } = useConnections();
  const list = state.connections;
  if (!list) return { eligible: null, current: null };
  const eligible = list.filter((c) => c.scim);
  const current = eligible.find((c) => c.id === rest[0]) ?? eligible[0] ?? null;
  return { eligible, current };
}

/** The connections that have an Entra side, and the one the route selects. */
export function useEntraConnection(rest: string[]): { eligible: Connection[] | null; current: Connection | null } {
  return usePicked(rest, (c) => !!c.entra);
}

/** Every connection, and the one the route selects. */
export function useAnyConnection(rest: string[]): { eligible: Connection[] | null; current: Connection | null } {
  return usePicked(rest, () => true);
}

function usePicked(rest: string[], keep: (c: Connection) => boolean): { eligible: Connection[] | null; current: Connection | null } {
  const { state } = useConnections();
  const list = state.connections;
  if (!list) return { eligible: null, current: null };
  const eligible = list.filter(keep);
  const current = eligible.find((c) => c.id === rest[0]) ?? eligible[0] ?? null;
  return { eligible, current };
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
        {eligible.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </select>
    </div>
  );
}
