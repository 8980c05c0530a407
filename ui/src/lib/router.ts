// A tiny hash router: `#/connections`, `#/connections/new`,
// `#/connections/<id>/edit`, `#/logs/<id>?status=failure`. Hash routes work
// from `file:`-like origins and need nothing from the Tauri side.
//
// Screens with unsaved edits register a guard (`useUnsavedChanges`): while it
// is dirty, leaving the route — a link, `navigate()`, Back/Forward — waits
// for the admin's answer in `<LeaveGuard>` ("Discard unsaved changes?"), and
// reloading or closing the page asks the browser's own question.
import { useEffect, useRef, useSyncExternalStore } from "react";

export const SCREENS = [
  { id: "overview", title: "Overview" },
  { id: "connections", title: "Connections" },
  { id: "mappings", title: "Mappings & assignments" },
  { id: "token", title: "Token" },
  { id: "logs", title: "Provisioning logs" },
  { id: "inventory", title: "Inventory" },
  { id: "troubleshooting", title: "Troubleshooting" },
  { id: "incidents", title: "Incidents" },
  { id: "settings", title: "Settings" },
] as const;

export type ScreenId = (typeof SCREENS)[number]["id"];

export interface Route {
  screen: ScreenId;
  /** Path segments after the screen, e.g. `["new"]` or `["<id>", "edit"]`. */
  rest: string[];
  /** The query string after `?` (filters that survive reload and can be shared). */
  query: URLSearchParams;
}

export type Query = Record<string, string | null | undefined>;

const IDS = new Set<string>(SCREENS.map((s) => s.id));

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, "");
  const q = raw.indexOf("?");
  const path = q === -1 ? raw : raw.slice(0, q);
  const query = new URLSearchParams(q === -1 ? "" : raw.slice(q + 1));
  const parts = path
    .split("/")
    .filter(Boolean)
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  const [first, ...rest] = parts;
  if (first && IDS.has(first)) return { screen: first as ScreenId, rest, query };
  return { screen: "overview", rest: [], query: new URLSearchParams() };
}

export function href(screen: ScreenId, ...rest: string[]): string {
  return `#/${[screen, ...rest].map(encodeURIComponent).join("/")}`;
}

/** `href` with a query string; empty and null values are left out. */
export function hrefWithQuery(screen: ScreenId, rest: string[], query: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) params.set(k, v);
  const qs = params.toString();
  return qs ? `${href(screen, ...rest)}?${qs}` : href(screen, ...rest);
}

/** The Incidents screen with one incident focused (`?incident=<id>`), filtered to its connection when known. */
export function incidentHref(id: number | bigint, connectionId: string | null): string {
  return hrefWithQuery("incidents", connectionId ? [connectionId] : [], { incident: String(id) });
}

export function navigate(screen: ScreenId, ...rest: string[]): void {
  go(href(screen, ...rest));
}

/** Go to a hash (`#/…`), unless unsaved changes make it wait for the admin's answer. */
export function go(next: string): void {
  if (sameHash(next, window.location.hash)) return;
  if (blocks(next)) {
    setPending(next);
    return;
  }
  window.location.hash = next;
}

export function screenTitle(id: ScreenId): string {
  return SCREENS.find((s) => s.id === id)?.title ?? id;
}

// ---------- the current route, one listener for the whole app ----------

let accepted = "";
let current: Route = parseHash("");
let subscribers = 0;
const routeListeners = new Set<() => void>();
/** A hash the admin agreed to go to although changes were unsaved. */
let allowed: string | null = null;

function sameHash(a: string, b: string): boolean {
  const norm = (h: string) => (h === "" || h === "#" ? "#/" : h);
  return norm(a) === norm(b);
}

function accept(hash: string) {
  accepted = hash;
  current = parseHash(hash);
  routeListeners.forEach((l) => l());
}

function onLocationChange() {
  const next = window.location.hash;
  if (next === accepted) return;
  if (allowed !== null && sameHash(allowed, next)) {
    allowed = null;
    accept(next);
    return;
  }
  if (blocks(next)) {
    // Back/Forward or a typed URL: put the address back and ask first.
    const url = accepted ? accepted : window.location.pathname + window.location.search;
    window.history.replaceState(window.history.state, "", url);
    setPending(next);
    return;
  }
  accept(next);
}

/** Links inside the app are caught before they change the address, so history stays clean. */
function onClick(e: MouseEvent) {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element | null)?.closest?.("a[href]");
  const to = a?.getAttribute("href");
  if (!to || !to.startsWith("#/") || a?.getAttribute("target")) return;
  if (blocks(to)) {
    e.preventDefault();
    setPending(to);
  }
}

function onBeforeUnload(e: BeforeUnloadEvent) {
  if (!anyDirty()) return;
  e.preventDefault();
  // Older engines (WebKitGTK among them) want returnValue set.
  e.returnValue = "";
}

function subscribeRoute(listener: () => void): () => void {
  routeListeners.add(listener);
  if (subscribers++ === 0) {
    window.addEventListener("hashchange", onLocationChange);
    window.addEventListener("popstate", onLocationChange);
    document.addEventListener("click", onClick);
    window.addEventListener("beforeunload", onBeforeUnload);
  }
  return () => {
    routeListeners.delete(listener);
    if (--subscribers === 0) {
      window.removeEventListener("hashchange", onLocationChange);
      window.removeEventListener("popstate", onLocationChange);
      document.removeEventListener("click", onClick);
      window.removeEventListener("beforeunload", onBeforeUnload);
    }
  };
}

function routeSnapshot(): Route {
  // Nobody listens (first render, tests): read the address as it is.
  if (subscribers === 0 && window.location.hash !== accepted) {
    accepted = window.location.hash;
    current = parseHash(accepted);
  }
  return current;
}

export function useRoute(): Route {
  return useSyncExternalStore(subscribeRoute, routeSnapshot);
}

// ---------- unsaved changes ----------

interface Guard {
  dirty: () => boolean;
}

const guards = new Set<Guard>();
let pending: string | null = null;
const pendingListeners = new Set<() => void>();

function anyDirty(): boolean {
  for (const g of guards) if (g.dirty()) return true;
  return false;
}

function blocks(next: string): boolean {
  return !sameHash(next, accepted || window.location.hash) && anyDirty();
}

function setPending(next: string | null) {
  pending = next;
  pendingListeners.forEach((l) => l());
}

/** Where the admin wanted to go while changes were unsaved, until they answer. */
export function usePendingNavigation(): {
  pending: string | null;
  keepEditing: () => void;
  discard: () => void;
} {
  const p = useSyncExternalStore(
    (l) => {
      pendingListeners.add(l);
      return () => pendingListeners.delete(l);
    },
    () => pending,
  );
  return {
    pending: p,
    keepEditing: () => setPending(null),
    discard: () => {
      const to = pending;
      setPending(null);
      if (to === null) return;
      allowed = to;
      if (sameHash(to, window.location.hash)) onLocationChange();
      else window.location.hash = to;
    },
  };
}

/**
 * Marks the calling screen as holding unsaved edits while `dirty` is true.
 * `allowLeave()` lifts the guard at once — call it just before navigating
 * away on purpose (after a save, or when the admin chose Discard).
 */
export function useUnsavedChanges(dirty: boolean): { allowLeave: () => void } {
  const state = useRef({ dirty, released: false });
  state.current.dirty = dirty;
  if (!dirty) state.current.released = false;
  useEffect(() => {
    const guard: Guard = { dirty: () => state.current.dirty && !state.current.released };
    guards.add(guard);
    return () => {
      guards.delete(guard);
      // The guarded screen is gone: nothing is left to ask about.
      if (!anyDirty() && pending !== null) setPending(null);
    };
  }, []);
  return {
    allowLeave: () => {
      state.current.released = true;
    },
  };
}
