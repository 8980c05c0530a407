// Which portal links the UI renders as links: only https URLs on the Entra
// portal host of the connection's cloud, the same hosts core's
// `portal_base_for` produces and the opener plugin's capability allows
// (src-tauri/src/security_tests.rs checks all three agree). Anything else is
// shown as plain text, never as something clickable.
import type { Cloud } from "../bindings/Cloud";

/**
 * The portal host of each cloud. A custom cloud (custom sign-in and Graph
 * hosts: a proxy, or the demo's simulator) has no portal of its own: the
 * engine gives it the global admin center's links (monitor.rs), so that
 * host is the one allowed for it.
 */
export const PORTAL_HOSTS: Record<Cloud, string | null> = {
  global: "entra.microsoft.com",
  usgov: "portal.azure.us",
  china: "portal.azure.cn",
  custom: "entra.microsoft.com",
};

/**
 * The URL, normalised, when it may open in the browser for a connection in
 * `cloud`: https, exactly that cloud's portal host, no credentials or port.
 * `null` otherwise.
 */
export function allowedPortalUrl(url: string | null | undefined, cloud: Cloud | null | undefined): string | null {
  if (!url || !cloud) return null;
  const host = PORTAL_HOSTS[cloud];
  if (!host) return null;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== "https:" || u.hostname !== host || u.port !== "" || u.username !== "" || u.password !== "") return null;
  // The capability's pattern is `https://<host>/*`: the serialised form starts so.
  const href = u.href;
  return href.startsWith(`https://${host}/`) ? href : null;
}
