// Settings → Appearance: System (follow prefers-color-scheme), Light or Dark.
// The choice is stored by the engine (`set_theme`) and shown through
// `<html data-theme>`: the shell's init script sets it before the first paint
// at start (src-tauri/src/appearance.rs), `applyTheme` at once on a change.
import type { Theme } from "../bindings/Theme";
import { getTheme } from "./ipc";

export const THEMES: { value: Theme; label: string; hint: string }[] = [
  { value: "system", label: "System", hint: "Follows your system's light or dark setting." },
  { value: "light", label: "Light", hint: "Always light." },
  { value: "dark", label: "Dark", hint: "Always dark." },
];

/** The theme the window shows now (from `data-theme`; none = System). */
export function currentTheme(): Theme {
  const t = document.documentElement.getAttribute("data-theme");
  return t === "light" || t === "dark" ? t : "system";
}

/** Shows `theme` at once: no reload, no flash. */
export function applyTheme(theme: Theme): void {
  const root = document.documentElement;
  if (theme === "system") root.removeAttribute("data-theme");
  else root.setAttribute("data-theme", theme);
}

/** Applies the stored theme (after a reload the init script's may be stale); keeps the current one when it cannot be read. */
export async function syncTheme(): Promise<Theme> {
  try {
    const t = await getTheme();
    applyTheme(t);
    return t;
  } catch {
    return currentTheme();
  }
}
