// The list of connections, loaded once and shared by every screen.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import type { CommandError } from "../bindings/CommandError";
import type { Connection } from "../bindings/Connection";
import { listConnections } from "./ipc";

export type ConnectionsState =
  | { status: "loading"; connections: null; error: null }
  | { status: "ready"; connections: Connection[]; error: null }
  | { status: "error"; connections: Connection[] | null; error: CommandError };

interface ConnectionsApi {
  state: ConnectionsState;
  /** True while a refresh runs over an already loaded list. */
  refreshing: boolean;
  reload: () => Promise<void>;
}

const ConnectionsContext = createContext<ConnectionsApi | null>(null);

export function ConnectionsProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<ConnectionsState>({ status: "loading", connections: null, error: null });
  const [refreshing, setRefreshing] = useState(false);
  const generation = useRef(0);

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    setRefreshing(true);
    try {
      const list = await listConnections();
      if (mine !== generation.current) return;
      setState({ status: "ready", connections: sortConnections(list), error: null });
    } catch (e) {
      if (mine !== generation.current) return;
      setState((prev) => ({ status: "error", connections: prev.connections, error: e as CommandError }));
    } finally {
      if (mine === generation.current) setRefreshing(false);
    }
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

  const api = useMemo(() => ({ state, refreshing, reload }), [state, refreshing, reload]);
  return <ConnectionsContext.Provider value={api}>{children}</ConnectionsContext.Provider>;
}

export function useConnections(): ConnectionsApi {
  const ctx = useContext(ConnectionsContext);
  if (!ctx) throw new Error("useConnections outside ConnectionsProvider");
  return ctx;
}

export function sortConnections(list: Connection[]): Connection[] {
  return [...list].sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: "base" }));
}
