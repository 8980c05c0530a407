import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { App } from "../App";
import { reject, fakeBackend } from "../test/backend";

afterEach(() => document.documentElement.removeAttribute("data-theme"));

async function openSettings() {
  window.location.hash = "#/settings";
  render(<App />);
  return screen.findByRole("radiogroup", { name: "Theme" });
}

describe("Settings → Appearance", () => {
  test("the stored theme is shown; a choice applies at once and is stored", async () => {
    const b = fakeBackend();
    let stored = "light";
    b.handlers.get_theme = () => stored;
    b.handlers.set_theme = (args) => (stored = args.theme as string);
    await openSettings();
    await waitFor(() => expect((screen.getByRole("radio", { name: "Light" }) as HTMLInputElement).checked).toBe(true));
    expect(document.documentElement.getAttribute("data-theme")).toBe("light");

    fireEvent.click(screen.getByRole("radio", { name: "Dark" }));
    // Applied before the engine answered (no reload, no wait).
    expect(document.documentElement.getAttribute("data-theme")).toBe("dark");
    await waitFor(() => expect(stored).toBe("dark"));
    expect(b.last("set_theme")?.args).toEqual({ theme: "dark" });

    fireEvent.click(screen.getByRole("radio", { name: "System" }));
    expect(document.documentElement.hasAttribute("data-theme")).toBe(false);
    await waitFor(() => expect(stored).toBe("system"));
    expect(screen.getByText(/Follows your system's light or dark setting/)).toBeTruthy();
  });

  test("a theme that could not be stored is taken back, with the error", async () => {
    const b = fakeBackend();
    b.handlers.set_theme = () => reject("storage", "database is locked");
    await openSettings();
    fireEvent.click(screen.getByRole("radio", { name: "Dark" }));
    await screen.findByText(/database is locked/);
    expect(document.documentElement.hasAttribute("data-theme")).toBe(false);
    expect((screen.getByRole("radio", { name: "System" }) as HTMLInputElement).checked).toBe(true);
  });
});

describe("styles.css", () => {
  // styles.css imports one file a part, in cascade order: read them all, in that order.
  const index = readFileSync(join(__dirname, "../styles.css"), "utf8");
  const parts = [...index.matchAll(/@import "\.\/(styles\/[^"]+\.css)";/g)].map((m) => m[1]!);
  const css = parts.map((f) => readFileSync(join(__dirname, "..", f), "utf8")).join("\n");
  const declarations = (block: string) =>
    block
      .split(";")
      .map((d) => d.trim())
      .filter((d) => d.startsWith("--"));

  test("styles.css imports every file of styles/, each once", () => {
    const files = readdirSync(join(__dirname, "../styles")).filter((f) => f.endsWith(".css")).sort();
    expect(parts.map((p) => p.replace("styles/", ""))).toEqual(files);
  });

  test("the forced-dark palette is the system-dark palette, and Light beats a dark system", () => {
    const media = /@media \(prefers-color-scheme: dark\) \{\s*:root:not\(\[data-theme="light"\]\) \{([^}]*)\}/.exec(css);
    const forced = /:root\[data-theme="dark"\] \{([^}]*)\}/.exec(css);
    expect(media && forced).toBeTruthy();
    const a = declarations(media![1]!);
    expect(a.length).toBeGreaterThan(20);
    expect(declarations(forced![1]!)).toEqual(a);
    expect(forced![1]).toMatch(/color-scheme: dark/);
    expect(css).toMatch(/:root\[data-theme="light"\] \{\s*color-scheme: light;/);
    // No dark rule that ignores the switch.
    for (const m of css.matchAll(/@media \(prefers-color-scheme: dark\) \{\s*([^{]+)\{/g)) {
      expect(m[1]).toContain(':not([data-theme="light"])');
    }
  });

  test("placeholders are italic and never look like typed values", () => {
    const rule = /\.input::placeholder,\s*textarea::placeholder,\s*input::placeholder \{([^}]*)\}/.exec(css);
    expect(rule).toBeTruthy();
    expect(rule![1]).toMatch(/font-style: italic/);
    expect(rule![1]).toMatch(/color: var\(--text-3\)/);
  });
});
