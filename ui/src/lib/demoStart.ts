// Opening the demo tenant, shared by every "Open the demo tenant" button and
// the Overview: the click marks the demo as starting at once (the Overview
// shows its skeleton in the same frame, instead of a blank pane while the
// simulated tenant starts), and a failure is kept for the button to show
// wherever it is rendered again.
import { useSyncExternalStore } from "react";
import type { CommandError } from "../bindings/CommandError";
import type { Connection } from "../bindings/Connection";
import { startDemo, toCommandError } from "./ipc";

export type DemoStart = { state: "idle" } | { state: "starting" } | { state: "failed"; error: CommandError };

let current: DemoStart = { state: "idle" };
const listeners = new Set<() => void>();

function set(next: DemoStart) {
  current = next;
  for (const l of listeners) l();
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function useDemoStart(): DemoStart {
  return useSyncExternalStore(subscribe, () => current);
}

/**
 * Start the demo tenant: `starting` at once, then `after` (reload the
 * connections) before the skeleton gives way; `failed` with the error.
 * Returns the demo connection, or null when it could not start.
 */
export async function openDemo(after: () => Promise<unknown>): Promise<Connection | null> {
  if (current.state === "starting") return null;
  set({ state: "starting" });
  try {
    const c = await startDemo();
    await after();
    set({ state: "idle" });
    return c;
  } catch (e) {
    set({ state: "failed", error: toCommandError(e) });
    return null;
  }
}

/** For tests: back to idle. */
export function resetDemoStart(): void {
  set({ state: "idle" });
}
