// Keyboard order of the shell: the skip link first, then the sidebar, then
// the content; the skip link moves focus to the content without changing
// the screen.
import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import { App } from "./App";
import { fakeBackend } from "./test/backend";
import { connection } from "./test/fixtures";

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

describe("keyboard", () => {
  test("the skip link is first, the sidebar comes before the content", async () => {
    fakeBackend([connection()]);
    window.location.hash = "#/incidents";
    render(<App />);
    await screen.findByRole("heading", { level: 1, name: "Incidents" });
    const order = Array.from(document.querySelectorAll<HTMLElement>(FOCUSABLE));
    expect(order[0]!.textContent).toBe("Skip to content");
    const nav = screen.getByRole("navigation", { name: "Main" });
    const main = document.getElementById("main")!;
    const firstInMain = order.findIndex((el) => main.contains(el));
    const lastInNav = order.map((el) => nav.contains(el)).lastIndexOf(true);
    expect(lastInNav).toBeGreaterThan(0);
    expect(firstInMain).toBeGreaterThan(lastInNav);
  });

  test("the skip link focuses the content and keeps the screen", async () => {
    fakeBackend([connection()]);
    window.location.hash = "#/incidents";
    render(<App />);
    await screen.findByRole("heading", { level: 1, name: "Incidents" });
    const link = screen.getByRole("link", { name: "Skip to content" });
    link.focus();
    fireEvent.click(link);
    expect(document.activeElement).toBe(document.getElementById("main"));
    expect(window.location.hash).toBe("#/incidents");
    expect(screen.getByRole("heading", { level: 1, name: "Incidents" })).toBeTruthy();
  });
});
