import { render, screen, within } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import { App } from "./App";
import { SCREENS } from "./lib/router";
import { fakeBackend } from "./test/backend";
import { connection, tokenStatus } from "./test/fixtures";

describe("app shell", () => {
  test("the navigation lists all nine screens and marks the current one", async () => {
    fakeBackend();
    render(<App />);
    const nav = screen.getByRole("navigation", { name: "Main" });
    const links = within(nav).getAllByRole("link");
    expect(links.map((l) => l.textContent)).toEqual([
      "Overview",
      "Connections",
      "Mappings & assignments",
      "Token",
      "Provisioning logs",
      "Inventory",
      "Troubleshooting",
      "Incidents",
      "Settings",
    ]);
    expect(SCREENS).toHaveLength(9);
    expect(within(nav).getByRole("link", { name: "Overview" }).getAttribute("aria-current")).toBe("page");
    await screen.findByRole("heading", { name: "Add your first connection" });
  });

  test.each(SCREENS.map((s) => [s.id, s.title]))("#/%s renders its screen", async (id, title) => {
    fakeBackend([connection()]);
    window.location.hash = `#/${id}`;
    render(<App />);
    expect(await screen.findByRole("heading", { level: 1, name: title })).toBeTruthy();
    const nav = screen.getByRole("navigation", { name: "Main" });
    expect(within(nav).getByRole("link", { name: new RegExp(`^${title.replace(/[&]/g, "\\$&")}`) }).getAttribute("aria-current")).toBe("page");
  });

  test("overview shows one card per connection, never invented status", async () => {
    const b = fakeBackend([connection(), connection({ id: "c2", name: "Wiki", entra: null })]);
    b.handlers.token_status = () => tokenStatus();
    render(<App />);
    const list = await screen.findByRole("list", { name: "Connections" });
    const cards = within(list).getAllByRole("article");
    expect(cards).toHaveLength(2);
    expect(await within(cards[0]!).findByText("Not polled yet")).toBeTruthy();
    expect(await within(cards[0]!).findByText("23 days left")).toBeTruthy();
    expect(within(cards[1]!).getByText("No Entra side")).toBeTruthy();
  });

  test("a failed list shows the error kind and message with a retry", async () => {
    const b = fakeBackend();
    b.db = [];
    const { mockIPC } = await import("@tauri-apps/api/mocks");
    mockIPC(() => {
      throw { kind: "storage", message: "database is locked", fields: [] };
    });
    render(<App />);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The local database failed");
    expect(alert.textContent).toContain("database is locked");
    expect(within(alert).getByRole("button", { name: "Try again" })).toBeTruthy();
  });

  test("settings shows app_info", async () => {
    fakeBackend();
    window.location.hash = "#/settings";
    render(<App />);
    expect(await screen.findByText("/home/admin/.local/share/scimwatch/scimwatch.db")).toBeTruthy();
    expect(screen.getByText("OS keychain")).toBeTruthy();
    expect(screen.getByText("Dev build")).toBeTruthy();
    expect(screen.getByText("0.1.0")).toBeTruthy();
  });

  test("settings names the secrets file and what was tightened when the file store is in use", async () => {
    const b = fakeBackend();
    b.handlers.app_info = () => ({
      version: "0.1.0",
      data_dir: "/srv/scimwatch",
      database: "/srv/scimwatch/scimwatch.db",
      secret_store: "file",
      secret_store_path: "/srv/scimwatch/secrets.json",
      dev_build: false,
      notes: ["restricted to you (others could read it): /srv/scimwatch was 0755, now 0700"],
      proxies: [],
      trust: ["bundled webpki roots"],
    });
    window.location.hash = "#/settings";
    render(<App />);
    expect(await screen.findByText("/srv/scimwatch/secrets.json")).toBeTruthy();
    expect(screen.getByText("File")).toBeTruthy();
    expect(screen.queryByText("OS keychain")).toBeNull();
    expect(screen.getByText(/was 0755, now 0700/)).toBeTruthy();
  });
});
