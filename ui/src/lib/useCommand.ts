// Load something from a command, with loading and error state, and reload.
import { useCallback, useEffect, useRef, useState } from "react";
import type { CommandError } from "../bindings/CommandError";
import { toCommandError } from "./ipc";

export interface CommandState<T> {
  data: T | null;
  error: CommandError | null;
  loading: boolean;
  reload: () => Promise<void>;
  /** Replace the data (after an action returned a fresher value). */
  set: (data: T) => void;
}

/** Runs `run` whenever `key` changes (null = nothing to load). Stale answers are dropped. */
export function useCommand<T>(key: string | null, run: () => Promise<T>): CommandState<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  const [loading, setLoading] = useState(key !== null);
  const generation = useRef(0);
  const runRef = useRef(run);
  runRef.current = run;

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    if (key === null) {
      setLoading(false);
      return;
    }
    setLoading(true);
    setError(null);
    try {
      const value = await runRef.current();
      if (mine !== generation.current) return;
      setData(value);
    } catch (e) {
      if (mine !== generation.current) return;
      setError(toCommandError(e));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [key]);

  useEffect(() => {
    setData(null);
    void reload();
  }, [reload]);

  return { data, error, loading, reload, set: setData };
}

/**
 * Reads `read(id)` now and again on `reload()`, for a status shown beside
 * other things: unlike `useCommand`, the last value stays while a reload runs
 * and the last error until a read succeeds; nothing says it is loading.
 */
export function useStatus<T>(id: string, read: (id: string) => Promise<T>) {
  const [status, setStatus] = useState<T | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  const reload = useCallback(() => {
    read(id).then(
      (s) => {
        setStatus(s);
        setError(null);
      },
      (e) => setError(toCommandError(e)),
    );
  }, [id, read]);
  useEffect(reload, [reload]);
  return { status, error, reload, setStatus };
}
