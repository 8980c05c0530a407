import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import { App } from "../App";
import type { IncidentView } from "../bindings/IncidentView";
import { fakeBackend } from "../test/backend";
import { connection, historyEntry, incident } from "../test/fixtures";
import { formatClock } from "./incidents/format";
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

  test("Acknowledge stops reminders: the card says who acknowledged", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.list_incidents = () => [incident()];
    b.handlers.acknowledge_incident = (args) => incident({ acknowledged: { by: "alex", at: "2026-11-20T10:00:00Z" } }, args.id as number);
    await openIncidents();
    fireEvent.click(await screen.findByRole("button", { name: /^Acknowledge “/ }));
    await waitFor(() => expect(b.last("acknowledge_incident")!.args).toEqual({ id: 7 }));
    await screen.findByText("Acknowledged by alex");
    expect(screen.queryByRole("button", { name: /^Acknowledge “/ })).toBeNull();
    // Still open: Resolve and Snooze stay.
    expect(screen.getByRole("button", { name: /^Resolve “/ })).toBeTruthy();
    expect(await screen.findByText("Acknowledged: no more reminders")).toBeTruthy();
  });

  test("Resolve asks for a note, sends it, and shows the evidence as of resolution", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.list_incidents = () => [incident()];
    const at = "2026-11-20T14:05:00Z";
    b.handlers.resolve_incident = (args) =>
      incident({
        state: "resolved",
        resolved_at: at,
        resolution: {
          at,
          by_hand: true,
          by: "alex",
          note: args.note as string,
          evidence: [
            { label: "Next attempt", value: { kind: "time", value: "2026-11-20T20:05:00Z" } },
            { label: "Source", value: { kind: "text", value: "JWT exp claim" } },
          ],
          action: "Rotate the token: Token → Rotate the token.",
          followed_up: false,
          reopened: false,
        },
      });
    await openIncidents();
    fireEvent.click(await screen.findByRole("button", { name: /^Resolve “/ }));
    const dialog = screen.getByRole("dialog", { name: "Resolve incident" });
    const note = within(dialog).getByLabelText("Note");
    expect(document.activeElement).toBe(note);
    // An empty note is refused here, with the reason.
    fireEvent.click(within(dialog).getByRole("button", { name: "Resolve" }));
    expect(within(dialog).getByText(/the note is kept in the incident's history/)).toBeTruthy();
    expect(note.getAttribute("aria-invalid")).toBe("true");
    expect(b.count("resolve_incident")).toBe(0);

    fireEvent.change(note, { target: { value: "  Rotated the token in Entra.  " } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Resolve" }));
    await waitFor(() => expect(b.last("resolve_incident")!.args).toEqual({ id: 7, note: "Rotated the token in Entra." }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());

    const card = screen.getByRole("article");
    expect(within(card).getByText("Resolved", { selector: ".badge" })).toBeTruthy();
    expect(within(card).getByText(`Evidence when resolved, ${formatClock(at)}`)).toBeTruthy();
    expect(within(card).getByText("Rotated the token in Entra.")).toBeTruthy();
    expect(card.textContent).toContain("Resolved by alex");
    expect(card.textContent).toContain("What was recommended");
    // Times in the resolved evidence are absolute, never "in 6 hours".
    const evidence = within(card).getByRole("region", { name: "Evidence when resolved" });
    expect(evidence.textContent).toContain("Next attempt");
    expect(evidence.textContent).not.toMatch(/\bin \d+ (hours?|min|days?)\b|ago\b/);
    expect(within(card).queryByRole("button", { name: /^Resolve “/ })).toBeNull();
  });

  test("a note the back end refuses is shown on the field", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.list_incidents = () => [incident()];
    b.handlers.resolve_incident = () => {
      throw { kind: "validation", message: "note: the note has 2001 characters; at most 2000", fields: [{ field: "note", message: "the note has 2001 characters; at most 2000" }] };
    };
    await openIncidents();
    fireEvent.click(await screen.findByRole("button", { name: /^Resolve “/ }));
    const dialog = screen.getByRole("dialog", { name: "Resolve incident" });
    fireEvent.change(within(dialog).getByLabelText("Note"), { target: { value: "x" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Resolve" }));
    expect(await within(dialog).findByText("the note has 2001 characters; at most 2000")).toBeTruthy();
  });

  test("a re-opened incident says so, and links back", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.list_incidents = () => [{ ...incident({}, 9), reopened_from: 7 }];
    await openIncidents();
    expect(await screen.findByText(/Re-opened: it was resolved by hand, but the problem was still there/)).toBeTruthy();
  });

  test("History lists start, end and duration, newest first, and pages", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.incident_history = (args) =>
      args.cursor === null
        ? {
            items: [
              historyEntry({ id: 9, state: "open", resolved_at: null, duration_ms: 45 * 60_000, resolved_by_hand: false, resolved_by: null, note: null, title: "The job is quarantined", reopened_from: 7 }),
              historyEntry(),
            ],
            next_cursor: "1763542800000:7",
          }
        : { items: [historyEntry({ id: 3, title: "The token expires", duration_ms: 2 * 86_400_000 + 4 * 3_600_000, resolved_by_hand: false, resolved_by: null, note: null })], next_cursor: null };
    await openIncidents();
    fireEvent.click(screen.getByRole("radio", { name: "History" }));
    const table = await screen.findByRole("table", { name: /Incident history/ });
    await waitFor(() => expect(b.last("incident_history")!.args).toEqual({ connection: null, cursor: null, limit: 25 }));
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((r) => within(r).getAllByRole("cell")[2]!.textContent)).toEqual(["45 min", "1 h 30 min"]);
    expect(within(rows[0]!).getByText("Ongoing")).toBeTruthy();
    expect(rows[1]!.textContent).toContain("By alex");
    expect(rows[1]!.textContent).toContain("Restarted the gateway.");

    fireEvent.click(screen.getByRole("button", { name: "Show older" }));
    await waitFor(() => expect(b.last("incident_history")!.args).toEqual({ connection: null, cursor: "1763542800000:7", limit: 25 }));
    await waitFor(() => expect(within(table).getAllByRole("row")).toHaveLength(4));
    expect(within(table).getAllByRole("row")[3]!.textContent).toContain("2 d 4 h");
    expect(screen.queryByRole("button", { name: "Show older" })).toBeNull();
  });

  test("History follows the connection filter", async () => {
    const b = fakeBackend([connection(), connection({ id: "c2", name: "Wiki" })]);
    await openIncidents();
    fireEvent.click(screen.getByRole("radio", { name: "History" }));
    await screen.findByRole("heading", { name: "No incident recorded" });
    fireEvent.change(screen.getByLabelText("Connection"), { target: { value: "c2" } });
    await waitFor(() => expect(b.last("incident_history")!.args).toEqual({ connection: "c2", cursor: null, limit: 25 }));
  });
});
