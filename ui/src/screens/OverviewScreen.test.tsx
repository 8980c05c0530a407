import { emit } from "@tauri-apps/api/event";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import { App } from "../App";
import { formatLocalDateTime } from "../lib/time";
import { fakeBackend } from "../test/backend";
import { connection, cycle, healthyReport, incident, statusReport, streamView, tokenStatus } from "../test/fixtures";

async function card(name: string) {
  const list = await screen.findByRole("list", { name: "Connections" });
  const article = within(list).getByRole("article", { name: name });
  await waitFor(() => expect(article.getAttribute("aria-busy")).toBeNull());
  return article;
}

describe("Overview", () => {
  test("healthy: job, schedule, last and next cycle, timing, token countdown", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.job_status = () => healthyReport();
    b.handlers.token_status = () => tokenStatus();
    render(<App />);
    const c = await card("Contoso → Acme");
    expect(within(c).getByText("Healthy")).toBeTruthy();
    expect(within(c).getByText("Active")).toBeTruthy();
    expect(within(c).getByText(/every 40 min/)).toBeTruthy();
    expect(within(c).getByText(/12 min ago/)).toBeTruthy();
    expect(within(c).getByText(/^~.*\d{2}:\d{2}$/)).toBeTruthy();
    expect(within(c).getByText("Steady: cycles every ~40 min")).toBeTruthy();
    expect(await within(c).findByText("23 days left")).toBeTruthy();
    expect(within(c).getByText("None open")).toBeTruthy();
  });

  test("stalled", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.job_status = () => healthyReport({ stalled: true, timing: "stalled: no cycle for 3 hours" });
    render(<App />);
    const c = await card("Contoso → Acme");
    expect(within(c).getByText("Problem")).toBeTruthy();
    expect(within(c).getByText("Provisioning cycles have stalled.")).toBeTruthy();
    expect(within(c).getByRole("link", { name: "Troubleshoot" }).getAttribute("href")).toBe("#/troubleshooting/c1");
  });

  test("quarantine shows reason and days left, and open incidents with severity", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.job_status = () =>
      healthyReport({ quarantine: { reason: "the SCIM endpoint returned 401", error_code: "SystemForCrossDomainIdentityManagementUnauthorized", error_message: null, error_source: null, since: "2026-11-18T10:00:00Z", next_attempt: null, days_left: 26 } });
    b.handlers.list_incidents = () => [incident({ severity: "critical", kind: "quarantine" })];
    render(<App />);
    const c = await card("Contoso → Acme");
    const q = within(c).getByRole("alert");
    expect(q.textContent).toContain("In quarantine");
    expect(q.textContent).toContain("26 days left before Entra disables the job");
    expect(q.textContent).toContain("The SCIM endpoint returned 401");
    expect(within(c).getByRole("link", { name: /1 open/ }).getAttribute("href")).toBe("#/incidents/c1");
    expect(within(c).getByText("Critical")).toBeTruthy();
  });

  test("blind and not polled", async () => {
    const b = fakeBackend([connection(), connection({ id: "c2", name: "Wiki" })]);
    b.handlers.job_status = (a) => (a.id === "c1" ? healthyReport({ graph: "blind", blind_reason: "Graph answered 403: consent was revoked" }) : statusReport());
    render(<App />);
    const blind = await card("Contoso → Acme");
    expect(within(blind).getByText("Blind")).toBeTruthy();
    expect(within(blind).getByText("Graph answered 403: consent was revoked")).toBeTruthy();
    const np = await card("Wiki");
    expect(within(np).getByText("Not polled yet")).toBeTruthy();
  });

  test("throttled logs are 'delayed until' in local time while the job is read: not blind", async () => {
    const until = new Date(Date.now() + 10 * 60_000);
    const b = fakeBackend([connection()]);
    b.handlers.job_status = () =>
      healthyReport({
        streams: [
          streamView("job"),
          streamView("configuration"),
          streamView("logs", { state: "failing", problem: "throttled", http_status: 429, reason: "Microsoft Graph is throttling requests", delayed_until: until.toISOString() }),
        ],
      });
    render(<App />);
    const c = await card("Contoso → Acme");
    const notes = within(c).getByRole("list", { name: "Streams not read" });
    expect(notes.textContent).toBe(`Logs delayed until ${formatLocalDateTime(until)} · in 10 min (throttled)`);
    expect(notes.querySelector("time")?.getAttribute("title")).toMatch(/ UTC$/);
    expect(within(c).queryByText("Blind")).toBeNull();
    expect(within(c).queryByText("scimwatch cannot read the provisioning job")).toBeNull();
  });

  test("a job the stream could not read names Graph's answer and the rediscovery", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.job_status = () =>
      statusReport({
        graph: "blind",
        blind_reason: "the provisioning job was not found in Microsoft Graph (ResourceNotFound)",
        blind_since: new Date().toISOString(),
        streams: [
          streamView("job", {
            state: "failing",
            problem: "not_found",
            http_status: 404,
            reason: "the provisioning job was not found in Microsoft Graph (ResourceNotFound)",
            last_read: null,
            hint: 'the app\'s provisioning job may have been deleted or the app id is wrong: re-run app discovery (`scimwatch-cli discover-app "Contoso → Acme"`) and check the connection\'s enterprise app',
          }),
          streamView("configuration", { state: "failing", problem: "server_error", http_status: 503, reason: "Microsoft Graph answered HTTP 503" }),
          streamView("logs"),
        ],
      });
    render(<App />);
    const c = await card("Contoso → Acme");
    expect(within(c).getByText("scimwatch cannot read the provisioning job")).toBeTruthy();
    expect(within(c).getByText('scimwatch-cli discover-app "Contoso → Acme"').tagName).toBe("CODE");
    // The job is the callout's subject; the other unread stream has its own line.
    const notes = within(c).getByRole("list", { name: "Streams not read" });
    expect(within(notes).getAllByRole("listitem")).toHaveLength(1);
    expect(notes.textContent).toContain("Configuration could not be read — Graph answered 503: Microsoft Graph answered HTTP 503");
  });

  test("a stream scimwatch could not store (its own database) never blames Microsoft Graph", async () => {
    fakeBackend([connection()]).handlers.job_status = () =>
      statusReport({
        streams: [
          streamView("job"),
          streamView("configuration"),
          streamView("logs", { state: "failing", problem: "local", http_status: null, reason: "database error: database is locked" }),
        ],
      });
    render(<App />);
    const c = await card("Contoso → Acme");
    const notes = within(c).getByRole("list", { name: "Streams not read" });
    expect(notes.textContent).toContain("Logs not updated — a problem on this computer, not in Microsoft Graph: database error: database is locked");
    expect(notes.textContent).not.toContain("Graph answered");
    expect(notes.textContent).not.toContain("no usable answer");
  });

  test("a connection without Entra side shows the SCIM-only view when job_status rejects", async () => {
    const b = fakeBackend([connection({ entra: null })]);
    b.handlers.job_status = () => {
      throw { kind: "not_found", message: "no Entra side", fields: [] };
    };
    b.handlers.token_status = () => tokenStatus({ last_check_verdict: "ok" });
    render(<App />);
    const c = await card("Contoso → Acme");
    // The card is drawn before token_status answers: wait for the verdict.
    expect(await within(c).findByText("Not watched: SCIM checks only")).toBeTruthy();
    expect(await within(c).findByText("Healthy")).toBeTruthy();
    expect(within(c).queryByRole("alert")).toBeNull();
  });

  test("Poll now calls poll_now for the connection and refreshes; poll-event refreshes the card", async () => {
    const b = fakeBackend([connection()]);
    let report = statusReport();
    b.handlers.job_status = () => report;
    render(<App />);
    const c = await card("Contoso → Acme");
    report = healthyReport();
    fireEvent.click(within(c).getByRole("button", { name: "Poll Contoso → Acme now" }));
    await waitFor(() => expect(b.last("poll_now")!.args).toEqual({ id: "c1" }));
    await within(c).findByText("Healthy");
    report = healthyReport({ stalled: true });
    await emit("poll-event", { type: "cycle_completed", connection: "c1", ended_ms: 1 });
    await within(c).findByText("Problem");
  });

  test("the cycle chart draws stacked bars with a table fallback", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.list_cycles = () => [cycle(0, { create: { success: 2 }, update: { failure: 3 } }), cycle(1)];
    render(<App />);
    const img = await screen.findByRole("img", { name: /Cycles of Contoso → Acme: 2 cycles/ });
    expect(img.querySelectorAll("rect.bar-failed")).toHaveLength(2);
    expect(img.querySelector("rect.bar-failed title")!.textContent).toMatch(/Failed: (3|1)/);
    fireEvent.click(screen.getByRole("button", { name: "Show as table" }));
    const table = screen.getByRole("table", { name: /Cycles of Contoso → Acme/ });
    const rows = within(table).getAllByRole("row");
    expect(rows).toHaveLength(3);
    expect(within(rows[1]!).getAllByRole("cell").map((c) => c.textContent)).toEqual(["2", "0", "0", "3", "0", "5"]);
  });

  test("first launch offers both paths; the demo starts and its panel switches faults", async () => {
    const b = fakeBackend([]);
    let running = false;
    const faults = [
      { kind: "quarantine", description: "Put the job in quarantine", active: false },
      { kind: "token_revoked", description: "Revoke the SCIM token", active: false },
    ];
    b.handlers.demo_status = () => ({ running, connection_id: running ? "demo" : null, faults });
    b.handlers.start_demo = () => {
      running = true;
      const c = connection({ id: "demo", name: "Demo tenant (simulated)" });
      b.db.push(c);
      return c;
    };
    b.handlers.set_demo_fault = (a) => {
      faults.forEach((f) => (f.active = a.kind === null ? false : f.active || f.kind === a.kind));
      return { running, connection_id: "demo", faults: structuredClone(faults) };
    };
    render(<App />);
    expect(await screen.findByRole("button", { name: "Add your first connection" })).toBeTruthy();
    expect(screen.getByText("Simulated — no real tenant is touched")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Open the demo tenant" }));
    await waitFor(() => expect(b.count("start_demo")).toBe(1));
    const panel = await screen.findByRole("region", { name: "Demo faults" });
    expect(panel.textContent).toContain("Switch one on, then watch");
    const sw = within(panel).getByRole("switch", { name: "Put the job in quarantine" });
    expect(sw.getAttribute("aria-checked")).toBe("false");
    fireEvent.click(sw);
    await waitFor(() => expect(b.last("set_demo_fault")!.args).toEqual({ kind: "quarantine" }));
    await waitFor(() => expect(within(panel).getByRole("switch", { name: "Put the job in quarantine" }).getAttribute("aria-checked")).toBe("true"));
    fireEvent.click(within(panel).getByRole("button", { name: "Clear all faults" }));
    await waitFor(() => expect(b.last("set_demo_fault")!.args).toEqual({ kind: null }));
  });

  test("incidents-changed reloads the open incidents", async () => {
    const b = fakeBackend([connection()]);
    render(<App />);
    const c = await card("Contoso → Acme");
    expect(within(c).getByText("None open")).toBeTruthy();
    b.handlers.list_incidents = () => [incident()];
    await emit("incidents-changed", ["c1"]);
    await within(c).findByRole("link", { name: /1 open/ });
  });
});

describe("open-incident", () => {
  test("a clicked notification opens Incidents filtered to its connection", async () => {
    const b = fakeBackend([connection(), connection({ id: "c2", name: "Wiki" })]);
    render(<App />);
    await screen.findByRole("list", { name: "Connections" });
    await emit("open-incident", { summary: "Quarantine", body: "b", severity: "critical", connection_id: "c2", incident_kind: "quarantine" });
    await screen.findByRole("heading", { level: 1, name: "Incidents" });
    expect(window.location.hash).toBe("#/incidents/c2");
    await waitFor(() => expect(b.last("list_incidents")!.args).toEqual({ connection: "c2", activeOnly: true }));
    expect((screen.getByLabelText("Connection") as HTMLSelectElement).value).toBe("c2");
  });

  test("a quarantine shows Microsoft's error message and where it was read", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.job_status = () =>
      healthyReport({
        quarantine: {
          reason: "EncounteredQuarantineException",
          error_code: "SystemForCrossDomainIdentityManagementInvalidCredentials",
          error_message: "The credentials supplied for the SCIM endpoint were rejected.",
          error_source: "last_execution",
          since: null,
          next_attempt: null,
          days_left: null,
        },
      });
    render(<App />);
    const q = within(await card("Contoso → Acme")).getByRole("alert");
    expect(q.textContent).toContain("Last run's error: The credentials supplied for the SCIM endpoint were rejected.");
  });
});
