import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { emit } from "@tauri-apps/api/event";
import { describe, expect, test } from "vitest";
import { App } from "../../App";
import { fakeBackend, reject } from "../../test/backend";
import { connection, probePlan, probeReport, storedProbe } from "../../test/fixtures";

async function openCompliance() {
  window.location.hash = "#/inventory/c1/compliance";
  render(<App />);
  return await screen.findByTestId("probe-section");
}

describe("Test with Entra's requests", () => {
  test("never probed: says so, and claims nothing", async () => {
    fakeBackend([connection()]);
    const section = await openCompliance();
    expect((await within(section).findByTestId("probe-never")).textContent).toContain("Never probed");
    expect(section.textContent).not.toContain("Ready for Entra");
  });

  test("shows the stored report: one result per operation, the verdict, when, and a failure's request, response and Entra's reaction", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.stored_probe = () => storedProbe({ write: probeReport({}, ["rename_group"]) });
    const section = await openCompliance();
    const verdict = await within(section).findByTestId("probe-verdict");
    expect(verdict.textContent).toContain("Problems found");
    expect(verdict.textContent).toContain("1 of Entra's operation failed");
    const table = within(section).getByRole("table", { name: "Entra's operations" });
    expect(within(table).getAllByRole("row")).toHaveLength(22);
    const row = within(section).getByTestId("probe-step-rename_group");
    expect(row.textContent).toContain("Fail");
    expect(row.textContent).toContain("Entra retries");
    expect(within(section).queryByTestId("probe-evidence-create_user")).toBeNull();
    const evidence = within(section).getByTestId("probe-evidence-rename_group");
    fireEvent.click(within(evidence).getByText(/Evidence: PATCH/));
    expect(evidence.textContent).toContain("PATCH https://acme.example.com/scim/v2/Groups/g-17");
    expect(evidence.textContent).toContain("501");
    expect(evidence.textContent).toContain("PATCH on Groups is not implemented");
    expect(evidence.textContent).toContain("Bearer <redacted>");
    expect(within(section).getByTestId("probe-step-create_user").textContent).toContain("Pass");
    expect(section.textContent).toContain("Write probe of");
  });

  test("a ready report says ready for Entra", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.stored_probe = () => storedProbe({ write: probeReport() });
    const section = await openCompliance();
    expect((await within(section).findByTestId("probe-verdict")).textContent).toContain("Ready for Entra");
    expect(within(section).getAllByText("Pass")).toHaveLength(21);
    expect(within(section).queryByTestId("probe-not-checked")).toBeNull();
  });

  test("an operation not checked is named beside the verdict, never shown as a pass", async () => {
    const b = fakeBackend([connection()]);
    const report = probeReport();
    const why =
      "not checked: scimwatch has no attribute mappings for this connection (a SCIM-only connection, or its Graph side not read yet). Entra sends a role on Create User only when the Users mapping maps app roles";
    report.steps = report.steps.map((s) => (s.code === "create_user_with_role" ? { ...s, outcome: "not_checked", message: why } : s));
    b.handlers.stored_probe = () => storedProbe({ write: report });
    const section = await openCompliance();
    const verdict = await within(section).findByTestId("probe-verdict");
    expect(verdict.textContent).toContain("Ready for Entra");
    expect(verdict.textContent).toContain("Not checked: one operation");
    expect(verdict.textContent).not.toContain("Every operation Entra sends passed");
    const row = within(section).getByTestId("probe-step-create_user_with_role");
    expect(row.textContent).toContain("Not checked");
    expect(row.textContent).not.toContain("Pass");
    expect(within(section).getAllByText("Pass")).toHaveLength(20);
    const list = within(section).getByTestId("probe-not-checked");
    expect(list.textContent).toContain("Create a user with an app role");
    expect(list.textContent).toContain("no attribute mappings");
  });

  test("the write probe asks twice — the requests and the host — and nothing is sent before the second", async () => {
    const b = fakeBackend([connection()]);
    let finish: (v: unknown) => void = () => {};
    b.handlers.probe_plan = () => probePlan();
    b.handlers.run_probe = () => new Promise((resolve) => (finish = resolve));
    const section = await openCompliance();
    fireEvent.click(within(section).getByRole("button", { name: "Test with Entra's requests…" }));

    // First confirmation: the host, the exact requests and what is created.
    const first = await screen.findByRole("dialog", { name: "Test with Entra's requests: what will be sent" });
    expect(first.textContent).toContain("acme.example.com");
    const plan = within(first).getByRole("list", { name: "Requests the probe sends" });
    expect(within(plan).getAllByRole("listitem")).toHaveLength(3);
    expect(plan.textContent).toContain('POST https://acme.example.com/scim/v2/Users');
    expect(first.textContent).toContain("scimwatch-probe-a1b2c3d4e5-group");
    expect(first.textContent).toContain("always deletes");
    expect(b.count("run_probe")).toBe(0);
    fireEvent.click(within(first).getByRole("button", { name: "Continue…" }));

    // Second: the host typed back; the button stays off until it matches.
    const second = await screen.findByRole("alertdialog", { name: "Write to acme.example.com?" });
    const send = within(second).getByRole("button", { name: "Send Entra's requests" });
    expect(send).toHaveProperty("disabled", true);
    const input = within(second).getByLabelText(/I understand this writes to acme.example.com/);
    fireEvent.change(input, { target: { value: "acme.example.org" } });
    expect(send).toHaveProperty("disabled", true);
    fireEvent.submit(input.closest("form")!);
    expect(b.count("run_probe")).toBe(0);
    fireEvent.change(input, { target: { value: "ACME.example.com " } });
    expect(send).toHaveProperty("disabled", false);
    fireEvent.click(send);

    await waitFor(() => expect(b.count("run_probe")).toBe(1));
    expect(b.last("run_probe")!.args).toEqual({ id: "c1", write: true, token: "a1b2c3d4e5", host: "ACME.example.com" });
    // Progress from the engine's events, and Cancel.
    const progress = await within(section).findByTestId("probe-progress");
    await act(async () => {
      await emit("probe-progress", { connection_id: "c1", step: probeReport().steps[1] });
    });
    await waitFor(() => expect(progress.textContent).toContain("1 of 21 operations done"));
    b.handlers.cancel_probe = () => true;
    fireEvent.click(within(progress).getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(b.count("cancel_probe")).toBe(1));
    expect(progress.textContent).toContain("cleaning up");
    await act(async () => finish(storedProbe({ write: probeReport() })));
    expect((await within(section).findByTestId("probe-verdict")).textContent).toContain("Ready for Entra");
  });

  test("cancelling either confirmation sends nothing", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.probe_plan = () => probePlan();
    const section = await openCompliance();
    fireEvent.click(within(section).getByRole("button", { name: "Test with Entra's requests…" }));
    const first = await screen.findByRole("dialog", { name: /what will be sent/ });
    fireEvent.click(within(first).getByRole("button", { name: "Cancel" }));
    fireEvent.click(within(section).getByRole("button", { name: "Test with Entra's requests…" }));
    fireEvent.click(within(await screen.findByRole("dialog", { name: /what will be sent/ })).getByRole("button", { name: "Continue…" }));
    const second = await screen.findByRole("alertdialog", { name: /Write to/ });
    fireEvent.click(within(second).getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(screen.queryByRole("alertdialog")).toBeNull());
    expect(b.count("probe_plan")).toBe(2);
    expect(b.count("run_probe")).toBe(0);
  });

  test("the read-only checks run without a confirmation", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.run_probe = () => storedProbe({ read_only: probeReport({ write_probe_run: false, verdict: "could_not_probe" }) });
    const section = await openCompliance();
    fireEvent.click(within(section).getByRole("button", { name: "Read-only checks" }));
    await waitFor(() => expect(b.count("run_probe")).toBe(1));
    expect(b.last("run_probe")!.args).toEqual({ id: "c1", write: false });
    expect(screen.queryByRole("dialog")).toBeNull();
    expect((await within(section).findByTestId("probe-verdict")).textContent).toContain("Only the read side ran");
  });

  test("leftovers of an interrupted probe are shown with their ids, and Clean up now deletes them", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.stored_probe = () =>
      storedProbe({
        pending: [{ resource: "Users", id: "u-42", names: ["scimwatch-probe-x"], reason: "left by an interrupted probe, and the last clean-up could not delete it: HTTP 503" }],
      });
    b.handlers.probe_cleanup = () => storedProbe();
    const section = await openCompliance();
    const list = await within(section).findByTestId("probe-leftovers");
    expect(list.textContent).toContain("Users/u-42");
    expect(list.textContent).toContain("HTTP 503");
    fireEvent.click(within(section).getByRole("button", { name: "Clean up now" }));
    await waitFor(() => expect(within(section).queryByTestId("probe-leftovers")).toBeNull());
    expect(b.last("probe_cleanup")!.args).toEqual({ id: "c1" });
  });

  test("a refused run shows the engine's error", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.run_probe = () => reject("conflict", "a probe of Acme is already running; wait for it or cancel it");
    const section = await openCompliance();
    fireEvent.click(within(section).getByRole("button", { name: "Read-only checks" }));
    expect(await within(section).findByText(/already running/)).toBeTruthy();
  });

  test("export asks where to save, then writes the chosen format", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.stored_probe = () => storedProbe({ write: probeReport() });
    b.handlers["plugin:dialog|save"] = () => "/home/alex/probe.md";
    b.handlers.export_probe = (a) => ({ path: a.path, rows: 21 });
    const section = await openCompliance();
    fireEvent.click(await within(section).findByRole("button", { name: "Export Markdown" }));
    await waitFor(() => expect(b.count("export_probe")).toBe(1));
    expect(b.last("export_probe")!.args).toEqual({ id: "c1", format: "markdown", path: "/home/alex/probe.md" });
    expect(await within(section).findByRole("button", { name: "Show in folder" })).toBeTruthy();
  });
});
