// A tiny hash router: `#/connections`, `#/connections/new`,
// `#/connections/<id>/edit`. Hash routes work from `file:`-like origins and
// need nothing from the Tauri side.
import { useEffect, useState } from "react";

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
}

const IDS = new Set<string>(SCREENS.map((s) => s.id));

export function parseHash(hash: string): Route {
  const parts = hash
    .replace(/^#\/?/, "")
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
  if (first && IDS.has(first)) return { screen: first as ScreenId, rest };
  return { screen: "overview", rest: [] };
}

export function href(screen: ScreenId, ...rest: string[]): string {
  return `#/${[screen, ...rest].map(encodeURIComponent).join("/")}`;
}

export function navigate(screen: ScreenId, ...rest: string[]): void {
  const next = href(screen, ...rest);
  if (window.location.hash !== next) window.location.hash = next;
}

export function screenTitle(id: ScreenId): string {
  return SCREENS.find((s) => s.id === id)?.title ?? id;
}

export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(() => parseHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(window.location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
