// The tray menu's item for an open incident (src-tauri/src/tray.rs emits
// `show-incident`): the window opens the Incidents screen of its connection
// with that incident focused, not the Overview.
import { act, render, screen, waitFor } from "@testing-library/react";
import { emit } from "@tauri-apps/api/event";
import { describe, expect, test } from "vitest";
import { App } from "../App";
import { incidentHref } from "../lib/router";
import { fakeBackend } from "../test/backend";
import { connection, incident } from "../test/fixtures";

describe("the tray's incident item", () => {
  test("opens the Incidents screen at that incident, focused", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.list_incidents = () => [
      incident({ title: "The SCIM token expires in 6 days" }, 7),
      incident({ kind: "quarantine", severity: "critical", title: "The job is in quarantine" }, 9),
    ];
    window.location.hash = "#/overview";
    render(<App />);
    await screen.findByRole("heading", { level: 1, name: "Overview" });
    await act(async () => {
      await emit("show-incident", { id: 9, connection_id: "c1" });
    });
    await screen.findByRole("heading", { level: 1, name: "Incidents" });
    expect(window.location.hash).toBe("#/incidents/c1?incident=9");
    await waitFor(() => expect(document.activeElement?.id).toBe("incident-9"));
    expect(document.activeElement?.textContent).toContain("The job is in quarantine");
    expect(document.getElementById("incident-7")?.getAttribute("aria-current")).toBeNull();
    expect(b.last("list_incidents")?.args).toMatchObject({ connection: "c1" });
  });

  test("an incident resolved since the menu was built opens the unfiltered screen", () => {
    expect(incidentHref(9, "c1")).toBe("#/incidents/c1?incident=9");
    expect(incidentHref(8, null)).toBe("#/incidents?incident=8");
  });
});
