import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import { App } from "../App";
import type { IncidentView } from "../bindings/IncidentView";
import { fakeBackend } from "../test/backend";
import { connection, incident } from "../test/fixtures";
import { snoozeChoices } from "./IncidentsScreen";

async function openIncidents() {
  window.location.hash = "#/incidents";
  render(<App />);
  await screen.findByRole("heading", { level: 1, name: "Incidents" });
}

describe("Incidents", () => {
  test("lists incidents with severity, state, connection, action and evidence", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.list_incidents = () => [
      incident({ severity: "critical", state: "escalated", title: "The SCIM endpoint rejects the token", kind: "scim_test_failed" }, 1),
      incident({}, 2),
    ];
    await openIncidents();
    const list = await screen.findByRole("list", { name: "Incidents" });
    const [first, second] = within(list).getAllByRole("article");
    expect(within(first!).getByText("Critical")).toBeTruthy();
    expect(within(first!).getByText("Escalated")).toBeTruthy();
    expect(within(first!).getByRole("heading", { name: "The SCIM endpoint rejects the token" })).toBeTruthy();
    expect(within(first!).getByRole("link", { name: "Contoso → Acme" }).getAttribute("href")).toBe("#/connections/c1/edit");
    expect(within(second!).getByText("Warning")).toBeTruthy();
    expect(within(second!).getByText("Rotate the token: Token → Rotate the token.")).toBeTruthy();
    expect(within(second!).getByText("Source")).toBeTruthy();
    expect(within(second!).getByText("JWT exp claim")).toBeTruthy();
    expect(b.last("list_incidents")!.args).toEqual({ connection: null, activeOnly: true });
  });

  test("filters: All and per connection", async () => {
    const b = fakeBackend([connection(), connection({ id: "c2", name: "Wiki" })]);
    await openIncidents();
    await screen.findByRole("heading", { name: "No active incidents" });
    fireEvent.click(screen.getByRole("radio", { name: "All" }));
    await waitFor(() => expect(b.last("list_incidents")!.args).toEqual({ connection: null, activeOnly: false }));
    fireEvent.change(screen.getByLabelText("Connection"), { target: { value: "c2" } });
    await waitFor(() => expect(b.last("list_incidents")!.args).toEqual({ connection: "c2", activeOnly: false }));
  });

  test("snooze menu calls snooze_incident and shows the new state", async () => {
    const b = fakeBackend([connection()]);
    const current: IncidentView = incident();
    b.handlers.list_incidents = () => [current];
    b.handlers.snooze_incident = (args) => incident({ snoozed_until: args.until as string | null });
    await openIncidents();
    const menuButton = await screen.findByRole("button", { name: /Snooze reminders for/ });
    fireEvent.click(menuButton);
    const menu = screen.getByRole("menu");
    expect(within(menu).getAllByRole("menuitem").map((m) => m.textContent)).toEqual([
      "For 1 hour",
      "For 4 hours",
      "For 1 day",
      "Until tomorrow 09:00",
    ]);
    const before = Date.now();
    fireEvent.click(within(menu).getByRole("menuitem", { name: "For 4 hours" }));
    await waitFor(() => expect(b.count("snooze_incident")).toBe(1));
    const args = b.last("snooze_incident")!.args as { id: number; until: string };
    expect(args.id).toBe(7);
    const until = new Date(args.until).getTime();
    expect(until - before).toBeGreaterThan(4 * 3600_000 - 5000);
    expect(until - before).toBeLessThan(4 * 3600_000 + 5000);
    await screen.findByText(/Snoozed for 4 hours/);

    // Un-snooze is offered once snoozed.
    fireEvent.click(screen.getByRole("button", { name: /Snooze reminders for/ }));
    fireEvent.click(within(screen.getByRole("menu")).getByRole("menuitem", { name: "Un-snooze" }));
    await waitFor(() => expect(b.last("snooze_incident")!.args).toEqual({ id: 7, until: null }));
  });

  test("the menu closes with Escape and returns focus", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.list_incidents = () => [incident()];
    await openIncidents();
    const menuButton = await screen.findByRole("button", { name: /Snooze reminders for/ });
    fireEvent.click(menuButton);
    const first = within(screen.getByRole("menu")).getAllByRole("menuitem")[0]!;
    await waitFor(() => expect(document.activeElement).toBe(first));
    fireEvent.keyDown(first, { key: "ArrowDown" });
    expect(document.activeElement!.textContent).toBe("For 4 hours");
    fireEvent.keyDown(document.activeElement!, { key: "Escape" });
    expect(screen.queryByRole("menu")).toBeNull();
    expect(document.activeElement).toBe(menuButton);
  });

  test("until tomorrow 09:00 is local time", () => {
    const now = new Date(2026, 10, 20, 22, 30);
    const choice = snoozeChoices(now).find((c) => c.label === "Until tomorrow 09:00")!;
    const t = new Date(choice.until);
    expect([t.getDate(), t.getHours(), t.getMinutes()]).toEqual([21, 9, 0]);
  });

  test("empty state explains incidents and links to the test notification", async () => {
    fakeBackend([connection()]);
    await openIncidents();
    const empty = await screen.findByRole("region", { name: "No active incidents" });
    expect(empty.textContent).toContain("open automatically");
    expect(within(empty).getByRole("link", { name: /Send a test notification/ }).getAttribute("href")).toBe("#/settings");
  });

  test("a failed snooze shows the error on the card", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.list_incidents = () => [incident()];
    b.handlers.snooze_incident = () => {
      throw { kind: "storage", message: "database is locked", fields: [] };
    };
    await openIncidents();
    fireEvent.click(await screen.findByRole("button", { name: /Snooze reminders for/ }));
    fireEvent.click(screen.getByRole("menuitem", { name: "For 1 hour" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The local database failed");
  });
});
