import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, test, vi } from "vitest";
import { App } from "../App";
import { fakeBackend } from "../test/backend";
import { checklistView, connection, step } from "../test/fixtures";

async function openChecklist() {
  window.location.hash = "#/troubleshooting/c1";
  render(<App />);
  await screen.findByRole("heading", { level: 1, name: "Troubleshooting" });
}

describe("Troubleshooting", () => {
  test("the first failing step is selected and focused, with evidence, fix steps and deep link; findings above", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.run_checklist = () =>
      checklistView([step("token", "pass"), step("quarantine", "fail", { deep_link: "https://entra.microsoft.com/#view/x", deep_link_label: "Open Provisioning in Entra" }), step("scope", "unknown")], {
        findings: [{ kind: "quarantine", severity: "critical", title: "The job is in quarantine", evidence: [], action: "Fix the token, then restart provisioning.", days_left: null, threshold_days: null, since: null }],
      });
    await openChecklist();
    const nav = await screen.findByRole("navigation", { name: "Checklist steps" });
    const current = within(nav).getByRole("button", { name: /Step quarantine/ });
    expect(current.getAttribute("aria-current")).toBe("step");
    await waitFor(() => expect(document.activeElement).toBe(current));
    expect(within(current).getByText("Start here")).toBeTruthy();
    expect(screen.getByRole("heading", { name: "Findings" })).toBeTruthy();
    expect(screen.getByText("The job is in quarantine")).toBeTruthy();
    expect(screen.getByText("Critical")).toBeTruthy();
    const detail = screen.getByRole("region", { name: "Step quarantine" });
    expect(within(detail).getByText("quarantine evidence")).toBeTruthy();
    expect(within(detail).getByText("Fix quarantine first")).toBeTruthy();
    const link = within(detail).getByRole("link", { name: "Open Provisioning in Entra" });
    // Opened in the default browser by ExternalLink (the opener plugin), not a new web view.
    expect(link.getAttribute("href")).toBe("https://entra.microsoft.com/#view/x");
    expect(link.getAttribute("target")).toBeNull();
    expect(link.getAttribute("rel")).toBe("noreferrer");
    // Keyboard: arrow down moves to the next step.
    fireEvent.keyDown(current, { key: "ArrowDown" });
    expect(within(nav).getByRole("button", { name: /Step scope/ }).getAttribute("aria-current")).toBe("step");
    expect(screen.getByText(/cannot read this\./)).toBeTruthy();
  });

  test("manual confirmation calls confirm_step; Re-check re-runs; Copy report copies the markdown", async () => {
    const b = fakeBackend([connection()]);
    let confirmed = false;
    const make = () =>
      checklistView([
        step("token", "pass"),
        confirmed
          ? step("consent", "confirmed", { manual_confirmation: "Check admin consent was granted.", confirmed_at: "2026-11-20T10:00:00Z" })
          : step("consent", "unknown", { manual_confirmation: "Check admin consent was granted." }),
      ], { report_markdown: "# Report for Contoso" });
    b.handlers.run_checklist = make;
    b.handlers.confirm_step = () => {
      confirmed = true;
      return make();
    };
    const writeText = vi.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    await openChecklist();
    const nav = await screen.findByRole("navigation", { name: "Checklist steps" });
    fireEvent.click(within(nav).getByRole("button", { name: /Step consent/ }));
    fireEvent.click(screen.getByRole("button", { name: "I've checked this" }));
    await waitFor(() => expect(b.last("confirm_step")!.args).toEqual({ id: "c1", step: "consent" }));
    await screen.findByText(/You confirmed this/);
    expect(within(nav).getByRole("button", { name: /Step consent — Confirmed/ })).toBeTruthy();

    const runs = b.count("run_checklist");
    fireEvent.click(screen.getByRole("button", { name: "Re-check" }));
    await waitFor(() => expect(b.count("run_checklist")).toBe(runs + 1));

    fireEvent.click(screen.getByRole("button", { name: "Copy report" }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith("# Report for Contoso"));
  });

  test("a SCIM-only connection shows the Entra steps as not applicable, never as could-not-check, without fix steps", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.run_checklist = () =>
      checklistView([
        step("tenant_url", "pass"),
        step("quarantine", "not_applicable", {
          outcome: { status: "not_applicable", summary: "Not applicable: this connection watches only the SaaS's SCIM endpoint.", evidence: [], why_unknown: null, observed_at: null },
        }),
      ]);
    await openChecklist();
    const nav = await screen.findByRole("navigation", { name: "Checklist steps" });
    expect(await screen.findByText(/1 not applicable/)).toBeTruthy();
    expect(screen.getByText(/0 could not check/)).toBeTruthy();
    fireEvent.click(within(nav).getByRole("button", { name: /Step quarantine/ }));
    const detail = screen.getByRole("region", { name: "Step quarantine" });
    expect(within(detail).getAllByText(/Not applicable/).length).toBeGreaterThan(0);
    expect(within(detail).queryByText("Fix quarantine first")).toBeNull();
    expect(within(detail).queryByRole("button", { name: "I've checked this" })).toBeNull();
  });

  test("a confirmation given while the live evidence fails keeps the step failing and is shown beside the evidence", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.run_checklist = () =>
      checklistView([
        step("token_valid", "fail", {
          manual_confirmation: "I clicked Test Connection in Entra and it succeeded.",
          confirmed_at: "2026-11-20T09:00:00Z",
          confirmation_note: "You confirmed \"I clicked Test Connection in Entra and it succeeded.\" at 2026-11-20 09:00 UTC, after this failure was observed; the live evidence still fails.",
        }),
      ]);
    await openChecklist();
    const detail = await screen.findByRole("region", { name: "Step token_valid" });
    expect(within(detail).getByText("Your confirmation does not override the live evidence")).toBeTruthy();
    expect(within(detail).getByText("token_valid evidence")).toBeTruthy();
    expect(within(detail).queryByText(/You confirmed this/)).toBeNull();
    const nav = screen.getByRole("navigation", { name: "Checklist steps" });
    expect(within(within(nav).getByRole("button", { name: /Step token_valid/ })).getByText("Start here")).toBeTruthy();
  });

  test("all passing says so", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.run_checklist = () => checklistView([step("token", "pass"), step("scope", "pass")]);
    await openChecklist();
    expect(await screen.findByText("Every check passes and nothing is wrong that scimwatch can see.")).toBeTruthy();
    expect(screen.getByText("All clear")).toBeTruthy();
  });
});
